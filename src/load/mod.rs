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
mod split;
pub mod status;
mod table;
mod text;

use crate::model::{Field, InputInfo, Source, is_dotnet_type_name};
use anyhow::{Context, Result, bail};
use classify::{Schema, Score};
use indicatif::ProgressBar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub use crate::model::RowProblem;
pub use split::Records;
pub(crate) use split::*;
pub use table::{Cells, CellsRef, Keep, Limits, LoadOptions, RawTable, Row, RowRef, Rows, Table};

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
                let mut rows = records.rows.into_iter();
                let mut split = Splitter::new(rows.nth(header).as_ref(), opts.limits, false);
                // A spreadsheet's cells are all in memory anyway.
                split.plan(score.source, &Keep::All);
                for row in rows {
                    split.push_row(row);
                }
                Ok((
                    split.finish(records.problems, records.blank_rows),
                    meta,
                    score,
                ))
            } else {
                text::read(name, bytes, opts, progress)
            }
        },
    );
    let (raw, meta, score) = read?;
    table(name, raw, meta, score, sha256)
}

/// Loads one export from its file, streaming a text export through the
/// reader instead of holding it in memory (the same table as
/// [`load_bytes_with`] of its bytes).
fn load_file(path: &str, opts: &LoadOptions, progress: &ProgressBar) -> Result<Table> {
    use std::io::{Read, Seek};
    let cannot_read =
        || format!("{path}: cannot read the file. Check the path and that you may read it.");
    // A FIFO, a device or a folder is refused before it is opened.
    crate::input_file::check(path, "file")?;
    let mut file = std::fs::File::open(path).with_context(cannot_read)?;
    let mut head = Vec::with_capacity(text::HEAD_BYTES);
    (&mut file)
        .take(text::HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .with_context(cannot_read)?;
    let head_is_file = head.len() < text::HEAD_BYTES;
    if !head_is_file {
        let head = std::mem::take(&mut head);
        let size = file.metadata().map_or(0, |m| m.len()) as usize;
        match text::read_streaming(
            path,
            head,
            &mut file,
            false,
            usize::MAX,
            size,
            opts,
            progress,
        )? {
            Some(read) => {
                let (raw, meta, score, sha256) = *read;
                return table(path, raw, meta, score, sha256);
            }
            None => {
                file.rewind().with_context(cannot_read)?;
            }
        }
    }
    // Small files, and those the stream leaves (spreadsheets, UTF-16,
    // text that is not UTF-8): read whole.
    let mut bytes = head;
    file.read_to_end(&mut bytes).with_context(cannot_read)?;
    let table = load_bytes_with(path, &bytes, opts, progress);
    // The text reader counts its bytes as it goes; a spreadsheet counts
    // when read.
    if !matches!(&table, Ok(t) if t.format == "csv") {
        progress.inc(bytes.len() as u64);
    }
    table
}

/// The table of an export read: its key column and headers checked, the
/// columns holding .NET type names set aside.
fn table(name: &str, mut raw: RawTable, meta: Meta, score: Score, sha256: String) -> Result<Table> {
    let source = score.source;
    let mut columns = std::mem::take(&mut raw.columns);
    let schema = Schema::of(source);
    let Some(key) = schema.key(&columns) else {
        let field = schema.required[0];
        bail!(
            "{name}: this {} export has no {} column (expected a header such as {}). Columns found: {}. \
             Export it again with that column: {}.",
            source.title(),
            field,
            aliases_for_message(schema, field),
            list_headers(&raw.headers),
            schema.exports
        );
    };
    check_duplicate_headers(name, &raw.headers, &columns)?;
    let set_aside = set_aside_type_names(name, key, &mut columns, &raw)?;
    let rows_set_aside = set_aside_non_users(name, &columns, &mut raw);
    let (columns, empty_columns) = without_empty_columns(schema, columns, &raw);
    let statuses = status::values(source, &raw, &columns);
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
        stored: raw.stored,
        problems: raw.problems,
        blank_rows: raw.blank_rows,
        sha256,
        empty_columns,
        statuses,
        set_aside,
        rows_set_aside,
    })
}

