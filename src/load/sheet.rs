//! Spreadsheets (xlsx, xlsm, xls, xlsb, ods) through calamine: the first
//! sheet whose header row classifies (or the one `--sheet` names), cells
//! turned into the text a person sees.

use super::classify::{self, Score};
use super::{LoadOptions, Meta, RawTable, Row, RowProblem, decide, list_headers};
use anyhow::{Result, anyhow, bail};
use calamine::{Data, Range, Reader, Sheets, open_workbook_auto_from_rs};
use std::io::Cursor;

/// Reads the sheet to use: its header, records, how it was read, and the
/// classification of its header.
pub fn read(name: &str, bytes: &[u8], opts: &LoadOptions) -> Result<(RawTable, Meta, Score)> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        anyhow!("{name}: cannot open the spreadsheet ({e}). Save it again from Excel as .xlsx (not password-protected), or export the users as CSV.")
    })?;
    let format = match &book {
        Sheets::Xls(_) => "xls",
        Sheets::Xlsx(_) => "xlsx",
        Sheets::Xlsb(_) => "xlsb",
        Sheets::Ods(_) => "ods",
    };
    let names = book.sheet_names();
    if let Some(wanted) = &opts.sheet {
        let Some(sheet) = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(wanted))
            .cloned()
        else {
            bail!(
                "{name}: there is no sheet \"{wanted}\". Sheets found: {}.",
                quoted(&names)
            );
        };
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| anyhow!("{name}: cannot read sheet \"{sheet}\": {e}"))?;
        let raw = raw_table(&range);
        let score = decide(
            &format!("{name} (sheet \"{sheet}\")"),
            &raw.headers,
            opts.source,
        )?;
        return Ok((raw, meta(format, sheet), score));
    }
    let mut tried = Vec::new();
    for sheet in &names {
        let Ok(range) = book.worksheet_range(sheet) else {
            tried.push(format!("\"{sheet}\": cannot be read"));
            continue;
        };
        let raw = raw_table(&range);
        if raw.headers.is_empty() {
            tried.push(format!("\"{sheet}\": empty"));
            continue;
        }
        let fits = match opts.source {
            Some(source) => Some(classify::score(&raw.headers, source))
                .filter(|s| s.points > 0)
                .map(|mut s| {
                    s.decided_by.clear();
                    s
                }),
            None => classify::classify(&raw.headers).ok(),
        };
        match fits {
            Some(score) => return Ok((raw, meta(format, sheet.clone()), score)),
            None => tried.push(format!("\"{sheet}\": {}", list_headers(&raw.headers))),
        }
    }
    bail!(
        "{name}: no sheet has a header row preflight can classify. Sheets and their headers: {}. \
         Choose the sheet with --sheet NAME and the system with --okta, --ad, --insync or --m365.",
        tried.join("; ")
    )
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

/// The header (first non-empty row) and the records below it.
fn raw_table(range: &Range<Data>) -> RawTable {
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut raw = RawTable::default();
    let mut rows = range.rows().enumerate();
    for (i, cells) in rows.by_ref() {
        if cells.iter().any(|c| !cell_text(c).trim().is_empty()) {
            let mut headers: Vec<String> = cells.iter().map(cell_text).collect();
            while headers.last().is_some_and(|h| h.trim().is_empty()) {
                headers.pop();
            }
            raw.headers = headers;
            raw.header_row = first_row + i as u32 + 1;
            break;
        }
    }
    let width = raw.headers.len();
    for (i, cells) in rows {
        let row = first_row + i as u32 + 1;
        let texts: Vec<String> = cells.iter().map(cell_text).collect();
        if texts.iter().all(|t| t.trim().is_empty()) {
            raw.blank_rows += 1;
            continue;
        }
        if texts.iter().skip(width).any(|t| !t.trim().is_empty()) {
            raw.problems.push(RowProblem {
                row,
                reason: format!("has values beyond the {width} columns of the header"),
            });
            continue;
        }
        raw.rows.push(Row {
            line: row,
            cells: csv::StringRecord::from(texts.into_iter().take(width).collect::<Vec<_>>()),
        });
    }
    raw
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
