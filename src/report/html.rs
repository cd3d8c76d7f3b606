//! `report.html`: one self-contained file that works offline from a ticket
//! attachment, readable with JavaScript off and printed.
//!
//! The page is rendered by handlebars from `templates/` (a layout, one
//! partial per section, the stylesheet and the script), embedded in the
//! binary. The templates get one typed [`Context`] built here from the
//! [`Report`]: every number, label and sentence is made in Rust, the
//! templates only place them. Input values always go through `{{ }}` or
//! the `{{segments}}` helper (both escaped with the registry's escape
//! function); `{{{ }}}` is used only for the SVG charts built below and the
//! Content-Security-Policy.
//!
//! The policy allows the one inline stylesheet and the one inline script by
//! their SHA-256 and nothing else: no network request, no other script.
//!
//! Size: at most `report_limit` rows per rule and `5 × report_limit`
//! persons are listed, within byte budgets that keep the file under 20 MB
//! whatever the tenant; the CSV files have everything.

use super::{Report, UserRow, Verdict};
use crate::link::Outcome;
use crate::model::Source;
use crate::rules::{Finding, Rule, Scenario, Severity};
use anyhow::{Context as _, Result};
use base64::Engine as _;
use handlebars::Handlebars;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const LAYOUT: &str = include_str!("../../templates/report.hbs");
const STYLE: &str = include_str!("../../templates/report.css");
const SCRIPT: &str = include_str!("../../templates/report.js");
/// The partials, by name: `templates/partials/NAME.hbs`.
macro_rules! partials {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/partials/", $name, ".hbs")))),*]
    };
}
const PARTIALS: &[(&str, &str)] = partials!(
    "verdict",
    "plan",
    "settings",
    "chart",
    "compare",
    "rules",
    "remediation",
    "tracking",
    "persons",
    "inputs",
);

/// Bytes of finding rows, all rules together (each rule fired gets an
/// equal share). With the persons' and remediation budgets and the rest of
/// the page this keeps report.html under 20 MB; the estimates per row are
/// on the high side (tests/report_html.rs renders an oversized tenant).
const FINDINGS_BUDGET: usize = 13_500_000;
/// Bytes of person rows.
const PERSONS_BUDGET: usize = 4_000_000;
/// Bytes of remediation lines.
const REMEDIATION_BUDGET: usize = 1_000_000;
/// Characters of one value shown in a table cell.
const CELL_CHARS: usize = 1_500;
/// Markup around one finding row and one person row, for the budgets.
const FINDING_ROW_MARKUP: usize = 420;
const PERSON_ROW_MARKUP: usize = 520;

/// The three checks of a person, today and after the change.
const CHECKS: [&str; 3] = [
    "OneDrive backup",
    "Exchange Online backup",
    "Exchange Online restore",
];

/// The change rules: an error of one of them breaks the person with the
/// change even when no backup check does.
const CHANGE_RULES: [Rule; 4] = [
    Rule::DuplicateOnRemap,
    Rule::RemapCollision,
    Rule::RemapValueMissing,
    Rule::RemapSharedValue,
];

/// Renders `report.html`.
pub fn render(r: &Report, generated: &str) -> Result<String> {
    let context = Context::build(r, generated)?;
    let hb = registry()?;
    // The context is turned into JSON once; each section is its own
    // template (a partial would copy the whole context on every call), and
    // the page is assembled at the `<!--preflight:NAME-->` markers of the
    // layout. Input values never contain a marker: `<` is escaped.
    let ctx = handlebars::Context::wraps(&context).context("cannot build the report context")?;
    let mut page = hb
        .render_with_context("report", &ctx)
        .context("cannot render report.html")?;
    for (name, _) in PARTIALS {
        let html = hb
            .render_with_context(name, &ctx)
            .with_context(|| format!("cannot render the {name} section of report.html"))?;
        page = page.replacen(&format!("<!--preflight:{name}-->"), &html, 1);
    }
    // Inserted byte for byte: the CSP hashes are computed over these constants.
    Ok(page.replacen("<!--preflight:style-->", STYLE, 1).replacen(
        "<!--preflight:script-->",
        SCRIPT,
        1,
    ))
}

/// The context the templates get, as JSON (for `PREFLIGHT_DUMP_CONTEXT`).
pub fn context_json(r: &Report, generated: &str) -> Result<String> {
    let mut json = serde_json::to_string_pretty(&Context::build(r, generated)?)?;
    json.push('\n');
    Ok(json)
}

/// The Content-Security-Policy: the inline stylesheet and script by hash,
/// data: images (the empty favicon), nothing else.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// `sha256-…` of an inline element's exact text, as CSP wants it.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn registry() -> Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.set_prevent_indent(true);
    hb.register_template_string("report", LAYOUT)?;
    hb.register_helper("segments", Box::new(segments));
    for (name, text) in PARTIALS {
        hb.register_template_string(name, text.trim_end())?;
    }
    Ok(hb)
}

/// Text with `backticked` parts, which the templates show as code.
type Text = Vec<Segment>;

/// `{{segments TEXT}}`: a [`Text`] as HTML, its code parts in `<code>`, every
/// part escaped with the registry's escape function. Writes what
/// `{{#each TEXT}}{{#if code}}<code>{{text}}</code>{{else}}{{text}}{{/if}}{{/each}}`
/// wrote, without a block context per part: the finding rows of a large
/// tenant each hold one or two such texts.
fn segments(
    h: &handlebars::Helper<'_>,
    r: &Handlebars<'_>,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::RenderErrorReason;
    let param = h
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("segments", 0))?;
    let parts = param
        .value()
        .as_array()
        .ok_or(RenderErrorReason::InvalidParamType(
            "a list of text segments",
        ))?;
    let escape = r.get_escape_fn();
    for part in parts {
        let (Some(text), Some(code)) = (
            part.get("text").and_then(|t| t.as_str()),
            part.get("code").and_then(|c| c.as_bool()),
        ) else {
            return Err(RenderErrorReason::InvalidParamType("a text segment").into());
        };
        let (open, close) = if code {
            ("<code>", "</code>")
        } else {
            ("", "")
        };
        out.write(open)?;
        out.write(&escape(text))?;
        out.write(close)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Segment {
    text: String,
    code: bool,
}

/// Splits a sentence at backticks; the parts inside become code.
fn text(s: &str) -> Text {
    if !s.contains('`') {
        return vec![Segment {
            text: s.to_string(),
            code: false,
        }];
    }
    s.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| Segment {
            text: part.to_string(),
            code: i % 2 == 1,
        })
        .collect()
}

