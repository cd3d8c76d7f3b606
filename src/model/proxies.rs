//! Proxy-address lists: how a cell is split into SMTP addresses
//! ([`parse_proxies`]) and the compact form records keep ([`Proxies`]).

use serde::Serialize;

/// One address out of a proxy-address list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Proxy {
    /// `true` for the `SMTP:` (upper case) entry: the primary address.
    pub primary: bool,
    /// The address as written, without its prefix.
    pub address: String,
}

/// The proxy addresses of a record, compact: one string, each address
/// after a byte that says what it is, `\r` for the primary (`SMTP:`)
/// address and `\n` for an alias. A record keeps it among its text fields
/// (no allocation of its own) and reads it as a [`ProxyList`]. Addresses
/// never hold either byte: cells are split on both ([`parse_proxies`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxies {
    text: String,
}

/// A record's proxy addresses, borrowed from its fields ([`Proxies`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyList<'a> {
    text: &'a str,
}

/// One address of [`Proxies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ProxyRef<'a> {
    /// `true` for the `SMTP:` (upper case) entry: the primary address.
    pub primary: bool,
    /// The address as written, without its prefix.
    pub address: &'a str,
}

const PRIMARY: u8 = b'\r';
const ALIAS: u8 = b'\n';

fn is_mark(b: u8) -> bool {
    b == PRIMARY || b == ALIAS
}

impl Proxies {
    /// The compact text, as a record keeps it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn list(&self) -> ProxyList<'_> {
        ProxyList { text: &self.text }
    }

    fn push(&mut self, primary: bool, address: &str) {
        self.text.push(if primary { '\r' } else { '\n' });
        self.text.push_str(address);
    }
}

impl<'a> ProxyList<'a> {
    /// The list kept as `text`, a [`Proxies::as_str`] (a record's field).
    pub(super) fn new(text: &'a str) -> ProxyList<'a> {
        debug_assert!(text.is_empty() || is_mark(text.as_bytes()[0]));
        ProxyList { text }
    }

    pub fn iter(&self) -> ProxyIter<'a> {
        ProxyIter { rest: self.text }
    }

    pub fn len(&self) -> usize {
        memchr::memchr2_iter(PRIMARY, ALIAS, self.text.as_bytes()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

impl From<Vec<Proxy>> for Proxies {
    fn from(proxies: Vec<Proxy>) -> Proxies {
        let mut out = Proxies::default();
        for p in &proxies {
            out.push(p.primary, &p.address);
        }
        out
    }
}

/// The addresses of [`Proxies`], in order.
pub struct ProxyIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ProxyIter<'a> {
    type Item = ProxyRef<'a>;
    fn next(&mut self) -> Option<ProxyRef<'a>> {
        let mark = *self.rest.as_bytes().first()?;
        let body = &self.rest[1..];
        let end = memchr::memchr2(PRIMARY, ALIAS, body.as_bytes()).unwrap_or(body.len());
        self.rest = &body[end..];
        Some(ProxyRef {
            primary: mark == PRIMARY,
            address: &body[..end],
        })
    }
}

impl<'a> IntoIterator for ProxyList<'a> {
    type Item = ProxyRef<'a>;
    type IntoIter = ProxyIter<'a>;
    fn into_iter(self) -> ProxyIter<'a> {
        self.iter()
    }
}

impl Serialize for ProxyList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Splits a proxy-address cell into its SMTP addresses.
///
/// Lists are split on `;` (csvde's `\;` is a literal `;`), on newlines, and
/// on `+`, `,` or white space only where the next token starts with a
/// `word:` prefix, so `first+tag@contoso.com` stays one address. `SMTP:`
/// marks the primary address, `smtp:` (or no prefix) an alias; other
/// prefixes (`X500:`, `SIP:`, `SPO:`...) and tokens without `@` are ignored.
pub fn parse_proxies(cell: &str) -> Vec<Proxy> {
    let mut out = Vec::new();
    each_proxy(cell, |primary, address| {
        out.push(Proxy {
            primary,
            address: address.to_string(),
        })
    });
    out
}

impl Proxies {
    /// [`parse_proxies`] straight into the compact form: the addresses are
    /// copied once, from the cell (no string per segment or address).
    pub fn parse(cell: &str) -> Proxies {
        let mut out = Proxies::default();
        each_proxy(cell, |primary, address| out.push(primary, address));
        out
    }
}

/// Each SMTP address of a proxy-address cell, in order: `f(primary,
/// address)`. Segments are borrowed from the cell unless it holds csvde's
/// `\;`, which must become `;`.
fn each_proxy(cell: &str, mut f: impl FnMut(bool, &str)) {
    if cell.contains('\\') {
        for segment in split_unescaped(cell) {
            each_token(&segment, &mut f);
        }
    } else {
        for segment in cell.split([';', '\n', '\r']) {
            each_token(segment, &mut f);
        }
    }
}

/// The SMTP addresses of one segment's tokens: the segment is split on
/// `+`, `,` and white space that stand right before a `word:` prefix, and
/// each token is handed on as it is found (no list of tokens per segment).
fn each_token(segment: &str, f: &mut impl FnMut(bool, &str)) {
    let mut token = |t: &str| {
        if let Some((primary, address)) = proxy_of(t) {
            f(primary, address);
        }
    };
    let mut start = 0;
    for (i, c) in segment.char_indices() {
        if (c == '+' || c == ',' || c.is_whitespace()) && i >= start {
            let rest = segment[i + c.len_utf8()..]
                .trim_start_matches(|ch: char| ch == '+' || ch == ',' || ch.is_whitespace());
            if starts_with_prefix(rest) {
                token(&segment[start..i]);
                start = segment.len() - rest.len();
            }
        }
    }
    token(&segment[start..]);
}

