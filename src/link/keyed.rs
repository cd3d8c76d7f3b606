//! [`KeyIndex`]: a tenant address's [`KeyId`] → the ids of the records
//! that carry it.

use crate::model::KeyId;

/// Key id → ids of the records that carry the key, as two arrays: where
/// each key's ids start, and the ids of all keys back to back. A look-up
/// is two reads, no hashing. [`KeyId::NONE`] is never indexed.
#[derive(Debug, Default)]
pub struct KeyIndex {
    /// Per key and one more: where its ids start in `ids`.
    starts: Vec<u32>,
    ids: Vec<u32>,
}

impl KeyIndex {
    /// Indexes `entries` over a table of `keys` keys: each key's ids in the
    /// order the entries come, an id listed once per key.
    pub fn build(keys: usize, entries: impl Iterator<Item = (KeyId, u32)>) -> KeyIndex {
        let entries = entries.filter_map(|(k, id)| k.index().map(|k| (k as u32, id)));
        let mut listed: Vec<(u32, u32)> = Vec::with_capacity(entries.size_hint().1.unwrap_or(0));
        listed.extend(entries);
        // Each key's end, then its ids written from the last back (a
        // counting sort in place: each key's start is where it ends).
        let mut starts = vec![0u32; keys + 1];
        for &(k, _) in &listed {
            starts[k as usize + 1] += 1;
        }
        for k in 0..keys {
            starts[k + 1] += starts[k];
        }
        let mut ids = vec![0u32; listed.len()];
        for &(k, id) in listed.iter().rev() {
            let at = &mut starts[k as usize + 1];
            *at -= 1;
            ids[*at as usize] = id;
        }
        drop(listed);
        // Each key's end was moved back to its start: shift them into place.
        starts.rotate_left(1);
        starts[keys] = ids.len() as u32;
        let repeated = (0..keys).any(|k| {
            let run = &ids[starts[k] as usize..starts[k + 1] as usize];
            run.len() > 1 && (1..run.len()).any(|i| run[..i].contains(&run[i]))
        });
        if repeated {
            // Keep each key's first of repeated ids.
            let mut kept = Vec::with_capacity(ids.len());
            let mut new_starts = Vec::with_capacity(starts.len());
            new_starts.push(0u32);
            for k in 0..keys {
                let first = kept.len();
                for &id in &ids[starts[k] as usize..starts[k + 1] as usize] {
                    if !kept[first..].contains(&id) {
                        kept.push(id);
                    }
                }
                new_starts.push(kept.len() as u32);
            }
            starts = new_starts;
            ids = kept;
        }
        KeyIndex { starts, ids }
    }

    /// The ids of the records carrying key `k`.
    pub fn get(&self, k: KeyId) -> &[u32] {
        &self.ids[self.range(k)]
    }

    fn range(&self, k: KeyId) -> std::ops::Range<usize> {
        match k.index() {
            Some(k) if k + 1 < self.starts.len() => {
                self.starts[k] as usize..self.starts[k + 1] as usize
            }
            _ => 0..0,
        }
    }

    /// Where the ids of key `k` lie, for [`KeyIndex::ids`].
    pub fn span(&self, k: KeyId) -> (u32, u32) {
        let r = self.range(k);
        (r.start as u32, (r.end - r.start) as u32)
    }

    /// The ids of a span from [`KeyIndex::span`].
    pub fn ids(&self, (start, len): (u32, u32)) -> &[u32] {
        &self.ids[start as usize..(start + len) as usize]
    }

    /// The ids of every key, for spans taken before (the starts are
    /// freed).
    pub fn into_ids(self) -> Vec<u32> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A key's ids are those of its entries, in order, each once; a
        /// span gives them back.
        #[test]
        fn a_key_lists_its_entries_ids_once_in_order(
            entries in proptest::collection::vec((0u32..12, 0u32..6), 0..80),
        ) {
            let keys = 10usize;
            let id = |k: u32| if k as usize >= keys { KeyId::NONE } else { KeyId::nth(k) };
            let idx = KeyIndex::build(keys, entries.iter().map(|&(k, i)| (id(k), i)));
            for k in 0..keys as u32 {
                let mut want: Vec<u32> = Vec::new();
                for &(e, i) in &entries {
                    if e == k && !want.contains(&i) {
                        want.push(i);
                    }
                }
                proptest::prop_assert_eq!(idx.get(id(k)), want.as_slice());
                proptest::prop_assert_eq!(idx.ids(idx.span(id(k))), want.as_slice());
            }
            proptest::prop_assert!(idx.get(KeyId::NONE).is_empty());
        }
    }
}
