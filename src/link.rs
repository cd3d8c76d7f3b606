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

/// Normalised key → ids of the records that carry it.
///
/// Compact for millions of records: keys are found by [`key_hash`] and
/// confirmed with [`same_key`] against one value that carries them (no
/// normalised key is stored), and the ids of all keys share one vector.
#[derive(Debug, Default)]
pub struct Index<'t> {
    /// Slots sorted by hash; `dir[b]..dir[b + 1]` are the slots whose hash
    /// has `b` in its top bits (`hash >> shift`): one array read finds them,
    /// where a hash map took two.
    dir: Vec<u32>,
    shift: u32,
    slots: Vec<Slot<'t>>,
    ids: Vec<u32>,
}

#[derive(Debug)]
struct Slot<'t> {
    hash: u64,
    /// A value whose key this slot holds (borrowed from the tenant: a slot
    /// is 32 bytes, where an owned-or-borrowed value made it 40).
    value: &'t str,
    start: u32,
    len: u32,
}

impl<'t> Index<'t> {
    /// Builds an index; empty keys are not indexed, an id is listed once
    /// per key, in the order the entries come.
    pub fn build(entries: impl Iterator<Item = (&'t str, u32)>) -> Index<'t> {
        let (lower, upper) = entries.size_hint();
        Index::build_sized(entries, upper.unwrap_or(lower))
    }

    /// [`Index::build`] for about `expected` entries: the entries of a
    /// million-person tenant are gathered once, not grown by doubling.
    pub fn build_sized(
        entries: impl Iterator<Item = (&'t str, u32)>,
        expected: usize,
    ) -> Index<'t> {
        let mut all: Vec<(u64, u32, &'t str, u32)> = Vec::with_capacity(expected);
        all.extend(
            entries
                .filter(|(v, _)| !v.trim().is_empty())
                .enumerate()
                .map(|(seq, (v, id))| (key_hash(v), seq as u32, v, id)),
        );
        all.par_sort_unstable_by_key(|e| (e.0, e.1));
        let mut slots = Vec::with_capacity(all.len());
        let mut ids = Vec::with_capacity(all.len());
        let mut run_start = 0;
        while run_start < all.len() {
            let hash = all[run_start].0;
            let run_end = all[run_start..]
                .iter()
                .position(|e| e.0 != hash)
                .map_or(all.len(), |n| run_start + n);
            let mut push = |value: &'t str, group: &[u32]| {
                slots.push(Slot {
                    hash,
                    value,
                    start: ids.len() as u32,
                    len: group.len() as u32,
                });
                ids.extend_from_slice(group);
            };
            if run_end == run_start + 1 {
                // The usual case: a hash that one value has.
                let e = &all[run_start];
                push(e.2, &[e.3]);
                run_start = run_end;
                continue;
            }
            // Several entries of one hash: usually of one key (a user's UPN
            // and primary address, a local part on each of a user's
            // addresses). Their ids go straight to `ids`, each once.
            let run = &all[run_start..run_end];
            if run.len() <= 32 && run[1..].iter().all(|e| same_key(run[0].2, e.2)) {
                let start = ids.len();
                for e in run.iter() {
                    if !ids[start..].contains(&e.3) {
                        ids.push(e.3);
                    }
                }
                slots.push(Slot {
                    hash,
                    value: run[0].2,
                    start: start as u32,
                    len: (ids.len() - start) as u32,
                });
                run_start = run_end;
                continue;
            }
            // The distinct keys of this hash, in order of first appearance.
            let mut groups: Vec<(usize, Vec<u32>)> = Vec::new();
            for (n, e) in all[run_start..run_end].iter().enumerate() {
                let at = groups
                    .iter()
                    .position(|(first, _)| same_key(all[run_start + first].2, e.2));
                match at {
                    Some(g) => groups[g].1.push(e.3),
                    None => groups.push((n, vec![e.3])),
                }
            }
            for (first, mut group) in groups {
                if group.len() > 1 {
                    let mut seen = rustc_hash::FxHashSet::default();
                    group.retain(|id| seen.insert(*id));
                }
                push(all[run_start + first].2, &group);
            }
            run_start = run_end;
        }
        // About one slot per bucket: 2^bits >= the slots.
        let bits = (usize::BITS - slots.len().leading_zeros()).clamp(1, 32);
        let shift = 64 - bits;
        let mut dir = Vec::with_capacity((1 << bits) + 1);
        let mut next = 0usize;
        for bucket in 0..=(1u64 << bits) {
            while next < slots.len() && slots[next].hash >> shift < bucket {
                next += 1;
            }
            dir.push(next as u32);
        }
        Index {
            dir,
            shift,
            slots,
            ids,
        }
    }

    /// Where the ids of `value`'s key lie, for [`Index::ids`].
    pub fn span(&self, value: &str) -> (u32, u32) {
        self.slot(value).map_or((0, 0), |s| (s.start, s.len))
    }

    /// The ids of every key, for spans taken before: the rest of the
    /// index (its slots and directory) is freed.
    pub fn into_ids(self) -> Vec<u32> {
        self.ids
    }

    /// The ids of a span from [`Index::span`].
    pub fn ids(&self, (start, len): (u32, u32)) -> &[u32] {
        &self.ids[start as usize..(start + len) as usize]
    }

    /// Ids of the records carrying the key of `value` (a value or a key).
    pub fn get(&self, value: &str) -> &[u32] {
        self.ids(self.span(value))
    }

    /// The slot of `value`'s key: among the slots of its hash's bucket,
    /// the one of the same hash and key.
    fn slot(&self, value: &str) -> Option<&Slot<'t>> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = key_hash(value);
        let bucket = (hash >> self.shift) as usize;
        let (lo, hi) = (self.dir[bucket] as usize, self.dir[bucket + 1] as usize);
        self.slots[lo..hi]
            .iter()
            .find(|s| s.hash == hash && same_key(s.value, value))
    }
}

/// Whether two values have the same key once accents are folded
/// (`fold(&key(a)) == fold(&key(b))`); ASCII values fold to themselves, so
/// for them this is [`same_key`] and nothing is normalised.
pub fn same_folded(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        same_key(a, b)
    } else {
        fold(&key(a)) == fold(&key(b))
    }
}

