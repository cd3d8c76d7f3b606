//! The status values of an export, each with how preflight reads it (SPEC
//! section 3): a value a system does not use is read as active, so its
//! checks still run, and is never passed over in silence (`inspect` lists
//! every value; the audit reports the unrecognised ones).

use super::{RawTable, RowRef};
use crate::model::{Field, Source, key, parse_bool};
use std::collections::BTreeMap;

pub use crate::model::StatusValue;

/// How a value of a status field is read: (read as, recognised).
fn reading(source: Source, field: Field, value: &str) -> (&'static str, bool) {
    let k = key(value).replace([' ', '_'], "");
    if k.is_empty() {
        return match field {
            Field::Enabled | Field::UserAccountControl => ("not stated", true),
            Field::BlockCredential | Field::AccountEnabled => ("not stated", true),
            _ => ("active (empty)", true),
        };
    }
    match (source, field) {
        (Source::Okta, Field::Status) => match k.as_str() {
            "active" | "recovery" | "passwordreset" | "lockedout" | "passwordexpired" => {
                ("active", true)
            }
            "deprovisioned" | "deactivated" | "suspended" => ("inactive", true),
            "staged" | "provisioned" | "pendinguseraction" => ("not yet active", true),
            _ => ("active", false),
        },
        (Source::Insync, Field::Status) => match k.as_str() {
            "active" => ("active", true),
            "preserved" => ("preserved (not active)", true),
            "disabled" => ("disabled (not active)", true),
            "deleted" => ("deleted (not active)", true),
            _ => ("active", false),
        },
        (Source::Ad, Field::Enabled) => match parse_bool(value) {
            Some(true) => ("enabled", true),
            Some(false) => ("disabled", true),
            None => ("enabled unless userAccountControl says disabled", false),
        },
        (Source::Ad, Field::UserAccountControl) => match value.trim().parse::<u32>() {
            Ok(n) if n & 2 != 0 => ("disabled", true),
            Ok(_) => ("enabled", true),
            Err(_) => ("enabled", false),
        },
        (Source::M365, Field::BlockCredential) => match parse_bool(value) {
            Some(true) => ("sign-in blocked", true),
            Some(false) => ("sign-in allowed", true),
            None => ("sign-in allowed", false),
        },
        (Source::M365, Field::AccountEnabled) => match parse_bool(value) {
            Some(true) => ("sign-in allowed", true),
            Some(false) => ("sign-in blocked", true),
            None => ("sign-in allowed", false),
        },
        _ => ("active", true),
    }
}

/// The status fields of each source.
fn fields(source: Source) -> &'static [Field] {
    match source {
        Source::Okta | Source::Insync => &[Field::Status],
        Source::Ad => &[Field::Enabled, Field::UserAccountControl],
        Source::M365 => &[Field::BlockCredential, Field::AccountEnabled],
    }
}

/// Every distinct value of the status columns of a table, in column then
/// value order, with the rows that hold it.
pub(crate) fn values(
    source: Source,
    raw: &RawTable,
    columns: &BTreeMap<Field, usize>,
) -> Vec<StatusValue> {
    let mut out = Vec::new();
    for &field in fields(source) {
        let Some(&col) = columns.get(&field) else {
            continue;
        };
        let Some(at) = raw.stored.get(col).copied().flatten() else {
            continue;
        };
        let cell = |row: RowRef<'_>| row.cells.get(at as usize).unwrap_or("").trim().to_string();
        // By key: the first spelling seen, and the count.
        let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for row in raw.rows.iter() {
            let value = cell(row);
            seen.entry(key(&value))
                .and_modify(|e| e.1 += 1)
                .or_insert((value, 1));
        }
        for (value, rows) in seen.into_values() {
            let (read_as, recognised) = reading(source, field, &value);
            out.push(StatusValue {
                column: raw.headers[col].trim().to_string(),
                value,
                read_as,
                recognised,
                rows,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_a_system_uses_is_recognised_and_others_read_as_active() {
        for v in [
            "ACTIVE",
            "Password Reset",
            "LOCKED_OUT",
            "Suspended",
            "Pending User Action",
        ] {
            assert!(reading(Source::Okta, Field::Status, v).1, "{v}");
        }
        assert_eq!(
            reading(Source::Okta, Field::Status, "Frozen"),
            ("active", false)
        );
        assert_eq!(
            reading(Source::Insync, Field::Status, "Archived"),
            ("active", false)
        );
        assert_eq!(
            reading(Source::Insync, Field::Status, "Preserved"),
            ("preserved (not active)", true)
        );
        assert_eq!(
            reading(Source::Ad, Field::UserAccountControl, "514"),
            ("disabled", true)
        );
        assert_eq!(
            reading(Source::Ad, Field::UserAccountControl, "512"),
            ("enabled", true)
        );
        assert_eq!(
            reading(Source::Ad, Field::UserAccountControl, "n/a"),
            ("enabled", false)
        );
        assert!(!reading(Source::M365, Field::BlockCredential, "Maybe").1);
        assert_eq!(
            reading(Source::Okta, Field::Status, " "),
            ("active (empty)", true)
        );
    }
}
