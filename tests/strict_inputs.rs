//! Strict inputs and a safe terminal (SPEC section 1, v2): impossible
//! waiver dates, paths that are not regular files, every unloadable input
//! in one report, control characters escaped on stdout and stderr, a closed
//! or full stdout, and an empty `explain` address.

use crate::{fixture, preflight};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

/// Ends a run that hangs (a FIFO opened, a device read forever).
const DEADLINE: Duration = Duration::from_secs(30);

/// ESC starting a colour, and the right-to-left override.
const HOSTILE: &str = "\x1b[31m\u{202e}";
const ESCAPED: &str = "\\x1b[31m\\u{202e}";

fn contoso_exports() -> Vec<PathBuf> {
    [
        "okta-export-users.csv",
        "ad-users.csv",
        "m365-active-users.csv",
        "exo-mailboxes.csv",
        "insync-user-provisioning.csv",
        "insync-preserved-users.xlsx",
    ]
    .iter()
    .map(|f| fixture(&format!("contoso/{f}")))
    .collect()
}

/// `preflight audit` of the sample tenant with `extra` arguments, into a
/// fresh folder, ended after [`DEADLINE`].
fn audit(extra: &[&str]) -> Output {
    let out = tempfile::tempdir().unwrap();
    preflight()
        .arg("audit")
        .args(contoso_exports())
        .args(["--quiet", "--out"])
        .arg(out.path().join("report"))
        .args(extra)
        .timeout(DEADLINE)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Neither ESC nor a bidirectional control is in `text`.
fn shows_no_raw_control(text: &str) {
    assert!(
        !text.contains('\x1b') && !text.contains('\u{202e}'),
        "raw control in {text:?}"
    );
}

#[test]
fn a_waiver_expiring_on_an_impossible_date_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for date in ["2099-99-99", "2030-02-30", "2099-01-01x", "2024-13-45"] {
        let path = dir.path().join("waivers.toml");
        std::fs::write(
            &path,
            format!(
                "[[waiver]]\nrule = \"remap-collision\"\nsubject = \"*\"\nreason = \"accepted\"\nexpires = \"{date}\"\n"
            ),
        )
        .unwrap();
        let out = audit(&["--waivers", path.to_str().unwrap()]);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{date}: {e}");
        assert!(
            e.contains("waivers.toml")
                && e.contains("waiver 1 (remap-collision for *)")
                && e.contains(date)
                && e.contains("YYYY-MM-DD"),
            "{e}"
        );
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_device_as_an_export_config_or_waivers_is_refused_unread() {
    let okta = fixture("contoso/okta-export-users.csv");
    for args in [
        vec!["--okta", "/dev/zero"],
        vec!["--config", "/dev/zero"],
        vec!["--waivers", "/dev/zero"],
    ] {
        let out = audit(&args);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("/dev/zero") && e.contains("character device"),
            "{e}"
        );
    }
    // explain and inspect too.
    let out = preflight()
        .args(["explain", "anna.berg@contoso.com", "--ad", "/dev/zero"])
        .arg(&okta)
        .timeout(DEADLINE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = preflight()
        .args(["inspect", "/dev/zero"])
        .arg(&okta)
        .timeout(DEADLINE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("character device"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("okta-export-users.csv"));
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_folder_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("export.csv");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    let folder = dir.path().to_str().unwrap();
    for (args, kind) in [
        (vec!["--okta", fifo], "FIFO"),
        (vec![fifo], "FIFO"),
        (vec!["--config", fifo], "FIFO"),
        (vec!["--waivers", fifo], "FIFO"),
        (vec!["--config", folder], "a folder"),
        (vec!["--waivers", folder], "a folder"),
    ] {
        let out = audit(&args);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(fifo) || e.contains(folder), "{e}");
        assert!(e.contains(kind) && e.contains("not a regular file"), "{e}");
    }
}

#[test]
fn a_config_over_one_mebibyte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preflight.toml");
    std::fs::write(&path, "#".repeat((1 << 20) + 1)).unwrap();
    let out = audit(&["--config", path.to_str().unwrap()]);
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("preflight.toml") && e.contains("1 MiB"), "{e}");
}

