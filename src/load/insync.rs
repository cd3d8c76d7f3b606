//! Druva inSync: the User Provisioning report (`User Name`, `User Email`,
//! `User Status`...), the Preserved Users report (`Username`, `Email`,
//! `Preserved On`), the Users page lists, the API flattening (`emailID`)
//! and the bulk-import CSV. `Username` here is the display name, not an
//! address; `Custom Attribute Value` is not the AD attribute.

use super::Table;
use super::schema::{FieldSpec, Schema};
use crate::model::{At, Field, InsyncStatus, InsyncText, InsyncUser, Source};

pub static SCHEMA: Schema = Schema {
    source: Source::Insync,
    fields: &[
        FieldSpec {
            field: Field::Email,
            aliases: &["useremail", "email", "emailid"],
        },
        FieldSpec {
            field: Field::DisplayName,
            aliases: &["username", "name", "user"],
        },
        FieldSpec {
            field: Field::Status,
            aliases: &["userstatus", "status"],
        },
        FieldSpec {
            field: Field::Profile,
            aliases: &["profile", "profilename"],
        },
        FieldSpec {
            field: Field::AdAttribute,
            aliases: &["adattribute"],
        },
        FieldSpec {
            field: Field::PreservedOn,
            aliases: &["preservedon"],
        },
    ],
    required: &[Field::Email],
    reads: &[
        Field::Email,
        Field::AdAttribute,
        Field::Status,
        Field::Profile,
        Field::DisplayName,
    ],
    markers: &[
        "microsoft365license",
        "smblicense",
        "backupdata(mb)",
        "createdon",
        "managedby",
        "mapping",
        "customattributename",
        "customattributevalue",
        "mode",
        "#devices",
        "usage(%quota)",
        "deviceusage(%quota)",
        "#cloudapps",
        "cloudappsusage",
        "dlp",
        "profileid",
        "storageid",
        "quota",
        "addedon",
    ],
    exports: "the User Provisioning report, the Preserved Users report or a Users list (a `User Email`/`Email` column)",
};

/// The inSync users of a table. A Preserved Users report marks its users
/// preserved whatever else it says.
pub fn records(table: &Table, file: u32) -> Vec<InsyncUser> {
    use rayon::prelude::*;
    (0..table.rows.len())
        .into_par_iter()
        .map(|i| record(table, i, file))
        .collect()
}

/// The record of row `i` of a table.
pub fn record(table: &Table, i: usize, file: u32) -> InsyncUser {
    let row = table.rows.get(i);
    let preserved_report = table.columns.contains_key(&Field::PreservedOn);
    let cell = |f| table.cell(row, f);
    let status = if preserved_report {
        InsyncStatus::Preserved
    } else {
        InsyncStatus::parse(cell(Field::Status))
    };
    let at = At {
        file,
        row: row.line,
        record: i as u32,
    };
    let text = InsyncText {
        email: cell(Field::Email),
        ad_attribute: cell(Field::AdAttribute),
        profile: cell(Field::Profile),
        display_name: cell(Field::DisplayName),
    };
    InsyncUser::new(at, status, text)
}
