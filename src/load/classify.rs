//! Which system a header row comes from, and which column holds which
//! canonical field.
//!
//! Each source declares a [`Schema`]: its canonical fields with the header
//! aliases of the real exports, its required fields, and further headers
//! that only its exports carry. A header row is scored against every schema:
//! a header known to one source only weighs 3, a header several sources
//! share (`Username`, `Email`, `UserPrincipalName`) weighs 1. The best score
//! wins; a tie or no score at all is an error that lists the headers.

pub use super::schema::{FieldSpec, Schema, norm_header};
use crate::model::{Field, Source};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

impl Schema {
    /// The schema of a source.
    pub fn of(source: Source) -> &'static Schema {
        match source {
            Source::Okta => &super::okta::SCHEMA,
            Source::Ad => &super::ad::SCHEMA,
            Source::Insync => &super::insync::SCHEMA,
            Source::M365 => &super::m365::SCHEMA,
        }
    }
}

/// How many sources know each normalised header.
fn header_owners() -> &'static HashMap<&'static str, usize> {
    static OWNERS: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    OWNERS.get_or_init(|| {
        let mut owners: HashMap<&'static str, usize> = HashMap::new();
        for source in Source::ALL {
            let mut mine: Vec<&'static str> = Schema::of(source).headers().collect();
            mine.sort_unstable();
            mine.dedup();
            for h in mine {
                *owners.entry(h).or_default() += 1;
            }
        }
        owners
    })
}

/// The outcome of scoring a header row against one source.
#[derive(Clone, Debug)]
pub struct Score {
    pub source: Source,
    pub points: u32,
    /// The headers (as written) that scored, distinctive ones first.
    pub decided_by: Vec<String>,
}

/// Scores a header row against a source's schema.
pub fn score(headers: &[String], source: Source) -> Score {
    let schema = Schema::of(source);
    let owners = header_owners();
    let mut points = 0;
    let mut distinctive = Vec::new();
    let mut shared = Vec::new();
    let mut seen = Vec::new();
    for header in headers {
        let n = norm_header(header);
        if n.is_empty() || seen.contains(&n) {
            continue;
        }
        if schema.headers().any(|h| h == n) {
            if owners.get(n.as_str()).copied().unwrap_or(0) == 1 {
                points += 3;
                distinctive.push(header.trim().to_string());
            } else {
                points += 1;
                shared.push(header.trim().to_string());
            }
            seen.push(n);
        }
    }
    distinctive.extend(shared);
    Score {
        source,
        points,
        decided_by: distinctive,
    }
}

/// Classifies a header row. `Err` carries the scores when no source fits or
/// two fit equally.
pub fn classify(headers: &[String]) -> Result<Score, Vec<Score>> {
    let mut scores: Vec<Score> = Source::ALL.iter().map(|s| score(headers, *s)).collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.points));
    if scores[0].points == 0 || scores[0].points == scores[1].points {
        return Err(scores);
    }
    Ok(scores.swap_remove(0))
}

/// Maps each canonical field of a source to the column that holds it: for
/// each field, its aliases in order, the first header that matches and is
/// not already taken.
pub fn map_columns(headers: &[String], source: Source) -> BTreeMap<Field, usize> {
    let normalised: Vec<String> = headers.iter().map(|h| norm_header(h)).collect();
    let mut taken = vec![false; headers.len()];
    let mut columns = BTreeMap::new();
    for spec in Schema::of(source).fields {
        'aliases: for alias in spec.aliases {
            for (i, n) in normalised.iter().enumerate() {
                if !taken[i] && n == alias {
                    taken[i] = true;
                    columns.insert(spec.field, i);
                    break 'aliases;
                }
            }
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(line: &str) -> Vec<String> {
        line.split(',').map(str::to_string).collect()
    }

    fn source_of(line: &str) -> Option<Source> {
        classify(&headers(line)).ok().map(|s| s.source)
    }

    #[test]
    fn normalises_headers() {
        assert_eq!(norm_header(" User principal name "), "userprincipalname");
        assert_eq!(norm_header("profile.secondEmail"), "secondemail");
        assert_eq!(norm_header("\u{feff}E-mail Address"), "emailaddress");
        assert_eq!(norm_header("Backup Data (MB)"), "backupdata(mb)");
    }

    #[test]
    fn classifies_the_real_exports() {
        use Source::*;
        let cases = [
            (
                "User Id,Status,Username,First name,Last name,Primary email",
                Okta,
            ),
            (
                "login,firstName,lastName,middleName,email,secondEmail,employeeNumber",
                Okta,
            ),
            (
                "id,status,created,profile.login,profile.email,profile.firstName",
                Okta,
            ),
            (
                "DistinguishedName,Enabled,GivenName,Name,ObjectClass,ObjectGUID,SamAccountName,SID,Surname,UserPrincipalName",
                Ad,
            ),
            (
                "DN,objectClass,sAMAccountName,userPrincipalName,mail,proxyAddresses",
                Ad,
            ),
            (
                "UserPrincipalName,mail,proxyAddresses,Enabled,userAccountControl",
                Ad,
            ),
            (
                "User Name,User Email,Profile,User Status,Microsoft 365 License,Backup Data (MB),Created On,Managed By,Mapping,Custom Attribute Name,Custom Attribute Value",
                Insync,
            ),
            ("Username,Profile Name,Email,Preserved On,Mode", Insync),
            (
                "Display name,User principal name,First name,Last name,Block credential,Licenses,Proxy addresses",
                M365,
            ),
            (
                "DisplayName,UserPrincipalName,PrimarySmtpAddress,RecipientTypeDetails,EmailAddresses",
                M365,
            ),
            (
                "Alias,DisplayName,DistinguishedName,EmailAddresses,ExchangeVersion,ExternalDirectoryObjectId,Guid,Id,Name,OrganizationId,PrimarySmtpAddress,RecipientType,RecipientTypeDetails,UserPrincipalName",
                M365,
            ),
            (
                "userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,department,accountEnabled,usageLocation",
                M365,
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(source_of(line), Some(expected), "{line}");
        }
    }

    #[test]
    fn username_means_login_in_okta_but_display_name_in_insync() {
        let okta = headers("Username,Primary email,Status");
        let insync = headers("Username,Email,User Status");
        assert_eq!(classify(&okta).unwrap().source, Source::Okta);
        assert_eq!(classify(&insync).unwrap().source, Source::Insync);
        assert_eq!(map_columns(&okta, Source::Okta)[&Field::Login], 0);
        assert_eq!(map_columns(&insync, Source::Insync)[&Field::DisplayName], 0);
        assert_eq!(map_columns(&insync, Source::Insync)[&Field::Email], 1);
    }

    #[test]
    fn unknown_and_ambiguous_headers_are_refused() {
        assert!(classify(&headers("Hostname,IP address,OS")).is_err());
        assert!(classify(&headers("Username,Email")).is_err());
    }

    #[test]
    fn primary_smtp_prefers_primarysmtpaddress_over_mail() {
        let h = headers("UserPrincipalName,Mail,PrimarySmtpAddress,RecipientTypeDetails");
        assert_eq!(map_columns(&h, Source::M365)[&Field::PrimarySmtp], 2);
    }
}
