//! The `rules` section: one part per rule that fired, with its findings.

use super::budget::{CELL_CHARS, FINDING_ROW_MARKUP, FINDINGS_BUDGET, clip, escaped_len};
use super::chart::Fired;
use super::text::{Text, plural, sentence, text};
use crate::report::Report;
use crate::rules::{Finding, Rule, Scenario};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct RuleView {
    id: &'static str,
    severity: &'static str,
    count_label: String,
    summary: String,
    explanation: &'static str,
    provenance: &'static str,
    /// The cited page's public link, when it has one.
    link: Option<&'static str>,
    /// The fix, when every listed finding has the same one (else empty).
    common_fix: Text,
    rows: Vec<FindingRow>,
    /// "N more in findings.csv", or empty.
    more: String,
}

#[derive(Serialize)]
struct FindingRow {
    subject: String,
    source: &'static str,
    location: String,
    scenario: &'static str,
    scenario_id: &'static str,
    field: String,
    value: String,
    message: Text,
    /// Whether the row has a fix column (the rule has no common fix).
    show_fix: bool,
    fix: Text,
}

fn scenario_label(s: Scenario) -> &'static str {
    match s {
        Scenario::Current => "today",
        Scenario::Planned => "after the change",
        Scenario::Any => "in the data",
    }
}

fn finding_cost(f: &Finding) -> usize {
    FINDING_ROW_MARKUP
        + [
            f.subject(),
            f.file(),
            f.field(),
            f.value(),
            &f.message(),
            &f.remediation(),
        ]
        .iter()
        .map(|s| escaped_len(s).min(CELL_CHARS * 6) + 13 * s.matches('`').count() / 2)
        .sum::<usize>()
}

pub(super) fn rules_lead(r: &Report) -> String {
    format!(
        "One part per rule that fired: what it means, where it comes from, every record it found and the fix. At most {} per rule are listed; findings.csv has them all.",
        plural(r.report_limit, "record", "records")
    )
}

/// The first `limit` findings of each rule, in the findings' order, indexed
/// by rule (`Rule::ALL` order): one pass over the findings, not one per rule.
pub(super) fn first_of_each_rule<'a>(
    findings: &'a [Finding<'a>],
    limit: usize,
) -> Vec<Vec<&'a Finding<'a>>> {
    let mut by_rule: Vec<Vec<&Finding>> = vec![Vec::new(); Rule::ALL.len()];
    for f in findings {
        let listed = &mut by_rule[f.rule as usize];
        if listed.len() < limit {
            listed.push(f);
        }
    }
    by_rule
}

pub(super) fn rule_views(r: &Report, fired: &[Fired]) -> Vec<RuleView> {
    let budget = FINDINGS_BUDGET / fired.len().max(1);
    let mut first = first_of_each_rule(&r.findings, r.report_limit);
    fired
        .iter()
        .map(|c| {
            let mut spent = 0;
            let listed: Vec<&Finding> = std::mem::take(&mut first[c.rule as usize])
                .into_iter()
                .take_while(|f| {
                    spent += finding_cost(f);
                    spent <= budget
                })
                .collect();
            let common = listed
                .first()
                .filter(|first| {
                    let common = first.remediation();
                    !common.is_empty() && listed.iter().all(|f| f.remediation() == common)
                })
                .map(|f| text(&clip(&f.remediation())));
            let rows = listed
                .iter()
                .map(|f| FindingRow {
                    subject: clip(f.subject()),
                    source: f.source.title(),
                    location: if f.row == 0 {
                        clip(f.file())
                    } else {
                        format!("{}, row {}", clip(f.file()), f.row)
                    },
                    scenario: scenario_label(f.scenario),
                    scenario_id: f.scenario.id(),
                    field: clip(f.field()),
                    value: clip(f.value()),
                    message: text(&clip(&f.message())),
                    show_fix: common.is_none(),
                    fix: if common.is_some() {
                        Vec::new()
                    } else {
                        text(&clip(&f.remediation()))
                    },
                })
                .collect();
            let more = c.total() - listed.len();
            RuleView {
                id: c.rule.id(),
                severity: c.rule.severity().id(),
                count_label: format!(
                    "{} ({})",
                    plural(c.total(), "finding", "findings"),
                    c.split()
                ),
                summary: sentence(c.rule.summary()),
                explanation: c.rule.explanation(),
                provenance: c.rule.provenance(),
                link: crate::rules::source_link(c.rule.provenance()),
                common_fix: common.unwrap_or_default(),
                rows,
                more: if more == 0 {
                    String::new()
                } else {
                    format!(
                        "{} more in findings.csv (rule {}).",
                        plural(more, "finding", "findings"),
                        c.rule.id()
                    )
                },
            }
        })
        .collect()
}
