//! The report: built once from the linked tenant and its findings
//! ([`Report::build`]), rendered many ways ([`csv`], [`json`], [`html`],
//! [`terminal`]), and written in exactly one place ([`write`]).

pub mod csv;
pub mod delta;
pub mod html;
pub mod json;
pub mod markdown;
pub mod redact;
pub mod terminal;

use crate::link::{Linked, Outcome, View};
use crate::model::{OktaStatus, Source, key};
use crate::rules::change::Remediation;
use crate::rules::{Finding, Rule, Scenario, Severity};
use crate::tenant::{Inference, Skip};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// `go` when no error-level finding has scenario `planned` or `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Go,
    NoGo,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Go => "go",
            Verdict::NoGo => "no-go",
        }
    }
}

/// One row of `users.csv`: a person, identifiers side by side.
#[derive(Clone, Debug, Serialize)]
pub struct UserRow {
    pub insync_email: String,
    pub insync_ad_attribute: String,
    pub okta_login: String,
    pub okta_email: String,
    pub ad_upn: String,
    pub ad_mail: String,
    pub m365_upn: String,
    pub m365_primary_smtp: String,
    pub current_onedrive: &'static str,
    pub current_exchange_backup: &'static str,
    pub current_exchange_restore: &'static str,
    pub planned_insync_email: String,
    pub planned_onedrive: &'static str,
    pub planned_exchange_backup: &'static str,
    pub planned_exchange_restore: &'static str,
    pub rules: String,
}

impl UserRow {
    pub const HEADER: [&'static str; 16] = [
        "insync_email",
        "insync_ad_attribute",
        "okta_login",
        "okta_email",
        "ad_upn",
        "ad_mail",
        "m365_upn",
        "m365_primary_smtp",
        "current_onedrive",
        "current_exchange_backup",
        "current_exchange_restore",
        "planned_insync_email",
        "planned_onedrive",
        "planned_exchange_backup",
        "planned_exchange_restore",
        "rules",
    ];

    pub fn cells(&self) -> [&str; 16] {
        [
            &self.insync_email,
            &self.insync_ad_attribute,
            &self.okta_login,
            &self.okta_email,
            &self.ad_upn,
            &self.ad_mail,
            &self.m365_upn,
            &self.m365_primary_smtp,
            self.current_onedrive,
            self.current_exchange_backup,
            self.current_exchange_restore,
            &self.planned_insync_email,
            self.planned_onedrive,
            self.planned_exchange_backup,
            self.planned_exchange_restore,
            &self.rules,
        ]
    }
}

/// An input file as the outputs describe it.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    pub file: String,
    pub source: Source,
    pub format: &'static str,
    pub encoding: &'static str,
    pub delimiter: Option<&'static str>,
    pub sheet: Option<String>,
    pub rows: usize,
    pub skipped: usize,
    pub sha256: String,
}

/// How much of an input the audit used (rows read = used + skipped).
#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    pub file: String,
    pub source: Source,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_skipped: usize,
    /// Records of the file that linked to no record of any other file.
    pub linked_to_nothing: usize,
}

/// The settings used, for the outputs.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsInfo {
    pub access_using: &'static str,
    pub identification_attribute: Option<String>,
    pub current_user_name: Option<String>,
    pub current_upn: Option<String>,
    pub plan_user_name: String,
    pub plan_upn: Option<String>,
    pub plan_access_using: &'static str,
    /// What was inferred (setting → how).
    pub inferred: BTreeMap<&'static str, Inference>,
    /// The settings given by flag or config (the others are defaults or inferred).
    pub given: Vec<&'static str>,
}

/// Rows listed per rule in report.html unless `--report-limit` says otherwise.
pub const DEFAULT_REPORT_LIMIT: usize = 500;

/// Everything an audit produced, ready to render.
pub struct Report {
    pub version: &'static str,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub users: Vec<UserRow>,
    pub remediation: Vec<Remediation>,
    pub settings: SettingsInfo,
    pub skipped: Vec<Skip>,
    pub inputs: Vec<InputInfo>,
    /// Persons in the tenant.
    pub persons: usize,
    pub coverage: Vec<Coverage>,
    /// Persons present in one system only, per system.
    pub single_system: BTreeMap<&'static str, usize>,
    /// Rows listed per rule (and persons) in report.html.
    pub report_limit: usize,
    /// Whether addresses were pseudonymised (`--redact`).
    pub redacted: bool,
    /// Findings waived (`--waivers`), shown apart; `None` without waivers.
    pub waived: Option<Vec<crate::waivers::Waived>>,
    /// The comparison with `--baseline`, when given.
    pub delta: Option<delta::Delta>,
}

