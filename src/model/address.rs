//! What makes an address valid ([`address_problem`]), and what a cell
//! holding a .NET type name instead of values looks like
//! ([`is_dotnet_type_name`]).

/// What is wrong with an address, or `None` when it is valid.
///
/// Non-ASCII letters are not a fault here: they are `non-ascii-address`
/// only, so the local part and the domain accept any non-ASCII letter.
pub fn address_problem(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.is_ascii() {
        return ascii_address_problem(value.as_bytes());
    }
    address_problem_chars(value)
}

/// Byte classes of ASCII for [`ascii_address_problem`].
const WHITE: u8 = 1;
const ATEXT: u8 = 2;
const DOMAIN: u8 = 4;
const CLASSES: [u8; 128] = {
    let mut c = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let ch = b as u8;
        if ch.is_ascii_whitespace() || ch == 0x0b {
            c[b] |= WHITE;
        }
        if ch.is_ascii_alphanumeric() {
            c[b] |= ATEXT | DOMAIN;
        }
        b += 1;
    }
    let specials = b"!#$%&'*+-/=?^_`{|}~.";
    let mut i = 0;
    while i < specials.len() {
        c[specials[i] as usize] |= ATEXT;
        i += 1;
    }
    c[b'-' as usize] |= DOMAIN;
    c[b'.' as usize] |= DOMAIN;
    c
};

/// [`address_problem`] of a trimmed, non-empty ASCII value, in one pass
/// over its bytes (the same answers as [`address_problem_chars`], a
/// property test holds them equal; this one runs for nearly every address
/// field of a tenant). The pass notes what each check needs; the checks
/// then answer in [`address_problem_chars`]'s order.
fn ascii_address_problem(v: &[u8]) -> Option<&'static str> {
    let class = |b: u8| CLASSES[(b & 0x7f) as usize];
    let (mut white, mut ats, mut at) = (false, 0usize, 0usize);
    // Per side of the first `@`: a character it cannot hold, a double dot.
    let (mut local_bad, mut local_dots) = (false, false);
    let (mut domain_bad, mut domain_dots, mut domain_dot) = (false, false, false);
    let mut prev = 0u8;
    for (k, &b) in v.iter().enumerate() {
        let c = class(b);
        white |= c & WHITE != 0;
        if b == b'@' {
            ats += 1;
            if ats == 1 {
                at = k;
            }
        } else if ats == 0 {
            local_bad |= c & ATEXT == 0;
            local_dots |= b == b'.' && prev == b'.';
        } else {
            domain_bad |= c & DOMAIN == 0;
            domain_dots |= b == b'.' && prev == b'.';
            domain_dot |= b == b'.';
        }
        prev = b;
    }
    if white {
        return Some("contains white space");
    }
    match ats {
        0 => return Some("has no @"),
        1 => {}
        _ => return Some("has more than one @"),
    }
    let (local, domain) = (&v[..at], &v[at + 1..]);
    if local.is_empty() {
        return Some("has an empty local part");
    }
    if domain.is_empty() {
        return Some("has an empty domain");
    }
    let ends_dot = |part: &[u8]| part[0] == b'.' || part[part.len() - 1] == b'.';
    if local_bad {
        return Some("has a local part with characters an address cannot hold");
    }
    if local_dots || ends_dot(local) {
        return Some("has a leading, trailing or double dot in the local part");
    }
    if domain_bad {
        return Some("has a domain with characters other than letters, digits, - and .");
    }
    if domain_dots || ends_dot(domain) {
        return Some("has a leading, trailing or double dot in the domain");
    }
    if !domain_dot {
        return Some("has a domain without a dot");
    }
    None
}

/// What the hygiene rules see in one non-blank address field (see
/// [`address_field`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressField<'a> {
    /// The value without the white space around it.
    pub trimmed: &'a str,
    /// [`address_problem`] of the value.
    pub problem: Option<&'static str>,
    /// Whether the trimmed value holds a non-ASCII character.
    pub non_ascii: bool,
    /// Whether the value has white space around it.
    pub untrimmed: bool,
}

