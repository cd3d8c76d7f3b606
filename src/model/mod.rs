//! The validated records of the four systems, and the value rules they share.
//!
//! Nothing here reads a file: `load` turns bytes into these records and
//! describes each file as an [`InputInfo`]. What lives here is what every
//! later stage agrees on: which system a record comes from ([`Source`]), the canonical
//! fields ([`Field`]), how an address is normalised into a lookup key
//! ([`key`]), how a proxy-address list is split ([`parse_proxies`]) and what
//! makes an address valid ([`address_problem`]).

mod input;

pub use input::{
    InputInfo, RowProblem, RowsSetAside, SetAside, StatusValue, delimiter_name, file_name,
};
use serde::Serialize;
use std::fmt;

/// The system an export comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Okta,
    Ad,
    Insync,
    M365,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Okta, Source::Ad, Source::Insync, Source::M365];

    /// The id used on the command line, in outputs and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Source::Okta => "okta",
            Source::Ad => "ad",
            Source::Insync => "insync",
            Source::M365 => "m365",
        }
    }

    /// The flag that forces a file to this source.
    pub fn flag(self) -> &'static str {
        match self {
            Source::Okta => "--okta",
            Source::Ad => "--ad",
            Source::Insync => "--insync",
            Source::M365 => "--m365",
        }
    }

    /// A name a consultant recognises.
    pub fn title(self) -> &'static str {
        match self {
            Source::Okta => "Okta",
            Source::Ad => "Active Directory",
            Source::Insync => "Druva inSync",
            Source::M365 => "Microsoft 365",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A canonical field: the meaning of a column, whatever its header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Login,
    Email,
    SecondEmail,
    Status,
    EmployeeNumber,
    EmployeeId,
    DisplayName,
    FirstName,
    LastName,
    Upn,
    Mail,
    ProxyAddresses,
    SamAccountName,
    Enabled,
    UserAccountControl,
    ObjectGuid,
    DistinguishedName,
    Profile,
    AdAttribute,
    PreservedOn,
    PrimarySmtp,
    Licenses,
    BlockCredential,
    AccountEnabled,
    RecipientTypeDetails,
    /// The object's type in an ADUC export list (`User`, `Group`...).
    ObjectType,
}

impl Field {
    /// The snake_case name shown by `inspect` and used in findings.
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Login => "login",
            Field::Email => "email",
            Field::SecondEmail => "second_email",
            Field::Status => "status",
            Field::EmployeeNumber => "employee_number",
            Field::EmployeeId => "employee_id",
            Field::DisplayName => "display_name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Upn => "upn",
            Field::Mail => "mail",
            Field::ProxyAddresses => "proxy_addresses",
            Field::SamAccountName => "sam_account_name",
            Field::Enabled => "enabled",
            Field::UserAccountControl => "user_account_control",
            Field::ObjectGuid => "object_guid",
            Field::DistinguishedName => "distinguished_name",
            Field::Profile => "profile",
            Field::AdAttribute => "ad_attribute",
            Field::PreservedOn => "preserved_on",
            Field::PrimarySmtp => "primary_smtp",
            Field::Licenses => "licenses",
            Field::BlockCredential => "block_credential",
            Field::AccountEnabled => "account_enabled",
            Field::RecipientTypeDetails => "recipient_type_details",
            Field::ObjectType => "object_type",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `value.trim()`, answered without scanning when both ends are printable
/// ASCII (which is never white space): the common case on every hot path.
#[inline]
fn trim(value: &str) -> &str {
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

/// One address out of a proxy-address list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Proxy {
    /// `true` for the `SMTP:` (upper case) entry: the primary address.
    pub primary: bool,
    /// The address as written, without its prefix.
    pub address: String,
}

/// The proxy addresses of a record, compact: the addresses back to back in
/// one allocation and where each ends, the top bit of an end marking the
/// primary address (two allocations per record instead of one per address
/// and a vector).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxies {
    text: Box<str>,
    ends: Box<[u64]>,
}

/// One address of [`Proxies`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ProxyRef<'a> {
    /// `true` for the `SMTP:` (upper case) entry: the primary address.
    pub primary: bool,
    /// The address as written, without its prefix.
    pub address: &'a str,
}

const PRIMARY_BIT: u64 = 1 << 63;

