//! Spreadsheets (xlsx, xlsm, xls, xlsb, ods) through calamine: the first
//! sheet whose header row classifies (or the one `--sheet` names), cells
//! turned into the text a person sees.

use super::classify::Score;
use super::{LoadOptions, Meta, Records, Row, RowProblem, choose_header, list_headers};
use anyhow::{Result, anyhow, bail};
use calamine::{Cell, Data, DataRef, Reader, SheetVisible, Sheets, open_workbook_auto_from_rs};
use std::io::Cursor;

/// Reads the sheet to use: its records, how it was read, the index of the
/// header row among the records, and the classification of that header.
/// Visible sheets are tried before hidden ones.
pub fn read(name: &str, bytes: &[u8], opts: &LoadOptions) -> Result<(Records, Meta, usize, Score)> {
    check_zip_size(name, bytes, opts.limits.max_sheet_bytes)?;
    if super::ole::has_sector_loop(bytes) {
        bail!(
            "{name}: cannot open the spreadsheet: it is damaged (a chain of sectors inside loops back on itself). \
             Download or save it again from Excel as .xlsx, or export the users as CSV."
        );
    }
    let mut book = guarded(|| open_workbook_auto_from_rs(Cursor::new(bytes))).map_err(|e| {
        if is_encrypted(bytes) {
            anyhow!("{name}: the workbook is password-protected, so it cannot be read. Save it again from Excel without a password (File > Info > Protect Workbook), or export the users as CSV.")
        } else {
            anyhow!("{name}: cannot open the spreadsheet: it is damaged or cut off ({e}). Download or save it again from Excel as .xlsx, or export the users as CSV.")
        }
    })?;
    let format = match &book {
        Sheets::Xls(_) => "xls",
        Sheets::Xlsx(_) => "xlsx",
        Sheets::Xlsb(_) => "xlsb",
        Sheets::Ods(_) => "ods",
    };
    let mut names: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    if let Some(wanted) = &opts.sheet {
        let Some((sheet, _)) = names
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .cloned()
        else {
            let all: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
            bail!(
                "{name}: there is no sheet \"{wanted}\". Sheets found: {}.",
                quoted(&all)
            );
        };
        let records = read_sheet(&mut book, &sheet, opts.limits.max_columns)
            .map_err(|e| anyhow!("{name}: cannot read sheet \"{sheet}\": {e}"))?;
        let (header, score) = choose_header(
            &format!("{name} (sheet \"{sheet}\")"),
            &records.rows,
            opts.source,
            opts.limits.max_columns,
        )?;
        return Ok((records, meta(format, sheet), header, score));
    }
    // Visible sheets first, in workbook order.
    names.sort_by_key(|(_, visible)| !visible);
    let mut tried = Vec::new();
    for (sheet, visible) in &names {
        let hidden = if *visible { "" } else { " (hidden)" };
        let Ok(records) = read_sheet(&mut book, sheet, opts.limits.max_columns) else {
            tried.push(format!("\"{sheet}\"{hidden}: cannot be read"));
            continue;
        };
        let Some(first) = records.rows.first() else {
            tried.push(format!("\"{sheet}\"{hidden}: empty"));
            continue;
        };
        match choose_header(name, &records.rows, opts.source, opts.limits.max_columns) {
            Ok((header, score)) if score.points > 0 => {
                return Ok((records, meta(format, sheet.clone()), header, score));
            }
            _ => {
                let headers: Vec<String> = first.cells.iter().map(str::to_string).collect();
                tried.push(format!("\"{sheet}\"{hidden}: {}", list_headers(&headers)));
            }
        }
    }
    bail!(
        "{name}: no sheet has a header row preflight can classify. Sheets and their first rows: {}. \
         Choose the sheet with --sheet NAME and the system with --okta, --ad, --insync or --m365.",
        tried.join("; ")
    )
}

