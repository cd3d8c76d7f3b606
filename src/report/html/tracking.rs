//! The `tracking` section: the delta since the last audit, the waived
//! findings and the coverage of each input.

use crate::report::Report;
use serde::Serialize;

/// Since the last audit (`--baseline`), the findings knowingly accepted
/// (`--waivers`), and how much of each input linked to something.
#[derive(Serialize)]
pub(super) struct Tracking {
    delta: Option<DeltaView>,
    waived: Option<WaivedView>,
    coverage: Vec<CoverageRow>,
    single_system: String,
}

#[derive(Serialize)]
struct DeltaView {
    new: usize,
    open: usize,
    fixed: usize,
    fixed_rows: Vec<TrackRow>,
    more: String,
}

#[derive(Serialize)]
struct WaivedView {
    count: usize,
    rows: Vec<TrackRow>,
    more: String,
}

#[derive(Serialize)]
struct TrackRow {
    rule: String,
    scenario: String,
    subject: String,
    note: String,
}

#[derive(Serialize)]
struct CoverageRow {
    file: String,
    source: &'static str,
    read: usize,
    used: usize,
    skipped: usize,
    unlinked: usize,
}

impl Tracking {
    pub(super) fn build(r: &Report) -> Tracking {
        let limit = r.report_limit;
        let more = |n: usize| {
            if n > limit {
                format!("{} more in findings.csv.", n - limit)
            } else {
                String::new()
            }
        };
        let delta = r.delta.as_ref().map(|d| DeltaView {
            new: d.count("new"),
            open: d.count("open"),
            fixed: d.count("fixed"),
            fixed_rows: d
                .fixed
                .iter()
                .take(limit)
                .map(|row| TrackRow {
                    rule: row[1].clone(),
                    scenario: row[2].clone(),
                    subject: cut(&row[4]),
                    note: cut(&row[9]),
                })
                .collect(),
            more: more(d.fixed.len()),
        });
        let waived = r.waived.as_ref().map(|w| WaivedView {
            count: w.len(),
            rows: w
                .iter()
                .take(limit)
                .map(|x| TrackRow {
                    rule: x.finding.rule.id().to_string(),
                    scenario: x.finding.scenario.id().to_string(),
                    subject: cut(x.finding.subject()),
                    note: cut(&match &x.expires {
                        Some(e) => format!("{} (until {e})", x.reason),
                        None => x.reason.clone(),
                    }),
                })
                .collect(),
            more: if w.len() > limit {
                format!("{} more in waived.csv.", w.len() - limit)
            } else {
                String::new()
            },
        });
        let coverage = r
            .coverage
            .iter()
            .map(|c| CoverageRow {
                file: c.file.clone(),
                source: c.source.title(),
                read: c.rows_read,
                used: c.rows_used,
                skipped: c.rows_skipped,
                unlinked: c.linked_to_nothing,
            })
            .collect();
        let single: Vec<String> = r
            .single_system
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        Tracking {
            delta,
            waived,
            coverage,
            single_system: if single.is_empty() {
                "Every person is present in more than one system.".into()
            } else {
                format!("Persons present in one system only: {}.", single.join(", "))
            },
        }
    }
}

/// A value cut to a length a table cell can show.
fn cut(s: &str) -> String {
    const MAX: usize = 400;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}
