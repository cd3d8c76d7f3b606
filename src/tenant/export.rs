//! [`Export`]: what one loaded file gives the model, taken as soon as the
//! file is loaded so that its rows are released before the next files'
//! rows and every record are in memory at once.

use super::*;

/// One input file as the model takes it: its table without rows (the
/// file's facts: headers, columns, problems...), its records, and the
/// values of the columns the settings name that no record field holds.
pub struct Export {
    pub table: Table,
    pub(super) records: Records,
    pub(super) named: Named,
}

/// The records of one file.
pub(super) enum Records {
    Okta(Vec<OktaUser>),
    Ad(Vec<AdUser>),
    Insync(Vec<InsyncUser>),
    M365(Vec<M365User>),
}

/// The values, per record of one file, of the columns a setting names
/// that no record field holds.
#[derive(Default)]
pub(super) struct Named {
    /// Per Okta attribute of [`okta_attributes`], the values when the file
    /// has it in a column of its own ([`okta_place`] is `Own`; the records
    /// hold the login, the email and the second email). An attribute
    /// inferred after loading is the login or the email.
    pub okta: [Option<Vec<Box<str>>>; 4],
    /// The identification attribute's values (an AD file, or an Okta file
    /// with a column of that name).
    pub uupic: Option<Vec<Box<str>>>,
}

/// The Okta attributes the settings name, in the order of
/// [`super::OktaAttrs`]: current userName (unset when it is to be
/// inferred: then the login or the email), current UPN, planned userName,
/// planned UPN.
pub(super) fn okta_attributes(s: &Settings) -> [Option<String>; 4] {
    [
        s.current_user_name.value.clone(),
        s.current_upn.value.clone(),
        Some(s.plan_user_name.value.clone()),
        s.plan_upn.value.clone(),
    ]
}

/// Where an Okta attribute's value is in a table: the field of the
/// column's login, email or second email, else a column of its own.
pub(super) fn okta_place(t: &Table, attribute: Option<&str>) -> OktaValue {
    let Some(col) = attribute.and_then(|a| okta_column(t, a)) else {
        return OktaValue::Empty;
    };
    let field = |f| t.columns.get(&f) == Some(&col);
    if field(Field::Login) {
        OktaValue::Login
    } else if field(Field::Email) {
        OktaValue::Email
    } else if field(Field::SecondEmail) {
        OktaValue::SecondEmail
    } else {
        OktaValue::Own
    }
}

impl Records {
    pub(super) fn len(&self) -> usize {
        match self {
            Records::Okta(r) => r.len(),
            Records::Ad(r) => r.len(),
            Records::Insync(r) => r.len(),
            Records::M365(r) => r.len(),
        }
    }
}

impl Export {
    /// The records of `table` (file `file` of the inputs, in order) and the
    /// values of the columns `settings` name; its rows released.
    pub fn of(mut table: Table, file: u32, settings: &Settings) -> Export {
        let t = &table;
        // One value per row, as one record per row (Okta and AD).
        let column_values = |col: usize| -> Vec<Box<str>> {
            t.rows.iter().map(|row| t.value(row, col).into()).collect()
        };
        let uupic = settings.identification_attribute.value.as_deref();
        let (records, named) = match t.source {
            Source::Okta => {
                let okta = okta_attributes(settings).map(|a| {
                    let a = a?;
                    let col = okta_column(t, &a)?;
                    (okta_place(t, Some(&a)) == OktaValue::Own).then(|| column_values(col))
                });
                let uupic = uupic.and_then(|a| okta_column(t, a)).map(column_values);
                (
                    Records::Okta(load::okta::records(t, file)),
                    Named { okta, uupic },
                )
            }
            Source::Ad => {
                let uupic = uupic.and_then(|a| t.column(a)).map(column_values);
                (
                    Records::Ad(load::ad::records(t, file)),
                    Named {
                        uupic,
                        ..Named::default()
                    },
                )
            }
            Source::Insync => (
                Records::Insync(load::insync::records(t, file)),
                Named::default(),
            ),
            Source::M365 => (
                Records::M365(load::m365::records(t, file)),
                Named::default(),
            ),
        };
        // Every value the audit needs is in the records now.
        table.rows = load::Rows::default();
        Export {
            table,
            records,
            named,
        }
    }
}