/// Folds accents away: `josé` → `jose`, `ø` → `o`, `ß` → `ss`.
pub fn fold(value: &str) -> String {
    value
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(|c| {
            let s: &str = match c {
                'ø' => "o",
                'Ø' => "O",
                'ł' => "l",
                'Ł' => "L",
                'đ' => "d",
                'Đ' => "D",
                'ß' => "ss",
                'æ' => "ae",
                'Æ' => "AE",
                'œ' => "oe",
                'Œ' => "OE",
                'ı' => "i",
                _ => "",
            };
            if s.is_empty() {
                vec![c]
            } else {
                s.chars().collect()
            }
        })
        .collect()
}

/// The primary SMTP address of a Microsoft 365 user: the primary-address
/// column when it has a value, else the `SMTP:` proxy entry.
pub fn primary_of(m: &M365User) -> &str {
    if !m.primary_smtp.trim().is_empty() {
        &m.primary_smtp
    } else {
        m.proxies
            .iter()
            .find(|p| p.primary)
            .map_or("", |p| p.address)
    }
}

/// The aliases of a Microsoft 365 user: its SMTP proxies other than the
/// primary address.
pub fn aliases_of(m: &M365User) -> impl Iterator<Item = &str> {
    let primary = primary_of(m);
    m.proxies
        .iter()
        .map(|p| p.address)
        .filter(move |a| !same_key(a, primary))
}

/// How a Microsoft 365 user matched an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
    Upn,
    Primary,
    Alias,
}

/// What an identifier resolves to in Microsoft 365.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// No Microsoft 365 input, or an empty identifier.
    NotJudged,
    None,
    One {
        user: u32,
        kind: MatchKind,
    },
    Ambiguous {
        users: Box<[u32]>,
        any_upn: bool,
    },
}

