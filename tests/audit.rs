//! The audit as a whole: the sample tenant's outputs, determinism across
//! thread counts, exit codes and the errors a consultant can act on.

use crate::{audit_ok, fixture, preflight};
use preflight::audit::{demo_audit, demo_tenant};
use preflight::rules::Rule;
use std::collections::BTreeMap;

fn render_demo(threads: usize) -> Vec<(&'static str, Vec<u8>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        demo_audit(&demo_tenant().unwrap())
            .report
            .render("2026-01-01 00:00:00 UTC")
            .unwrap()
    })
}

#[test]
fn sample_tenant_findings_snapshot() {
    let files = render_demo(2);
    let findings = &files.iter().find(|(n, _)| *n == "findings.csv").unwrap().1;
    let text = String::from_utf8(findings.clone()).unwrap();
    insta::assert_snapshot!("contoso_findings_csv", text);
}

#[test]
fn one_and_two_threads_give_byte_identical_outputs() {
    let one = render_demo(1);
    let two = render_demo(2);
    assert_eq!(one.len(), two.len());
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn demo_writes_every_output_and_says_what_to_open() {
    let out = tempfile::tempdir().unwrap();
    let res = preflight()
        .args(["demo", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(0));
    for f in [
        "findings.csv",
        "users.csv",
        "remediation.csv",
        "summary.json",
        "report.html",
    ] {
        assert!(out.path().join(f).exists(), "{f} missing");
    }
    // The summary goes to stdout (SPEC section 1).
    let said = String::from_utf8_lossy(&res.stdout);
    assert!(
        said.contains("NO-GO") && said.contains("report.html"),
        "{said}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("summary.json")).unwrap()).unwrap();
    for key in [
        "verdict",
        "counts",
        "severities",
        "settings",
        "skipped",
        "inputs",
        "version",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["verdict"], "no-go");
    assert_eq!(
        summary["settings"]["inferred"]["okta.current.user_name"]["attribute"],
        "login"
    );
    assert_eq!(summary["inputs"].as_array().unwrap().len(), 6);
    assert_eq!(summary["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    let findings = std::fs::read(out.path().join("findings.csv")).unwrap();
    assert!(findings.starts_with(b"\xEF\xBB\xBFseverity,rule,scenario,source,subject,file,row,field,value,message,remediation\r\n"));
    // Messages and remediations are plain text (SPEC v2, section 6): the
    // demo's values hold no backtick, so none is left anywhere.
    assert!(!findings.contains(&b'`'), "a backtick in findings.csv");
    for f in ["fixes/insync.csv", "fixes/okta.csv", "remediation.csv"] {
        let text = std::fs::read(out.path().join(f)).unwrap();
        assert!(!text.contains(&b'`'), "a backtick in {f}");
    }
    let users = String::from_utf8(std::fs::read(out.path().join("users.csv")).unwrap()).unwrap();
    assert!(users.starts_with("\u{feff}display_name,insync_email,insync_ad_attribute,okta_login,okta_email,ad_upn,ad_mail,m365_upn,m365_primary_smtp,current_onedrive,current_exchange_backup,current_exchange_restore,planned_insync_email,planned_onedrive,planned_exchange_backup,planned_exchange_restore,"));
    let remediation =
        String::from_utf8(std::fs::read(out.path().join("remediation.csv")).unwrap()).unwrap();
    assert!(
        remediation
            .starts_with("\u{feff}insync_email_current,insync_email_new,okta_login,reason,status,assignee,due,notes\r\n")
    );
    assert!(remediation.contains(
        "\r\namelia.hughes@contoso.com,amelia.hughes@contoso.co.uk,amelia.hughes@contoso.com,"
    ));
}

#[test]
fn users_csv_shows_each_check_per_scenario() {
    let files = render_demo(2);
    let users = String::from_utf8(
        files
            .iter()
            .find(|(n, _)| *n == "users.csv")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    let mut r = csv::Reader::from_reader(users.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(
        rows.iter().all(|r| (1..9).any(|i| !r[i].is_empty())),
        "a row without any identifier"
    );
    let tom = rows
        .iter()
        .find(|r| &r[1] == "amelia.hughes@contoso.com")
        .expect("Amelia Hughes's row");
    assert_eq!(&tom[0], "Amelia Hughes");
    // Today: OneDrive and Exchange backup work, restore fails; after the change all work.
    assert_eq!((&tom[9], &tom[10], &tom[11]), ("ok", "ok", "fail"));
    assert_eq!(&tom[12], "amelia.hughes@contoso.co.uk");
    assert_eq!((&tom[13], &tom[14], &tom[15]), ("ok", "ok", "ok"));
    assert!(
        tom[16].contains("duplicate-on-remap") && tom[16].contains("exchange-restore-mismatch")
    );
}

#[test]
fn rules_lists_every_rule() {
    let out = preflight().arg("rules").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for r in Rule::ALL {
        assert!(
            text.contains(r.id()),
            "{} missing from preflight rules",
            r.id()
        );
    }
}

/// The sample tenant's CSV exports (with or without the mailbox export).
fn contoso_exports(with_mailboxes: bool) -> Vec<std::path::PathBuf> {
    [
        "okta-export-users.csv",
        "ad-users.csv",
        "m365-active-users.csv",
        "exo-mailboxes.csv",
        "insync-user-provisioning.csv",
    ]
    .into_iter()
    .filter(|f| with_mailboxes || *f != "exo-mailboxes.csv")
    .map(|f| fixture(&format!("contoso/{f}")))
    .collect()
}

fn contoso(extra: &[&str]) -> std::process::Output {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = preflight();
    cmd.arg("audit");
    cmd.args(contoso_exports(false));
    cmd.args(extra)
        .arg("--out")
        .arg(out.path())
        .arg("--quiet")
        .output()
        .unwrap()
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(contoso(&[]).status.code(), Some(1));
    assert_eq!(contoso(&["--fail-on", "never"]).status.code(), Some(0));
    assert_eq!(contoso(&["--fail-on", "warning"]).status.code(), Some(1));
}

#[test]
fn a_given_setting_naming_a_missing_column_stops_the_run() {
    let out = contoso(&["--plan-user-name", "workEmail"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plan.user_name")
            && err.contains("workEmail")
            && err.contains("\"Primary email\""),
        "{err}"
    );
    let out = contoso(&["--identification-attribute", "extensionAttribute9"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("extensionAttribute9") && err.contains("ad-users.csv"),
        "{err}"
    );
}

#[test]
fn an_unreadable_input_stops_the_run_with_exit_2() {
    let out = preflight()
        .args([
            "audit",
            "fixtures/formats/unclassifiable.csv",
            "--quiet",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--okta"));
}

#[test]
fn init_writes_a_config_that_audit_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = preflight()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    let again = preflight()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "init must not overwrite silently"
    );
    let res = contoso(&[
        "--config",
        dir.path().join("preflight.toml").to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    crate::assert_ran(&res);
}

#[test]
fn redact_replaces_every_local_part_in_every_output() {
    let out = tempfile::tempdir().unwrap();
    let mut cmd = preflight();
    cmd.arg("audit");
    cmd.args(contoso_exports(true));
    let res = cmd
        .args(["--redact", "--quiet", "--fail-on", "never", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    crate::assert_ran(&res);
    for f in [
        "findings.csv",
        "users.csv",
        "remediation.csv",
        "summary.json",
        "summary.md",
        "report.html",
    ] {
        let text = String::from_utf8(std::fs::read(out.path().join(f)).unwrap())
            .unwrap()
            .to_lowercase();
        for name in [
            "amelia hughes",
            "amelia.hughes",
            "anna.berg",
            "josé.garcía",
            "helen.carter",
            "support@",
            "mark.evans",
        ] {
            assert!(!text.contains(name), "{f} still shows {name}");
        }
        if f.ends_with(".csv") || f == "report.html" {
            assert!(text.contains("@contoso.co.uk"), "{f}: domains must stay");
        }
    }
    let users = String::from_utf8(std::fs::read(out.path().join("users.csv")).unwrap()).unwrap();
    // The same local part keeps one pseudonym across domains.
    let row = users
        .lines()
        .find(|l| l.contains("@contoso.co.uk") && l.contains("user"))
        .unwrap();
    // The display name is emptied; the inSync email follows it.
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[0], "", "{row}");
    let local = cells[1].split('@').next().unwrap();
    assert!(!local.is_empty(), "{row}");
    assert!(row.contains(&format!("{local}@contoso.co.uk")), "{row}");
}

#[test]
fn explain_shows_one_person_across_all_sources() {
    let out = preflight()
        .args(["explain", "Sarah.Mitchell@contoso.co.uk "])
        .arg(fixture("contoso"))
        .output();
    // A folder is not an export: explain takes files like audit.
    assert_eq!(out.unwrap().status.code(), Some(2));
    let mut cmd = preflight();
    cmd.args(["explain", "Sarah.Mitchell@contoso.co.uk "]);
    cmd.args(contoso_exports(true));
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "okta-export-users.csv:20 in Primary email (planned userName)",
        "insync-user-provisioning.csv:40 in User Email",
        "okta.current.user_name (login) = `sarah.mitchell@contoso.com`",
        "login = UserPrincipalName",
        "OneDrive fail, Exchange backup ok, Exchange restore ok",
        "existing-duplicate-user",
        "duplicate-on-remap",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    let mut cmd = preflight();
    cmd.args(["explain", "nobody@contoso.com"])
        .arg(fixture("contoso/okta-export-users.csv"));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// A manual inSync user that is a shared mailbox: explain lists every input
/// row that carries the address (the mailbox export's row beside the users
/// export's, which the model merges into one record) and writes no empty
/// value as an empty code span.
#[test]
fn explain_lists_every_row_and_no_empty_value() {
    let dir = fixture("cases/shared-mailbox-by-email");
    let out = preflight()
        .args(["explain", "support@contoso.com"])
        .args(
            [
                "okta.csv",
                "insync.csv",
                "m365-active-users.csv",
                "exo-mailboxes.csv",
            ]
            .map(|f| dir.join(f)),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "insync.csv:3 in User Email",
        "m365-active-users.csv:3 in Proxy addresses",
        "exo-mailboxes.csv:3 in EmailAddresses, PrimarySmtpAddress",
        "AD attribute (none)",
        "resolves to nothing: the identifier is empty",
        "shared-mailbox-ad-attribute (planned",
    ] {
        assert!(text.contains(part), "{part} missing from:\n{text}");
    }
    assert!(!text.contains("``"), "an empty value shown as ``:\n{text}");
    assert!(!text.contains("ad-attribute-missing"), "{text}");
}

/// A leaver's preserved inSync user and disabled AD account, linked to no
/// Okta user, are one person: one row of `users.csv` (SPEC v2, section 4),
/// not an inSync-only row and an AD-only row.
#[test]
fn a_leaver_is_one_person() {
    let out = tempfile::tempdir().unwrap();
    let status = preflight()
        .args(["demo", "--quiet", "--out"])
        .arg(out.path().join("r"))
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let users = std::fs::read_to_string(out.path().join("r/users.csv")).unwrap();
    let rows: Vec<&str> = users
        .lines()
        .filter(|l| l.contains("beth.walsh@contoso.com"))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let cells: Vec<&str> = rows[0].split(',').collect();
    // Her name first, then insync_email and ad_upn side by side.
    assert_eq!(cells[0], "Beth Walsh", "{rows:?}");
    assert_eq!(cells[1], "beth.walsh@contoso.com", "{rows:?}");
    assert_eq!(cells[5], "beth.walsh@contoso.com", "{rows:?}");
}

/// The remediation loop (fixtures/cases/remediation-in-progress): with
/// --baseline the first run's inference is carried over and a differing
/// inference of this run is a warning; --no-baseline-settings infers again.
#[test]
fn the_baseline_inference_is_carried_over() {
    let case = fixture("cases/remediation-in-progress");
    let out = tempfile::tempdir().unwrap();
    let run = |dir: &std::path::Path, name: &str, extra: &[&str]| {
        let o = preflight()
            .current_dir(dir)
            .args(["audit", "okta.csv", "insync.csv", "m365.csv", "--out"])
            .arg(out.path().join(name))
            .args(extra)
            .output()
            .unwrap();
        assert_ne!(
            o.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (
            String::from_utf8(o.stdout).unwrap(),
            serde_json::from_slice::<serde_json::Value>(
                &std::fs::read(out.path().join(name).join("summary.json")).unwrap(),
            )
            .unwrap(),
        )
    };
    let (_, day2) = run(&case.join("previous"), "day2", &[]);
    assert_eq!(day2["settings"]["current_user_name"], "login");
    let baseline = out.path().join("day2");
    let baseline = baseline.to_str().unwrap();
    let (stdout, day3) = run(&case, "day3", &["--baseline", baseline]);
    let inferred = &day3["settings"]["inferred"]["okta.current.user_name"];
    assert_eq!(day3["settings"]["current_user_name"], "login");
    assert_eq!(inferred["from_baseline"], true);
    assert_eq!(inferred["this_run"], "email");
    assert!(
        stdout.contains(
            "warning: this run's exports alone would infer okta.current.user_name = email"
        ),
        "{stdout}"
    );
    let (_, own) = run(
        &case,
        "own",
        &["--baseline", baseline, "--no-baseline-settings"],
    );
    assert_eq!(own["settings"]["current_user_name"], "email");
    assert!(
        own["settings"]["inferred"]["okta.current.user_name"]
            .get("from_baseline")
            .is_none()
    );
    // An explicit setting is never carried.
    let (_, given) = run(
        &case,
        "given",
        &["--baseline", baseline, "--current-user-name", "email"],
    );
    assert_eq!(given["settings"]["current_user_name"], "email");
    assert_eq!(given["settings"]["inferred"], serde_json::json!({}));
}

/// A status value a system does not use is read as active and reported:
/// in summary.json's coverage, the run summary and the report, and by
/// inspect with each distinct value and how it was read.
#[test]
fn unknown_status_values_are_read_as_active_and_reported() {
    let case = fixture("cases/unknown-status-values");
    let out = tempfile::tempdir().unwrap();
    let res = preflight()
        .current_dir(&case)
        .args(["audit", "okta.csv", "insync.csv", "m365.csv", "--out"])
        .arg(out.path().join("r"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let said = String::from_utf8_lossy(&res.stdout);
    assert!(
        said.contains("okta.csv column Status: \"FROZEN\" (1 rows) is no value this system uses; read as active"),
        "{said}"
    );
    assert!(said.contains("\"Archived\""), "{said}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("r/summary.json")).unwrap()).unwrap();
    let unrecognised: Vec<(String, String, u64)> = summary["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["unrecognised"].as_array().unwrap().clone())
        .map(|u| {
            (
                u["file"].as_str().unwrap().to_string(),
                u["value"].as_str().unwrap().to_string(),
                u["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unrecognised,
        [
            ("okta.csv".to_string(), "FROZEN".to_string(), 1),
            ("insync.csv".to_string(), "Archived".to_string(), 1)
        ]
    );
    let html = std::fs::read_to_string(out.path().join("r/report.html")).unwrap();
    assert!(html.contains("id=\"unrecognised\"") && html.contains("FROZEN"));
    let inspect = preflight()
        .current_dir(&case)
        .args(["inspect", "okta.csv"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&inspect.stdout);
    for line in [
        "Status \"ACTIVE\" (1 rows): read as active",
        "Status \"FROZEN\" (1 rows): read as active, NOT a value this system uses",
        "Status \"SUSPENDED\" (1 rows): read as inactive",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

fn sha(path: &std::path::Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn same_inputs_and_epoch_give_byte_identical_outputs_and_inputs_stay_untouched() {
    let inputs: Vec<std::path::PathBuf> = std::fs::read_dir(fixture("contoso"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let before: Vec<Vec<u8>> = inputs.iter().map(|p| sha(p)).collect();
    let run = |threads: &str| {
        let out = tempfile::tempdir().unwrap();
        let res = preflight()
            .arg("audit")
            .args(&inputs)
            .args([
                "--quiet",
                "--fail-on",
                "never",
                "--identification-attribute",
                "employeeNumber",
                "--out",
            ])
            .arg(out.path())
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        crate::assert_ran(&res);
        let mut files: Vec<(String, Vec<u8>)> = walk(out.path())
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(out.path()).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let a = run("1");
    let b = run("2");
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between runs");
    }
    let html =
        String::from_utf8(a.iter().find(|f| f.0 == "report.html").unwrap().1.clone()).unwrap();
    assert!(
        html.contains("2026-01-01"),
        "the time stamp comes from SOURCE_DATE_EPOCH"
    );
    let after: Vec<Vec<u8>> = inputs.iter().map(|p| sha(p)).collect();
    assert_eq!(before, after, "inputs must never be modified");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_run_that_fails_leaves_the_previous_report_intact() {
    let out = tempfile::tempdir().unwrap();
    let ok = preflight()
        .args(["demo", "--quiet", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let before: Vec<(std::path::PathBuf, Vec<u8>)> = walk(out.path())
        .into_iter()
        .map(|p| (p.clone(), sha(&p)))
        .collect();
    let bad = preflight()
        .args([
            "audit",
            "fixtures/formats/unclassifiable.csv",
            "--quiet",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let after: Vec<(std::path::PathBuf, Vec<u8>)> = walk(out.path())
        .into_iter()
        .map(|p| (p.clone(), sha(&p)))
        .collect();
    assert_eq!(
        before, after,
        "no file of the previous report may change, and no temporary file may stay"
    );
}

#[test]
fn the_report_shows_the_delta_the_waivers_and_the_coverage() {
    let case = fixture("cases/audit-to-audit-delta");
    let before = tempfile::tempdir().unwrap();
    let now = tempfile::tempdir().unwrap();
    let run = |dir: &std::path::Path, out: &std::path::Path, extra: &[&str]| {
        let res = preflight()
            .current_dir(dir)
            .args([
                "audit",
                "okta.csv",
                "insync.csv",
                "--current-user-name",
                "login",
                "--quiet",
                "--fail-on",
                "never",
                "--out",
            ])
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        crate::assert_ran(&res);
    };
    run(&case.join("previous"), before.path(), &[]);
    let waivers = now.path().join("waivers.toml");
    std::fs::write(&waivers, "[[waiver]]\nrule = \"untrimmed-value\"\nsubject = \"li.wei@contoso.com\"\nreason = \"fixed in the next Okta import\"\n").unwrap();
    let out = now.path().join("out");
    run(
        &case,
        &out,
        &[
            "--baseline",
            before.path().to_str().unwrap(),
            "--waivers",
            waivers.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Since the last audit") && html.contains(": 1 new, 2 still open, 1 fixed."),
        "delta section"
    );
    assert!(
        html.contains("Knowingly accepted") && html.contains("fixed in the next Okta import"),
        "waived section"
    );
    assert!(
        html.contains("Coverage") && html.contains("Linked to nothing"),
        "coverage section"
    );
}

/// Runs the audit of the sample tenant under `script`, so stderr is a
/// terminal; returns what the terminal showed, or `None` without `script`.
fn contoso_on_a_terminal(extra: &str) -> Option<String> {
    let out = tempfile::tempdir().unwrap();
    let files: Vec<String> = contoso_exports(true)
        .iter()
        .map(|p| format!("'{}'", p.display()))
        .collect();
    let command = format!(
        "'{}' audit {} --out '{}' --fail-on never {extra}",
        assert_cmd::cargo::cargo_bin("preflight").display(),
        files.join(" "),
        // Beside the log, not around it: the output folder is preflight's.
        out.path().join("out").display()
    );
    let log = out.path().join("tty.log");
    let ran = std::process::Command::new("script")
        .args(["-qec", &command])
        .arg(&log)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    assert!(ran.status.success(), "{ran:?}");
    Some(String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned())
}

#[test]
fn progress_shows_on_a_terminal_only_and_never_with_quiet() {
    // On a pipe (as in every other test): no progress line.
    let piped = preflight()
        .arg("audit")
        .args(contoso_exports(true))
        .args(["--fail-on", "never", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(!err.contains("loading the exports"), "{err}");
    // The summary goes to stdout, progress (on a terminal) to stderr.
    let said = String::from_utf8_lossy(&piped.stdout);
    assert!(
        said.contains("persons") && !err.contains("persons"),
        "the summary is still printed, on stdout: {said}"
    );
    let Some(tty) = contoso_on_a_terminal("") else {
        eprintln!("SKIPPED: no `script` command to give the audit a terminal");
        return;
    };
    assert!(tty.contains("loading the exports"), "{tty}");
    assert!(tty.contains("persons"), "{tty}");
    let quiet = contoso_on_a_terminal("--quiet").unwrap();
    assert!(!quiet.contains("loading the exports"), "{quiet}");
}

/// findings.csv is formatted in parallel parts of 16k rows: with enough
/// findings for several parts, the file is the same whatever the thread
/// count, and the same as writing the rows one by one.
#[test]
fn findings_csv_in_parallel_parts_is_the_same_as_row_by_row() {
    use preflight::report::Output;
    use preflight::report::csv::{CsvOut, FINDINGS_HEADER, finding_cells};
    let tenant = demo_tenant().unwrap();
    let mut report = demo_audit(&tenant).report;
    let base = report.findings.clone();
    report.findings = (0..40_000)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.materialize()
                .rewrite(|v| format!("{i}-{v}"), str::to_string);
            f
        })
        .collect();
    let render = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut bytes = Vec::new();
        pool.install(|| Output::Findings.write(&report, "2026-01-01", &mut bytes))
            .unwrap();
        bytes
    };
    let one = render(1);
    assert!(
        one == render(2),
        "findings.csv differs between 1 and 2 threads"
    );
    let mut expected = Vec::new();
    let mut w = CsvOut::new(&mut expected, &FINDINGS_HEADER).unwrap();
    for f in &report.findings {
        let row = if f.row == 0 {
            String::new()
        } else {
            f.row.to_string()
        };
        let message = f.message().replace('`', "\"");
        let remediation = f.remediation().replace('`', "\"");
        w.row(finding_cells(f, &row, &message, &remediation))
            .unwrap();
    }
    w.finish().unwrap();
    assert!(one == expected, "the parts differ from row-by-row writing");
    assert_eq!(
        String::from_utf8(one).unwrap().matches("\r\n").count(),
        40_001
            + report
                .findings
                .iter()
                .map(|f| f.message().matches("\r\n").count())
                .sum::<usize>()
    );
}

#[test]
fn help_ends_with_the_exit_statuses() {
    let out = preflight().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let tail = &help[help
        .find("Exit status:")
        .expect("the exit statuses in --help")..];
    for said in ["  0  ", "  1  ", "  2  ", "no input", "--force"] {
        assert!(tail.contains(said), "{said:?} not in:\n{tail}");
    }
}

/// `users.csv` starts with each person's name: AD's, else Okta's first and
/// last name, else Microsoft 365's display name, else the inSync user name
/// (SPEC section 6); `--redact` empties it.
#[test]
fn users_csv_names_each_person_first() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let okta = write(
        "okta.csv",
        "User Id,Status,Username,First name,Last name,Primary email\n\
         00u1,ACTIVE,ann@x.com,Ann,Okta-Adams,ann@x.com\n\
         00u2,ACTIVE,bob@x.com,Bob,Brown,bob@x.com\n",
    );
    let ad = write(
        "ad.csv",
        "\"Enabled\",\"Name\",\"SamAccountName\",\"UserPrincipalName\",\"mail\"\n\
         \"True\",\"Ann Adams (AD)\",\"ann\",\"ann@x.com\",\"ann@x.com\"\n",
    );
    let m365 = write(
        "m365.csv",
        "Display name,User principal name,Block credential,Licenses,Proxy addresses\n\
         Ann Adams (M365),ann@x.com,False,E3,SMTP:ann@x.com\n\
         Bob Brown (M365),bob@x.com,False,E3,SMTP:bob@x.com\n\
         Cid Cole (M365),cid@x.com,False,E3,SMTP:cid@x.com\n",
    );
    let insync = write(
        "insync.csv",
        "User Name,User Email,Profile,User Status\n\
         Ann Insync,ann@x.com,Default,Active\n\
         Bob Insync,bob@x.com,Default,Active\n\
         Cid Insync,cid@x.com,Default,Active\n\
         Dee Insync,dee@x.com,Default,Active\n",
    );
    let names = |redact: bool| -> BTreeMap<String, String> {
        let out = dir.path().join(if redact { "redacted" } else { "plain" });
        let mut args: Vec<&std::ffi::OsStr> = vec![
            okta.as_os_str(),
            ad.as_os_str(),
            m365.as_os_str(),
            insync.as_os_str(),
        ];
        if redact {
            args.push("--redact".as_ref());
        }
        audit_ok(&args, &out);
        let users = std::fs::read_to_string(out.join("users.csv")).unwrap();
        let mut r = csv::Reader::from_reader(users.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(&r.headers().unwrap()[0], "display_name");
        r.records()
            .map(Result::unwrap)
            .map(|row| (row[1].to_string(), row[0].to_string()))
            .collect()
    };
    let want: BTreeMap<String, String> = [
        ("ann@x.com", "Ann Adams (AD)"),
        ("bob@x.com", "Bob Brown"),
        ("cid@x.com", "Cid Cole (M365)"),
        ("dee@x.com", "Dee Insync"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(names(false), want);
    let redacted = names(true);
    assert_eq!(redacted.len(), 4, "{redacted:?}");
    assert!(redacted.values().all(String::is_empty), "{redacted:?}");
}

/// An audit of the sample tenant into `dir/name` with `extra` flags.
fn contoso_into(dir: &std::path::Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let files = contoso_exports(false);
    let args: Vec<&std::ffi::OsStr> = files
        .iter()
        .map(|f| f.as_os_str())
        .chain(extra.iter().map(std::ffi::OsStr::new))
        .collect();
    audit_ok(&args, &out);
    out
}

/// `--customer` and `--author` (or `[report]` in the config) are in the
/// report's header, its footer and the print footer's `@page` rule, escaped,
/// with the CSP hash covering the stylesheet that holds them; and in
/// summary.json (SPEC v2, section 6).
#[test]
fn customer_and_author_head_the_report_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let out = contoso_into(
        dir.path(),
        "named",
        &[
            "--customer",
            "Contoso <b>Ltd</b>",
            "--author",
            "Jane \"JD\" Doe",
        ],
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let line = "For Contoso &lt;b&gt;Ltd&lt;/b&gt;, prepared by Jane &quot;JD&quot; Doe";
    assert!(
        html.contains(&format!("<p class=\"prepared\">{line}</p>")),
        "header"
    );
    assert!(
        html.contains(&format!("<p>{line} &middot; preflight")),
        "footer"
    );
    assert!(!html.contains("<b>Ltd"), "unescaped customer");
    // The print footer is in the stylesheet, as a CSS string of escapes.
    let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    assert!(
        style.contains("@bottom-left { content: \"For Contoso \\3c b\\3e Ltd"),
        "{}",
        &style[style.len() - 400..]
    );
    let hash = preflight::report::html::csp_hash(style);
    assert!(
        html.contains(&format!("style-src '{hash}'")),
        "the CSP hash misses the stylesheet"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["customer"], "Contoso <b>Ltd</b>");
    assert_eq!(summary["author"], "Jane \"JD\" Doe");
    // From the config file; a flag overrides it.
    let config = dir.path().join("preflight.toml");
    std::fs::write(
        &config,
        "[report]\ncustomer = \"Fabrikam\"\nauthor = \"Sam Lee\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let html = std::fs::read_to_string(
        contoso_into(dir.path(), "config", &["--config", config]).join("report.html"),
    )
    .unwrap();
    assert!(html.contains("<p class=\"prepared\">For Fabrikam, prepared by Sam Lee</p>"));
    let html = std::fs::read_to_string(
        contoso_into(
            dir.path(),
            "flag",
            &["--config", config, "--author", "Kim Park"],
        )
        .join("report.html"),
    )
    .unwrap();
    assert!(html.contains("<p class=\"prepared\">For Fabrikam, prepared by Kim Park</p>"));
    // Neither given: no line, no rule, the stylesheet as it always was.
    let html =
        std::fs::read_to_string(contoso_into(dir.path(), "none", &[]).join("report.html")).unwrap();
    assert!(!html.contains("class=\"prepared\"") && !html.contains("@bottom-left"));
}

/// `--csv-delimiter ';'` writes findings, users and the worklists with `;`
/// (a `;` inside a value quoted), the same cells as with `,`; a baseline
/// written that way is read back (every finding `open`).
#[test]
fn csv_delimiter_semicolon_writes_the_same_cells() {
    let dir = tempfile::tempdir().unwrap();
    let comma = contoso_into(dir.path(), "comma", &[]);
    let semi = contoso_into(dir.path(), "semi", &["--csv-delimiter", ";"]);
    for f in [
        "findings.csv",
        "users.csv",
        "remediation.csv",
        "fixes/insync.csv",
        "fixes/okta.csv",
    ] {
        let read = |path: std::path::PathBuf, d: u8| -> Vec<Vec<String>> {
            let text = std::fs::read_to_string(path).unwrap();
            let text = text.strip_prefix('\u{feff}').expect("a BOM");
            csv::ReaderBuilder::new()
                .delimiter(d)
                .has_headers(false)
                .from_reader(text.as_bytes())
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect()
        };
        let a = read(comma.join(f), b',');
        let b = read(semi.join(f), b';');
        assert!(a.len() > 1, "{f} is empty");
        assert_eq!(a, b, "{f}");
        let raw = std::fs::read_to_string(semi.join(f)).unwrap();
        assert!(raw.lines().next().unwrap().contains(';'), "{f} header");
    }
    // users.csv's rules cells are `;`-joined: the equal cells above show
    // they were quoted; make sure the tenant has such cells.
    let users = std::fs::read_to_string(semi.join("users.csv")).unwrap();
    assert!(
        users
            .lines()
            .any(|l| l.ends_with('"') && l.contains(";exchange-")),
        "no ;-joined rules cell"
    );
    let again = contoso_into(
        dir.path(),
        "again",
        &["--csv-delimiter", ";", "--baseline", semi.to_str().unwrap()],
    );
    let findings = std::fs::read_to_string(again.join("findings.csv")).unwrap();
    let rows: Vec<&str> = findings.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.ends_with(";open")),
        "{:?}",
        &rows[..2]
    );
    // Anything else is refused, naming what is accepted.
    let res = contoso(&["--csv-delimiter", "|"]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("give `,` or `;`"));
}
