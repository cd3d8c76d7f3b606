//! The CSV outputs: UTF-8 with a BOM (so Excel shows accents), CRLF line
//! ends, quoting where needed, and every cell that a spreadsheet would run
//! as a formula neutralised with a leading `'` (and a cell that starts
//! with `'` itself, so [`restore`] undoes the prefix exactly).

use super::{Cells, Report, UserRow};
use anyhow::Result;
use rayon::prelude::*;
use std::io::Write;

/// Whether a value gets the leading `'`: a spreadsheet would run it as a
/// formula (it starts with `=`, `+`, `-`, `@`, tab or carriage return), or
/// it starts with `'` itself, so that the prefix is undone exactly.
pub(super) fn formula_start(value: &str) -> bool {
    matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')
    )
}

/// A value that starts with `=`, `+`, `-`, `@`, tab, carriage return or
/// `'` is written with a leading `'`.
pub fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    if formula_start(value) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// Undoes [`neutralise`], for reading preflight's own CSV files back: one
/// leading `'` is dropped when what follows starts with a prefixed
/// character (`'` included, so `''x` reads back as `'x`).
pub fn restore(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if formula_start(rest) => rest,
        _ => value,
    }
}

/// `sentence` as plain text, appended to `out`: each backtick, which
/// quotes a value in the catalogue's sentences, becomes a double quote.
pub fn plain_into(sentence: &str, out: &mut String) {
    for (n, part) in sentence.split('`').enumerate() {
        if n > 0 {
            out.push('"');
        }
        out.push_str(part);
    }
}

/// A formula-safe CSV being written: UTF-8 BOM, CRLF, one header row.
///
/// Written as the csv crate writes with its defaults (a field is quoted
/// when it holds `,`, `"`, CR or LF, and a `"` inside is doubled; the
/// `csv_out_writes_as_the_csv_crate` property test holds the two equal),
/// straight into one buffer: the outputs of a large tenant are gigabytes,
/// and the crate's writer copied each field through a buffer of its own.
pub struct CsvOut<W: Write> {
    buf: Vec<u8>,
    out: W,
    /// Fields written in the current row.
    fields: usize,
    /// Where the current row starts in `buf`.
    row_start: usize,
    /// The field delimiter: `,`, or `;` for European Excel
    /// (`--csv-delimiter`).
    delimiter: u8,
    /// A cell built from parts, reused.
    scratch: String,
    /// A message or remediation filled from its template, reused.
    filled: String,
    /// `buf` is handed to `out` beyond this size ([`FLUSH_AT`]; never for
    /// a part formatted in memory, whose `buf` is the part).
    flush_at: usize,
}

/// The buffer is handed to the writer beyond this size.
const FLUSH_AT: usize = 1 << 20;

impl<W: Write> CsvOut<W> {
    pub fn new(out: W, header: &[&str]) -> Result<CsvOut<W>> {
        Self::with_delimiter(out, header, b',')
    }