impl Proxies {
    pub fn iter(&self) -> ProxyIter<'_> {
        ProxyIter {
            proxies: self,
            next: 0,
            start: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl From<Vec<Proxy>> for Proxies {
    fn from(proxies: Vec<Proxy>) -> Proxies {
        let mut b = ProxiesBuilder::default();
        for p in &proxies {
            b.push(p.primary, &p.address);
        }
        b.finish()
    }
}

/// [`Proxies`] being built, address by address.
#[derive(Default)]
struct ProxiesBuilder {
    text: String,
    ends: Vec<u64>,
}

impl ProxiesBuilder {
    fn push(&mut self, primary: bool, address: &str) {
        self.text.push_str(address);
        let flag = if primary { PRIMARY_BIT } else { 0 };
        self.ends.push(self.text.len() as u64 | flag);
    }

    fn finish(self) -> Proxies {
        Proxies {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
        }
    }
}

/// The addresses of [`Proxies`], in order.
pub struct ProxyIter<'a> {
    proxies: &'a Proxies,
    next: usize,
    start: usize,
}

impl<'a> Iterator for ProxyIter<'a> {
    type Item = ProxyRef<'a>;
    fn next(&mut self) -> Option<ProxyRef<'a>> {
        let e = *self.proxies.ends.get(self.next)?;
        let end = (e & !PRIMARY_BIT) as usize;
        let address = &self.proxies.text[self.start..end];
        self.next += 1;
        self.start = end;
        Some(ProxyRef {
            primary: e & PRIMARY_BIT != 0,
            address,
        })
    }
}

impl<'a> IntoIterator for &'a Proxies {
    type Item = ProxyRef<'a>;
    type IntoIter = ProxyIter<'a>;
    fn into_iter(self) -> ProxyIter<'a> {
        self.iter()
    }
}

impl Serialize for Proxies {
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
        let mut b = ProxiesBuilder::default();
        each_proxy(cell, |primary, address| b.push(primary, address));
        b.finish()
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

/// [`address_problem`] of a trimmed, non-empty ASCII value, byte by byte
/// (the same answers as [`address_problem_chars`], a property test holds
/// them equal; this one runs for nearly every address of a tenant).
fn ascii_address_problem(v: &[u8]) -> Option<&'static str> {
    let class = |b: u8| CLASSES[(b & 0x7f) as usize];
    if v.iter().any(|&b| class(b) & WHITE != 0) {
        return Some("contains white space");
    }
    let Some(at) = memchr::memchr(b'@', v) else {
        return Some("has no @");
    };
    let (local, domain) = (&v[..at], &v[at + 1..]);
    if memchr::memchr(b'@', domain).is_some() {
        return Some("has more than one @");
    }
    if local.is_empty() {
        return Some("has an empty local part");
    }
    if domain.is_empty() {
        return Some("has an empty domain");
    }
    let dots = |part: &[u8]| {
        part[0] == b'.' || part[part.len() - 1] == b'.' || part.windows(2).any(|w| w == b"..")
    };
    if !local.iter().all(|&b| class(b) & ATEXT != 0) {
        return Some("has a local part with characters an address cannot hold");
    }
    if dots(local) {
        return Some("has a leading, trailing or double dot in the local part");
    }
    if !domain.iter().all(|&b| class(b) & DOMAIN != 0) {
        return Some("has a domain with characters other than letters, digits, - and .");
    }
    if dots(domain) {
        return Some("has a leading, trailing or double dot in the domain");
    }
    if memchr::memchr(b'.', domain).is_none() {
        return Some("has a domain without a dot");
    }
    None
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

/// Where a record came from: the input file (by index) and the row a
/// spreadsheet shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct At {
    pub file: u32,
    pub row: u32,
    /// Index of the row within its table, to read any other column.
    pub record: u32,
}

/// Okta user status, as it matters to provisioning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OktaStatus {
    /// Active, password reset, locked out, password expired, or unknown.
    Active,
    /// Deactivated or suspended.
    Inactive,
    /// Staged or pending user action: not yet active.
    Pending,
}

