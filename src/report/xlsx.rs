//! `report.xlsx`: the report as one workbook for the consultant's own work
//! (issue 26): a Summary sheet, then Findings, Persons, Remediation and one
//! sheet per system's worklist. Every cell is a text cell (an address, an
//! id such as `01017` or `1E5` is never turned into a number or a date, and
//! a value starting with `=` is text, not a formula), the header row is
//! frozen and filtered, and each sheet holds at most `--xlsx-rows` rows:
//! the Summary sheet says where the full lists are (the CSV files).
//!
//! Written with rust_xlsxwriter in constant-memory mode (rows go to a
//! temporary file as they are written), so a large tenant's workbook costs
//! its capped rows, not the whole tenant.

use super::Report;
use super::csv::{
    FINDINGS_HEADER, REMEDIATION_HEADER, finding_cells, plain_into, remediation_cells,
};
use super::fixes::{FIXES_HEADER, worklist_rows};
use crate::model::Source;
use anyhow::Result;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;
use std::io::Write;

/// Rows per sheet unless `--xlsx-rows` says otherwise.
pub const DEFAULT_XLSX_ROWS: usize = 100_000;

/// Excel's limit on the rows of a sheet, the header row included.
pub const EXCEL_ROWS: usize = 1_048_576;

/// Excel's limit on the characters of a cell.
const CELL_CHARS: usize = 32_767;

/// A value as a cell can hold it: cut, with a note, beyond Excel's limit.
fn cell(value: &str) -> Cow<'_, str> {
    // Bytes bound characters: most values need no count.
    if value.len() <= CELL_CHARS - 100 || value.chars().count() <= CELL_CHARS - 100 {
        return Cow::Borrowed(value);
    }
    let cut: String = value.chars().take(CELL_CHARS - 100).collect();
    Cow::Owned(format!("{cut}… (cut: the full value is in the CSV file)"))
}

/// One sheet being written: a header row, then rows.
struct Sheet<'w> {
    ws: &'w mut Worksheet,
    columns: u16,
    rows: u32,
}

impl<'w> Sheet<'w> {
    fn new(
        ws: &'w mut Worksheet,
        name: &str,
        header: &[&str],
        bold: &Format,
    ) -> Result<Sheet<'w>, XlsxError> {
        ws.set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, bold)?;
            ws.set_column_width(c as u16, width(h))?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            ws,
            columns: header.len() as u16,
            rows: 0,
        })
    }

    /// Writes a row (the callers stop at the cap).
    fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), XlsxError> {
        self.rows += 1;
        for (c, v) in cells.into_iter().enumerate() {
            if !v.is_empty() {
                self.ws.write_string(self.rows, c as u16, cell(v))?;
            }
        }
        Ok(())
    }

    /// Adds the filter over what was written; the rows written and the
    /// rows of the whole list, for the Summary.
    fn finish(self, total: usize) -> Result<(usize, usize), XlsxError> {
        self.ws
            .autofilter(0, 0, self.rows.max(1), self.columns.saturating_sub(1))?;
        Ok((self.rows as usize, total))
    }
}

/// A column's width in characters, by what its header says it holds.
fn width(header: &str) -> f64 {
    match header {
        "message" | "remediation" | "reason" | "detail" | "window" | "value" => 60.0,
        h if h.contains("email")
            || h.contains("upn")
            || h.contains("login")
            || h.contains("smtp")
            || h == "subject"
            || h == "display_name"
            || h == "current_value"
            || h == "value_to_set"
            || h == "insync_ad_attribute"
            || h == "ad_mail" =>
        {
            32.0
        }
        "file" | "rules" | "step" | "item" => 24.0,
        _ => 14.0,
    }
}

