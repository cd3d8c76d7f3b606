//! The output folder (`--out DIR`, SPEC section 1, v2): preflight writes
//! only into a folder it owns, never over an input, never through a link,
//! one run at a time, and replaces the set of outputs as a whole, whatever
//! stops the run. Each test is named after a way it once went wrong.

use crate::{fixture, preflight};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

/// Every file under `dir` (relative path → bytes); links are listed, not
/// followed.
type Set = BTreeMap<String, Vec<u8>>;

fn files(dir: &Path) -> Set {
    fn walk(root: &Path, dir: &Path, set: &mut Set) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(root, &e.path(), set);
            } else if t.is_symlink() {
                set.insert(rel, b"<link>".to_vec());
            } else {
                set.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    let mut set = Set::new();
    walk(dir, dir, &mut set);
    set
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn demo(out: &Path) -> Output {
    preflight()
        .args(["demo", "--quiet", "--out"])
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .unwrap()
}

/// An audit of the sample tenant (different bytes from the demo's).
fn contoso(out: &Path, extra: &[&str]) -> Output {
    preflight()
        .arg("audit")
        .arg(fixture("contoso/okta-export-users.csv"))
        .arg(fixture("contoso/insync-user-provisioning.csv"))
        .args(["--quiet", "--fail-on", "never", "--report-limit", "1"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ran(o: &Output) {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{:?}: {}",
        o.status,
        stderr(o)
    );
}

#[track_caller]
fn assert_refused(o: &Output, says: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for s in says {
        assert!(err.contains(s), "the message lacks {s:?}: {err}");
    }
}

#[test]
fn an_input_inside_the_output_folder_is_refused_and_stays_as_it_was() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    assert_ran(&demo(&out));
    // Exports saved where the report was: under the names of outputs.
    std::fs::copy(
        fixture("contoso/okta-export-users.csv"),
        out.join("users.csv"),
    )
    .unwrap();
    std::fs::copy(fixture("contoso/ad-users.csv"), out.join("fixes/ad.csv")).unwrap();
    let before = files(&out);
    let res = preflight()
        .arg("audit")
        .arg(out.join("users.csv"))
        .arg("--ad")
        .arg(out.join("fixes/ad.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_refused(&res, &["users.csv", "inside the output folder"]);
    assert_eq!(files(&out), before, "an input was changed");
    assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
}

#[test]
fn an_output_path_equal_to_an_input_is_refused() {
    for (input, flag) in [
        ("findings.csv", "--okta"),
        ("summary.json", "--config"),
        ("report.html", "--waivers"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(input), "mine").unwrap();
        let res = preflight()
            .args(["audit", "--insync"])
            .arg(fixture("contoso/insync-user-provisioning.csv"))
            .arg(flag)
            .arg(out.join(input))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_refused(&res, &[input, "inside the output folder"]);
        assert_eq!(names(&out), [input]);
        assert_eq!(std::fs::read(out.join(input)).unwrap(), b"mine");
    }
}

#[test]
fn an_empty_out_is_a_usage_error_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    for args in [
        &["demo", "--out", ""][..],
        &["audit", "--out", "", "--okta", "x.csv"],
    ] {
        let res = preflight()
            .current_dir(cwd.path())
            .args(args)
            .output()
            .unwrap();
        assert_refused(&res, &["--out"]);
    }
    assert!(names(cwd.path()).is_empty(), "{:?}", names(cwd.path()));
}

#[test]
fn a_folder_preflight_did_not_write_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("exports");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    assert_refused(
        &demo(&out),
        &["exports", ".preflight-output", "new or empty"],
    );
    assert_eq!(names(&out), ["notes.txt"]);
    // A file where the folder should be.
    let file = root.path().join("report");
    std::fs::write(&file, "mine").unwrap();
    assert_refused(&demo(&file), &["not a folder"]);
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
    // A file in a previous set that the set does not list.
    let out = root.path().join("out");
    assert_ran(&demo(&out));
    std::fs::write(out.join("fixes/notes.txt"), "mine").unwrap();
    let before = files(&out);
    assert_refused(&demo(&out), &["notes.txt", "not written by preflight"]);
    assert_eq!(files(&out), before);
}

#[test]
fn a_rerun_into_a_previous_output_folder_replaces_the_whole_set() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let waivers = root.path().join("waivers.toml");
    std::fs::write(&waivers, "").unwrap();
    assert_ran(&contoso(&out, &["--waivers", waivers.to_str().unwrap()]));
    assert!(out.join("waived.csv").exists());
    // The previous set as baseline: read before it is replaced.
    assert_ran(&contoso(&out, &["--baseline", out.to_str().unwrap()]));
    let findings = String::from_utf8(std::fs::read(out.join("findings.csv")).unwrap()).unwrap();
    assert!(
        findings.lines().next().unwrap().ends_with(",status"),
        "{findings}"
    );
    assert_ran(&demo(&out));
    let set = files(&out);
    assert!(
        !set.contains_key("waived.csv"),
        "a file of an older set stayed"
    );
    let marker = String::from_utf8(set[".preflight-output"].clone()).unwrap();
    let listed: Vec<&str> = marker.lines().filter(|l| !l.starts_with('#')).collect();
    let present: Vec<&str> = set
        .keys()
        .map(String::as_str)
        .filter(|k| *k != ".preflight-output")
        .collect();
    assert_eq!(listed, present);
    assert_eq!(
        names(root.path()),
        [".out.preflight-lock", "out", "waivers.toml"]
    );
}

#[test]
fn a_second_run_into_a_held_folder_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    assert_ran(&demo(&out));
    let before = files(&out);
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(root.path().join(".out.preflight-lock"))
        .unwrap();
    lock.try_lock().unwrap();
    assert_refused(&contoso(&out, &[]), &["another preflight run", "out"]);
    assert_eq!(files(&out), before);
    drop(lock);
    assert_ran(&contoso(&out, &[]));
}

