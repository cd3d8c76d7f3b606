//! Odd export shapes (issue 25): each loads as its system from a file made
//! the way the real command makes it, and the audit gives the findings of
//! the well-formed export of the same tenant, but for the checks set aside,
//! which are listed as skipped.
//!
//! The tenant is the sample tenant (`fixtures/contoso/`); each test writes
//! one of its exports in an odd shape, under the same file name, and
//! compares the two audits.

use crate::{fixture, preflight};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The sample tenant's CSV exports.
const CONTOSO: [&str; 5] = [
    "okta-export-users.csv",
    "ad-users.csv",
    "m365-active-users.csv",
    "exo-mailboxes.csv",
    "insync-user-provisioning.csv",
];

/// What an audit gave.
struct Audit {
    code: Option<i32>,
    stdout: String,
    /// findings.csv rows (header dropped).
    findings: Vec<Vec<String>>,
    summary: serde_json::Value,
}

/// Audits `files` (classified by header).
fn audit(files: &[PathBuf]) -> Audit {
    let out = tempfile::tempdir().unwrap();
    let run = preflight()
        .arg("audit")
        .args(files)
        .args(["--fail-on", "never", "--out"])
        .arg(out.path().join("r"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    if run.status.code() != Some(0) {
        return Audit {
            code: run.status.code(),
            stdout: String::from_utf8_lossy(&run.stderr).into_owned(),
            findings: Vec::new(),
            summary: serde_json::Value::Null,
        };
    }
    let text = std::fs::read_to_string(out.path().join("r/findings.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    // The file column as a file name: the odd export lies elsewhere.
    let findings = reader
        .records()
        .map(|r| {
            let mut row: Vec<String> = r.unwrap().iter().map(String::from).collect();
            row[FILE] = Path::new(&row[FILE])
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            row
        })
        .collect();
    let summary =
        serde_json::from_slice(&std::fs::read(out.path().join("r/summary.json")).unwrap()).unwrap();
    Audit {
        code: run.status.code(),
        stdout,
        findings,
        summary,
    }
}

/// The sample tenant's exports, `name` replaced by `odd` (written in `dir`
/// under the same name, so findings name the same file); `None` drops it.
fn contoso_with(dir: &Path, name: &str, odd: Option<&[u8]>) -> Vec<PathBuf> {
    CONTOSO
        .iter()
        .filter_map(|f| {
            if *f != name {
                return Some(fixture(&format!("contoso/{f}")));
            }
            let bytes = odd?;
            let path = dir.join(f);
            std::fs::write(&path, bytes).unwrap();
            Some(path)
        })
        .collect()
}

/// A PowerShell `Export-Csv` text (optional `#TYPE` line, every field
/// quoted, CRLF) of `text`'s records, each passed through `edit`
/// (header first).
fn reexport(
    text: &str,
    type_line: Option<&str>,
    edit: impl Fn(Vec<String>) -> Vec<String>,
) -> String {
    let body = text.trim_start_matches('\u{feff}');
    let body = match body.strip_prefix("#TYPE") {
        Some(rest) => rest.split_once('\n').unwrap().1,
        None => body,
    };
    let mut out = String::new();
    if let Some(t) = type_line {
        out += &format!("#TYPE {t}\r\n");
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    for record in reader.records() {
        let cells = edit(record.unwrap().iter().map(String::from).collect());
        let quoted: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        out += &quoted.join(",");
        out += "\r\n";
    }
    out
}

/// Replaces, below the header, every non-empty cell of column `column`
/// with `value`.
fn fill_column(column: &str, value: &str) -> impl Fn(Vec<String>) -> Vec<String> {
    let column = column.to_string();
    let value = value.to_string();
    let at = std::cell::Cell::new(None);
    move |mut cells: Vec<String>| {
        match at.get() {
            None => at.set(cells.iter().position(|c| *c == column)),
            Some(i) if !cells[i].is_empty() => cells[i] = value.clone(),
            Some(_) => {}
        }
        cells
    }
}

fn contoso_text(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("contoso/{name}"))).unwrap()
}

/// The findings of `a` without those `skip` selects.
fn without(a: &Audit, skip: impl Fn(&[String]) -> bool) -> BTreeSet<Vec<String>> {
    a.findings.iter().filter(|f| !skip(f)).cloned().collect()
}

/// Asserts two sets of findings are equal, showing only the difference.
fn assert_same(shaped: &BTreeSet<Vec<String>>, well: &BTreeSet<Vec<String>>) {
    let only_shaped: Vec<_> = shaped.difference(well).collect();
    let only_well: Vec<_> = well.difference(shaped).collect();
    assert!(
        only_shaped.is_empty() && only_well.is_empty(),
        "only with the odd shape: {only_shaped:#?}\nonly with the well-formed export: {only_well:#?}"
    );
}

/// The audits of the sample tenant as exported (`well`) and with the
/// export `name` replaced by `odd` (`shaped`), which must run.
fn well_and_shaped(name: &str, odd: &[u8]) -> (Audit, Audit) {
    let dir = tempfile::tempdir().unwrap();
    let well = audit(&contoso_with(dir.path(), "", None));
    let shaped = audit(&contoso_with(dir.path(), name, Some(odd)));
    assert_eq!(shaped.code, Some(0), "{}", shaped.stdout);
    (well, shaped)
}

/// The verdict, its reasons, the checks skipped and the counts per rule
/// are the same.
fn assert_same_verdict(shaped: &Audit, well: &Audit) {
    assert_eq!(shaped.summary["verdict"], well.summary["verdict"]);
    assert_eq!(
        shaped.summary["verdict_reasons"],
        well.summary["verdict_reasons"]
    );
    assert_eq!(skipped_checks(shaped), skipped_checks(well));
    assert_eq!(shaped.summary["counts"], well.summary["counts"]);
}

fn skipped_checks(a: &Audit) -> Vec<String> {
    checks(a, "skipped")
}

/// A list of `{check, reason}` in summary.json, as `check: reason` lines.
fn checks(a: &Audit, key: &str) -> Vec<String> {
    a.summary[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}: {}",
                s["check"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect()
}

/// Column indexes of findings.csv.
const RULE: usize = 1;
const SUBJECT: usize = 4;
const FILE: usize = 5;
const SOURCE: usize = 3;
const FIELD: usize = 7;
const VALUE: usize = 8;
const ROW: usize = 6;

/// `Get-ADUser | Export-Csv` without `-join`: `proxyAddresses` holds the
/// collection's type name. The column is set aside; the findings are those
/// of the well-formed export but the AD proxy-address ones, and the checks
/// that read it are listed as skipped.
#[test]
fn ad_proxy_addresses_as_a_type_name_are_set_aside_and_the_rest_is_the_same() {
    let odd = reexport(
        &contoso_text("ad-users.csv"),
        Some("Selected.Microsoft.ActiveDirectory.Management.ADUser"),
        fill_column(
            "proxyAddresses",
            "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
        ),
    );
    let (well, shaped) = well_and_shaped("ad-users.csv", odd.as_bytes());
    // The AD findings on proxy addresses, and the duplicates they make
    // with another record's UPN or mail (the same value).
    let on_proxy = |f: &[String]| f[SOURCE] == "ad" && f[FIELD] == "proxy_addresses";
    let proxy_values: BTreeSet<String> = well
        .findings
        .iter()
        .filter(|f| on_proxy(f))
        .map(|f| f[VALUE].to_lowercase())
        .collect();
    assert!(!proxy_values.is_empty(), "the tenant has AD proxy findings");
    let ad_proxy = |f: &[String]| {
        on_proxy(f)
            || (f[SOURCE] == "ad"
                && f[RULE] == "duplicate-address"
                && proxy_values.contains(&f[VALUE].to_lowercase()))
    };
    assert_same(&without(&shaped, ad_proxy), &without(&well, ad_proxy));
    assert!(!shaped.findings.iter().any(|f| ad_proxy(f)));
    assert_eq!(shaped.summary["verdict"], well.summary["verdict"]);
    // Reported: coverage, skipped checks, the run summary up front.
    let aside = shaped.summary["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["set_aside"].as_array().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert!(aside[0]["file"].as_str().unwrap().ends_with("ad-users.csv"));
    assert_eq!(aside[0]["column"], "proxyAddresses");
    assert!(aside[0]["reason"].as_str().unwrap().contains("-join ';'"));
    let skipped = skipped_checks(&shaped);
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("Active Directory proxy-address checks")
                && s.contains("ad-users.csv")
                && s.contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}")),
        "{skipped:?}"
    );
    let head: String = shaped.stdout.lines().take(4).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("set aside: ") && head.contains("proxyAddresses"),
        "{}",
        shaped.stdout
    );
}

/// A finding without its sentences (message, remediation): which rule, on
/// which record and field, with which value. Sentences name the Microsoft
/// 365 user by the identifier its export gives, so they differ when a
/// mailbox export has no UPN.
fn keyed(set: BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    set.into_iter()
        .map(|mut f| {
            f.truncate(VALUE + 1);
            f
        })
        .collect()
}

fn verdict_reasons(a: &Audit) -> Vec<String> {
    checks(a, "verdict_reasons")
}

/// Drops column `column` from every record.
fn drop_column(column: &str) -> impl Fn(Vec<String>) -> Vec<String> {
    let column = column.to_string();
    let at = std::cell::Cell::new(None);
    move |mut cells: Vec<String>| {
        if at.get().is_none() {
            at.set(cells.iter().position(|c| *c == column));
        }
        cells.remove(at.get().expect("the column exists"));
        cells
    }
}

/// A mailbox export without a UPN column beside the users export merges by
/// primary SMTP address: the audit is the one with the UPN column.
#[test]
fn a_mailbox_export_without_upn_merges_by_primary_address() {
    let odd = reexport(
        &contoso_text("exo-mailboxes.csv"),
        None,
        drop_column("UserPrincipalName"),
    );
    let (well, shaped) = well_and_shaped("exo-mailboxes.csv", odd.as_bytes());
    assert_same(&without(&shaped, |_| false), &without(&well, |_| false));
    assert_eq!(
        shaped.summary["verdict_reasons"],
        well.summary["verdict_reasons"]
    );
    assert_eq!(shaped.summary["counts"], well.summary["counts"]);
}

/// The mailbox export alone, without a UPN column: the mailboxes are keyed
/// by primary address, OneDrive is not judged (a deciding check, listed
/// with the reason), and every other finding is the one the same export
/// with its UPN column gives.
#[test]
fn a_mailbox_export_without_upn_alone_skips_the_onedrive_checks() {
    let dir = tempfile::tempdir().unwrap();
    let with_upn = contoso_text("exo-mailboxes.csv");
    let without_upn = reexport(&with_upn, None, drop_column("UserPrincipalName"));
    let files = |text: &str| {
        let mut files = contoso_with(dir.path(), "exo-mailboxes.csv", Some(text.as_bytes()));
        files.retain(|f| !f.ends_with("m365-active-users.csv"));
        files
    };
    let well = audit(&files(&with_upn));
    let shaped = audit(&files(&without_upn));
    assert_eq!(shaped.code, Some(0), "{}", shaped.stdout);
    // What only UPNs show: OneDrive, the Microsoft 365 records' own
    // identifiers, and identifiers that are a UPN and no address of their
    // mailbox (`sam.clarke@` is Samantha's UPN and Samuel's alias: with the
    // UPNs ambiguous, without them Samuel's, so its inSync user becomes a
    // duplicate of Samuel's: existing-duplicate-user, found through that
    // resolution, is left out too).
    let mut reader = csv::Reader::from_reader(with_upn.trim_start_matches('\u{feff}').as_bytes());
    let upn_only: BTreeSet<String> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| {
            !r[4]
                .to_lowercase()
                .contains(&format!("smtp:{}", r[1].to_lowercase()))
        })
        .map(|r| r[1].to_lowercase())
        .collect();
    let onedrive = |f: &[String]| {
        f[RULE] == "onedrive-user-not-found"
            || f[RULE] == "existing-duplicate-user"
            || f[SOURCE] == "m365"
            || upn_only.contains(&f[SUBJECT].to_lowercase())
    };
    assert!(
        well.findings
            .iter()
            .any(|f| f[RULE] == "onedrive-user-not-found")
    );
    assert!(
        !shaped
            .findings
            .iter()
            .any(|f| f[RULE] == "onedrive-user-not-found")
    );
    assert_same(
        &keyed(without(&shaped, onedrive)),
        &keyed(without(&well, onedrive)),
    );
    let reasons = verdict_reasons(&shaped);
    assert!(
        reasons.iter().any(|r| r.starts_with("OneDrive backup")
            && r.contains("exo-mailboxes.csv has no UserPrincipalName column")),
        "{reasons:?}"
    );
    assert_ne!(shaped.summary["verdict"], "go");
    // The mailbox findings name the mailbox by its primary address.
    assert!(
        shaped
            .findings
            .iter()
            .filter(|f| f[SOURCE] == "m365")
            .all(|f| f[SUBJECT].contains('@')),
    );
}

/// `Get-EXOMailbox | Export-Csv` in Windows PowerShell 5.1 writes
/// `EmailAddresses` as a type name: the column is set aside, the Exchange
/// checks are skipped as deciding checks, and the other findings stay.
#[test]
fn exo_email_addresses_as_a_type_name_skip_the_exchange_checks() {
    let odd = reexport(
        &contoso_text("exo-mailboxes.csv"),
        Some("Microsoft.Exchange.Management.RestApiClient.ExoMailbox"),
        fill_column("EmailAddresses", "System.Collections.ArrayList"),
    );
    let (well, shaped) = well_and_shaped("exo-mailboxes.csv", odd.as_bytes());
    let exchange = |f: &[String]| {
        matches!(
            f[RULE].as_str(),
            "exchange-mailbox-not-found" | "exchange-restore-mismatch" | "m365-no-mailbox"
        )
    };
    assert!(well.findings.iter().any(|f| exchange(f)));
    assert!(!shaped.findings.iter().any(|f| exchange(f)));
    assert_same(
        &keyed(without(&shaped, exchange)),
        &keyed(without(&well, exchange)),
    );
    let reasons = verdict_reasons(&shaped);
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("Exchange Online backup and restore")
                && r.contains("exo-mailboxes.csv column `EmailAddresses`")
                && r.contains("-join ';'")),
        "{reasons:?}"
    );
}

