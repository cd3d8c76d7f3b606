//! The change plan (SPEC section 6, the verdict issue): the steps of the
//! Druva article in their order, each with the persons it concerns, what is
//! broken in the window before the next step, and how far the remediation
//! has come. Shown in the report and `summary.md`, listed in
//! `summary.json` (`change_plan`).

use super::Report;
use crate::link::{Linked, Lookups, Outcome};
use crate::rules::change::Remediation;
use crate::rules::{Rule, Scenario, Severity};
use crate::settings::Access;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

/// One step of the change plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub step: usize,
    pub title: String,
    /// Persons the step concerns.
    pub persons: usize,
    /// Of those, persons for whom it is done already (step 2 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<usize>,
    /// What to do, in a sentence or two.
    pub detail: String,
    /// What is broken between this step and the next; empty when nothing.
    pub window: String,
}

/// What the plan needs from the linked tenant, gathered while the
/// look-ups are alive (the audit drops them after the rules).
#[derive(Clone, Copy, Debug, Default)]
pub struct Facts {
    /// Persons whose inSync email, once changed as `remediation.csv` says (or
    /// already changed ahead), is no Microsoft 365 UPN while inSync still
    /// reaches Microsoft 365 by inSync email: OneDrive backup fails in the
    /// window between the email change and the access change.
    pub onedrive_in_window: usize,
    /// Whether today's access is by inSync email.
    pub access_by_email: bool,
    /// Whether the planned scenario was evaluated (Okta input with the
    /// plan's columns).
    pub planned: bool,
}

impl Facts {
    pub fn gather(l: &Linked<'_>, lk: &Lookups<'_>, remediation: &[Remediation]) -> Facts {
        let t = l.t;
        let access_by_email = t.settings.access_using.value == Access::InsyncEmail;
        let mut onedrive_in_window = 0;
        if access_by_email && lk.m365.present && lk.m365.upn_data {
            onedrive_in_window += remediation
                .par_iter()
                .filter(|r| lk.m365.upn(r.insync_email_new_key).next().is_none())
                .count();
            onedrive_in_window += (0..t.insync.len() as u32)
                .filter(|&u| {
                    l.ahead_okta_of(u).is_some() && l.current[u as usize].onedrive == Outcome::Fail
                })
                .count();
        }
        Facts {
            onedrive_in_window,
            access_by_email,
            planned: t.planned,
        }
    }
}

/// The steps, in the article's order.
pub fn steps(r: &Report, facts: Facts) -> Vec<Step> {
    let s = &r.settings;
    let persons_with = |keep: &dyn Fn(&crate::rules::Finding) -> bool| {
        r.findings
            .iter()
            .filter(|f| keep(f))
            .filter_map(|f| f.person)
            .collect::<BTreeSet<u32>>()
            .len()
    };
    let data_errors = persons_with(&|f| {
        f.severity() == Severity::Error
            && f.scenario != Scenario::Current
            && f.rule != Rule::DuplicateOnRemap
    });
    let ahead = persons_with(&|f| f.rule == Rule::RemediatedAhead);
    let to_change = r.remediation.len();
    let mut steps = vec![Step {
        step: 1,
        title: "Fix the data errors in each system of record".into(),
        persons: data_errors,
        done: None,
        detail: "Work through the error findings of the planned scenario and of the data (fixes/okta.csv, fixes/ad.csv, fixes/m365.csv, fixes/insync.csv): each admin team corrects its own system.".into(),
        window: String::new(),
    }];
    if !facts.planned {
        steps.push(Step {
            step: 2,
            title: "Give the audit what decides the change".into(),
            persons: r.persons,
            done: None,
            detail: "The planned scenario was not evaluated (see the verdict's reasons): export Okta with the attributes the plan maps and run the audit again before planning the change.".into(),
            window: String::new(),
        });
        return steps;
    }
    let window = if facts.access_by_email && facts.onedrive_in_window > 0 {
        format!(
            "Until step 3, Okta's next push still sends the old userName and would create a second inSync user: pause Okta's pushes to inSync, or do step 3 in the same window. {} whose new inSync email is not their UPN fail OneDrive backup until the access setting is switched.",
            persons(facts.onedrive_in_window)
        )
    } else {
        "Until step 3, Okta's next push still sends the old userName and would create a second inSync user: pause Okta's pushes to inSync, or do step 3 in the same window.".into()
    };
    steps.push(Step {
        step: 2,
        title: "Change the inSync emails listed in remediation.csv".into(),
        persons: to_change + ahead,
        done: Some(ahead),
        detail: format!(
            "In the inSync Management Console, change each email to the value Okta will send as userName (`{}`); each user then resets the inSync password. {ahead} of {} already changed (remediated-ahead).",
            s.plan_user_name,
            to_change + ahead
        ),
        window,
    });
    let upn = match &s.plan_upn {
        Some(a) => format!(", userPrincipalName from `{a}`"),
        None => String::new(),
    };
    steps.push(Step {
        step: 3,
        title: "Change the Okta mappings and the access setting in one window".into(),
        persons: r
            .users
            .iter()
            .filter(|u| u.has_okta_login_and_insync_email())
            .count(),
        done: None,
        detail: format!(
            "In Okta's Druva app map userName from `{}`{upn}; in inSync set \"Access user accounts using\" to {} in the same maintenance window, then let Okta push.",
            s.plan_user_name,
            if s.plan_access_using == "ad-attribute" {
                "AD Attribute"
            } else {
                "inSync Email"
            }
        ),
        window: String::new(),
    });
    let mut restate = format!(
        "--current-user-name {} --access-using {}",
        s.plan_user_name, s.plan_access_using
    );
    if let Some(a) = &s.plan_upn {
        restate.push_str(&format!(" --current-upn {a}"));
    }
    steps.push(Step {
        step: 4,
        title: "Run preflight again on fresh exports".into(),
        persons: r.persons,
        done: None,
        detail: format!(
            "State the new settings, since they are no longer the plan but today: {restate}. The verdict should be go with nothing broken today."
        ),
        window: String::new(),
    });
    steps
}

fn persons(n: usize) -> String {
    format!("{n} {}", if n == 1 { "person" } else { "persons" })
}