/// The rows of an ADUC export list whose `Type` is not a user (groups,
/// contacts, computers, OUs) are set aside and counted per type (SPEC
/// section 3), never dropped silently. `User` and `inetOrgPerson` are
/// users; an empty type cell counts as a user.
fn set_aside_non_users(
    name: &str,
    columns: &BTreeMap<Field, usize>,
    raw: &mut RawTable,
) -> Vec<crate::model::RowsSetAside> {
    let Some(&col) = columns.get(&Field::ObjectType) else {
        return Vec::new();
    };
    let Some(Some(at)) = raw.stored.get(col).copied() else {
        return Vec::new();
    };
    let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
    raw.rows.retain(|row| {
        let value = row.cells.get(at as usize).unwrap_or("").trim();
        let k = value.to_lowercase();
        if k.is_empty() || k == "user" || k == "inetorgperson" {
            return true;
        }
        counts.entry(k).or_insert_with(|| (value.to_string(), 0)).1 += 1;
        false
    });
    counts
        .into_values()
        .map(|(value, rows)| crate::model::RowsSetAside {
            file: name.to_string(),
            column: raw.headers[col].trim().to_string(),
            value,
            rows,
        })
        .collect()
}

/// A column empty in every row counts as absent (SPEC section 3): a
/// `Get-MgUser` export without `-Property` has empty `AssignedLicenses` and
/// `ProxyAddresses`, which must not make everyone unlicensed or without a
/// mailbox. Required columns stay (their emptiness is reported per row),
/// and so does every column of a file without records. Returns the columns
/// kept and the headers set aside.
fn without_empty_columns(
    schema: &Schema,
    mut columns: BTreeMap<Field, usize>,
    raw: &RawTable,
) -> (BTreeMap<Field, usize>, Vec<String>) {
    if raw.rows.is_empty() {
        return (columns, Vec::new());
    }
    // Whether the row has a value in the column.
    fn filled(raw: &RawTable, row: RowRef<'_>, col: usize) -> bool {
        raw.stored
            .get(col)
            .copied()
            .flatten()
            .and_then(|i| row.cells.get(i as usize))
            .is_some_and(|v| !v.trim().is_empty())
    }
    let mut empty = Vec::new();
    let key = schema.key(&columns);
    columns.retain(|field, &mut col| {
        let stored = raw.stored.get(col).copied().flatten().is_some();
        let keep = key == Some(*field) || !stored || raw.rows.iter().any(|r| filled(raw, r, col));
        if !keep {
            empty.push(raw.headers[col].clone());
        }
        keep
    });
    (columns, empty)
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
        (Source::Ad, Field::Upn) => &["UserPrincipalName", "User Logon Name (ADUC)"],
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
/// `Export-Csv` writes for a multi-valued property (SPEC section 3): the
/// key column (`key`) with one stops the run; any other such column is set
/// aside (removed from `columns`, so its records read it empty) with the
/// reason and the export command that fixes it.
fn set_aside_type_names(
    name: &str,
    key: Field,
    columns: &mut BTreeMap<Field, usize>,
    raw: &RawTable,
) -> Result<Vec<crate::model::SetAside>> {
    let mut set_aside = Vec::new();
    for (col, hit) in &raw.type_names {
        let Some((row, value)) = hit else { continue };
        let header = raw.headers[*col].trim();
        let fix = format!(
            "Select-Object ...,{} | Export-Csv ...",
            crate::model::joined_export(header)
        );
        let Some(field) = columns.iter().find_map(|(f, c)| (c == col).then_some(*f)) else {
            continue;
        };
        if field == key {
            bail!(
                "{name}: row {row}, column \"{header}\" holds the .NET type name \"{}\" instead of its values: \
                 Export-Csv wrote the collection, not its contents. This is the column preflight identifies the records by, \
                 so the file cannot be used. Export it again with the values joined, for example: {fix}",
                value.trim()
            );
        }
        columns.remove(&field);
        set_aside.push(crate::model::SetAside {
            file: name.to_string(),
            column: header.to_string(),
            reason: format!(
                "holds the .NET type name \"{}\" (first at row {row}) instead of its values: Export-Csv wrote the collection, \
                 not its contents. The audit runs without this column. To check it, export it again with the values joined: {fix}",
                value.trim()
            ),
            field,
        });
    }
    Ok(set_aside)
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
                keep: Keep::All,
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
    load_each_then(inputs, progress, |_, table| table)
}

/// [`load_each_with`], each table handed to `then` (with its place among
/// the inputs) as soon as it is loaded, in parallel: a later stage takes
/// what it needs of a file while the others load.
fn load_each_then<T: Send>(
    inputs: &[Input],
    progress: &crate::progress::Progress,
    then: impl Fn(usize, Table) -> T + Sync,
) -> Vec<Result<T>> {
    let total = inputs
        .iter()
        .filter_map(|i| std::fs::metadata(&i.path).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress.loading(total);
    inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| load_file(&input.path, &input.opts, bar).map(|t| then(i, t)))
        .collect()
}

/// Loads files in parallel, showing the bytes loaded on `progress`; when
/// files cannot be loaded, the error lists every one of them (in the order
/// given).
pub fn load_files(inputs: &[Input], progress: &crate::progress::Progress) -> Result<Vec<Table>> {
    load_files_then(inputs, progress, |_, table| table)
}

/// [`load_files`], each table handed to `then` as soon as it is loaded
/// (see [`load_each_then`]).
pub fn load_files_then<T: Send>(
    inputs: &[Input],
    progress: &crate::progress::Progress,
    then: impl Fn(usize, Table) -> T + Sync,
) -> Result<Vec<T>> {
    crate::input_file::all_or_every_error(load_each_then(inputs, progress, then))
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

    proptest::proptest! {
        /// The compact rows read back what was pushed, row by row and cell
        /// by cell, as a plain list of rows of strings does, whether pushed
        /// from values or from a record of the csv crate, and keep the
        /// rows a filter keeps.
        #[test]
        fn rows_are_a_list_of_rows_of_cells(
            rows in proptest::collection::vec(
                (0u32..1_000_000, proptest::collection::vec("[a-zé@. \"\n,]{0,12}", 0..6)),
                0..40,
            ),
            keep_every in 1usize..4,
        ) {
            let mut compact = Rows::default();
            for (n, (line, cells)) in rows.iter().enumerate() {
                if n % 2 == 0 {
                    compact.push(*line, cells.iter().map(String::as_str));
                } else {
                    let record = csv::StringRecord::from(cells.clone());
                    compact.push_record(*line, &record);
                }
            }
            let read = |r: &Rows| -> Vec<(u32, Vec<String>)> {
                r.iter()
                    .map(|row| (row.line, row.cells.iter().map(String::from).collect()))
                    .collect()
            };
            proptest::prop_assert_eq!(read(&compact), rows.clone());
            for (i, (_, cells)) in rows.iter().enumerate() {
                let row = compact.get(i);
                proptest::prop_assert_eq!(row.cells.len(), cells.len());
                proptest::prop_assert_eq!(row.cells.get(cells.len()), None);
            }
            let mut n = 0;
            compact.retain(|_| {
                n += 1;
                (n - 1) % keep_every == 0
            });
            let kept: Vec<_> = rows.into_iter().step_by(keep_every).collect();
            proptest::prop_assert_eq!(read(&compact), kept);
        }
    }

    /// Files larger than the head: streamed (UTF-8), read again whole (a
    /// Windows-1252 byte past the head), read whole (UTF-16): each the table
    /// its bytes give, digest and row numbers included.
    #[test]
    fn a_large_file_loads_as_its_bytes_do() {
        let dir = tempfile::tempdir().unwrap();
        let mut text =
            String::from("User Id,Status,Username,First name,Last name,Primary email\r\n");
        let mut i = 0;
        while text.len() < text::HEAD_BYTES * 3 / 2 {
            text.push_str(&format!(
                "00u{i},ACTIVE,zoe.{i}@c.com,Zoë,\"Ø\nx\",zoe.{i}@c.co.uk\r\n"
            ));
            i += 1;
        }
        let utf8 = text.clone().into_bytes();
        let mut cp1252 = text.replace("Zoë", "Zoe").into_bytes();
        let at = cp1252.len() - 20;
        cp1252.insert(at, 0xE9);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        for (name, bytes, encoding) in [
            ("utf8.csv", utf8, "UTF-8"),
            ("cp1252.csv", cp1252, "windows-1252"),
            ("utf16.csv", utf16, "UTF-16LE"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let path = path.to_str().unwrap();
            let opts = LoadOptions::default();
            let from_file = load_file(path, &opts, &ProgressBar::hidden()).unwrap();
            let from_bytes = load_bytes(path, &bytes, &opts).unwrap();
            assert_eq!(from_file.encoding, encoding);
            assert!(from_file.rows.len() > 10_000, "{name}");
            assert_eq!(
                format!("{from_file:?}"),
                format!("{from_bytes:?}"),
                "{name}"
            );
        }
    }

    /// The loading bar counts each byte of a file once, also when the stream
    /// gives the file up part way (a Windows-1252 byte past the first 4 MiB
    /// counted, a character cut off at the very end) and it is read again
    /// whole.
    #[test]
    fn the_loading_bar_counts_each_byte_once() {
        /// A terminal that draws nothing: the bar counts as on a real one.
        #[derive(Debug)]
        struct Blank;
        impl indicatif::TermLike for Blank {
            fn width(&self) -> u16 {
                80
            }
            fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
                Ok(())
            }
            fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
                Ok(())
            }
            fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
                Ok(())
            }
            fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
                Ok(())
            }
            fn write_line(&self, _: &str) -> std::io::Result<()> {
                Ok(())
            }
            fn write_str(&self, _: &str) -> std::io::Result<()> {
                Ok(())
            }
            fn clear_line(&self) -> std::io::Result<()> {
                Ok(())
            }
            fn flush(&self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("User Id,Status,Username,Primary email\r\n");
        let mut i = 0;
        while text.len() < 5 << 20 {
            text.push_str(&format!("00u{i},ACTIVE,zoe.{i}@c.com,zoe.{i}@c.co.uk\r\n"));
            i += 1;
        }
        let utf8 = text.clone().into_bytes();
        let mut cp1252 = utf8.clone();
        let at = cp1252.len() - 20;
        cp1252.insert(at, 0xE9);
        let mut cut = utf8.clone();
        cut.push(0xC3);
        for (name, bytes) in [("utf8.csv", utf8), ("cp1252.csv", cp1252), ("cut.csv", cut)] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let bar = ProgressBar::with_draw_target(
                Some(bytes.len() as u64),
                indicatif::ProgressDrawTarget::term_like(Box::new(Blank)),
            );
            assert!(!bar.is_hidden());
            load_file(path.to_str().unwrap(), &LoadOptions::default(), &bar).unwrap();
            // The whole read decodes Windows-1252: é is two bytes in UTF-8.
            let decoded = bytes.len() as u64 + u64::from(name != "utf8.csv");
            assert_eq!(bar.position(), decoded, "{name}");
        }
    }

    /// A file that cannot be read to its end is an error naming it, not a
    /// table of the rows before.
    #[test]
    fn a_read_error_mid_stream_names_the_file() {
        struct Failing(usize);
        impl std::io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("input/output error"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(b'\n');
                self.0 -= n;
                Ok(n)
            }
        }
        let mut head = b"User Id,Status,Username,First name,Last name,Primary email\n".to_vec();
        while head.len() < text::HEAD_BYTES {
            head.extend_from_slice(b"00u1,ACTIVE,a@c.com,A,B,a@c.com\n");
        }
        let err = match text::read_streaming(
            "okta.csv",
            head,
            Failing(5000),
            false,
            usize::MAX,
            0,
            &LoadOptions::default(),
            &ProgressBar::hidden(),
        ) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("a failed read gave a table"),
        };
        assert!(
            err.starts_with("okta.csv: cannot read the file (input/output error)"),
            "{err}"
        );
    }

    #[test]
    fn rockstar_export_loads_as_okta() {
        let t = load(b"User Id,Status,Username,First name,Last name,Primary email\n\"00u1\",\"ACTIVE\",\"anna.berg@contoso.com\",\"Anna\",\"Berg\",\"anna.berg@contoso.co.uk\"\n").unwrap();
        assert_eq!(t.source, Source::Okta);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows.get(0).line, 2);
        assert_eq!(t.cell(t.rows.get(0), Field::Login), "anna.berg@contoso.com");
        assert_eq!(
            t.cell(t.rows.get(0), Field::Email),
            "anna.berg@contoso.co.uk"
        );
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
    fn type_name_in_a_used_column_is_set_aside_with_the_fix() {
        let t = load(b"UserPrincipalName,proxyAddresses,memberOf\na@contoso.com,SMTP:a@contoso.com,x\nb@contoso.com,Microsoft.ActiveDirectory.Management.ADPropertyValueCollection,x\n")
            .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert!(!t.columns.contains_key(&Field::ProxyAddresses));
        let [aside] = &t.set_aside[..] else {
            panic!("{:?}", t.set_aside)
        };
        assert_eq!(
            (aside.file.as_str(), aside.column.as_str()),
            ("test.csv", "proxyAddresses")
        );
        assert_eq!(aside.field, Field::ProxyAddresses);
        assert!(
            aside.reason.contains("row 3")
                && aside
                    .reason
                    .contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"),
            "{}",
            aside.reason
        );
        // Set aside, the column gives the records nothing.
        assert!(ad::records(&t, 0).iter().all(|u| u.proxies().is_empty()));
        // In a column preflight does not use, a type name is ignored.
        let ok = load(b"UserPrincipalName,proxyAddresses,memberOf\na@contoso.com,SMTP:a@contoso.com,Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\n").unwrap();
        assert!(ok.set_aside.is_empty() && ok.columns.contains_key(&Field::ProxyAddresses));
    }

    /// The key column (the record's identifier) holding a type name still
    /// stops the run: without it there is nothing to audit.
    #[test]
    fn type_name_in_the_key_column_is_refused() {
        let e = load(b"UserPrincipalName,mail,SamAccountName\nSystem.String[],a@contoso.com,a\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 2") && e.contains("UserPrincipalName") && e.contains("-join ';'"),
            "{e}"
        );
        let e = load(b"User Id,Status,Username,Primary email\n00u1,ACTIVE,System.Collections.Generic.List`1[System.String],a@contoso.com\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"Username\""), "{e}");
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
        assert_eq!(t.cell(t.rows.get(0), Field::Email), "john.doe@contoso.com");
        assert!(load(b"Username, Email\n\"Doe, John\",john.doe@contoso.com\n").is_err());
    }
}

