//! The report: built once from the linked tenant and its findings
//! ([`Report::build`]), rendered many ways ([`csv`], [`json`], [`html`],
//! [`terminal`]), and written in exactly one place ([`write`], into the
//! output folder [`outdir`] guards).

pub mod csv;
pub mod delta;
pub mod fixes;
pub mod html;
pub mod json;
pub mod markdown;
pub mod outdir;
pub mod plan;
pub mod redact;
pub mod terminal;
pub mod verdict;

use crate::link::{Linked, Outcome, View};
use crate::model::{OktaStatus, Source, cmp_key, key_prefix};
use crate::rules::change::Remediation;
use crate::rules::{Finding, Rule, Scenario, Severity};
use crate::tenant::{Inference, Skip};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

pub use verdict::{FailOn, Reason, Verdict};

/// One row of `users.csv`: a person, identifiers side by side.
///
/// Its ten text cells (the eight identifiers, the planned inSync email and
/// the rules) are one string with ten 32-bit ends, and the six outcomes a
/// byte each: a million persons stay one allocation each (they were ten
/// strings and 360 bytes).
#[derive(Clone, Debug)]
pub struct UserRow {
    text: Box<str>,
    ends: [u32; 10],
    outcomes: [Outcome; 6],
}

impl UserRow {
    // Where each text cell is among the ten (see [`UserRow::new`]).
    pub const INSYNC_EMAIL: usize = 0;
    pub const INSYNC_AD_ATTRIBUTE: usize = 1;
    pub const OKTA_LOGIN: usize = 2;
    pub const OKTA_EMAIL: usize = 3;
    pub const AD_UPN: usize = 4;
    pub const AD_MAIL: usize = 5;
    pub const M365_UPN: usize = 6;
    pub const M365_PRIMARY_SMTP: usize = 7;
    pub const PLANNED_INSYNC_EMAIL: usize = 8;
    pub const RULES: usize = 9;

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

