//! The integration tests: one binary, a small prelude, modules per area.

mod apply;
mod audit;
mod baseline;
mod cases;
mod formats;
mod fuzz_seeds;
mod hostile;
mod inspect;
mod markdown;
mod outdir;
mod properties;
mod redaction;
mod report_html;
mod shapes;
mod strict_inputs;
mod worklists;
mod xlsx;

use std::path::PathBuf;

/// The path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The preflight binary, ready to run.
pub fn preflight() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("preflight").expect("binary built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    // Runs see today's date unless a test sets one: a SOURCE_DATE_EPOCH
    // left in the shell would otherwise move `waiver-expired` and the time
    // stamps under the tests.
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

/// Asserts a run of preflight exited 0, showing its stderr when not.
pub fn assert_ran(res: &std::process::Output) {
    assert_eq!(
        res.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
}

/// `preflight audit ARGS --quiet --fail-on never --out OUT`, which must
/// exit 0.
pub fn audit_ok(args: &[&std::ffi::OsStr], out: &std::path::Path) {
    let res = preflight()
        .arg("audit")
        .args(args)
        .args(["--quiet", "--fail-on", "never", "--out"])
        .arg(out)
        .output()
        .unwrap();
    crate::assert_ran(&res);
}
