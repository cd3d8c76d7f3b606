//! Loading exports: bytes in, a classified [`Table`] out.
//!
//! A file is read as text (CSV, TSV, semicolon- or pipe-separated, in any of
//! the encodings real exports use; see [`detect`]) or as a spreadsheet
//! ([`sheet`]). Its header row is classified into a source ([`classify`]);
//! each source's module (`okta`, `ad`, `insync`, `m365`) declares its header
//! aliases and turns rows into the records of [`crate::model`]. Loaders take
//! bytes, never paths, so tests feed them directly; [`load_files`] reads
//! paths and loads them in parallel.
//!
//! A row that cannot be read is kept as a [`RowProblem`] with its row number
//! (the row a spreadsheet shows) and reported; nothing is dropped silently.
//! A file that cannot be used at all is an error naming the file, what was
//! expected and what was found, and what to do.

pub mod ad;
pub mod classify;
pub mod detect;
pub mod insync;
pub mod m365;
pub mod okta;
mod ole;
pub mod schema;
pub mod sheet;
mod text;

use crate::model::{Field, Source, is_dotnet_type_name};
use anyhow::{Context, Result, bail};
use classify::{Schema, Score};
use indicatif::ProgressBar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// One record of a table: its cells and the row a spreadsheet shows.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: u32,
    pub cells: Cells,
}

/// The cells of one row, compact: their text back to back and where each
/// ends (a `csv::StringRecord` keeps its growth buffers, twice the size).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cells {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Cells {
    /// The cells of values; `None` when they hold 4 GiB or more.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Cells> {
        let values = values.into_iter();
        let mut text = String::new();
        let mut ends = Vec::with_capacity(values.size_hint().0);
        for v in values {
            text.push_str(v);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        Some(Cells {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The cells of a record read by the csv crate, in one allocation each
    /// for text and ends; `None` when they hold 4 GiB or more.
    pub fn of_record(record: &csv::StringRecord) -> Option<Cells> {
        u32::try_from(record.as_slice().len()).ok()?;
        let mut ends = Vec::with_capacity(record.len());
        let mut end = 0;
        for field in record {
            end += field.len() as u32;
            ends.push(end);
        }
        Some(Cells {
            text: record.as_slice().into(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// Cell `i`, when the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }
}

/// A row that was reported and skipped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub row: u32,
    pub reason: String,
}

/// The header row and records of a file, before classification.
#[derive(Debug, Default)]
pub struct RawTable {
    pub headers: Vec<String>,
    pub header_row: u32,
    pub rows: Vec<Row>,
    pub problems: Vec<RowProblem>,
    /// Blank rows seen (not records, not problems).
    pub blank_rows: u32,
}

/// A loaded export: which source it is, how it was read, and its rows.
#[derive(Debug)]
pub struct Table {
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
    /// The `#TYPE` line of Windows PowerShell, if any.
    pub type_line: Option<String>,
    pub headers: Vec<String>,
    pub header_row: u32,
    /// Canonical field → column index.
    pub columns: BTreeMap<Field, usize>,
    /// The headers that decided the source (empty when forced by a flag).
    pub decided_by: Vec<String>,
    /// The records; emptied once the model has taken what it needs (see
    /// [`Table::row_count`]).
    pub rows: Vec<Row>,
    /// Records read (rows used), kept when `rows` is released.
    pub row_count: usize,
    pub problems: Vec<RowProblem>,
    pub blank_rows: u32,
    pub sha256: String,
}

impl Table {
    /// The value of a canonical field in a row (empty when the file lacks it).
    pub fn cell<'a>(&self, row: &'a Row, field: Field) -> &'a str {
        self.columns
            .get(&field)
            .and_then(|i| row.cells.get(*i))
            .unwrap_or("")
    }

    /// The column whose header is `name` (compared as headers are: case,
    /// spaces, `_`, `-`, `.` and an Okta `profile.` prefix ignored).
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = classify::norm_header(name);
        self.headers
            .iter()
            .position(|h| classify::norm_header(h) == n)
    }

    /// The file name without folders, as findings name it.
    pub fn file_name(&self) -> &str {
        Path::new(&self.file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&self.file)
    }
}

/// How to load one file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The source, when given by flag; otherwise classified by header.
    pub source: Option<Source>,
    /// The sheet of a spreadsheet to read (`--sheet`).
    pub sheet: Option<String>,
    pub limits: Limits,
}

/// Limits that protect the machine from broken or hostile files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one cell (`--max-cell-bytes`): a longer cell makes its row unreadable.
    pub max_cell_bytes: usize,
    /// Columns of the header row (`--max-columns`).
    pub max_columns: usize,
    /// Decompressed bytes of a spreadsheet (`--max-sheet-bytes`).
    pub max_sheet_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cell_bytes: 1 << 20,
            max_columns: 16_384,
            max_sheet_bytes: 1 << 30,
        }
    }
}

