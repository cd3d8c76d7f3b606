//! The rules: one [`Rule`] enum with the stable ids of SPEC section 5, one
//! [`Finding`] type, and one module per family of rules. Every rule is a
//! pure function of the linked model: no printing, no I/O.

pub mod change;
mod explain;
pub mod hygiene;
pub mod scenario;
pub mod uupic;

use crate::model::Source;
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The state a finding is about: today, after the change, or either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    Current,
    Planned,
    Any,
}

impl Scenario {
    pub fn id(self) -> &'static str {
        match self {
            Scenario::Current => "current",
            Scenario::Planned => "planned",
            Scenario::Any => "any",
        }
    }
}

/// Where a rule comes from.
pub const KB_UPN_SMTP: &str = "Druva KB: How to map both UserPrincipalName and Email address from Okta to Druva (shared/reference/004_0cd97adc76d112c4.txt)";
pub const KB_UUPIC: &str =
    "Druva docs: Configure inSync to use UUPIC for SSO (shared/reference/000_8cb9940a909a53b3.txt)";
pub const DOC_SHARED_MAILBOX: &str = "Druva docs: Configure SaaS Apps settings for Microsoft 365 (shared mailboxes need inSync Email ID)";
pub const DOC_SCIM: &str =
    "Okta SCIM 2.0 guide (userName is the match key) and Druva: Manage users from Okta using SCIM";
pub const DOC_HYGIENE: &str =
    "RFC 5322 addresses; Microsoft 365 proxyAddresses (one SMTP: primary per recipient)";
pub const DOC_EXCEL: &str =
    "Microsoft support: Excel drops leading zeros and shows long numbers in scientific notation";
pub const DOC_DRUVA_USERS: &str =
    "Druva docs: Users page (SCIM user names with ? * / \\ < > are stored with _)";

macro_rules! rules {
    ($( $variant:ident = $id:literal, $sev:ident, $summary:literal, $doc:expr; )*) => {
        /// Every rule of SPEC section 5, by stable id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $( $variant, )* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// The stable kebab-case id.
            pub fn id(self) -> &'static str {
                match self { $( Rule::$variant => $id, )* }
            }

            pub fn severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$sev, )* }
            }

            /// One line: when the rule fires.
            pub fn summary(self) -> &'static str {
                match self { $( Rule::$variant => $summary, )* }
            }

            /// The document the rule encodes.
            pub fn provenance(self) -> &'static str {
                match self { $( Rule::$variant => $doc, )* }
            }
        }
    };
}

