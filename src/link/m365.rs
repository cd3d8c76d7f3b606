//! Microsoft 365 resolution: which user an identifier is the UPN, primary
//! SMTP address or alias of ([`M365Index`], [`Resolution`]), and accent
//! folding for near misses ([`fold`]).

use super::*;

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

pub use crate::model::primary_of;

/// The aliases of a Microsoft 365 user: its SMTP proxies other than the
/// primary address.
pub fn aliases_of(m: &M365User) -> impl Iterator<Item = &str> {
    let primary = primary_of(m);
    m.proxies()
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

/// The Microsoft 365 indexes.
pub struct M365Index {
    /// Every address → users, each with how it matches ([`Listed`]): UPNs
    /// first, then primary addresses, then aliases, so one look-up resolves
    /// an identifier.
    address: KeyIndex,
    /// Folded address → users, for addresses that folding changes.
    pub folded: Index,
    /// Local part → users (for `other-domain-match`), of the local parts
    /// that some unresolved identifier has: see `M365Index::index_locals`.
    pub local: Index,
    pub present: bool,
    pub mailbox_data: bool,
    /// Whether some input shows UPNs: OneDrive is judged only then.
    pub upn_data: bool,
    /// Whether the Exchange checks are judged (mailbox addresses shown, no
    /// address column set aside).
    pub exchange_judged: bool,
}

/// A user as the address index lists it: the user and how the address
/// matches, in the index's 32-bit id (the kind in the low two bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Listed(u32);

impl Listed {
    fn new(user: u32, kind: MatchKind) -> Listed {
        assert!(user < 1 << 30, "more than 2^30 Microsoft 365 users");
        Listed(user << 2 | kind as u32)
    }

    fn user(self) -> u32 {
        self.0 >> 2
    }

    fn kind(self) -> MatchKind {
        [MatchKind::Upn, MatchKind::Primary, MatchKind::Alias][(self.0 & 3) as usize]
    }
}

impl M365Index {
    pub fn build<'t>(t: &'t Tenant, a: &Addresses) -> M365Index {
        let users = &t.m365;
        let mailbox = t.mailbox_data;
        let ids = || users.iter().enumerate().map(|(i, m)| (m, i as u32));
        // Every address of a user: the UPN, and with mailbox data the
        // primary address and the aliases.
        let addresses = move |m: &'t M365User| {
            let mail = mailbox.then(|| std::iter::once(primary_of(m)).chain(aliases_of(m)));
            std::iter::once(m.upn()).chain(mail.into_iter().flatten())
        };
        let tag = |i: u32, kind| Listed::new(i, kind).0;
        // Every address → users: UPNs, then primary addresses, then aliases
        // (the proxies other than the primary address).
        let address = || {
            let n = users.len() as u32;
            let upns = (0..n).map(|i| (a.m365(i).upn, tag(i, MatchKind::Upn)));
            let primaries = (0..n)
                .filter(|_| mailbox)
                .map(|i| (a.m365(i).primary, tag(i, MatchKind::Primary)));
            let aliases = (0..n).filter(|_| mailbox).flat_map(|i| {
                let primary = a.m365(i).primary;
                a.m365_proxies(i)
                    .iter()
                    .filter(move |&&p| p != primary)
                    .map(move |&p| (p, tag(i, MatchKind::Alias)))
            });
            KeyIndex::build(a.len(), upns.chain(primaries).chain(aliases))
        };
        // Folded address → users, for addresses that folding changes.
        let folded = || {
            Index::build(ids().flat_map(|(m, i)| {
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
        let (address, folded) = rayon::join(address, folded);
        M365Index {
            address,
            folded,
            local: Index::default(),
            present: t.has(Source::M365),
            mailbox_data: t.mailbox_data,
            upn_data: t.upn_data,
            exchange_judged: t.exchange_judged,
        }
    }

    /// Indexes by local part the addresses whose local part is one of
    /// `wanted`'s (the identifiers that resolve to no user): those are the
    /// only ones `other-domain-match` looks up, a few thousand where every
    /// address of a large tenant took millions of entries. A local part is
    /// listed under its key, the users in the order of every address's
    /// index, as an index of all local parts lists them.
    pub(super) fn index_locals<'t, 'w>(
        &mut self,
        t: &'t Tenant,
        wanted: impl Iterator<Item = &'w str>,
    ) {
        let wanted: rustc_hash::FxHashSet<u64> = wanted
            .filter_map(|id| key(id).split_once('@').map(|(local, _)| key_hash(local)))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mailbox = t.mailbox_data;
        // (user, local part) of every address whose local part's hash is
        // wanted (a hash shared by another key only adds entries under
        // that key, which no look-up asks for).
        let found: Vec<(u32, &'t str)> = (0..t.m365.len() as u32)
            .into_par_iter()
            .flat_map_iter(|i| {
                let m: &'t M365User = &t.m365[i as usize];
                let mail = mailbox.then(|| std::iter::once(primary_of(m)).chain(aliases_of(m)));
                std::iter::once(m.upn())
                    .chain(mail.into_iter().flatten())
                    .filter_map(|a| a.trim().split_once('@').map(|(local, _)| local))
                    .filter(|local| wanted.contains(&key_hash(local)))
                    .map(move |local| (i, local))
                    .collect::<Vec<_>>()
            })
            .collect();
        self.local = Index::build(found.into_iter().map(|(i, local)| (local, i)));
    }

    /// The users with key `k` as an address, and how it matches: UPN
    /// matches first, then primary addresses, then aliases (a user may come
    /// more than once).
    pub fn matches(&self, k: KeyId) -> impl Iterator<Item = (u32, MatchKind)> + '_ {
        self.address
            .get(k)
            .iter()
            .map(|&t| (Listed(t).user(), Listed(t).kind()))
    }

    /// The users whose UPN has key `k`.
    pub fn upn(&self, k: KeyId) -> impl Iterator<Item = u32> + '_ {
        self.matches(k)
            .take_while(|(_, kind)| *kind == MatchKind::Upn)
            .map(|(i, _)| i)
    }

    /// Resolves an identifier, a tenant address by its key, to the
    /// Microsoft 365 user(s) it names.
    pub fn resolve(&self, k: KeyId) -> Resolution {
        if !self.present || k.is_none() {
            return Resolution::NotJudged;
        }
        let all = self.address.get(k);
        if let [t] = all {
            return Resolution::One {
                user: Listed(*t).user(),
                kind: Listed(*t).kind(),
            };
        }
        let mut found: Vec<(u32, MatchKind)> = Vec::new();
        for (i, kind) in self.matches(k) {
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