    /// [`CsvOut::new`] with another field delimiter.
    pub fn with_delimiter(mut out: W, header: &[&str], delimiter: u8) -> Result<CsvOut<W>> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut w = Self::rows_only(out);
        w.delimiter = delimiter;
        for h in header {
            w.field(None, h.as_bytes());
        }
        w.end()?;
        Ok(w)
    }

    /// Rows without BOM or header: a part of a file formatted apart.
    pub fn rows_only(out: W) -> CsvOut<W> {
        CsvOut {
            buf: Vec::new(),
            out,
            fields: 0,
            row_start: 0,
            delimiter: b',',
            scratch: String::new(),
            filled: String::new(),
            flush_at: FLUSH_AT,
        }
    }

    /// Writes one row, each cell neutralised.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for c in cells {
            self.cell(c)?;
        }
        self.end()
    }

    /// Writes one cell of the current row, neutralised.
    pub fn cell(&mut self, value: &str) -> Result<()> {
        self.field(formula_start(value).then_some(b'\''), value.as_bytes());
        Ok(())
    }

    /// Writes a message or remediation cell as plain text (SPEC section
    /// 6): `sentence` writes it into a reused buffer, not a new string, and
    /// the backticks that quote values in sentences (the report shows them
    /// as code) become double quotes.
    pub fn sentence(&mut self, sentence: impl FnOnce(&mut String)) -> Result<()> {
        let mut filled = std::mem::take(&mut self.filled);
        filled.clear();
        sentence(&mut filled);
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        plain_into(&filled, &mut s);
        let r = self.cell(&s);
        self.scratch = s;
        self.filled = filled;
        r
    }

    /// Writes one cell of `parts` joined by `separator`, neutralised, built
    /// in a reused buffer, not a new string.
    pub fn joined<'a>(
        &mut self,
        parts: impl IntoIterator<Item = &'a str>,
        separator: &str,
    ) -> Result<()> {
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        for (n, part) in parts.into_iter().enumerate() {
            if n > 0 {
                s.push_str(separator);
            }
            s.push_str(part);
        }
        let r = self.cell(&s);
        self.scratch = s;
        r
    }

    /// Writes a row number cell: empty for 0.
    pub fn row_number(&mut self, row: u32) -> Result<()> {
        self.delimit();
        if row != 0 {
            let mut digits = [0u8; 10];
            let mut n = row;
            let mut i = digits.len();
            while n > 0 {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
            }
            self.buf.extend_from_slice(&digits[i..]);
        }
        Ok(())
    }

    /// Ends the current row.
    pub fn end(&mut self) -> Result<()> {
        if self.buf.len() == self.row_start {
            // A row of nothing (one empty field), as the csv crate writes it.
            self.buf.extend_from_slice(b"\"\"");
        }
        self.buf.extend_from_slice(b"\r\n");
        self.fields = 0;
        if self.buf.len() >= self.flush_at {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.row_start = self.buf.len();
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(())
    }

    fn delimit(&mut self) {
        if self.fields > 0 {
            self.buf.push(self.delimiter);
        }
        self.fields += 1;
    }

    /// One field: `prefix` (the formula guard) and `value`, quoted when
    /// the value holds a delimiter, a quote or a line end.
    fn field(&mut self, prefix: Option<u8>, value: &[u8]) {
        self.delimit();
        let quote = memchr::memchr3(self.delimiter, b'"', b'\n', value).is_some()
            || memchr::memchr(b'\r', value).is_some();
        if !quote {
            self.buf.extend(prefix);
            self.buf.extend_from_slice(value);
            return;
        }
        self.buf.push(b'"');
        self.buf.extend(prefix);
        let mut rest = value;
        while let Some(i) = memchr::memchr(b'"', rest) {
            self.buf.extend_from_slice(&rest[..=i]);
            self.buf.push(b'"');
            rest = &rest[i + 1..];
        }
        self.buf.extend_from_slice(rest);
        self.buf.push(b'"');
    }
}

impl CsvOut<Vec<u8>> {
    /// Rows formatted into memory, for a part of a file.
    pub fn part(capacity: usize) -> CsvOut<Vec<u8>> {
        Self::part_in(Vec::with_capacity(capacity), b',')
    }

    /// Rows formatted into `buf` (emptied first: a buffer of an earlier
    /// part is reused, its memory already the process's), with the field
    /// delimiter given.
    pub fn part_in(mut buf: Vec<u8>, delimiter: u8) -> CsvOut<Vec<u8>> {
        buf.clear();
        CsvOut {
            buf,
            delimiter,
            flush_at: usize::MAX,
            ..Self::rows_only(Vec::new())
        }
    }

    /// The bytes formatted (no copy when nothing was handed on yet).
    pub fn into_bytes(self) -> Vec<u8> {
        if self.out.is_empty() {
            self.buf
        } else {
            let mut out = self.out;
            out.extend_from_slice(&self.buf);
            out
        }
    }
}

