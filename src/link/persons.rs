//! Persons: the records of one person across the sources, stored flat
//! ([`Persons`]), grouped as the connected components of the links
//! ([`UnionFind`]).

use super::{Linked, Lookups, Resolution};
use crate::settings::Access;
use rayon::prelude::*;

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
#[derive(Clone, Debug, Default)]
pub struct Persons {
    pub(super) starts: Vec<u32>,
    pub(super) records: Vec<u32>,
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

/// Disjoint sets over record nodes.
pub(super) struct UnionFind {
    pub(super) parent: Vec<usize>,
}

impl UnionFind {
    pub(super) fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    pub(super) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins two sets; the smaller root stays the root, so the result does
    /// not depend on the order of unions.
    pub(super) fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

impl Linked<'_> {
    /// Groups records into persons (connected components of the links, and
    /// of `insync_ad_unlinked`: inSync users and AD accounts joined for
    /// grouping only).
    pub(super) fn group_persons(&mut self, lk: &Lookups<'_>, insync_ad_unlinked: &[(u32, u32)]) {
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
        // up in parallel by key id, joined in order below.
        let m365 = &lk.m365;
        let a = &lk.addresses;
        let insync_m365: Vec<Option<u32>> = self
            .current
            .par_iter()
            .enumerate()
            .map(|(i, v)| match v.resolution {
                Resolution::One { user, .. } => Some(user),
                // The email resolved already, to none or several users.
                Resolution::None | Resolution::Ambiguous { .. }
                    if v.access == Access::InsyncEmail =>
                {
                    None
                }
                // Today's view has the inSync email.
                _ => m365.resolve(a.insync(i as u32).email).user(),
            })
            .collect();
        let okta_m365: Vec<Option<u32>> = (0..t.okta.len() as u32)
            .into_par_iter()
            .map(|o| m365.resolve(a.okta(o).login).user())
            .collect();
        let ad_m365: Vec<Option<u32>> = (0..t.ad.len() as u32)
            .into_par_iter()
            .map(|i| {
                let mut upn = m365.upn(a.ad(i).upn);
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