/// Every non-blank record of a file, the header among them.
#[derive(Debug, Default)]
pub struct Records {
    pub rows: Vec<Row>,
    /// Rows the reader could not parse at all.
    pub problems: Vec<RowProblem>,
    pub blank_rows: u32,
}

/// How many rows from the top may hold titles above the header row.
const HEADER_SEARCH: usize = 10;

/// Chooses the header row: the first record that classifies (or, with a
/// source given by flag, that carries that source's headers), among the
/// first rows, so a title line above the header is skipped. Without such a
/// row, the error describes the first row.
pub(crate) fn choose_header(
    name: &str,
    rows: &[Row],
    forced: Option<Source>,
    max_columns: usize,
) -> Result<(usize, Score)> {
    let headers = |row: &Row| -> Vec<String> {
        row.cells
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect()
    };
    for (i, row) in rows.iter().take(HEADER_SEARCH).enumerate() {
        // Scoring a million headers is work no genuine export needs.
        if row.cells.len() > max_columns {
            continue;
        }
        let h = headers(row);
        let fits = match forced {
            Some(source) => classify::score(&h, source).points > 0,
            None => classify::classify(&h).is_ok(),
        };
        if fits {
            return Ok((i, decide(name, &h, forced)?));
        }
    }
    match rows.first() {
        Some(first) if first.cells.len() > max_columns => bail!(
            "{name}: the first row has {} columns, more than the limit of {max_columns} (a damaged file?). If the file is genuine, raise the limit with --max-columns.",
            first.cells.len()
        ),
        first => Ok((
            0,
            decide(name, &first.map(headers).unwrap_or_default(), forced)?,
        )),
    }
}