/// An ADUC export list in an audit: its users are audited, the other rows
/// are counted in summary.json's coverage (rows read = used + set aside)
/// and said at the top of the run summary.
#[test]
fn aduc_export_list_rows_that_are_no_user_are_counted() {
    let a = audit(&[
        fixture("formats/aduc-export-list-ad.txt"),
        fixture("formats/mailbox-no-upn-m365.csv"),
    ]);
    assert_eq!(a.code, Some(0), "{}", a.stdout);
    let ad = &a.summary["coverage"][0];
    assert_eq!(ad["source"], "ad");
    assert_eq!(ad["rows_read"], 9);
    assert_eq!(ad["rows_used"], 4);
    assert_eq!(ad["rows_skipped"], 0);
    let aside = ad["rows_set_aside"].as_array().unwrap();
    assert_eq!(aside.len(), 5);
    assert_eq!(aside[0]["column"], "Type");
    assert_eq!(aside[0]["value"], "Computer");
    assert_eq!(aside[0]["rows"], 1);
    assert!(
        a.stdout.contains("set aside: ") && a.stdout.contains("rows whose Type is \"Contact\""),
        "{}",
        a.stdout
    );
}

/// Several exports that cannot be used, each for its own reason: one run
/// reports every one (file, reason, fix), exit 2.
#[test]
fn every_unloadable_export_is_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let key_type_name = dir.path().join("okta.csv");
    std::fs::write(
        &key_type_name,
        "User Id,Status,Username,Primary email\r\n00u1,ACTIVE,System.Object[],a@contoso.com\r\n",
    )
    .unwrap();
    let run = preflight()
        .arg("audit")
        .arg(&key_type_name)
        .arg(fixture("formats/ad-missing-upn.csv"))
        .arg(fixture("formats/empty.csv"))
        .arg(fixture("formats/dotnet-typename-ad.csv"))
        .args(["--quiet", "--out"])
        .arg(dir.path().join("r"))
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{e}");
    assert!(e.contains("3 inputs cannot be used"), "{e}");
    let line = |name: &str| {
        e.lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("okta.csv").contains("\"Username\"") && line("okta.csv").contains("-join ';'"),
        "{e}"
    );
    assert!(
        line("ad-missing-upn.csv").contains("UserPrincipalName"),
        "{e}"
    );
    assert!(line("empty.csv").contains("empty"), "{e}");
    // The export whose proxyAddresses are set aside is no error.
    assert!(!e.contains("dotnet-typename-ad.csv"), "{e}");
}

