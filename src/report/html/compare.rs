//! The `compare` section: each check from today to after the change.

use super::text::plural;
use crate::link::Outcome;
use crate::report::{User, Users};
use serde::Serialize;
use std::fmt::Write as _;

/// The three checks of a person, today and after the change.
const CHECKS: [&str; 3] = [
    "OneDrive backup",
    "Exchange Online backup",
    "Exchange Online restore",
];

/// The outcome pairs (today, after) of a person's three checks.
pub(super) fn check_pairs(u: &User<'_, '_>) -> [(&'static str, &'static str); 3] {
    let o = u.outcomes().map(Outcome::id);
    [(o[0], o[3]), (o[1], o[4]), (o[2], o[5])]
}

#[derive(Serialize)]
pub(super) struct Compare {
    lead: String,
    columns: [&'static str; 5],
    rows: Vec<CompareRow>,
}

#[derive(Serialize)]
struct CompareRow {
    check: &'static str,
    cells: Vec<Cell>,
    /// Inline SVG built here.
    bar: String,
}

#[derive(Serialize)]
struct Cell {
    value: usize,
    class: &'static str,
}

impl Compare {
    pub(super) fn build(users: &Users<'_>) -> Compare {
        let (ok, fail) = (Outcome::Ok.id(), Outcome::Fail.id());
        let rows = CHECKS
            .iter()
            .enumerate()
            .map(|(i, &check)| {
                let mut n = [0usize; 5];
                for u in users.iter() {
                    let (c, p) = check_pairs(&u)[i];
                    let slot = match (c == ok, c == fail, p == ok, p == fail) {
                        (true, _, true, _) => 0,
                        (true, _, _, true) => 1,
                        (_, true, true, _) => 2,
                        (_, true, _, true) => 3,
                        _ => 4,
                    };
                    n[slot] += 1;
                }
                let class = |slot: usize, class: &'static str| if n[slot] > 0 { class } else { "" };
                CompareRow {
                    check,
                    cells: vec![
                        Cell {
                            value: n[0],
                            class: "",
                        },
                        Cell {
                            value: n[1],
                            class: class(1, "bad"),
                        },
                        Cell {
                            value: n[2],
                            class: class(2, "good"),
                        },
                        Cell {
                            value: n[3],
                            class: class(3, "still"),
                        },
                        Cell {
                            value: n[4],
                            class: "",
                        },
                    ],
                    bar: distribution_svg(&n),
                }
            })
            .collect();
        Compare {
            lead: format!(
                "Persons per check, from the {} of the persons table: how each check goes from today to after the change. Not judged: the check does not apply in one of the two states (no active inSync user, or the check was skipped).",
                plural(users.len(), "row", "rows")
            ),
            columns: [
                "ok → ok",
                "ok → fail",
                "fail → ok",
                "fail → fail",
                "not judged",
            ],
            rows,
        }
    }
}

/// A stacked bar of the five transitions.
fn distribution_svg(n: &[usize; 5]) -> String {
    let total: usize = n.iter().sum();
    let mut svg =
        String::from(r#"<svg viewBox="0 0 300 14" preserveAspectRatio="none" aria-hidden="true">"#);
    if total > 0 {
        let mut x = 0.0;
        for (count, class) in n.iter().zip([
            "seg-ok-ok",
            "seg-ok-fail",
            "seg-fail-ok",
            "seg-fail-fail",
            "seg-na",
        ]) {
            if *count == 0 {
                continue;
            }
            let w = 300.0 * (*count as f64) / (total as f64);
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.2}" y="0" width="{w:.2}" height="14"/>"#
            );
            x += w;
        }
    }
    svg.push_str("</svg>");
    svg
}
