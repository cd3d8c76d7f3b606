//! The report: built once from the linked tenant and its findings
//! ([`Report::build`]), rendered many ways ([`csv`], [`json`], [`html`],
//! [`terminal`]), and written in exactly one place ([`write`], into the
//! output folder [`outdir`] guards).

pub mod apply;
pub mod csv;
pub mod delta;
pub mod fixes;
pub mod html;
pub mod json;
pub mod markdown;
mod okta_import;
pub mod outdir;
pub mod plan;
pub mod redact;
pub mod terminal;
mod users;
pub mod verdict;
mod worklist;
pub mod xlsx;

use crate::link::Linked;
use crate::model::Source;
use crate::rules::change::Remediation;
use crate::rules::{Finding, Rule, Scenario, Severity};
use crate::tenant::{Inference, Skip};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

pub use users::{Cells, Rewrite, User, UserRow, Users};
pub use verdict::{FailOn, Reason, Verdict};
pub use worklist::Worklist;

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

/// How the report is made and written, from the command line and the
/// config file: given to [`Report::build`], which makes the report once.
#[derive(Clone, Debug)]
pub struct Options {
    /// When the audit exits 1 (`--fail-on`; the demo never).
    pub fail_on: FailOn,
    /// Rows listed per rule (and persons) in report.html (`--report-limit`).
    pub report_limit: usize,
    /// The field delimiter of the CSV files (`--csv-delimiter`).
    pub csv_delimiter: u8,
    /// Whether `report.xlsx` is written (`--no-xlsx`), and the rows of each
    /// of its sheets (`--xlsx-rows`).
    pub xlsx: bool,
    pub xlsx_rows: usize,
    /// Who the report is for and who made it (`--customer`, `--author` or
    /// `[report]` in preflight.toml).
    pub customer: Option<String>,
    pub author: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            fail_on: FailOn::default(),
            report_limit: DEFAULT_REPORT_LIMIT,
            csv_delimiter: b',',
            xlsx: true,
            xlsx_rows: xlsx::DEFAULT_XLSX_ROWS,
            customer: None,
            author: None,
        }
    }
}

/// What the report is made of besides the linked tenant and its findings.
pub struct Parts<'a, 't> {
    pub remediation: Vec<Remediation>,
    /// What the change plan needs of the linked tenant ([`plan::Facts`]).
    pub plan: plan::Facts,
    /// Findings waived (`--waivers`); `None` without waivers.
    pub waived: Option<Vec<crate::waivers::Waived<'t>>>,
    /// A previous run's findings rows (`--baseline`), to compare with.
    pub baseline: Option<&'a [Vec<String>]>,
    pub options: Options,
}

/// Everything an audit produced, ready to render. It reads the tenant it
/// was made of (`'t`): the persons' rows are written from the records.
pub struct Report<'t> {
    pub version: &'static str,
    pub verdict: Verdict,
    /// The deciding checks that did not run (SPEC section 5).
    pub verdict_reasons: Vec<Reason>,
    /// When the audit exits 1 (`--fail-on`; the demo never).
    pub fail_on: FailOn,
    /// The steps of the change, in order ([`plan`]).
    pub change_plan: Vec<plan::Step>,
    pub findings: Vec<Finding<'t>>,
    /// The rows of `users.csv` ([`Users`]).
    pub users: Users<'t>,
    /// The rows of `remediation.csv`.
    pub remediation: Worklist<'t>,
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
    pub waived: Option<Vec<crate::waivers::Waived<'t>>>,
    /// The comparison with `--baseline`, when given.
    pub delta: Option<delta::Delta>,
    /// Who the report is for and who made it (`--customer`, `--author` or
    /// `[report]` in preflight.toml): the report's header and print footer.
    pub customer: Option<String>,
    pub author: Option<String>,
    /// The field delimiter of the CSV files (`--csv-delimiter`).
    pub csv_delimiter: u8,
    /// Whether `report.xlsx` is written (`--no-xlsx` leaves it out), and
    /// the rows of each of its sheets (`--xlsx-rows`).
    pub xlsx: bool,
    pub xlsx_rows: usize,
    /// The worklists' order, shared by the outputs that read it.
    pub fix_orders: fixes::Orders,
    /// What the apply-ready scripts know of the records they change.
    pub targets: apply::Targets,
}

