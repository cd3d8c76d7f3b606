//! Linking: the records of one person joined the way the systems join
//! them (SPEC section 4), and the per-scenario view of every inSync user.
//!
//! One normalisation ([`key`]), applied once: every address field of every
//! record is numbered first ([`Addresses`]: the id of its key, none for a
//! blank value), and the links, views, persons and rules look up and
//! compare those ids ([`KeyIndex`]: key id → record ids). Only texts in no
//! record field (folded addresses, the local parts of unresolved
//! identifiers) are indexed as text ([`Index`], a plain map).
//! Okta links to inSync by the attribute
//! that feeds userName today; Okta to AD by login = UPN, else email = mail;
//! inSync to AD directly only without Okta input. An inSync identifier
//! resolves to the Microsoft 365 user whose UPN, primary SMTP address or
//! alias it is. Persons are the connected components of these links. The
//! per-user views are computed in parallel; their order never depends on
//! the thread count.
//!
//! Here: [`Linked::build`], the order of the steps. `keyed`: the index by
//! key id; `index`: the index by text; `lookups`: the address table and the
//! indexes the rules borrow; `m365`: resolution in
//! Microsoft 365; `view`: one inSync user's identifier and backup outcomes
//! per scenario; `persons`: grouping the records into persons.

use crate::model::{InsyncStatus, KeyId, M365User, OktaStatus, Source, key, key_hash, same_key};
use crate::settings::Access;
use crate::tenant::{Addresses, Tenant};
use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

mod index;
mod keyed;
mod lookups;
mod m365;
mod persons;
mod view;

pub use index::Index;
pub use keyed::KeyIndex;
pub use lookups::Lookups;
pub use m365::{M365Index, MatchKind, Resolution, aliases_of, fold, primary_of, same_folded};
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
    /// The Okta user that provisions each inSync user after the change.
    planned_okta: Vec<Option<u32>>,
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
        let addresses = Addresses::number(t);
        let a = &addresses;
        let keys = a.len();
        let okta = || (0..n32(t.okta.len())).map(|o| (o, a.okta(o)));
        let insync_by_email = || {
            KeyIndex::build(
                keys,
                (0..n32(t.insync.len())).map(|i| (a.insync(i).email, i)),
            )
        };
        let okta_by_user_name =
            || KeyIndex::build(keys, okta().map(|(o, k)| (k.current_user_name, o)));
        let okta_by_plan_user_name = || {
            KeyIndex::build(
                keys,
                okta()
                    .filter(|&(o, _)| t.okta[o as usize].status == OktaStatus::Active)
                    .map(|(o, k)| (k.plan_user_name, o)),
            )
        };
        let ad_by_upn = || KeyIndex::build(keys, (0..n32(t.ad.len())).map(|i| (a.ad(i).upn, i)));
        let ad_by_mail = || KeyIndex::build(keys, (0..n32(t.ad.len())).map(|i| (a.ad(i).mail, i)));
        // The indexes are independent: built in parallel.
        let (
            m365,
            (
                (insync_by_email, okta_by_user_name),
                (okta_by_plan_user_name, (ad_by_upn, ad_by_mail)),
            ),
        ) = rayon::join(
            || M365Index::build(t, a),
            || {
                rayon::join(
                    || rayon::join(insync_by_email, okta_by_user_name),
                    || {
                        rayon::join(okta_by_plan_user_name, || {
                            rayon::join(ad_by_upn, ad_by_mail)
                        })
                    },
                )
            },
        );
        let has_okta = t.has(Source::Okta);
        let insync_okta: Vec<(u32, u32)> = (0..n32(t.insync.len()))
            .into_par_iter()
            .map(|i| okta_by_user_name.span(a.insync(i).email))
            .collect();
        let okta_insync: Vec<(u32, u32)> = (0..n32(t.okta.len()))
            .into_par_iter()
            .map(|o| insync_by_email.span(a.okta(o).current_user_name))
            .collect();
        // An account by UPN, else by mail.
        let ad_of = |upn: KeyId, mail: KeyId| {
            ad_by_upn
                .get(upn)
                .first()
                .or_else(|| ad_by_mail.get(mail).first())
                .copied()
        };
        let okta_ad: Vec<Option<u32>> = (0..n32(t.okta.len()))
            .into_par_iter()
            .map(|o| {
                let k = a.okta(o);
                ad_of(k.login, k.email)
            })
            .collect();
        let mut lk = Lookups {
            t,
            addresses,
            m365,
            insync_by_email,
            insync_okta_ids: okta_by_user_name.into_ids(),
            okta_by_plan_user_name,
            insync_okta,
            okta_insync,
            okta_of: Vec::new(),
        };
        lk.find_okta_of();
        let a = &lk.addresses;
        let mut linked = Linked {
            t,
            okta_ad,
            insync_ahead: Vec::new(),
            okta_ahead: Vec::new(),
            planned_okta: Vec::new(),
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
        linked.planned_okta = linked.find_planned_okta(&lk);
        linked.insync_ad = (0..t.insync.len())
            .into_par_iter()
            .map(|i| {
                if has_okta {
                    lk.okta_of(i as u32)
                        .or(linked.insync_ahead[i])
                        .and_then(|o| linked.okta_ad[o as usize])
                } else {
                    let email = a.insync(i as u32).email;
                    ad_of(email, email)
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
                    let email = a.insync(i).email;
                    ad_of(email, email).map(|ad| (i, ad))
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
    pub fn planned_okta_of(&self, insync: u32) -> Option<u32> {
        self.planned_okta[insync as usize]
    }

    /// [`Linked::planned_okta_of`] of every inSync user.
    fn find_planned_okta(&self, lk: &Lookups<'_>) -> Vec<Option<u32>> {
        (0..self.t.insync.len() as u32)
            .into_par_iter()
            .map(|insync| {
                lk.active_okta_of(insync)
                    .or(self.insync_ahead[insync as usize])
                    .or_else(|| {
                        if lk.insync_okta(insync).is_empty() {
                            let email = lk.addresses.insync(insync).email;
                            lk.okta_by_plan_user_name.get(email).first().copied()
                        } else {
                            None
                        }
                    })
            })
            .collect()
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
            absent in proptest::collection::vec("[aAbBc ]{0,4}", 0..20),
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
            // Keys no entry has (or some have) are found as often as they are.
            for v in &absent {
                let ids = want.get(&key(v)).map_or(&[][..], Vec::as_slice);
                proptest::prop_assert_eq!(idx.get(v), ids, "{:?}", v);
            }
        }

        /// Thousands of keys, some held by several records, some by none:
        /// every look-up answers as a map from key to ids does.
        #[test]
        fn large_indexes_answer_as_a_map_does(
            n in 1usize..6000,
            shared in 1usize..7,
            seed in 0u64..1000,
        ) {
            let values: Vec<String> = (0..n)
                .map(|i| format!("U{}.{}@x.com", (i / shared) as u64 * 7919 + seed, i % 3))
                .collect();
            let idx = Index::build(values.iter().enumerate().map(|(i, v)| (v.as_str(), i as u32)));
            let mut want: std::collections::HashMap<String, Vec<u32>> = Default::default();
            for (i, v) in values.iter().enumerate() {
                want.entry(key(v)).or_default().push(i as u32);
            }
            for v in values.iter().chain(&[String::from("nobody@x.com")]) {
                let ids = want.get(&key(v)).map_or(&[][..], Vec::as_slice);
                proptest::prop_assert_eq!(idx.get(v), ids);
            }
        }
    }
}
