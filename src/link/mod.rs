//! Linking: the records of one person joined the way the systems join
//! them (SPEC section 4), and the per-scenario view of every inSync user.
//!
//! One normalisation ([`key`]), one index type ([`Index`]: key → record
//! ids, empty keys never indexed). Okta links to inSync by the attribute
//! that feeds userName today; Okta to AD by login = UPN, else email = mail;
//! inSync to AD directly only without Okta input. An inSync identifier
//! resolves to the Microsoft 365 user whose UPN, primary SMTP address or
//! alias it is. Persons are the connected components of these links. The
//! per-user views are computed in parallel; their order never depends on
//! the thread count.

use crate::model::{InsyncStatus, M365User, OktaStatus, Source, key, key_hash, same_key};
use crate::settings::Access;
use crate::tenant::Tenant;
use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

mod index;
mod lookups;
mod m365;
mod persons;
mod view;

pub use index::Index;
pub use lookups::Lookups;
pub use m365::{
    Folded, M365Index, MatchKind, Resolution, aliases_of, fold, primary_of, same_folded,
};
use persons::UnionFind;
pub use persons::{Person, Persons, Which};
pub use view::{Outcome, View};

/// The linked tenant: what the report reads. The indexes that found the
/// links are [`Lookups`], returned beside it and dropped on their own.
pub struct Linked<'t> {
    pub t: &'t Tenant,
    pub okta_ad: Vec<Option<u32>>,
    /// The Okta user each inSync user is linked to *ahead* (SPEC section 4,
    /// remediated ahead): its email already is that Okta user's planned
    /// userName, and neither is linked today.
    insync_ahead: Vec<Option<u32>>,
    /// The inSync user each Okta user is linked to ahead.
    okta_ahead: Vec<Option<u32>>,
    /// The AD account of each inSync user (through Okta, or directly).
    pub insync_ad: Vec<Option<u32>>,
    pub current: Vec<View<'t>>,
    /// `None` when the planned scenario cannot be evaluated.
    pub planned: Option<Vec<View<'t>>>,
    pub persons: Persons,
    pub okta_person: Vec<u32>,
    pub ad_person: Vec<u32>,
    pub insync_person: Vec<u32>,
    pub m365_person: Vec<u32>,
}