/// `report.xlsx`, its creation time the report's (`generated`, so the same
/// inputs and time stamp give the same bytes).
pub fn write<W: Write>(r: &Report, generated: &str, mut out: W) -> Result<()> {
    // In constant-memory mode rust_xlsxwriter panics when it cannot write
    // its temporary sheet files (a full disk): that is this output's error,
    // not a crash (`crate::quiet_panics` keeps the panic off stderr).
    let bytes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| workbook(r, generated)))
        .map_err(|_| {
            anyhow::anyhow!(
                "its temporary files in {} could not be written (is the disk full?)",
                std::env::temp_dir().display()
            )
        })??;
    let bytes = unix_origin(bytes);
    out.write_all(&bytes)?;
    Ok(())
}

fn workbook(r: &Report, generated: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // The fastest deflate: the sheets are large XML, and level 6 spent
    // most of the workbook's time compressing (perf, 1M persons).
    wb.set_zip_compression_level(1);
    let created = ExcelDateTime::parse_from_str(generated.get(..19).unwrap_or(generated))
        .or_else(|_| ExcelDateTime::from_ymd(2000, 1, 1))?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("preflight report")
            .set_author(r.author.as_deref().unwrap_or("preflight"))
            .set_company(r.customer.as_deref().unwrap_or(""))
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let cap = r.xlsx_rows.clamp(1, EXCEL_ROWS - 1);
    // The summary comes first but is written last, when the lists' lengths
    // are known: the sheets are added in order, filled in any order.
    wb.add_worksheet_with_constant_memory()?
        .set_name("Summary")?;
    for _ in LISTS {
        wb.add_worksheet_with_constant_memory()?;
    }
    // Each list's sheet is filled on its own (the sheets are independent
    // until the workbook is saved): in parallel, so that the largest
    // (Findings) is not waited for after the rest.
    use rayon::prelude::*;
    let filled: Vec<Result<(usize, usize), XlsxError>> = wb.worksheets_mut()[1..]
        .par_iter_mut()
        .zip(LISTS.par_iter())
        .map(|(ws, list)| fill(r, list, ws, &bold, cap))
        .collect();
    // Each list: sheet, CSV file, rows written and rows in all.
    let mut lists: Vec<(&str, &str, (usize, usize))> = Vec::new();
    for (list, counts) in LISTS.iter().zip(filled) {
        lists.push((list.sheet, list.file, counts?));
    }

    summary(r, generated, wb.worksheet_from_index(0)?, &bold, &lists)?;
    wb.save_to_buffer()
}

/// A list sheet of the workbook: its name, the CSV file with the whole
/// list, and what it lists.
struct List {
    sheet: &'static str,
    file: &'static str,
    rows: Rows,
}

enum Rows {
    Findings,
    Persons,
    Remediation,
    Fixes(Source),
}

/// The list sheets, in the workbook's order after the Summary.
const LISTS: [List; 7] = [
    List {
        sheet: "Findings",
        file: "findings.csv",
        rows: Rows::Findings,
    },
    List {
        sheet: "Persons",
        file: "users.csv",
        rows: Rows::Persons,
    },
    List {
        sheet: "Remediation",
        file: "remediation.csv",
        rows: Rows::Remediation,
    },
    List {
        sheet: "Fixes Okta",
        file: "fixes/okta.csv",
        rows: Rows::Fixes(Source::Okta),
    },
    List {
        sheet: "Fixes AD",
        file: "fixes/ad.csv",
        rows: Rows::Fixes(Source::Ad),
    },
    List {
        sheet: "Fixes M365",
        file: "fixes/m365.csv",
        rows: Rows::Fixes(Source::M365),
    },
    List {
        sheet: "Fixes inSync",
        file: "fixes/insync.csv",
        rows: Rows::Fixes(Source::Insync),
    },
];