/// Writes rows as a formula-safe CSV with a BOM.
pub fn table<'a>(header: &[&str], rows: impl Iterator<Item = Vec<&'a str>>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut w = CsvOut::new(&mut out, header)?;
    for row in rows {
        w.row(row)?;
    }
    w.finish()?;
    Ok(out)
}

/// Writes one row per item after a header already written: rows formatted
/// in parallel, a batch of parts at a time, and written in order. The
/// parts' buffers are reused from batch to batch: a large output (1.4 GB
/// of findings at a million persons) is formatted in the same few
/// megabytes instead of fresh memory the system must clear for each part.
pub(super) fn in_parts<T: Sync, W: Write>(
    out: W,
    delimiter: u8,
    items: &[T],
    row: impl Fn(&mut CsvOut<Vec<u8>>, &T) -> Result<()> + Sync,
) -> Result<()> {
    in_parts_with(
        out,
        delimiter,
        items.len(),
        || (),
        |p, (), i| row(p, &items[i]),
    )
}

/// [`in_parts`] for rows `0..n`, each part with a scratch value of its own
/// (`scratch()`, reused row after row).
pub(super) fn in_parts_with<S, W: Write>(
    mut out: W,
    delimiter: u8,
    n: usize,
    scratch: impl Fn() -> S + Sync,
    row: impl Fn(&mut CsvOut<Vec<u8>>, &mut S, usize) -> Result<()> + Sync,
) -> Result<()> {
    // Rows per part: 4096 findings rows are about 2.6 MB. The files are
    // written side by side, each with a batch of parts in memory: at
    // 16,384 rows a part, the parts' buffers were a third of a 100k-person
    // run's peak (350 against 304 MiB).
    const PART: usize = 1 << 12;
    const PARTS: usize = 4;
    let mut spare: Vec<Vec<u8>> = Vec::new();
    for batch in (0..n).step_by(PART * PARTS) {
        let parts: Vec<std::ops::Range<usize>> = (batch..n.min(batch + PART * PARTS))
            .step_by(PART)
            .map(|start| start..n.min(start + PART))
            .collect();
        let buffers: Vec<Vec<u8>> = parts
            .iter()
            .map(|part| {
                spare
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(part.len() * 256))
            })
            .collect();
        let parts: Vec<Result<Vec<u8>>> = parts
            .into_par_iter()
            .zip(buffers)
            .map(|(part, buf)| {
                let mut p = CsvOut::part_in(buf, delimiter);
                let mut s = scratch();
                for i in part {
                    row(&mut p, &mut s, i)?;
                    p.end()?;
                }
                Ok(p.into_bytes())
            })
            .collect();
        for part in parts {
            let part = part?;
            out.write_all(&part)?;
            spare.push(part);
        }
    }
    Ok(())
}

pub const FINDINGS_HEADER: [&str; 11] = [
    "severity",
    "rule",
    "scenario",
    "source",
    "subject",
    "file",
    "row",
    "field",
    "value",
    "message",
    "remediation",
];

/// The cells of a finding, in [`FINDINGS_HEADER`] order, given its row as
/// text (empty for 0) and its message and remediation as plain text: what
/// the workbook writes, and what [`finding_row`] writes straight into the
/// CSV without these strings (tests hold the two to the same text).
pub fn finding_cells<'a>(
    f: &'a crate::rules::Finding,
    row: &'a str,
    message: &'a str,
    remediation: &'a str,
) -> [&'a str; 11] {
    cells_of(f, &f.columns(), row, message, remediation)
}

/// [`finding_cells`] of the finding's columns read once.
fn cells_of<'a>(
    f: &crate::rules::Finding,
    c: &crate::rules::Columns<'a>,
    row: &'a str,
    message: &'a str,
    remediation: &'a str,
) -> [&'a str; 11] {
    [
        f.severity().id(),
        f.rule.id(),
        f.scenario.id(),
        f.source.id(),
        c.subject,
        c.file,
        row,
        c.field,
        c.value,
        message,
        remediation,
    ]
}

