//! `summary.md`: a short Markdown summary to paste into a ticket body.

use super::{Report, Verdict};
use crate::rules::{Rule, Scenario, Severity};
use std::fmt::Write as _;

/// Markdown-safe inline text: backticks cannot close the code span early.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
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
        let _ = writeln!(out, "- not checked: {}: {}", reason.check, reason.reason);
    }
    if !r.verdict_reasons.is_empty() {
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
                f.message().replace('\n', " ")
            );
        }
    }
    let _ = writeln!(out, "\nChange plan:\n");
    for step in &r.change_plan {
        let done = step.done.map_or(String::new(), |d| format!(", {d} done"));
        let _ = writeln!(
            out,
            "{}. **{}** ({} persons{done}): {}",
            step.step, step.title, step.persons, step.detail
        );
        if !step.window.is_empty() {
            let _ = writeln!(out, "   Until the next step: {}", step.window);
        }
    }
    for s in r.skipped.iter().filter(|s| !s.decides) {
        let _ = writeln!(out, "\nSkipped: {}: {}.", s.check, s.reason);
    }
    out
}
