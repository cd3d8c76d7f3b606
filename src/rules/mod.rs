//! The rules: one [`Rule`] enum with the stable ids of SPEC section 5, one
//! [`Finding`] type, and one module per family of rules. Every rule is a
//! pure function of the linked model: no printing, no I/O.

pub mod change;
mod columns;
mod explain;
mod finding;
pub mod hygiene;
mod order;
pub mod scenario;
mod sink;
mod strings;
use sink::Family;
pub mod uupic;

use crate::model::Source;
pub use finding::{Columns, Finding, FixRef, Sentence, Text, Written};
use finding::{Read, Said};
pub use order::sort;
use serde::Serialize;
use std::borrow::Cow;
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
pub const KB_UPN_SMTP: &str =
    "Druva Knowledge Base: How to map both UserPrincipalName and Email address from Okta to Druva";
pub const KB_UUPIC: &str = "Druva documentation: Configure inSync to use UUPIC for SSO";

/// The public page of a source a rule cites, when it has one.
pub fn source_link(provenance: &str) -> Option<&'static str> {
    match provenance {
        KB_UPN_SMTP => Some(
            "https://help.druva.com/en/articles/8807007-how-to-map-both-userprincipalname-and-email-address-from-okta-to-druva",
        ),
        KB_UUPIC => Some(
            "https://docs.druva.com/001_inSync_Cloud/Cloud/020_Backup_and_Restore/010_Set_up_inSync/020_Configure_single_sign-on_for_inSync/Configure_inSync_to_use_UUPIC_for_SSO",
        ),
        _ => None,
    }
}
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
    RemediatedAhead = "remediated-ahead", Info,
        "the inSync email already is the planned userName of its person's Okta user: ready for the change, which should follow soon", KB_UPN_SMTP;
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

const _: () = assert!(Rule::ALL.len() <= 64, "rule ranks take 6 bits");

/// Builds findings about the records of a linked tenant.
pub struct Ctx<'a, 't> {
    pub l: &'a crate::link::Linked<'t>,
    /// The indexes linking built: who links to whom, Microsoft 365 by address.
    pub lk: &'a crate::link::Lookups<'t>,
    /// The input file names, shared by the findings.
    pub files: Vec<Arc<str>>,
}

impl<'a, 't> Ctx<'a, 't> {
    pub fn new(l: &'a crate::link::Linked<'t>, lk: &'a crate::link::Lookups<'t>) -> Self {
        let files =
            l.t.inputs
                .iter()
                .map(|t| Arc::from(t.file.as_str()))
                .collect();
        Ctx { l, lk, files }
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
    ) -> Finding<'static> {
        let t = self.l.t;
        let at = t.at(source, i);
        let id = t.identifier(source, i).trim();
        let numbered;
        let subject = if id.is_empty() {
            numbered = subject(id, at.row);
            &numbered
        } else {
            id
        };
        Finding::new(
            rule,
            scenario,
            source,
            subject,
            self.files[at.file as usize].clone(),
            at.row,
            field,
            value,
            message,
            remediation,
            Some(self.l.person_of(source, i)),
        )
    }
}

/// The record a finding is about, and the scenario it is about.
#[derive(Clone, Copy, Debug)]
pub struct About {
    pub source: Source,
    pub record: u32,
    pub scenario: Scenario,
}

impl About {
    pub fn new(source: Source, record: u32, scenario: Scenario) -> About {
        About {
            source,
            record,
            scenario,
        }
    }
}

impl Ctx<'_, '_> {
    /// [`Ctx::record`] for the record and scenario of `about`.
    pub fn about(
        &self,
        about: About,
        rule: Rule,
        field: &str,
        value: &str,
        message: String,
        remediation: Cow<'static, str>,
    ) -> Finding<'static> {
        self.record(
            about.source,
            about.record,
            rule,
            about.scenario,
            field,
            value,
            message,
            remediation,
        )
    }
}

impl<'t> Ctx<'_, 't> {
    /// A finding about the record and scenario of `about` whose values its
    /// rule reads from the records when it is written ([`Read`]).
    pub(crate) fn read(&self, about: About, rule: Rule, read: Read) -> Finding<'t> {
        debug_assert_eq!(
            about.record,
            read.record(),
            "a finding reads its own record"
        );
        Finding::read(
            self.l.t,
            rule,
            about.scenario,
            about.source,
            Some(self.l.person_of(about.source, about.record)),
            read,
        )
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
pub fn check<'t>(
    l: &crate::link::Linked<'t>,
    lk: &crate::link::Lookups<'t>,
) -> (Vec<Finding<'t>>, Vec<change::Remediation>) {
    let (mut findings, remediation) = check_unsorted(l, lk);
    sort(&mut findings);
    (findings, remediation)
}

/// [`check`] with the findings not yet sorted ([`sort`]): the caller can
/// free the look-ups first, and the sort use their memory.
pub fn check_unsorted<'t>(
    l: &crate::link::Linked<'t>,
    lk: &crate::link::Lookups<'t>,
) -> (Vec<Finding<'t>>, Vec<change::Remediation>) {
    let ctx = Ctx::new(l, lk);
    // Each family puts its findings in the sink as it makes them, a chunk
    // of persons at a time; the families are independent and run side by
    // side. Room for about one finding per record (1M persons make 2.3M
    // findings from 4M records): if more come, the vector grows.
    let t = l.t;
    let sink = sink::Sink::with_capacity(t.okta.len() + t.ad.len() + t.insync.len() + t.m365.len());
    // Paired as (change, scenario) and (hygiene, uupic): measured at a
    // million persons, the rules stage peaks at 2.60 GB so and at
    // 2.75-2.85 GB as one scope of four spawns (other families overlap).
    let (remediation, ()) = rayon::join(
        || {
            rayon::join(
                || change::check(&ctx, &sink),
                || scenario::check(&ctx, &sink),
            )
            .0
        },
        || {
            rayon::join(
                || sink.put((Family::Hygiene, 0), hygiene::check(&ctx)),
                || sink.put((Family::Uupic, 0), uupic::check(&ctx)),
            );
        },
    );
    (sink.into_findings(), remediation)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The rule ids and severities of SPEC section 5, read from the spec's
    /// tables when the spec is beside the checkout.
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
