//! The `inputs` section: the files read, and the status values no system
//! uses.

use super::text::plural;
use crate::report::{InputInfo, Report};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
pub(super) struct InputView {
    file: String,
    source: &'static str,
    format: String,
    encoding: String,
    rows: usize,
    skipped: usize,
    skipped_warn: bool,
    sha256: String,
}

impl InputView {
    pub(super) fn build(i: &InputInfo) -> InputView {
        let mut format = i.format.to_string();
        if let Some(sheet) = &i.sheet {
            let _ = write!(format, ", sheet “{sheet}”");
        }
        let mut encoding = i.encoding.to_string();
        if let Some(d) = i.delimiter {
            let name = match d {
                "," => "comma",
                ";" => "semicolon",
                "\t" | "tab" => "tab",
                "|" => "pipe",
                other => other,
            };
            let _ = write!(encoding, ", {name}-separated");
        }
        InputView {
            file: i.file.clone(),
            source: i.source.title(),
            format,
            encoding,
            rows: i.rows,
            skipped: i.skipped,
            skipped_warn: i.skipped > 0,
            sha256: i.sha256.clone(),
        }
    }
}

/// The status values the systems do not use, read as active, as sentences.
pub(super) fn unrecognised(r: &Report) -> Vec<String> {
    r.coverage
        .iter()
        .flat_map(|c| &c.unrecognised)
        .map(|u| {
            format!(
                "{}, column {}: “{}” ({}), no value this system uses: read as {}.",
                u.file,
                u.column,
                u.value,
                plural(u.rows, "row", "rows"),
                u.read_as
            )
        })
        .collect()
}

/// The columns and rows set aside, as sentences said up front.
pub(super) fn set_aside(r: &Report) -> Vec<String> {
    r.coverage
        .iter()
        .flat_map(|c| {
            let columns = c
                .set_aside
                .iter()
                .map(|a| format!("{}, column {}: {}", a.file, a.column, a.reason));
            let rows = c.rows_set_aside.iter().map(|k| {
                format!(
                    "{}: {} whose {} is “{}”: not users, not audited.",
                    k.file,
                    plural(k.rows, "row", "rows"),
                    k.column,
                    k.value
                )
            });
            columns.chain(rows).collect::<Vec<_>>()
        })
        .collect()
}