/// An ADUC "Export List" (Unicode text, tab-separated, the console's
/// column titles) of `ad-users.csv`'s accounts, then a group and a
/// computer: what the console lists for a container.
fn aduc_list_of(ad_users: &str) -> Vec<u8> {
    let body = ad_users.trim_start_matches('\u{feff}');
    let body = body
        .strip_prefix("#TYPE")
        .map_or(body, |rest| rest.split_once('\n').unwrap().1);
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (name, upn, mail) = (col("Name"), col("UserPrincipalName"), col("mail"));
    let mut text = String::from("Name\tType\tDescription\tUser Logon Name\tE-Mail Address\r\n");
    for r in reader.records() {
        let r = r.unwrap();
        text += &format!("{}\tUser\t\t{}\t{}\r\n", &r[name], &r[upn], &r[mail]);
    }
    text +=
        "Domain Admins\tSecurity Group - Global\tDesignated administrators of the domain\t\t\r\n";
    text += "LON-WS-0042\tComputer\t\t\t\r\n";
    let mut bytes = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    bytes
}

/// The sample tenant with its AD export as an ADUC export list of the same
/// accounts: the list has no `Enabled`/`userAccountControl` and no
/// `proxyAddresses` column, so disabled accounts and the AD proxy-address
/// checks cannot be judged: both are listed as skipped (summary.json and
/// the run summary, which share the list with the report and summary.md),
/// and every other finding is the well-formed export's.
#[test]
fn aduc_export_list_skips_the_checks_it_cannot_feed_and_the_rest_is_the_same() {
    let odd = aduc_list_of(&contoso_text("ad-users.csv"));
    let (well, shaped) = well_and_shaped("ad-users.csv", &odd);
    // The AD findings on proxy addresses (and the duplicates they make
    // with another account's UPN or mail), and the inactive-in-idp
    // findings whose cause is the AD account.
    let on_proxy = |f: &[String]| f[SOURCE] == "ad" && f[FIELD] == "proxy_addresses";
    let proxy_values: BTreeSet<String> = well
        .findings
        .iter()
        .filter(|f| on_proxy(f))
        .map(|f| f[VALUE].to_lowercase())
        .collect();
    let skipped_rules = |f: &[String]| {
        on_proxy(f)
            || (f[SOURCE] == "ad"
                && f[RULE] == "duplicate-address"
                && proxy_values.contains(&f[VALUE].to_lowercase()))
            || (f[RULE] == "inactive-in-idp"
                && matches!(f[FIELD].as_str(), "Enabled" | "userAccountControl"))
    };
    assert!(well.findings.iter().any(|f| on_proxy(f)));
    assert!(
        well.findings
            .iter()
            .any(|f| f[RULE] == "inactive-in-idp" && f[FIELD] == "Enabled"),
        "the tenant has a disabled AD account behind an active inSync user"
    );
    assert!(!shaped.findings.iter().any(|f| skipped_rules(f)));
    // The list has no `#TYPE` line: its records are one row higher.
    let mut shaped_findings = shaped.findings.clone();
    for f in &mut shaped_findings {
        if f[FILE] == "ad-users.csv" {
            f[ROW] = (f[ROW].parse::<u32>().unwrap() + 1).to_string();
        }
    }
    let shaped_rows = Audit {
        findings: shaped_findings,
        code: shaped.code,
        stdout: String::new(),
        summary: serde_json::Value::Null,
    };
    assert_same(
        &keyed(without(&shaped_rows, skipped_rules)),
        &keyed(without(&well, skipped_rules)),
    );
    // Non-deciding: the verdict and its reasons are the well-formed one's.
    assert_eq!(shaped.summary["verdict"], well.summary["verdict"]);
    assert_eq!(
        shaped.summary["verdict_reasons"],
        well.summary["verdict_reasons"]
    );
    // The group and the computer are set aside and counted.
    let ad = shaped.summary["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"] == "ad")
        .unwrap();
    assert_eq!(ad["rows_set_aside"].as_array().unwrap().len(), 2);
    // Listed as skipped, naming the file and the export that fixes it;
    // the well-formed export skips neither.
    let skipped = skipped_checks(&shaped);
    let disabled = skipped
        .iter()
        .find(|s| s.starts_with("disabled Active Directory accounts (inactive-in-idp"))
        .unwrap_or_else(|| panic!("{skipped:?}"));
    assert!(
        disabled.contains("ad-users.csv has no Enabled or userAccountControl column")
            && disabled.contains("read as enabled")
            && disabled.contains("ADUC export list"),
        "{disabled}"
    );
    let proxies = skipped
        .iter()
        .find(|s| s.starts_with("Active Directory proxy-address checks"))
        .unwrap_or_else(|| panic!("{skipped:?}"));
    assert!(
        proxies.contains("ad-users.csv has no proxyAddresses column")
            && proxies.contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"),
        "{proxies}"
    );
    assert!(
        !skipped_checks(&well)
            .iter()
            .any(|s| s.contains("Active Directory")),
        "{:?}",
        skipped_checks(&well)
    );
    // The run summary lists them too.
    assert!(
        shaped
            .stdout
            .contains("skipped: disabled Active Directory accounts")
            && shaped
                .stdout
                .contains("skipped: Active Directory proxy-address checks"),
        "{}",
        shaped.stdout
    );
}