rules! {
    OnedriveUserNotFound = "onedrive-user-not-found", Error,
        "the identifier inSync sends to Microsoft 365 is no UPN: OneDrive backup fails with EUSERNOTFOUND", KB_UPN_SMTP;
    ExchangeMailboxNotFound = "exchange-mailbox-not-found", Error,
        "the identifier is no UPN, primary SMTP address or alias: Exchange Online backup fails", KB_UPN_SMTP;
    ExchangeRestoreMismatch = "exchange-restore-mismatch", Error,
        "the inSync email is not the mailbox's primary SMTP address: Exchange Online restore fails", KB_UPN_SMTP;
    AmbiguousM365Match = "ambiguous-m365-match", Error,
        "the identifier matches two or more different Microsoft 365 users", KB_UPN_SMTP;
    AdAttributeMissing = "ad-attribute-missing", Error,
        "access is by AD attribute and the user's AD attribute is empty", KB_UPN_SMTP;
    SharedMailboxAdAttribute = "shared-mailbox-ad-attribute", Error,
        "access is by AD attribute and the identifier is a shared mailbox: inSync backs up shared mailboxes only by inSync email", DOC_SHARED_MAILBOX;
    M365SignInBlocked = "m365-sign-in-blocked", Warning,
        "the identifier resolves to a Microsoft 365 user whose sign-in is blocked", KB_UPN_SMTP;
    M365Unlicensed = "m365-unlicensed", Warning,
        "the identifier resolves to a Microsoft 365 user with no licence", KB_UPN_SMTP;
    M365NoMailbox = "m365-no-mailbox", Warning,
        "the identifier resolves to a Microsoft 365 user with no mailbox address: Exchange backup and restore have nothing to work on", KB_UPN_SMTP;
    OnmicrosoftIdentifier = "onmicrosoft-identifier", Info,
        "the identifier is on an *.onmicrosoft.com domain", KB_UPN_SMTP;
    DuplicateOnRemap = "duplicate-on-remap", Error,
        "the planned userName differs from the user's current inSync email: the next push creates a second inSync user", KB_UPN_SMTP;
    RemapCollision = "remap-collision", Error,
        "the planned userName is the inSync email of another person: the Okta user would be joined to that account", DOC_SCIM;
    RemapValueMissing = "remap-value-missing", Error,
        "the Okta attribute that will feed userName (or userPrincipalName) is empty", KB_UPN_SMTP;
    RemapSharedValue = "remap-shared-value", Error,
        "two or more active Okta users get the same planned userName", DOC_SCIM;
    DuplicateAddress = "duplicate-address", Error,
        "one address on two or more records of the same system", DOC_HYGIENE;
    ExistingDuplicateUser = "existing-duplicate-user", Error,
        "two or more active inSync users already belong to one person", KB_UPN_SMTP;
    InvalidAddress = "invalid-address", Error,
        "an identity field is not a valid email address", DOC_HYGIENE;
    NonAsciiAddress = "non-ascii-address", Warning,
        "an identity field holds non-ASCII characters", DOC_HYGIENE;
    UntrimmedValue = "untrimmed-value", Warning,
        "an identity field has leading or trailing white space", DOC_HYGIENE;
    InactiveInIdp = "inactive-in-idp", Warning,
        "the inSync user is active but its Okta user is inactive or its AD account disabled", DOC_SCIM;
    InsyncUserWithoutIdp = "insync-user-without-idp", Warning,
        "an active inSync user links to no Okta user: provisioning will never update it", DOC_SCIM;
    IdpUserWithoutInsync = "idp-user-without-insync", Info,
        "an active Okta user has no inSync user: the next push creates one", DOC_SCIM;
    UnreadableRow = "unreadable-row", Warning,
        "a row could not be read and was skipped", DOC_HYGIENE;
    UupicMissing = "uupic-missing", Error,
        "an enabled AD user in scope has no value in the user identification attribute", KB_UUPIC;
    UupicDuplicate = "uupic-duplicate", Error,
        "two or more AD users share a user identification attribute value", KB_UUPIC;
    UupicExcelMangled = "uupic-excel-mangled", Warning,
        "the user identification attribute value looks changed by a spreadsheet", DOC_EXCEL;
    AdminSsoUnavailable = "admin-sso-unavailable", Info,
        "with UUPIC on, inSync administrators cannot use SSO and need their inSync password", KB_UUPIC;
    CaseOnlyMatch = "case-only-match", Info,
        "an identifier matches only when case is ignored", KB_UPN_SMTP;
    DiacriticsOnlyMatch = "diacritics-only-match", Warning,
        "an identifier matches only when accents are folded", KB_UPN_SMTP;
    OtherDomainMatch = "other-domain-match", Warning,
        "no match, but the local part matches a Microsoft 365 address on another domain", KB_UPN_SMTP;
    DruvaCharacterRewrite = "druva-character-rewrite", Warning,
        "the planned userName holds characters Druva's SCIM provisioning replaces with _", DOC_DRUVA_USERS;
    WaiverExpired = "waiver-expired", Info,
        "an expired waiver no longer applies", "preflight waivers";
    WaiverUnused = "waiver-unused", Info,
        "a waiver matched no finding", "preflight waivers";
}

impl Rule {
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One fault of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub scenario: Scenario,
    pub source: Source,
    /// The record's own identifier as written in its file.
    pub subject: Box<str>,
    /// The input file as given (shared by the findings of one file).
    pub file: Arc<str>,
    /// Row as a spreadsheet shows it; 0 when the finding is about no row.
    pub row: u32,
    pub field: Box<str>,
    pub value: Box<str>,
    /// Read it with [`Finding::message`].
    pub message: Text,
    /// Read it with [`Finding::remediation`].
    pub remediation: Text,
    /// The values a [`Text::Template`] message or remediation names.
    pub args: Args,
    /// The person the finding belongs to, when known (index into persons).
    pub person: Option<u32>,
    /// The change that resolves the finding, when one value is known.
    pub fix: Option<Box<Fix>>,
}

