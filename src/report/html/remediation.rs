//! The `remediation` section: the inSync emails to change first, as the
//! lines of remediation.csv.

use super::budget::{REMEDIATION_BUDGET, escaped_len};
use super::text::plural;
use crate::report::Report;
use anyhow::{Context as _, Result};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct RemediationView {
    lead: String,
    caption: String,
    /// The CSV lines (header first); empty when there is nothing to change.
    csv: String,
    /// "N more in remediation.csv", or empty.
    more: String,
}

impl RemediationView {
    pub(super) fn build(r: &Report) -> Result<RemediationView> {
        let limit = r.report_limit.saturating_mul(5);
        let mut spent = 0;
        let listed: Vec<_> = r
            .remediation
            .iter()
            .take(limit)
            .take_while(|x| {
                spent += 8 + crate::report::csv::remediation_cells(x)
                    .iter()
                    .map(|s| escaped_len(s) + 1)
                    .sum::<usize>();
                spent <= REMEDIATION_BUDGET
            })
            .collect();
        let csv = if r.remediation.is_empty() {
            String::new()
        } else {
            let bytes = crate::report::csv::table(
                &crate::report::csv::REMEDIATION_HEADER,
                listed
                    .iter()
                    .map(|x| crate::report::csv::remediation_cells(x).to_vec()),
            )?;
            let text = String::from_utf8(bytes).context("remediation lines are not UTF-8")?;
            text.trim_start_matches('\u{feff}').replace("\r\n", "\n")
        };
        let more = r.remediation.len() - listed.len();
        Ok(RemediationView {
            caption: format!(
                "remediation.csv: a header and {}",
                plural(listed.len(), "line", "lines")
            ),
            lead: format!(
                "{} to change before the Okta mapping changes, so that Okta's next push updates the existing inSync users instead of creating duplicates. In the inSync Management Console (Users), change each user's email from insync_email_current to insync_email_new, or send these lines to Druva Support for a bulk change; the same lines are in remediation.csv.",
                plural(r.remediation.len(), "inSync email", "inSync emails")
            ),
            csv,
            more: if more == 0 {
                String::new()
            } else {
                format!("{} more in remediation.csv.", plural(more, "line", "lines"))
            },
        })
    }
}