    /// A row of these text cells (in the order of the constants above)
    /// and outcomes (today's OneDrive, Exchange backup and restore, then
    /// the planned ones).
    pub fn new(texts: [&str; 10], outcomes: [Outcome; 6]) -> UserRow {
        // Ends are 32 bits: the cells come from input cells, each shorter
        // than --max-cell-bytes, so only an absurd limit overflows them;
        // then a long value says so instead of being cut unseen.
        let total: usize = texts.iter().map(|t| t.len()).sum();
        let too_long = u32::try_from(total).is_err();
        let mut text = String::with_capacity(if too_long { 0 } else { total });
        let mut ends = [0u32; 10];
        for (end, v) in ends.iter_mut().zip(texts) {
            text.push_str(&crate::rules::kept(v, too_long));
            *end = text.len() as u32;
        }
        UserRow {
            text: text.into_boxed_str(),
            ends,
            outcomes,
        }
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The row with each text cell passed through `f` (its place, its
    /// value).
    pub fn rewrite(&self, mut f: impl FnMut(usize, &str) -> String) -> UserRow {
        let texts: [String; 10] = std::array::from_fn(|i| f(i, self.get(i)));
        UserRow::new(texts.each_ref().map(String::as_str), self.outcomes)
    }

    pub fn insync_email(&self) -> &str {
        self.get(Self::INSYNC_EMAIL)
    }
    pub fn insync_ad_attribute(&self) -> &str {
        self.get(Self::INSYNC_AD_ATTRIBUTE)
    }
    pub fn okta_login(&self) -> &str {
        self.get(Self::OKTA_LOGIN)
    }
    pub fn okta_email(&self) -> &str {
        self.get(Self::OKTA_EMAIL)
    }
    pub fn ad_upn(&self) -> &str {
        self.get(Self::AD_UPN)
    }
    pub fn ad_mail(&self) -> &str {
        self.get(Self::AD_MAIL)
    }
    pub fn m365_upn(&self) -> &str {
        self.get(Self::M365_UPN)
    }
    pub fn m365_primary_smtp(&self) -> &str {
        self.get(Self::M365_PRIMARY_SMTP)
    }
    pub fn planned_insync_email(&self) -> &str {
        self.get(Self::PLANNED_INSYNC_EMAIL)
    }
    /// The ids of the person's rules, `;`-joined.
    pub fn rules(&self) -> &str {
        self.get(Self::RULES)
    }
    pub fn current_onedrive(&self) -> &'static str {
        self.outcomes[0].id()
    }
    pub fn current_exchange_backup(&self) -> &'static str {
        self.outcomes[1].id()
    }
    pub fn current_exchange_restore(&self) -> &'static str {
        self.outcomes[2].id()
    }
    pub fn planned_onedrive(&self) -> &'static str {
        self.outcomes[3].id()
    }
    pub fn planned_exchange_backup(&self) -> &'static str {
        self.outcomes[4].id()
    }
    pub fn planned_exchange_restore(&self) -> &'static str {
        self.outcomes[5].id()
    }

    /// The first of the inSync email, Okta login, AD and Microsoft 365 UPN
    /// that is not empty: what the rows are sorted by.
    fn first_identifier(&self) -> &str {
        [
            Self::INSYNC_EMAIL,
            Self::OKTA_LOGIN,
            Self::AD_UPN,
            Self::M365_UPN,
        ]
        .into_iter()
        .map(|i| self.get(i))
        .find(|v| !v.is_empty())
        .unwrap_or("")
    }

    /// Whether the row has no identifier at all.
    fn is_anonymous(&self) -> bool {
        self.ends[Self::M365_PRIMARY_SMTP] == 0
    }

    pub fn cells(&self) -> [&str; 16] {
        [
            self.insync_email(),
            self.insync_ad_attribute(),
            self.okta_login(),
            self.okta_email(),
            self.ad_upn(),
            self.ad_mail(),
            self.m365_upn(),
            self.m365_primary_smtp(),
            self.current_onedrive(),
            self.current_exchange_backup(),
            self.current_exchange_restore(),
            self.planned_insync_email(),
            self.planned_onedrive(),
            self.planned_exchange_backup(),
            self.planned_exchange_restore(),
            self.rules(),
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
    /// Status values the system does not use, read as active (SPEC
    /// section 3).
    pub unrecognised: Vec<Unrecognised>,
    /// Columns set aside (a .NET type name instead of values): the audit
    /// ran without them (SPEC section 3).
    pub set_aside: Vec<crate::model::SetAside>,
    /// Records read that are no user (an ADUC export list's groups,
    /// contacts, computers), set aside and counted per kind.
    pub rows_set_aside: Vec<crate::model::RowsSetAside>,
}

/// A status value an export holds that its system does not use.
#[derive(Clone, Debug, Serialize)]
pub struct Unrecognised {
    pub file: String,
    pub column: String,
    pub value: String,
    pub rows: usize,
    /// How it was read instead.
    pub read_as: &'static str,
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
    /// The deciding checks that did not run (SPEC section 5).
    pub verdict_reasons: Vec<Reason>,
    /// When the audit exits 1 (`--fail-on`; the demo never).
    pub fail_on: FailOn,
    /// The steps of the change, in order ([`plan`]).
    pub change_plan: Vec<plan::Step>,
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
        let (verdict, verdict_reasons) = verdict::decide(&findings, &t.skipped, l.persons.len());
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
            .inputs
            .iter()
            .map(|tb| InputInfo {
                file: tb.file.clone(),
                source: tb.source,
                format: tb.format,
                encoding: tb.encoding,
                delimiter: tb.delimiter_name(),
                sheet: tb.sheet.clone(),
                rows: tb.rows,
                skipped: tb.problems.len(),
                sha256: tb.sha256.clone(),
            })
            .collect();
        let users = user_rows(l, &findings);
        let (coverage, single_system) = coverage(l);
        Report {
            version: env!("CARGO_PKG_VERSION"),
            verdict,
            verdict_reasons,
            fail_on: FailOn::default(),
            change_plan: Vec::new(),
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

    /// The exit status (0 or 1) and the sentence that gives the verdict and
    /// why the status is what it is.
    pub fn status(&self) -> (u8, String) {
        verdict::status(
            self.verdict,
            self.fail_on,
            self.errors_in(Scenario::Current),
            self.errors_in(Scenario::Planned) + self.errors_in(Scenario::Any),
            self.severities()["warning"],
        )
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
            Output::Fixes(system) => fixes::worklist(r, system, out),
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
    let mut unlinked = vec![0usize; t.inputs.len()];
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
        .inputs
        .iter()
        .zip(unlinked)
        .map(|(tb, unlinked)| Coverage {
            file: tb.file.clone(),
            source: tb.source,
            rows_read: tb.rows
                + tb.problems.len()
                + tb.rows_set_aside.iter().map(|k| k.rows).sum::<usize>(),
            rows_used: tb.rows,
            rows_skipped: tb.problems.len(),
            linked_to_nothing: unlinked,
            unrecognised: tb
                .statuses
                .iter()
                .filter(|s| !s.recognised)
                .map(|s| Unrecognised {
                    file: tb.file.clone(),
                    column: s.column.clone(),
                    value: s.value.clone(),
                    rows: s.rows,
                    read_as: s.read_as,
                })
                .collect(),
            set_aside: tb.set_aside.clone(),
            rows_set_aside: tb.rows_set_aside.clone(),
        })
        .collect();
    (coverage, single)
}

fn outcome(v: Option<&View>, f: fn(&View) -> Outcome) -> Outcome {
    v.map_or(Outcome::NotApplicable, f)
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
    let mut rows: Vec<Option<(u64, UserRow)>> = Vec::new();
    (0..l.persons.len())
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
            let ids = |values: &mut dyn Iterator<Item = &str>| join(values.collect());
            let insync_email =
                ids(&mut person.insync.iter().map(|&u| &*t.insync[u as usize].email));
            let insync_ad_attribute = cur.map_or("", |v| v.ad_attribute.trim());
            let okta_login = ids(&mut person.okta.iter().map(|&o| &*t.okta[o as usize].login));
            let okta_email = ids(&mut person.okta.iter().map(|&o| &*t.okta[o as usize].email));
            let ad_upn = ids(&mut person.ad.iter().map(|&a| &*t.ad[a as usize].upn));
            let ad_mail = ids(&mut person.ad.iter().map(|&a| &*t.ad[a as usize].mail));
            let m365_upn = ids(&mut person.m365.iter().map(|&m| &*t.m365[m as usize].upn));
            let m365_primary_smtp = ids(&mut person
                .m365
                .iter()
                .map(|&m| crate::link::primary_of(&t.m365[m as usize])));
            let rules = Rule::ALL
                .iter()
                .filter(|r| rules_of[p] & 1 << (**r as u64) != 0)
                .map(|r| r.id())
                .collect::<Vec<_>>()
                .join(";");
            let row = UserRow::new(
                [
                    &insync_email,
                    insync_ad_attribute,
                    &okta_login,
                    &okta_email,
                    &ad_upn,
                    &ad_mail,
                    &m365_upn,
                    &m365_primary_smtp,
                    &planned_email,
                    &rules,
                ],
                [
                    outcome(cur, |v| v.onedrive),
                    outcome(cur, |v| v.exchange_backup),
                    outcome(cur, |v| v.exchange_restore),
                    outcome(plan, |v| v.onedrive),
                    outcome(plan, |v| v.exchange_backup),
                    outcome(plan, |v| v.exchange_restore),
                ],
            );
            // Records without any identifier (AD's built-in accounts) are
            // no person anyone can act on; they stay counted in the inputs.
            (!row.is_anonymous()).then(|| (key_prefix(row.first_identifier()), row))
        })
        .collect_into_vec(&mut rows);
    let mut rows: Vec<(u64, UserRow)> = rows.into_iter().flatten().collect();
    // By the first identifier's key (its first 8 bytes, then the whole),
    // then every cell. Unstable is enough: rows that compare equal are
    // equal in every cell.
    rows.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| cmp_key(a.1.first_identifier(), b.1.first_identifier()))
            .then_with(|| a.1.cells().cmp(&b.1.cells()))
    });
    rows.into_iter().map(|(_, r)| r).collect()
}