/// Fills the sheet of `list` with at most `cap` rows; the rows written and
/// the rows of the whole list.
fn fill(
    r: &Report,
    list: &List,
    ws: &mut Worksheet,
    bold: &Format,
    cap: usize,
) -> Result<(usize, usize), XlsxError> {
    match list.rows {
        Rows::Findings => {
            let mut s = Sheet::new(ws, list.sheet, &FINDINGS_HEADER, bold)?;
            let mut message = String::new();
            let mut remediation = String::new();
            for f in r.findings.iter().take(cap) {
                let row = if f.row == 0 {
                    String::new()
                } else {
                    f.row.to_string()
                };
                message.clear();
                plain_into(&f.message(), &mut message);
                remediation.clear();
                plain_into(&f.remediation(), &mut remediation);
                s.row(finding_cells(f, &row, &message, &remediation))?;
            }
            s.finish(r.findings.len())
        }
        Rows::Persons => {
            let mut s = Sheet::new(ws, list.sheet, &super::UserRow::HEADER, bold)?;
            for u in r.users.iter().take(cap) {
                let u = u.row();
                s.row(std::iter::once(u.display_name()).chain(u.cells()))?;
            }
            s.finish(r.users.len())
        }
        Rows::Remediation => {
            let mut s = Sheet::new(ws, list.sheet, &REMEDIATION_HEADER, bold)?;
            for x in r.remediation.iter().take(cap) {
                s.row(remediation_cells(&x))?;
            }
            s.finish(r.remediation.len())
        }
        Rows::Fixes(system) => {
            let mut s = Sheet::new(ws, list.sheet, &FIXES_HEADER, bold)?;
            let total = worklist_rows(r, system, cap, |cells| s.row(cells.iter().map(|c| &**c)))?;
            s.finish(total)
        }
    }
}

/// The workbook with every zip entry marked as made on Unix. The zip
/// crate marks the origin as the platform it runs on (MS-DOS on Windows),
/// the only byte that differs between a Linux and a Windows run; outputs
/// are byte-identical across platforms. Each central directory entry's
/// "version made by" high byte becomes 3 (Unix); anything that is not a
/// well-formed zip is left as it is.
fn unix_origin(mut zip: Vec<u8>) -> Vec<u8> {
    const END: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    // The end record is the last 22 bytes (the workbook has no comment).
    let Some(end) = zip.len().checked_sub(22) else {
        return zip;
    };
    if zip[end..end + 4] != END {
        return zip;
    }
    let (Some(count), Some(start)) = (u16_at(&zip, end + 10), u32_at(&zip, end + 16)) else {
        return zip;
    };
    let mut at = start as usize;
    for _ in 0..count {
        if zip.get(at..at + 4) != Some(&ENTRY[..]) {
            return zip;
        }
        let lengths = (
            u16_at(&zip, at + 28),
            u16_at(&zip, at + 30),
            u16_at(&zip, at + 32),
        );
        let (Some(name), Some(extra), Some(comment)) = lengths else {
            return zip;
        };
        zip[at + 5] = 3;
        at += 46 + name as usize + extra as usize + comment as usize;
    }
    zip
}