#[cfg(test)]
mod keep_tests {
    use super::*;

    /// Every export among the fixtures, by path.
    fn fixture_files() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut dirs = vec![root.join("contoso"), root.join("formats")];
        for case in std::fs::read_dir(root.join("cases")).unwrap() {
            dirs.push(case.unwrap().path());
        }
        let mut files = Vec::new();
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if matches!(ext, "csv" | "txt" | "xlsx") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn records_json(t: &Table) -> String {
        let json = match t.source {
            Source::Okta => serde_json::to_string(&okta::records(t, 0)),
            Source::Ad => serde_json::to_string(&ad::records(t, 0)),
            Source::Insync => serde_json::to_string(&insync::records(t, 0)),
            Source::M365 => serde_json::to_string(&m365::records(t, 0)),
        };
        json.unwrap()
    }

    /// An audit's tables keep fewer columns, and nothing it reads differs:
    /// the same rows, problems and records, the named attributes' values.
    #[test]
    fn kept_columns_hold_all_the_audit_reads() {
        let named = [
            "employeeNumber",
            "EmployeeID",
            "Employee number",
            "secondEmail",
        ];
        let used = LoadOptions {
            keep: Keep::Used(named.map(String::from).to_vec()),
            ..Default::default()
        };
        let (mut loaded, mut narrowed) = (0, 0);
        for path in fixture_files() {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let Ok(all) = load_bytes(&name, &bytes, &LoadOptions::default()) else {
                assert!(load_bytes(&name, &bytes, &used).is_err(), "{name}");
                continue;
            };
            let kept = load_bytes(&name, &bytes, &used).unwrap();
            loaded += 1;
            assert_eq!(kept.rows.len(), all.rows.len(), "{name}");
            assert_eq!(kept.problems, all.problems, "{name}");
            assert_eq!(kept.headers, all.headers, "{name}");
            assert_eq!(records_json(&kept), records_json(&all), "{name}");
            let lines = |t: &Table| t.rows.iter().map(|r| r.line).collect::<Vec<_>>();
            assert_eq!(lines(&kept), lines(&all), "{name}");
            for attr in named {
                if let Some(col) = all.column(attr) {
                    for (k, a) in kept.rows.iter().zip(all.rows.iter()) {
                        assert_eq!(kept.value(k, col), all.value(a, col), "{name} {attr}");
                    }
                }
            }
            if all.format == "csv" && kept.stored.iter().any(Option::is_none) {
                narrowed += 1;
                let text = |t: &Table| {
                    t.rows
                        .iter()
                        .map(|r| r.cells.iter().map(str::len).sum::<usize>())
                        .sum::<usize>()
                };
                assert!(text(&kept) <= text(&all), "{name}");
            }
        }
        assert!(
            loaded > 30 && narrowed > 10,
            "{loaded} loaded, {narrowed} narrowed"
        );
    }

