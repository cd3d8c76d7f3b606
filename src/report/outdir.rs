//! The output folder (`--out DIR`): preflight owns it and replaces its set
//! of outputs as a whole.
//!
//! What holds (SPEC section 1, `--out DIR`, v2):
//!
//! - DIR must be missing, empty, or a folder preflight wrote: one that holds
//!   the marker [`MARKER`], which lists every file of its set. Anything else
//!   is refused before the audit starts, naming it: a DIR that is a file or
//!   a symbolic link, a folder without the marker, an entry the marker does
//!   not list (a symbolic link included), and above all an input that lies
//!   inside DIR. preflight never removes what it did not write.
//! - Nothing inside DIR is ever opened for writing, and no symbolic link
//!   inside it is followed: the new set is built in a private folder beside
//!   DIR, `.DIR.preflight-new-<pid>`, made by this run (`create_dir`), its
//!   files created exclusively (`create_new`). Only the marker of DIR is
//!   read, after checking that it is a plain file.
//! - All or nothing: the new set is complete, marker last, before the swap.
//!   The swap renames DIR to `DIR.preflight-old`, the new folder to DIR, then
//!   removes the old set (its marker last, so a removal cut short still
//!   carries it). A run that fails before the swap removes its new folder
//!   and leaves the previous set as it was.
//! - A kill at any instant leaves a complete set in DIR, or (between the two
//!   renames) no DIR, the previous set complete in `DIR.preflight-old` and
//!   the new one in `.DIR.preflight-new-<pid>`. The next run into DIR first
//!   puts things back ([`OutDir::claim`]): the previous set returns to DIR
//!   (the killed run never reported its result, so its set is dropped), an
//!   old set beside a DIR is removed, and the new folders of dead runs are
//!   removed.
//! - One run at a time: a run holds an OS file lock (`File::try_lock`) on
//!   `.DIR.preflight-lock` beside DIR from its start to its end; a second run
//!   is refused. The system releases the lock when a process dies, however
//!   it dies. The lock file stays (removing it safely would need a
//!   comparison of inodes that std does not offer on every system).
//! - Portable: two plain renames and std's file lock, the same on Windows
//!   (which has no atomic swap of folders) as on Unix.
//!
//! Tests: the unit tests below for each state recovery meets, and
//! `tests/outdir.rs` for the binary (kills at many instants included).

use anyhow::{Context, Result, bail};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// The marker of a folder preflight wrote; it lists the files of the set.
pub const MARKER: &str = ".preflight-output";

const MARKER_HEAD: &str = "\
# Written by preflight: this folder holds one complete set of its outputs.
# The next run with --out here replaces the folder as a whole. A file not
# listed below stops that run: preflight never removes what it did not write.
";

/// The output folder of a run, claimed: locked, recovered and checked.
#[derive(Debug)]
pub struct OutDir {
    /// DIR, absolute: its parent canonical, its own name as given.
    dir: PathBuf,
    parent: PathBuf,
    name: OsString,
    /// DIR as given, for the paths shown.
    given: PathBuf,
    /// Held until the run ends (dropped with `self`).
    _lock: File,
}

impl OutDir {
    /// Claims `out` for this run: refuses an empty path, takes the lock,
    /// puts back what a killed run left, then checks that DIR may be
    /// replaced and that no input (`inputs`: every file the run reads but
    /// the baseline) lies inside it.
    pub fn claim(out: &Path, inputs: &[&Path]) -> Result<OutDir> {
        let (parent, name) = split(out)?;
        let dir = parent.join(&name);
        let lock_path = sibling(&parent, ".", &name, ".preflight-lock");
        let lock = lock(&lock_path, &dir)?;
        let out = OutDir {
            dir,
            parent,
            name,
            given: out.to_path_buf(),
            _lock: lock,
        };
        out.check_inputs(inputs)?;
        out.recover()?;
        out.check_dir()?;
        Ok(out)
    }

    /// Builds the new set with `write` (given the new folder; it returns the
    /// relative paths it wrote, `/`-separated) and swaps it in. Returns the
    /// paths of the outputs in DIR.
    pub fn replace(self, write: impl FnOnce(&Path) -> Result<Vec<String>>) -> Result<Vec<PathBuf>> {
        let new = self.new_folder(std::process::id());
        fs::create_dir(&new).with_context(|| {
            format!(
                "{}: cannot create the folder for the new outputs",
                new.display()
            )
        })?;
        let built = write(&new)
            .and_then(|names| write_marker(&new, &names).map(|()| names))
            // Something may have come into DIR while the audit ran.
            .and_then(|names| self.check_dir().map(|()| names))
            .and_then(|names| self.swap(&new).map(|()| names));
        match built {
            // Joined name by name, so the terminal shows the platform's
            // separator throughout (`out\\fixes\\m365.csv` on Windows).
            Ok(names) => Ok(names
                .iter()
                .map(|n| n.split('/').fold(self.given.clone(), |p, c| p.join(c)))
                .collect()),
            Err(e) => {
                let _ = fs::remove_dir_all(&new);
                Err(e)
            }
        }
    }

