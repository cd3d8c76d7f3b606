//! The address table: every address of a tenant normalised once ([`key`])
//! and numbered, so that linking and the rules compare and look up
//! integers ([`KeyId`]) instead of hashing and comparing text again.
//!
//! [`Keys::number_entries`] gives each value the id of its key (values with the
//! same key get the same id; a blank value gets [`KeyId::NONE`]), and
//! [`Keys::find`] the id of any value's key. No normalised text is kept:
//! a key is found by its hash and confirmed against one value that has
//! it, which the caller gives back by its place among the values
//! numbered. The `number_is_a_map_of_keys` property test holds it to a
//! map from each [`key`] to its id.

use super::key::{key_hash, same_key, trim};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// The id of a normalised address in a tenant's [`Keys`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(u32);

impl KeyId {
    /// The id of a blank value: it names no key and matches nothing.
    pub const NONE: KeyId = KeyId(u32::MAX);

    /// Whether this is [`KeyId::NONE`].
    pub fn is_none(self) -> bool {
        self == KeyId::NONE
    }

    /// The id of the `k`-th key, for tests of what indexes by ids.
    #[cfg(test)]
    pub(crate) fn nth(k: u32) -> KeyId {
        KeyId(k)
    }

    /// The key's place among the keys (`0..Keys::len()`); `None` for
    /// [`KeyId::NONE`].
    pub fn index(self) -> Option<usize> {
        (!self.is_none()).then_some(self.0 as usize)
    }
}

/// The distinct keys of the values numbered.
///
/// Keys are numbered in the order of their hashes, so the ids are also a
/// hash table: a key's home place is its hash's share of the places, and
/// `first[p]` is the first key whose home is at or after place `p`.
#[derive(Debug, Default)]
pub struct Keys {
    /// The top 32 bits of each key's hash, by id.
    hash: Vec<u32>,
    /// A value of each key: its place among the values numbered.
    value: Vec<u32>,
    /// Per home place (one per key) and one more, the first key at or
    /// after it.
    first: Vec<u32>,
}

/// A home place among `places` for a hash's top 32 bits: its share of the
/// range, in the order of the hashes.
fn home(hash: u32, places: usize) -> usize {
    ((u64::from(hash) * places as u64) >> 32) as usize
}

impl Keys {
    /// Numbers the keys of `values`: the table, and each value's id (the
    /// plain form the tests hold [`Keys::number_entries`] to).
    #[cfg(test)]
    pub fn number(values: &[&str]) -> (Keys, Vec<KeyId>) {
        let entries = values
            .par_iter()
            .enumerate()
            .filter_map(|(place, v)| Keys::entry(v, place))
            .collect();
        Keys::number_entries(entries, values.len(), |place| values[place as usize])
    }

    /// The entry of a value at `place` for [`Keys::number_entries`]: the
    /// top 32 bits of its key's hash and its place; `None` when blank.
    ///
    /// # Panics
    /// At place 2^32 - 1 or beyond (a tenant of hundreds of millions of
    /// persons).
    pub fn entry(value: &str, place: usize) -> Option<(u32, u32)> {
        assert!(place < u32::MAX as usize, "fewer than 2^32 values");
        (!trim(value).is_empty()).then(|| ((key_hash(value) >> 32) as u32, place as u32))
    }