/// Folded address → users: the few addresses that folding accents changes,
/// each key held as a string (an [`Index`] borrows its values from the
/// tenant, and a folded address is in no record).
#[derive(Debug, Default)]
pub struct Folded {
    users: rustc_hash::FxHashMap<String, Vec<u32>>,
}

impl Folded {
    /// Empty values are not kept; a user is listed once per key, in the
    /// order the entries come (each user's entries together).
    fn build(entries: impl Iterator<Item = (String, u32)>) -> Folded {
        let mut users: rustc_hash::FxHashMap<String, Vec<u32>> = Default::default();
        for (value, id) in entries {
            let k = key(&value);
            if k.is_empty() {
                continue;
            }
            // A user's entries come together: only the last id can repeat.
            let ids = users.entry(k).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        Folded { users }
    }

    /// The users with `value`'s key.
    pub fn get(&self, value: &str) -> &[u32] {
        self.users.get(&key(value)).map_or(&[], Vec::as_slice)
    }
}

/// The Microsoft 365 indexes.
pub struct M365Index<'t> {
    /// Every address → users, each id tagged with how it matches
    /// (`user << 2 | kind`, see [`MatchKind`]): UPNs first, then primary
    /// addresses, then aliases, so one look-up resolves an identifier.
    address: Index<'t>,
    /// Folded address → users, for addresses that folding changes.
    pub folded: Folded,
    /// Local part → users (for `other-domain-match`).
    pub local: Index<'t>,
    pub present: bool,
    pub mailbox_data: bool,
    /// Whether some input shows UPNs: OneDrive is judged only then.
    pub upn_data: bool,
    /// Whether the Exchange checks are judged (mailbox addresses shown, no
    /// address column set aside).
    pub exchange_judged: bool,
}

const KINDS: [MatchKind; 3] = [MatchKind::Upn, MatchKind::Primary, MatchKind::Alias];

impl<'t> M365Index<'t> {
    pub fn build(t: &'t Tenant) -> M365Index<'t> {
        let users = &t.m365;
        let mailbox = t.mailbox_data;
        let ids = || users.iter().enumerate().map(|(i, m)| (m, i as u32));
        // Every address of a user: the UPN, and with mailbox data the
        // primary address and the aliases.
        let addresses = move |m: &'t M365User| {
            let mail = mailbox.then(|| std::iter::once(primary_of(m)).chain(aliases_of(m)));
            std::iter::once(m.upn.as_ref()).chain(mail.into_iter().flatten())
        };
        // At most a UPN, a primary address and the proxies of each user.
        let expected = if mailbox {
            users.len() * 2 + users.iter().map(|m| m.proxies.len()).sum::<usize>()
        } else {
            users.len()
        };
        let tag = |i: u32, kind: u32| {
            assert!(i < 1 << 30, "more than 2^30 Microsoft 365 users");
            i << 2 | kind
        };
        // Every address → users: UPNs, then primary addresses, then aliases.
        let address = || {
            let upns = ids().map(|(m, i)| (m.upn.as_ref(), tag(i, 0)));
            let primaries = ids()
                .filter(|_| mailbox)
                .map(|(m, i)| (primary_of(m), tag(i, 1)));
            let aliases = ids()
                .filter(|_| mailbox)
                .flat_map(|(m, i)| aliases_of(m).map(move |a| (a, tag(i, 2))));
            Index::build_sized(upns.chain(primaries).chain(aliases), expected)
        };
        // Local part → users.
        let local = || {
            let locals = ids().flat_map(|(m, i)| {
                addresses(m)
                    .filter_map(move |a| a.trim().split_once('@').map(|(local, _)| (local, i)))
            });
            Index::build_sized(locals, expected)
        };
        // Folded address → users, for addresses that folding changes.
        let folded = || {
            Folded::build(ids().flat_map(|(m, i)| {
                addresses(m).filter_map(move |a| {
                    let a = a.trim();
                    if a.is_ascii() {
                        return None;
                    }
                    let k = key(a);
                    let f = fold(&k);
                    (f != k).then_some((f, i))
                })
            }))
        };
        // The three are independent: built in parallel.
        let ((address, local), folded) = rayon::join(|| rayon::join(address, local), folded);
        M365Index {
            address,
            folded,
            local,
            present: t.has(Source::M365),
            mailbox_data: t.mailbox_data,
            upn_data: t.upn_data,
            exchange_judged: t.exchange_judged,
        }
    }

