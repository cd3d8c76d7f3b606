//! `report.html`: one self-contained file that works offline from a ticket
//! attachment, readable with JavaScript off and printed.
//!
//! The page is rendered by handlebars from `templates/` (a layout, one
//! partial per section, the stylesheet and the script), embedded in the
//! binary. The templates get one typed [`Context`] built here from the
//! [`Report`]: every number, label and sentence is made in Rust, the
//! templates only place them. Input values always go through `{{ }}` or
//! the `{{segments}}` helper (both escaped with the registry's escape
//! function); `{{{ }}}` is used only for the SVG charts built in `chart.rs` and
//! `compare.rs` and the Content-Security-Policy.
//!
//! The policy allows the one inline stylesheet and the one inline script by
//! their SHA-256 and nothing else: no network request, no other script.
//!
//! Size: at most `report_limit` rows per rule and `5 × report_limit`
//! persons are listed, within byte budgets that keep the file under 20 MB
//! whatever the tenant; the CSV files have everything.
//!
//! One file per section, as in `templates/partials/`: each builds the part
//! of the [`Context`] its partial shows. `budget.rs` holds the size budgets,
//! `text.rs` the sentences and the `{{segments}}` helper.

mod budget;
mod chart;
mod compare;
mod inputs;
mod persons;
mod plan;
mod prepared;
mod remediation;
mod rules;
mod settings;
mod text;
mod tracking;
mod verdict;

use super::Report;
use anyhow::{Context as _, Result};
use base64::Engine as _;
use chart::Chart;
use compare::Compare;
use handlebars::Handlebars;
use inputs::InputView;
use persons::Persons;
use plan::PlanStepView;
use remediation::RemediationView;
use rules::RuleView;
use serde::Serialize;
use settings::SettingsView;
use sha2::{Digest, Sha256};
use std::io::Write;
use tracking::Tracking;
use verdict::{Number, Tenant, VerdictView};

const LAYOUT: &str = include_str!("../../../templates/report.hbs");
const STYLE: &str = include_str!("../../../templates/report.css");
const SCRIPT: &str = include_str!("../../../templates/report.js");
/// The partials, by name: `templates/partials/NAME.hbs`.
macro_rules! partials {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/partials/", $name, ".hbs")))),*]
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

/// Renders `report.html`.
pub fn render(r: &Report, generated: &str) -> Result<String> {
    let mut page = Vec::new();
    write(r, generated, &mut page)?;
    String::from_utf8(page).context("report.html is not UTF-8")
}

/// Writes `report.html` to `out`, section by section.
///
/// The context is turned into JSON once; each section is its own template
/// (a partial would copy the whole context on every call), written where
/// its `<!--preflight:NAME-->` marker stands in the layout. Input values
/// never contain a marker: `<` is escaped. The page is never held whole
/// (at 1M persons it is 10 MB; splicing each section into a copy of it
/// took a dozen copies of fresh memory).
pub fn write(r: &Report, generated: &str, mut out: impl Write) -> Result<()> {
    let context = Context::build(r, generated)?;
    let hb = registry()?;
    let ctx = handlebars::Context::wraps(&context).context("cannot build the report context")?;
    let layout = hb
        .render_with_context("report", &ctx)
        .context("cannot render report.html")?;
    let mut rest = layout.as_str();
    while let Some((before, marker, after)) = next_marker(rest) {
        out.write_all(before.as_bytes())?;
        match marker {
            // Written byte for byte: the CSP hashes are computed over these
            // texts.
            "style" => out.write_all(style(r).as_bytes())?,
            "script" => out.write_all(SCRIPT.as_bytes())?,
            name if PARTIALS.iter().any(|(p, _)| *p == name) => hb
                .render_with_context_to_write(name, &ctx, &mut out)
                .with_context(|| format!("cannot render the {name} section of report.html"))?,
            other => out.write_all(format!("<!--preflight:{other}-->").as_bytes())?,
        }
        rest = after;
    }
    out.write_all(rest.as_bytes())?;
    Ok(())
}

/// The text before the first `<!--preflight:NAME-->` marker of `page`, the
/// marker's name and the text after it.
fn next_marker(page: &str) -> Option<(&str, &str, &str)> {
    const OPEN: &str = "<!--preflight:";
    let start = page.find(OPEN)?;
    let name_at = start + OPEN.len();
    let end = name_at + page[name_at..].find("-->")?;
    Some((&page[..start], &page[name_at..end], &page[end + 3..]))
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
    policy_for(STYLE)
}

/// [`content_security_policy`] for the stylesheet `style`.
fn policy_for(style: &str) -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(style),
        csp_hash(SCRIPT)
    )
}

/// The report's stylesheet: the constant, and the print footer naming the
/// customer and author when given.
fn style(r: &Report) -> String {
    format!("{STYLE}{}", prepared::page_rule(&prepared::prepared(r)))
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
    hb.register_helper("segments", Box::new(text::segments));
    hb.register_helper("addr", Box::new(text::addr));
    for (name, text) in PARTIALS {
        hb.register_template_string(name, text.trim_end())?;
    }
    Ok(hb)
}

#[derive(Serialize)]
struct Context {
    csp: String,
    /// "For Contoso Ltd, prepared by …", or empty.
    prepared: String,
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
        let fired = chart::rule_counts(&r.findings);
        Ok(Context {
            csp: policy_for(&style(r)),
            prepared: prepared::prepared(r),
            generated: generated.to_string(),
            version: r.version,
            verdict: VerdictView::build(r),
            plan: r.change_plan.iter().map(PlanStepView::build).collect(),
            numbers: verdict::numbers(&r.users),
            tenant: Tenant::build(r),
            settings: SettingsView::build(r),
            chart: Chart::build(&fired),
            compare: Compare::build(&r.users),
            rules_lead: rules::rules_lead(r),
            rules: rules::rule_views(r, &fired),
            remediation: RemediationView::build(r)?,
            persons: Persons::build(r),
            inputs: r.inputs.iter().map(InputView::build).collect(),
            unrecognised: inputs::unrecognised(r),
            set_aside: inputs::set_aside(r),
            tracking: Tracking::build(r),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::persons::{first_by_rank, person_rank};
    use super::rules::first_of_each_rule;
    use super::*;
    use crate::rules::{Finding, Rule};

    fn demo() -> Report<'static> {
        static DEMO: std::sync::OnceLock<crate::tenant::Tenant> = std::sync::OnceLock::new();
        crate::audit::demo_audit(DEMO.get_or_init(|| crate::audit::demo_tenant().unwrap())).report
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
        let mut ranked: Vec<_> = r.users.iter().collect();
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
            let expected: Vec<usize> = ranked.iter().take(limit).map(|u| u.index()).collect();
            let got: Vec<usize> = persons.iter().map(|u| u.index()).collect();
            assert_eq!(got, expected, "persons at {limit}");
        }
    }

    #[test]
    fn the_context_dumps_as_json() {
        let json = context_json(&demo(), "2026-01-01 00:00:00 UTC").unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["verdict"]["id"], "no-go");
        assert!(v["rules"].as_array().unwrap().len() > 10);
    }
}
