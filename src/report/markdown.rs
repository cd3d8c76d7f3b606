//! `summary.md`: a short Markdown summary to paste into a ticket body.
//!
//! Inert whatever the inputs hold: every value (a subject, a message, a
//! reason: anything with text from an input in it) is written by [`code`]
//! as one code span that nothing in the value can close, on one line, its
//! `|` escaped; no value is ever written outside one. So no CommonMark or
//! GitHub renderer makes a link, an image, a heading, a table cell or HTML
//! of it (`summary_md_is_inert_whatever_the_values_hold` in the tests).

use super::{Report, Verdict};
use crate::rules::{Rule, Scenario, Severity};
use std::fmt::Write as _;

/// A value as an inline code span: line breaks and other control
/// characters (and Unicode line separators and bidirectional controls)
/// removed, `|` escaped as `\|` (GitHub splits table cells at a `|` even in
/// a code span), and fenced by more backticks than the longest run in the
/// value, padded with a space when the value starts or ends with one, as
/// CommonMark reads code spans.
fn code(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|&c| !c.is_control() && !invisible(c))
        .collect::<String>()
        .replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in clean.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if clean.is_empty() || clean.starts_with('`') || clean.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{clean}{pad}{fence}")
}

/// Line and paragraph separators and the bidirectional controls: not
/// control characters to Rust, but they break or reorder a line.
fn invisible(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let verdict = match r.verdict {
        Verdict::Go => "The exports show nothing the change would break.",
        Verdict::NoGo => "Fix the errors below before changing the Okta → inSync mapping.",
        Verdict::Inconclusive => "Do not read this as a go: what was not checked is listed below.",
    };
    let _ = writeln!(
        out,
        "## preflight: {}\n\n**{}.** {verdict}\n",
        r.verdict.id(),
        r.status().1
    );
    for reason in &r.verdict_reasons {
        let _ = writeln!(
            out,
            "- not checked: {}: {}",
            code(&reason.check),
            code(&reason.reason)
        );
    }
    // Up front, as the run summary and the report say it: what the audit
    // ran without (SPEC section 3).
    let mut set_aside = 0;
    for a in r.coverage.iter().flat_map(|c| &c.set_aside) {
        let _ = writeln!(
            out,
            "- set aside: {}, column {}: {}",
            code(&a.file),
            code(&a.column),
            code(&a.reason)
        );
        set_aside += 1;
    }
    for k in r.coverage.iter().flat_map(|c| &c.rows_set_aside) {
        let _ = writeln!(
            out,
            "- set aside: {}: {} {} whose {} is {} (not users, not audited)",
            code(&k.file),
            k.rows,
            if k.rows == 1 { "row" } else { "rows" },
            code(&k.column),
            code(&k.value)
        );
        set_aside += 1;
    }
    if !r.verdict_reasons.is_empty() || set_aside > 0 {
        out.push('\n');
    }
    let sev = r.severities();
    let _ = writeln!(
        out,
        "- {} persons audited; {} errors, {} warnings, {} info\n- already broken today: {} errors (scenario `current`)\n- with the change or in the data: {} errors (scenarios `planned` and `any`)",
        r.persons,
        sev["error"],
        sev["warning"],
        sev["info"],
        r.errors_in(Scenario::Current),
        r.errors_in(Scenario::Planned) + r.errors_in(Scenario::Any),
    );
    if r.redacted {
        let _ = writeln!(out, "- addresses are pseudonymised (`--redact`)");
    }
    let counts = r.counts();
    if !counts.is_empty() {
        let _ = writeln!(out, "\n| rule | severity | findings |\n| --- | --- | --- |");
        for sev in [Severity::Error, Severity::Warning, Severity::Info] {
            for rule in Rule::ALL.iter().filter(|x| x.severity() == sev) {
                if let Some(n) = counts.get(rule.id()) {
                    let _ = writeln!(out, "| `{}` | {} | {n} |", rule.id(), sev.id());
                }
            }
        }
    }
    let top: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity() == Severity::Error)
        .take(10)
        .collect();
    if !top.is_empty() {
        let _ = writeln!(out, "\nFirst errors:\n");
        for f in &top {
            let _ = writeln!(
                out,
                "- {} ({}, {}): {}",
                code(f.rule.id()),
                f.scenario.id(),
                code(f.subject()),
                code(&f.message())
            );
        }
    }
    let _ = writeln!(out, "\nChange plan:\n");
    for step in &r.change_plan {
        let done = step.done.map_or(String::new(), |d| format!(", {d} done"));
        let _ = writeln!(
            out,
            "{}. **{}** ({} persons{done}): {}",
            step.step,
            step.title,
            step.persons,
            // The detail names settings (attributes a config may spell
            // any way): a value, so in a code span.
            code(&step.detail)
        );
        if !step.window.is_empty() {
            let _ = writeln!(out, "   Until the next step: {}", step.window);
        }
    }
    for s in r.skipped.iter().filter(|s| !s.decides) {
        let _ = writeln!(out, "\nSkipped: {}: {}", code(&s.check), code(&s.reason));
    }
    out
}