impl Report {
    pub fn build(l: &Linked<'_>, findings: Vec<Finding>, remediation: Vec<Remediation>) -> Report {
        let t = l.t;
        let s = &t.settings;
        let verdict = if findings
            .iter()
            .any(|f| f.severity() == Severity::Error && f.scenario != Scenario::Current)
        {
            Verdict::NoGo
        } else {
            Verdict::Go
        };
        let mut inferred = BTreeMap::new();
        if let Some(i) = &t.inferred {
            inferred.insert("okta.current.user_name", i.clone());
        }
        let settings = SettingsInfo {
            access_using: s.access_using.value.id(),
            identification_attribute: s.identification_attribute.value.clone(),
            current_user_name: s.current_user_name.value.clone(),
            current_upn: s.current_upn.value.clone(),
            plan_user_name: s.plan_user_name.value.clone(),
            plan_upn: s.plan_upn.value.clone(),
            plan_access_using: s.plan_access_using.value.id(),
            inferred,
            given: [
                ("insync.access_using", s.access_using.explicit),
                (
                    "insync.identification_attribute",
                    s.identification_attribute.explicit,
                ),
                ("okta.current.user_name", s.current_user_name.explicit),
                ("okta.current.upn", s.current_upn.explicit),
                ("plan.user_name", s.plan_user_name.explicit),
                ("plan.upn", s.plan_upn.explicit),
                ("plan.access_using", s.plan_access_using.explicit),
            ]
            .into_iter()
            .filter_map(|(k, given)| given.then_some(k))
            .collect(),
        };
        let inputs = t
            .tables
            .iter()
            .map(|tb| InputInfo {
                file: tb.file.clone(),
                source: tb.source,
                format: tb.format,
                encoding: tb.encoding,
                delimiter: tb.delimiter.map(crate::load::detect::delimiter_name),
                sheet: tb.sheet.clone(),
                rows: tb.row_count,
                skipped: tb.problems.len(),
                sha256: tb.sha256.clone(),
            })
            .collect();
        let users = user_rows(l, &findings);
        let (coverage, single_system) = coverage(l);
        Report {
            version: env!("CARGO_PKG_VERSION"),
            verdict,
            users,
            remediation,
            settings,
            skipped: t.skipped.clone(),
            inputs,
            persons: l.persons.len(),
            coverage,
            single_system,
            report_limit: DEFAULT_REPORT_LIMIT,
            redacted: false,
            waived: None,
            delta: None,
            findings,
        }
    }

    /// Findings per rule id (rules that fired).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.rule.id()).or_default() += 1;
        }
        counts
    }

    /// Findings per severity (all three keys present).
    pub fn severities(&self) -> BTreeMap<&'static str, usize> {
        let mut counts: BTreeMap<&'static str, usize> =
            [Severity::Error, Severity::Warning, Severity::Info]
                .iter()
                .map(|s| (s.id(), 0))
                .collect();
        for f in &self.findings {
            *counts.entry(f.severity().id()).or_default() += 1;
        }
        counts
    }

    /// Error-level findings of a scenario.
    pub fn errors_in(&self, scenario: Scenario) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == Severity::Error && f.scenario == scenario)
            .count()
    }

    /// Whether any finding is at or above a severity.
    pub fn has_at_least(&self, severity: Severity) -> bool {
        self.findings.iter().any(|f| f.severity() <= severity)
    }

    /// The output files of this report, in the order they are listed.
    pub fn outputs(&self) -> Vec<Output> {
        let mut outputs = vec![
            Output::Findings,
            Output::Users,
            Output::Remediation,
            Output::SummaryJson,
            Output::SummaryMd,
            Output::Html,
        ];
        if self.waived.is_some() {
            outputs.push(Output::Waived);
        }
        // For template work: the report's context beside it.
        if std::env::var("PREFLIGHT_DUMP_CONTEXT").as_deref() == Ok("1") {
            outputs.push(Output::Context);
        }
        outputs.extend([Source::Okta, Source::Ad, Source::M365, Source::Insync].map(Output::Fixes));
        outputs
    }

    /// Every output file in memory: (name, bytes). [`write`] streams them
    /// to disk instead.
    pub fn render(&self, generated: &str) -> Result<Vec<(&'static str, Vec<u8>)>> {
        self.outputs()
            .into_iter()
            .map(|o| {
                let mut bytes = Vec::new();
                o.write(self, generated, &mut bytes)?;
                Ok((o.name(), bytes))
            })
            .collect()
    }
}

/// One output file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Findings,
    Users,
    Remediation,
    SummaryJson,
    SummaryMd,
    Html,
    Waived,
    Context,
    Fixes(Source),
}

