//! The size budgets that keep report.html under 20 MB whatever the
//! tenant, and the cutting of long values for table cells.

/// Bytes of finding rows, all rules together (each rule fired gets an
/// equal share). With the persons' and remediation budgets and the rest of
/// the page this keeps report.html under 20 MB; the estimates per row are
/// on the high side (tests/report_html.rs renders an oversized tenant).
pub(super) const FINDINGS_BUDGET: usize = 13_500_000;
/// Bytes of person rows.
pub(super) const PERSONS_BUDGET: usize = 4_000_000;
/// Bytes of remediation lines.
pub(super) const REMEDIATION_BUDGET: usize = 1_000_000;
/// Characters of one value shown in a table cell.
pub(super) const CELL_CHARS: usize = 1_500;
/// Markup around one finding row and one person row, for the budgets.
pub(super) const FINDING_ROW_MARKUP: usize = 432;
pub(super) const PERSON_ROW_MARKUP: usize = 552;

/// A value cut to `CELL_CHARS` characters for a table cell.
pub(super) fn clip(s: &str) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        None => s.to_string(),
        Some((at, _)) => format!(
            "{}… (cut here; the full text is in the CSV files)",
            &s[..at]
        ),
    }
}

/// The length of a value once HTML-escaped, for the size budgets.
pub(super) fn escaped_len(s: &str) -> usize {
    s.len()
        + s.bytes()
            .map(|b| match b {
                b'&' => 4,
                b'<' | b'>' => 3,
                b'"' | b'\'' | b'`' | b'=' => 5,
                // The `<wbr>` after it, where addresses may wrap.
                b'@' | b'.' => 5,
                _ => 0,
            })
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(CELL_CHARS + 10);
        let cut = clip(&long);
        assert!(cut.starts_with(&"é".repeat(CELL_CHARS)));
        assert!(cut.contains("full text is in the CSV files"));
        assert_eq!(clip("short"), "short");
    }
}
