//! Text exports: decode, skip the preamble, find the delimiter, read the
//! records with the csv crate, numbering rows as a spreadsheet shows them.

use super::detect::{self, Preamble};
use super::{Meta, Records, Row, RowProblem};
use anyhow::{Result, bail};
use indicatif::ProgressBar;

/// Reads a text export into its records (the header among them: see
/// [`super::choose_header`]).
pub fn read(name: &str, bytes: &[u8], progress: &ProgressBar) -> Result<(Records, Meta)> {
    let decoded = detect::decode(bytes);
    let text: &str = &decoded.text;
    let Preamble {
        offset,
        rows: preamble_rows,
        sep,
        type_line,
    } = detect::preamble(text);
    let body = &text[offset..];
    if body.trim().is_empty() {
        bail!(
            "{name}: the file holds no header row. Export the users again with their column headers."
        );
    }
    let delimiter = sep.unwrap_or_else(|| detect::delimiter(body));
    let records = read_records(body, delimiter, preamble_rows, progress);
    Ok((
        records,
        Meta {
            format: "csv",
            encoding: decoded.encoding,
            delimiter: Some(delimiter),
            sheet: None,
            type_line,
        },
    ))
}

/// Reads every non-blank record of the body (the text after the preamble),
/// numbered as a spreadsheet shows them; `preamble_rows` rows precede it.
pub(crate) fn read_records(
    body: &str,
    delimiter: u8,
    preamble_rows: u32,
    progress: &ProgressBar,
) -> Records {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut out = Records::default();
    // Physical lines inside quoted cells so far: a spreadsheet shows a
    // record with multi-line cells as one row.
    let mut embedded_newlines: u64 = 0;
    let mut lines = LineCounter::new(body.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut reported = 0;
    loop {
        let start = reader.position().byte();
        if start - reported >= 1 << 22 && !progress.is_hidden() {
            progress.inc(start - reported);
            reported = start;
        }
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let start = record.position().map_or(start, |p| p.byte());
                let row = (lines.line_of(start) - embedded_newlines) as u32 + preamble_rows;
                // Nearly every record has no line break in a cell: one scan
                // of its text says so, instead of two per cell.
                if memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes()).is_some() {
                    embedded_newlines += record
                        .iter()
                        .map(|f| line_breaks(f.as_bytes()))
                        .sum::<u64>();
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    out.blank_rows += 1;
                    continue;
                }
                match super::Cells::of_record(&record) {
                    Some(cells) => out.rows.push(Row { line: row, cells }),
                    None => out.problems.push(RowProblem {
                        row,
                        reason: "holds more than 4 GiB of text".to_string(),
                    }),
                }
            }
            Err(e) => {
                let at = e.position().map_or(start, |p| p.byte());
                let row =
                    (lines.line_of(at).saturating_sub(embedded_newlines)) as u32 + preamble_rows;
                out.problems.push(RowProblem {
                    row,
                    reason: format!("cannot be read: {e}"),
                });
            }
        }
    }
    if !progress.is_hidden() {
        progress.inc((body.len() as u64).saturating_sub(reported));
    }
    out
}

/// Line breaks in `bytes`: `\n`, `\r\n` and a lone `\r` (the classic
/// Mac line end of Excel's "CSV (Macintosh)") each count once.
fn line_breaks(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

/// Physical line numbers of byte offsets, counted forward once.
struct LineCounter<'a> {
    text: &'a [u8],
    cursor: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            cursor: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `offset` that is not a line
    /// end: the csv reader reports a record's start before the blank lines
    /// it skipped.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut at = (offset as usize).min(self.text.len());
        while at < self.text.len() && matches!(self.text[at], b'\r' | b'\n') {
            at += 1;
        }
        if at >= self.cursor {
            self.line += line_breaks(&self.text[self.cursor..at]);
            self.cursor = at;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, split};

    fn read_plain(name: &str, bytes: &[u8]) -> Result<(Records, Meta)> {
        read(name, bytes, &ProgressBar::hidden())
    }

    fn table(bytes: &[u8]) -> crate::load::RawTable {
        let (records, _) = read("t.csv", bytes, &ProgressBar::hidden()).unwrap();
        split(records, 0, &Limits::default(), true)
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let (records, meta) = read_plain(
            "t.csv",
            b"#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\"UserPrincipalName\",\"proxyAddresses\"\r\n\"a@c.com\",\"SMTP:a@c.com\r\nsmtp:b@c.com\"\r\n\"c@c.com\",\"\"\r\n",
        )
        .unwrap();
        assert_eq!(
            meta.type_line.as_deref(),
            Some("Selected.Microsoft.ActiveDirectory.Management.ADUser")
        );
        let raw = split(records, 0, &Limits::default(), true);
        assert_eq!(raw.header_row, 2);
        let lines: Vec<u32> = raw.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn rows_are_numbered_with_any_line_end() {
        for (end, name) in [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")] {
            let text = [
                "login,email",
                "a@c.com,a@c.com",
                "b@c.com,b@c.com,x",
                "\"c\r\nd\",c@c.com",
                "e@c.com,e@c.com",
                "",
            ]
            .join(end);
            let raw = table(text.as_bytes());
            let lines: Vec<u32> = raw.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![2, 4, 5], "{name}");
            assert_eq!(raw.problems[0].row, 3, "{name}");
        }
    }

    #[test]
    fn ragged_rows_are_reported_not_dropped() {
        let raw = table(
            b"login,email\na@c.com,a@c.com\nb@c.com,b@c.com,extra\n\nc@c.com\nd@c.com,d@c.com\n",
        );
        assert_eq!(raw.rows.len(), 2);
        assert_eq!(
            raw.problems.iter().map(|p| p.row).collect::<Vec<_>>(),
            vec![3, 5]
        );
        assert_eq!(raw.rows[1].line, 6);
    }

    #[test]
    fn sep_line_sets_the_delimiter() {
        let (records, meta) = read_plain(
            "t.csv",
            b"sep=;\r\nUser Name;User Email\r\n\"Doe, John\";john@c.com\r\n",
        )
        .unwrap();
        assert_eq!(meta.delimiter, Some(b';'));
        let raw = split(records, 0, &Limits::default(), true);
        assert_eq!(raw.rows[0].cells.get(0), Some("Doe, John"));
        assert_eq!(raw.rows[0].line, 3);
    }

    #[test]
    fn header_only_gives_no_rows() {
        let raw = table(b"login,email\n");
        assert!(raw.rows.is_empty() && raw.problems.is_empty());
    }

    #[test]
    fn an_unterminated_quote_says_what_it_swallowed() {
        let raw = table(
            b"login,email\na@c.com,a@c.com\n\"b@c.com,b@c.com\nc@c.com,c@c.com\nd@c.com,d@c.com\n",
        );
        assert_eq!(raw.rows.len(), 1);
        assert_eq!(raw.problems.len(), 1);
        assert!(
            raw.problems[0].reason.contains("never closed"),
            "{}",
            raw.problems[0].reason
        );
    }

    #[test]
    fn a_repeated_header_is_reported() {
        let raw =
            table(b"login,email\na@c.com,a@c.com\n\xEF\xBB\xBFlogin,email\nb@c.com,b@c.com\n");
        assert_eq!(raw.rows.len(), 2);
        assert!(
            raw.problems[0].reason.contains("repeats the header"),
            "{}",
            raw.problems[0].reason
        );
    }
}
