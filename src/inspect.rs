//! `preflight inspect`: what the loaders understood of each file, as text
//! for a person or JSON for a script.

use crate::cli::{Format, InspectArgs};
use crate::exit::Exit;
use crate::load::{self, Input, RowProblem, Table, detect};
use crate::model::Source;
use crate::terminal_safe;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What `inspect` reports of one file.
#[derive(Debug, Serialize)]
pub struct FileInfo {
    pub file: String,
    pub source: Source,
    /// The headers that decided the source (distinctive ones first).
    pub decided_by: Vec<String>,
    pub format: &'static str,
    pub encoding: &'static str,
    pub delimiter: Option<&'static str>,
    pub sheet: Option<String>,
    pub type_line: Option<String>,
    pub header_row: u32,
    pub headers: Vec<String>,
    /// Canonical field → header.
    pub columns: BTreeMap<&'static str, String>,
    /// Columns empty in every row, counted as absent.
    pub empty_columns: Vec<String>,
    /// Each distinct status value with how it is read (SPEC section 3).
    pub statuses: Vec<crate::load::status::StatusValue>,
    /// Columns set aside: they hold .NET type names (SPEC section 3).
    pub set_aside: Vec<crate::model::SetAside>,
    /// Records that are no user, set aside and counted per kind.
    pub rows_set_aside: Vec<crate::model::RowsSetAside>,
    /// Records read and used.
    pub rows: usize,
    /// Records read: used plus skipped.
    pub rows_read: usize,
    /// Rows reported as unreadable and skipped.
    pub skipped: usize,
    pub blank_rows: u32,
    /// The first unreadable rows with their reasons.
    pub problems: Vec<RowProblem>,
    /// The first records after normalisation.
    pub samples: Vec<serde_json::Value>,
    pub sha256: String,
}

const SAMPLES: usize = 3;
const PROBLEMS: usize = 10;

impl FileInfo {
    pub fn of(table: &Table) -> FileInfo {
        let columns = table
            .columns
            .iter()
            .map(|(field, col)| (field.name(), table.headers[*col].trim().to_string()))
            .collect();
        FileInfo {
            file: table.file.clone(),
            source: table.source,
            decided_by: table.decided_by.clone(),
            format: table.format,
            encoding: table.encoding,
            delimiter: table.delimiter.map(detect::delimiter_name),
            sheet: table.sheet.clone(),
            type_line: table.type_line.clone(),
            header_row: table.header_row,
            headers: table.headers.clone(),
            columns,
            empty_columns: table.empty_columns.clone(),
            statuses: table.statuses.clone(),
            set_aside: table.set_aside.clone(),
            rows_set_aside: table.rows_set_aside.clone(),
            rows: table.rows.len(),
            rows_read: table.rows.len()
                + table.problems.len()
                + table.rows_set_aside.iter().map(|k| k.rows).sum::<usize>(),
            skipped: table.problems.len(),
            blank_rows: table.blank_rows,
            problems: table.problems.iter().take(PROBLEMS).cloned().collect(),
            samples: samples(table),
            sha256: table.sha256.clone(),
        }
    }
}

fn samples(table: &Table) -> Vec<serde_json::Value> {
    let n = table.rows.len().min(SAMPLES);
    (0..n)
        .filter_map(|i| {
            match table.source {
                Source::Okta => serde_json::to_value(load::okta::record(table, i, 0)),
                Source::Ad => serde_json::to_value(load::ad::record(table, i, 0)),
                Source::Insync => serde_json::to_value(load::insync::record(table, i, 0)),
                Source::M365 => serde_json::to_value(load::m365::record(table, i, 0)),
            }
            .ok()
        })
        .collect()
}