    /// The users with `value` as an address, and how it matches: UPN
    /// matches first, then primary addresses, then aliases (a user may come
    /// more than once).
    pub fn matches(&self, value: &str) -> impl Iterator<Item = (u32, MatchKind)> + '_ {
        self.address
            .get(value)
            .iter()
            .map(|&t| (t >> 2, KINDS[(t & 3) as usize]))
    }

    /// The users whose UPN is `value`.
    pub fn upn(&self, value: &str) -> impl Iterator<Item = u32> + '_ {
        self.matches(value)
            .take_while(|(_, kind)| *kind == MatchKind::Upn)
            .map(|(i, _)| i)
    }

    /// Frees the indexes (see [`Linked::release_indexes`]).
    fn release(&mut self) {
        for index in [&mut self.address, &mut self.local] {
            *index = Index::default();
        }
        self.folded = Folded::default();
    }

    /// Resolves an identifier to the Microsoft 365 user(s) it names.
    pub fn resolve(&self, id: &str) -> Resolution {
        if !self.present || id.trim().is_empty() {
            return Resolution::NotJudged;
        }
        let all = self.address.get(id);
        if let [t] = all {
            return Resolution::One {
                user: t >> 2,
                kind: KINDS[(t & 3) as usize],
            };
        }
        let mut found: Vec<(u32, MatchKind)> = Vec::new();
        for (i, kind) in self.matches(id) {
            if !found.iter().any(|(j, _)| *j == i) {
                found.push((i, kind));
            }
        }
        match found.len() {
            0 => Resolution::None,
            1 => Resolution::One {
                user: found[0].0,
                kind: found[0].1,
            },
            _ => {
                let any_upn = found.iter().any(|(_, k)| *k == MatchKind::Upn);
                let mut users: Vec<u32> = found.into_iter().map(|(i, _)| i).collect();
                users.sort_unstable();
                Resolution::Ambiguous {
                    users: users.into_boxed_slice(),
                    any_upn,
                }
            }
        }
    }
}

impl Resolution {
    /// The one Microsoft 365 user resolved to, if it is one.
    pub fn user(&self) -> Option<u32> {
        match self {
            Resolution::One { user, .. } => Some(*user),
            _ => None,
        }
    }
}

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

/// The scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Current,
    Planned,
}

/// A person: the records of every source that link into one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Person<'a> {
    pub okta: &'a [u32],
    pub ad: &'a [u32],
    pub insync: &'a [u32],
    pub m365: &'a [u32],
}

/// Every person, stored flat: the records of person `p` of source `s` are
/// `records[starts[4p + s]..starts[4p + s + 1]]` (Okta, AD, inSync, M365).
#[derive(Debug, Default)]
pub struct Persons {
    starts: Vec<u32>,
    records: Vec<u32>,
}

impl Persons {
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1) / 4
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Person `p`.
    pub fn get(&self, p: usize) -> Person<'_> {
        let part = |s: usize| {
            let (a, b) = (self.starts[4 * p + s], self.starts[4 * p + s + 1]);
            &self.records[a as usize..b as usize]
        };
        Person {
            okta: part(0),
            ad: part(1),
            insync: part(2),
            m365: part(3),
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Person<'_>> + '_ {
        (0..self.len()).map(|p| self.get(p))
    }
}

