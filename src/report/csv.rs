//! The CSV outputs: UTF-8 with a BOM (so Excel shows accents), CRLF line
//! ends, quoting where needed, and every cell that a spreadsheet would run
//! as a formula neutralised with a leading `'`.

use super::Report;
use anyhow::Result;
use rayon::prelude::*;
use std::io::Write;

/// A value that starts with `=`, `+`, `-`, `@`, tab or carriage return is
/// written with a leading `'`.
pub fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

/// Undoes [`neutralise`], for reading preflight's own CSV files back.
pub fn restore(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => value,
    }
}

/// A formula-safe CSV being written: UTF-8 BOM, CRLF, one header row.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
    number: String,
}

impl<W: Write> CsvOut<W> {
    pub fn new(mut out: W, header: &[&str]) -> Result<CsvOut<W>> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut w = Self::rows_only(out);
        w.w.write_record(header)?;
        Ok(w)
    }

    /// Rows without BOM or header: a part of a file formatted apart.
    pub fn rows_only(out: W) -> CsvOut<W> {
        CsvOut {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(out),
            number: String::new(),
        }
    }

    /// Writes one row, each cell neutralised.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for c in cells {
            self.cell(c)?;
        }
        self.end()
    }

    /// Writes one cell of the current row.
    pub fn cell(&mut self, value: &str) -> Result<()> {
        match neutralise(value) {
            std::borrow::Cow::Borrowed(v) => self.w.write_field(v)?,
            std::borrow::Cow::Owned(v) => self.w.write_field(v)?,
        }
        Ok(())
    }

    /// Writes a row number cell: empty for 0.
    pub fn row_number(&mut self, row: u32) -> Result<()> {
        self.number.clear();
        if row != 0 {
            use std::fmt::Write as _;
            let _ = write!(self.number, "{row}");
        }
        self.w.write_field(&self.number)?;
        Ok(())
    }

    /// Ends the current row.
    pub fn end(&mut self) -> Result<()> {
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// The writer back, everything written to it.
    pub fn into_inner(self) -> Result<W> {
        self.w.into_inner().map_err(|e| e.into_error().into())
    }

    pub fn finish(mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
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
/// in parallel, a batch of parts at a time, and written in order.
fn in_parts<T: Sync, W: Write>(
    mut out: W,
    items: &[T],
    row: impl Fn(&mut CsvOut<Vec<u8>>, &T) -> Result<()> + Sync,
) -> Result<()> {
    const PART: usize = 1 << 14;
    for batch in items.chunks(PART * 8) {
        let parts: Vec<Result<Vec<u8>>> = batch
            .par_chunks(PART)
            .map(|part| {
                let mut p = CsvOut::rows_only(Vec::with_capacity(part.len() * 256));
                for item in part {
                    row(&mut p, item)?;
                    p.end()?;
                }
                p.into_inner()
            })
            .collect();
        for part in parts {
            out.write_all(&part?)?;
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

/// The cells of a finding, in [`FINDINGS_HEADER`] order.
fn finding_row<W: Write>(w: &mut CsvOut<W>, f: &crate::rules::Finding) -> Result<()> {
    for c in [
        f.severity().id(),
        f.rule.id(),
        f.scenario.id(),
        f.source.id(),
        &f.subject,
        &f.file,
    ] {
        w.cell(c)?;
    }
    w.row_number(f.row)?;
    for c in [&*f.field, &f.value, &f.message(), &f.remediation()] {
        w.cell(c)?;
    }
    Ok(())
}

/// `findings.csv`; with a baseline, a last column `status` (`new`, `open`)
/// and the baseline's findings that are gone, as `fixed`.
pub fn findings<W: Write>(r: &Report, mut out: W) -> Result<()> {
    let mut header = FINDINGS_HEADER.to_vec();
    if r.delta.is_some() {
        header.push("status");
    }
    CsvOut::new(&mut out, &header)?.finish()?;
    match &r.delta {
        None => in_parts(out, &r.findings, finding_row),
        Some(d) => {
            let mut w = CsvOut::rows_only(out);
            for (f, status) in r.findings.iter().zip(&d.status) {
                finding_row(&mut w, f)?;
                w.cell(status)?;
                w.end()?;
            }
            for fixed in &d.fixed {
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
    let mut w = CsvOut::new(out, &header)?;
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
    CsvOut::new(&mut out, &super::UserRow::HEADER)?.finish()?;
    in_parts(out, &r.users, |p, u| {
        for c in u.cells() {
            p.cell(c)?;
        }
        Ok(())
    })
}

/// The columns of `remediation.csv`.
pub const REMEDIATION_HEADER: [&str; 4] = [
    "insync_email_current",
    "insync_email_new",
    "okta_login",
    "reason",
];

/// `remediation.csv`.
pub fn remediation<W: Write>(r: &Report, mut out: W) -> Result<()> {
    CsvOut::new(&mut out, &REMEDIATION_HEADER)?.finish()?;
    in_parts(out, &r.remediation, |p, x| {
        for c in x.cells() {
            p.cell(c)?;
        }
        Ok(())
    })
}

/// The columns of the per-system fix lists.
pub const FIXES_HEADER: [&str; 7] = [
    "source",
    "subject",
    "field",
    "current_value",
    "value_to_set",
    "rule",
    "remediation",
];

/// `fixes/<system>.csv`: the records that system's admin team changes, from
/// every error and warning (info findings ask for no change). A finding
/// with a known fix goes to the system that holds the value to change.
pub fn fixes<W: Write>(r: &Report, system: crate::model::Source, mut out: W) -> Result<()> {
    // Each row with its subject's key prefix, computed once per row; the
    // remediation (the last column) is written from its finding.
    type Row<'r> = ([u8; 32], [&'r str; 6], &'r crate::rules::Finding);
    let mut rows: Vec<Row<'_>> = Vec::new();
    for f in &r.findings {
        if f.severity() == crate::rules::Severity::Info {
            continue;
        }
        let row = match &f.fix {
            Some(x) => [
                x.system.id(),
                &x.subject,
                &x.field,
                x.current(),
                &x.to,
                f.rule.id(),
            ],
            None => [
                f.source.id(),
                &f.subject,
                &f.field,
                &f.value,
                "",
                f.rule.id(),
            ],
        };
        if row[0] == system.id() {
            rows.push((crate::model::key_prefix_bytes(row[1]), row, f));
        }
    }
    // By subject (normalised), then every column; repeats dropped.
    rows.par_sort_unstable_by(|(pa, a, fa), (pb, b, fb)| {
        pa.cmp(pb)
            .then_with(|| crate::model::cmp_key(a[1], b[1]))
            .then_with(|| a.cmp(b))
            .then_with(|| fa.remediation().cmp(&fb.remediation()))
    });
    rows.dedup_by(|(_, a, fa), (_, b, fb)| a == b && fa.remediation() == fb.remediation());
    CsvOut::new(&mut out, &FIXES_HEADER)?.finish()?;
    in_parts(out, &rows, |p, (_, row, f)| {
        for c in row {
            p.cell(c)?;
        }
        p.cell(&f.remediation())
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
        for v in ["=1", "'quoted", "anna@contoso.com", "-"] {
            assert_eq!(restore(&neutralise(v)), v);
        }
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
