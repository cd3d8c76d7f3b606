//! Active Directory: `Get-ADUser ... | Export-Csv` (Windows PowerShell 5.1
//! with its `#TYPE` line, or PowerShell 7), csvde (LDAP names, `DN` first,
//! `;`-joined multi-values) and the ADUC "Export List".

use super::Table;
use super::schema::{FieldSpec, Schema};
use crate::model::{AdText, AdUser, At, Field, Proxies, Source, parse_bool};

pub static SCHEMA: Schema = Schema {
    source: Source::Ad,
    fields: &[
        FieldSpec {
            field: Field::Upn,
            // ADUC's column title for the UPN.
            aliases: &["userprincipalname", "userlogonname"],
        },
        FieldSpec {
            field: Field::Mail,
            aliases: &["mail", "emailaddress"],
        },
        FieldSpec {
            field: Field::ProxyAddresses,
            aliases: &["proxyaddresses"],
        },
        FieldSpec {
            field: Field::SamAccountName,
            aliases: &["samaccountname"],
        },
        FieldSpec {
            field: Field::Enabled,
            aliases: &["enabled"],
        },
        FieldSpec {
            field: Field::UserAccountControl,
            aliases: &["useraccountcontrol"],
        },
        FieldSpec {
            field: Field::EmployeeNumber,
            aliases: &["employeenumber"],
        },
        FieldSpec {
            field: Field::EmployeeId,
            aliases: &["employeeid"],
        },
        FieldSpec {
            field: Field::ObjectGuid,
            aliases: &["objectguid"],
        },
        FieldSpec {
            field: Field::DistinguishedName,
            aliases: &["distinguishedname", "dn"],
        },
        FieldSpec {
            field: Field::DisplayName,
            aliases: &["displayname", "name", "cn"],
        },
        FieldSpec {
            field: Field::FirstName,
            aliases: &["givenname"],
        },
        FieldSpec {
            // ADUC export list: rows whose type is not a user are set aside.
            field: Field::ObjectType,
            aliases: &["type"],
        },
        FieldSpec {
            field: Field::LastName,
            aliases: &["surname", "sn"],
        },
    ],
    required: &[Field::Upn],
    reads: &[
        Field::Upn,
        Field::Mail,
        Field::ProxyAddresses,
        Field::SamAccountName,
        Field::Enabled,
        Field::UserAccountControl,
        Field::EmployeeNumber,
        Field::EmployeeId,
        Field::DisplayName,
        Field::ObjectType,
        Field::ObjectGuid,
    ],
    markers: &[
        "sid",
        "objectsid",
        "objectclass",
        "whenchanged",
        "lastlogondate",
        "lastlogontimestamp",
        "pwdlastset",
        "passwordlastset",
        "accountexpires",
        "accountexpirationdate",
        "memberof",
        "exchangealias",
        "lockedout",
        "canonicalname",
        "homedirectory",
        "scriptpath",
    ],
    exports: "Get-ADUser ... | Export-Csv, csvde or the ADUC export list (a UserPrincipalName column)",
};

/// `userAccountControl` has the ACCOUNTDISABLE bit (2).
fn uac_disabled(value: &str) -> bool {
    value.trim().parse::<u64>().is_ok_and(|v| v & 2 != 0)
}

/// The AD users of a table.
pub fn records(table: &Table, file: u32) -> Vec<AdUser> {
    use rayon::prelude::*;
    (0..table.rows.len())
        .into_par_iter()
        .map(|i| record(table, i, file))
        .collect()
}

/// The record of row `i` of a table.
pub fn record(table: &Table, i: usize, file: u32) -> AdUser {
    let row = table.rows.get(i);
    let cell = |f| table.cell(row, f);
    // `Enabled` when it says True/False, else the ACCOUNTDISABLE bit.
    let header = |f: Field| {
        table
            .columns
            .get(&f)
            .map_or("", |&c| table.headers[c].trim())
    };
    let (enabled, (disabled_column, disabled_value)) = match parse_bool(cell(Field::Enabled)) {
        Some(true) => (true, ("", "")),
        Some(false) => (false, (header(Field::Enabled), cell(Field::Enabled).trim())),
        None => {
            let uac = cell(Field::UserAccountControl);
            if uac_disabled(uac) {
                (false, (header(Field::UserAccountControl), uac.trim()))
            } else {
                (true, ("", ""))
            }
        }
    };
    let at = At {
        file,
        row: row.line,
        record: i as u32,
    };
    let text = AdText {
        upn: cell(Field::Upn),
        mail: cell(Field::Mail),
        sam_account_name: cell(Field::SamAccountName),
        employee_number: cell(Field::EmployeeNumber),
        employee_id: cell(Field::EmployeeId),
        display_name: cell(Field::DisplayName),
        object_guid: cell(Field::ObjectGuid),
        disabled_column,
        disabled_value,
    };
    let proxies = Proxies::parse(cell(Field::ProxyAddresses));
    AdUser::new(at, enabled, &proxies, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_disable_bit() {
        assert!(uac_disabled("514"));
        assert!(uac_disabled("66050"));
        assert!(!uac_disabled("512"));
        assert!(!uac_disabled("66048"));
        assert!(!uac_disabled(""));
    }
}
