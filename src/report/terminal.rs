//! The one-screen summary that ends a run, escaped for a terminal.

use super::Report;
use crate::rules::{Rule, Scenario, Severity};
use std::fmt::Write as _;
use std::path::PathBuf;

pub fn summary(r: &Report, written: &[PathBuf]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\npreflight {}  {}", r.version, r.status().1);
    for reason in &r.verdict_reasons {
        let _ = writeln!(out, "  not checked: {}: {}", reason.check, reason.reason);
    }
    // Up front: what the audit ran without (SPEC section 3).
    for a in r.coverage.iter().flat_map(|c| &c.set_aside) {
        let _ = writeln!(
            out,
            "  set aside: {} column {}: {}",
            a.file, a.column, a.reason
        );
    }
    for k in r.coverage.iter().flat_map(|c| &c.rows_set_aside) {
        let _ = writeln!(
            out,
            "  set aside: {}: {} rows whose {} is \"{}\" (not users)",
            k.file, k.rows, k.column, k.value
        );
    }
    let _ = writeln!(
        out,
        "  {} persons; {} errors already broken today, {} errors with the change or in the data",
        r.persons,
        r.errors_in(Scenario::Current),
        r.errors_in(Scenario::Planned) + r.errors_in(Scenario::Any),
    );
    let counts = r.counts();
    if counts.is_empty() {
        let _ = writeln!(out, "  no findings");
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        for rule in Rule::ALL.iter().filter(|rule| rule.severity() == sev) {
            if let Some(n) = counts.get(rule.id()) {
                let by: Vec<String> = [Scenario::Current, Scenario::Planned, Scenario::Any]
                    .iter()
                    .filter_map(|s| {
                        let k = r
                            .findings
                            .iter()
                            .filter(|f| f.rule == *rule && f.scenario == *s)
                            .count();
                        (k > 0).then(|| format!("{} {k}", s.id()))
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "  {:<8}{:<28}{:>6}  ({})",
                    sev.id(),
                    rule.id(),
                    n,
                    by.join(", ")
                );
            }
        }
    }
    if let Some(w) = &r.waived {
        let _ = writeln!(out, "  waived: {} findings (waived.csv)", w.len());
    }
    if let Some(d) = &r.delta {
        let _ = writeln!(
            out,
            "  since the baseline: {} new, {} still open, {} fixed",
            d.count("new"),
            d.count("open"),
            d.count("fixed")
        );
    }
    for u in r.coverage.iter().flat_map(|c| &c.unrecognised) {
        let _ = writeln!(
            out,
            "  unrecognised: {} column {}: \"{}\" ({} rows) is no value this system uses; read as {}",
            u.file, u.column, u.value, u.rows, u.read_as
        );
    }
    // The deciding ones are listed under the verdict already.
    for s in r.skipped.iter().filter(|s| !s.decides) {
        let _ = writeln!(out, "  skipped: {}: {}", s.check, s.reason);
    }
    if let Some(i) = r.settings.inferred.get("okta.current.user_name") {
        if i.this_run.is_none() {
            let _ = writeln!(
                out,
                "  okta.current.user_name = {}: {}",
                i.attribute,
                i.describe()
            );
        }
        if let Some(own) = &i.this_run {
            let _ = writeln!(
                out,
                "  warning: this run's exports alone would infer okta.current.user_name = {own}; the baseline's `{}` is kept (--no-baseline-settings to infer again, or state the setting)",
                i.attribute
            );
        }
    }
    for p in written {
        let _ = writeln!(out, "  wrote {}", p.display());
    }
    // Reasons and settings may quote headers and values of the inputs.
    crate::terminal_safe::escape(&out).into_owned()
}
