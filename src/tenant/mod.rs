//! The model of one audit: the records of every source, merged as SPEC
//! section 3 says (Microsoft 365 files by UPN, inSync files by email, Okta
//! and AD files concatenated), with the settings resolved against the
//! columns the exports really have.
//!
//! Settings that name columns are checked here: a column named by a setting
//! someone gave and missing from an export stops the run; a default that
//! misses only skips the checks that depend on it, listed with the reason.

mod build;
mod merge;

use crate::load::{self, Table, okta::attribute_field};
use crate::model::{
    AdUser, At, Field, InputInfo, InsyncStatus, InsyncUser, Keyed, M365User, OktaUser, SetAside,
    Source, key,
};
use crate::settings::Settings;
use anyhow::{Result, bail};
pub use build::okta_column;
use merge::{infer_user_name, merge_insync, merge_m365};
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

/// A check that could not run, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub check: String,
    pub reason: String,
    /// Whether the check decides the verdict (SPEC section 5): a deciding
    /// check that did not run makes the verdict `inconclusive`.
    #[serde(skip)]
    pub decides: bool,
}

/// What was inferred for `okta.current.user_name`.
#[derive(Clone, Debug, Serialize)]
pub struct Inference {
    pub attribute: String,
    /// Distinct inSync emails the chosen attribute matches.
    pub matches: usize,
    /// Distinct inSync emails the other candidate matches.
    pub other: String,
    pub other_matches: usize,
    /// Whether the value was carried over from `--baseline` (the first
    /// run's inference), not inferred from this run's exports.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_baseline: bool,
    /// With a carried value: what this run's exports alone would infer,
    /// when that differs (the remediation has usually started).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this_run: Option<String>,
}

impl Inference {
    /// How the value was found, in one sentence (report and run summary).
    pub fn describe(&self) -> String {
        let counts = format!(
            "`{}` matches {} inSync emails, `{}` matches {}",
            self.attribute, self.matches, self.other, self.other_matches
        );
        match (&self.this_run, self.from_baseline) {
            (Some(own), _) => format!(
                "carried over from the baseline (its inference). Warning: this run's exports alone would infer `{own}` ({counts}): the remediation has likely started; the baseline's value keeps today's model as it was"
            ),
            (None, true) => format!("carried over from the baseline (its inference; {counts})"),
            (None, false) => format!("inferred from the exports: {counts}"),
        }
    }
}

/// The Okta attribute values the settings name, per Okta user: read them
/// with [`Tenant::okta_values`].
#[derive(Clone, Debug, Default)]
pub struct OktaValues([OktaValue; 4]);

/// One attribute value of an Okta user: one of the user's own fields when
/// the attribute is that field's column (the usual case: `login`, `email`),
/// not copied; else its own copy.
#[derive(Clone, Debug, Default)]
enum OktaValue {
    #[default]
    Empty,
    Login,
    Email,
    SecondEmail,
    Own(Box<str>),
}

/// The Okta attribute values the settings name, of one Okta user.
#[derive(Clone, Copy, Debug)]
pub struct OktaAttrs<'t> {
    pub current_user_name: &'t str,
    pub current_upn: &'t str,
    pub plan_user_name: &'t str,
    pub plan_upn: &'t str,
}

/// Everything the audit knows, before linking.
pub struct Tenant {
    /// The input files, in the order given; a record's `At::file` indexes it.
    pub inputs: Vec<InputInfo>,
    pub settings: Settings,
    pub inferred: Option<Inference>,
    pub okta: Vec<OktaUser>,
    okta_values: Vec<OktaValues>,
    pub ad: Vec<AdUser>,
    /// The identification attribute's value per AD user (when set).
    pub ad_uupic: Vec<Box<str>>,
    /// The value of the Okta column named like the identification attribute,
    /// per Okta user (empty when unset or when Okta has no such column).
    pub okta_uupic: Vec<Box<str>>,
    pub insync: Vec<InsyncUser>,
    pub m365: Vec<M365User>,
    /// Whether some Microsoft 365 input shows mailbox addresses.
    pub mailbox_data: bool,
    /// Whether the Exchange checks are judged: mailbox addresses shown and
    /// no address column set aside (SPEC section 5).
    pub exchange_judged: bool,
    /// Whether some Microsoft 365 input shows UPNs (else OneDrive is not
    /// judged).
    pub upn_data: bool,
    /// Whether the planned scenario (and the change rules) can be evaluated.
    pub planned: bool,
    /// A UUPIC audit: the identification attribute set, no Okta input
    /// (SPEC section 5): decided by its own checks.
    pub uupic_audit: bool,
    pub skipped: Vec<Skip>,
}

impl Tenant {
    pub fn has(&self, source: Source) -> bool {
        self.inputs.iter().any(|t| t.source == source)
    }

    /// The input file a record came from.
    pub fn input(&self, file: u32) -> &InputInfo {
        &self.inputs[file as usize]
    }

    /// Where record `i` of a source came from.
    pub fn at(&self, source: Source, i: u32) -> At {
        let i = i as usize;
        match source {
            Source::Okta => self.okta[i].at,
            Source::Ad => self.ad[i].at,
            Source::Insync => self.insync[i].at,
            Source::M365 => self.m365[i].at,
        }
    }

    /// The record's own identifier as written: the Okta login, the AD or
    /// Microsoft 365 UPN, the inSync email.
    pub fn identifier(&self, source: Source, i: u32) -> &str {
        let i = i as usize;
        match source {
            Source::Okta => &self.okta[i].login,
            Source::Ad => &self.ad[i].upn,
            Source::Insync => &self.insync[i].email,
            Source::M365 => self.m365[i].subject(),
        }
    }

