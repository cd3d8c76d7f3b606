//! `--baseline`: a redacted or tampered output folder is refused (exit 2,
//! naming it), and the CSV formula prefix is undone exactly when a
//! previous run's findings are read back.

use crate::{fixture, preflight};
use std::path::{Path, PathBuf};
use std::process::Output;

fn run(dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    preflight()
        .current_dir(dir)
        .arg("audit")
        .args(args)
        .output()
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A finished audit of a small tenant (copied into `dir` as `okta.csv` and
/// `insync.csv`) into `dir/name`, with `extra` flags.
fn audit_output(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    for f in ["okta.csv", "insync.csv"] {
        std::fs::copy(
            fixture(&format!("cases/audit-to-audit-delta/{f}")),
            dir.join(f),
        )
        .unwrap();
    }
    let out = dir.join(name);
    let mut args = vec![
        "okta.csv".as_ref(),
        "insync.csv".as_ref(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.extend(["--out".as_ref(), out.as_os_str()]);
    let res = run(dir, &args);
    assert_eq!(
        res.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    out
}

#[test]
fn a_redacted_output_is_refused_as_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let redacted = audit_output(dir.path(), "redacted", &["--redact"]);
    let summary = std::fs::read_to_string(redacted.join("summary.json")).unwrap();
    assert!(summary.contains("\"redacted\": true"), "{summary}");
    let res = run(
        dir.path(),
        &[
            "okta.csv".as_ref(),
            "insync.csv".as_ref(),
            "--baseline".as_ref(),
            redacted.as_os_str(),
            "--out".as_ref(),
            "again".as_ref(),
        ],
    );
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(
        err.contains("redacted") && err.contains("--redact") && err.contains("unredacted runs"),
        "{err}"
    );
    assert!(!dir.path().join("again").exists());
}

#[test]
fn baseline_rows_with_an_unknown_rule_scenario_or_source_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let before = audit_output(dir.path(), "before", &[]);
    let findings = std::fs::read_to_string(before.join("findings.csv")).unwrap();
    // Row 3 of the file (its second finding), one column at a time.
    let second = findings.lines().nth(2).unwrap().to_string();
    let cells: Vec<&str> = second.split(',').collect();
    for (column, bad) in [(1, "no-such-rule"), (2, "someday"), (3, "ldap")] {
        let mut changed = cells.clone();
        changed[column] = bad;
        let tampered = dir.path().join(format!("tampered-{column}"));
        std::fs::create_dir_all(&tampered).unwrap();
        std::fs::write(
            tampered.join("findings.csv"),
            findings.replacen(&second, &changed.join(","), 1),
        )
        .unwrap();
        let res = run(
            dir.path(),
            &[
                "okta.csv".as_ref(),
                "insync.csv".as_ref(),
                "--baseline".as_ref(),
                tampered.as_os_str(),
                "--out".as_ref(),
                "now".as_ref(),
            ],
        );
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("findings.csv") && err.contains("row 3") && err.contains(bad),
            "{err}"
        );
    }
}

#[test]
fn values_starting_with_a_quote_round_trip_through_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Logins that start with `'` (once followed by a formula character),
    // each an Okta user without an inSync user (a finding about it).
    let okta = "login,firstName,lastName,email\n\
'=dora.finch@acme.example,Dora,Finch,dora.finch@acme.example\n\
''eve.stone@acme.example,Eve,Stone,eve.stone@acme.example\n\
'frank.moss@acme.example,Frank,Moss,frank.moss@acme.example\n";
    write(d, "okta.csv", okta);
    write(
        d,
        "insync.csv",
        "User Name,User Email,Profile,User Status\nAnna,anna@acme.example,Default,Active\n",
    );
    let audit = |out: &str, baseline: Option<&str>| {
        let mut args: Vec<&str> = vec![
            "okta.csv",
            "insync.csv",
            "--quiet",
            "--fail-on",
            "never",
            "--out",
            out,
        ];
        args.extend(baseline.iter().flat_map(|b| ["--baseline", *b]));
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let res = run(d, &args);
        crate::assert_ran(&res);
        std::fs::read_to_string(d.join(out).join("findings.csv")).unwrap()
    };
    let first = audit("first", None);
    assert!(
        first.contains("''=dora.finch@") && first.contains("'''eve.stone@"),
        "{first}"
    );
    let second = audit("second", Some("first"));
    let mut reader = csv::Reader::from_reader(second.trim_start_matches('\u{feff}').as_bytes());
    let mut statuses = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        statuses.push(format!("{} {} {}", &rec[11], &rec[1], &rec[4]));
    }
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| s.starts_with("open ")),
        "the same inputs twice: every finding open, none new or fixed:\n{}",
        statuses.join("\n")
    );
}