/// The cells of a finding, in [`FINDINGS_HEADER`] order: those of
/// [`finding_cells`], the row number and sentences formatted in place.
fn finding_row<W: Write>(w: &mut CsvOut<W>, f: &crate::rules::Finding) -> Result<()> {
    // Where the row number and the sentences go among the cells.
    const ROW: usize = 6;
    const MESSAGE: usize = 9;
    let columns = f.columns();
    let cells = cells_of(f, &columns, "", "", "");
    for c in &cells[..ROW] {
        w.cell(c)?;
    }
    w.row_number(f.row)?;
    for c in &cells[ROW + 1..MESSAGE] {
        w.cell(c)?;
    }
    w.sentence(|s| columns.message.write_into(s))?;
    w.sentence(|s| columns.remediation.write_into(s))
}

/// `findings.csv`; with a baseline, a last column `status` (`new`, `open`)
/// and the baseline's findings that are gone, as `fixed`.
pub fn findings<W: Write>(r: &Report, mut out: W) -> Result<()> {
    let mut header = FINDINGS_HEADER.to_vec();
    if r.delta.is_some() {
        header.push("status");
    }
    let d = r.csv_delimiter;
    CsvOut::with_delimiter(&mut out, &header, d)?.finish()?;
    match &r.delta {
        None => in_parts(out, d, &r.findings, finding_row),
        Some(delta) => {
            let mut w = CsvOut::rows_only(out);
            w.delimiter = d;
            for (f, status) in r.findings.iter().zip(&delta.status) {
                finding_row(&mut w, f)?;
                w.cell(status)?;
                w.end()?;
            }
            for fixed in &delta.fixed {
                w.row(fixed.iter().map(String::as_str).chain(["fixed"]))?;
            }
            w.finish()
        }
    }
}

/// `waived.csv`: the waived findings with the waiver's reason and expiry.
pub fn waived<W: Write>(r: &Report, out: W) -> Result<()> {
    let mut header = FINDINGS_HEADER.to_vec();
    header.extend(["waiver_reason", "waiver_expires"]);
    let mut w = CsvOut::with_delimiter(out, &header, r.csv_delimiter)?;
    for x in r.waived.iter().flatten() {
        finding_row(&mut w, &x.finding)?;
        w.cell(&x.reason)?;
        w.cell(x.expires.as_deref().unwrap_or(""))?;
        w.end()?;
    }
    w.finish()
}

/// `users.csv`.
pub fn users<W: Write>(r: &Report, mut out: W) -> Result<()> {
    CsvOut::with_delimiter(&mut out, &UserRow::HEADER, r.csv_delimiter)?.finish()?;
    let users = &r.users;
    in_parts_with(
        out,
        r.csv_delimiter,
        users.len(),
        Cells::default,
        |p, cells, i| {
            let (texts, outcomes) = users.get(i).cells_into(cells);
            p.cell(texts[UserRow::DISPLAY_NAME])?;
            for c in UserRow::cells_of(&texts, &outcomes) {
                p.cell(c)?;
            }
            Ok(())
        },
    )
}

/// The last columns of the worklists (`fixes/*.csv`, `remediation.csv`):
/// left empty, for the ticket system the rows are imported into.
pub const TRACKING: [&str; 4] = ["status", "assignee", "due", "notes"];

/// The columns of `remediation.csv`: the change, then [`TRACKING`].
pub const REMEDIATION_HEADER: [&str; 8] = [
    "insync_email_current",
    "insync_email_new",
    "okta_login",
    "reason",
    TRACKING[0],
    TRACKING[1],
    TRACKING[2],
    TRACKING[3],
];

/// The cells of a `remediation.csv` row, in [`REMEDIATION_HEADER`] order
/// (the tracking columns empty), of the change's cells ([`super::Worklist::cells`]).
pub fn remediation_cells<'a>(cells: &'a [std::borrow::Cow<'_, str>; 4]) -> [&'a str; 8] {
    let [current, new, login, reason] = cells;
    [current, new, login, reason, "", "", "", ""]
}

