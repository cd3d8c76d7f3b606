//! [`Fields`]: the text fields of one record in one allocation.
//!
//! A million-person tenant has about four million records and thirty
//! million text fields; one allocation and a fat pointer per field took
//! about a quarter of the records' memory. The records keep their fields
//! here and read them through methods named after the fields.

use std::borrow::Cow;
use std::fmt;

/// A value as a packed record keeps it: as given, or, when the record's
/// values overflow 32-bit ends (`too_long`) and this one is over 1 MiB, a
/// sentence saying so instead of the value cut unseen.
pub fn kept(v: &str, too_long: bool) -> Cow<'_, str> {
    if too_long && v.len() > 1 << 20 {
        format!("(a value of {} bytes, too long to keep)", v.len()).into()
    } else {
        v.into()
    }
}

/// `N` strings back to back in one allocation, and where each ends.
#[derive(Clone, PartialEq, Eq)]
pub struct Fields<const N: usize> {
    text: Box<str>,
    ends: [u32; N],
}

impl<const N: usize> Fields<N> {
    pub fn new(values: [&str; N]) -> Fields<N> {
        // Ends are 32 bits: a record's fields come from cells shorter than
        // --max-cell-bytes, so only an absurd limit overflows them; then a
        // long value says so instead of being cut unseen.
        let total: usize = values.iter().map(|v| v.len()).sum();
        let too_long = u32::try_from(total).is_err();
        let mut text = String::with_capacity(if too_long { 0 } else { total });
        let mut ends = [0u32; N];
        for (end, v) in ends.iter_mut().zip(values) {
            text.push_str(&kept(v, too_long));
            *end = text.len() as u32;
        }
        Fields {
            text: text.into_boxed_str(),
            ends,
        }
    }

    /// Field `k`.
    #[inline]
    pub fn get(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.text[start..self.ends[k] as usize]
    }

    /// Every field, in order.
    pub fn all(&self) -> [&str; N] {
        std::array::from_fn(|k| self.get(k))
    }

    /// Fills each field that is blank (empty or white space) with the same
    /// field of `other`: how records of two files are merged.
    pub fn fill_blanks(&mut self, other: &Fields<N>) {
        let mine = self.all();
        if mine.iter().all(|v| !v.trim().is_empty()) {
            return;
        }
        let theirs = other.all();
        let merged: [&str; N] = std::array::from_fn(|k| {
            if mine[k].trim().is_empty() {
                theirs[k]
            } else {
                mine[k]
            }
        });
        *self = Fields::new(merged);
    }
}

impl<const N: usize> Default for Fields<N> {
    fn default() -> Fields<N> {
        Fields {
            text: Box::default(),
            ends: [0; N],
        }
    }
}

impl<const N: usize> fmt::Debug for Fields<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.all()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_and_fill_blanks() {
        let mut f = Fields::new(["a@x", "", " ", "é"]);
        assert_eq!(f.all(), ["a@x", "", " ", "é"]);
        f.fill_blanks(&Fields::new(["b@x", "c", "d", ""]));
        assert_eq!(f.all(), ["a@x", "c", "d", "é"]);
        assert_eq!(Fields::<2>::default().all(), ["", ""]);
        assert_eq!(format!("{:?}", Fields::new(["a", "b"])), r#"["a", "b"]"#);
    }

    #[test]
    fn values_too_long_for_the_ends_are_named_not_cut() {
        assert_eq!(kept("abc", true), "abc");
        assert_eq!(kept(&"x".repeat(2 << 20), false).len(), 2 << 20);
        assert_eq!(
            kept(&"x".repeat(2 << 20), true),
            "(a value of 2097152 bytes, too long to keep)"
        );
    }

    proptest::proptest! {
        /// Packed fields read back as the plain array they were made of,
        /// and filling blanks does what a field-by-field fill does.
        #[test]
        fn packed_fields_are_the_plain_array(
            a in proptest::collection::vec("|a|b |ab|é| ", 5),
            b in proptest::collection::vec("|a|b |ab|é| ", 5),
        ) {
            let plain: [&str; 5] = std::array::from_fn(|k| a[k].as_str());
            let other: [&str; 5] = std::array::from_fn(|k| b[k].as_str());
            let mut f = Fields::new(plain);
            proptest::prop_assert_eq!(f.all(), plain);
            f.fill_blanks(&Fields::new(other));
            let want: [&str; 5] = std::array::from_fn(|k| {
                if plain[k].trim().is_empty() { other[k] } else { plain[k] }
            });
            proptest::prop_assert_eq!(f.all(), want);
        }
    }
}