impl OktaStatus {
    pub fn parse(value: &str) -> OktaStatus {
        match key(value).replace([' ', '_'], "").as_str() {
            "deprovisioned" | "deactivated" | "suspended" => OktaStatus::Inactive,
            "staged" | "provisioned" | "pendinguseraction" => OktaStatus::Pending,
            _ => OktaStatus::Active,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct OktaUser {
    #[serde(skip)]
    pub at: At,
    pub login: Box<str>,
    pub email: Box<str>,
    pub second_email: Box<str>,
    pub status: OktaStatus,
    /// The status as the export writes it (`SUSPENDED`, `Deactivated`...).
    pub status_text: Box<str>,
    pub employee_number: Box<str>,
    pub display_name: Box<str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdUser {
    #[serde(skip)]
    pub at: At,
    pub upn: Box<str>,
    pub mail: Box<str>,
    pub proxies: Proxies,
    pub sam_account_name: Box<str>,
    pub enabled: bool,
    /// The column and value that say the account is disabled (`Enabled`
    /// `False`, or `userAccountControl` `514`); empty when enabled.
    #[serde(skip)]
    pub disabled_by: (Box<str>, Box<str>),
    pub employee_number: Box<str>,
    pub employee_id: Box<str>,
    pub display_name: Box<str>,
}

/// inSync user status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InsyncStatus {
    Active,
    Preserved,
    Disabled,
    Deleted,
}

impl InsyncStatus {
    pub fn parse(value: &str) -> InsyncStatus {
        match key(value).as_str() {
            "preserved" => InsyncStatus::Preserved,
            "disabled" => InsyncStatus::Disabled,
            "deleted" => InsyncStatus::Deleted,
            _ => InsyncStatus::Active,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InsyncUser {
    #[serde(skip)]
    pub at: At,
    pub email: Box<str>,
    pub ad_attribute: Box<str>,
    pub status: InsyncStatus,
    pub profile: Box<str>,
    pub display_name: Box<str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct M365User {
    #[serde(skip)]
    pub at: At,
    pub upn: Box<str>,
    pub primary_smtp: Box<str>,
    pub proxies: Proxies,
    pub sign_in_blocked: bool,
    /// `None` when the export shows no licence column.
    pub licensed: Option<bool>,
    pub shared_mailbox: bool,
    pub display_name: Box<str>,
}

impl M365User {
    /// The record's own identifier as written: its UPN, or, in a mailbox
    /// export without a UPN column, its primary SMTP address.
    pub fn subject(&self) -> &str {
        if self.upn.trim().is_empty() {
            &self.primary_smtp
        } else {
            &self.upn
        }
    }
}

/// Parses a boolean the way the exports write them (`True`, `FALSE`, `1`,
/// `yes`); `None` when the cell is empty or says something else.
pub fn parse_bool(value: &str) -> Option<bool> {
    match key(value).as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
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

        /// The byte-by-byte check answers as the char-by-char one for any
        /// ASCII value (address-like or not).
        #[test]
        fn ascii_address_problem_is_address_problem_chars(
            v in "[a-z0-9.@+_'!#-]{0,8}(@[a-z0-9.-]{0,8}){0,2}|[ -~\t\x0b\r\n]{1,16}"
        ) {
            let t = v.trim();
            if !t.is_empty() {
                proptest::prop_assert_eq!(ascii_address_problem(t.as_bytes()), address_problem_chars(t));
            }
        }

        /// Segments borrowed from a cell without `\` are the ones
        /// [`split_unescaped`] builds, and the compact proxies are those of
        /// [`parse_proxies`] for any cell.
        #[test]
        fn proxies_parse_as_parse_proxies(
            cell in "((SMTP|smtp|X500|sip):)?[a-z.+]{0,6}@?[a-z.]{0,6}([;,+ \n\r\\\\]{1,2}((SMTP|smtp|X500|sip):)?[a-zé.+]{0,6}@?[a-z.]{0,6}){0,4}"
        ) {
            if !cell.contains('\\') {
                let borrowed: Vec<&str> = cell.split([';', '\n', '\r']).collect();
                proptest::prop_assert_eq!(borrowed, split_unescaped(&cell));
            }
            proptest::prop_assert_eq!(Proxies::parse(&cell), Proxies::from(parse_proxies(&cell)));
        }
    }

    fn addrs(cell: &str) -> Vec<(bool, &str)> {
        // Leak is fine in tests: keeps the assertions short.
        let proxies: &'static Proxies = Box::leak(Box::new(parse_proxies(cell).into()));
        let out: Vec<(bool, &str)> = proxies.iter().map(|p| (p.primary, p.address)).collect();
        // The compact form keeps every address and flag of the parsed list.
        let parsed = parse_proxies(cell);
        assert_eq!(out.len(), parsed.len());
        for ((primary, address), p) in out.iter().zip(&parsed) {
            assert_eq!((*primary, *address), (p.primary, p.address.as_str()));
        }
        out
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

    #[test]
    fn statuses() {
        assert_eq!(OktaStatus::parse("ACTIVE"), OktaStatus::Active);
        assert_eq!(OktaStatus::parse("Password Reset"), OktaStatus::Active);
        assert_eq!(OktaStatus::parse("LOCKED_OUT"), OktaStatus::Active);
        assert_eq!(OktaStatus::parse(""), OktaStatus::Active);
        assert_eq!(OktaStatus::parse("Deactivated"), OktaStatus::Inactive);
        assert_eq!(OktaStatus::parse("SUSPENDED"), OktaStatus::Inactive);
        assert_eq!(
            OktaStatus::parse("Pending User Action"),
            OktaStatus::Pending
        );
        assert_eq!(OktaStatus::parse("STAGED"), OktaStatus::Pending);
        assert_eq!(InsyncStatus::parse("Preserved"), InsyncStatus::Preserved);
        assert_eq!(InsyncStatus::parse(""), InsyncStatus::Active);
    }
}