/// A finding's message or remediation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// A fixed sentence: not copied.
    Fixed(&'static str),
    Owned(Box<str>),
    /// A sentence whose `{0}` to `{3}` are the finding's [`Args`], filled in
    /// when it is written: the rules that fire for nearly every user of a
    /// large tenant keep their values once instead of two sentences each.
    Template(&'static str),
}

impl Text {
    /// The text as stored: a template unfilled (see [`Finding::materialize`]).
    pub fn as_str(&self) -> &str {
        match self {
            Text::Fixed(s) | Text::Template(s) => s,
            Text::Owned(s) => s,
        }
    }

    /// The text, its template filled from `args` (whose shared values are
    /// `shared`: see [`Args::sharing`]).
    pub fn render<'a>(&'a self, args: &Args, shared: [&str; 3]) -> Cow<'a, str> {
        match self {
            Text::Fixed(s) => Cow::Borrowed(s),
            Text::Owned(s) => Cow::Borrowed(s),
            Text::Template(t) => {
                let mut out = String::with_capacity(t.len() + args.text.len() + 64);
                args.fill_shared(t, shared, &mut out);
                Cow::Owned(out)
            }
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Owned(s.into_boxed_str())
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        Text::Fixed(s)
    }
}

impl From<Cow<'static, str>> for Text {
    fn from(s: Cow<'static, str>) -> Text {
        match s {
            Cow::Borrowed(s) => Text::Fixed(s),
            Cow::Owned(s) => s.into(),
        }
    }
}

/// Up to four values in one allocation, for [`Text::Template`]. A value
/// equal to the finding's own subject, value or field is not copied: its
/// slot names that field instead ([`Args::sharing`]), so the rules that fire
/// for nearly every user keep each address once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    text: Box<str>,
    /// Per slot: the end of its text in `text` (low 30 bits), and in the top
    /// two bits 0 for that text, or 1 + k for the finding's shared value k.
    ends: [u32; Args::MAX as usize],
}

const SLOT_END: u32 = (1 << 30) - 1;

impl Args {
    pub const MAX: u8 = 4;

    /// The values, or `None` when there are more than four or they are too
    /// long to index with 30 bits (the caller then writes the sentence).
    pub fn new(values: &[&str]) -> Option<Args> {
        Args::sharing(values, [None; 3])
    }

    /// The values; one byte-equal to `shared[k]` (the finding's subject,
    /// value and field, see [`Finding::shared`]) is stored as a reference to
    /// it, not copied.
    pub fn sharing(values: &[&str], shared: [Option<&str>; 3]) -> Option<Args> {
        if values.len() > Args::MAX as usize {
            return None;
        }
        let mut tags = [None; Args::MAX as usize];
        for (t, v) in tags.iter_mut().zip(values) {
            *t = shared.iter().position(|s| *s == Some(*v));
        }
        let own: usize = values
            .iter()
            .zip(&tags)
            .filter(|(_, t)| t.is_none())
            .map(|(v, _)| v.len())
            .sum();
        let mut text = String::with_capacity(own);
        let mut ends = [0u32; Args::MAX as usize];
        for (n, (v, tag)) in values.iter().zip(tags).enumerate() {
            match tag {
                Some(k) => ends[n] = text.len() as u32 | (k as u32 + 1) << 30,
                None => {
                    text.push_str(v);
                    ends[n] = u32::try_from(text.len()).ok().filter(|&e| e <= SLOT_END)?;
                }
            }
        }
        let last = text.len() as u32;
        for e in &mut ends[values.len()..] {
            *e = last;
        }
        Some(Args {
            text: text.into_boxed_str(),
            ends,
        })
    }