impl<'t> Report<'t> {
    /// Makes the report of a linked tenant's findings, once.
    pub fn build(
        mut linked: Linked<'t>,
        findings: Vec<Finding<'t>>,
        parts: Parts<'_, 't>,
    ) -> Report<'t> {
        let l = &linked;
        let Parts {
            remediation,
            plan,
            waived,
            baseline,
            options,
        } = parts;
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
        let (coverage, single_system) = coverage(l);
        let targets = apply::targets(l, &findings);
        let persons = l.persons.len();
        let people = std::mem::take(&mut linked.persons);
        let users = Users::build(&linked, &findings, people);
        let mut report = Report {
            version: env!("CARGO_PKG_VERSION"),
            verdict,
            verdict_reasons,
            fail_on: options.fail_on,
            change_plan: Vec::new(),
            users,
            remediation: Worklist::new(t, remediation),
            settings,
            skipped: t.skipped.clone(),
            inputs,
            persons,
            coverage,
            single_system,
            report_limit: options.report_limit,
            redacted: false,
            waived,
            delta: None,
            customer: options.customer,
            author: options.author,
            csv_delimiter: options.csv_delimiter,
            xlsx: options.xlsx,
            xlsx_rows: options.xlsx_rows,
            fix_orders: fixes::Orders::default(),
            targets,
            findings,
        };
        // The plan and the comparison read the report's own counts.
        report.change_plan = plan::steps(&report, plan);
        report.delta = baseline.map(|rows| delta::compare(&report.findings, rows));
        report
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
        // Counted by the rule's number, then named: a map entry per finding
        // took a tenth of a second at a million persons, for each output.
        let mut by_rule = [0usize; Rule::ALL.len()];
        for f in &self.findings {
            by_rule[f.rule as usize] += 1;
        }
        Rule::ALL
            .iter()
            .filter(|r| by_rule[**r as usize] > 0)
            .map(|r| (r.id(), by_rule[*r as usize]))
            .collect()
    }

    /// Findings per severity (all three keys present).
    pub fn severities(&self) -> BTreeMap<&'static str, usize> {
        // Counted by the severity's number (its place in `levels`).
        let levels = [Severity::Error, Severity::Warning, Severity::Info];
        let mut by_level = [0usize; 3];
        for f in &self.findings {
            by_level[f.severity() as usize] += 1;
        }
        levels.iter().map(|l| l.id()).zip(by_level).collect()
    }

    /// Error-level findings of a scenario.
    pub fn errors_in(&self, scenario: Scenario) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == Severity::Error && f.scenario == scenario)
            .count()
    }

    /// The persons with an error finding in one of `scenarios` (an error
    /// about no person counts as one): the unit of the report's headline.
    pub fn persons_with_errors_in(&self, scenarios: &[Scenario]) -> usize {
        let mut persons: Vec<u32> = Vec::new();
        let mut unowned = 0;
        for f in &self.findings {
            if f.severity() == Severity::Error && scenarios.contains(&f.scenario) {
                match f.person {
                    Some(p) => persons.push(p),
                    None => unowned += 1,
                }
            }
        }
        persons.sort_unstable();
        persons.dedup();
        persons.len() + unowned
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
        outputs.push(Output::OktaImport);
        // Not under --redact: a script naming pseudonyms changes nothing.
        if !self.redacted {
            outputs.extend([Source::Ad, Source::M365].map(Output::Script));
        }
        if self.xlsx {
            outputs.push(Output::Xlsx);
        }
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
    /// `fixes/okta-import.csv`: Okta's import format.
    OktaImport,
    Xlsx,
    /// The apply-ready script of AD or Microsoft 365 (the only two:
    /// [`Report::outputs`]).
    Script(Source),
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
            Output::OktaImport => "fixes/okta-import.csv",
            Output::Xlsx => "report.xlsx",
            Output::Script(Source::Ad) => "fixes/ad.ps1",
            Output::Script(_) => "fixes/m365.ps1",
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
            Output::OktaImport => okta_import::write(r, out),
            Output::Xlsx => xlsx::write(r, generated, out),
            Output::Script(system) => apply::script(r, system, out),
            Output::SummaryJson => Ok(out.write_all(&json::summary(r)?)?),
            Output::SummaryMd => Ok(out.write_all(markdown::summary(r).as_bytes())?),
            Output::Html => html::write(r, generated, out),
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
    fixes::order_all(r);
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