/// A value cut to `CELL_CHARS` characters for a table cell.
fn clip(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        None => s.to_string(),
        Some((at, _)) => format!(
            "{}… (cut here; the full text is in the CSV files)",
            &s[..at]
        ),
    }
}

/// The length of a value once HTML-escaped, for the size budgets.
fn escaped_len(s: &str) -> usize {
    s.len()
        + s.bytes()
            .map(|b| match b {
                b'&' => 4,
                b'<' | b'>' => 3,
                b'"' | b'\'' | b'`' | b'=' => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// A summary as a sentence: capital first letter.
fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[derive(Serialize)]
struct Context {
    csp: String,
    generated: String,
    version: &'static str,
    verdict: VerdictView,
    plan: Vec<PlanStepView>,
    numbers: Vec<Number>,
    tenant: Tenant,
    settings: SettingsView,
    chart: Chart,
    compare: Compare,
    rules_lead: String,
    rules: Vec<RuleView>,
    remediation: RemediationView,
    persons: Persons,
    inputs: Vec<InputView>,
    /// Status values the systems do not use, read as active.
    unrecognised: Vec<String>,
    /// Columns and rows set aside, said up front.
    set_aside: Vec<String>,
    tracking: Tracking,
}

impl Context {
    fn build(r: &Report, generated: &str) -> Result<Context> {
        let fired = rule_counts(&r.findings);
        Ok(Context {
            csp: content_security_policy(),
            generated: generated.to_string(),
            version: r.version,
            verdict: VerdictView::build(r),
            plan: r.change_plan.iter().map(PlanStepView::build).collect(),
            numbers: numbers(&r.users),
            tenant: Tenant::build(r),
            settings: SettingsView::build(r),
            chart: Chart::build(&fired),
            compare: Compare::build(&r.users),
            rules_lead: rules_lead(r),
            rules: rule_views(r, &fired),
            remediation: RemediationView::build(r)?,
            persons: Persons::build(r),
            inputs: r.inputs.iter().map(InputView::build).collect(),
            unrecognised: r
                .coverage
                .iter()
                .flat_map(|c| &c.unrecognised)
                .map(|u| {
                    format!(
                        "{}, column {}: “{}” ({}), no value this system uses: read as {}.",
                        u.file,
                        u.column,
                        u.value,
                        plural(u.rows, "row", "rows"),
                        u.read_as
                    )
                })
                .collect(),
            set_aside: r
                .coverage
                .iter()
                .flat_map(|c| {
                    let columns = c
                        .set_aside
                        .iter()
                        .map(|a| format!("{}, column {}: {}", a.file, a.column, a.reason));
                    let rows = c.rows_set_aside.iter().map(|k| {
                        format!(
                            "{}: {} whose {} is “{}”: not users, not audited.",
                            k.file,
                            plural(k.rows, "row", "rows"),
                            k.column,
                            k.value
                        )
                    });
                    columns.chain(rows).collect::<Vec<_>>()
                })
                .collect(),
            tracking: Tracking::build(r),
        })
    }
}

/// A step of the change plan as the report shows it.
#[derive(Serialize)]
struct PlanStepView {
    title: String,
    persons_text: String,
    detail: String,
    window: String,
}

impl PlanStepView {
    fn build(s: &super::plan::Step) -> PlanStepView {
        let mut persons_text = plural(s.persons, "person", "persons");
        if let Some(done) = s.done {
            persons_text.push_str(&format!(", {done} done"));
        }
        PlanStepView {
            title: s.title.clone(),
            persons_text,
            detail: s.detail.clone(),
            window: s.window.clone(),
        }
    }
}

#[derive(Serialize)]
struct VerdictView {
    id: &'static str,
    label: &'static str,
    headline: String,
    detail: String,
    /// The verdict and why the exit status is what it is, in one sentence.
    status: String,
    /// The deciding checks that did not run.
    reasons: Vec<super::Reason>,
}

impl VerdictView {
    fn build(r: &Report) -> VerdictView {
        let blocking = r.errors_in(Scenario::Planned) + r.errors_in(Scenario::Any);
        let today = r.errors_in(Scenario::Current);
        let today_note = match today {
            0 => "Nothing is broken today at error level.".to_string(),
            n => format!(
                "{} already broken today; {} not block the change by {}.",
                plural(n, "error is", "errors are"),
                if n == 1 { "it does" } else { "they do" },
                if n == 1 { "itself" } else { "themselves" },
            ),
        };
        let status = r.status().1 + ".";
        let reasons = r.verdict_reasons.clone();
        match r.verdict {
            Verdict::Inconclusive => VerdictView {
                id: "inconclusive",
                label: "INCONCLUSIVE",
                headline: "Not enough was checked to judge the mapping change.".into(),
                detail: format!(
                    "A check that decides the change did not run (listed here): give the missing exports or settings and run the audit again. {}{today_note}",
                    if blocking == 0 {
                        String::new()
                    } else {
                        format!(
                            "{} already block the change. ",
                            plural(blocking, "error finding", "error findings")
                        )
                    }
                ),
                status,
                reasons,
            },
            Verdict::NoGo => VerdictView {
                id: "no-go",
                label: "NO-GO",
                headline: "Do not apply the mapping change yet.".into(),
                detail: format!(
                    "{} the change: {} after the change or in the data itself. Fix {} first{}, then run the audit again. {today_note}",
                    plural(blocking, "error finding blocks", "error findings block"),
                    if blocking == 1 {
                        "it shows"
                    } else {
                        "they show"
                    },
                    if blocking == 1 { "it" } else { "them" },
                    if r.remediation.is_empty() {
                        ""
                    } else {
                        " (the inSync emails to change are listed under \"Before the change\")"
                    },
                ),
                status,
                reasons,
            },
            Verdict::Go => {
                let sev = r.severities();
                VerdictView {
                    id: "go",
                    label: "GO",
                    headline: "No error finding blocks the mapping change.".into(),
                    detail: format!(
                        "{} and {} remain: read them before applying the change. {today_note}",
                        plural(sev["warning"], "warning", "warnings"),
                        plural(sev["info"], "note", "notes"),
                    ),
                    status,
                    reasons,
                }
            }
        }
    }
}

#[derive(Serialize)]
struct Number {
    value: usize,
    label: &'static str,
    detail: &'static str,
    tone: &'static str,
}

/// The outcome pairs (today, after) of a person's three checks.
fn check_pairs(u: &UserRow) -> [(&'static str, &'static str); 3] {
    [
        (u.current_onedrive(), u.planned_onedrive()),
        (u.current_exchange_backup(), u.planned_exchange_backup()),
        (u.current_exchange_restore(), u.planned_exchange_restore()),
    ]
}

fn has_rule(u: &UserRow, rules: &[Rule]) -> bool {
    u.rules()
        .split(';')
        .any(|id| rules.iter().any(|r| r.id() == id))
}

/// Already broken, broken by the change, fixed by the change: persons.
fn numbers(users: &[UserRow]) -> Vec<Number> {
    let (ok, fail) = (Outcome::Ok.id(), Outcome::Fail.id());
    let count = |f: &dyn Fn(&UserRow) -> bool| users.iter().filter(|u| f(u)).count();
    let today = count(&|u| check_pairs(u).iter().any(|&(c, _)| c == fail));
    let broken = count(&|u| {
        check_pairs(u).iter().any(|&(c, p)| c == ok && p == fail) || has_rule(u, &CHANGE_RULES)
    });
    let fixed = count(&|u| check_pairs(u).iter().any(|&(c, p)| c == fail && p == ok));
    let tone = |n: usize, tone| if n == 0 { "zero" } else { tone };
    vec![
        Number {
            value: today,
            label: "already broken today",
            detail: "persons with a backup or restore check failing today",
            tone: tone(today, "today"),
        },
        Number {
            value: broken,
            label: "broken by the change",
            detail: "persons with a check that works today and fails after, or whose Okta user the change would mis-provision",
            tone: tone(broken, "broken"),
        },
        Number {
            value: fixed,
            label: "fixed by the change",
            detail: "persons with a check failing today that works after the change",
            tone: tone(fixed, "fixed"),
        },
    ]
}

#[derive(Serialize)]
struct Tenant {
    persons: usize,
    sources: Vec<SourceCount>,
    findings: String,
}

#[derive(Serialize)]
struct SourceCount {
    name: &'static str,
    records: String,
}

impl Tenant {
    fn build(r: &Report) -> Tenant {
        let sources = Source::ALL
            .iter()
            .map(|&source| {
                let files: Vec<_> = r.inputs.iter().filter(|i| i.source == source).collect();
                let rows: usize = files.iter().map(|i| i.rows).sum();
                let records = match files.len() {
                    0 => "no export".to_string(),
                    1 => plural(rows, "row", "rows"),
                    n => format!("{} in {n} files", plural(rows, "row", "rows")),
                };
                SourceCount {
                    name: source.title(),
                    records,
                }
            })
            .collect();
        let sev = r.severities();
        Tenant {
            persons: r.persons,
            sources,
            findings: format!(
                "{} · {} · {}",
                plural(sev["error"], "error", "errors"),
                plural(sev["warning"], "warning", "warnings"),
                plural(sev["info"], "info", "info"),
            ),
        }
    }
}

#[derive(Serialize)]
struct SettingsView {
    today: Vec<Text>,
    planned: Vec<Text>,
    uupic: Text,
    rows: Vec<SettingRow>,
    skipped: Vec<SkipView>,
}

#[derive(Serialize)]
struct SettingRow {
    key: &'static str,
    value: String,
    set: bool,
    how: Text,
}

#[derive(Serialize)]
struct SkipView {
    check: String,
    reason: String,
}

fn access_phrase(id: &str) -> &'static str {
    match id {
        "ad-attribute" => "the AD attribute",
        _ => "the inSync email",
    }
}

impl SettingsView {
    fn build(r: &Report) -> SettingsView {
        let s = &r.settings;
        let today = vec![
            text(&match &s.current_user_name {
                Some(a) => format!("Okta sends `{a}` as userName, which is the inSync email."),
                None => "Okta's userName attribute is unknown (no Okta export).".into(),
            }),
            text(&match &s.current_upn {
                Some(a) => format!("Okta sends `{a}` as userPrincipalName, which is the inSync AD attribute."),
                None => "No Okta attribute feeds the inSync AD attribute; it is taken from the inSync export where it has one.".into(),
            }),
            text(&format!(
                "inSync accesses Microsoft 365 by {} (`{}`).",
                access_phrase(s.access_using),
                s.access_using
            )),
        ];
        let planned = vec![
            text(&format!(
                "Okta sends `{}` as userName, the new inSync email.",
                s.plan_user_name
            )),
            text(&match &s.plan_upn {
                Some(a) => {
                    format!("Okta sends `{a}` as userPrincipalName, the inSync AD attribute.")
                }
                None => "The inSync AD attribute stays as it is today.".into(),
            }),
            text(&format!(
                "inSync accesses Microsoft 365 by {} (`{}`).",
                access_phrase(s.plan_access_using),
                s.plan_access_using
            )),
        ];
        let uupic = text(&match &s.identification_attribute {
            Some(a) => format!(
                "inSync identifies users by the AD attribute `{a}` (UUPIC): the UUPIC rules ran on the AD export."
            ),
            None => "No user identification attribute (UUPIC) is set: inSync identifies users by email, and the UUPIC rules did not run.".into(),
        });
        let row = |key: &'static str, value: Option<&str>| {
            let how = match s.inferred.get(key) {
                Some(i) => text(&i.describe()),
                None if s.given.contains(&key) => text("given (flag or config)"),
                None => text("default"),
            };
            SettingRow {
                key,
                value: value.unwrap_or("not set").to_string(),
                set: value.is_some(),
                how,
            }
        };
        let rows = vec![
            row("insync.access_using", Some(s.access_using)),
            row(
                "insync.identification_attribute",
                s.identification_attribute.as_deref(),
            ),
            row("okta.current.user_name", s.current_user_name.as_deref()),
            row("okta.current.upn", s.current_upn.as_deref()),
            row("plan.user_name", Some(&s.plan_user_name)),
            row("plan.upn", s.plan_upn.as_deref()),
            row("plan.access_using", Some(s.plan_access_using)),
        ];
        SettingsView {
            today,
            planned,
            uupic,
            rows,
            skipped: r
                .skipped
                .iter()
                .map(|k| SkipView {
                    check: k.check.clone(),
                    reason: k.reason.clone(),
                })
                .collect(),
        }
    }
}

/// Findings of one rule: today (scenario current) and the rest.
struct Fired {
    rule: Rule,
    today: usize,
    planned: usize,
    any: usize,
}

impl Fired {
    fn total(&self) -> usize {
        self.today + self.planned + self.any
    }

    fn split(&self) -> String {
        [
            (self.today, "today"),
            (self.planned, "after the change"),
            (self.any, "in the data"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!("{label} {n}"))
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// The rules that fired, by severity, then in the order of SPEC section 5.
fn rule_counts(findings: &[Finding]) -> Vec<Fired> {
    let mut by_rule: BTreeMap<(Severity, usize), Fired> = BTreeMap::new();
    for f in findings {
        let e = by_rule
            .entry((f.rule.severity(), f.rule as usize))
            .or_insert(Fired {
                rule: f.rule,
                today: 0,
                planned: 0,
                any: 0,
            });
        match f.scenario {
            Scenario::Current => e.today += 1,
            Scenario::Planned => e.planned += 1,
            Scenario::Any => e.any += 1,
        }
    }
    by_rule.into_values().collect()
}

#[derive(Serialize)]
struct Chart {
    caption: String,
    /// Inline SVG built here; empty when no rule fired.
    svg: String,
}

impl Chart {
    fn build(fired: &[Fired]) -> Chart {
        let total: usize = fired.iter().map(Fired::total).sum();
        Chart {
            caption: format!(
                "{} from {}. The lighter part of a bar is already broken today (scenario current) and does not block the change by itself; a rule's name leads to its details.",
                plural(total, "finding", "findings"),
                plural(fired.len(), "rule", "rules"),
            ),
            svg: if fired.is_empty() {
                String::new()
            } else {
                chart_svg(fired)
            },
        }
    }
}

/// A horizontal bar per rule, grouped by severity.
fn chart_svg(fired: &[Fired]) -> String {
    const WIDTH: usize = 1000;
    const LABEL: usize = 250;
    const BAR: usize = 430;
    const ROW: usize = 22;
    const GROUP: usize = 30;
    let max = fired.iter().map(Fired::total).max().unwrap_or(1).max(1);
    let scale = |n: usize| -> f64 { (n as f64) * (BAR as f64) / (max as f64) };
    let groups = {
        let mut g: Vec<Severity> = fired.iter().map(|f| f.rule.severity()).collect();
        g.dedup();
        g.len()
    };
    let height = 34 + groups * GROUP + fired.len() * ROW + 6;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="chart-title"><title id="chart-title">Findings per rule and severity</title>"#
    );
    // Legend.
    let mut x = 0;
    for (class, label) in [
        ("bar-legend today", "already broken today"),
        ("bar-legend", "with the change or in the data"),
    ] {
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{x}" y="6" width="14" height="12" rx="2"/><text x="{}" y="16">{label}</text>"#,
            x + 20
        );
        x += 20 + label.len() * 7 + 24;
    }
    for (sev, label) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ] {
        let _ = write!(
            svg,
            r#"<rect class="bar-{}" x="{x}" y="6" width="14" height="12" rx="2"/><text x="{}" y="16">{label}</text>"#,
            sev.id(),
            x + 20
        );
        x += 20 + label.len() * 7 + 24;
    }
    let mut y = 34;
    let mut last: Option<Severity> = None;
    for f in fired {
        let sev = f.rule.severity();
        if last != Some(sev) {
            let n: usize = fired
                .iter()
                .filter(|g| g.rule.severity() == sev)
                .map(Fired::total)
                .sum();
            let title = match sev {
                Severity::Error => "Errors",
                Severity::Warning => "Warnings",
                Severity::Info => "Info",
            };
            let _ = write!(
                svg,
                r#"<text class="group" x="0" y="{}">{title} ({n})</text><line class="axis" x1="{LABEL}" x2="{LABEL}" y1="{}" y2="{}"/>"#,
                y + 20,
                y + GROUP - 4,
                y + GROUP + fired.iter().filter(|g| g.rule.severity() == sev).count() * ROW - 2
            );
            y += GROUP;
            last = Some(sev);
        }
        let id = handlebars::html_escape(f.rule.id());
        let today_w = scale(f.today);
        let rest_w = scale(f.planned + f.any);
        let bar_y = y + 4;
        let _ = write!(
            svg,
            r##"<g><title>{id}: {total} ({split})</title><a href="#rule-{id}"><text class="rule-label" x="{lx}" y="{ty}" text-anchor="end">{id}</text></a>"##,
            total = f.total(),
            split = f.split(),
            lx = LABEL - 8,
            ty = y + 15,
        );
        if f.today > 0 {
            let _ = write!(
                svg,
                r#"<rect class="bar-{} today" x="{LABEL}" y="{bar_y}" width="{today_w:.1}" height="14"/>"#,
                sev.id()
            );
        }
        if f.planned + f.any > 0 {
            let _ = write!(
                svg,
                r#"<rect class="bar-{}" x="{:.1}" y="{bar_y}" width="{rest_w:.1}" height="14"/>"#,
                sev.id(),
                LABEL as f64 + today_w
            );
        }
        let end = LABEL as f64 + today_w + rest_w + 8.0;
        let _ = write!(
            svg,
            r#"<text class="count" x="{end:.1}" y="{ty}">{total}</text><text class="split" x="{sx:.1}" y="{ty}">{split}</text></g>"#,
            ty = y + 15,
            total = f.total(),
            sx = end + 8.0 + 7.5 * f.total().to_string().len() as f64,
            split = f.split(),
        );
        y += ROW;
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Serialize)]
struct Compare {
    lead: String,
    columns: [&'static str; 5],
    rows: Vec<CompareRow>,
}

#[derive(Serialize)]
struct CompareRow {
    check: &'static str,
    cells: Vec<Cell>,
    /// Inline SVG built here.
    bar: String,
}

#[derive(Serialize)]
struct Cell {
    value: usize,
    class: &'static str,
}

impl Compare {
    fn build(users: &[UserRow]) -> Compare {
        let (ok, fail) = (Outcome::Ok.id(), Outcome::Fail.id());
        let rows = CHECKS
            .iter()
            .enumerate()
            .map(|(i, &check)| {
                let mut n = [0usize; 5];
                for u in users {
                    let (c, p) = check_pairs(u)[i];
                    let slot = match (c == ok, c == fail, p == ok, p == fail) {
                        (true, _, true, _) => 0,
                        (true, _, _, true) => 1,
                        (_, true, true, _) => 2,
                        (_, true, _, true) => 3,
                        _ => 4,
                    };
                    n[slot] += 1;
                }
                let class = |slot: usize, class: &'static str| if n[slot] > 0 { class } else { "" };
                CompareRow {
                    check,
                    cells: vec![
                        Cell {
                            value: n[0],
                            class: "",
                        },
                        Cell {
                            value: n[1],
                            class: class(1, "bad"),
                        },
                        Cell {
                            value: n[2],
                            class: class(2, "good"),
                        },
                        Cell {
                            value: n[3],
                            class: class(3, "still"),
                        },
                        Cell {
                            value: n[4],
                            class: "",
                        },
                    ],
                    bar: distribution_svg(&n),
                }
            })
            .collect();
        Compare {
            lead: format!(
                "Persons per check, from the {} of the persons table: how each check goes from today to after the change. Not judged: the check does not apply in one of the two states (no active inSync user, or the check was skipped).",
                plural(users.len(), "row", "rows")
            ),
            columns: [
                "ok → ok",
                "ok → fail",
                "fail → ok",
                "fail → fail",
                "not judged",
            ],
            rows,
        }
    }
}

/// A stacked bar of the five transitions.
fn distribution_svg(n: &[usize; 5]) -> String {
    let total: usize = n.iter().sum();
    let mut svg =
        String::from(r#"<svg viewBox="0 0 300 14" preserveAspectRatio="none" aria-hidden="true">"#);
    if total > 0 {
        let mut x = 0.0;
        for (count, class) in n.iter().zip([
            "seg-ok-ok",
            "seg-ok-fail",
            "seg-fail-ok",
            "seg-fail-fail",
            "seg-na",
        ]) {
            if *count == 0 {
                continue;
            }
            let w = 300.0 * (*count as f64) / (total as f64);
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.2}" y="0" width="{w:.2}" height="14"/>"#
            );
            x += w;
        }
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Serialize)]
struct RuleView {
    id: &'static str,
    severity: &'static str,
    count_label: String,
    summary: String,
    explanation: &'static str,
    provenance: &'static str,
    /// The fix, when every listed finding has the same one (else empty).
    common_fix: Text,
    rows: Vec<FindingRow>,
    /// "N more in findings.csv", or empty.
    more: String,
}

#[derive(Serialize)]
struct FindingRow {
    subject: String,
    source: &'static str,
    location: String,
    scenario: &'static str,
    scenario_id: &'static str,
    field: String,
    value: String,
    message: Text,
    /// Whether the row has a fix column (the rule has no common fix).
    show_fix: bool,
    fix: Text,
}

fn scenario_label(s: Scenario) -> &'static str {
    match s {
        Scenario::Current => "today",
        Scenario::Planned => "after the change",
        Scenario::Any => "in the data",
    }
}