/// The header and records of a CSV text (BOM and `#TYPE` line dropped).
fn records_of(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = text.trim_start_matches('\u{feff}');
    let body = body
        .strip_prefix("#TYPE")
        .map_or(body, |rest| rest.split_once('\n').unwrap().1);
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// A csvde export (`csvde -f ad-users.csv -r "(objectClass=user)" -l
/// objectClass,givenName,name,sAMAccountName,sn,userPrincipalName,mail,proxyAddresses,employeeNumber,employeeID,userAccountControl`)
/// of the accounts of `ad_users`: LDAP display names, the DN first, a
/// field quoted only when it holds a comma (the DNs), `proxyAddresses` one
/// `;`-joined field as csvde writes a multi-valued attribute, and
/// `userAccountControl` (512 enabled, 514 disabled) where `Get-ADUser`
/// gives `Enabled`. No BOM, no `#TYPE` line, CRLF.
fn csvde_of(ad_users: &str) -> Vec<u8> {
    let (headers, rows) = records_of(ad_users);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let take = [
        ("DN", "DistinguishedName"),
        ("objectClass", ""),
        ("givenName", "GivenName"),
        ("name", "Name"),
        ("sAMAccountName", "SamAccountName"),
        ("sn", "Surname"),
        ("userPrincipalName", "UserPrincipalName"),
        ("mail", "mail"),
        ("proxyAddresses", "proxyAddresses"),
        ("employeeNumber", "employeeNumber"),
        ("employeeID", "employeeID"),
        ("userAccountControl", "Enabled"),
    ];
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(take.iter().map(|(ldap, _)| *ldap))
        .unwrap();
    for r in &rows {
        out.write_record(take.iter().map(|(ldap, ps)| match *ldap {
            "objectClass" => "user".to_string(),
            "userAccountControl" => match r[col(ps)].as_str() {
                "False" => "514".to_string(),
                _ => "512".to_string(),
            },
            _ => r[col(ps)].clone(),
        }))
        .unwrap();
    }
    out.into_inner().unwrap()
}

/// The sample tenant with its AD export made by csvde: the findings are
/// the `Get-ADUser` export's. Only what names the column differs: csvde's
/// LDAP names (`userPrincipalName` for `UserPrincipalName`), the disabled
/// account read from `userAccountControl` 514 where `Enabled` said False,
/// and the rows, one higher without the `#TYPE` line.
#[test]
fn a_csvde_export_gives_the_findings_of_get_aduser() {
    let odd = csvde_of(&contoso_text("ad-users.csv"));
    let (well, shaped) = well_and_shaped("ad-users.csv", &odd);
    let disabled_by_uac = shaped
        .findings
        .iter()
        .filter(|f| f[RULE] == "inactive-in-idp" && f[FIELD] == "userAccountControl")
        .count();
    assert!(disabled_by_uac > 0, "{:#?}", shaped.findings);
    let same_names = |a: &Audit, shift: u32| {
        a.findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                if f[FIELD] == "userAccountControl" && f[VALUE] == "514" {
                    f[FIELD] = "Enabled".into();
                    f[VALUE] = "False".into();
                }
                f[FIELD] = f[FIELD].to_lowercase();
                if f[FILE] == "ad-users.csv" {
                    f[ROW] = (f[ROW].parse::<u32>().unwrap() + shift).to_string();
                }
                f.truncate(VALUE + 1);
                f
            })
            .collect::<BTreeSet<_>>()
    };
    assert_same(&same_names(&shaped, 1), &same_names(&well, 0));
    assert_same_verdict(&shaped, &well);
}