#[cfg(unix)]
#[test]
fn every_input_that_cannot_be_loaded_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    let missing = dir.path().join("missing.csv");
    let missing = missing.to_str().unwrap();
    let unclassifiable = "fixtures/formats/unclassifiable.csv";
    let out = preflight()
        .args(["audit", unclassifiable, "--ad", missing, "--m365", fifo])
        .args(["--quiet", "--out"])
        .arg(dir.path().join("report"))
        .timeout(DEADLINE)
        .output()
        .unwrap();
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("3 inputs cannot be used"), "{e}");
    for (name, reason) in [
        (unclassifiable, "--okta"),
        (missing, "cannot read the file"),
        (fifo, "FIFO"),
    ] {
        let line = e.lines().find(|l| l.contains(name)).unwrap_or_default();
        assert!(line.contains(reason), "{name}: {e}");
    }
    // A config that cannot be read is reported with the exports.
    let out = preflight()
        .args(["audit", "--okta", missing, "--config", fifo])
        .args(["--quiet", "--out"])
        .arg(dir.path().join("report"))
        .timeout(DEADLINE)
        .output()
        .unwrap();
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("2 inputs cannot be used") && e.contains(missing) && e.contains(fifo),
        "{e}"
    );
    // inspect lists each one too.
    let out = preflight()
        .args(["inspect", missing, fifo, unclassifiable])
        .timeout(DEADLINE)
        .output()
        .unwrap();
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    for name in [missing, fifo, unclassifiable] {
        assert!(e.contains(name), "{name}: {e}");
    }
}

/// A folder holding `name` with `text`; returns the folder and the path.
fn file_named(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn file_names_and_headers_reach_stderr_escaped() {
    let (_dir, path) = file_named(
        &format!("evil{HOSTILE}.csv"),
        &format!("colour{HOSTILE},shape\nred,round\n"),
    );
    let out = preflight()
        .args(["audit", "--quiet", "--out"])
        .arg(_dir.path().join("report"))
        .arg(&path)
        .output()
        .unwrap();
    let e = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{e}");
    shows_no_raw_control(&e);
    assert!(
        e.contains(&format!("evil{ESCAPED}.csv")) && e.contains(&format!("colour{ESCAPED}")),
        "{e}"
    );
}

/// An Okta export whose name, header and values carry the controls.
fn hostile_okta() -> (tempfile::TempDir, PathBuf) {
    file_named(
        &format!("okta{HOSTILE}.csv"),
        &format!(
            "login,email,status,note{HOSTILE}\neve@contoso.com,eve@contoso.com,ACTIVE{HOSTILE},x{HOSTILE}\n"
        ),
    )
}

#[test]
fn explain_shows_names_and_values_escaped() {
    let (_dir, okta) = hostile_okta();
    let out = preflight()
        .args(["explain", "eve@contoso.com", "--okta"])
        .arg(&okta)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    shows_no_raw_control(&text);
    assert!(
        text.contains(&format!("okta{ESCAPED}.csv:2"))
            && text.contains(&format!("ACTIVE{ESCAPED}")),
        "{text}"
    );
}

#[test]
fn inspect_text_is_escaped_and_its_json_exact_but_never_raw() {
    let (_dir, okta) = hostile_okta();
    let out = preflight().arg("inspect").arg(&okta).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    shows_no_raw_control(&text);
    assert!(text.contains(&format!("note{ESCAPED}")), "{text}");
    let out = preflight()
        .args(["inspect", "--format", "json"])
        .arg(&okta)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    shows_no_raw_control(&text);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0]["headers"][3], format!("note{HOSTILE}"));
    assert_eq!(v[0]["file"], okta.to_str().unwrap());
}

#[cfg(unix)]
#[test]
fn a_full_stdout_ends_the_run_without_a_panic() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(preflight().get_program())
        .arg("rules")
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let e = stderr(&out);
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(e.contains("cannot write to stdout"), "{e}");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut cmd = std::process::Command::new(preflight().get_program());
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["explain", "Sarah.Mitchell@contoso.co.uk"])
        .args(contoso_exports())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // The reader goes away before preflight has loaded the exports.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let e = stderr(&out);
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert_eq!(e, "");
}

#[test]
fn explain_refuses_an_empty_address() {
    for address in ["", "  "] {
        let out = preflight()
            .args(["explain", address])
            .args(contoso_exports())
            .output()
            .unwrap();
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{address:?}: {e}");
        assert!(e.contains("address is empty"), "{e}");
        assert!(out.stdout.is_empty());
    }
}
