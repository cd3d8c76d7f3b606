//! The `verdict` section: the verdict, the three numbers and the tenant.

use super::compare::check_pairs;
use super::text::plural;
use crate::link::Outcome;
use crate::model::Source;
use crate::report::{Report, User, Users, Verdict};
use crate::rules::{Rule, Scenario};
use serde::Serialize;

/// The change rules: an error of one of them breaks the person with the
/// change even when no backup check does.
const CHANGE_RULES: [Rule; 4] = [
    Rule::DuplicateOnRemap,
    Rule::RemapCollision,
    Rule::RemapValueMissing,
    Rule::RemapSharedValue,
];

#[derive(Serialize)]
pub(super) struct VerdictView {
    id: &'static str,
    label: &'static str,
    headline: String,
    detail: String,
    /// The verdict and why the exit status is what it is, in one sentence.
    status: String,
    /// The deciding checks that did not run.
    reasons: Vec<crate::report::Reason>,
}

impl VerdictView {
    pub(super) fn build(r: &Report) -> VerdictView {
        // Counted in persons, as the tiles below are.
        let blocking = r.persons_with_errors_in(&[Scenario::Planned, Scenario::Any]);
        let today = r.persons_with_errors_in(&[Scenario::Current]);
        let today_note = match today {
            0 => "Nothing is broken today at error level.".to_string(),
            n => format!(
                "{} already broken today; that alone does not block the change.",
                plural(n, "person is", "persons are"),
            ),
        };
        let status = r.status().1 + ".";
        let reasons = r.verdict_reasons.clone();
        match r.verdict {
            Verdict::Inconclusive => VerdictView {
                id: "inconclusive",
                label: "INCONCLUSIVE",
                headline: "Not enough was checked to judge the mapping change.".into(),
                detail: format!(
                    "A check that decides the change did not run (listed here): give the missing exports or settings and run the audit again. {}{today_note}",
                    if blocking == 0 {
                        String::new()
                    } else {
                        format!(
                            "Errors for {} already block the change. ",
                            plural(blocking, "person", "persons")
                        )
                    }
                ),
                status,
                reasons,
            },
            Verdict::NoGo => VerdictView {
                id: "no-go",
                label: "NO-GO",
                headline: "Do not apply the mapping change yet.".into(),
                detail: format!(
                    "Errors for {} block the change: the change breaks them, or their data is wrong in itself. Fix them first{}, then run the audit again. {today_note}",
                    plural(blocking, "person", "persons"),
                    if r.remediation.is_empty() {
                        ""
                    } else {
                        " (the inSync emails to change are listed under \"Before the change\")"
                    },
                ),
                status,
                reasons,
            },
            Verdict::Go => {
                let sev = r.severities();
                VerdictView {
                    id: "go",
                    label: "GO",
                    headline: "No error finding blocks the mapping change.".into(),
                    detail: format!(
                        "{} and {} remain: read them before applying the change. {today_note}",
                        plural(sev["warning"], "warning", "warnings"),
                        plural(sev["info"], "note", "notes"),
                    ),
                    status,
                    reasons,
                }
            }
        }
    }
}

#[derive(Serialize)]
pub(super) struct Number {
    value: usize,
    label: &'static str,
    detail: &'static str,
    tone: &'static str,
}

fn has_rule(u: &User<'_, '_>, rules: &[Rule]) -> bool {
    u.rules().any(|rule| rules.contains(&rule))
}

/// Already broken, broken by the change, fixed by the change: persons.
pub(super) fn numbers(users: &Users<'_>) -> Vec<Number> {
    let (ok, fail) = (Outcome::Ok.id(), Outcome::Fail.id());
    let count = |f: &dyn Fn(&User<'_, '_>) -> bool| users.iter().filter(|u| f(u)).count();
    let today = count(&|u| check_pairs(u).iter().any(|&(c, _)| c == fail));
    let broken = count(&|u| {
        check_pairs(u).iter().any(|&(c, p)| c == ok && p == fail) || has_rule(u, &CHANGE_RULES)
    });
    let fixed = count(&|u| check_pairs(u).iter().any(|&(c, p)| c == fail && p == ok));
    let tone = |n: usize, tone| if n == 0 { "zero" } else { tone };
    vec![
        Number {
            value: today,
            label: "already broken today",
            detail: "persons with a backup or restore check failing today",
            tone: tone(today, "today"),
        },
        Number {
            value: broken,
            label: "broken by the change",
            detail: "persons with a check that works today and fails after, or whose Okta user the change would mis-provision",
            tone: tone(broken, "broken"),
        },
        Number {
            value: fixed,
            label: "fixed by the change",
            detail: "persons with a check failing today that works after the change",
            tone: tone(fixed, "fixed"),
        },
    ]
}

#[derive(Serialize)]
pub(super) struct Tenant {
    persons: usize,
    sources: Vec<SourceCount>,
    findings: String,
}

#[derive(Serialize)]
struct SourceCount {
    name: &'static str,
    records: String,
}

impl Tenant {
    pub(super) fn build(r: &Report) -> Tenant {
        let sources = Source::ALL
            .iter()
            .map(|&source| {
                let files: Vec<_> = r.inputs.iter().filter(|i| i.source == source).collect();
                let rows: usize = files.iter().map(|i| i.rows).sum();
                let records = match files.len() {
                    0 => "no export".to_string(),
                    1 => plural(rows, "row", "rows"),
                    n => format!("{} in {n} files", plural(rows, "row", "rows")),
                };
                SourceCount {
                    name: source.title(),
                    records,
                }
            })
            .collect();
        let sev = r.severities();
        Tenant {
            persons: r.persons,
            sources,
            findings: format!(
                "{} · {} · {}",
                plural(sev["error"], "error", "errors"),
                plural(sev["warning"], "warning", "warnings"),
                plural(sev["info"], "info", "info"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_numbers_come_from_the_users_rows() {
        let tenant = crate::audit::demo_tenant().unwrap();
        let r = crate::audit::demo_audit(&tenant).report;
        let n = numbers(&r.users);
        // Every person fixed by the change was broken today.
        assert!(n[2].value <= n[0].value);
        assert!(n.iter().all(|x| x.value <= r.users.len()));
        assert!(
            n[1].value > 0,
            "the sample tenant has persons the change breaks"
        );
    }
}