/// Splits records at the header: rows above it are titles, rows below are
/// checked (field count, cell size, a repeated header) and kept or reported.
pub(crate) fn split(records: Records, header: usize, limits: &Limits, text: bool) -> RawTable {
    let mut rows = records.rows.into_iter();
    let head = rows.nth(header);
    let headers: Vec<String> = head
        .as_ref()
        .map(|r| {
            r.cells
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut raw = RawTable {
        header_row: head.as_ref().map_or(1, |r| r.line),
        headers,
        problems: records.problems,
        blank_rows: records.blank_rows,
        ..RawTable::default()
    };
    let width = raw.headers.len();
    let normalised: Vec<String> = raw
        .headers
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let rest: Vec<Row> = rows.collect();
    let last = rest.len().saturating_sub(1);
    for (i, mut row) in rest.into_iter().enumerate() {
        let problem = if row.cells.iter().any(|c| c.len() > limits.max_cell_bytes) {
            Some(format!(
                "has a cell of more than {} bytes (the limit for one value; raise it with --max-cell-bytes if the file is genuine)",
                limits.max_cell_bytes
            ))
        } else if row.cells.len() == width
            && row
                .cells
                .iter()
                .zip(&normalised)
                .all(|(c, h)| c.trim_start_matches('\u{feff}').trim().to_lowercase() == *h)
        {
            Some("repeats the header row (two exports pasted together?)".to_string())
        } else if text && row.cells.len() != width {
            let swallowed = row
                .cells
                .iter()
                .map(|c| c.matches('\n').count())
                .sum::<usize>();
            if i == last && swallowed > 0 && row.cells.len() < width + 1 {
                Some(format!(
                    "starts a quoted value that is never closed: the rest of the file ({swallowed} more lines) was read into it; fix the quote and export again"
                ))
            } else {
                Some(format!(
                    "has {} fields where the header has {width} (an unquoted delimiter inside a value, or a cut-off line)",
                    row.cells.len()
                ))
            }
        } else if !text && row.cells.len() > width {
            Some(format!(
                "has values beyond the {width} columns of the header"
            ))
        } else {
            None
        };
        match problem {
            Some(reason) => raw.problems.push(RowProblem {
                row: row.line,
                reason,
            }),
            None => {
                if row.cells.len() < width {
                    let missing = width - row.cells.len();
                    let padded =
                        Cells::new(row.cells.iter().chain(std::iter::repeat_n("", missing)));
                    // Padding adds no text: the row fits as it did before.
                    row.cells = padded.unwrap_or_default();
                }
                raw.rows.push(row);
            }
        }
    }
    raw.problems.sort_by_key(|p| p.row);
    raw
}

/// Loads one export from its bytes. `name` is used in messages.
pub fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Result<Table> {
    load_bytes_with(name, bytes, opts, &ProgressBar::hidden())
}

/// [`load_bytes`], advancing `progress` by the bytes read.
pub fn load_bytes_with(
    name: &str,
    bytes: &[u8],
    opts: &LoadOptions,
    progress: &ProgressBar,
) -> Result<Table> {
    if bytes.is_empty() {
        bail!(
            "{name}: the file is empty. Export the users again; the file must hold a header row and the records."
        );
    }
    // The digest beside the parsing (a core left idle by the other files).
    let (sha256, read) = rayon::join(
        || hex(&Sha256::digest(bytes)),
        || -> Result<_> {
            if detect::is_spreadsheet(bytes) {
                let (records, meta, header, score) = sheet::read(name, bytes, opts)?;
                Ok((records, meta, header, score, false))
            } else {
                let (records, meta) = text::read(name, bytes, progress)?;
                let (header, score) =
                    choose_header(name, &records.rows, opts.source, opts.limits.max_columns)?;
                Ok((records, meta, header, score, true))
            }
        },
    );
    let (records, meta, header, score, text) = read?;
    let raw = split(records, header, &opts.limits, text);
    let source = score.source;
    let columns = classify::map_columns(&raw.headers, source);
    let schema = Schema::of(source);
    for field in schema.required {
        if !columns.contains_key(field) {
            bail!(
                "{name}: this {} export has no {} column (expected a header such as {}). Columns found: {}. \
                 Export it again with that column: {}.",
                source.title(),
                field,
                aliases_for_message(schema, *field),
                list_headers(&raw.headers),
                schema.exports
            );
        }
    }
    check_duplicate_headers(name, &raw.headers, &columns)?;
    check_type_names(name, &raw, &columns)?;
    Ok(Table {
        file: name.to_string(),
        source,
        format: meta.format,
        encoding: meta.encoding,
        delimiter: meta.delimiter,
        sheet: meta.sheet,
        type_line: meta.type_line,
        headers: raw.headers,
        header_row: raw.header_row,
        columns,
        decided_by: score.decided_by,
        row_count: raw.rows.len(),
        rows: raw.rows,
        problems: raw.problems,
        blank_rows: raw.blank_rows,
        sha256,
    })
}

/// Lower-case hexadecimal of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// How a file was read (besides its rows).
#[derive(Debug, Default)]
pub struct Meta {
    pub format: &'static str,
    pub encoding: &'static str,
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
    pub type_line: Option<String>,
}

/// Decides the source of a header row: forced by flag, or classified.
pub(crate) fn decide(name: &str, headers: &[String], forced: Option<Source>) -> Result<Score> {
    if let Some(source) = forced {
        let mut score = classify::score(headers, source);
        score.decided_by.clear();
        return Ok(score);
    }
    classify::classify(headers).map_err(|scores| {
        let found = list_headers(headers);
        if scores[0].points == 0 {
            anyhow::anyhow!(
                "{name}: cannot tell which system this file comes from: none of its headers is one preflight knows. \
                 Headers found: {found}. If it is a user export, name its system with --okta, --ad, --insync or --m365."
            )
        } else {
            let tied: Vec<&str> = scores
                .iter()
                .filter(|s| s.points == scores[0].points)
                .map(|s| s.source.id())
                .collect();
            let flags: Vec<String> = tied.iter().map(|s| format!("--{s}")).collect();
            anyhow::anyhow!(
                "{name}: the headers fit {} equally well, so preflight cannot tell which system this file comes from. \
                 Headers found: {found}. Name its system with {}.",
                tied.join(" and "),
                flags.join(" or ")
            )
        }
    })
}

fn aliases_for_message(schema: &Schema, field: Field) -> String {
    let examples: &[&str] = match (schema.source, field) {
        (Source::Okta, Field::Login) => &["login", "Username", "profile.login"],
        (Source::Ad, Field::Upn) => &["UserPrincipalName"],
        (Source::Insync, Field::Email) => &["User Email", "Email", "Email ID"],
        (Source::M365, Field::Upn) => &["User principal name", "UserPrincipalName"],
        _ => &[],
    };
    if examples.is_empty() {
        format!("`{}`", schema.expected_header(field))
    } else {
        examples
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

/// The headers of a file, quoted and comma-joined, for messages.
pub fn list_headers(headers: &[String]) -> String {
    if headers.iter().all(|h| h.trim().is_empty()) {
        return "(none)".to_string();
    }
    headers
        .iter()
        .map(|h| format!("\"{}\"", h.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column that preflight uses must appear once: with two `mail` columns
/// nobody can tell which one holds the truth.
fn check_duplicate_headers(
    name: &str,
    headers: &[String],
    columns: &BTreeMap<Field, usize>,
) -> Result<()> {
    for col in columns.values() {
        let n = classify::norm_header(&headers[*col]);
        let same: Vec<String> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| classify::norm_header(h) == n)
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        if same.len() > 1 {
            bail!(
                "{name}: the column \"{}\" appears {} times (columns {}), so preflight cannot tell which one to use. Remove or rename the extra columns and export again.",
                headers[*col].trim(),
                same.len(),
                same.join(", ")
            );
        }
    }
    Ok(())
}

/// A column that preflight uses must hold values, not the .NET type name
/// `Export-Csv` writes for a multi-valued property.
fn check_type_names(name: &str, raw: &RawTable, columns: &BTreeMap<Field, usize>) -> Result<()> {
    let checked: Vec<usize> = columns
        .iter()
        .filter(|(field, _)| {
            !matches!(
                field,
                Field::DisplayName | Field::FirstName | Field::LastName | Field::Id
            )
        })
        .map(|(_, col)| *col)
        .collect();
    // One pass over the rows (each row's text read once), in parallel; rows
    // with a type name are rare, so they are collected and the first column
    // (in field order) with one is reported at its first row.
    let hits: Vec<(usize, Vec<usize>)> = raw
        .rows
        .par_iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let found: Vec<usize> = (0..checked.len())
                .filter(|&k| is_dotnet_type_name(row.cells.get(checked[k]).unwrap_or("")))
                .collect();
            (!found.is_empty()).then_some((i, found))
        })
        .collect();
    for (k, col) in checked.iter().enumerate() {
        if let Some((i, _)) = hits.iter().find(|(_, found)| found.contains(&k)) {
            let row = &raw.rows[*i];
            let value = row.cells.get(*col).unwrap_or("");
            let header = raw.headers[*col].trim();
            bail!(
                "{name}: row {}, column \"{header}\" holds the .NET type name \"{}\" instead of its values: \
                 Export-Csv wrote the collection, not its contents. Export it again with the values joined, \
                 for example: Select-Object ...,@{{n='{header}';e={{$_.{header} -join ';'}}}} | Export-Csv ...",
                row.line,
                value.trim()
            );
        }
    }
    Ok(())
}

/// One file to load: its name as given, and options.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: String,
    pub opts: LoadOptions,
}

impl Input {
    /// A file of `source` (classified by header when `None`).
    pub fn new(
        path: &str,
        source: Option<Source>,
        sheet: &Option<String>,
        limits: Limits,
    ) -> Input {
        Input {
            path: path.to_string(),
            opts: LoadOptions {
                source,
                sheet: sheet.clone(),
                limits,
            },
        }
    }
}

/// Reads and loads files in parallel; each result in the order given.
pub fn load_each(inputs: &[Input]) -> Vec<Result<Table>> {
    load_each_with(inputs, &crate::progress::Progress::hidden())
}

/// [`load_each`], showing the bytes loaded on `progress`.
pub fn load_each_with(
    inputs: &[Input],
    progress: &crate::progress::Progress,
) -> Vec<Result<Table>> {
    let total = inputs
        .iter()
        .filter_map(|i| std::fs::metadata(&i.path).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress.loading(total);
    inputs
        .par_iter()
        .map(|input| {
            let bytes = std::fs::read(&input.path).with_context(|| {
                format!(
                    "{}: cannot read the file. Check the path and that you may read it.",
                    input.path
                )
            })?;
            let table = load_bytes_with(&input.path, &bytes, &input.opts, bar);
            // The text reader counts its bytes as it goes; a spreadsheet
            // counts when read.
            if !matches!(&table, Ok(t) if t.format == "csv") {
                bar.inc(bytes.len() as u64);
            }
            table
        })
        .collect()
}

/// Loads files in parallel, showing the bytes loaded on `progress`; the
/// first file that cannot be loaded (in the order given) stops everything
/// with its error.
pub fn load_files(inputs: &[Input], progress: &crate::progress::Progress) -> Result<Vec<Table>> {
    load_each_with(inputs, progress).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(bytes: &[u8]) -> Result<Table> {
        load_bytes("test.csv", bytes, &LoadOptions::default())
    }

    #[test]
    fn cells_keep_every_value_in_order() {
        let c = Cells::new(["a@contoso.com", "", "Anna \"A\", Berg", "é"]).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            ["a@contoso.com", "", "Anna \"A\", Berg", "é"]
        );
        assert_eq!(c.get(3), Some("é"));
        assert_eq!(c.get(4), None);
        assert!(Cells::new([]).unwrap().is_empty());
        // From a record read by the csv crate (a reused record, longer first).
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(
                "x,yyyyyyyy,zzz,w\na@contoso.com,,\"Anna \"\"A\"\", Berg\",é\n,\n".as_bytes(),
            );
        let mut record = csv::StringRecord::new();
        let mut rows = Vec::new();
        while reader.read_record(&mut record).unwrap() {
            rows.push(Cells::of_record(&record).unwrap());
        }
        assert_eq!(rows[1], c);
        assert_eq!(rows[2], Cells::new(["", ""]).unwrap());
    }

    #[test]
    fn rockstar_export_loads_as_okta() {
        let t = load(b"User Id,Status,Username,First name,Last name,Primary email\n\"00u1\",\"ACTIVE\",\"anna.berg@contoso.com\",\"Anna\",\"Berg\",\"anna.berg@contoso.co.uk\"\n").unwrap();
        assert_eq!(t.source, Source::Okta);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.cell(&t.rows[0], Field::Login), "anna.berg@contoso.com");
        assert_eq!(t.cell(&t.rows[0], Field::Email), "anna.berg@contoso.co.uk");
        assert_eq!(t.column("email"), None);
        assert_eq!(t.column("Primary Email"), Some(5));
    }

    #[test]
    fn empty_file_is_an_error_naming_the_file() {
        let e = load(b"").unwrap_err().to_string();
        assert!(e.contains("test.csv") && e.contains("empty"), "{e}");
    }

    #[test]
    fn missing_required_column_names_expected_and_found() {
        let e =
            load(b"SamAccountName,Enabled,mail,DistinguishedName\njdoe,True,j@contoso.com,CN=x\n")
                .unwrap_err()
                .to_string();
        assert!(
            e.contains("UserPrincipalName") && e.contains("\"SamAccountName\""),
            "{e}"
        );
    }

    #[test]
    fn type_name_in_a_used_column_is_refused_with_the_fix() {
        let e = load(b"UserPrincipalName,proxyAddresses,memberOf\na@contoso.com,Microsoft.ActiveDirectory.Management.ADPropertyValueCollection,x\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("-join ';'"), "{e}");
        let ok = load(b"UserPrincipalName,proxyAddresses,memberOf\na@contoso.com,SMTP:a@contoso.com,Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\n");
        assert!(ok.is_ok());
    }

    #[test]
    fn forced_source_skips_classification() {
        let t = load_bytes(
            "bulk.csv",
            b"Username, Email\n\"Doe, John\",john.doe@contoso.com\n",
            &LoadOptions {
                source: Some(Source::Insync),
                sheet: None,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.source, Source::Insync);
        assert_eq!(t.cell(&t.rows[0], Field::Email), "john.doe@contoso.com");
        assert!(load(b"Username, Email\n\"Doe, John\",john.doe@contoso.com\n").is_err());
    }
}