/// Refuses a zip container whose parts decompress beyond the limit (a zip
/// bomb, or a workbook far larger than any user export).
fn check_zip_size(name: &str, bytes: &[u8], limit: u64) -> Result<()> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine reports a broken container
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    if total > limit {
        bail!(
            "{name}: the workbook decompresses to {} MB, more than the limit of {} MB (a damaged or malicious file, or far more than a user export). \
             If the file is genuine, raise the limit with --max-sheet-bytes.",
            total / 1_000_000,
            limit / 1_000_000
        );
    }
    Ok(())
}

/// An OLE compound file holding an `EncryptedPackage` stream: a workbook
/// saved with a password.
fn is_encrypted(bytes: &[u8]) -> bool {
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) && bytes.windows(needle.len()).any(|w| w == needle)
}

fn meta(format: &'static str, sheet: String) -> Meta {
    Meta {
        format,
        encoding: "binary",
        delimiter: None,
        sheet: Some(sheet),
        type_line: None,
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The non-empty cells of a sheet, as (row, column, value). An xlsx or
/// xlsb sheet is read cell by cell: calamine's dense range would allocate
/// the whole rectangle between the first and the last cell, billions of
/// cells for one stray value at `XFD1048576` or a damaged cell reference.
fn read_sheet(
    book: &mut Sheets<Cursor<&[u8]>>,
    sheet: &str,
    max_columns: usize,
) -> Result<Records, calamine::Error> {
    let cells = guarded(|| cells(book, sheet))?;
    Ok(records(cells, max_columns))
}

/// The non-empty cells of a sheet, as calamine reads them.
fn cells(
    book: &mut Sheets<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<Vec<(u32, u32, Data)>, calamine::Error> {
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    let mut push = |cell: Cell<DataRef<'_>>| {
        if !matches!(cell.get_value(), DataRef::Empty) {
            let (row, col) = cell.get_position();
            cells.push((row, col, Data::from(cell.get_value().clone())));
        }
    };
    match book {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx.worksheet_cells_reader(sheet)?;
            while let Some(cell) = reader.next_cell()? {
                push(cell);
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb.worksheet_cells_reader(sheet)?;
            while let Some(cell) = reader.next_cell()? {
                push(cell);
            }
        }
        _ => {
            let range = book.worksheet_range(sheet)?;
            let (first_row, first_col) = range.start().unwrap_or((0, 0));
            for (row, col, value) in range.used_cells() {
                cells.push((
                    first_row + row as u32,
                    first_col + col as u32,
                    value.clone(),
                ));
            }
        }
    }
    Ok(cells)
}

/// Runs a calamine call on the workbook's bytes. calamine has panicked on
/// damaged files (a slice index past the data in its OLE reader, found by
/// fuzzing: FUZZING.md); such a panic means a damaged workbook, and is
/// turned into the error one gets, not a crash.
fn guarded<T>(call: impl FnOnce() -> Result<T, calamine::Error>) -> Result<T, calamine::Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call))
        .unwrap_or(Err(calamine::Error::Msg("its contents are inconsistent")))
}

/// The non-empty rows of a sheet, numbered as the sheet shows them; trailing
/// empty cells are dropped. A row with a value beyond `max_columns` (no
/// genuine sheet has one: Excel stops at 16,384) is reported, not expanded.
fn records(mut cells: Vec<(u32, u32, Data)>, max_columns: usize) -> Records {
    // Stable: of two values at one position the later wins, as in calamine.
    cells.sort_by_key(|(row, col, _)| (*row, *col));
    let mut out = Records::default();
    let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
        return out;
    };
    let mut blank_rows = (last.0 - first.0).saturating_add(1);
    let mut cells = cells.into_iter().peekable();
    while let Some((row, col, value)) = cells.next() {
        let line = row.saturating_add(1);
        let mut texts: Vec<String> = Vec::new();
        let mut beyond = None;
        let mut put = |col: u32, value: &Data| {
            let text = cell_text(value);
            let col = col as usize;
            if col >= max_columns {
                if !text.trim().is_empty() {
                    beyond = beyond.or(Some(col + 1));
                }
            } else {
                if texts.len() <= col {
                    texts.resize(col + 1, String::new());
                }
                texts[col] = text;
            }
        };
        put(col, &value);
        while let Some((_, col, value)) = cells.next_if(|(r, _, _)| *r == row) {
            put(col, &value);
        }
        while texts.last().is_some_and(|t| t.trim().is_empty()) {
            texts.pop();
        }
        if let Some(col) = beyond {
            blank_rows = blank_rows.saturating_sub(1);
            out.problems.push(RowProblem {
                row: line,
                reason: format!(
                    "has a value in column {col}, beyond the limit of {max_columns} columns (a damaged file?); if the file is genuine, raise the limit with --max-columns"
                ),
            });
        } else if !texts.is_empty() {
            blank_rows = blank_rows.saturating_sub(1);
            match super::Cells::new(texts.iter().map(String::as_str)) {
                Some(cells) => out.rows.push(Row { line, cells }),
                None => out.problems.push(RowProblem {
                    row: line,
                    reason: "holds more than 4 GiB of text".to_string(),
                }),
            }
        }
    }
    out.blank_rows = blank_rows;
    out
}