fn finding_cost(f: &Finding) -> usize {
    FINDING_ROW_MARKUP
        + [
            f.subject(),
            &*f.file,
            f.field(),
            f.value(),
            &f.message(),
            &f.remediation(),
        ]
        .iter()
        .map(|s| escaped_len(s).min(CELL_CHARS * 6) + 13 * s.matches('`').count() / 2)
        .sum::<usize>()
}

fn rules_lead(r: &Report) -> String {
    format!(
        "One part per rule that fired: what it means, where it comes from, every record it found and the fix. At most {} per rule are listed; findings.csv has them all.",
        plural(r.report_limit, "record", "records")
    )
}

/// The first `limit` findings of each rule, in the findings' order, indexed
/// by rule (`Rule::ALL` order): one pass over the findings, not one per rule.
fn first_of_each_rule(findings: &[Finding], limit: usize) -> Vec<Vec<&Finding>> {
    let mut by_rule: Vec<Vec<&Finding>> = vec![Vec::new(); Rule::ALL.len()];
    for f in findings {
        let listed = &mut by_rule[f.rule as usize];
        if listed.len() < limit {
            listed.push(f);
        }
    }
    by_rule
}

fn rule_views(r: &Report, fired: &[Fired]) -> Vec<RuleView> {
    let budget = FINDINGS_BUDGET / fired.len().max(1);
    let mut first = first_of_each_rule(&r.findings, r.report_limit);
    fired
        .iter()
        .map(|c| {
            let mut spent = 0;
            let listed: Vec<&Finding> = std::mem::take(&mut first[c.rule as usize])
                .into_iter()
                .take_while(|f| {
                    spent += finding_cost(f);
                    spent <= budget
                })
                .collect();
            let common = listed
                .first()
                .filter(|first| {
                    let common = first.remediation();
                    !common.is_empty() && listed.iter().all(|f| f.remediation() == common)
                })
                .map(|f| text(&clip(&f.remediation())));
            let rows = listed
                .iter()
                .map(|f| FindingRow {
                    subject: clip(f.subject()),
                    source: f.source.title(),
                    location: if f.row == 0 {
                        clip(&f.file)
                    } else {
                        format!("{}, row {}", clip(&f.file), f.row)
                    },
                    scenario: scenario_label(f.scenario),
                    scenario_id: f.scenario.id(),
                    field: clip(f.field()),
                    value: clip(f.value()),
                    message: text(&clip(&f.message())),
                    show_fix: common.is_none(),
                    fix: if common.is_some() {
                        Vec::new()
                    } else {
                        text(&clip(&f.remediation()))
                    },
                })
                .collect();
            let more = c.total() - listed.len();
            RuleView {
                id: c.rule.id(),
                severity: c.rule.severity().id(),
                count_label: format!(
                    "{} ({})",
                    plural(c.total(), "finding", "findings"),
                    c.split()
                ),
                summary: sentence(c.rule.summary()),
                explanation: c.rule.explanation(),
                provenance: c.rule.provenance(),
                common_fix: common.unwrap_or_default(),
                rows,
                more: if more == 0 {
                    String::new()
                } else {
                    format!(
                        "{} more in findings.csv (rule {}).",
                        plural(more, "finding", "findings"),
                        c.rule.id()
                    )
                },
            }
        })
        .collect()
}