/// The Summary sheet: verdict, counts, settings, change plan, and where
/// the full lists are.
fn summary(
    r: &Report,
    generated: &str,
    ws: &mut Worksheet,
    bold: &Format,
    lists: &[(&str, &str, (usize, usize))],
) -> Result<(), XlsxError> {
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 80)?;
    ws.set_column_width(2, 12)?;
    let mut row = 0u32;
    let mut put = |ws: &mut Worksheet, cells: &[&str], heading: bool| -> Result<(), XlsxError> {
        for (c, v) in cells.iter().enumerate() {
            if heading {
                ws.write_string_with_format(row, c as u16, cell(v), bold)?;
            } else if !v.is_empty() {
                ws.write_string(row, c as u16, cell(v))?;
            }
        }
        row += 1;
        Ok(())
    };
    put(ws, &["preflight report", "", ""], true)?;
    put(ws, &["verdict", r.verdict.id(), ""], false)?;
    put(ws, &["why the exit status", &r.status().1, ""], false)?;
    put(ws, &["generated", generated, ""], false)?;
    put(ws, &["preflight version", r.version, ""], false)?;
    if let Some(c) = &r.customer {
        put(ws, &["customer", c, ""], false)?;
    }
    if let Some(a) = &r.author {
        put(ws, &["prepared by", a, ""], false)?;
    }
    for reason in &r.verdict_reasons {
        put(
            ws,
            &[
                "not checked",
                &format!("{}: {}", reason.check, reason.reason),
                "",
            ],
            false,
        )?;
    }
    put(ws, &["", "", ""], false)?;
    put(ws, &["sheet", "rows", "of"], true)?;
    for (sheet, file, (shown, total)) in lists {
        let note = if shown < total {
            format!("{shown} listed here; the full list is {file}")
        } else {
            format!("all listed (also in {file})")
        };
        put(ws, &[sheet, &note, &total.to_string()], false)?;
    }
    put(ws, &["", "", ""], false)?;
    put(ws, &["rule", "findings", ""], true)?;
    for (rule, n) in r.counts() {
        put(ws, &[rule, &n.to_string(), ""], false)?;
    }
    put(ws, &["", "", ""], false)?;
    put(ws, &["setting", "value", ""], true)?;
    let settings = serde_json::to_value(&r.settings).unwrap_or_default();
    if let Some(map) = settings.as_object() {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            put(ws, &[k, &text, ""], false)?;
        }
    }
    if !r.change_plan.is_empty() {
        put(ws, &["", "", ""], false)?;
        put(ws, &["change plan step", "what to do", "persons"], true)?;
        for step in &r.change_plan {
            let what = if step.window.is_empty() {
                format!("{}: {}", step.title, step.detail)
            } else {
                format!(
                    "{}: {} Until the next step: {}",
                    step.title, step.detail, step.window
                )
            };
            put(
                ws,
                &[&step.step.to_string(), &what, &step.persons.to_string()],
                false,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    /// A value is cut beyond Excel's limit in characters, not bytes: at the
    /// limit, ASCII and two-byte characters alike are kept whole.
    #[test]
    fn cells_are_cut_by_characters() {
        let keep = CELL_CHARS - 100;
        for unit in ["a", "é", "\u{1f600}"] {
            let at_limit = unit.repeat(keep);
            assert!(matches!(cell(&at_limit), Cow::Borrowed(_)), "{unit}");
            let over = unit.repeat(keep + 1);
            let cut = cell(&over);
            assert!(cut.starts_with(&at_limit), "{unit}");
            assert!(cut.ends_with("(cut: the full value is in the CSV file)"));
            assert_eq!(
                cut.chars().count(),
                keep + "… (cut: the full value is in the CSV file)".chars().count()
            );
        }
    }

    /// The offsets of the central directory entries of a zip.
    fn entries(bytes: &[u8]) -> Vec<usize> {
        let sig = [0x50, 0x4b, 0x01, 0x02];
        (0..bytes.len().saturating_sub(4))
            .filter(|&i| bytes[i..i + 4] == sig)
            .collect()
    }

    /// Every entry says Unix whatever the platform (here as if made on
    /// Windows: origin 0, MS-DOS), and the zip still reads.
    #[test]
    fn entries_are_marked_as_made_on_unix() {
        let mut wb = Workbook::new();
        wb.add_worksheet().write_string(0, 0, "01017").unwrap();
        let mut bytes = wb.save_to_buffer().unwrap();
        for i in entries(&bytes) {
            bytes[i + 5] = 0;
        }
        let bytes = unix_origin(bytes);
        let entries = entries(&bytes)
            .into_iter()
            .filter(|&i| bytes[i + 5] == 3)
            .count();
        assert!(entries >= 5);
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Sheet1").unwrap();
        assert_eq!(
            range.get((0, 0)),
            Some(&calamine::Data::String("01017".into()))
        );
        // Not a zip: left alone.
        assert_eq!(unix_origin(b"not a zip".to_vec()), b"not a zip");
    }
}
