//! Microsoft 365: the admin center "Active users > Export users" CSV
//! (`User principal name`, `+`-joined `Proxy addresses`, `Block credential`,
//! `Licenses`), `Get-EXOMailbox`/`Get-Mailbox` exports (`PrimarySmtpAddress`,
//! `EmailAddresses`, `RecipientTypeDetails`), the Entra "Download users"
//! file and Graph flattenings (`mail`, `proxyAddresses`, `accountEnabled`).

use super::Table;
use super::schema::{FieldSpec, Schema};
use crate::model::{At, Field, M365Text, M365User, Proxies, Source, key, parse_bool};

pub static SCHEMA: Schema = Schema {
    source: Source::M365,
    fields: &[
        FieldSpec {
            field: Field::Upn,
            aliases: &["userprincipalname"],
        },
        FieldSpec {
            field: Field::PrimarySmtp,
            aliases: &["primarysmtpaddress", "mail"],
        },
        FieldSpec {
            field: Field::ProxyAddresses,
            aliases: &["proxyaddresses", "emailaddresses"],
        },
        FieldSpec {
            field: Field::Licenses,
            aliases: &["licenses", "islicensed", "assignedlicenses"],
        },
        FieldSpec {
            field: Field::BlockCredential,
            aliases: &["blockcredential"],
        },
        FieldSpec {
            field: Field::AccountEnabled,
            aliases: &["accountenabled"],
        },
        FieldSpec {
            field: Field::RecipientTypeDetails,
            aliases: &["recipienttypedetails"],
        },
        FieldSpec {
            field: Field::DisplayName,
            aliases: &["displayname"],
        },
        FieldSpec {
            field: Field::ObjectId,
            aliases: &["objectid", "externaldirectoryobjectid"],
        },
        FieldSpec {
            field: Field::DirSync,
            aliases: &["dirsyncenabled", "onpremisessyncenabled"],
        },
        FieldSpec {
            field: Field::FirstName,
            aliases: &["firstname", "givenname"],
        },
        FieldSpec {
            field: Field::LastName,
            aliases: &["lastname", "surname"],
        },
    ],
    required: &[Field::Upn, Field::PrimarySmtp],
    reads: &[
        Field::Upn,
        Field::PrimarySmtp,
        Field::ProxyAddresses,
        Field::BlockCredential,
        Field::AccountEnabled,
        Field::Licenses,
        Field::RecipientTypeDetails,
        Field::DisplayName,
        Field::ObjectId,
        Field::DirSync,
    ],
    markers: &[
        "softdeletiontimestamp",
        "preferreddatalocation",
        "usagelocation",
        "lastdirsynctime",
        "passwordneverexpires",
        "lastpasswordchangetimestamp",
        "strongpasswordrequired",
        "licenseassignmentdetails",
        "oathtokenmetadata",
        "releasetrack",
        "countryorregion",
        "country/region",
        "stateorprovince",
        "preferredlanguage",
        "exchangeversion",
        "organizationid",
        "recipienttype",
        "alias",
        "jobtitle",
        "agegroup",
        "onpremisessamaccountname",
        "onpremisesimmutableid",
        "onpremisesuserprincipalname",
        "othermails",
        "mailnickname",
        "usertype",
    ],
    exports: "the admin center Active users export, Get-EXOMailbox | Export-Csv, or the Entra users download (a UPN column, or for a mailbox export at least PrimarySmtpAddress)",
};

/// Whether a licence cell says the user has no licence.
fn unlicensed(value: &str) -> bool {
    let k = key(value);
    k.is_empty() || k == "unlicensed" || k == "false" || k == "[]"
}

/// The Microsoft 365 users of a table.
pub fn records(table: &Table, file: u32) -> Vec<M365User> {
    use rayon::prelude::*;
    (0..table.rows.len())
        .into_par_iter()
        .map(|i| record(table, i, file))
        .collect()
}

/// The record of row `i` of a table.
pub fn record(table: &Table, i: usize, file: u32) -> M365User {
    let row = table.rows.get(i);
    let has_licences = table.columns.contains_key(&Field::Licenses);
    let cell = |f| table.cell(row, f);
    let at = At {
        file,
        row: row.line,
        record: i as u32,
    };
    let text = M365Text {
        upn: cell(Field::Upn),
        primary_smtp: cell(Field::PrimarySmtp),
        display_name: cell(Field::DisplayName),
        object_id: cell(Field::ObjectId),
    };
    let mut m = M365User::new(at, &Proxies::parse(cell(Field::ProxyAddresses)), text);
    m.sign_in_blocked = parse_bool(cell(Field::BlockCredential)) == Some(true)
        || parse_bool(cell(Field::AccountEnabled)) == Some(false);
    m.licensed = has_licences.then(|| !unlicensed(cell(Field::Licenses)));
    m.shared_mailbox = key(cell(Field::RecipientTypeDetails)) == "sharedmailbox";
    m.synced = parse_bool(cell(Field::DirSync)) == Some(true);
    m
}
