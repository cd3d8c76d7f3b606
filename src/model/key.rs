//! How an address is normalised into a lookup key ([`key`]), and the fast
//! forms of it that indexes and sorts use (hashes, prefixes, comparisons
//! without allocating), each held to [`key`] by a test.

/// `value.trim()`, answered without scanning when both ends are printable
/// ASCII (which is never white space): the common case on every hot path.
#[inline]
pub(crate) fn trim(value: &str) -> &str {
    match (value.as_bytes().first(), value.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => value,
        _ => value.trim(),
    }
}

/// The lookup key of an address: trimmed of Unicode white space and
/// lower-cased. Every index and every comparison goes through this function.
pub fn key(value: &str) -> String {
    let trimmed = trim(value);
    if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        trimmed.to_lowercase()
    }
}

/// A hash of [`key`]`(value)`: equal keys give equal hashes. Allocates
/// nothing for an ASCII value (the common case); used to find duplicates
/// among millions of values without building their keys.
pub fn key_hash(value: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    let mut feed = |bytes: &[u8]| {
        // In chunks of 64 lower-cased bytes, the same for both paths.
        let mut buf = [0u8; 64];
        for chunk in bytes.chunks(64) {
            for (d, s) in buf.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            h.write(&buf[..chunk.len()]);
        }
        h.write_u8(0xff);
    };
    let trimmed = trim(value);
    if trimmed.is_ascii() {
        feed(trimmed.as_bytes());
    } else {
        feed(key(trimmed).as_bytes());
    }
    h.finish()
}

/// The order of two values' [`key`]s, without allocating for ASCII.
pub fn cmp_key(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (trim(a), trim(b));
    if a.is_ascii() && b.is_ascii() {
        cmp_ascii_lowercase(a.as_bytes(), b.as_bytes())
    } else {
        key(a).cmp(&key(b))
    }
}

/// The order of two ASCII strings lower-cased. Runs of equal bytes are
/// skipped 16 at a time (equal bytes are equal lower-cased too); only where
/// the bytes differ are they lower-cased and compared.
fn cmp_ascii_lowercase(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i < n {
        let end = (i + 16).min(n);
        if a[i..end] == b[i..end] {
            i = end;
            continue;
        }
        while i < end {
            let (x, y) = (a[i].to_ascii_lowercase(), b[i].to_ascii_lowercase());
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
        }
    }
    a.len().cmp(&b.len())
}

/// The first 8 bytes of [`key`]`(value)`, big-endian, zero-padded: a
/// smaller prefix means a smaller key, so sorts compare it first and look at
/// the whole key only when prefixes are equal.
pub fn key_prefix(value: &str) -> u64 {
    u64::from_be_bytes(key_prefix_bytes(value))
}

/// The first `N` bytes of [`key`]`(value)`, zero-padded: like
/// [`key_prefix`], longer (addresses often share their first 8 bytes).
pub fn key_prefix_bytes<const N: usize>(value: &str) -> [u8; N] {
    let trimmed = trim(value);
    let mut buf = [0u8; N];
    if trimmed.is_ascii() {
        for (d, s) in buf.iter_mut().zip(trimmed.bytes()) {
            *d = s.to_ascii_lowercase();
        }
    } else {
        for (d, s) in buf.iter_mut().zip(key(trimmed).bytes()) {
            *d = s;
        }
    }
    buf
}

/// Bytes as big-endian words: compared as words, in the order the bytes
/// compare (a sort compares words faster than it calls `memcmp`).
pub fn be_words<const B: usize, const W: usize>(bytes: [u8; B]) -> [u64; W] {
    const { assert!(B == 8 * W, "eight bytes a word") };
    std::array::from_fn(|k| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[8 * k..8 * k + 8]);
        u64::from_be_bytes(w)
    })
}