/// [`address_problem`], whether the value is ASCII and whether it is
/// trimmed, from one trim and (for an ASCII value) one pass; `None` for a
/// blank value.
pub fn address_field(value: &str) -> Option<AddressField<'_>> {
    let trimmed = super::key::trim(value);
    if trimmed.is_empty() {
        return None;
    }
    let non_ascii = !trimmed.is_ascii();
    Some(AddressField {
        trimmed,
        problem: if non_ascii {
            address_problem_chars(trimmed)
        } else {
            ascii_address_problem(trimmed.as_bytes())
        },
        non_ascii,
        untrimmed: trimmed.len() != value.len(),
    })
}

/// [`address_problem`] char by char, for any trimmed, non-empty value
/// (ASCII values take [`ascii_address_problem`]; this one is its reference).
fn address_problem_chars(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_whitespace) {
        return Some("contains white space");
    }
    let mut parts = value.split('@');
    let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => (l, d),
        (_, None, _) => return Some("has no @"),
        _ => return Some("has more than one @"),
    };
    if local.is_empty() {
        return Some("has an empty local part");
    }
    if domain.is_empty() {
        return Some("has an empty domain");
    }
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '!' | '#'
                    | '$'
                    | '%'
                    | '&'
                    | '\''
                    | '*'
                    | '+'
                    | '-'
                    | '/'
                    | '='
                    | '?'
                    | '^'
                    | '_'
                    | '`'
                    | '{'
                    | '|'
                    | '}'
                    | '~'
                    | '.'
            )
            || !c.is_ascii()
    };
    if !local.chars().all(atext) {
        return Some("has a local part with characters an address cannot hold");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("has a leading, trailing or double dot in the local part");
    }
    if !domain.chars().all(|c| {
        c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && c.is_alphanumeric())
    }) {
        return Some("has a domain with characters other than letters, digits, - and .");
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Some("has a leading, trailing or double dot in the domain");
    }
    if !domain.contains('.') {
        return Some("has a domain without a dot");
    }
    None
}

