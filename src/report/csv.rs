//! The CSV outputs: UTF-8 with a BOM (so Excel shows accents), CRLF line
//! ends, quoting where needed, and every cell that a spreadsheet would run
//! as a formula neutralised with a leading `'`.

use super::Report;
use anyhow::Result;

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

/// Writes rows as a formula-safe CSV with a BOM.
pub fn table<'a>(header: &[&str], rows: impl Iterator<Item = Vec<&'a str>>) -> Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(header)?;
        for row in rows {
            w.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
        }
        w.flush()?;
    }
    Ok(out)
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

fn finding_cells(f: &crate::rules::Finding) -> Vec<String> {
    vec![
        f.severity().id().to_string(),
        f.rule.id().to_string(),
        f.scenario.id().to_string(),
        f.source.id().to_string(),
        f.subject.clone(),
        f.file.clone(),
        if f.row == 0 {
            String::new()
        } else {
            f.row.to_string()
        },
        f.field.clone(),
        f.value.clone(),
        f.message.clone(),
        f.remediation.clone(),
    ]
}

/// `findings.csv`; with a baseline, a last column `status` (`new`, `open`)
/// and the baseline's findings that are gone, as `fixed`.
pub fn findings(r: &Report) -> Result<Vec<u8>> {
    let mut rows: Vec<Vec<String>> = r.findings.iter().map(finding_cells).collect();
    let mut header = FINDINGS_HEADER.to_vec();
    if let Some(d) = &r.delta {
        header.push("status");
        for (row, status) in rows.iter_mut().zip(&d.status) {
            row.push(status.to_string());
        }
        for fixed in &d.fixed {
            let mut row = fixed.clone();
            row.push("fixed".to_string());
            rows.push(row);
        }
    }
    table(
        &header,
        rows.iter().map(|r| r.iter().map(String::as_str).collect()),
    )
}

/// `waived.csv`: the waived findings with the waiver's reason and expiry.
pub fn waived(r: &Report) -> Result<Vec<u8>> {
    let mut header = FINDINGS_HEADER.to_vec();
    header.extend(["waiver_reason", "waiver_expires"]);
    let rows: Vec<Vec<String>> = r
        .waived
        .iter()
        .flatten()
        .map(|w| {
            let mut row = finding_cells(&w.finding);
            row.push(w.reason.clone());
            row.push(w.expires.clone().unwrap_or_default());
            row
        })
        .collect();
    table(
        &header,
        rows.iter().map(|r| r.iter().map(String::as_str).collect()),
    )
}

/// `users.csv`.
pub fn users(r: &Report) -> Result<Vec<u8>> {
    table(
        &super::UserRow::HEADER,
        r.users.iter().map(|u| u.cells().to_vec()),
    )
}

/// `remediation.csv`.
pub fn remediation(r: &Report) -> Result<Vec<u8>> {
    table(
        &[
            "insync_email_current",
            "insync_email_new",
            "okta_login",
            "reason",
        ],
        r.remediation.iter().map(|x| {
            vec![
                x.insync_email_current.as_str(),
                x.insync_email_new.as_str(),
                x.okta_login.as_str(),
                x.reason.as_str(),
            ]
        }),
    )
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
pub fn fixes(r: &Report, system: crate::model::Source) -> Result<Vec<u8>> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut rows: Vec<[&str; 7]> = Vec::new();
    for f in &r.findings {
        if f.severity() == crate::rules::Severity::Info {
            continue;
        }
        let row = match &f.fix {
            Some(x) => [
                x.system.id(),
                &x.subject,
                &x.field,
                &x.current,
                &x.to,
                f.rule.id(),
                &f.remediation,
            ],
            None => [
                f.source.id(),
                &f.subject,
                &f.field,
                &f.value,
                "",
                f.rule.id(),
                &f.remediation,
            ],
        };
        if row[0] == system.id() && seen.insert(row) {
            rows.push(row);
        }
    }
    rows.sort_by_cached_key(|r| (crate::model::key(r[1]), *r));
    table(&FIXES_HEADER, rows.iter().map(|r| r.to_vec()))
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