    /// Value `n` (empty when not given), its shared values being `shared`.
    pub fn get<'a>(&'a self, n: usize, shared: [&'a str; 3]) -> &'a str {
        let end = self.ends[n];
        match end >> 30 {
            0 => {
                let start = if n == 0 {
                    0
                } else {
                    (self.ends[n - 1] & SLOT_END) as usize
                };
                &self.text[start..(end & SLOT_END) as usize]
            }
            k => shared[k as usize - 1],
        }
    }

    /// `template` with each `{0}` to `{3}` replaced by that value; any other
    /// brace is kept as written. (For values made by [`Args::new`].)
    #[cfg(test)]
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + self.text.len());
        self.fill_shared(template, ["", "", ""], &mut out);
        out
    }

    /// [`Args::fill`] appended to `out`, the shared values being `shared`.
    pub fn fill_shared(&self, template: &str, shared: [&str; 3], out: &mut String) {
        fill_into(template, out, |n| {
            (n < Args::MAX as usize).then(|| self.get(n, shared))
        })
    }
}

/// `template` with each `{n}` (one digit) for which `value(n)` has a value
/// replaced by it; values are written as they are, never filled again.
fn fill<'v>(template: &str, extra: usize, value: impl Fn(usize) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(template.len() + extra);
    fill_into(template, &mut out, value);
    out
}

/// [`fill`], appended to `out`.
fn fill_into<'v>(template: &str, out: &mut String, value: impl Fn(usize) -> Option<&'v str>) {
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let hole = match rest.as_bytes()[i..] {
            [b'{', d @ b'0'..=b'9', b'}', ..] => value((d - b'0') as usize),
            _ => None,
        };
        match hole {
            Some(v) => {
                out.push_str(v);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('{');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
}

/// A concrete change for an admin team: in `system`, set `field` of record
/// `subject` from `current` to `to`.
///
/// Read through [`Finding::fix`]: a value equal to the finding's own is
/// not stored twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub system: Source,
    /// `None` when it is the finding's subject.
    subject: Option<Box<str>>,
    pub field: Cow<'static, str>,
    /// The value today; `None` when it is the fix's subject itself (the
    /// usual case: an inSync email to change).
    current: Option<Box<str>>,
    /// `None` when it is the finding's value.
    to: Option<Box<str>>,
}

/// A finding's fix as written: see [`Finding::fix`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixRef<'a> {
    pub system: Source,
    pub subject: &'a str,
    pub field: &'a str,
    pub current: &'a str,
    pub to: &'a str,
}

impl Fix {
    /// Rewrites every value (for `--redact`); the values shared with the
    /// finding must have been written out first ([`Finding::materialize`]).
    pub fn map_values(&mut self, f: impl Fn(&str) -> String) {
        for v in [&mut self.subject, &mut self.current, &mut self.to]
            .into_iter()
            .flatten()
        {
            *v = f(v).into();
        }
    }
}

impl Finding {
    /// The same finding with a concrete fix.
    pub fn with_fix(
        mut self,
        system: Source,
        subject: &str,
        field: impl Into<Cow<'static, str>>,
        current: &str,
        to: &str,
    ) -> Finding {
        let subject = subject.trim();
        let to = to.trim();
        self.fix = Some(Box::new(Fix {
            system,
            subject: (subject != &*self.subject).then(|| subject.into()),
            field: field.into(),
            current: (current != subject).then(|| current.into()),
            to: (to != &*self.value).then(|| to.into()),
        }));
        self
    }
}

impl Finding {
    /// A planned Okta finding about `subject` (row 2 of okta.csv, field
    /// email), for tests.
    #[cfg(test)]
    pub(crate) fn example(rule: Rule, subject: &str) -> Finding {
        Finding {
            rule,
            scenario: Scenario::Planned,
            source: Source::Okta,
            subject: subject.into(),
            file: "okta.csv".into(),
            row: 2,
            field: "email".into(),
            value: "".into(),
            message: "".into(),
            remediation: "".into(),
            args: Args::default(),
            person: None,
            fix: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// The message as written in the outputs.
    pub fn message(&self) -> Cow<'_, str> {
        self.message.render(&self.args, self.shared())
    }

    /// The remediation as written in the outputs.
    pub fn remediation(&self) -> Cow<'_, str> {
        self.remediation.render(&self.args, self.shared())
    }

    /// The values [`Args`] and [`Fix`] may name instead of copying:
    /// subject, value, field.
    pub fn shared(&self) -> [&str; 3] {
        [&self.subject, &self.value, &self.field]
    }