/// A `Get-MgUser` export of the sample tenant's Microsoft 365 users, as a
/// consultant runs it (PowerShell 7, so no `#TYPE` line):
/// `Get-MgUser -All -Property ... | Select-Object Id,DisplayName,UserPrincipalName,Mail,AccountEnabled,ProxyAddresses,AssignedLicenses,GivenName,Surname,OnPremisesSyncEnabled | Export-Csv -NoTypeInformation`,
/// with `ProxyAddresses` and `AssignedLicenses` (`.SkuId`) joined by `;`
/// when `joined`, else as the collections' type names.
fn mguser_of(m365_users: &str, joined: bool) -> String {
    let (headers, rows) = records_of(m365_users);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let sku = |name: &str| match name {
        "Microsoft 365 E5" => "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
        "Microsoft 365 E3" => "05e9a617-0261-4cee-bb44-138d3ef5d965",
        "Power BI Pro" => "f8a1db68-be16-40ed-86d5-cb42ce701560",
        "Microsoft 365 F1" => "44575883-256e-4a79-9da4-ebe9acabe2b2",
        _ => "6070a4c8-34c6-4937-8dfb-39bbc6397a60",
    };
    let quoted = |cells: &[String]| {
        cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = quoted(
        &[
            "Id",
            "DisplayName",
            "UserPrincipalName",
            "Mail",
            "AccountEnabled",
            "ProxyAddresses",
            "AssignedLicenses",
            "GivenName",
            "Surname",
            "OnPremisesSyncEnabled",
        ]
        .map(String::from),
    ) + "\r\n";
    for r in &rows {
        let proxies: Vec<&str> = r[col("Proxy addresses")]
            .split('+')
            .filter(|p| !p.is_empty())
            .collect();
        let mail = proxies
            .iter()
            .find_map(|p| p.strip_prefix("SMTP:"))
            .unwrap_or_default();
        let licences = match r[col("Licenses")].as_str() {
            "Unlicensed" => String::new(),
            names => names.split('+').map(sku).collect::<Vec<_>>().join(";"),
        };
        let (proxies, licences) = if joined {
            (proxies.join(";"), licences)
        } else {
            (
                "System.String[]".to_string(),
                "Microsoft.Graph.PowerShell.Models.IMicrosoftGraphAssignedLicense[]".to_string(),
            )
        };
        let enabled = match r[col("Block credential")].as_str() {
            "True" => "False",
            _ => "True",
        };
        out += &quoted(&[
            r[col("Object Id")].clone(),
            r[col("Display name")].clone(),
            r[col("User principal name")].clone(),
            mail.to_string(),
            enabled.to_string(),
            proxies,
            licences,
            r[col("First name")].clone(),
            r[col("Last name")].clone(),
            r[col("DirSyncEnabled")].clone(),
        ]);
        out += "\r\n";
    }
    out
}

/// The findings of `a` as the rule, record and value say them: the field
/// by the column's meaning, so that `Get-MgUser`'s `ProxyAddresses` and
/// the admin center's `Proxy addresses` compare equal.
fn m365_keyed(a: &Audit) -> BTreeSet<Vec<String>> {
    a.findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f[FIELD] = f[FIELD].to_lowercase().replace(' ', "");
            f.truncate(VALUE + 1);
            f
        })
        .collect()
}