/// Splits on `;` (not `\;`), `\n` and `\r`; `\;` becomes `;`.
fn split_unescaped(cell: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&';') => {
                current.push(';');
                chars.next();
            }
            ';' | '\n' | '\r' => segments.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    segments.push(current);
    segments
}

/// Whether `s` starts with a proxy prefix: ASCII letters and digits, then `:`.
fn starts_with_prefix(s: &str) -> bool {
    let word = s.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
    word > 0 && s.as_bytes().get(word) == Some(&b':')
}

fn proxy_of(token: &str) -> Option<(bool, &str)> {
    let token = token.trim_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '[' | ']' | '{' | '}' | ',')
    });
    if token.is_empty() {
        return None;
    }
    let (primary, address) = if starts_with_prefix(token) {
        let (prefix, rest) = token.split_once(':')?;
        if !prefix.eq_ignore_ascii_case("smtp") {
            return None;
        }
        (prefix == "SMTP", rest.trim())
    } else {
        (false, token)
    };
    if !address.contains('@') {
        return None;
    }
    Some((primary, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Segments borrowed from a cell without `\` are the ones
        /// [`split_unescaped`] builds, and the compact proxies are those of
        /// [`parse_proxies`] for any cell (built, and read back).
        #[test]
        fn proxies_parse_as_parse_proxies(
            cell in "((SMTP|smtp|X500|sip):)?[a-z.+]{0,6}@?[a-z.]{0,6}([;,+ \n\r\\\\]{1,2}((SMTP|smtp|X500|sip):)?[a-zé.+]{0,6}@?[a-z.]{0,6}){0,4}"
        ) {
            if !cell.contains('\\') {
                let borrowed: Vec<&str> = cell.split([';', '\n', '\r']).collect();
                proptest::prop_assert_eq!(borrowed, split_unescaped(&cell));
            }
            let compact = Proxies::parse(&cell);
            proptest::prop_assert_eq!(&compact, &Proxies::from(parse_proxies(&cell)));
            // The compact list reads back the plain one: every address and
            // flag, in order, and as many.
            let list = compact.list();
            let read: Vec<Proxy> = list
                .iter()
                .map(|p| Proxy { primary: p.primary, address: p.address.to_string() })
                .collect();
            proptest::prop_assert_eq!(list.len(), read.len());
            proptest::prop_assert_eq!(list.is_empty(), read.is_empty());
            proptest::prop_assert_eq!(read, parse_proxies(&cell));
        }
    }

    fn addrs(cell: &str) -> Vec<(bool, &str)> {
        // Leak is fine in tests: keeps the assertions short.
        let proxies: &'static Proxies = Box::leak(Box::new(parse_proxies(cell).into()));
        let out: Vec<(bool, &str)> = proxies
            .list()
            .iter()
            .map(|p| (p.primary, p.address))
            .collect();
        // The compact form keeps every address and flag of the parsed list.
        let parsed = parse_proxies(cell);
        assert_eq!(out.len(), parsed.len());
        for ((primary, address), p) in out.iter().zip(&parsed) {
            assert_eq!((*primary, *address), (p.primary, p.address.as_str()));
        }
        out
    }

    #[test]
    fn proxies_split_on_semicolons_with_prefixes() {
        assert_eq!(
            addrs(
                "SMTP:anna@contoso.co.uk;smtp:anna@contoso.com;X500:/o=ExchangeLabs/ou=x;SIP:anna@contoso.co.uk"
            ),
            vec![(true, "anna@contoso.co.uk"), (false, "anna@contoso.com")]
        );
    }

    #[test]
    fn plus_addressing_inside_a_plus_joined_list_stays_one_address() {
        assert_eq!(
            addrs("SMTP:first+tag@contoso.com+smtp:x@contoso.com"),
            vec![(true, "first+tag@contoso.com"), (false, "x@contoso.com")]
        );
        assert_eq!(
            addrs("anna+news@contoso.com"),
            vec![(false, "anna+news@contoso.com")]
        );
    }

    #[test]
    fn proxies_split_on_newlines_commas_and_spaces_before_prefixes() {
        assert_eq!(
            addrs("SMTP:a@contoso.com\r\nsmtp:b@contoso.com\nSPO:SPO_123@SPO_456"),
            vec![(true, "a@contoso.com"), (false, "b@contoso.com")]
        );
        assert_eq!(
            addrs("SMTP:a@contoso.com, smtp:b@contoso.com smtp:c@contoso.com"),
            vec![
                (true, "a@contoso.com"),
                (false, "b@contoso.com"),
                (false, "c@contoso.com")
            ]
        );
    }

    #[test]
    fn graph_style_space_after_prefix_is_trimmed() {
        assert_eq!(
            addrs("SMTP: bob@contoso.com, smtp: bob@sales.contoso.com"),
            vec![(true, "bob@contoso.com"), (false, "bob@sales.contoso.com")]
        );
    }

    #[test]
    fn csvde_escaped_semicolon_is_literal() {
        assert_eq!(
            addrs(r"smtp:user01@test.com;X400:c=us\;a= \;p=Contoso\;;SMTP:user@test.com"),
            vec![(false, "user01@test.com"), (true, "user@test.com")]
        );
    }

    #[test]
    fn tokens_without_at_and_empty_cells_give_nothing() {
        assert!(parse_proxies("").is_empty());
        assert!(parse_proxies("smtp:nobody").is_empty());
        assert!(parse_proxies(";;").is_empty());
    }

    #[test]
    fn bare_addresses_are_aliases_and_mixed_case_prefix_is_alias() {
        assert_eq!(
            addrs("a@contoso.com;Smtp:b@contoso.com"),
            vec![(false, "a@contoso.com"), (false, "b@contoso.com")]
        );
    }
}
