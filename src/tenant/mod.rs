//! The model of one audit: the records of every source, merged as SPEC
//! section 3 says (Microsoft 365 files by UPN, inSync files by email, Okta
//! and AD files concatenated), with the settings resolved against the
//! columns the exports really have.
//!
//! Settings that name columns are checked here: a column named by a setting
//! someone gave and missing from an export stops the run; a default that
//! misses only skips the checks that depend on it, listed with the reason.

mod addresses;
mod build;
mod export;
mod merge;

use crate::load::{self, Table, okta::attribute_field};
use crate::model::{
    AdUser, At, Field, InputInfo, InsyncStatus, InsyncUser, Keyed, M365User, OktaUser, SetAside,
    Source, key,
};
use crate::settings::Settings;
pub use addresses::{AdKeys, Addresses, InsyncKeys, M365Keys, OktaKeys};
use anyhow::{Result, bail};
pub use build::okta_column;
pub use export::Export;
use export::{Records, okta_attributes, okta_place};
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

/// The Okta attribute values the settings name (current userName, current
/// UPN, planned userName, planned UPN): read them with
/// [`Tenant::okta_values`]. Where an attribute is the column of the users'
/// login, email or second email (the usual case) it reads that field, per
/// input file, and nothing is kept per user; only the values of other
/// columns are copied.
#[derive(Clone, Debug, Default)]
pub struct OktaValues {
    /// Per input file (by index), where each attribute's value is.
    pub(super) places: Vec<[OktaValue; 4]>,
    /// Per attribute, the value of each Okta user when some file has it in
    /// a column of its own (else empty).
    pub(super) own: [Vec<Box<str>>; 4],
}

/// Where an attribute's value is, in one input file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum OktaValue {
    /// The file has no such column.
    #[default]
    Empty,
    Login,
    Email,
    SecondEmail,
    /// A column of its own: the value is copied ([`OktaValues::own`]).
    Own,
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
    okta_values: OktaValues,
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
            Source::Okta => self.okta[i].login(),
            Source::Ad => self.ad[i].upn(),
            Source::Insync => self.insync[i].email(),
            Source::M365 => self.m365[i].subject(),
        }
    }

    /// The attribute values the settings name of Okta user `o`.
    pub fn okta_values(&self, o: u32) -> OktaAttrs<'_> {
        let user = &self.okta[o as usize];
        let places = &self.okta_values.places[user.at.file as usize];
        let [a, b, c, d] = std::array::from_fn(|k| match places[k] {
            OktaValue::Empty => "",
            OktaValue::Login => user.login(),
            OktaValue::Email => user.email(),
            OktaValue::SecondEmail => user.second_email(),
            OktaValue::Own => &self.okta_values.own[k][o as usize],
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
    use crate::model::{InsyncStatus, InsyncText, M365Text, OktaStatus, OktaText};

    const AT: At = At {
        file: 0,
        row: 2,
        record: 0,
    };

    fn okta(login: &str, email: &str) -> OktaUser {
        let text = OktaText {
            login,
            email,
            status_text: "ACTIVE",
            ..OktaText::default()
        };
        OktaUser::new(AT, OktaStatus::Active, text)
    }

    fn insync(email: &str) -> InsyncUser {
        let text = InsyncText {
            email,
            ..InsyncText::default()
        };
        InsyncUser::new(AT, InsyncStatus::Active, text)
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
        let text = M365Text {
            upn,
            primary_smtp: primary,
            ..M365Text::default()
        };
        let mut m = M365User::new(AT, &Default::default(), text);
        m.licensed = licensed;
        m
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
                .map(|m| (m.upn(), m.subject(), m.licensed))
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

    /// The attributes the settings name read the users' own fields where
    /// they are those fields' columns, and a column of their own elsewhere,
    /// file by file (two Okta exports with their columns in other orders).
    #[test]
    fn okta_attributes_read_their_column_in_each_file() {
        let opts = Default::default();
        let a = crate::load::load_bytes(
            "okta-a.csv",
            b"login,email,workEmail,upnAttr\nanna@x.com,anna@y.com,anna@work.com,anna@upn.com\nben@x.com,ben@y.com,,\n",
            &opts,
        )
        .unwrap();
        let b = crate::load::load_bytes(
            "okta-b.csv",
            b"upnAttr,workEmail,email,login\ncarl@upn.com,carl@work.com,carl@y.com,carl@x.com\n",
            &opts,
        )
        .unwrap();
        let mut settings = Settings::default();
        settings.current_user_name.value = Some("email".into());
        settings.current_upn.value = Some("login".into());
        settings.plan_user_name.value = "workEmail".into();
        settings.plan_upn.value = Some("upnAttr".into());
        let t = Tenant::build(vec![a, b], settings).unwrap();
        let values: Vec<[&str; 4]> = (0..t.okta.len() as u32)
            .map(|o| {
                let v = t.okta_values(o);
                [
                    v.current_user_name,
                    v.current_upn,
                    v.plan_user_name,
                    v.plan_upn,
                ]
            })
            .collect();
        assert_eq!(
            values,
            [
                ["anna@y.com", "anna@x.com", "anna@work.com", "anna@upn.com"],
                ["ben@y.com", "ben@x.com", "", ""],
                ["carl@y.com", "carl@x.com", "carl@work.com", "carl@upn.com"],
            ]
        );
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