#[derive(Serialize)]
struct RemediationView {
    lead: String,
    caption: String,
    /// The CSV lines (header first); empty when there is nothing to change.
    csv: String,
    /// "N more in remediation.csv", or empty.
    more: String,
}

impl RemediationView {
    fn build(r: &Report) -> Result<RemediationView> {
        let limit = r.report_limit.saturating_mul(5);
        let mut spent = 0;
        let listed: Vec<_> = r
            .remediation
            .iter()
            .take(limit)
            .take_while(|x| {
                spent += 8 + super::csv::remediation_cells(x)
                    .iter()
                    .map(|s| escaped_len(s) + 1)
                    .sum::<usize>();
                spent <= REMEDIATION_BUDGET
            })
            .collect();
        let csv = if r.remediation.is_empty() {
            String::new()
        } else {
            let bytes = super::csv::table(
                &super::csv::REMEDIATION_HEADER,
                listed
                    .iter()
                    .map(|x| super::csv::remediation_cells(x).to_vec()),
            )?;
            let text = String::from_utf8(bytes).context("remediation lines are not UTF-8")?;
            text.trim_start_matches('\u{feff}').replace("\r\n", "\n")
        };
        let more = r.remediation.len() - listed.len();
        Ok(RemediationView {
            caption: format!(
                "remediation.csv: a header and {}",
                plural(listed.len(), "line", "lines")
            ),
            lead: format!(
                "{} to change before the Okta mapping changes, so that Okta's next push updates the existing inSync users instead of creating duplicates. In the inSync Management Console (Users), change each user's email from insync_email_current to insync_email_new, or send these lines to Druva Support for a bulk change; the same lines are in remediation.csv.",
                plural(r.remediation.len(), "inSync email", "inSync emails")
            ),
            csv,
            more: if more == 0 {
                String::new()
            } else {
                format!("{} more in remediation.csv.", plural(more, "line", "lines"))
            },
        })
    }
}