    /// Numbers the keys of `n` values, given the entries of those that are
    /// not blank ([`Keys::entry`], in any order) and each value by its
    /// place (`value_at`, read to confirm the values of one hash).
    pub fn number_entries<'v>(
        mut entries: Vec<(u32, u32)>,
        n: usize,
        value_at: impl Fn(u32) -> &'v str + Sync,
    ) -> (Keys, Vec<KeyId>) {
        entries.par_sort_unstable();
        // Parts that split no run of one hash, numbered in parallel: each
        // entry's hash is replaced by its key's number in the part.
        let parts = rayon::current_num_threads().max(1) * 8;
        let mut bounds = vec![0];
        for p in 1..parts {
            let mut b = (entries.len() * p / parts).max(*bounds.last().unwrap_or(&0));
            while b > 0 && b < entries.len() && entries[b].0 == entries[b - 1].0 {
                b += 1;
            }
            bounds.push(b);
        }
        bounds.push(entries.len());
        let mut chunks: Vec<&mut [(u32, u32)]> = Vec::with_capacity(parts);
        let mut rest = entries.as_mut_slice();
        for w in bounds.windows(2) {
            let (chunk, tail) = rest.split_at_mut(w[1] - w[0]);
            chunks.push(chunk);
            rest = tail;
        }
        let numbered: Vec<Part> = chunks
            .par_iter_mut()
            .map(|chunk| Part::number(chunk, &value_at))
            .collect();
        let mut base = 0u32;
        let bases: Vec<u32> = numbered
            .iter()
            .map(|p| {
                let b = base;
                base += p.value.len() as u32;
                b
            })
            .collect();
        // Each value's id, written from the parts in parallel.
        let ids: Vec<AtomicU32> = (0..n)
            .into_par_iter()
            .map(|_| AtomicU32::new(KeyId::NONE.0))
            .collect();
        chunks.par_iter().zip(&bases).for_each(|(chunk, &base)| {
            for &(local, place) in chunk.iter() {
                ids[place as usize].store(base + local, Relaxed);
            }
        });
        drop(chunks);
        drop(entries);
        let ids: Vec<KeyId> = ids.into_iter().map(|id| KeyId(id.into_inner())).collect();
        let n_keys = base as usize;
        let mut keys = Keys {
            hash: Vec::with_capacity(n_keys),
            value: Vec::with_capacity(n_keys),
            first: Vec::new(),
        };
        for part in numbered {
            keys.hash.extend(part.hash);
            keys.value.extend(part.value);
        }
        let places = n_keys.max(1);
        keys.first = Vec::with_capacity(places + 1);
        for (k, &h) in keys.hash.iter().enumerate() {
            let at = home(h, places);
            while keys.first.len() <= at {
                keys.first.push(k as u32);
            }
        }
        keys.first.resize(places + 1, n_keys as u32);
        (keys, ids)
    }

    /// How many distinct keys there are.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The id of `value`'s key, if some value numbered has it; `value_at`
    /// gives back a value numbered by its place.
    pub fn find<'v>(&self, value: &str, value_at: impl Fn(u32) -> &'v str) -> Option<KeyId> {
        if self.value.is_empty() || trim(value).is_empty() {
            return None;
        }
        let top = (key_hash(value) >> 32) as u32;
        let at = home(top, self.value.len());
        (self.first[at]..self.first[at + 1])
            .find(|&k| {
                self.hash[k as usize] == top && same_key(value_at(self.value[k as usize]), value)
            })
            .map(KeyId)
    }

    /// A value numbered with key `id`, by its place.
    pub fn value_of(&self, id: KeyId) -> Option<u32> {
        id.index().map(|k| self.value[k])
    }
}

/// The keys of a part of the entries, numbered from 0.
struct Part {
    hash: Vec<u32>,
    value: Vec<u32>,
}

