//! The validated records of the four systems, and the value rules they share.
//!
//! Nothing here reads a file: `load` turns bytes into these records and
//! describes each file as an [`InputInfo`]. What lives here is what every
//! later stage agrees on: which system a record comes from ([`Source`]), the canonical
//! fields ([`Field`]), how an address is normalised into a lookup key
//! ([`key`]), how a proxy-address list is split ([`parse_proxies`]) and what
//! makes an address valid ([`address_problem`]).

mod address;
mod input;
mod key;
mod keys;
mod packed;
mod proxies;
mod records;

pub use address::{AddressField, address_field, address_problem, is_dotnet_type_name};
pub use input::{
    InputInfo, RowProblem, RowsSetAside, SetAside, StatusValue, delimiter_name, file_name,
    joined_export,
};
pub use key::{Keyed, be_words, cmp_key, key, key_hash, key_prefix, key_prefix_bytes, same_key};
pub use keys::{KeyId, Keys};
pub use packed::{Fields, kept};
pub use proxies::{Proxies, Proxy, ProxyIter, ProxyList, ProxyRef, parse_proxies};
pub use records::{AdText, AdUser, InsyncText, InsyncUser, M365Text, M365User, OktaText, OktaUser};
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
    /// A Microsoft 365 (Entra) user's object id.
    ObjectId,
    /// Whether a Microsoft 365 user is synchronised from AD.
    DirSync,
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
            Field::ObjectId => "object_id",
            Field::DirSync => "dir_sync",
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

/// Where a record came from: the input file (by index) and the row a
/// spreadsheet shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// The primary SMTP address of a Microsoft 365 user: the primary-address
/// column when it has a value, else the `SMTP:` proxy entry.
pub fn primary_of(m: &M365User) -> &str {
    if !m.primary_smtp().trim().is_empty() {
        m.primary_smtp()
    } else {
        m.proxies()
            .iter()
            .find(|p| p.primary)
            .map_or("", |p| p.address)
    }
}

impl M365User {
    /// The record's own identifier as written: its UPN, or, in a mailbox
    /// export without a UPN column, its primary SMTP address.
    pub fn subject(&self) -> &str {
        if self.upn().trim().is_empty() {
            self.primary_smtp()
        } else {
            self.upn()
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
