//! [`Index`]: normalised key → the ids of the records that carry it.

use super::*;

/// Normalised key → ids of the records that carry it.
///
/// Compact for millions of records: keys are found by [`key_hash`] and
/// confirmed with [`same_key`] against one value that carries them (no
/// normalised key is stored), and the ids of all keys share one vector.
///
/// The slots are kept in the order of their hashes, each at or after its
/// home place (the top bits of its hash) with no gap between the two, so a
/// look-up reads forward from the home place: one or two neighbouring
/// slots, where a directory and a separate slot array took two distant
/// reads. A key held by one record keeps its id in its slot.
#[derive(Debug, Default)]
pub struct Index<'t> {
    table: Vec<Slot<'t>>,
    /// How many home places there are ([`home`]): the table's length but
    /// the slots that ran past its end.
    places: usize,
    ids: Vec<u32>,
}

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Slot<'t> {
    /// The top 32 bits of the key's hash (the order of the slots).
    hash: u32,
    /// The first id of the key (the only one, usually).
    first: u32,
    start: u32,
    /// 0 for an empty slot.
    len: u32,
    /// A value whose key this slot holds (borrowed from the tenant: a slot
    /// is 32 bytes).
    value: &'t str,
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
        // (full hash, slot), in the order of the hashes.
        let mut slots: Vec<(u64, Slot<'t>)> = Vec::with_capacity(all.len());
        let mut ids = Vec::with_capacity(all.len());
        let mut run_start = 0;
        while run_start < all.len() {
            let hash = all[run_start].0;
            let run_end = all[run_start..]
                .iter()
                .position(|e| e.0 != hash)
                .map_or(all.len(), |n| run_start + n);
            let mut push = |value: &'t str, group: &[u32]| {
                slots.push((
                    hash,
                    Slot::new(hash, value, group[0], ids.len(), group.len()),
                ));
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
                let len = ids.len() - start;
                slots.push((hash, Slot::new(hash, run[0].2, ids[start], start, len)));
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
        // Room for the slots 80% full (a power of two above that was up to
        // 2.5 times the slots: 256 MB for the addresses of a million
        // Microsoft 365 users); each slot at its home place or just after
        // the slot before it. Placed in the order of their hashes, the
        // slots fill the table front to back; the last ones may run past
        // its end.
        let places = (slots.len() + slots.len() / 4).max(1);
        let mut table = vec![Slot::default(); places];
        let mut next = 0usize;
        for (hash, slot) in slots {
            let at = home(hash, places).max(next);
            if at < table.len() {
                table[at] = slot;
            } else {
                table.push(slot);
            }
            next = at + 1;
        }
        if ids.is_empty() {
            table = Vec::new();
        }
        Index { table, places, ids }
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
        match self.slot(value) {
            Some(s) if s.len == 1 => std::slice::from_ref(&s.first),
            Some(s) => &self.ids[s.start as usize..(s.start + s.len) as usize],
            None => &[],
        }
    }

    /// The slot of `value`'s key: from its home place forward, the slot of
    /// the same hash and key, until an empty slot or a larger hash.
    pub(super) fn slot(&self, value: &str) -> Option<&Slot<'t>> {
        if self.table.is_empty() {
            return None;
        }
        let hash = key_hash(value);
        let top = (hash >> 32) as u32;
        self.table[home(hash, self.places)..]
            .iter()
            .take_while(|s| s.len > 0 && s.hash <= top)
            .find(|s| s.hash == top && same_key(s.value, value))
    }
}

/// A hash's home place among `places`: its share of the range, so that
/// the home places are in the order of the hashes (as the slots are).
fn home(hash: u64, places: usize) -> usize {
    ((u128::from(hash) * places as u128) >> 64) as usize
}

impl<'t> Slot<'t> {
    /// The slot of a key of `hash` whose ids are `ids[start..start + len]`,
    /// the first being `first`.
    fn new(hash: u64, value: &'t str, first: u32, start: usize, len: usize) -> Slot<'t> {
        Slot {
            hash: (hash >> 32) as u32,
            first,
            start: start as u32,
            len: len as u32,
            value,
        }
    }
}
