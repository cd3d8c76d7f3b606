//! End-to-end cases as data: each folder of `fixtures/cases/` holds the
//! exports of a small tenant and a `case.toml` with the audit's arguments
//! and exactly the findings it must give: no more, no fewer.
//!
//! ```toml
//! description = "what the case shows"
//! args = ["--plan-upn", "none"]          # extra audit flags (optional)
//! inputs = ["okta.csv", "--insync", "x.csv"]  # optional; default: every other file, classified by header
//! exit = 1                               # optional
//! verdict = "no-go"                      # optional
//! not_checked = ["inSync checks (backup, remap, duplicates)"]
//!                                        # optional: exactly the checks of verdict_reasons
//! [[finding]]
//! rule = "duplicate-on-remap"
//! scenario = "planned"
//! source = "okta"
//! subject = "anna.berg@contoso.com"
//! field = "email"                        # optional: checked when given
//! value = "anna.berg@contoso.co.uk"      # optional: checked when given
//! status = "new"                         # optional: with a baseline, new or open
//! [[remediation]]                        # optional: when given, exactly these rows
//! current = "anna.berg@contoso.com"
//! new = "anna.berg@contoso.co.uk"
//! [[fixed]]                              # with a baseline: exactly the findings gone
//! rule = "invalid-address"
//! scenario = "any"
//! source = "okta"
//! subject = "anna.berg@contoso.com"
//! [[waived]]                             # with waivers: exactly the findings waived
//! rule = "duplicate-on-remap"
//! scenario = "planned"
//! source = "okta"
//! subject = "tom.becker@contoso.com"
//! ```
//!
//! A case with a `previous/` folder is a two-run case: `previous/` (with
//! the same arguments) is audited first, and its output folder is the
//! `--baseline` of the second run.

use crate::{fixture, preflight};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    #[serde(default)]
    args: Vec<String>,
    inputs: Option<Vec<String>>,
    exit: Option<i32>,
    verdict: Option<String>,
    not_checked: Option<Vec<String>>,
    #[serde(default)]
    finding: Vec<Expected>,
    remediation: Option<Vec<ExpectedFix>>,
    fixed: Option<Vec<Expected>>,
    waived: Option<Vec<Expected>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    scenario: String,
    source: String,
    subject: String,
    field: Option<String>,
    value: Option<String>,
    status: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct ExpectedFix {
    current: String,
    new: String,
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("outputs start with a BOM");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Undoes the formula neutralisation of the CSV writer.
fn cell(v: &str) -> String {
    preflight::report::csv::restore(v).to_string()
}

/// The audit command of a case folder.
fn audit_command(
    dir: &Path,
    case: &Case,
    out: &Path,
    baseline: Option<&Path>,
) -> assert_cmd::Command {
    let mut cmd = preflight();
    cmd.current_dir(dir).arg("audit");
    match &case.inputs {
        Some(inputs) => {
            cmd.args(inputs);
        }
        None => {
            let mut files: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|f| f != "case.toml" && !f.starts_with('.') && !f.ends_with(".md"))
                .collect();
            files.sort();
            cmd.args(files);
        }
    }
    cmd.args(&case.args).arg("--out").arg(out).arg("--quiet");
    if let Some(b) = baseline {
        cmd.arg("--baseline").arg(b);
    }
    cmd
}

