//! `--baseline DIR`: compare with a previous run's `findings.csv`. A
//! finding is the same finding when rule, scenario, source, normalised
//! subject and field agree; each current finding is `new` or `open`, and
//! the baseline's findings that are gone are listed as `fixed`.

use crate::model::{Source, key};
use crate::rules::{Finding, Rule, Scenario};
use anyhow::{Context, Result, bail};
use std::collections::HashSet;
use std::path::Path;

/// The identity of a finding across runs.
pub type FindingKey = (String, String, String, String, String);

pub fn key_of(rule: &str, scenario: &str, source: &str, subject: &str, field: &str) -> FindingKey {
    (
        rule.to_string(),
        scenario.to_string(),
        source.to_string(),
        key(subject),
        field.to_string(),
    )
}

fn finding_key(f: &Finding) -> FindingKey {
    key_of(
        f.rule.id(),
        f.scenario.id(),
        f.source.id(),
        f.subject(),
        f.field(),
    )
}

/// The comparison with a baseline.
#[derive(Clone, Debug, Default)]
pub struct Delta {
    /// `new` or `open`, per current finding (same order).
    pub status: Vec<&'static str>,
    /// The baseline's rows (the 11 findings.csv columns) that are gone.
    pub fixed: Vec<Vec<String>>,
}

impl Delta {
    pub fn count(&self, status: &str) -> usize {
        if status == "fixed" {
            self.fixed.len()
        } else {
            self.status.iter().filter(|s| **s == status).count()
        }
    }
}

/// Reads a previous run's findings.csv (rows of its first 11 columns).
///
/// Refused (the audit cannot run, exit 2): a folder whose `summary.json`
/// says it was redacted (its pseudonyms would match nothing, and every
/// finding would look new), and a row whose rule, scenario or source
/// preflight does not know (it would be listed as `fixed`).
pub fn read_baseline(dir: &Path) -> Result<Vec<Vec<String>>> {
    refuse_redacted(dir)?;
    let path = dir.join("findings.csv");
    // A FIFO or device planted there would hang or flood the run.
    crate::input_file::check(&path.to_string_lossy(), "the baseline's findings.csv")?;
    let bytes = std::fs::read(&path).with_context(|| {
        format!("{}: cannot read the baseline; --baseline takes the output folder of a previous preflight audit", path.display())
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Written with --csv-delimiter ';' (or tab), the header says so.
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b'\t']
        .into_iter()
        .find(|&d| first.starts_with(&format!("severity{}", d as char)))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: not a findings.csv", path.display()))?
        .clone();
    let expected = crate::report::csv::FINDINGS_HEADER;
    if headers.len() < expected.len() || headers.iter().zip(expected).any(|(h, e)| h != e) {
        bail!(
            "{}: not a preflight findings.csv (expected the columns {}); --baseline takes the output folder of a previous audit",
            path.display(),
            expected.join(",")
        );
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{}: row {row} cannot be read", path.display()))?;
        // A baseline written with --baseline itself lists fixed rows: they are not findings.
        if rec.get(11) == Some("fixed") {
            continue;
        }
        let cells: Vec<String> = rec
            .iter()
            .take(11)
            .map(|c| crate::report::csv::restore(c).to_string())
            .collect();
        check_row(&path, row, &cells)?;
        rows.push(cells);
    }
    Ok(rows)
}

/// Refuses a redacted output folder as a baseline.
/// The baseline's `summary.json` (with its path), when the folder has one.
fn summary_of(dir: &Path) -> Result<(std::path::PathBuf, Option<serde_json::Value>)> {
    let path = dir.join("summary.json");
    if !path.exists() {
        return Ok((path, None));
    }
    crate::input_file::check(&path.to_string_lossy(), "the baseline's summary.json")?;
    let bytes = std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let summary = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{}: not a preflight summary.json; --baseline takes the output folder of a previous audit",
            path.display()
        )
    })?;
    Ok((path, Some(summary)))
}

/// The `okta.current.user_name` a baseline run inferred (its
/// `settings.inferred`), to carry over (SPEC section 2); `None` when it
/// inferred nothing (the setting was given, no Okta input, or an output
/// older than `summary.json`).
pub fn inferred_user_name(dir: &Path) -> Result<Option<String>> {
    let (path, Some(summary)) = summary_of(dir)? else {
        return Ok(None);
    };
    match &summary["settings"]["inferred"]["okta.current.user_name"]["attribute"] {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(a) if a == "login" || a == "email" => Ok(Some(a.clone())),
        other => bail!(
            "{}: settings.inferred names okta.current.user_name = {other}, which preflight never infers (login or email). \
             Use the output folder of a preflight run as --baseline, or give --no-baseline-settings",
            path.display()
        ),
    }
}

fn refuse_redacted(dir: &Path) -> Result<()> {
    let (_, Some(summary)) = summary_of(dir)? else {
        // An older output or a findings.csv alone: nothing says it was redacted.
        return Ok(());
    };
    if summary.get("redacted") == Some(&serde_json::Value::Bool(true)) {
        bail!(
            "{}: this output was written with --redact, so its pseudonyms match none of today's identifiers; \
             compare unredacted runs (--baseline takes the folder of a run without --redact), and redact only what leaves the customer",
            dir.display()
        );
    }
    Ok(())
}

/// A baseline row names a rule, a scenario and a source preflight knows.
fn check_row(path: &Path, row: usize, cells: &[String]) -> Result<()> {
    let cell = |i: usize| cells.get(i).map_or("", String::as_str);
    let known = [
        ("rule", cell(1), Rule::from_id(cell(1)).is_some()),
        (
            "scenario",
            cell(2),
            [Scenario::Current, Scenario::Planned, Scenario::Any]
                .iter()
                .any(|s| s.id() == cell(2)),
        ),
        (
            "source",
            cell(3),
            Source::ALL.iter().any(|s| s.id() == cell(3)),
        ),
    ];
    for (what, value, ok) in known {
        if !ok {
            bail!(
                "{}: row {row} has the {what} {value:?}, which preflight does not know; \
                 --baseline takes the output folder of a previous audit, its findings.csv as written",
                path.display()
            );
        }
    }
    Ok(())
}

/// Compares current findings with baseline rows.
pub fn compare(findings: &[Finding], baseline: &[Vec<String>]) -> Delta {
    let row_key = |r: &Vec<String>| key_of(&r[1], &r[2], &r[3], &r[4], &r[7]);
    let before: HashSet<FindingKey> = baseline.iter().map(row_key).collect();
    let now: HashSet<FindingKey> = findings.iter().map(finding_key).collect();
    let status = findings
        .iter()
        .map(|f| {
            if before.contains(&finding_key(f)) {
                "open"
            } else {
                "new"
            }
        })
        .collect();
    let mut seen = HashSet::new();
    let fixed = baseline
        .iter()
        .filter(|r| !now.contains(&row_key(r)) && seen.insert(row_key(r)))
        .cloned()
        .collect();
    Delta { status, fixed }
}