#[derive(Serialize)]
struct Persons {
    lead: String,
    rows: Vec<PersonRow>,
    /// "the full list is in users.csv", or empty.
    more: String,
}

#[derive(Serialize)]
struct PersonRow {
    /// The inSync email, and the one after the change when it differs.
    insync: Vec<Line>,
    /// The Okta login, and the AD account when it has another name.
    idp: Vec<Line>,
    /// The Microsoft 365 UPN, and the primary SMTP address when it differs.
    m365: Vec<Line>,
    today: [Status; 3],
    after: [Status; 3],
    rules: Vec<Chip>,
}

/// One value of a cell, with a label when it is not the column's own.
#[derive(Serialize)]
struct Line {
    label: &'static str,
    value: String,
}

/// The lines of a cell: `main`, then each other labelled value that is
/// set and is not the same address as one before it.
fn lines(main: &str, others: &[(&'static str, &str)]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (label, value) in std::iter::once(("", main)).chain(others.iter().copied()) {
        let k = crate::model::key(value);
        if value.trim().is_empty() || seen.contains(&k) {
            continue;
        }
        seen.push(k);
        out.push(Line {
            label,
            value: clip(value),
        });
    }
    out
}

#[derive(Serialize)]
struct Status {
    text: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct Chip {
    id: String,
    severity: &'static str,
}

fn status(outcome: &'static str) -> Status {
    Status {
        text: outcome,
        class: match outcome {
            "ok" => "ok",
            "fail" => "fail",
            _ => "na",
        },
    }
}

/// 0: a person with an error finding; 1: with another finding; 2: none.
fn person_rank(u: &UserRow) -> u8 {
    let mut rank = 2;
    for id in u.rules().split(';').filter(|s| !s.is_empty()) {
        match Rule::from_id(id).map(Rule::severity) {
            Some(Severity::Error) => return 0,
            _ => rank = 1,
        }
    }
    rank
}

/// The first `limit` persons by [`person_rank`], in users.csv order within
/// a rank (what a stable sort by rank would list first), without ranking
/// and sorting every person: the first `limit` of each rank are all that
/// can be listed, and no later person once rank 0 has `limit`.
fn first_by_rank(users: &[UserRow], limit: usize) -> Vec<&UserRow> {
    let mut by_rank: [Vec<&UserRow>; 3] = Default::default();
    for u in users {
        if by_rank[0].len() >= limit {
            break;
        }
        let listed = &mut by_rank[person_rank(u) as usize];
        if listed.len() < limit {
            listed.push(u);
        }
    }
    by_rank.into_iter().flatten().take(limit).collect()
}

fn person_cost(u: &UserRow) -> usize {
    PERSON_ROW_MARKUP
        + u.cells()
            .iter()
            .map(|c| escaped_len(c).min(CELL_CHARS * 6))
            .sum::<usize>()
        + 60 * u.rules().matches(';').count()
}

impl Persons {
    fn build(r: &Report) -> Persons {
        let limit = r.report_limit.saturating_mul(5);
        let mut spent = 0;
        let rows: Vec<PersonRow> = first_by_rank(&r.users, limit)
            .into_iter()
            .take_while(|u| {
                spent += person_cost(u);
                spent <= PERSONS_BUDGET
            })
            .map(|u| PersonRow {
                insync: lines(u.insync_email(), &[("after", u.planned_insync_email())]),
                idp: lines(
                    u.okta_login(),
                    &[
                        (
                            "Okta email",
                            if u.okta_login().is_empty() {
                                u.okta_email()
                            } else {
                                ""
                            },
                        ),
                        ("AD", u.ad_upn()),
                        (
                            "AD mail",
                            if u.ad_upn().is_empty() {
                                u.ad_mail()
                            } else {
                                ""
                            },
                        ),
                    ],
                ),
                m365: lines(u.m365_upn(), &[("SMTP", u.m365_primary_smtp())]),
                today: [
                    status(u.current_onedrive()),
                    status(u.current_exchange_backup()),
                    status(u.current_exchange_restore()),
                ],
                after: [
                    status(u.planned_onedrive()),
                    status(u.planned_exchange_backup()),
                    status(u.planned_exchange_restore()),
                ],
                rules: u
                    .rules()
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(|id| Chip {
                        id: id.to_string(),
                        severity: Rule::from_id(id).map_or("info", |r| r.severity().id()),
                    })
                    .collect(),
            })
            .collect();
        let more = r.users.len() - rows.len();
        Persons {
            lead: format!(
                "One row per person ({}{}), persons with an error first, then those with other findings. Under an identifier, AFTER is the inSync email after the change, AD the Active Directory account and SMTP the primary SMTP address, where they differ. Click a column title to sort; users.csv has every identifier of every source.",
                if more == 0 {
                    plural(rows.len(), "person", "persons")
                } else {
                    format!("{} of {} listed", rows.len(), r.users.len())
                },
                match r.persons.saturating_sub(r.users.len()) {
                    0 => String::new(),
                    n => format!(
                        "; {n} more without any identifier, such as built-in AD accounts, {} left out",
                        if n == 1 { "is" } else { "are" }
                    ),
                }
            ),
            rows,
            more: if more == 0 {
                String::new()
            } else {
                format!(
                    "{} not listed here: the full list is in users.csv.",
                    plural(more, "person", "persons")
                )
            },
        }
    }
}

/// Since the last audit (`--baseline`), the findings knowingly accepted
/// (`--waivers`), and how much of each input linked to something.
#[derive(Serialize)]
struct Tracking {
    delta: Option<DeltaView>,
    waived: Option<WaivedView>,
    coverage: Vec<CoverageRow>,
    single_system: String,
}

#[derive(Serialize)]
struct DeltaView {
    new: usize,
    open: usize,
    fixed: usize,
    fixed_rows: Vec<TrackRow>,
    more: String,
}

#[derive(Serialize)]
struct WaivedView {
    count: usize,
    rows: Vec<TrackRow>,
    more: String,
}

#[derive(Serialize)]
struct TrackRow {
    rule: String,
    scenario: String,
    subject: String,
    note: String,
}

#[derive(Serialize)]
struct CoverageRow {
    file: String,
    source: &'static str,
    read: usize,
    used: usize,
    skipped: usize,
    unlinked: usize,
}

impl Tracking {
    fn build(r: &Report) -> Tracking {
        let limit = r.report_limit;
        let more = |n: usize| {
            if n > limit {
                format!("{} more in findings.csv.", n - limit)
            } else {
                String::new()
            }
        };
        let delta = r.delta.as_ref().map(|d| DeltaView {
            new: d.count("new"),
            open: d.count("open"),
            fixed: d.count("fixed"),
            fixed_rows: d
                .fixed
                .iter()
                .take(limit)
                .map(|row| TrackRow {
                    rule: row[1].clone(),
                    scenario: row[2].clone(),
                    subject: cut(&row[4]),
                    note: cut(&row[9]),
                })
                .collect(),
            more: more(d.fixed.len()),
        });
        let waived = r.waived.as_ref().map(|w| WaivedView {
            count: w.len(),
            rows: w
                .iter()
                .take(limit)
                .map(|x| TrackRow {
                    rule: x.finding.rule.id().to_string(),
                    scenario: x.finding.scenario.id().to_string(),
                    subject: cut(x.finding.subject()),
                    note: cut(&match &x.expires {
                        Some(e) => format!("{} (until {e})", x.reason),
                        None => x.reason.clone(),
                    }),
                })
                .collect(),
            more: if w.len() > limit {
                format!("{} more in waived.csv.", w.len() - limit)
            } else {
                String::new()
            },
        });
        let coverage = r
            .coverage
            .iter()
            .map(|c| CoverageRow {
                file: c.file.clone(),
                source: c.source.title(),
                read: c.rows_read,
                used: c.rows_used,
                skipped: c.rows_skipped,
                unlinked: c.linked_to_nothing,
            })
            .collect();
        let single: Vec<String> = r
            .single_system
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        Tracking {
            delta,
            waived,
            coverage,
            single_system: if single.is_empty() {
                "Every person is present in more than one system.".into()
            } else {
                format!("Persons present in one system only: {}.", single.join(", "))
            },
        }
    }
}

/// A value cut to a length a table cell can show.
fn cut(s: &str) -> String {
    const MAX: usize = 400;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[derive(Serialize)]
struct InputView {
    file: String,
    source: &'static str,
    format: String,
    encoding: String,
    rows: usize,
    skipped: usize,
    skipped_warn: bool,
    sha256: String,
}

impl InputView {
    fn build(i: &super::InputInfo) -> InputView {
        let mut format = i.format.to_string();
        if let Some(sheet) = &i.sheet {
            let _ = write!(format, ", sheet “{sheet}”");
        }
        let mut encoding = i.encoding.to_string();
        if let Some(d) = i.delimiter {
            let name = match d {
                "," => "comma",
                ";" => "semicolon",
                "\t" | "tab" => "tab",
                "|" => "pipe",
                other => other,
            };
            let _ = write!(encoding, ", {name}-separated");
        }
        InputView {
            file: i.file.clone(),
            source: i.source.title(),
            format,
            encoding,
            rows: i.rows,
            skipped: i.skipped,
            skipped_warn: i.skipped > 0,
            sha256: i.sha256.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Report {
        crate::audit::demo_audit().unwrap().report
    }

    /// The page's inline style and script are exactly the hashed constants.
    #[test]
    fn csp_hashes_cover_the_inline_style_and_script() {
        let html = render(&demo(), "2026-01-01 00:00:00 UTC").unwrap();
        let between = |open: &str, close: &str| {
            let start = html.find(open).unwrap() + open.len();
            let end = start + html[start..].find(close).unwrap();
            html[start..end].to_string()
        };
        assert_eq!(between("<style>", "</style>"), STYLE);
        assert_eq!(between("<script>", "</script>"), SCRIPT);
        assert_eq!(html.matches("<style").count(), 1);
        assert_eq!(html.matches("<script").count(), 1);
        assert!(
            !html.contains(" style="),
            "a style attribute needs 'unsafe-inline'"
        );
        let csp = content_security_policy();
        assert!(html.contains(&format!("content=\"{csp}\"")));
        assert!(csp.contains(&csp_hash(STYLE)) && csp.contains(&csp_hash(SCRIPT)));
    }

    /// The rows listed per rule and the persons listed are what filtering
    /// and sorting every finding and person would list first.
    #[test]
    fn listed_rows_are_the_first_of_each_rule_and_rank() {
        let r = demo();
        let mut ranked: Vec<&UserRow> = r.users.iter().collect();
        ranked.sort_by_key(|u| person_rank(u));
        assert!(ranked.iter().any(|u| person_rank(u) == 0));
        assert!(ranked.iter().any(|u| person_rank(u) > 0));
        for limit in 0..=r.users.len().max(r.findings.len()) + 1 {
            let first = first_of_each_rule(&r.findings, limit);
            for &rule in Rule::ALL {
                let expected: Vec<&Finding> = r
                    .findings
                    .iter()
                    .filter(|f| f.rule == rule)
                    .take(limit)
                    .collect();
                let got = &first[rule as usize];
                assert_eq!(got.len(), expected.len(), "{rule:?} at {limit}");
                assert!(
                    got.iter().zip(&expected).all(|(a, b)| std::ptr::eq(*a, *b)),
                    "{rule:?} at {limit}"
                );
            }
            let persons = first_by_rank(&r.users, limit);
            let expected: Vec<&UserRow> = ranked.iter().copied().take(limit).collect();
            assert_eq!(persons.len(), expected.len(), "persons at {limit}");
            assert!(
                persons
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| std::ptr::eq(*a, *b)),
                "persons at {limit}"
            );
        }
    }

    #[test]
    fn backticks_become_code_segments() {
        let t = text("mail `a@b.c` and `d`.");
        let parts: Vec<(&str, bool)> = t.iter().map(|s| (s.text.as_str(), s.code)).collect();
        assert_eq!(
            parts,
            [
                ("mail ", false),
                ("a@b.c", true),
                (" and ", false),
                ("d", true),
                (".", false)
            ]
        );
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(CELL_CHARS + 10);
        let cut = clip(&long);
        assert!(cut.starts_with(&"é".repeat(CELL_CHARS)));
        assert!(cut.contains("full text is in the CSV files"));
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn the_three_numbers_come_from_the_users_rows() {
        let r = demo();
        let n = numbers(&r.users);
        // Every person fixed by the change was broken today.
        assert!(n[2].value <= n[0].value);
        assert!(n.iter().all(|x| x.value <= r.users.len()));
        assert!(
            n[1].value > 0,
            "the sample tenant has persons the change breaks"
        );
    }

    #[test]
    fn the_context_dumps_as_json() {
        let json = context_json(&demo(), "2026-01-01 00:00:00 UTC").unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["verdict"]["id"], "no-go");
        assert!(v["rules"].as_array().unwrap().len() > 10);
    }
}
