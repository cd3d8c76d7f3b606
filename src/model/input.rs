//! What the audit knows of each input file once it is loaded: where it came
//! from, how it was read, and what could not be read. The loaders fill it;
//! every later stage reads it (the report's inputs and coverage, the
//! `unreadable-row` findings, `explain`) without knowing how files are read.

use super::{Field, Source};
use serde::Serialize;
use std::path::Path;

/// One input file, as read.
#[derive(Clone, Debug)]
pub struct InputInfo {
    /// The file name as given.
    pub file: String,
    pub source: Source,
    /// `csv` for text, else the spreadsheet kind (`xlsx`, `xls`, `xlsb`, `ods`).
    pub format: &'static str,
    pub encoding: &'static str,
    /// The delimiter of a text file.
    pub delimiter: Option<u8>,
    /// The sheet a spreadsheet was read from.
    pub sheet: Option<String>,
    pub headers: Vec<String>,
    /// Records read (rows used).
    pub rows: usize,
    /// The rows that were reported and skipped.
    pub problems: Vec<RowProblem>,
    pub sha256: String,
    /// Each distinct value of the status columns, with how it is read.
    pub statuses: Vec<StatusValue>,
    /// Columns set aside: not loaded, the audit runs without them.
    pub set_aside: Vec<SetAside>,
    /// Records read but not used because they are no user (an ADUC export
    /// list's groups, contacts, computers), counted per kind.
    pub rows_set_aside: Vec<RowsSetAside>,
}

impl InputInfo {
    /// The file name without its folders.
    pub fn file_name(&self) -> &str {
        file_name(&self.file)
    }

    /// The delimiter's name as the outputs write it (`,`, `;`, `tab`, `|`).
    pub fn delimiter_name(&self) -> Option<&'static str> {
        self.delimiter.map(delimiter_name)
    }
}

/// A path's last component (the path itself when it has none).
pub fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

/// A delimiter's name as the outputs write it.
pub fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => ",",
        b';' => ";",
        b'\t' => "tab",
        b'|' => "|",
        _ => "?",
    }
}

/// A row that was reported and skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: u32,
    pub reason: String,
}

/// One distinct value of a status column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusValue {
    /// The column's header as written.
    pub column: String,
    /// The value as first written (trimmed); compared case-insensitively.
    pub value: String,
    /// How it is read: `active`, `inactive`, `not yet active`, `enabled`,
    /// `disabled`, `sign-in blocked`...
    pub read_as: &'static str,
    /// Whether the system uses this value; an unrecognised one is read as
    /// active (or enabled, or not blocked).
    pub recognised: bool,
    pub rows: usize,
}

/// A column of an export set aside (not loaded): it holds a .NET type name
/// instead of its values (SPEC section 3). The audit runs without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetAside {
    pub file: String,
    /// The column's header as written.
    pub column: String,
    /// Why, and the export command that fixes it.
    pub reason: String,
    /// The canonical field the column would have given.
    #[serde(skip)]
    pub field: Field,
}

/// The `Select-Object` calculated property that exports column `column`
/// with its values joined by `;`: `-join` on the collection, or for
/// `AssignedLicenses` (licence objects, whose text is their type name) on
/// their `SkuId`s.
pub fn joined_export(column: &str) -> String {
    let values = if column.eq_ignore_ascii_case("assignedlicenses") {
        format!("$_.{column}.SkuId")
    } else {
        format!("$_.{column}")
    };
    format!("@{{n='{column}';e={{{values} -join ';'}}}}")
}

/// Records of one kind that are not users, set aside and counted (an ADUC
/// "Export List" holds groups, contacts and computers beside the users).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowsSetAside {
    pub file: String,
    /// The column that tells (`Type`).
    pub column: String,
    /// The value in that column (`Group`, `Contact`...).
    pub value: String,
    pub rows: usize,
}