/// A value in a hash set or map by its [`key`]: hashed with [`key_hash`],
/// equal by [`same_key`], so no normalised copy is made.
#[derive(Clone, Copy, Debug)]
pub struct Keyed<'a>(pub &'a str);

impl std::hash::Hash for Keyed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(key_hash(self.0));
    }
}

impl PartialEq for Keyed<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_key(self.0, other.0)
    }
}

impl Eq for Keyed<'_> {}

/// Whether two values have the same [`key`], without allocating for ASCII.
pub fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (trim(a), trim(b));
    if a == b {
        true
    } else if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        key(a) == key(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Words compare as the bytes they are made of (the sorts of
        /// findings and fixes rely on it).
        #[test]
        fn be_words_order_as_bytes(a: [u8; 24], b: [u8; 24], cut in 0usize..24) {
            // Often equal up to a point, so later bytes decide.
            let mut b = b;
            b[..cut].copy_from_slice(&a[..cut]);
            let (wa, wb): ([u64; 3], [u64; 3]) = (be_words(a), be_words(b));
            proptest::prop_assert_eq!(wa.cmp(&wb), a.cmp(&b));
        }
    }

    #[test]
    fn key_hash_and_same_key_follow_key() {
        let values = [
            "Anna.Berg@Contoso.COM",
            "  anna.berg@contoso.com\u{a0}",
            "JOSÉ@contoso.com",
            "josé@contoso.com",
            "\u{212a}im@contoso.com",
            "kim@contoso.com",
            "ab",
            "abc",
            "a\u{0}b",
            "a",
            "abcdefghij@x",
            "abcdefghik@x",
            "accounts.payable.100970@Contoso.co.uk",
            "ACCOUNTS.payable.100970@contoso.co.UK",
            "accounts.payable.100971@contoso.co.uk",
            "accounts.payable.10097@contoso.co.uk",
            "accounts.payable.1009700@contoso.co.uk",
            "accounts.payable.100970_contoso.co.uk",
            "",
            " ",
            &"X".repeat(200),
            &"x".repeat(200),
        ];
        for a in values {
            for b in values {
                let same = key(a) == key(b);
                assert_eq!(same_key(a, b), same, "{a:?} {b:?}");
                assert_eq!(Keyed(a) == Keyed(b), same, "{a:?} {b:?}");
                assert_eq!(cmp_key(a, b), key(a).cmp(&key(b)), "{a:?} {b:?}");
                let (pa, pb) = (key_prefix_bytes::<24>(a), key_prefix_bytes::<24>(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), key(a).cmp(&key(b)), "{a:?} {b:?}");
                }
                if key_prefix(a) != key_prefix(b) {
                    assert_eq!(
                        key_prefix(a).cmp(&key_prefix(b)),
                        key(a).cmp(&key(b)),
                        "{a:?} {b:?}"
                    );
                }
                if same {
                    assert_eq!(key_hash(a), key_hash(b), "{a:?} {b:?}");
                }
            }
        }
        assert_ne!(key_hash("a@contoso.com"), key_hash("b@contoso.com"));
    }

    #[test]
    fn fast_trim_matches_str_trim() {
        for v in [
            "",
            " ",
            "a",
            "ab",
            "\ta@b\r",
            "a@b\n",
            " a",
            "a ",
            "\u{85}a",
            "a\u{3000}",
            "\u{a0}a\u{a0}",
            "é",
            "aé",
            "\u{0}a",
            "a\u{7f}",
            "\u{b}a\u{c}",
        ] {
            assert_eq!(trim(v), v.trim(), "{v:?}");
        }
    }

    #[test]
    fn key_trims_unicode_space_and_lowercases() {
        assert_eq!(
            key("  Anna.Berg@Contoso.COM\u{a0}"),
            "anna.berg@contoso.com"
        );
        assert_eq!(key("\u{2003}JOSÉ@contoso.com"), "josé@contoso.com");
        assert_eq!(key(""), "");
    }
}