/// Checks rows of an output against expectations: exactly these.
fn expect_rows(
    what: &str,
    rows: &[BTreeMap<String, String>],
    expected: &[Expected],
    problems: &mut Vec<String>,
) {
    let mut unmatched: Vec<&BTreeMap<String, String>> = rows.iter().collect();
    for e in expected {
        let pos = unmatched.iter().position(|r| {
            r["rule"] == e.rule
                && r["scenario"] == e.scenario
                && r["source"] == e.source
                && cell(&r["subject"]).eq_ignore_ascii_case(&e.subject)
                && e.field.as_ref().is_none_or(|f| r["field"] == *f)
                && e.value.as_ref().is_none_or(|v| cell(&r["value"]) == *v)
                && e.status.as_ref().is_none_or(|s| r.get("status") == Some(s))
        });
        match pos {
            Some(i) => {
                unmatched.remove(i);
            }
            None => problems.push(format!(
                "{what}: missing: {} {} {} {} {:?} {:?} {:?}",
                e.rule, e.scenario, e.source, e.subject, e.field, e.value, e.status
            )),
        }
    }
    for r in unmatched {
        problems.push(format!(
            "{what}: unexpected: {} {} {} {} field={} value={} status={:?} ({})",
            r["rule"],
            r["scenario"],
            r["source"],
            r["subject"],
            r["field"],
            r["value"],
            r.get("status"),
            r["message"]
        ));
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(dir.join("case.toml"))
        .map_err(|e| format!("{name}: case.toml: {e}"))?;
    let case: Case = toml::from_str(&text).map_err(|e| format!("{name}: case.toml: {e}"))?;
    assert!(!case.description.is_empty());
    let out = tempfile::tempdir().unwrap();
    let mut baseline = None;
    if dir.join("previous").is_dir() {
        let before = tempfile::tempdir().unwrap();
        let output = audit_command(&dir.join("previous"), &case, before.path(), None)
            .output()
            .unwrap();
        if output.status.code() == Some(2) {
            return Err(format!(
                "{name}: the previous run did not run: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        baseline = Some(before);
    }
    let output = audit_command(dir, &case, out.path(), baseline.as_ref().map(|b| b.path()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(2) {
        return Err(format!("{name}: the audit did not run: {stderr}"));
    }
    let mut problems = Vec::new();
    if let Some(exit) = case.exit
        && output.status.code() != Some(exit)
    {
        problems.push(format!("exit {:?}, expected {exit}", output.status.code()));
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    if let Some(v) = &case.verdict
        && summary["verdict"] != *v
    {
        problems.push(format!("verdict {}, expected {v}", summary["verdict"]));
    }
    // Every verdict has its reasons, empty when every deciding check ran.
    let reasons: Vec<String> = summary["verdict_reasons"]
        .as_array()
        .expect("summary.json has verdict_reasons")
        .iter()
        .map(|r| r["check"].as_str().unwrap_or_default().to_string())
        .collect();
    if summary["verdict"] == "inconclusive" && reasons.is_empty() {
        problems.push("verdict inconclusive without verdict_reasons".into());
    }
    if summary["verdict"] == "go" && !reasons.is_empty() {
        problems.push(format!("verdict go with verdict_reasons {reasons:?}"));
    }
    if let Some(expected) = &case.not_checked
        && reasons != *expected
    {
        problems.push(format!(
            "verdict_reasons {reasons:?}, expected {expected:?}"
        ));
    }
    let rows = read_csv(&out.path().join("findings.csv"));
    let (current, fixed): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| r.get("status").map(String::as_str) != Some("fixed"));
    expect_rows("findings.csv", &current, &case.finding, &mut problems);
    match (&case.fixed, baseline.is_some()) {
        (Some(expected), true) => expect_rows("fixed", &fixed, expected, &mut problems),
        (None, true) if !fixed.is_empty() => expect_rows("fixed", &fixed, &[], &mut problems),
        (Some(_), false) => problems.push("[[fixed]] needs a previous/ folder".into()),
        _ => {}
    }
    if let Some(expected) = &case.waived {
        let rows = read_csv(&out.path().join("waived.csv"));
        expect_rows("waived.csv", &rows, expected, &mut problems);
    }
    if let Some(expected) = &case.remediation {
        let mut got: Vec<ExpectedFix> = read_csv(&out.path().join("remediation.csv"))
            .into_iter()
            .map(|r| ExpectedFix {
                current: r["insync_email_current"].clone(),
                new: r["insync_email_new"].clone(),
            })
            .collect();
        got.sort();
        let mut want: Vec<&ExpectedFix> = expected.iter().collect();
        want.sort();
        if got.iter().collect::<Vec<_>>() != want {
            problems.push(format!("remediation.csv: got {got:?}, expected {want:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}:\n  {}", problems.join("\n  ")))
    }
}

#[test]
fn every_case_gives_exactly_its_findings() {
    let root = fixture("cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").exists())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 2,
        "expected the end-to-end cases under {}",
        root.display()
    );
    let failures: Vec<String> = dirs.iter().filter_map(|d| run_case(d).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