impl Output {
    /// The file name, relative to the output folder.
    pub fn name(self) -> &'static str {
        match self {
            Output::Findings => "findings.csv",
            Output::Users => "users.csv",
            Output::Remediation => "remediation.csv",
            Output::SummaryJson => "summary.json",
            Output::SummaryMd => "summary.md",
            Output::Html => "report.html",
            Output::Waived => "waived.csv",
            Output::Context => "report-context.json",
            Output::Fixes(Source::Okta) => "fixes/okta.csv",
            Output::Fixes(Source::Ad) => "fixes/ad.csv",
            Output::Fixes(Source::M365) => "fixes/m365.csv",
            Output::Fixes(Source::Insync) => "fixes/insync.csv",
        }
    }

    /// Writes the file's bytes.
    pub fn write<W: Write>(self, r: &Report, generated: &str, mut out: W) -> Result<()> {
        match self {
            Output::Findings => csv::findings(r, out),
            Output::Users => csv::users(r, out),
            Output::Remediation => csv::remediation(r, out),
            Output::Waived => csv::waived(r, out),
            Output::Fixes(system) => csv::fixes(r, system, out),
            Output::SummaryJson => Ok(out.write_all(&json::summary(r)?)?),
            Output::SummaryMd => Ok(out.write_all(markdown::summary(r).as_bytes())?),
            Output::Html => Ok(out.write_all(html::render(r, generated)?.as_bytes())?),
            Output::Context => Ok(out.write_all(html::context_json(r, generated)?.as_bytes())?),
        }
    }
}

/// Rows read, used and skipped per input; records linked to nothing;
/// persons present in one system only.
fn coverage(l: &Linked<'_>) -> (Vec<Coverage>, BTreeMap<&'static str, usize>) {
    let t = l.t;
    let mut unlinked = vec![0usize; t.tables.len()];
    let mut single: BTreeMap<&'static str, usize> = BTreeMap::new();
    for p in l.persons.iter() {
        let records = p.okta.len() + p.ad.len() + p.insync.len() + p.m365.len();
        if records == 1 {
            let (source, i) = [
                (Source::Okta, &p.okta),
                (Source::Ad, &p.ad),
                (Source::Insync, &p.insync),
                (Source::M365, &p.m365),
            ]
            .into_iter()
            .find_map(|(s, ids)| ids.first().map(|&i| (s, i)))
            .expect("a person has a record");
            let at = t.at(source, i);
            unlinked[at.file as usize] += 1;
        }
        let systems: Vec<&'static str> = [
            (!p.okta.is_empty(), Source::Okta),
            (!p.ad.is_empty(), Source::Ad),
            (!p.insync.is_empty(), Source::Insync),
            (!p.m365.is_empty(), Source::M365),
        ]
        .iter()
        .filter(|(present, _)| *present)
        .map(|(_, s)| s.id())
        .collect();
        if let [only] = systems[..] {
            *single.entry(only).or_default() += 1;
        }
    }
    let coverage = t
        .tables
        .iter()
        .zip(unlinked)
        .map(|(tb, unlinked)| Coverage {
            file: tb.file.clone(),
            source: tb.source,
            rows_read: tb.row_count + tb.problems.len(),
            rows_used: tb.row_count,
            rows_skipped: tb.problems.len(),
            linked_to_nothing: unlinked,
        })
        .collect();
    (coverage, single)
}

fn outcome(v: Option<&View>, f: fn(&View) -> Outcome) -> &'static str {
    v.map_or(Outcome::NotApplicable, f).id()
}