#[test]
fn two_runs_at_once_never_splice_their_sets() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    assert_ran(&demo(&a));
    assert_ran(&contoso(&b, &[]));
    let out = root.path().join("out");
    for _ in 0..3 {
        let (x, y) = std::thread::scope(|s| {
            let x = s.spawn(|| demo(&out));
            let y = s.spawn(|| contoso(&out, &[]));
            (x.join().unwrap(), y.join().unwrap())
        });
        for r in [&x, &y] {
            if r.status.code() == Some(2) {
                assert_refused(r, &["another preflight run"]);
            } else {
                assert_ran(r);
            }
        }
        let set = files(&out);
        assert!(set == files(&a) || set == files(&b), "a mix of two runs");
    }
}

#[cfg(unix)]
#[test]
fn links_in_and_beside_the_output_folder_are_never_followed() {
    use std::os::unix::fs::symlink;
    let root = tempfile::tempdir().unwrap();
    let outside = root.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("ad.csv"), "mine").unwrap();
    std::fs::write(outside.join("victim.csv"), "mine").unwrap();
    let untouched = || {
        assert_eq!(names(&outside), ["ad.csv", "victim.csv"]);
        for f in ["ad.csv", "victim.csv"] {
            assert_eq!(std::fs::read(outside.join(f)).unwrap(), b"mine");
        }
    };
    let out = root.path().join("out");
    assert_ran(&demo(&out));
    // At the temporary name of an earlier version.
    let planted = out.join(".findings.csv.preflight-tmp");
    symlink(outside.join("victim.csv"), &planted).unwrap();
    assert_refused(&contoso(&out, &[]), &[".findings.csv.preflight-tmp"]);
    untouched();
    std::fs::remove_file(&planted).unwrap();
    // `fixes` as a link to another folder.
    std::fs::remove_dir_all(out.join("fixes")).unwrap();
    symlink(&outside, out.join("fixes")).unwrap();
    assert_refused(&contoso(&out, &[]), &["fixes", "not written by preflight"]);
    untouched();
    std::fs::remove_file(out.join("fixes")).unwrap();
    // At the name of the new folder of a (dead) run, and at the lock.
    symlink(&outside, root.path().join(".out.preflight-new-1")).unwrap();
    assert_ran(&contoso(&out, &[]));
    untouched();
    assert_eq!(
        names(root.path()),
        [".out.preflight-lock", "out", "outside"]
    );
    let other = root.path().join("other");
    symlink(
        outside.join("victim.csv"),
        root.path().join(".other.preflight-lock"),
    )
    .unwrap();
    assert_refused(&demo(&other), &[".other.preflight-lock", "in the way"]);
    untouched();
    // The output folder itself as a link: refused.
    let link = root.path().join("link");
    symlink(&outside, &link).unwrap();
    assert_refused(&demo(&link), &["not a folder"]);
    untouched();
}

/// A disk that fills half way through the set: the system refuses writes
/// past a file size (`ulimit -f`, SIGXFSZ ignored so the write fails with
/// EFBIG as on a full disk, instead of killing the run).
#[cfg(target_os = "linux")]
#[test]
fn a_run_that_fails_while_writing_leaves_the_previous_set_and_no_temporary_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    assert_ran(&contoso(&out, &[]));
    let before = files(&out);
    let command = format!(
        "trap '' XFSZ; ulimit -f 100; exec '{}' demo --quiet --out '{}'",
        assert_cmd::cargo::cargo_bin("preflight").display(),
        out.display()
    );
    let res = std::process::Command::new("sh")
        .args(["-c", &command])
        .output()
        .unwrap();
    assert_refused(&res, &["cannot write"]);
    // No output's writer panics on it (report.xlsx's temporary files fail
    // first as often as not).
    assert!(!stderr(&res).contains("panicked"), "{}", stderr(&res));
    assert_eq!(files(&out), before, "the previous set changed");
    assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
}