/// The linked tenant.
pub struct Linked<'t> {
    pub t: &'t Tenant,
    pub m365: M365Index<'t>,
    pub insync_by_email: Index<'t>,
    /// The Okta users of each inSync user, back to back: `insync_okta`
    /// holds each one's span. The ids of the Okta-by-userName index, kept
    /// when its slots are freed after linking.
    insync_okta_ids: Vec<u32>,
    /// Active Okta users by the userName they will send after the change.
    pub okta_by_plan_user_name: Index<'t>,
    /// Okta users linked to each inSync user (by today's userName).
    insync_okta: Vec<(u32, u32)>,
    /// inSync users linked to each Okta user.
    okta_insync: Vec<(u32, u32)>,
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
    pub fn build(t: &'t Tenant) -> Linked<'t> {
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
        let mut linked = Linked {
            t,
            m365,
            insync_by_email,
            insync_okta_ids: okta_by_user_name.into_ids(),
            okta_by_plan_user_name,
            insync_okta,
            okta_insync,
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
        (linked.insync_ahead, linked.okta_ahead) = linked.ahead_links();
        linked.insync_ad = (0..t.insync.len())
            .into_par_iter()
            .map(|i| {
                if has_okta {
                    linked
                        .okta_of(i as u32)
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
                        && linked.okta_of(i).is_none()
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
            .map(|i| linked.view(i as u32, Which::Current))
            .collect();
        if t.planned {
            linked.planned = Some(
                (0..t.insync.len())
                    .into_par_iter()
                    .map(|i| linked.view(i as u32, Which::Planned))
                    .collect(),
            );
        }
        linked.group_persons(&insync_ad_unlinked);
        linked
    }

    /// Frees the indexes once the rules have run: the report reads records,
    /// views and persons only, and at a million persons the indexes hold
    /// hundreds of megabytes. The look-ups (`okta_of`, `insync_okta`,
    /// `M365Index::resolve`...) must not be used afterwards.
    pub fn release_indexes(&mut self) {
        self.m365.release();
        for index in [&mut self.insync_by_email, &mut self.okta_by_plan_user_name] {
            *index = Index::default();
        }
        self.insync_okta_ids = Vec::new();
        self.insync_okta = Vec::new();
        self.okta_insync = Vec::new();
    }

    /// The links made *ahead* (SPEC section 4): an active inSync user that no
    /// Okta user links to, whose email is the planned userName of exactly one
    /// active Okta user that links to no inSync user today, and that Okta
    /// user's only such inSync user; where both the email and the Okta login
    /// resolve in Microsoft 365, to the same user. Returns the Okta user of
    /// each inSync user and the inSync user of each Okta user.
    fn ahead_links(&self) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
        let t = self.t;
        let active_unlinked_insync = |u: u32| {
            t.insync[u as usize].status == InsyncStatus::Active && self.insync_okta(u).is_empty()
        };
        let insync_ahead: Vec<Option<u32>> = (0..t.insync.len() as u32)
            .into_par_iter()
            .map(|u| {
                if !active_unlinked_insync(u) {
                    return None;
                }
                let email = &t.insync[u as usize].email;
                // Active Okta users by planned userName, unlinked today.
                let mut candidates = self
                    .okta_by_plan_user_name
                    .get(email)
                    .iter()
                    .copied()
                    .filter(|&o| self.okta_insync(o).is_empty());
                let (Some(o), None) = (candidates.next(), candidates.next()) else {
                    return None;
                };
                // This inSync user is the only active unlinked one with it.
                let mut peers = self
                    .insync_by_email
                    .get(email)
                    .iter()
                    .copied()
                    .filter(|&v| active_unlinked_insync(v));
                if (peers.next(), peers.next()) != (Some(u), None) {
                    return None;
                }
                let by_email = self.m365.resolve(email).user();
                let by_login = self.m365.resolve(&t.okta[o as usize].login).user();
                match (by_email, by_login) {
                    (Some(a), Some(b)) if a != b => None,
                    _ => Some(o),
                }
            })
            .collect();
        let mut okta_ahead = vec![None; t.okta.len()];
        for (u, o) in insync_ahead.iter().enumerate() {
            if let Some(o) = o {
                okta_ahead[*o as usize] = Some(u as u32);
            }
        }
        (insync_ahead, okta_ahead)
    }

    /// The Okta user an inSync user is linked to ahead (remediated ahead).
    pub fn ahead_okta_of(&self, insync: u32) -> Option<u32> {
        self.insync_ahead[insync as usize]
    }

    /// The inSync user an Okta user is linked to ahead (remediated ahead).
    pub fn ahead_insync_of(&self, okta: u32) -> Option<u32> {
        self.okta_ahead[okta as usize]
    }

    /// The Okta users linked to an inSync user (by today's userName).
    pub fn insync_okta(&self, insync: u32) -> &[u32] {
        let (start, len) = self.insync_okta[insync as usize];
        &self.insync_okta_ids[start as usize..(start + len) as usize]
    }

    /// The inSync users linked to an Okta user.
    pub fn okta_insync(&self, okta: u32) -> &[u32] {
        self.insync_by_email.ids(self.okta_insync[okta as usize])
    }

    /// The Okta user an inSync user is linked to: the first active one,
    /// else the first.
    pub fn okta_of(&self, insync: u32) -> Option<u32> {
        let linked = self.insync_okta(insync);
        linked
            .iter()
            .copied()
            .find(|&o| self.t.okta[o as usize].status == OktaStatus::Active)
            .or_else(|| linked.first().copied())
    }

    /// The active Okta user an inSync user is linked to.
    pub fn active_okta_of(&self, insync: u32) -> Option<u32> {
        self.okta_of(insync)
            .filter(|&o| self.t.okta[o as usize].status == OktaStatus::Active)
    }

    /// The active Okta user that will provision an inSync user after the
    /// change: the one linked today, else the one linked ahead, or else the
    /// first whose planned userName is this inSync email (Okta matches
    /// existing users by userName).
    pub fn planned_okta_of(&self, insync: u32) -> Option<u32> {
        self.active_okta_of(insync)
            .or(self.insync_ahead[insync as usize])
            .or_else(|| {
                if self.insync_okta(insync).is_empty() {
                    let email = key(&self.t.insync[insync as usize].email);
                    self.okta_by_plan_user_name.get(&email).first().copied()
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
    fn view(&self, i: u32, which: Which) -> View<'t> {
        let t: &'t Tenant = self.t;
        let u = &t.insync[i as usize];
        let s = &t.settings;
        let current_ad: &'t str = if !u.ad_attribute.trim().is_empty() {
            &u.ad_attribute
        } else if s.current_upn.value.is_some() {
            self.okta_of(i).map_or("", |o| t.okta_values(o).current_upn)
        } else {
            ""
        };
        let (email, ad_attribute, access) = match which {
            Which::Current => (u.email.as_ref(), current_ad, s.access_using.value),
            Which::Planned => match self.planned_okta_of(i) {
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
            self.m365.resolve(id)
        } else {
            Resolution::NotJudged
        };
        let na = Outcome::NotApplicable;
        let mailbox = self.m365.mailbox_data;
        let (onedrive, exchange_backup, exchange_restore) = if !active || !self.m365.present {
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
        let onedrive = if self.m365.upn_data { onedrive } else { na };
        let (exchange_backup, exchange_restore) = if self.m365.exchange_judged {
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
    fn group_persons(&mut self, insync_ad_unlinked: &[(u32, u32)]) {
        let t = self.t;
        let (no, na, ni, nm) = (t.okta.len(), t.ad.len(), t.insync.len(), t.m365.len());
        let (base_ad, base_insync, base_m365) = (no, no + na, no + na + ni);
        let mut uf = UnionFind::new(no + na + ni + nm);
        for o in 0..no {
            for &u in self.okta_insync(o as u32) {
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
        let m365 = &self.m365;
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

/// Disjoint sets over record nodes.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins two sets; the smaller root stays the root, so the result does
    /// not depend on the order of unions.
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
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