impl<'t> Linked<'t> {
    /// Links a tenant: the links and views, and the look-ups that found
    /// them (the rules borrow them; drop them once the rules have run).
    pub fn build(t: &'t Tenant) -> (Linked<'t>, Lookups<'t>) {
        let n32 = |i: usize| i as u32;
        // The indexes are independent: build them in parallel.
        let (m365, indexes) = rayon::join(
            || M365Index::build(t),
            || {
                (0..5)
                    .into_par_iter()
                    .map(|which| {
                        let okta = || (0..n32(t.okta.len())).map(|o| (o, t.okta_values(o)));
                        match which {
                            0 => Index::build(
                                t.insync
                                    .iter()
                                    .enumerate()
                                    .map(|(i, u)| (u.email.as_ref(), n32(i))),
                            ),
                            1 => Index::build(okta().map(|(o, v)| (v.current_user_name, o))),
                            2 => Index::build(
                                okta()
                                    .filter(|&(o, _)| {
                                        t.okta[o as usize].status == OktaStatus::Active
                                    })
                                    .map(|(o, v)| (v.plan_user_name, o)),
                            ),
                            3 => Index::build(
                                t.ad.iter()
                                    .enumerate()
                                    .map(|(i, a)| (a.upn.as_ref(), n32(i))),
                            ),
                            _ => Index::build(
                                t.ad.iter()
                                    .enumerate()
                                    .map(|(i, a)| (a.mail.as_ref(), n32(i))),
                            ),
                        }
                    })
                    .collect::<Vec<Index>>()
            },
        );
        let Ok::<[Index; 5], _>(
            [
                insync_by_email,
                okta_by_user_name,
                okta_by_plan_user_name,
                ad_by_upn,
                ad_by_mail,
            ],
        ) = indexes.try_into()
        else {
            unreachable!("five indexes are built")
        };
        let has_okta = t.has(Source::Okta);
        let insync_okta: Vec<(u32, u32)> = t
            .insync
            .par_iter()
            .map(|u| okta_by_user_name.span(&u.email))
            .collect();
        let okta_insync: Vec<(u32, u32)> = (0..n32(t.okta.len()))
            .into_par_iter()
            .map(|o| insync_by_email.span(t.okta_values(o).current_user_name))
            .collect();
        let okta_ad: Vec<Option<u32>> = t
            .okta
            .par_iter()
            .map(|o| {
                ad_by_upn
                    .get(&o.login)
                    .first()
                    .or_else(|| ad_by_mail.get(&o.email).first())
                    .copied()
            })
            .collect();
        let mut lk = Lookups {
            t,
            m365,
            insync_by_email,
            insync_okta_ids: okta_by_user_name.into_ids(),
            okta_by_plan_user_name,
            insync_okta,
            okta_insync,
        };
        let mut linked = Linked {
            t,
            okta_ad,
            insync_ahead: Vec::new(),
            okta_ahead: Vec::new(),
            insync_ad: Vec::new(),
            current: Vec::new(),
            planned: None,
            persons: Persons::default(),
            okta_person: Vec::new(),
            ad_person: Vec::new(),
            insync_person: Vec::new(),
            m365_person: Vec::new(),
        };
        (linked.insync_ahead, linked.okta_ahead) = lk.ahead_links();
        linked.insync_ad = (0..t.insync.len())
            .into_par_iter()
            .map(|i| {
                if has_okta {
                    lk.okta_of(i as u32)
                        .or(linked.insync_ahead[i])
                        .and_then(|o| linked.okta_ad[o as usize])
                } else {
                    let u = &t.insync[i];
                    ad_by_upn
                        .get(&u.email)
                        .first()
                        .or_else(|| ad_by_mail.get(&u.email).first())
                        .copied()
                }
            })
            .collect();
        // With Okta input, an inSync user that no Okta user links to (today
        // or ahead) is still one person with the AD account whose UPN, else
        // mail, is its email (a leaver's preserved user and disabled
        // account): for grouping only, so no finding changes.
        let insync_ad_unlinked: Vec<(u32, u32)> = if has_okta {
            (0..n32(t.insync.len()))
                .into_par_iter()
                .filter(|&i| {
                    linked.insync_ad[i as usize].is_none()
                        && lk.okta_of(i).is_none()
                        && linked.insync_ahead[i as usize].is_none()
                })
                .filter_map(|i| {
                    let email = &t.insync[i as usize].email;
                    ad_by_upn
                        .get(email)
                        .first()
                        .or_else(|| ad_by_mail.get(email).first())
                        .map(|&a| (i, a))
                })
                .collect()
        } else {
            Vec::new()
        };
        // The AD indexes have served (the AD account of each Okta and inSync
        // user is kept): freed before the views, they are not part of the
        // run's peak, at the end of the rules.
        drop((ad_by_upn, ad_by_mail));
        linked.current = (0..t.insync.len())
            .into_par_iter()
            .map(|i| linked.view(&lk, i as u32, Which::Current))
            .collect();
        if t.planned {
            linked.planned = Some(
                (0..t.insync.len())
                    .into_par_iter()
                    .map(|i| linked.view(&lk, i as u32, Which::Planned))
                    .collect(),
            );
        }
        linked.group_persons(&lk, &insync_ad_unlinked);
        // other-domain-match looks up the local parts of the identifiers
        // that resolve to no Microsoft 365 user, in either scenario.
        let unresolved = linked
            .current
            .iter()
            .chain(linked.planned.iter().flatten())
            .filter(|v| matches!(v.resolution, Resolution::None))
            .map(|v| v.id());
        lk.m365.index_locals(t, unresolved);
        (linked, lk)
    }

    /// The Okta user an inSync user is linked to ahead (remediated ahead).
    pub fn ahead_okta_of(&self, insync: u32) -> Option<u32> {
        self.insync_ahead[insync as usize]
    }

    /// The inSync user an Okta user is linked to ahead (remediated ahead).
    pub fn ahead_insync_of(&self, okta: u32) -> Option<u32> {
        self.okta_ahead[okta as usize]
    }

    /// The active Okta user that will provision an inSync user after the
    /// change: the one linked today, else the one linked ahead, or else the
    /// first whose planned userName is this inSync email (Okta matches
    /// existing users by userName).
    pub fn planned_okta_of(&self, lk: &Lookups<'_>, insync: u32) -> Option<u32> {
        lk.active_okta_of(insync)
            .or(self.insync_ahead[insync as usize])
            .or_else(|| {
                if lk.insync_okta(insync).is_empty() {
                    let email = key(&self.t.insync[insync as usize].email);
                    lk.okta_by_plan_user_name.get(&email).first().copied()
                } else {
                    None
                }
            })
    }

