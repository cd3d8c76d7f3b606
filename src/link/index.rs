//! [`Index`]: normalised key → the ids of the records that carry it.

use super::*;

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
pub(super) struct Slot<'t> {
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
    pub(super) fn slot(&self, value: &str) -> Option<&Slot<'t>> {
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