/// Renders the text form of one file's information.
pub fn text(info: &FileInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", info.file);
    let decided = if info.decided_by.is_empty() {
        "given by flag".to_string()
    } else {
        format!("decided by {}", info.decided_by.join(", "))
    };
    let _ = writeln!(
        out,
        "  source     {} ({}; {decided})",
        info.source,
        info.source.title()
    );
    let mut how = format!("{}, {}", info.format, info.encoding);
    if let Some(d) = info.delimiter {
        let _ = write!(how, ", delimiter {d}");
    }
    if let Some(s) = &info.sheet {
        let _ = write!(how, ", sheet \"{s}\"");
    }
    let _ = writeln!(out, "  read as    {how}");
    if let Some(t) = &info.type_line {
        let _ = writeln!(out, "  #TYPE      {t}");
    }
    let _ = writeln!(
        out,
        "  header     row {}: {} columns",
        info.header_row,
        info.headers.len()
    );
    for (field, header) in &info.columns {
        let _ = writeln!(out, "    {field:<24} <- {header}");
    }
    let mapped: Vec<&String> = info.columns.values().collect();
    let other: Vec<&str> = info
        .headers
        .iter()
        .map(|h| h.trim())
        .filter(|h| !mapped.iter().any(|m| m.as_str() == *h))
        .collect();
    let other: Vec<&str> = other
        .into_iter()
        .filter(|h| !info.empty_columns.iter().any(|e| e.trim() == *h))
        .filter(|h| !info.set_aside.iter().any(|a| a.column == *h))
        .collect();
    if !other.is_empty() {
        let _ = writeln!(out, "    (kept by name: {})", other.join(", "));
    }
    for s in &info.statuses {
        let _ = writeln!(
            out,
            "  status     {} \"{}\" ({} rows): read as {}{}",
            s.column,
            s.value,
            s.rows,
            s.read_as,
            if s.recognised {
                ""
            } else {
                ", NOT a value this system uses"
            }
        );
    }
    if !info.empty_columns.is_empty() {
        let _ = writeln!(
            out,
            "    (empty in every row, counted as absent: {})",
            info.empty_columns.join(", ")
        );
    }
    for a in &info.set_aside {
        let _ = writeln!(out, "  set aside  column {}: {}", a.column, a.reason);
    }
    let _ = writeln!(
        out,
        "  rows       {} read: {} used, {} skipped",
        info.rows_read, info.rows, info.skipped
    );
    for k in &info.rows_set_aside {
        let _ = writeln!(
            out,
            "    ({} rows whose {} is \"{}\" set aside: not users)",
            k.rows, k.column, k.value
        );
    }
    for p in &info.problems {
        let _ = writeln!(out, "    row {}: {}", p.row, p.reason);
    }
    if info.skipped > info.problems.len() {
        let _ = writeln!(
            out,
            "    ... and {} more",
            info.skipped - info.problems.len()
        );
    }
    for (i, s) in info.samples.iter().enumerate() {
        let _ = writeln!(out, "  sample {}   {}", i + 1, s);
    }
    let _ = writeln!(out, "  sha256     {}", info.sha256);
    out
}

/// The text form of a file that cannot be loaded: its name and why, in
/// its place among the others (the reason is on stderr too).
pub fn failed_text(file: &str, error: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{file}");
    let _ = writeln!(
        out,
        "  NOT LOADED {}",
        error.trim_end().replace('\n', "\n             ")
    );
    out
}

/// One file given to `inspect`: what was understood of it, or why it
/// cannot be loaded (JSON `{file, error}`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Inspected {
    Loaded(Box<FileInfo>),
    Failed { file: String, error: String },
}

/// `preflight inspect`.
pub fn run(args: &InspectArgs) -> Result<Exit> {
    let inputs: Vec<Input> = crate::audit::inputs_of(
        &args.files,
        &args.sources,
        &args.sheet,
        args.limits.limits(),
    );
    let mut listed = Vec::new();
    let mut failed = false;
    for (input, result) in inputs.iter().zip(load::load_each(&inputs)) {
        match result {
            Ok(table) => listed.push(Inspected::Loaded(Box::new(FileInfo::of(&table)))),
            Err(e) => {
                failed = true;
                let error = crate::exit::error_text(&e);
                terminal_safe::eprint(&format!("preflight: {error}\n"));
                listed.push(Inspected::Failed {
                    file: input.path.clone(),
                    error,
                });
            }
        }
    }
    match args.format {
        // Exact values for a script; controls inside strings as `\uXXXX`.
        Format::Json => {
            let json = serde_json::to_string_pretty(&listed)?;
            terminal_safe::print_raw(&terminal_safe::json(&json))?;
            terminal_safe::print_raw("\n")?;
        }
        Format::Text => {
            for entry in &listed {
                match entry {
                    Inspected::Loaded(info) => terminal_safe::print(&text(info))?,
                    Inspected::Failed { file, error } => {
                        terminal_safe::print(&failed_text(file, error))?
                    }
                }
                terminal_safe::print_raw("\n")?;
            }
        }
    }
    Ok(if failed { Exit::Failure } else { Exit::Clean })
}