/// The text a person sees in a cell: integers without `.0`, booleans as
/// `TRUE`/`FALSE`, dates as ISO 8601, errors as Excel writes them.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            let (y, mo, d, h, mi, s) = round_to_second((y, mo, d, h, mi, s), ms);
            if dt.is_duration() {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// Rounds a date-time to the nearest second: a serial stored a hair under a
/// whole second (`23:59:59` as `23:59:58.999`) shows as Excel shows it.
fn round_to_second(
    (y, mo, d, h, mi, s): (u16, u8, u8, u8, u8, u8),
    ms: u16,
) -> (u16, u8, u8, u8, u8, u8) {
    if ms < 500 {
        return (y, mo, d, h, mi, s);
    }
    let (mut y, mut mo, mut d, mut h, mut mi, mut s) = (y, mo, d, h, mi, s + 1);
    if s == 60 {
        s = 0;
        mi += 1;
    }
    if mi == 60 {
        mi = 0;
        h += 1;
    }
    if h == 24 {
        h = 0;
        d += 1;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d > days {
        d = 1;
        mo += 1;
    }
    if mo > 12 {
        mo = 1;
        y += 1;
    }
    (y, mo, d, h, mi, s)
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_person_sees_them() {
        assert_eq!(cell_text(&Data::Float(1042.0)), "1042");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::String("00123".into())), "00123");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), "#N/A");
    }

    #[test]
    fn far_apart_cells_cost_their_rows_not_the_rectangle() {
        let text = |s: &str| Data::String(s.to_string());
        let cells = vec![
            (1_048_575, 16_383, text("far")),
            (0, 0, text("login")),
            (0, 2, text("email")),
            (4_000_000_000, 3_000_000_000, text("damaged")),
            (1, 1, text(" ")),
        ];
        let r = records(cells, 16_384);
        let rows: Vec<(u32, usize)> = r.rows.iter().map(|r| (r.line, r.cells.len())).collect();
        assert_eq!(rows, vec![(1, 3), (1_048_576, 16_384)]);
        assert_eq!(r.rows[0].cells.get(1), Some(""));
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].row, 4_000_000_001);
        assert!(
            r.problems[0].reason.contains("--max-columns"),
            "{}",
            r.problems[0].reason
        );
        assert_eq!(r.blank_rows, 4_000_000_001 - 3);
    }

    #[test]
    fn date_times_round_to_the_second() {
        assert_eq!(
            round_to_second((2020, 9, 30, 23, 59, 58), 999),
            (2020, 9, 30, 23, 59, 59)
        );
        assert_eq!(
            round_to_second((2020, 12, 31, 23, 59, 59), 600),
            (2021, 1, 1, 0, 0, 0)
        );
        assert_eq!(
            round_to_second((2024, 2, 28, 23, 59, 59), 500),
            (2024, 2, 29, 0, 0, 0)
        );
        assert_eq!(
            round_to_second((2024, 3, 5, 9, 30, 0), 10),
            (2024, 3, 5, 9, 30, 0)
        );
    }
}