    /// The attribute values the settings name of Okta user `o`.
    pub fn okta_values(&self, o: u32) -> OktaAttrs<'_> {
        let user = &self.okta[o as usize];
        let [a, b, c, d] = self.okta_values[o as usize].0.each_ref().map(|v| match v {
            OktaValue::Empty => "",
            OktaValue::Login => &user.login,
            OktaValue::Email => &user.email,
            OktaValue::SecondEmail => &user.second_email,
            OktaValue::Own(s) => s,
        });
        OktaAttrs {
            current_user_name: a,
            current_upn: b,
            plan_user_name: c,
            plan_upn: d,
        }
    }

    /// The file name (without folders) of a record's input file.
    pub fn file_name(&self, file: u32) -> &str {
        self.inputs[file as usize].file_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InsyncStatus, OktaStatus};

    fn okta(login: &str, email: &str) -> OktaUser {
        OktaUser {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            login: login.into(),
            email: email.into(),
            second_email: "".into(),
            status: OktaStatus::Active,
            status_text: "ACTIVE".into(),
            employee_number: "".into(),
            display_name: "".into(),
        }
    }

    fn insync(email: &str) -> InsyncUser {
        InsyncUser {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            email: email.into(),
            ad_attribute: "".into(),
            status: InsyncStatus::Active,
            profile: "".into(),
            display_name: "".into(),
        }
    }

    fn inferred(okta_users: &[OktaUser], emails: &[&str]) -> (String, usize, usize) {
        let users: Vec<InsyncUser> = emails.iter().map(|e| insync(e)).collect();
        let i = infer_user_name(okta_users, &users);
        let (login, email) = if i.attribute == "login" {
            (i.matches, i.other_matches)
        } else {
            (i.other_matches, i.matches)
        };
        (i.attribute, login, email)
    }

    fn m365(upn: &str, primary: &str, licensed: Option<bool>) -> M365User {
        M365User {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            upn: upn.into(),
            primary_smtp: primary.into(),
            proxies: Default::default(),
            sign_in_blocked: false,
            licensed,
            shared_mailbox: false,
            display_name: "".into(),
            object_id: "".into(),
            synced: false,
        }
    }

    /// A mailbox export without UPNs merges with the users export by
    /// primary SMTP address, whichever comes first; rows of one file never
    /// merge, and a mailbox matching nothing stays on its own.
    #[test]
    fn m365_records_without_upn_merge_by_primary_address() {
        let table = crate::load::load_bytes(
            "m.csv",
            b"User principal name,Licenses\na@contoso.com,E3\n",
            &Default::default(),
        )
        .unwrap();
        let users = || {
            vec![
                m365("anna.berg@contoso.com", "anna@contoso.co.uk", Some(true)),
                m365("mark.taylor@contoso.com", "", Some(false)),
            ]
        };
        let mailboxes = || {
            vec![
                m365("", "ANNA@contoso.co.uk", None),
                m365("", "anna@contoso.co.uk", None),
                m365("", "info@contoso.co.uk", None),
            ]
        };
        for users_first in [true, false] {
            let parts = if users_first {
                vec![(&table, users()), (&table, mailboxes())]
            } else {
                vec![(&table, mailboxes()), (&table, users())]
            };
            let merged = merge_m365(parts);
            let upns: Vec<(&str, &str, Option<bool>)> = merged
                .iter()
                .map(|m| (&*m.upn, m.subject(), m.licensed))
                .collect();
            assert_eq!(merged.len(), 4, "{upns:?}");
            let anna: Vec<_> = upns
                .iter()
                .filter(|(u, _, _)| *u == "anna.berg@contoso.com")
                .collect();
            assert_eq!(anna.len(), 1, "{upns:?}");
            assert_eq!(anna[0].2, Some(true));
            // The second mailbox row with Anna's address stays a record
            // of its own (rows of one file never merge), keyed by address.
            assert!(
                upns.iter()
                    .any(|(u, s, _)| u.is_empty() && *s == "anna@contoso.co.uk")
            );
            assert!(upns.iter().any(|(_, s, _)| *s == "info@contoso.co.uk"));
        }
    }

    #[test]
    fn the_user_name_is_the_attribute_matching_more_distinct_insync_emails() {
        // Emails match by key (case and spaces aside); an inSync email
        // matched by two Okta users, or listed twice, counts once; empty
        // values match nothing.
        let o = [
            okta("anna@contoso.com", "anna@contoso.co.uk"),
            okta("BEN@contoso.com", "ben@contoso.co.uk"),
            okta("ben@contoso.com ", ""),
            okta("", "carl@contoso.co.uk"),
        ];
        let emails = [
            "anna@contoso.co.uk",
            "ben@contoso.com",
            "Ben@Contoso.com",
            "carl@contoso.co.uk",
            "",
            " ",
        ];
        assert_eq!(inferred(&o, &emails), ("email".into(), 1, 2));
        // A tie goes to login.
        let emails = ["anna@contoso.com", "carl@contoso.co.uk"];
        assert_eq!(inferred(&o, &emails), ("login".into(), 1, 1));
        let emails = ["anna@contoso.com", "ben@contoso.com", "carl@contoso.co.uk"];
        assert_eq!(inferred(&o, &emails), ("login".into(), 2, 1));
        // Nothing to match: login, with no matches.
        assert_eq!(inferred(&o, &[]), ("login".into(), 0, 0));
        assert_eq!(inferred(&[], &["anna@contoso.com"]), ("login".into(), 0, 0));
    }
}