    fn old(&self) -> PathBuf {
        sibling(&self.parent, "", &self.name, ".preflight-old")
    }

    fn new_folder(&self, pid: u32) -> PathBuf {
        sibling(
            &self.parent,
            ".",
            &self.name,
            &format!(".preflight-new-{pid}"),
        )
    }

    /// Refuses an input inside DIR (or inside the old set beside it).
    fn check_inputs(&self, inputs: &[&Path]) -> Result<()> {
        let dir = fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        let old = fs::canonicalize(self.old()).unwrap_or_else(|_| self.old());
        for input in inputs {
            // An input that cannot be resolved is reported by the loader.
            let Ok(path) = fs::canonicalize(input) else {
                continue;
            };
            if path.starts_with(&dir) || path.starts_with(&old) {
                bail!(
                    "{}: this input lies inside the output folder {}, which preflight replaces as a whole; \
                     move the input out of it, or give another --out",
                    input.display(),
                    self.dir.display()
                );
            }
        }
        Ok(())
    }

    /// Puts back what a killed run left beside DIR (we hold the lock, so
    /// every run that left something there is dead).
    fn recover(&self) -> Result<()> {
        let old = self.old();
        match (kind(&self.dir)?, kind(&old)?) {
            // Cut between the two renames of a swap: the previous set
            // returns, the killed run's new set is dropped below.
            (Kind::Missing, Kind::Folder) => {
                check_set(&old)?;
                fs::rename(&old, &self.dir).with_context(|| {
                    format!(
                        "{}: cannot put the previous outputs back in {}",
                        old.display(),
                        self.dir.display()
                    )
                })?;
            }
            // Cut after the swap: the new set is in place.
            (Kind::Folder, Kind::Folder) => {
                check_set(&old)?;
                remove_set(&old)?;
            }
            // DIR is refused below.
            (Kind::Other, Kind::Folder) => {}
            (_, Kind::Other) => bail!(
                "{}: in the way of the output folder {} (preflight keeps a previous set there while it swaps); remove it",
                old.display(),
                self.dir.display()
            ),
            (_, Kind::Missing) => {}
        }
        let prefix = sibling(Path::new(""), ".", &self.name, ".preflight-new-");
        let prefix = prefix.as_os_str().as_encoded_bytes();
        for entry in fs::read_dir(&self.parent)
            .with_context(|| format!("{}: cannot list the folder", self.parent.display()))?
        {
            let entry = entry?;
            if !entry.file_name().as_encoded_bytes().starts_with(prefix) {
                continue;
            }
            let path = entry.path();
            // A symbolic link is removed itself, never followed.
            let gone = match kind(&path)? {
                Kind::Folder => fs::remove_dir_all(&path),
                _ => fs::remove_file(&path),
            };
            gone.with_context(|| {
                format!("{}: cannot remove what a killed run left", path.display())
            })?;
        }
        Ok(())
    }

    /// Refuses a DIR that preflight may not replace.
    fn check_dir(&self) -> Result<()> {
        match kind(&self.dir)? {
            Kind::Missing => Ok(()),
            Kind::Folder => check_set(&self.dir),
            Kind::Other => bail!(
                "{}: not a folder (a file or a symbolic link); give --out a new folder, or the folder a link points to",
                self.dir.display()
            ),
        }
    }

    /// Renames DIR away, the new folder to DIR, removes the old set.
    fn swap(&self, new: &Path) -> Result<()> {
        let cannot = || {
            format!(
                "{}: cannot put the new outputs in place",
                self.dir.display()
            )
        };
        if kind(&self.dir)? == Kind::Missing {
            return fs::rename(new, &self.dir).with_context(cannot);
        }
        let old = self.old();
        fs::rename(&self.dir, &old).with_context(cannot)?;
        if let Err(e) = fs::rename(new, &self.dir) {
            let _ = fs::rename(&old, &self.dir);
            return Err(e).with_context(cannot);
        }
        // The new set is in place: an old set left here is removed by the
        // next run.
        if let Err(e) = remove_set(&old) {
            eprintln!(
                "preflight: warning: {e:#}; the next run into {} removes it",
                self.dir.display()
            );
        }
        Ok(())
    }
}

