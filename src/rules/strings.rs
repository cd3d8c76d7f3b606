//! [`Strings`]: the strings of a finding that holds them, in one
//! allocation, a value equal to an earlier one stored once. A large tenant
//! has hundreds of thousands of such findings, and one allocation each
//! instead of up to eleven is most of their memory. The finding property
//! test (`packed_values_read_back_as_given`) holds it to the values given.

use crate::model::kept;

/// The slots of [`Strings`]: subject, field, value; four template values;
/// the fix's subject, field, current value and new value.
pub(super) const SUBJECT: usize = 0;
pub(super) const FIELD: usize = 1;
pub(super) const VALUE: usize = 2;
pub(super) const ARGS: usize = 3;
pub(crate) const MAX_ARGS: usize = 4;
pub(super) const FIX: usize = ARGS + MAX_ARGS;
pub(super) const SLOTS: usize = FIX + 4;

/// Eleven strings in one allocation. An owned slot's text starts where the
/// previous slot's ends; a slot equal to an earlier owned one names it
/// instead of holding a copy.
#[derive(Clone, Default)]
pub(super) struct Strings {
    pub(super) text: Box<str>,
    /// Per slot, where its text ends in `text` (for a slot that names
    /// another, the previous slot's end).
    ends: [u32; SLOTS],
    /// Per slot, four bits: 0 when it holds its own text, else 1 + the
    /// earlier slot it repeats.
    links: u64,
}

const _: () = assert!(SLOTS <= 16, "links take four bits per slot");

impl Strings {
    pub(super) fn of(values: [&str; SLOTS]) -> Strings {
        let mut s = Strings::default();
        s.append(0, &values);
        s
    }

    /// Whether slot `k` holds its own text (rather than naming another).
    fn owns(&self, k: usize) -> bool {
        (self.links >> (4 * k)) & 15 == 0
    }

    pub(super) fn get(&self, k: usize) -> &str {
        // A link names an owned slot: one step.
        let k = match (self.links >> (4 * k)) & 15 {
            0 => k,
            j => j as usize - 1,
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.text[start..self.ends[k] as usize]
    }

    /// Sets slots `from..from + values.len()`: in place when they and the
    /// slots after them are empty (the usual order of building a finding:
    /// its own values, then the template's, then the fix's), else by
    /// packing every slot again.
    pub(super) fn fill(&mut self, from: usize, values: &[&str]) {
        let end = self.ends[SLOTS - 1];
        let tail_empty =
            (from..SLOTS).all(|k| self.owns(k)) && self.ends[from.saturating_sub(1)] == end;
        if tail_empty {
            self.append(from, values);
        } else {
            let mut all = self.all();
            all[from..from + values.len()].copy_from_slice(values);
            *self = Strings::of(all);
        }
    }

    /// [`Strings::fill`] for slots that are empty and followed by empty
    /// ones only: the new text goes at the end.
    fn append(&mut self, from: usize, values: &[&str]) {
        let end = self.ends[SLOTS - 1] as usize;
        let mut owner = [None::<usize>; SLOTS];
        let mut extra = 0usize;
        for (n, v) in values.iter().enumerate() {
            let k = from + n;
            if !v.is_empty() {
                owner[k] = (0..k)
                    .filter(|&j| self.owns(j) && owner[j].is_none())
                    .find(|&j| {
                        if j < from {
                            let start = if j == 0 { 0 } else { self.ends[j - 1] };
                            (self.ends[j] - start) as usize == v.len() && self.get(j) == *v
                        } else {
                            values[j - from] == *v
                        }
                    });
            }
            if owner[k].is_none() {
                extra += v.len();
            }
        }
        // Ends are 32 bits: a finding's strings come from a few cells, each
        // shorter than --max-cell-bytes, so only an absurd limit overflows
        // them; then a long value says so instead of being cut unseen.
        let too_long = u32::try_from(end + extra).is_err();
        if too_long {
            extra = (0..values.len())
                .filter(|&n| owner[from + n].is_none())
                .map(|n| kept(values[n], too_long).len())
                .sum();
        }
        let mut text = String::from(std::mem::take(&mut self.text));
        text.reserve_exact(extra);
        for (n, v) in values.iter().enumerate() {
            let k = from + n;
            match owner[k] {
                Some(j) => self.links |= (j as u64 + 1) << (4 * k),
                None => text.push_str(&kept(v, too_long)),
            }
            self.ends[k] = text.len() as u32;
        }
        for e in &mut self.ends[from + values.len()..] {
            *e = text.len() as u32;
        }
        self.text = text.into_boxed_str();
    }

    pub(super) fn all(&self) -> [&str; SLOTS] {
        std::array::from_fn(|k| self.get(k))
    }
}