/// Writes the outputs into the claimed output folder: the whole set into a
/// new folder beside it, in parallel and streamed, then swapped in
/// ([`outdir`]). Returns the written paths.
pub fn write(out: outdir::OutDir, r: &Report, generated: &str) -> Result<Vec<std::path::PathBuf>> {
    out.replace(|new| write_set(new, r, generated))
}

/// Writes every output into `dir`, a folder this run just made: each file
/// created exclusively, never over an existing path. Returns the names
/// written.
fn write_set(dir: &Path, r: &Report, generated: &str) -> Result<Vec<String>> {
    use rayon::prelude::*;
    let outputs = r.outputs();
    let mut folders: Vec<&Path> = outputs
        .iter()
        .filter_map(|o| Path::new(o.name()).parent())
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let path = dir.join(folder);
        std::fs::create_dir(&path)
            .with_context(|| format!("{}: cannot create the folder", path.display()))?;
    }
    outputs
        .par_iter()
        .map(|o| {
            let path = dir.join(o.name());
            let cannot = || format!("{}: cannot write", path.display());
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .with_context(cannot)?;
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
            Ok(o.name().to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A row reads back every cell as given, in `users.csv` order, and
        /// a rewrite changes the identifiers but not the rules.
        #[test]
        fn user_rows_read_back_as_given(
            texts: [String; 10],
            outcomes in proptest::array::uniform6(0u8..3),
        ) {
            let outcomes = outcomes.map(|o| [Outcome::Ok, Outcome::Fail, Outcome::NotApplicable][o as usize]);
            let row = UserRow::new(texts.each_ref().map(String::as_str), outcomes);
            let ids = outcomes.map(Outcome::id);
            let t = |i: usize| texts[i].as_str();
            let want = [
                t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7),
                ids[0], ids[1], ids[2],
                t(8),
                ids[3], ids[4], ids[5],
                t(9),
            ];
            proptest::prop_assert_eq!(row.cells(), want);
            proptest::prop_assert_eq!(row.is_anonymous(), texts[..8].iter().all(String::is_empty));
            let first = [0, 2, 4, 6].into_iter().map(t).find(|v| !v.is_empty()).unwrap_or("");
            proptest::prop_assert_eq!(row.first_identifier(), first);
            let upper = row.rewrite(|i, v| if i == UserRow::RULES { v.into() } else { v.to_uppercase() });
            proptest::prop_assert_eq!(upper.rules(), t(9));
            proptest::prop_assert_eq!(upper.insync_email(), t(0).to_uppercase());
            proptest::prop_assert_eq!(upper.planned_insync_email(), t(8).to_uppercase());
            proptest::prop_assert_eq!(upper.current_onedrive(), ids[0]);
        }
    }
}