    /// The fix, its shared values read from the finding.
    pub fn fix(&self) -> Option<FixRef<'_>> {
        let x = self.fix.as_deref()?;
        let subject = x.subject.as_deref().unwrap_or(&self.subject);
        Some(FixRef {
            system: x.system,
            subject,
            field: &x.field,
            current: x.current.as_deref().unwrap_or(subject),
            to: x.to.as_deref().unwrap_or(&self.value),
        })
    }

    /// The same finding with its message and remediation written from
    /// templates over `args` (written out at once if `args` cannot be
    /// stored).
    pub fn templated(
        mut self,
        args: &[&str],
        message: &'static str,
        remediation: &'static str,
    ) -> Finding {
        let shared = [Some(&*self.subject), Some(&*self.value), Some(&*self.field)];
        match Args::sharing(args, shared) {
            Some(a) => {
                self.message = Text::Template(message);
                self.remediation = Text::Template(remediation);
                self.args = a;
            }
            None => {
                let written = |t: &str| fill(t, 0, |n| args.get(n).copied());
                self.message = written(message).into();
                self.remediation = written(remediation).into();
            }
        }
        self
    }

    /// Message and remediation written out, the arguments dropped (before
    /// rewriting them, as `--redact` does).
    pub fn materialize(&mut self) {
        if matches!(self.message, Text::Template(_)) {
            self.message = self.message().into_owned().into();
        }
        if matches!(self.remediation, Text::Template(_)) {
            self.remediation = self.remediation().into_owned().into();
        }
        self.args = Args::default();
        if let Some(x) = self.fix.as_deref_mut() {
            x.subject.get_or_insert_with(|| self.subject.clone());
            x.to.get_or_insert_with(|| self.value.clone());
        }
    }

    /// The deterministic order of findings in every output: severity,
    /// rule, scenario, source, the normalised subject, then every column.
    pub fn order(&self, other: &Finding) -> Ordering {
        (self.severity(), self.rule.id(), self.scenario, self.source)
            .cmp(&(
                other.severity(),
                other.rule.id(),
                other.scenario,
                other.source,
            ))
            .then_with(|| crate::model::cmp_key(&self.subject, &other.subject))
            .then_with(|| {
                (
                    &self.subject,
                    &self.file,
                    self.row,
                    &self.field,
                    &self.value,
                )
                    .cmp(&(
                        &other.subject,
                        &other.file,
                        other.row,
                        &other.field,
                        &other.value,
                    ))
            })
            .then_with(|| self.message().cmp(&other.message()))
    }
}

/// Sorts findings into their output order and drops exact repeats.
///
/// Each finding gets a 24-byte prefix of its order (severity, rule,
/// scenario, source, the first bytes of the normalised subject); findings
/// are compared in full only when their prefixes tie.
pub fn sort(findings: &mut Vec<Finding>) {
    let mut ids: Vec<Rule> = Rule::ALL.to_vec();
    ids.sort_by_key(|r| r.id());
    let mut rank = [0u8; 64];
    for (n, r) in ids.iter().enumerate() {
        rank[*r as usize] = n as u8;
    }
    // Severity, rule rank, scenario and source in two bytes, then the first
    // 22 bytes of the normalised subject: compared as bytes, in the order
    // of `Finding::order` wherever two prefixes differ.
    let prefix = |f: &Finding| -> [u8; 24] {
        let mut p = [0u8; 24];
        p[0] = (f.severity() as u8) << 6 | rank[f.rule as usize];
        p[1] = (f.scenario as u8) << 2 | f.source as u8;
        p[2..].copy_from_slice(&crate::model::key_prefix_bytes::<22>(&f.subject));
        p
    };
    let mut order: Vec<([u8; 24], u32)> = findings
        .par_iter()
        .enumerate()
        .map(|(i, f)| (prefix(f), i as u32))
        .collect();
    order.par_sort_unstable_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then_with(|| findings[*a as usize].order(&findings[*b as usize]))
    });
    // Position k takes the finding at perm[k]: applied in place, cycle by
    // cycle, so no second vector of findings is built.
    let mut perm: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
    for start in 0..perm.len() {
        let mut cur = start;
        while perm[cur] != u32::MAX {
            let next = perm[cur] as usize;
            perm[cur] = u32::MAX;
            if next == start {
                break;
            }
            findings.swap(cur, next);
            cur = next;
        }
    }
    findings.dedup_by(|a, b| a.order(b) == Ordering::Equal);
}