/// Whether a cell holds a .NET type name instead of values, as
/// `Export-Csv` writes a multi-valued property it was not told to join.
pub fn is_dotnet_type_name(value: &str) -> bool {
    let v = value.trim();
    // Every cell of every mapped column comes here: most are ruled out by
    // their first or last bytes, before any scan. Each name below starts
    // with `System.`, `Microsoft.` or `Deserialized.` (the known names in
    // any case) or ends with a collection suffix.
    let starts = |prefix: &str| {
        v.len() >= prefix.len()
            && v.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    if !(starts("system.")
        || starts("microsoft.")
        || starts("deserialized.")
        || v.ends_with("Collection")
        || v.ends_with("[]")
        || v.ends_with("MultiValuedProperty"))
    {
        return false;
    }
    type_name_shape(v)
}

/// Whether a trimmed value has the shape of a .NET type name (SPEC section
/// 3: recognised by pattern): a known name; a dotted name of identifiers
/// (generic arity `` `1 `` and type arguments `[System.String]` allowed)
/// that starts `System.`, `Microsoft.` (three parts or more) or
/// `Deserialized.`, or ends in `[]` or `Collection`; or the Exchange
/// collection names, dotted or not.
fn type_name_shape(v: &str) -> bool {
    if v.is_empty() || v.contains('@') || v.contains(char::is_whitespace) {
        return false;
    }
    if !v.contains('.') {
        return v.ends_with("ProxyAddressCollection") || v.ends_with("MultiValuedProperty");
    }
    let known = [
        "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
        "System.Object[]",
        "System.String[]",
        "System.Collections.ArrayList",
    ];
    if known.iter().any(|k| v.eq_ignore_ascii_case(k)) {
        return true;
    }
    // A generic's type arguments: `List`1[System.String]`.
    let (base, args) = match v.find('[') {
        Some(i) if v.ends_with(']') && v[i..] != *"[]" && v[..i].contains('`') => {
            (&v[..i], &v[i..])
        }
        _ => (v, ""),
    };
    let args_ok = args
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '`' | '.' | ',' | '[' | ']'));
    let dotted = args_ok
        && base.split('.').count() >= 2
        && base.split('.').all(|part| {
            !part.is_empty()
                && part
                    .trim_end_matches("[]")
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '`')
        });
    let framework = v.starts_with("System.")
        || v.starts_with("Deserialized.")
        || (v.starts_with("Microsoft.") && base.split('.').count() >= 3)
        || v.ends_with("[]")
        || v.ends_with("Collection");
    (dotted && framework)
        || v.ends_with("ProxyAddressCollection")
        || v.ends_with("MultiValuedProperty")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte-by-byte check answers as the char-by-char one for any
        /// ASCII value (address-like or not).
        #[test]
        fn ascii_address_problem_is_address_problem_chars(
            v in "[a-z0-9.@+_'!#-]{0,8}(@[a-z0-9.-]{0,8}){0,2}|[ -~\t\x0b\r\n]{1,16}|[a.@_-]{1,10}"
        ) {
            let t = v.trim();
            if !t.is_empty() {
                proptest::prop_assert_eq!(ascii_address_problem(t.as_bytes()), address_problem_chars(t));
            }
        }

        /// One field's check is the three plain answers: the problem, a
        /// non-ASCII trimmed value, white space around it.
        #[test]
        fn address_field_is_the_plain_checks(
            v in "[ \t\u{3000}]{0,2}([a-zé0-9.@+_'!#-]{0,8}(@[a-zé0-9.-]{0,8}){0,2}|[ -~\t]{1,12})[ \u{a0}]{0,2}"
        ) {
            let t = v.trim();
            let want = (!t.is_empty()).then(|| AddressField {
                trimmed: t,
                problem: address_problem(&v),
                non_ascii: !t.is_ascii(),
                untrimmed: t != v,
            });
            proptest::prop_assert_eq!(address_field(&v), want);
        }
    }

    #[test]
    fn address_validation() {
        for ok in [
            "anna.berg@contoso.com",
            "first+tag@contoso.co.uk",
            "o'neil@contoso.com",
            "josé@contoso.com",
            " padded@contoso.com ",
            "",
        ] {
            assert_eq!(address_problem(ok), None, "{ok}");
        }
        for bad in [
            "anna.berg@contoso..co.uk",
            "anna..berg@contoso.com",
            "Anna Berg <anna@contoso.com>",
            "anna@contoso",
            "a@b@contoso.com",
            "@contoso.com",
            "anna@",
            "anna.@contoso.com",
            ".anna@contoso.com",
            "anna@.contoso.com",
            "anna@contoso.com.",
            "an\"na@contoso.com",
            "anna@con_toso.com",
            "annacontoso.com",
        ] {
            assert!(address_problem(bad).is_some(), "{bad}");
        }
        for white in [
            "an\tna@contoso.com",
            "an\u{b}na@contoso.com",
            "an\u{c}na@contoso.com",
            "an\u{a0}na@contoso.com",
            "an\u{85}na@contoso.com",
        ] {
            assert_eq!(
                address_problem(white),
                Some("contains white space"),
                "{white:?}"
            );
        }
        assert_eq!(
            address_problem("an\u{1f}na@contoso.com"),
            Some("has a local part with characters an address cannot hold")
        );
        // Each answer of the one-pass check, ASCII and not.
        for (value, problem) in [
            (
                "anna..berg@contoso.com",
                "has a leading, trailing or double dot in the local part",
            ),
            (
                "anna.berg@contoso..com",
                "has a leading, trailing or double dot in the domain",
            ),
            ("anna.berg@contoso", "has a domain without a dot"),
            ("a.b@c@d.com", "has more than one @"),
            (
                "ann(a)@contoso.com",
                "has a local part with characters an address cannot hold",
            ),
            (
                "anna@con+toso.com",
                "has a domain with characters other than letters, digits, - and .",
            ),
        ] {
            assert_eq!(address_problem(value), Some(problem), "{value}");
            let accented = value.replacen('a', "á", 1);
            assert_eq!(address_problem(&accented), Some(problem), "{accented}");
        }
    }

    /// [`is_dotnet_type_name`] before its first- and last-bytes filter.
    fn is_dotnet_type_name_scanned(value: &str) -> bool {
        type_name_shape(value.trim())
    }

    proptest::proptest! {
        /// The filter on first and last bytes rules out only values the
        /// full check rejects: cells made of type-name pieces, addresses,
        /// spaces, case changes and non-ASCII letters.
        #[test]
        fn the_type_name_filter_changes_no_answer(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "System", "system", "SYSTEM", "Microsoft", "MICROSOFT", "Deserialized",
                "Object[]", "String[]", "OBJECT[]", "Collections", "ArrayList",
                "ActiveDirectory", "Management", "ADPropertyValueCollection", "Exchange",
                "Data", "ProxyAddressCollection", "MultiValuedProperty", "contoso",
                "com", "anna", "é", "`1", "_x", "",
            ]), 0..6),
            seps in proptest::collection::vec(proptest::sample::select(vec![
                ".", ".", ".", "@", " ", "\u{a0}", "", "[]", ",",
            ]), 6),
            pad in proptest::sample::select(vec!["", " ", "\t", "\u{3000}"]),
        ) {
            let mut v = String::from(pad);
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    v.push_str(seps[i]);
                }
                v.push_str(p);
            }
            v.push_str(pad);
            proptest::prop_assert_eq!(is_dotnet_type_name(&v), is_dotnet_type_name_scanned(&v), "{:?}", v);
        }
    }

    #[test]
    fn dotnet_type_names_are_recognised() {
        assert!(is_dotnet_type_name(
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection"
        ));
        assert!(is_dotnet_type_name("System.Object[]"));
        assert!(is_dotnet_type_name(
            "Microsoft.Exchange.Data.ProxyAddressCollection"
        ));
        assert!(!is_dotnet_type_name("anna@contoso.com"));
        assert!(!is_dotnet_type_name("System Administrator"));
        assert!(!is_dotnet_type_name("004711"));
        assert!(!is_dotnet_type_name("contoso.com"));
        assert!(!is_dotnet_type_name("Microsoft.com"));
        // Without a dot only the collection suffixes are type names.
        assert!(is_dotnet_type_name("ProxyAddressCollection"));
        assert!(is_dotnet_type_name("MultiValuedProperty"));
        assert!(!is_dotnet_type_name("ACTIVE"));
        assert!(!is_dotnet_type_name("ProxyAddressCollection@x"));
        // By pattern, not by list (SPEC v2, section 3).
        for name in [
            "System.Collections.Generic.List`1[System.String]",
            "System.Collections.Generic.Dictionary`2[System.String,System.Object]",
            "Deserialized.Microsoft.Exchange.Data.ProxyAddressCollection",
            "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]",
            "System.Int32[]",
            "Contoso.Directory.AddressCollection",
            "Contoso.Directory.Address[]",
            "System.Management.Automation.PSObject",
        ] {
            assert!(is_dotnet_type_name(name), "{name}");
        }
        for value in [
            "first.last",
            "Systems.Engineering",
            "contoso.co.uk",
            "Stamp Collection",
            "a[b].c",
            "Microsoft.Teams",
        ] {
            assert!(!is_dotnet_type_name(value), "{value}");
        }
    }
}