/// Writes an Okta and an inSync export of `persons` people, one in seven
/// with an inSync email that the planned mapping moves (findings to write).
fn tenant(dir: &Path, persons: usize) -> [PathBuf; 2] {
    use std::fmt::Write as _;
    let mut okta = String::from(
        "User Id,Status,Username,First name,Last name,Primary email,Secondary email,Employee number\n",
    );
    let mut insync = String::from(
        "User Name,User Email,Profile,User Status,Microsoft 365 License,Backup Data (MB),Created On,Managed By,Mapping,Custom Attribute Name,Custom Attribute Value\n",
    );
    for i in 0..persons {
        let mail = if i % 7 == 0 {
            "contoso.co.uk"
        } else {
            "contoso.com"
        };
        let _ = writeln!(
            okta,
            "00u{i:017},ACTIVE,user.{i}@contoso.com,User,N{i},user.{i}@{mail},,{i:06}"
        );
        let _ = writeln!(
            insync,
            "User N{i},user.{i}@contoso.com,Default,Active,Active,1.00,\"Jan 1, 2024, 8:00 AM\",Okta,Manual,,"
        );
    }
    let paths = [dir.join("okta.csv"), dir.join("insync.csv")];
    std::fs::write(&paths[0], okta).unwrap();
    std::fs::write(&paths[1], insync).unwrap();
    paths
}

/// Kills a large run at many instants, from loading to the swap; each time
/// the folder holds one complete set (the previous one or the new one,
/// byte for byte), or during the swap both sets beside it; the next run
/// puts things back.
#[test]
fn a_run_killed_at_any_instant_leaves_a_complete_set() {
    let root = tempfile::tempdir().unwrap();
    let exports = root.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let inputs = tenant(&exports, 12000);
    let run = |out: &Path, limit: &str| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("preflight"));
        cmd.arg("audit")
            .args(&inputs)
            .args([
                "--quiet",
                "--fail-on",
                "never",
                "--report-limit",
                limit,
                "--out",
            ])
            .arg(out)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    let sets = root.path().join("sets");
    let (a, b) = (sets.join("a"), sets.join("b"));
    assert!(run(&a, "1").status().unwrap().success());
    let started = Instant::now();
    assert!(run(&b, "5").status().unwrap().success());
    let took = started.elapsed();
    let (a, b) = (files(&a), files(&b));
    assert!(a != b);
    let complete = |dir: &Path| {
        let set = files(dir);
        set == a || set == b
    };
    let parent = root.path().join("p");
    let out = parent.join("out");
    assert!(run(&out, "1").status().unwrap().success());
    // Twice during loading and the audit (a third and two thirds of a
    // run), then from the instant the new folder appears (the outputs are
    // being written) on, at growing delays, into the swap.
    let writing = |pid: u32| parent.join(format!(".out.preflight-new-{pid}")).exists();
    let when = [(None, 33u32), (None, 67)]
        .into_iter()
        .chain([0u64, 2, 5, 10, 15, 20, 25, 30, 40, 60].map(|ms| (Some(ms), 0)));
    let mut kills = 0;
    for (round, (after_new, percent)) in when.enumerate() {
        let limit = if round % 2 == 0 { "5" } else { "1" };
        let mut child = run(&out, limit).spawn().unwrap();
        match after_new {
            None => std::thread::sleep(took * percent / 100),
            Some(ms) => {
                let started = Instant::now();
                while !writing(child.id()) && started.elapsed() < took * 3 {
                    std::thread::sleep(Duration::from_micros(200));
                }
                std::thread::sleep(Duration::from_millis(ms));
            }
        }
        let killed = match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "round {round}: {status:?}");
                false
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                true
            }
        };
        kills += usize::from(killed);
        // With --nocapture: where each kill landed.
        eprintln!(
            "round {round} ({after_new:?} ms after the new folder, or {percent}% of {took:?}): killed {killed}, beside: {:?}",
            names(&parent)
        );
        if out.exists() {
            assert!(complete(&out), "round {round}: not one complete set");
        } else {
            // Killed between the two renames of the swap.
            assert!(complete(&parent.join("out.preflight-old")), "round {round}");
        }
    }
    assert!(kills >= 5, "only {kills} runs were killed before their end");
    assert!(run(&out, "5").status().unwrap().success());
    assert!(files(&out) == b);
    assert_eq!(names(&parent), [".out.preflight-lock", "out"]);
    assert!(
        took < Duration::from_secs(30),
        "the tenant is too large: {took:?}"
    );
}

/// Where the temporary folders live: beside DIR, so a parent given as a
/// relative path works as well.
#[test]
fn a_relative_out_in_a_new_parent_works() {
    let cwd = tempfile::tempdir().unwrap();
    let res = preflight()
        .current_dir(cwd.path())
        .args(["demo", "--quiet", "--out", "reports/contoso"])
        .output()
        .unwrap();
    assert_ran(&res);
    let parent: PathBuf = cwd.path().join("reports");
    assert_eq!(names(&parent), [".contoso.preflight-lock", "contoso"]);
    assert!(parent.join("contoso/report.html").exists());
}