const _: () = assert!(Rule::ALL.len() <= 64, "rule ranks take 6 bits");

/// Builds findings about the records of a linked tenant.
pub struct Ctx<'a, 't> {
    pub l: &'a crate::link::Linked<'t>,
    /// The input file names, shared by the findings.
    pub files: Vec<Arc<str>>,
}

impl<'a, 't> Ctx<'a, 't> {
    pub fn new(l: &'a crate::link::Linked<'t>) -> Self {
        let files =
            l.t.tables
                .iter()
                .map(|t| Arc::from(t.file.as_str()))
                .collect();
        Ctx { l, files }
    }

    /// A finding about record `i` of a source: its subject, file, row and
    /// person come from the record.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        source: Source,
        i: u32,
        rule: Rule,
        scenario: Scenario,
        field: &str,
        value: &str,
        message: impl Into<Text>,
        remediation: impl Into<Text>,
    ) -> Finding {
        let t = self.l.t;
        let at = t.at(source, i);
        Finding {
            rule,
            scenario,
            source,
            subject: subject(t.identifier(source, i), at.row).into(),
            file: self.files[at.file as usize].clone(),
            row: at.row,
            field: field.into(),
            value: value.into(),
            message: message.into(),
            remediation: remediation.into(),
            args: Args::default(),
            person: Some(self.l.person_of(source, i)),
            fix: None,
        }
    }
}

/// A record's identifier for the `subject` column: trimmed, or the row
/// when the record has none.
pub fn subject(identifier: &str, row: u32) -> String {
    let s = identifier.trim();
    if s.is_empty() {
        format!("(row {row})")
    } else {
        s.to_string()
    }
}

