//! `report.html`: one self-contained file. Every value from an input is
//! HTML-escaped.

use super::Report;
use anyhow::Result;
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(r: &Report, generated: &str) -> Result<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>preflight report: {}</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 6px;vertical-align:top;font-size:13px}}</style></head><body>",
        r.verdict.id()
    );
    let _ = write!(
        h,
        "<h1>Verdict: {}</h1><p>Generated {} by preflight {}.</p>",
        r.verdict.id(),
        escape(generated),
        r.version
    );
    h.push_str("<h2>Findings</h2><table><tr>");
    for c in super::csv::FINDINGS_HEADER {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr>");
    for f in &r.findings {
        let row = if f.row == 0 {
            String::new()
        } else {
            f.row.to_string()
        };
        let cells = [
            f.severity().id(),
            f.rule.id(),
            f.scenario.id(),
            f.source.id(),
            &f.subject,
            &f.file,
            &row,
            &f.field,
            &f.value,
            &f.message,
            &f.remediation,
        ];
        h.push_str("<tr>");
        for c in cells {
            let _ = write!(h, "<td>{}</td>", escape(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></body></html>\n");
    Ok(h)
}
