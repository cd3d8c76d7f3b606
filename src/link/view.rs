//! The backup checks of one inSync user in one scenario ([`View`]).

use super::*;

/// The outcome of one backup check for one user and scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Fail,
    NotApplicable,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "n/a",
        }
    }
}

/// One inSync user as a scenario sees it (values borrowed from the
/// tenant's records).
#[derive(Clone, Debug)]
pub struct View<'t> {
    pub email: &'t str,
    pub ad_attribute: &'t str,
    /// Which of the two inSync sends to Microsoft 365 ([`View::id`]).
    pub access: Access,
    pub resolution: Resolution,
    pub onedrive: Outcome,
    pub exchange_backup: Outcome,
    pub exchange_restore: Outcome,
}

impl<'t> View<'t> {
    /// The identifier inSync sends to Microsoft 365.
    pub fn id(&self) -> &'t str {
        match self.access {
            Access::AdAttribute => self.ad_attribute,
            Access::InsyncEmail => self.email,
        }
    }

    /// `email` or `ad_attribute`: which field [`View::id`] is.
    pub fn id_field(&self) -> &'static str {
        match self.access {
            Access::AdAttribute => "ad_attribute",
            Access::InsyncEmail => "email",
        }
    }
}

impl<'t> Linked<'t> {
    /// An inSync user's values and backup outcomes in a scenario.
    pub(super) fn view(&self, lk: &Lookups<'t>, i: u32, which: Which) -> View<'t> {
        let t: &'t Tenant = self.t;
        let u = &t.insync[i as usize];
        let s = &t.settings;
        let a = &lk.addresses;
        let keys = a.insync(i);
        let current_ad: (&'t str, KeyId) = if !u.ad_attribute().trim().is_empty() {
            (u.ad_attribute(), keys.ad_attribute)
        } else if s.current_upn.value.is_some() {
            lk.okta_of(i).map_or(("", KeyId::NONE), |o| {
                (t.okta_values(o).current_upn, a.okta(o).current_upn)
            })
        } else {
            ("", KeyId::NONE)
        };
        let email = (u.email(), keys.email);
        let ((email, email_key), (ad_attribute, ad_attribute_key), access) = match which {
            Which::Current => (email, current_ad, s.access_using.value),
            Which::Planned => match self.planned_okta_of(i) {
                Some(o) => {
                    let (v, k) = (t.okta_values(o), a.okta(o));
                    let ad = if s.plan_upn.value.is_some() {
                        (v.plan_upn, k.plan_upn)
                    } else {
                        current_ad
                    };
                    // Okta cannot send an empty userName: the email stays
                    // (remap-value-missing reports the gap).
                    let email = if v.plan_user_name.trim().is_empty() {
                        email
                    } else {
                        (v.plan_user_name, k.plan_user_name)
                    };
                    (email, ad, s.plan_access_using.value)
                }
                None => (email, current_ad, s.plan_access_using.value),
            },
        };
        let (id, id_key) = match access {
            Access::AdAttribute => (ad_attribute, ad_attribute_key),
            Access::InsyncEmail => (email, email_key),
        };
        let active = u.status == InsyncStatus::Active;
        let resolution = if active {
            lk.m365.resolve(id_key)
        } else {
            Resolution::NotJudged
        };
        let na = Outcome::NotApplicable;
        let mailbox = lk.m365.mailbox_data;
        let (onedrive, exchange_backup, exchange_restore) = if !active || !lk.m365.present {
            (na, na, na)
        } else if id.trim().is_empty() {
            (Outcome::Fail, if mailbox { Outcome::Fail } else { na }, na)
        } else {
            match &resolution {
                Resolution::NotJudged => (na, na, na),
                Resolution::None | Resolution::Ambiguous { .. } => {
                    (Outcome::Fail, if mailbox { Outcome::Fail } else { na }, na)
                }
                Resolution::One { user, kind } => {
                    let m = &t.m365[*user as usize];
                    let onedrive = if *kind == MatchKind::Upn {
                        Outcome::Ok
                    } else {
                        Outcome::Fail
                    };
                    let primary = primary_of(m);
                    let restore = if !mailbox || primary.trim().is_empty() {
                        na
                    } else if a.m365(*user).primary == email_key {
                        Outcome::Ok
                    } else {
                        Outcome::Fail
                    };
                    (onedrive, if mailbox { Outcome::Ok } else { na }, restore)
                }
            }
        };
        // Without UPNs in the inputs, OneDrive is not judged; without all
        // the mailbox addresses, Exchange is not.
        let onedrive = if lk.m365.upn_data { onedrive } else { na };
        let (exchange_backup, exchange_restore) = if lk.m365.exchange_judged {
            (exchange_backup, exchange_restore)
        } else {
            (na, na)
        };
        View {
            email,
            ad_attribute,
            access,
            resolution,
            onedrive,
            exchange_backup,
            exchange_restore,
        }
    }
}