impl Part {
    /// Numbers the keys of `entries` (sorted), replacing each entry's hash
    /// by its key's number here.
    fn number<'v>(entries: &mut [(u32, u32)], value_at: &impl Fn(u32) -> &'v str) -> Part {
        let mut part = Part {
            hash: Vec::new(),
            value: Vec::new(),
        };
        for run in entries.chunk_by_mut(|a, b| a.0 == b.0) {
            let hash = run[0].0;
            // The keys of this hash, in order of first appearance (usually
            // one: a user's UPN and primary address share it).
            let first_key = part.value.len();
            let mut first_value = "";
            for e in run {
                let place = e.1;
                let v = value_at(place);
                let known = if part.value.len() == first_key + 1 && same_key(first_value, v) {
                    Some(first_key)
                } else {
                    (first_key..part.value.len()).find(|&k| same_key(value_at(part.value[k]), v))
                };
                let k = known.unwrap_or_else(|| {
                    if part.value.len() == first_key {
                        first_value = v;
                    }
                    part.hash.push(hash);
                    part.value.push(place);
                    part.value.len() - 1
                });
                e.0 = k as u32;
            }
        }
        part
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key;

    fn check(values: &[&str]) {
        let (keys, ids) = Keys::number(values);
        assert_eq!(ids.len(), values.len());
        let mut by_key: std::collections::HashMap<String, KeyId> = Default::default();
        for (v, &id) in values.iter().zip(&ids) {
            let k = key(v);
            if k.is_empty() {
                assert!(id.is_none(), "{v:?}");
                continue;
            }
            assert!(!id.is_none(), "{v:?}");
            assert_eq!(*by_key.entry(k).or_insert(id), id, "{v:?}");
        }
        // Distinct keys, distinct ids, numbered 0..len.
        let mut distinct: Vec<KeyId> = by_key.values().copied().collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), by_key.len());
        assert_eq!(keys.len(), by_key.len());
        assert!(distinct.iter().all(|id| id.index().unwrap() < keys.len()));
        let at = |p: u32| values[p as usize];
        for v in values {
            let found = keys.find(v, at);
            assert_eq!(found, by_key.get(&key(v)).copied(), "{v:?}");
            if let Some(id) = found {
                assert!(same_key(at(keys.value_of(id).unwrap()), v));
            }
        }
        for other in ["nobody@nowhere.example", "", "  "] {
            assert_eq!(keys.find(other, at), by_key.get(&key(other)).copied());
        }
    }

    #[test]
    fn values_with_one_key_share_an_id() {
        check(&[
            "Anna.Berg@Contoso.COM",
            " anna.berg@contoso.com\u{a0}",
            "JOSÉ@contoso.com",
            "josé@contoso.com",
            "",
            "  ",
            "b@contoso.com",
            "anna.berg@contoso.com",
        ]);
        check(&[]);
        check(&["", " "]);
    }

    proptest::proptest! {
        /// [`Keys::number`] and [`Keys::find`] are a map from each value's
        /// [`key`] to one id per key, on values that often share keys and
        /// differ in case, space and accents.
        #[test]
        fn number_is_a_map_of_keys(
            values in proptest::collection::vec("[aAbB@ .éÉ]{0,4}", 0..300),
        ) {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            check(&values);
        }
    }

    proptest::proptest! {
        /// Values whose hashes collide (here every key's hash is its
        /// length) still get one id per key: a run of one hash is split
        /// by the keys themselves.
        #[test]
        fn colliding_hashes_keep_keys_apart(
            values in proptest::collection::vec("[aAbB@ .]{0,4}", 0..200),
        ) {
            let entries = values
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(place, v)| (key(v).len() as u32, place as u32))
                .collect();
            let (keys, ids) =
                Keys::number_entries(entries, values.len(), |p| values[p as usize].as_str());
            let mut by_key: std::collections::HashMap<String, KeyId> = Default::default();
            for (v, &id) in values.iter().zip(&ids) {
                let k = key(v);
                if k.is_empty() {
                    proptest::prop_assert!(id.is_none());
                } else {
                    proptest::prop_assert_eq!(*by_key.entry(k).or_insert(id), id);
                }
            }
            let mut distinct: Vec<KeyId> = by_key.values().copied().collect();
            distinct.sort();
            distinct.dedup();
            proptest::prop_assert_eq!(distinct.len(), by_key.len());
            proptest::prop_assert_eq!(keys.len(), by_key.len());
        }
    }

    #[test]
    fn many_values_number_as_few() {
        let values: Vec<String> = (0..50_000)
            .map(|i| match i % 3 {
                0 => format!("user{}@contoso.com", i / 3),
                1 => format!("USER{}@Contoso.com", i / 3),
                _ => format!(" other{i}@contoso.com "),
            })
            .collect();
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        check(&refs);
    }
}