/// `out` as its canonical parent and its name; the parent is created.
fn split(out: &Path) -> Result<(PathBuf, OsString)> {
    if out.as_os_str().is_empty() {
        bail!(
            "--out '' names no folder: give the folder for the outputs, e.g. --out preflight-report"
        );
    }
    // `.`, `..` and the like: the folder they name.
    let out = match out.file_name() {
        Some(_) => out.to_path_buf(),
        None => fs::canonicalize(out)
            .with_context(|| format!("{}: cannot find the output folder", out.display()))?,
    };
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        bail!(
            "{}: cannot be the output folder; give a folder inside it",
            out.display()
        );
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    fs::create_dir_all(parent)
        .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
    let parent = fs::canonicalize(parent)
        .with_context(|| format!("{}: cannot find the folder", parent.display()))?;
    Ok((parent, name.to_os_string()))
}

/// `parent/<dot><name><suffix>`.
fn sibling(parent: &Path, dot: &str, name: &OsStr, suffix: &str) -> PathBuf {
    let mut s = OsString::from(dot);
    s.push(name);
    s.push(suffix);
    parent.join(s)
}

/// Opens and locks the lock file; refuses when another run holds it.
fn lock(path: &Path, dir: &Path) -> Result<File> {
    // A plain file or nothing: a link there is never followed.
    if fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        bail!(
            "{}: in the way (preflight keeps its lock file for {} there); remove it",
            path.display(),
            dir.display()
        );
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| {
            format!(
                "{}: cannot create the lock file of {}",
                path.display(),
                dir.display()
            )
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "{}: another preflight run is writing into this folder (it holds {}); wait for it to end, or give another --out",
            dir.display(),
            path.display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("{}: cannot lock", path.display()))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Missing,
    /// A folder, not a link to one.
    Folder,
    /// A file, a symbolic link or anything else.
    Other,
}

/// What is at `path`, links not followed.
fn kind(path: &Path) -> Result<Kind> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => Ok(Kind::Folder),
        Ok(_) => Ok(Kind::Other),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(e).with_context(|| format!("{}: cannot look at it", path.display())),
    }
}

/// The files a folder's marker lists, or `None` without a marker.
fn listed(dir: &Path) -> Result<Option<Vec<String>>> {
    let marker = dir.join(MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(m) if m.is_file() => {}
        _ => return Ok(None),
    }
    let text = fs::read_to_string(&marker)
        .with_context(|| format!("{}: cannot read", marker.display()))?;
    Ok(Some(
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    ))
}

/// Refuses a folder that is not empty and not wholly a set preflight wrote.
fn check_set(dir: &Path) -> Result<()> {
    let Some(names) = listed(dir)? else {
        if fs::read_dir(dir)
            .with_context(|| format!("{}: cannot list the folder", dir.display()))?
            .next()
            .is_none()
        {
            return Ok(());
        }
        bail!(
            "{}: not empty and not an output folder of preflight (it has no {MARKER}); preflight never replaces \
             what it did not write: give --out a new or empty folder. A report of a preflight older than this \
             check has no marker either: move it away or delete it once",
            dir.display()
        );
    };
    check_entries(dir, "", &names)
}

/// Every entry under `dir/rel` is a plain file the marker lists or a
/// folder holding some; never a link.
fn check_entries(dir: &Path, rel: &str, names: &[String]) -> Result<()> {
    let here = dir.join(rel);
    for entry in fs::read_dir(&here)
        .with_context(|| format!("{}: cannot list the folder", here.display()))?
    {
        let entry = entry?;
        let path = entry.path();
        let stray = || {
            anyhow::anyhow!(
                "{}: not written by preflight (not listed in {}); preflight replaces {} as a whole and never removes \
                 what it did not write: move it out, or give another --out",
                path.display(),
                dir.join(MARKER).display(),
                dir.display()
            )
        };
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(stray());
        };
        let rel_name = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let file_type = entry.file_type()?;
        if file_type.is_file() && (names.contains(&rel_name) || rel_name == MARKER) {
            continue;
        }
        let prefix = format!("{rel_name}/");
        if file_type.is_dir() && names.iter().any(|n| n.starts_with(&prefix)) {
            check_entries(dir, &rel_name, names)?;
            continue;
        }
        return Err(stray());
    }
    Ok(())
}

/// Writes the marker into a complete new set: the last file of it.
fn write_marker(dir: &Path, names: &[String]) -> Result<()> {
    let path = dir.join(MARKER);
    let mut names = names.to_vec();
    names.sort();
    let mut text = MARKER_HEAD.to_string();
    for n in &names {
        text.push_str(n);
        text.push('\n');
    }
    let cannot = || format!("{}: cannot write", path.display());
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(cannot)?;
    file.write_all(text.as_bytes()).with_context(cannot)
}

