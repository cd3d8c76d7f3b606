//! Text exports: decode, skip the preamble, find the delimiter, read the
//! records with the csv crate, numbering rows as a spreadsheet shows them.

#[cfg(test)]
use super::Records;
use super::classify::Score;
use super::detect::{self, Preamble};
use super::{
    Cells, HEADER_SEARCH, LoadOptions, Meta, RawTable, Row, RowProblem, Splitter, choose_header,
};
use anyhow::{Result, bail};
use indicatif::ProgressBar;

/// Reads a text export: finds its header row among the first records
/// (see [`super::choose_header`]), then checks each record below it as it
/// is read, copying only the columns `opts` keeps.
pub fn read(
    name: &str,
    bytes: &[u8],
    opts: &LoadOptions,
    progress: &ProgressBar,
) -> Result<(RawTable, Meta, Score)> {
    let ((raw, score), meta) = body(name, bytes, |body, delimiter, preamble_rows| {
        let mut stream = Stream::new(body, delimiter, preamble_rows, progress);
        let mut head = Vec::new();
        while head.len() < HEADER_SEARCH {
            let Some(line) = stream.next() else { break };
            head.push(Row {
                line,
                cells: Cells::of_fitting(stream.record()),
            });
        }
        let (header, score) = choose_header(name, &head, opts.source, opts.limits.max_columns)?;
        let mut head = head.into_iter().skip(header);
        let mut split = Splitter::new(head.next().as_ref(), opts.limits, true);
        split.plan(score.source, &opts.keep);
        for row in head {
            split.push_row(row);
        }
        while let Some(line) = stream.next() {
            split.push_record(line, stream.record());
        }
        let (problems, blank_rows) = stream.finish();
        Ok((split.finish(problems, blank_rows), score))
    })?;
    Ok((raw, meta, score))
}

/// Reads a text export into all its records (the header among them).
#[cfg(test)]
pub(crate) fn read_all(name: &str, bytes: &[u8]) -> Result<(Records, Meta)> {
    body(name, bytes, |body, delimiter, preamble_rows| {
        let progress = ProgressBar::hidden();
        let mut stream = Stream::new(body, delimiter, preamble_rows, &progress);
        let mut rows = Vec::new();
        while let Some(line) = stream.next() {
            rows.push(Row {
                line,
                cells: Cells::of_fitting(stream.record()),
            });
        }
        let (problems, blank_rows) = stream.finish();
        Ok(Records {
            rows,
            problems,
            blank_rows,
        })
    })
}

/// Decodes a text export, skips its preamble, finds the delimiter and
/// reads the body with `read(body, delimiter, preamble rows)`.
fn body<T>(
    name: &str,
    bytes: &[u8],
    read: impl FnOnce(&str, u8, u32) -> Result<T>,
) -> Result<(T, Meta)> {
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
    let out = read(body, delimiter, preamble_rows)?;
    Ok((
        out,
        Meta {
            format: "csv",
            encoding: decoded.encoding,
            delimiter: Some(delimiter),
            sheet: None,
            type_line,
        },
    ))
}

/// The non-blank records of a body (the text after the preamble), one at a
/// time, numbered as a spreadsheet shows them; a record that cannot be read
/// (or holds 4 GiB or more) is noted as a problem, a blank one counted.
struct Stream<'a> {
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    /// Physical lines inside quoted cells so far: a spreadsheet shows a
    /// record with multi-line cells as one row.
    embedded_newlines: u64,
    lines: LineCounter<'a>,
    preamble_rows: u32,
    body_len: u64,
    progress: &'a ProgressBar,
    reported: u64,
    problems: Vec<RowProblem>,
    blank_rows: u32,
}

impl<'a> Stream<'a> {
    fn new(body: &'a str, delimiter: u8, preamble_rows: u32, progress: &'a ProgressBar) -> Self {
        Stream {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(body.as_bytes()),
            record: csv::StringRecord::new(),
            embedded_newlines: 0,
            lines: LineCounter::new(body.as_bytes()),
            preamble_rows,
            body_len: body.len() as u64,
            progress,
            reported: 0,
            problems: Vec::new(),
            blank_rows: 0,
        }
    }

    /// The row of the next record (then in [`Stream::record`]), or `None`
    /// at the end.
    fn next(&mut self) -> Option<u32> {
        loop {
            let start = self.reader.position().byte();
            if start - self.reported >= 1 << 22 && !self.progress.is_hidden() {
                self.progress.inc(start - self.reported);
                self.reported = start;
            }
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let record = &self.record;
                    let start = record.position().map_or(start, |p| p.byte());
                    let row = (self.lines.line_of(start) - self.embedded_newlines) as u32
                        + self.preamble_rows;
                    // Nearly every record has no line break in a cell: one
                    // scan of its text says so, instead of two per cell.
                    if memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes()).is_some() {
                        self.embedded_newlines += record
                            .iter()
                            .map(|f| line_breaks(f.as_bytes()))
                            .sum::<u64>();
                    }
                    if record.iter().all(|f| f.trim().is_empty()) {
                        self.blank_rows += 1;
                        continue;
                    }
                    if u32::try_from(record.as_slice().len()).is_err() {
                        self.problems.push(RowProblem {
                            row,
                            reason: "holds more than 4 GiB of text".to_string(),
                        });
                        continue;
                    }
                    return Some(row);
                }
                Err(e) => {
                    let at = e.position().map_or(start, |p| p.byte());
                    let row = (self
                        .lines
                        .line_of(at)
                        .saturating_sub(self.embedded_newlines))
                        as u32
                        + self.preamble_rows;
                    self.problems.push(RowProblem {
                        row,
                        reason: format!("cannot be read: {e}"),
                    });
                }
            }
        }
    }

    /// The record [`Stream::next`] read.
    fn record(&self) -> &csv::StringRecord {
        &self.record
    }

    /// The problems met and the blank rows counted.
    fn finish(self) -> (Vec<RowProblem>, u32) {
        if !self.progress.is_hidden() {
            self.progress
                .inc(self.body_len.saturating_sub(self.reported));
        }
        (self.problems, self.blank_rows)
    }
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
        read_all(name, bytes)
    }

    fn table(bytes: &[u8]) -> crate::load::RawTable {
        let (records, _) = read_all("t.csv", bytes).unwrap();
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
