//! Okta: the Rockstar "Export Users" CSV (console titles such as `Username`,
//! `Primary email`), the CSV import template and report CSVs (API names such
//! as `login`, `email`), and scripts flattening `/api/v1/users`
//! (`profile.login`).

use super::Table;
use super::schema::{FieldSpec, Schema};
use crate::model::{At, Field, OktaStatus, OktaText, OktaUser, Source};

pub static SCHEMA: Schema = Schema {
    source: Source::Okta,
    fields: &[
        FieldSpec {
            field: Field::Login,
            aliases: &["login", "username", "oktausername"],
        },
        FieldSpec {
            field: Field::Email,
            aliases: &["email", "primaryemail"],
        },
        FieldSpec {
            field: Field::SecondEmail,
            aliases: &["secondemail", "secondaryemail"],
        },
        FieldSpec {
            field: Field::Status,
            aliases: &["status", "oktauserstatus"],
        },
        FieldSpec {
            field: Field::EmployeeNumber,
            aliases: &["employeenumber"],
        },
        FieldSpec {
            field: Field::Id,
            aliases: &["id", "userid"],
        },
        FieldSpec {
            field: Field::DisplayName,
            aliases: &["displayname", "userfullname"],
        },
        FieldSpec {
            field: Field::FirstName,
            aliases: &["firstname"],
        },
        FieldSpec {
            field: Field::LastName,
            aliases: &["lastname"],
        },
    ],
    required: &[Field::Login],
    reads: &[
        Field::Login,
        Field::Email,
        Field::SecondEmail,
        Field::Status,
        Field::EmployeeNumber,
        Field::DisplayName,
        Field::FirstName,
        Field::LastName,
    ],
    markers: &[
        "createddate",
        "activateddate",
        "statuschangeddate",
        "lastlogindate",
        "lastupdateddate",
        "passwordchangeddate",
        "transitioningtostatus",
        "usertypeid",
        "credentialprovidertype",
        "credentialprovidername",
        "credentialtype",
        "activated",
        "statuschanged",
        "lastlogin",
        "lastupdated",
        "passwordchanged",
        "middlename",
        "honorificprefix",
        "honorificsuffix",
        "nickname",
        "profileurl",
        "primaryphone",
        "costcenter",
        "managerid",
    ],
    exports: "the Rockstar \"Export Users\" CSV, a report CSV or the import template (a `login`/`Username` column)",
};

/// Aliases under which an Okta attribute's API name appears as a console
/// title (`login` = `Username`, `email` = `Primary email`).
pub fn attribute_field(attribute: &str) -> Option<Field> {
    let n = super::schema::norm_header(attribute);
    SCHEMA
        .fields
        .iter()
        .find(|f| {
            matches!(f.field, Field::Login | Field::Email | Field::SecondEmail)
                && f.aliases.contains(&n.as_str())
        })
        .map(|f| f.field)
}

/// The Okta users of a table.
pub fn records(table: &Table, file: u32) -> Vec<OktaUser> {
    use rayon::prelude::*;
    (0..table.rows.len())
        .into_par_iter()
        .map(|i| record(table, i, file))
        .collect()
}

/// The record of row `i` of a table.
pub fn record(table: &Table, i: usize, file: u32) -> OktaUser {
    let row = table.rows.get(i);
    let cell = |f| table.cell(row, f);
    let d = cell(Field::DisplayName);
    let joined;
    let display_name = if d.trim().is_empty() {
        joined = format!("{} {}", cell(Field::FirstName), cell(Field::LastName));
        joined.trim()
    } else {
        d
    };
    let at = At {
        file,
        row: row.line,
        record: i as u32,
    };
    let text = OktaText {
        login: cell(Field::Login),
        email: cell(Field::Email),
        second_email: cell(Field::SecondEmail),
        status_text: cell(Field::Status),
        employee_number: cell(Field::EmployeeNumber),
        display_name,
    };
    OktaUser::new(at, OktaStatus::parse(cell(Field::Status)), text)
}
