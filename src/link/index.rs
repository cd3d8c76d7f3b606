//! [`Index`]: the key of a text → the ids of the records that carry it,
//! for the few texts that are in no record field (folded addresses, the
//! local parts of unresolved identifiers); record fields are looked up by
//! their key ids ([`super::KeyIndex`]).

use super::*;

/// Normalised key → ids, each key held as a string: a plain map, for
/// thousands of entries, not millions.
#[derive(Debug, Default)]
pub struct Index {
    ids: rustc_hash::FxHashMap<String, Vec<u32>>,
}

impl Index {
    /// Builds an index; empty keys are not indexed, an id is listed once
    /// per key, in the order the entries come.
    pub fn build<S: AsRef<str>>(entries: impl Iterator<Item = (S, u32)>) -> Index {
        let mut ids: rustc_hash::FxHashMap<String, Vec<u32>> = Default::default();
        for (value, id) in entries {
            let k = key(value.as_ref());
            if k.is_empty() {
                continue;
            }
            let listed = ids.entry(k).or_default();
            if listed.last() != Some(&id) {
                listed.push(id);
            }
        }
        // An id that came again after another one's.
        for listed in ids.values_mut().filter(|l| l.len() > 2) {
            let mut seen = rustc_hash::FxHashSet::default();
            listed.retain(|id| seen.insert(*id));
        }
        Index { ids }
    }

    /// Ids of the records carrying the key of `value`.
    pub fn get(&self, value: &str) -> &[u32] {
        self.ids.get(&key(value)).map_or(&[], Vec::as_slice)
    }
}