/// `remediation.csv`.
pub fn remediation<W: Write>(r: &Report, mut out: W) -> Result<()> {
    CsvOut::with_delimiter(&mut out, &REMEDIATION_HEADER, r.csv_delimiter)?.finish()?;
    in_parts(out, r.csv_delimiter, r.remediation.rows(), |p, x| {
        for c in remediation_cells(&r.remediation.cells(x)) {
            p.cell(c)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for v in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(v).starts_with('\''), "{v}");
        }
        assert_eq!(neutralise("anna@contoso.com"), "anna@contoso.com");
        assert_eq!(neutralise(""), "");
        for v in ["=1", "'quoted", "'=1", "''", "'", "anna@contoso.com", "-"] {
            assert_eq!(restore(&neutralise(v)), v);
        }
        assert_eq!(neutralise("'=1"), "''=1");
    }

    proptest::proptest! {
        /// [`CsvOut`] writes byte for byte what the csv crate's writer
        /// writes with the settings preflight used it with (CRLF, quoting
        /// where necessary), the cells neutralised alike.
        #[test]
        fn csv_out_writes_as_the_csv_crate(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-c,;\"\r\n=+@\t' -]{0,6}|\\PC{0,6}", 4),
                0..6,
            ),
            numbers in proptest::collection::vec(0u32..3_000_000, 6),
            delimiter in proptest::sample::select(vec![b',', b';', b'\t']),
        ) {
            let header = ["a", "b,c", "d\"e", "row", "f;g"];
            let mut ours = Vec::new();
            let mut w = CsvOut::with_delimiter(&mut ours, &header, delimiter).unwrap();
            for (row, n) in rows.iter().zip(&numbers) {
                for c in &row[..3] {
                    w.cell(c).unwrap();
                }
                w.row_number(*n).unwrap();
                w.cell(&row[3]).unwrap();
                w.end().unwrap();
            }
            w.finish().unwrap();

            let mut theirs = b"\xEF\xBB\xBF".to_vec();
            let mut c = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .delimiter(delimiter)
                .from_writer(&mut theirs);
            c.write_record(header).unwrap();
            for (row, n) in rows.iter().zip(&numbers) {
                let number = if *n == 0 { String::new() } else { n.to_string() };
                let mut cells: Vec<String> =
                    row[..3].iter().map(|v| neutralise(v).into_owned()).collect();
                cells.push(number);
                cells.push(neutralise(&row[3]).into_owned());
                c.write_record(&cells).unwrap();
            }
            c.flush().unwrap();
            drop(c);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    #[test]
    fn parts_hand_back_their_bytes_and_one_empty_field_is_quoted() {
        let mut p = CsvOut::part(16);
        p.row(["x", "=1"]).unwrap();
        p.row([""]).unwrap();
        assert_eq!(p.into_bytes(), b"x,'=1\r\n\"\"\r\n");
    }

    #[test]
    fn templates_are_written_filled() {
        let f = crate::rules::Finding::example(crate::rules::Rule::DuplicateOnRemap, "a@c.com")
            .templated(&["a@c.com", "b,\"c\""], "move {0} to {1}", "");
        let mut p = CsvOut::part(16);
        p.sentence(|s| f.message_into(s)).unwrap();
        p.sentence(|s| s.push_str("-fixed")).unwrap();
        p.end().unwrap();
        assert_eq!(
            String::from_utf8(p.into_bytes()).unwrap(),
            "\"move a@c.com to b,\"\"c\"\"\",'-fixed\r\n"
        );
    }

    #[test]
    fn tables_have_a_bom_crlf_and_quote_what_needs_it() {
        let bytes = table(
            &["a", "b"],
            vec![vec!["x,y", "=1+1"], vec!["line\nbreak", "ok"]].into_iter(),
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}a,b\r\n\"x,y\",'=1+1\r\n\"line\nbreak\",ok\r\n"
        );
    }
}
