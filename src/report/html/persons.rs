//! The `persons` section: one row per person, persons with an error first.

use super::budget::{CELL_CHARS, PERSON_ROW_MARKUP, PERSONS_BUDGET, clip, escaped_len};
use super::text::plural;
use crate::report::{Report, User, UserRow, Users};
use crate::rules::{Rule, Severity};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Persons {
    lead: String,
    rows: Vec<PersonRow>,
    /// "the full list is in users.csv", or empty.
    more: String,
}

#[derive(Serialize)]
struct PersonRow {
    /// The name as the exports give it (empty with `--redact`).
    name: String,
    /// The inSync email, and the one after the change when it differs.
    insync: Vec<Line>,
    /// The Okta login, and the AD account when it has another name.
    idp: Vec<Line>,
    /// The Microsoft 365 UPN, and the primary SMTP address when it differs.
    m365: Vec<Line>,
    today: [Status; 3],
    after: [Status; 3],
    rules: Vec<Chip>,
}

/// One value of a cell, with a label when it is not the column's own.
#[derive(Serialize)]
struct Line {
    label: &'static str,
    value: String,
}

/// The lines of a cell: `main`, then each other labelled value that is
/// set and is not the same address as one before it.
fn lines(main: &str, others: &[(&'static str, &str)]) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (label, value) in std::iter::once(("", main)).chain(others.iter().copied()) {
        let k = crate::model::key(value);
        if value.trim().is_empty() || seen.contains(&k) {
            continue;
        }
        seen.push(k);
        out.push(Line {
            label,
            value: clip(value),
        });
    }
    out
}

#[derive(Serialize)]
struct Status {
    text: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct Chip {
    id: String,
    severity: &'static str,
}

fn status(outcome: &'static str) -> Status {
    Status {
        text: outcome,
        class: match outcome {
            "ok" => "ok",
            "fail" => "fail",
            _ => "na",
        },
    }
}

/// 0: a person with an error finding; 1: with another finding; 2: none.
pub(super) fn person_rank(u: &User<'_, '_>) -> u8 {
    match u.rules().map(Rule::severity).min() {
        Some(Severity::Error) => 0,
        Some(_) => 1,
        None => 2,
    }
}

/// The first `limit` persons by [`person_rank`], in users.csv order within
/// a rank (what a stable sort by rank would list first), without ranking
/// and sorting every person: the first `limit` of each rank are all that
/// can be listed, and no later person once rank 0 has `limit`.
pub(super) fn first_by_rank<'u, 't>(users: &'u Users<'t>, limit: usize) -> Vec<User<'u, 't>> {
    let mut by_rank: [Vec<User<'u, 't>>; 3] = Default::default();
    for u in users.iter() {
        if by_rank[0].len() >= limit {
            break;
        }
        let listed = &mut by_rank[person_rank(&u) as usize];
        if listed.len() < limit {
            listed.push(u);
        }
    }
    by_rank.into_iter().flatten().take(limit).collect()
}

fn person_cost(u: &UserRow) -> usize {
    PERSON_ROW_MARKUP
        + escaped_len(u.display_name()).min(CELL_CHARS * 6)
        + u.cells()
            .iter()
            .map(|c| escaped_len(c).min(CELL_CHARS * 6))
            .sum::<usize>()
        + 95 * u.rules().matches(';').count()
}

impl Persons {
    pub(super) fn build(r: &Report) -> Persons {
        let limit = r.report_limit.saturating_mul(5);
        let mut spent = 0;
        let rows: Vec<PersonRow> = first_by_rank(&r.users, limit)
            .into_iter()
            .map(|u| u.row())
            .take_while(|u| {
                spent += person_cost(u);
                spent <= PERSONS_BUDGET
            })
            .map(|u| PersonRow {
                name: clip(u.display_name()),
                insync: lines(u.insync_email(), &[("after", u.planned_insync_email())]),
                idp: lines(
                    u.okta_login(),
                    &[
                        (
                            "Okta email",
                            if u.okta_login().is_empty() {
                                u.okta_email()
                            } else {
                                ""
                            },
                        ),
                        ("AD", u.ad_upn()),
                        (
                            "AD mail",
                            if u.ad_upn().is_empty() {
                                u.ad_mail()
                            } else {
                                ""
                            },
                        ),
                    ],
                ),
                m365: lines(u.m365_upn(), &[("SMTP", u.m365_primary_smtp())]),
                today: [
                    status(u.current_onedrive()),
                    status(u.current_exchange_backup()),
                    status(u.current_exchange_restore()),
                ],
                after: [
                    status(u.planned_onedrive()),
                    status(u.planned_exchange_backup()),
                    status(u.planned_exchange_restore()),
                ],
                rules: u
                    .rules()
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(|id| Chip {
                        id: id.to_string(),
                        severity: Rule::from_id(id).map_or("info", |r| r.severity().id()),
                    })
                    .collect(),
            })
            .collect();
        let more = r.users.len() - rows.len();
        Persons {
            lead: format!(
                "One row per person ({}{}), persons with an error first, then those with other findings; the name is the one the exports give. Under an identifier, AFTER is the inSync email after the change, AD the Active Directory account and SMTP the primary SMTP address, where they differ. In the findings column, \u{2716} marks an error, \u{25b2} a warning and \u{25cf} information. A column title sorts by that column (click it, or Tab to it and press Enter); users.csv has every identifier of every source.",
                if more == 0 {
                    plural(rows.len(), "person", "persons")
                } else {
                    format!("{} of {} listed", rows.len(), r.users.len())
                },
                match r.persons.saturating_sub(r.users.len()) {
                    0 => String::new(),
                    n => format!(
                        "; {n} more without any identifier, such as built-in AD accounts, {} left out",
                        if n == 1 { "is" } else { "are" }
                    ),
                }
            ),
            rows,
            more: if more == 0 {
                String::new()
            } else {
                format!(
                    "{} not listed here: the full list is in users.csv.",
                    plural(more, "person", "persons")
                )
            },
        }
    }
}