/// Removes a set checked by [`check_set`], its marker last.
fn remove_set(dir: &Path) -> Result<()> {
    let cannot = || format!("{}: cannot remove the previous outputs", dir.display());
    for entry in fs::read_dir(dir).with_context(cannot)? {
        let entry = entry.with_context(cannot)?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type().with_context(cannot)?.is_dir() {
            fs::remove_dir_all(entry.path()).with_context(cannot)?;
        } else {
            fs::remove_file(entry.path()).with_context(cannot)?;
        }
    }
    match fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(e).with_context(cannot),
        _ => {}
    }
    fs::remove_dir(dir).with_context(cannot)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set as preflight writes it: the files, then the marker.
    fn set(dir: &Path, files: &[(&str, &str)]) {
        fs::create_dir(dir).unwrap();
        for (name, text) in files {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
        write_marker(dir, &names).unwrap();
    }

    fn read(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).unwrap()
    }

    /// The names in `root`, sorted.
    fn names(root: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    const A: &[(&str, &str)] = &[("findings.csv", "a"), ("fixes/ad.csv", "a")];
    const B: &[(&str, &str)] = &[("findings.csv", "b"), ("fixes/ad.csv", "b")];

    #[test]
    fn a_swap_cut_between_its_renames_puts_the_previous_set_back() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        set(&root.path().join("out.preflight-old"), A);
        set(&root.path().join(".out.preflight-new-4000000"), B);
        let claim = OutDir::claim(&out, &[]).unwrap();
        assert_eq!(read(&out, "findings.csv"), "a");
        assert_eq!(read(&out, "fixes/ad.csv"), "a");
        assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
        drop(claim);
    }

    #[test]
    fn a_swap_cut_after_its_renames_keeps_the_new_set() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        set(&out, B);
        // The old set half removed: its marker goes last.
        let old = root.path().join("out.preflight-old");
        set(&old, A);
        fs::remove_dir_all(old.join("fixes")).unwrap();
        OutDir::claim(&out, &[]).unwrap();
        assert_eq!(read(&out, "findings.csv"), "b");
        assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
    }

    #[test]
    fn the_unfinished_folders_of_dead_runs_are_removed_links_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        set(&out, A);
        let partial = root.path().join(".out.preflight-new-4000001");
        fs::create_dir(&partial).unwrap();
        fs::write(partial.join("findings.csv"), "half").unwrap();
        let elsewhere = root.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("keep"), "mine").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&elsewhere, root.path().join(".out.preflight-new-4000002"))
            .unwrap();
        OutDir::claim(&out, &[]).unwrap();
        assert_eq!(
            names(root.path()),
            [".out.preflight-lock", "elsewhere", "out"]
        );
        assert_eq!(read(&elsewhere, "keep"), "mine");
        assert_eq!(read(&out, "findings.csv"), "a");
    }

    #[test]
    fn an_old_folder_preflight_did_not_write_is_refused_and_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let old = root.path().join("out.preflight-old");
        fs::create_dir(&old).unwrap();
        fs::write(old.join("notes.txt"), "mine").unwrap();
        let err = OutDir::claim(&out, &[]).unwrap_err();
        assert!(
            format!("{err:#}").contains("no .preflight-output"),
            "{err:#}"
        );
        assert_eq!(read(&old, "notes.txt"), "mine");
        assert!(!out.exists());
    }

    #[test]
    fn a_replace_swaps_the_set_and_a_failed_one_leaves_it() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        set(&out, A);
        let failed = OutDir::claim(&out, &[]).unwrap().replace(|new| {
            fs::write(new.join("findings.csv"), "b")?;
            bail!("disk full")
        });
        assert!(failed.is_err());
        assert_eq!(read(&out, "findings.csv"), "a");
        assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
        let written = OutDir::claim(&out, &[])
            .unwrap()
            .replace(|new| {
                fs::write(new.join("report.html"), "b")?;
                Ok(vec!["report.html".to_string()])
            })
            .unwrap();
        assert_eq!(written, [out.join("report.html")]);
        assert_eq!(names(&out), [MARKER, "report.html"]);
        assert_eq!(names(root.path()), [".out.preflight-lock", "out"]);
    }

    #[test]
    fn a_held_folder_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let first = OutDir::claim(&out, &[]).unwrap();
        let err = OutDir::claim(&out, &[]).unwrap_err();
        assert!(
            format!("{err:#}").contains("another preflight run"),
            "{err:#}"
        );
        drop(first);
        OutDir::claim(&out, &[]).unwrap();
    }
}
