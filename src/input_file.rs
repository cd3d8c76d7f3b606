//! The files a run is given (exports, `--config`, `--waivers`): only
//! regular files are opened, small files are read with a limit, and the
//! problems of several inputs are reported together.
//!
//! A FIFO would hang the run on `open`, a device such as `/dev/zero` would
//! grow memory without bound, a folder reads as nothing useful: each is
//! refused from its metadata (which follows symbolic links), before it is
//! opened.

use anyhow::{Context, Result, bail};
use std::io::Read as _;

/// The largest `--config` or `--waivers` file read: 1 MiB.
pub const MAX_SMALL_FILE: u64 = 1 << 20;

/// What a path is when it is not a regular file.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Checks that `path` exists and is a regular file, without opening it;
/// returns its size. `what` names it in messages ("file", "config file").
pub fn check(path: &str, what: &str) -> Result<u64> {
    let meta = std::fs::metadata(path).with_context(|| {
        format!("{path}: cannot read the {what}. Check the path and that you may read it.")
    })?;
    if !meta.is_file() {
        bail!(
            "{path}: this is {}, not a regular file, so preflight does not open it. \
             Give the path of the {what} itself (save an export to a file first).",
            kind_of(meta.file_type())
        );
    }
    Ok(meta.len())
}

/// Reads a small text file (`--config`, `--waivers`): a regular file of at
/// most [`MAX_SMALL_FILE`] bytes, in UTF-8. The limit holds while reading
/// too, for a file that grows after its size was checked.
pub fn read_small(path: &str, what: &str) -> Result<String> {
    let too_large = || {
        anyhow::anyhow!(
            "{path}: the {what} is larger than 1 MiB, the most preflight reads for a {what}. \
             Check that this is the right file."
        )
    };
    if check(path, what)? > MAX_SMALL_FILE {
        return Err(too_large());
    }
    let cannot_read = || format!("{path}: cannot read the {what}");
    let file = std::fs::File::open(path).with_context(cannot_read)?;
    let mut bytes = Vec::new();
    file.take(MAX_SMALL_FILE + 1)
        .read_to_end(&mut bytes)
        .with_context(cannot_read)?;
    if bytes.len() as u64 > MAX_SMALL_FILE {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{path}: the {what} is not UTF-8 text. Save it as UTF-8."))
}

/// The values when every result is one; else the errors, as
/// [`every_error`].
pub fn all_or_every_error<T>(results: impl IntoIterator<Item = Result<T>>) -> Result<Vec<T>> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(v) => values.push(v),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(every_error(errors))
    }
}

/// One error for the inputs that cannot be used: the one problem as it is,
/// or [`InputErrors`] listing every problem.
pub fn every_error(mut errors: Vec<anyhow::Error>) -> anyhow::Error {
    if errors.len() == 1 {
        return errors.remove(0);
    }
    InputErrors(errors.iter().map(|e| format!("{e:#}")).collect()).into()
}

/// Several inputs that cannot be used, each problem on a line of its own
/// (escaped so that no problem spans two lines).
#[derive(Debug)]
pub struct InputErrors(pub Vec<String>);

impl std::fmt::Display for InputErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} inputs cannot be used:", self.0.len())?;
        for e in &self.0 {
            write!(f, "\n  {}", crate::terminal_safe::escape_line(e))?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap();
        let e = format!("{:#}", check(folder, "file").unwrap_err());
        assert!(e.contains(folder) && e.contains("a folder"), "{e}");
        #[cfg(unix)]
        {
            let e = format!("{:#}", read_small("/dev/zero", "config file").unwrap_err());
            assert!(
                e.contains("/dev/zero") && e.contains("character device"),
                "{e}"
            );
        }
        let file = dir.path().join("w.toml");
        std::fs::write(&file, "x = 1\n").unwrap();
        let file = file.to_str().unwrap();
        assert_eq!(read_small(file, "waivers file").unwrap(), "x = 1\n");
    }

    #[test]
    fn a_small_file_over_one_mebibyte_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, vec![b'#'; MAX_SMALL_FILE as usize + 1]).unwrap();
        let path = path.to_str().unwrap();
        let e = format!("{:#}", read_small(path, "config file").unwrap_err());
        assert!(e.contains("big.toml") && e.contains("1 MiB"), "{e}");
        std::fs::write(path, vec![b'#'; MAX_SMALL_FILE as usize]).unwrap();
        assert!(read_small(path, "config file").is_ok());
    }

    #[test]
    fn every_error_is_listed_one_line_each() {
        let results: Vec<Result<u8>> = vec![
            Ok(1),
            Err(anyhow::anyhow!("a.csv: bad\nheader")),
            Err(anyhow::anyhow!("b.csv: missing")),
        ];
        let e = format!("{:#}", all_or_every_error(results).unwrap_err());
        assert_eq!(
            e,
            "2 inputs cannot be used:\n  a.csv: bad\\x0aheader\n  b.csv: missing"
        );
        let one: Vec<Result<u8>> = vec![Ok(1), Err(anyhow::anyhow!("a.csv: bad"))];
        assert_eq!(
            format!("{:#}", all_or_every_error(one).unwrap_err()),
            "a.csv: bad"
        );
        assert_eq!(all_or_every_error(vec![Ok(1), Ok(2)]).unwrap(), vec![1, 2]);
    }
}
