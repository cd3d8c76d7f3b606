//! Persons: the records of one person across the sources, stored flat
//! ([`Persons`]), grouped as the connected components of the links
//! ([`UnionFind`]).

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
