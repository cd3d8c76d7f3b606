//! The `settings` section: the mapping today and planned, and where each
//! setting came from.

use super::text::{Text, text};
use crate::report::Report;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct SettingsView {
    today: Vec<Text>,
    planned: Vec<Text>,
    uupic: Text,
    rows: Vec<SettingRow>,
    skipped: Vec<SkipView>,
}

#[derive(Serialize)]
struct SettingRow {
    key: &'static str,
    value: String,
    set: bool,
    how: Text,
}

#[derive(Serialize)]
struct SkipView {
    check: String,
    reason: String,
}

fn access_phrase(id: &str) -> &'static str {
    match id {
        "ad-attribute" => "the AD attribute",
        _ => "the inSync email",
    }
}

impl SettingsView {
    pub(super) fn build(r: &Report) -> SettingsView {
        let s = &r.settings;
        let today = vec![
            text(&match &s.current_user_name {
                Some(a) => format!("Okta sends `{a}` as userName, which is the inSync email."),
                None => "Okta's userName attribute is unknown (no Okta export).".into(),
            }),
            text(&match &s.current_upn {
                Some(a) => format!("Okta sends `{a}` as userPrincipalName, which is the inSync AD attribute."),
                None => "No Okta attribute feeds the inSync AD attribute; it is taken from the inSync export where it has one.".into(),
            }),
            text(&format!(
                "inSync accesses Microsoft 365 by {} (`{}`).",
                access_phrase(s.access_using),
                s.access_using
            )),
        ];
        let planned = vec![
            text(&format!(
                "Okta sends `{}` as userName, the new inSync email.",
                s.plan_user_name
            )),
            text(&match &s.plan_upn {
                Some(a) => {
                    format!("Okta sends `{a}` as userPrincipalName, the inSync AD attribute.")
                }
                None => "The inSync AD attribute stays as it is today.".into(),
            }),
            text(&format!(
                "inSync accesses Microsoft 365 by {} (`{}`).",
                access_phrase(s.plan_access_using),
                s.plan_access_using
            )),
        ];
        let uupic = text(&match &s.identification_attribute {
            Some(a) => format!(
                "inSync identifies users by the AD attribute `{a}` (UUPIC): the UUPIC rules ran on the AD export."
            ),
            None => "No user identification attribute (UUPIC) is set: inSync identifies users by email, and the UUPIC rules did not run.".into(),
        });
        let row = |key: &'static str, value: Option<&str>| {
            let how = match s.inferred.get(key) {
                Some(i) => text(&i.describe()),
                None if s.given.contains(&key) => text("given (flag or config)"),
                None => text("default"),
            };
            SettingRow {
                key,
                value: value.unwrap_or("not set").to_string(),
                set: value.is_some(),
                how,
            }
        };
        let rows = vec![
            row("insync.access_using", Some(s.access_using)),
            row(
                "insync.identification_attribute",
                s.identification_attribute.as_deref(),
            ),
            row("okta.current.user_name", s.current_user_name.as_deref()),
            row("okta.current.upn", s.current_upn.as_deref()),
            row("plan.user_name", Some(&s.plan_user_name)),
            row("plan.upn", s.plan_upn.as_deref()),
            row("plan.access_using", Some(s.plan_access_using)),
        ];
        SettingsView {
            today,
            planned,
            uupic,
            rows,
            skipped: r
                .skipped
                .iter()
                .map(|k| SkipView {
                    check: k.check.clone(),
                    reason: k.reason.clone(),
                })
                .collect(),
        }
    }
}