    /// The person record `i` of a source belongs to.
    pub fn person_of(&self, source: Source, i: u32) -> u32 {
        let i = i as usize;
        match source {
            Source::Okta => self.okta_person[i],
            Source::Ad => self.ad_person[i],
            Source::Insync => self.insync_person[i],
            Source::M365 => self.m365_person[i],
        }
    }

    /// The views of a scenario, when it can be evaluated.
    pub fn views(&self, which: Which) -> Option<&[View<'t>]> {
        match which {
            Which::Current => Some(&self.current),
            Which::Planned => self.planned.as_deref(),
        }
    }

    /// An inSync user's values and backup outcomes in a scenario.
    fn view(&self, lk: &Lookups<'t>, i: u32, which: Which) -> View<'t> {
        let t: &'t Tenant = self.t;
        let u = &t.insync[i as usize];
        let s = &t.settings;
        let current_ad: &'t str = if !u.ad_attribute.trim().is_empty() {
            &u.ad_attribute
        } else if s.current_upn.value.is_some() {
            lk.okta_of(i).map_or("", |o| t.okta_values(o).current_upn)
        } else {
            ""
        };
        let (email, ad_attribute, access) = match which {
            Which::Current => (u.email.as_ref(), current_ad, s.access_using.value),
            Which::Planned => match self.planned_okta_of(lk, i) {
                Some(o) => {
                    let v = t.okta_values(o);
                    let ad = if s.plan_upn.value.is_some() {
                        v.plan_upn
                    } else {
                        current_ad
                    };
                    // Okta cannot send an empty userName: the email stays
                    // (remap-value-missing reports the gap).
                    let email = if v.plan_user_name.trim().is_empty() {
                        u.email.as_ref()
                    } else {
                        v.plan_user_name
                    };
                    (email, ad, s.plan_access_using.value)
                }
                None => (u.email.as_ref(), current_ad, s.plan_access_using.value),
            },
        };
        let id = match access {
            Access::AdAttribute => ad_attribute,
            Access::InsyncEmail => email,
        };
        let active = u.status == InsyncStatus::Active;
        let resolution = if active {
            lk.m365.resolve(id)
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
                    } else if same_key(primary, email) {
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

    /// Groups records into persons (connected components of the links, and
    /// of `insync_ad_unlinked`: inSync users and AD accounts joined for
    /// grouping only).
    fn group_persons(&mut self, lk: &Lookups<'_>, insync_ad_unlinked: &[(u32, u32)]) {
        let t = self.t;
        let (no, na, ni, nm) = (t.okta.len(), t.ad.len(), t.insync.len(), t.m365.len());
        let (base_ad, base_insync, base_m365) = (no, no + na, no + na + ni);
        let mut uf = UnionFind::new(no + na + ni + nm);
        for o in 0..no {
            for &u in lk.okta_insync(o as u32) {
                uf.union(o, base_insync + u as usize);
            }
        }
        for (o, a) in self.okta_ad.iter().enumerate() {
            if let Some(a) = a {
                uf.union(o, base_ad + *a as usize);
            }
        }
        for (u, a) in self.insync_ad.iter().enumerate() {
            if let Some(a) = a {
                uf.union(base_insync + u, base_ad + *a as usize);
            }
        }
        for &(u, a) in insync_ad_unlinked {
            uf.union(base_insync + u as usize, base_ad + a as usize);
        }
        for (u, o) in self.insync_ahead.iter().enumerate() {
            if let Some(o) = o {
                uf.union(*o as usize, base_insync + u);
            }
        }
        // The Microsoft 365 user of each inSync, Okta and AD record, looked
        // up in parallel (millions of hash probes), joined in order below.
        let m365 = &lk.m365;
        let insync_m365: Vec<Option<u32>> = self
            .current
            .par_iter()
            .map(|v| match v.resolution {
                Resolution::One { user, .. } => Some(user),
                // The email resolved already, to none or several users.
                Resolution::None | Resolution::Ambiguous { .. }
                    if v.access == Access::InsyncEmail =>
                {
                    None
                }
                _ => m365.resolve(v.email).user(),
            })
            .collect();
        let okta_m365: Vec<Option<u32>> = t
            .okta
            .par_iter()
            .map(|okta| m365.resolve(&okta.login).user())
            .collect();
        let ad_m365: Vec<Option<u32>> =
            t.ad.par_iter()
                .map(|ad| {
                    let mut upn = m365.upn(&ad.upn);
                    match (upn.next(), upn.next()) {
                        (Some(m), None) => Some(m),
                        _ => None,
                    }
                })
                .collect();
        for (u, m) in insync_m365.into_iter().enumerate() {
            if let Some(user) = m {
                uf.union(base_insync + u, base_m365 + user as usize);
            }
        }
        for (o, m) in okta_m365.into_iter().enumerate() {
            if let Some(user) = m {
                uf.union(o, base_m365 + user as usize);
            }
        }
        for (a, m) in ad_m365.into_iter().enumerate() {
            if let Some(user) = m {
                uf.union(base_ad + a, base_m365 + user as usize);
            }
        }
        // Persons numbered in order of first appearance: inSync users
        // first, so persons follow the inSync export.
        let mut person_of_root: Vec<u32> = vec![u32::MAX; uf.parent.len()];
        let mut count = 0u32;
        let mut assign = |node: usize| -> u32 {
            let root = uf.find(node);
            if person_of_root[root] == u32::MAX {
                person_of_root[root] = count;
                count += 1;
            }
            person_of_root[root]
        };
        self.insync_person = (0..ni).map(|u| assign(base_insync + u)).collect();
        self.okta_person = (0..no).map(&mut assign).collect();
        self.ad_person = (0..na).map(|a| assign(base_ad + a)).collect();
        self.m365_person = (0..nm).map(|m| assign(base_m365 + m)).collect();
        // Counting sort into the flat layout, records in ascending order.
        let n = count as usize;
        let mut starts = vec![0u32; 4 * n + 1];
        let parts = [
            &self.okta_person,
            &self.ad_person,
            &self.insync_person,
            &self.m365_person,
        ];
        for (s, owners) in parts.iter().enumerate() {
            for &p in owners.iter() {
                starts[4 * p as usize + s + 1] += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next = starts.clone();
        let mut records = vec![0u32; *starts.last().unwrap_or(&0) as usize];
        for (s, owners) in parts.iter().enumerate() {
            for (r, &p) in owners.iter().enumerate() {
                let slot = &mut next[4 * p as usize + s];
                records[*slot as usize] = r as u32;
                *slot += 1;
            }
        }
        self.persons = Persons { starts, records };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_accents() {
        assert_eq!(fold("josé.garcía@contoso.com"), "jose.garcia@contoso.com");
        assert_eq!(fold("søren.østergaard"), "soren.ostergaard");
        assert_eq!(fold("jürgen.groß"), "jurgen.gross");
        assert_eq!(fold("plain@contoso.com"), "plain@contoso.com");
    }

    #[test]
    fn same_folded_follows_fold_of_key() {
        let values = [
            "José@contoso.com",
            "jose@contoso.com",
            " JOSE@contoso.com",
            "joseph@contoso.com",
            "groß@x.de",
            "gross@x.de",
            "",
        ];
        for a in values {
            for b in values {
                assert_eq!(
                    same_folded(a, b),
                    fold(&key(a)) == fold(&key(b)),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn index_skips_empty_keys_and_lists_ids_once() {
        let idx = Index::build(
            [
                ("A@x.com", 1),
                (" a@X.com ", 1),
                ("a@x.com", 2),
                ("", 3),
                ("  ", 4),
            ]
            .into_iter(),
        );
        assert_eq!(idx.get("a@x.com"), &[1, 2]);
        assert_eq!(idx.get(""), &[] as &[u32]);
    }

    proptest::proptest! {
        /// An index lists, per key, the ids of the entries with that key
        /// once each, in the order they came: short runs of one key and
        /// long ones (over 32 entries) alike.
        #[test]
        fn index_lists_the_ids_of_each_key_in_order(
            varied in proptest::collection::vec(("[aAbB ]{0,3}", 0u32..6), 0..60),
            alike in proptest::collection::vec(("[aA]{1,2}", 0u32..6), 0..90),
        ) {
            let entries: Vec<(String, u32)> = varied.into_iter().chain(alike).collect();
            let idx = Index::build(entries.iter().map(|(v, id)| (v.as_str(), *id)));
            let mut want: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
            for (v, id) in &entries {
                let ids = want.entry(key(v)).or_default();
                if !key(v).is_empty() && !ids.contains(id) {
                    ids.push(*id);
                }
            }
            for (v, _) in &entries {
                proptest::prop_assert_eq!(idx.get(v), want[&key(v)].as_slice(), "{:?}", v);
            }
        }
    }
}
