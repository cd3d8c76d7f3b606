//! `--baseline DIR`: compare with a previous run's `findings.csv`. A
//! finding is the same finding when rule, scenario, source, normalised
//! subject and field agree; each current finding is `new` or `open`, and
//! the baseline's findings that are gone are listed as `fixed`.

use crate::model::key;
use crate::rules::Finding;
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
pub fn read_baseline(dir: &Path) -> Result<Vec<Vec<String>>> {
    let path = dir.join("findings.csv");
    let bytes = std::fs::read(&path).with_context(|| {
        format!("{}: cannot read the baseline; --baseline takes the output folder of a previous preflight audit", path.display())
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
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
        let rec =
            rec.with_context(|| format!("{}: row {} cannot be read", path.display(), i + 2))?;
        // A baseline written with --baseline itself lists fixed rows: they are not findings.
        if rec.get(11) == Some("fixed") {
            continue;
        }
        rows.push(
            rec.iter()
                .take(11)
                .map(|c| crate::report::csv::restore(c).to_string())
                .collect(),
        );
    }
    Ok(rows)
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
