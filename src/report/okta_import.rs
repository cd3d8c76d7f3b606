//! `fixes/okta-import.csv`: the Okta changes of `fixes/okta.csv` in the
//! format of Okta's *Import Users from CSV* (SPEC section 6): a header of
//! profile variable names, `login` first and then only the attributes to
//! change; no BOM, no formula prefix, no extra columns, always commas.
//!
//! What the import cannot carry stays in the worklist only: a change of
//! `login` itself (Okta matches users by it: those are console steps), a
//! change without a value to set, a value that would need the formula
//! prefix or holds a line break, a user whose login is not a plain value,
//! an attribute that is no profile variable, two different values for one
//! attribute of one user, and a user who does not change every attribute
//! the file has columns for (an empty cell could clear the attribute).

use super::Report;
use super::fixes::{Change, changes};
use crate::model::{Keyed, Source, cmp_key};
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// The profile variable an Okta attribute of the settings names: the
/// variable itself, or the Admin Console title of a base attribute.
fn variable(attribute: &str) -> Option<&str> {
    let a = attribute.trim();
    let known = [
        ("login", "Username"),
        ("email", "Primary email"),
        ("secondEmail", "Secondary email"),
        ("employeeNumber", "Employee number"),
        ("firstName", "First name"),
        ("lastName", "Last name"),
        ("displayName", "Display name"),
    ];
    if let Some((v, _)) = known
        .iter()
        .find(|(v, title)| a.eq_ignore_ascii_case(v) || a.eq_ignore_ascii_case(title))
    {
        return Some(v);
    }
    let plain = a.starts_with(|c: char| c.is_ascii_alphabetic())
        && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    plain.then_some(a)
}

/// Whether `value` can go into the import as it is.
fn importable(value: &str) -> bool {
    !value.is_empty()
        && value.trim() == value
        && !super::csv::formula_start(value)
        && !value.chars().any(char::is_control)
}

/// A user of the import: the login and the value to set of each variable.
type Row<'r> = (&'r str, BTreeMap<&'r str, &'r str>);

/// The rows of the import, and the columns (the variables, in name order).
fn rows<'r>(okta: &[Change<'r>]) -> (Vec<&'r str>, Vec<Row<'r>>) {
    // By login (its key), every attribute's values; a map finds the login,
    // the Okta list of a large tenant has tens of thousands of changes.
    let mut users: Vec<(&'r str, BTreeMap<&'r str, Vec<&'r str>>)> = Vec::new();
    let mut by_login: HashMap<Keyed<'r>, usize> = HashMap::new();
    for c in okta {
        let Some(var) = variable(c.field) else {
            continue;
        };
        if var == "login" || !importable(c.to) || !importable(c.subject) {
            continue;
        }
        let at = *by_login.entry(Keyed(c.subject)).or_insert_with(|| {
            users.push((c.subject, BTreeMap::new()));
            users.len() - 1
        });
        users[at].1.entry(var).or_default().push(c.to);
    }
    // One value per attribute, or the attribute is left to the worklist.
    let users: Vec<Row<'r>> = users
        .into_iter()
        .map(|(login, values)| {
            let one = values
                .into_iter()
                .filter(|(_, v)| v.iter().all(|x| *x == v[0]))
                .map(|(k, v)| (k, v[0]))
                .collect();
            (login, one)
        })
        .collect();
    let mut columns: Vec<&str> = users.iter().flat_map(|(_, v)| v.keys().copied()).collect();
    columns.sort_unstable();
    columns.dedup();
    let mut full: Vec<Row<'r>> = users
        .into_iter()
        .filter(|(_, v)| !v.is_empty() && v.len() == columns.len())
        .collect();
    full.sort_by(|a, b| cmp_key(a.0, b.0).then_with(|| a.0.cmp(b.0)));
    (columns, full)
}

/// `fixes/okta-import.csv`.
pub fn write<W: Write>(r: &Report, out: W) -> Result<()> {
    let okta = changes(r, Source::Okta);
    let (columns, users) = rows(&okta);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(std::iter::once("login").chain(columns.iter().copied()))?;
    for (login, values) in &users {
        w.write_record(std::iter::once(*login).chain(columns.iter().map(|c| values[c])))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change<'a>(subject: &'a str, field: &'a str, to: &'a str) -> Change<'a> {
        Change {
            subject,
            field,
            current: "old",
            to,
        }
    }

    #[test]
    fn only_what_the_import_can_carry() {
        let okta = [
            change("anna@x.com", "email", "anna.berg@x.com"),
            change("bo@x.com", "Primary email", "bo.lund@x.com"),
            // A login change, a formula, a line break, no value: worklist only.
            change("cy@x.com", "login", "cy.new@x.com"),
            change("di@x.com", "email", "=HYPERLINK(\"x\")"),
            change("ed@x.com", "email", "ed@x.com\nfoo"),
            change("fa@x.com", "email", ""),
            // A login with spaces around it is not a plain value.
            change(" gu@x.com", "email", "gu@x.com"),
            // Two values for one attribute: ambiguous.
            change("ha@x.com", "email", "ha1@x.com"),
            change("HA@x.com", "email", "ha2@x.com"),
        ];
        let (columns, users) = rows(&okta);
        assert_eq!(columns, ["email"]);
        let logins: Vec<&str> = users.iter().map(|(l, _)| *l).collect();
        assert_eq!(logins, ["anna@x.com", "bo@x.com"]);
        assert_eq!(users[1].1["email"], "bo.lund@x.com");
    }

    #[test]
    fn a_user_changing_only_some_columns_is_left_to_the_worklist() {
        let okta = [
            change("anna@x.com", "email", "a@x.com"),
            change("anna@x.com", "secondEmail", "a2@x.com"),
            change("bo@x.com", "email", "b@x.com"),
            // No profile variable: not imported.
            change("cy@x.com", "Some title (custom)", "c@x.com"),
        ];
        let (columns, users) = rows(&okta);
        assert_eq!(columns, ["email", "secondEmail"]);
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].0, "anna@x.com");
    }
}