    #[test]
    fn a_column_not_kept_reads_empty_and_holds_no_text() {
        let csv = b"User principal name,Title,Display name,Block credential\r\na@contoso.com,Engineer,Anna Berg,False\r\n";
        let opts = LoadOptions {
            keep: Keep::Used(vec!["title".into()]),
            ..Default::default()
        };
        let titled = load_bytes("m365.csv", csv, &opts).unwrap();
        assert_eq!(titled.value(titled.rows.get(0), 1), "Engineer");
        let t = load_bytes(
            "m365.csv",
            csv,
            &LoadOptions {
                keep: Keep::Used(Vec::new()),
                ..opts
            },
        )
        .unwrap();
        let row = t.rows.get(0);
        assert_eq!(t.value(row, 1), "");
        assert_eq!(t.value(row, 2), "Anna Berg");
        assert_eq!(t.cell(row, Field::Upn), "a@contoso.com");
        assert_eq!(row.cells.len(), 3);
        assert!(!row.cells.iter().any(|c| c == "Engineer"));
    }

    /// A .NET type name in a mapped column the records do not read is
    /// still found when that column's text is not kept: the column is set
    /// aside, at the row that shows it.
    #[test]
    fn type_names_are_checked_before_columns_are_dropped() {
        let opts = LoadOptions {
            keep: Keep::Used(Vec::new()),
            ..Default::default()
        };
        // Among the first rows (read before the header is chosen) and below.
        for good in [0, 12] {
            let mut csv = String::from("UserPrincipalName,DistinguishedName\n");
            for i in 0..good {
                csv += &format!("u{i}@contoso.com,\"CN=U {i},DC=contoso,DC=com\"\n");
            }
            csv += "a@contoso.com,Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\n";
            let t = load_bytes("ad.csv", csv.as_bytes(), &opts).unwrap();
            let row = format!("row {}", good + 2);
            let [aside] = &t.set_aside[..] else {
                panic!("{:?}", t.set_aside)
            };
            assert_eq!(aside.column, "DistinguishedName");
            assert!(aside.reason.contains(&row), "{}", aside.reason);
        }
    }
}