/// One row per person, sorted by their first identifier.
fn user_rows(l: &Linked<'_>, findings: &[Finding]) -> Vec<UserRow> {
    let t = l.t;
    // The rules of each person, one bit per rule.
    let mut rules_of: Vec<u64> = vec![0; l.persons.len()];
    for f in findings {
        if let Some(p) = f.person {
            rules_of[p as usize] |= 1 << (f.rule as u64);
        }
    }
    let join = |values: Vec<&str>| -> String {
        let mut seen: Vec<&str> = Vec::new();
        for v in values {
            let v = v.trim();
            if !v.is_empty() && !seen.iter().any(|s| crate::model::same_key(s, v)) {
                seen.push(v);
            }
        }
        seen.join("; ")
    };
    let mut rows: Vec<(String, UserRow)> = (0..l.persons.len())
        .into_par_iter()
        .map(|p| {
            let person = l.persons.get(p);
            let main = person
                .insync
                .iter()
                .copied()
                .find(|&u| t.insync[u as usize].status == crate::model::InsyncStatus::Active)
                .or_else(|| person.insync.first().copied());
            let cur = main.map(|u| &l.current[u as usize]);
            let plan = main.and_then(|u| l.planned.as_ref().map(|p| &p[u as usize]));
            let planned_email = match (plan, l.planned.is_some()) {
                (Some(v), _) => v.email.trim().to_string(),
                (None, true) => person
                    .okta
                    .iter()
                    .find(|&&o| t.okta[o as usize].status == OktaStatus::Active)
                    .map(|&o| t.okta_values(o).plan_user_name.trim().to_string())
                    .unwrap_or_default(),
                (None, false) => String::new(),
            };
            let row = UserRow {
                insync_email: join(
                    person
                        .insync
                        .iter()
                        .map(|&u| t.insync[u as usize].email.as_ref())
                        .collect(),
                ),
                insync_ad_attribute: cur
                    .map(|v| v.ad_attribute.trim().to_string())
                    .unwrap_or_default(),
                okta_login: join(
                    person
                        .okta
                        .iter()
                        .map(|&o| t.okta[o as usize].login.as_ref())
                        .collect(),
                ),
                okta_email: join(
                    person
                        .okta
                        .iter()
                        .map(|&o| t.okta[o as usize].email.as_ref())
                        .collect(),
                ),
                ad_upn: join(
                    person
                        .ad
                        .iter()
                        .map(|&a| t.ad[a as usize].upn.as_ref())
                        .collect(),
                ),
                ad_mail: join(
                    person
                        .ad
                        .iter()
                        .map(|&a| t.ad[a as usize].mail.as_ref())
                        .collect(),
                ),
                m365_upn: join(
                    person
                        .m365
                        .iter()
                        .map(|&m| t.m365[m as usize].upn.as_ref())
                        .collect(),
                ),
                m365_primary_smtp: join(
                    person
                        .m365
                        .iter()
                        .map(|&m| crate::link::primary_of(&t.m365[m as usize]))
                        .collect(),
                ),
                current_onedrive: outcome(cur, |v| v.onedrive),
                current_exchange_backup: outcome(cur, |v| v.exchange_backup),
                current_exchange_restore: outcome(cur, |v| v.exchange_restore),
                planned_insync_email: planned_email,
                planned_onedrive: outcome(plan, |v| v.onedrive),
                planned_exchange_backup: outcome(plan, |v| v.exchange_backup),
                planned_exchange_restore: outcome(plan, |v| v.exchange_restore),
                rules: Rule::ALL
                    .iter()
                    .filter(|r| rules_of[p] & 1 << (**r as u64) != 0)
                    .map(|r| r.id())
                    .collect::<Vec<_>>()
                    .join(";"),
            };
            let sort_key = [
                &row.insync_email,
                &row.okta_login,
                &row.ad_upn,
                &row.m365_upn,
            ]
            .into_iter()
            .find(|v| !v.is_empty())
            .map(|v| key(v))
            .unwrap_or_default();
            (sort_key, row)
        })
        // Records without any identifier (AD's built-in accounts) are no
        // person anyone can act on; they stay counted in the inputs.
        .filter(|(_, row)| row.cells()[..8].iter().any(|c| !c.is_empty()))
        .collect();
    // Unstable is enough: rows that compare equal are equal in every cell.
    rows.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cells().cmp(&b.1.cells())));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// Writes the outputs into `dir`, in parallel and streamed: each file to a
/// temporary name first, then all renamed, so an interrupted run never
/// leaves a half-written file. Returns the written paths.
pub fn write(dir: &Path, r: &Report, generated: &str) -> Result<Vec<std::path::PathBuf>> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the output folder", dir.display()))?;
    let outputs = r.outputs();
    let staged: Vec<Result<(std::path::PathBuf, std::path::PathBuf)>> = outputs
        .par_iter()
        .map(|o| {
            let path = dir.join(o.name());
            let parent = path.parent().unwrap_or(dir);
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
            let file_name = path
                .file_name()
                .map_or_else(|| o.name().to_string(), |n| n.to_string_lossy().to_string());
            let tmp = parent.join(format!(".{file_name}.preflight-tmp"));
            let cannot = || format!("{}: cannot write", tmp.display());
            let file = std::fs::File::create(&tmp).with_context(cannot)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let started = std::time::Instant::now();
            o.write(r, generated, &mut out).with_context(cannot)?;
            if std::env::var_os("PREFLIGHT_TIMINGS").is_some() {
                eprintln!(
                    "timing   {:<20} {:>8.3} s",
                    o.name(),
                    started.elapsed().as_secs_f64()
                );
            }
            out.into_inner()
                .map_err(|e| e.into_error())
                .with_context(cannot)?;
            Ok((tmp, path))
        })
        .collect();
    let mut ready = Vec::new();
    let mut failed = None;
    for s in staged {
        match s {
            Ok(pair) => ready.push(pair),
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    if let Some(e) = failed {
        for (tmp, _) in ready {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    for (tmp, path) in ready {
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