/// Lists values for a message: `a`, `b` and `c`.
pub fn list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Every finding of a linked tenant, sorted, and the inSync email changes
/// to make before the mapping change.
pub fn check(l: &crate::link::Linked<'_>) -> (Vec<Finding>, Vec<change::Remediation>) {
    let ctx = Ctx::new(l);
    // The families are independent: checked side by side, joined once.
    let (((change, remediation), scenario), (hygiene, uupic)) = rayon::join(
        || rayon::join(|| change::check(&ctx), || scenario::check(&ctx)),
        || rayon::join(|| hygiene::check(&ctx), || uupic::check(&ctx)),
    );
    // The large families return their findings in chunks, each freed once
    // moved: joining them holds the findings once, not twice.
    let chunks: Vec<Vec<Finding>> = scenario
        .into_iter()
        .chain(change)
        .chain([hygiene, uupic])
        .collect();
    let mut findings = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks {
        findings.extend(chunk);
    }
    sort(&mut findings);
    (findings, remediation)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule ids and severities of SPEC section 5, read from the spec's
    /// tables when the spec is beside the checkout.
    #[test]
    fn templates_fill_their_holes_and_nothing_else() {
        let a = Args::new(&["anna@x", "{1}", "", "é`<b>"]).unwrap();
        let none = ["", "", ""];
        assert_eq!(a.get(0, none), "anna@x");
        assert_eq!(a.get(1, none), "{1}");
        assert_eq!(a.get(2, none), "");
        assert_eq!(a.get(3, none), "é`<b>");
        // Values are written as they are, even when they look like holes.
        assert_eq!(
            a.fill("`{0}` to `{1}`, {2}{3} {4} {x} {"),
            "`anna@x` to `{1}`, é`<b> {4} {x} {"
        );
        let short = Args::new(&["a"]).unwrap();
        assert_eq!(short.fill("{0}{1}{3}"), "a");
        assert!(Args::new(&["1", "2", "3", "4", "5"]).is_none());
    }

    #[test]
    fn templated_findings_read_like_written_ones() {
        let base = Finding::example(Rule::DuplicateOnRemap, "anna");
        let t = base
            .clone()
            .templated(&["anna", "b@x"], "`{0}` is `{1}`", "set `{1}`");
        assert!(matches!(t.message, Text::Template(_)));
        assert_eq!(t.message(), "`anna` is `b@x`");
        assert_eq!(t.remediation(), "set `b@x`");
        // Too many values: written out at once, the same sentences.
        let many = base.templated(&["a", "{4}", "c", "d", "e"], "{0}{1}{4}", "{3}");
        assert!(matches!(many.message, Text::Owned(_)));
        assert_eq!(many.message(), "a{4}e");
        assert_eq!(many.remediation(), "d");
        let mut m = t.clone();
        m.materialize();
        assert_eq!(m.message, Text::Owned("`anna` is `b@x`".into()));
        assert_eq!(m.remediation(), t.remediation());
    }

    #[test]
    fn values_equal_to_the_findings_own_are_shared_not_copied() {
        let mut f = Finding::example(Rule::DuplicateOnRemap, "anna@contoso.com");
        f.value = "anna.berg@contoso.co.uk".into();
        let f = f
            .templated(
                &[
                    "anna@contoso.com",
                    "old@x",
                    "anna.berg@contoso.co.uk",
                    "email",
                ],
                "`{0}` was `{1}`, becomes `{2}` ({3})",
                "set {3} to `{2}`",
            )
            .with_fix(
                Source::Insync,
                "anna@contoso.com",
                "email",
                "anna@contoso.com",
                " anna.berg@contoso.co.uk ",
            );
        // Only the value no field holds is stored in the arguments.
        assert_eq!(&*f.args.text, "old@x");
        assert_eq!(
            f.message(),
            "`anna@contoso.com` was `old@x`, becomes `anna.berg@contoso.co.uk` (email)"
        );
        assert_eq!(f.remediation(), "set email to `anna.berg@contoso.co.uk`");
        let x = f.fix.as_deref().unwrap();
        assert!(x.subject.is_none() && x.current.is_none() && x.to.is_none());
        let expected = FixRef {
            system: Source::Insync,
            subject: "anna@contoso.com",
            field: "email",
            current: "anna@contoso.com",
            to: "anna.berg@contoso.co.uk",
        };
        assert_eq!(f.fix(), Some(expected));
        // Written out, the fix no longer follows the finding's values (as
        // --redact rewrites them one by one).
        let mut m = f.clone();
        m.materialize();
        m.subject = "someone@else".into();
        m.value = "other".into();
        assert_eq!(m.fix(), Some(expected));
        assert_eq!(m.message(), f.message());
        // A different fix subject or target is stored as given.
        let g = Finding::example(Rule::ExchangeRestoreMismatch, "a@x").with_fix(
            Source::Okta,
            "login@x",
            "email",
            "a@x",
            "b@x",
        );
        let gx = g.fix().unwrap();
        assert_eq!((gx.subject, gx.current, gx.to), ("login@x", "a@x", "b@x"));
    }

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule ids");
        for id in ids {
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}"
            );
        }
    }

    #[test]
    fn rules_match_the_spec() {
        let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/SPEC.md");
        let Ok(text) = std::fs::read_to_string(&spec) else {
            // CI always has shared/ beside the clone: there the test must run.
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing",
                spec.display()
            );
            eprintln!(
                "SKIPPED: SPEC.md is not beside the checkout, so the rule list was not compared with it"
            );
            return;
        };
        let section = &text[text.find("## 5. Rules").unwrap()..text.find("## 6. Outputs").unwrap()];
        let mut from_spec = Vec::new();
        for line in section.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() > 3 && cells[1].starts_with('`') && cells[1].ends_with('`') {
                let id = cells[1].trim_matches('`');
                from_spec.push((id.to_string(), cells[2].to_string()));
            }
        }
        // The waiver rules are named in prose, not in a table.
        from_spec.push(("waiver-expired".into(), "info".into()));
        from_spec.push(("waiver-unused".into(), "info".into()));
        from_spec.sort();
        let mut ours: Vec<(String, String)> = Rule::ALL
            .iter()
            .map(|r| (r.id().to_string(), r.severity().id().to_string()))
            .collect();
        ours.sort();
        assert_eq!(ours, from_spec);
    }
}
