//! The fuzz targets (`preflight::fuzzing`) over their seed corpus, every
//! file under `fixtures/`, and over the crashes the campaigns found
//! (`fuzz/regressions/<target>/`): each fixed crash stays fixed.

use preflight::fuzzing::TARGETS;
use std::path::{Path, PathBuf};

/// The files under `dir`, recursively, in a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_target_survives_the_seed_corpus() {
    let seeds = files(&root().join("fixtures"));
    assert!(seeds.len() > 50, "fixtures/ holds {} files", seeds.len());
    for path in &seeds {
        let bytes = std::fs::read(path).unwrap();
        for (name, target) in TARGETS {
            let outcome = std::panic::catch_unwind(|| target(&bytes));
            assert!(outcome.is_ok(), "{name} panics on {}", path.display());
        }
    }
}

#[test]
fn every_crash_found_by_fuzzing_stays_fixed() {
    let dir = root().join("fuzz").join("regressions");
    for (name, target) in TARGETS {
        for path in files(&dir.join(name)) {
            let bytes = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&bytes));
            assert!(outcome.is_ok(), "{name} panics on {}", path.display());
        }
    }
}

#[test]
fn regression_folders_are_named_after_targets() {
    let dir = root().join("fuzz").join("regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let name = entry.unwrap().file_name();
        let name = name.to_string_lossy();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz/regressions/{name} is not a target: its files would never run"
        );
    }
}

/// calamine panics on the first (a sector past the end of the data) and
/// reads the second forever (a sector chain that loops); the loader says
/// the workbook is damaged instead.
#[test]
fn workbooks_calamine_cannot_survive_are_refused_as_damaged() {
    for file in [
        "load_any/calamine-ole-sector-past-eof.xls",
        "load_insync/ole-fat-loop-header-only.xls",
    ] {
        let bytes = std::fs::read(root().join("fuzz/regressions").join(file)).unwrap();
        let opts = preflight::load::LoadOptions::default();
        let e = preflight::load::load_bytes("users.xls", &bytes, &opts).unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("users.xls") && e.contains("damaged"), "{e}");
    }
}
