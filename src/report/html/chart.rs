//! The `chart` section: findings per rule as an inline SVG bar chart.

use super::text::plural;
use crate::rules::{Finding, Rule, Scenario, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Findings of one rule: today (scenario current) and the rest.
pub(super) struct Fired {
    pub(super) rule: Rule,
    today: usize,
    planned: usize,
    any: usize,
}

impl Fired {
    pub(super) fn total(&self) -> usize {
        self.today + self.planned + self.any
    }

    pub(super) fn split(&self) -> String {
        [
            (self.today, "today"),
            (self.planned, "after the change"),
            (self.any, "in the data"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!("{label} {n}"))
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// The rules that fired, by severity, then in the order of SPEC section 5.
pub(super) fn rule_counts(findings: &[Finding]) -> Vec<Fired> {
    let mut by_rule: BTreeMap<(Severity, usize), Fired> = BTreeMap::new();
    for f in findings {
        let e = by_rule
            .entry((f.rule.severity(), f.rule as usize))
            .or_insert(Fired {
                rule: f.rule,
                today: 0,
                planned: 0,
                any: 0,
            });
        match f.scenario {
            Scenario::Current => e.today += 1,
            Scenario::Planned => e.planned += 1,
            Scenario::Any => e.any += 1,
        }
    }
    by_rule.into_values().collect()
}

#[derive(Serialize)]
pub(super) struct Chart {
    caption: String,
    /// Inline SVG built here; empty when no rule fired.
    svg: String,
}

impl Chart {
    pub(super) fn build(fired: &[Fired]) -> Chart {
        let total: usize = fired.iter().map(Fired::total).sum();
        Chart {
            caption: format!(
                "{} from {}. The lighter part of a bar is already broken today (scenario current) and does not block the change by itself; a rule's name leads to its details.",
                plural(total, "finding", "findings"),
                plural(fired.len(), "rule", "rules"),
            ),
            svg: if fired.is_empty() {
                String::new()
            } else {
                chart_svg(fired)
            },
        }
    }
}

/// A horizontal bar per rule, grouped by severity.
fn chart_svg(fired: &[Fired]) -> String {
    const WIDTH: usize = 1000;
    const LABEL: usize = 250;
    const BAR: usize = 430;
    const ROW: usize = 22;
    const GROUP: usize = 30;
    let max = fired.iter().map(Fired::total).max().unwrap_or(1).max(1);
    let scale = |n: usize| -> f64 { (n as f64) * (BAR as f64) / (max as f64) };
    let groups = {
        let mut g: Vec<Severity> = fired.iter().map(|f| f.rule.severity()).collect();
        g.dedup();
        g.len()
    };
    let height = 34 + groups * GROUP + fired.len() * ROW + 6;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" aria-labelledby="chart-title"><title id="chart-title">Findings per rule and severity</title>"#
    );
    // Legend.
    let mut x = 0;
    for (class, label) in [
        ("bar-legend today", "already broken today"),
        ("bar-legend", "with the change or in the data"),
    ] {
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{x}" y="6" width="14" height="12" rx="2"/><text x="{}" y="16">{label}</text>"#,
            x + 20
        );
        x += 20 + label.len() * 7 + 24;
    }
    for (sev, label) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ] {
        let _ = write!(
            svg,
            r#"<rect class="bar-{}" x="{x}" y="6" width="14" height="12" rx="2"/><text x="{}" y="16">{label}</text>"#,
            sev.id(),
            x + 20
        );
        x += 20 + label.len() * 7 + 24;
    }
    let mut y = 34;
    let mut last: Option<Severity> = None;
    for f in fired {
        let sev = f.rule.severity();
        if last != Some(sev) {
            let n: usize = fired
                .iter()
                .filter(|g| g.rule.severity() == sev)
                .map(Fired::total)
                .sum();
            let title = match sev {
                Severity::Error => "Errors",
                Severity::Warning => "Warnings",
                Severity::Info => "Info",
            };
            let _ = write!(
                svg,
                r#"<text class="group" x="0" y="{}">{title} ({n})</text><line class="axis" x1="{LABEL}" x2="{LABEL}" y1="{}" y2="{}"/>"#,
                y + 20,
                y + GROUP - 4,
                y + GROUP + fired.iter().filter(|g| g.rule.severity() == sev).count() * ROW - 2
            );
            y += GROUP;
            last = Some(sev);
        }
        let id = handlebars::html_escape(f.rule.id());
        let today_w = scale(f.today);
        let rest_w = scale(f.planned + f.any);
        let bar_y = y + 4;
        let _ = write!(
            svg,
            r##"<g><title>{id}: {total} ({split})</title><a href="#rule-{id}"><text class="rule-label" x="{lx}" y="{ty}" text-anchor="end">{id}</text></a>"##,
            total = f.total(),
            split = f.split(),
            lx = LABEL - 8,
            ty = y + 15,
        );
        if f.today > 0 {
            let _ = write!(
                svg,
                r#"<rect class="bar-{} today" x="{LABEL}" y="{bar_y}" width="{today_w:.1}" height="14"/>"#,
                sev.id()
            );
        }
        if f.planned + f.any > 0 {
            let _ = write!(
                svg,
                r#"<rect class="bar-{}" x="{:.1}" y="{bar_y}" width="{rest_w:.1}" height="14"/>"#,
                sev.id(),
                LABEL as f64 + today_w
            );
        }
        let end = LABEL as f64 + today_w + rest_w + 8.0;
        let _ = write!(
            svg,
            r#"<text class="count" x="{end:.1}" y="{ty}">{total}</text><text class="split" x="{sx:.1}" y="{ty}">{split}</text></g>"#,
            ty = y + 15,
            total = f.total(),
            sx = end + 8.0 + 7.5 * f.total().to_string().len() as f64,
            split = f.split(),
        );
        y += ROW;
    }
    svg.push_str("</svg>");
    svg
}