/// The sample tenant with its Microsoft 365 users exported by
/// `Get-MgUser` (values joined): the findings are the admin center
/// export's.
#[test]
fn a_get_mguser_export_gives_the_findings_of_the_admin_center_export() {
    let odd = mguser_of(&contoso_text("m365-active-users.csv"), true);
    let (well, shaped) = well_and_shaped("m365-active-users.csv", odd.as_bytes());
    assert_same(&m365_keyed(&shaped), &m365_keyed(&well));
    assert_same_verdict(&shaped, &well);
}

/// The same `Get-MgUser` export without `-join`: `ProxyAddresses` and
/// `AssignedLicenses` hold type names. Both are set aside; the checks that
/// read them are listed as skipped, each with the export that fixes it
/// (`.SkuId` for the licences, whose text would be their type name again);
/// with an address column set aside the Exchange checks do not decide
/// (SPEC section 5), so the verdict says so; every other finding stays.
#[test]
fn a_get_mguser_export_of_type_names_sets_them_aside_and_the_rest_is_the_same() {
    let odd = mguser_of(&contoso_text("m365-active-users.csv"), false);
    let (well, shaped) = well_and_shaped("m365-active-users.csv", odd.as_bytes());
    let aside: Vec<String> = shaped.summary["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["set_aside"].as_array().unwrap())
        .map(|s| s["column"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(aside, ["ProxyAddresses", "AssignedLicenses"]);
    let skipped = skipped_checks(&shaped);
    let has = |start: &str, fix: &str| {
        assert!(
            skipped.iter().any(|s| s.starts_with(start)
                && s.contains("m365-active-users.csv")
                && s.contains(fix)),
            "{start}: {skipped:#?}"
        )
    };
    has(
        "Microsoft 365 mailbox-address checks",
        "@{n='ProxyAddresses';e={$_.ProxyAddresses -join ';'}}",
    );
    has(
        "Microsoft 365 licence check (m365-unlicensed on `AssignedLicenses`)",
        "@{n='AssignedLicenses';e={$_.AssignedLicenses.SkuId -join ';'}}",
    );
    let reasons = verdict_reasons(&shaped);
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("Exchange Online backup and restore")
                && r.contains("m365-active-users.csv column `ProxyAddresses`")),
        "{reasons:?}"
    );
    assert_ne!(shaped.summary["verdict"], "go");
    // What the columns set aside fed: the Exchange checks and the licence
    // check. The well-formed export has each; the odd one none.
    let fed = |f: &[String]| {
        matches!(
            f[RULE].as_str(),
            "exchange-mailbox-not-found"
                | "exchange-restore-mismatch"
                | "m365-no-mailbox"
                | "m365-unlicensed"
        )
    };
    for rule in [
        "exchange-mailbox-not-found",
        "exchange-restore-mismatch",
        "m365-no-mailbox",
        "m365-unlicensed",
    ] {
        assert!(well.findings.iter().any(|f| f[RULE] == rule), "{rule}");
    }
    assert!(!shaped.findings.iter().any(|f| fed(f)));
    let rest = |a: &Audit| {
        m365_keyed(a)
            .into_iter()
            .filter(|f| !fed(f))
            .collect::<BTreeSet<_>>()
    };
    assert_same(&rest(&shaped), &rest(&well));
}
