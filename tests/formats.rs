//! One test per loader quirk: each file of `fixtures/formats/` loads to
//! exactly what `fixtures/formats/README.md` says, or fails as it says.

use crate::fixture;
use preflight::load::{self, LoadOptions, Table};
use preflight::model::{Field, InsyncStatus, OktaStatus, Source};

fn load_with(name: &str, opts: LoadOptions) -> anyhow::Result<Table> {
    let path = fixture(&format!("formats/{name}"));
    let bytes = std::fs::read(&path).expect("fixture exists");
    load::load_bytes(name, &bytes, &opts)
}

fn load(name: &str) -> Table {
    load_with(name, LoadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e:#}"))
}

fn refused(name: &str) -> String {
    match load_with(name, LoadOptions::default()) {
        Ok(t) => panic!("{name} loaded as {} but must be refused", t.source),
        Err(e) => format!("{e:#}"),
    }
}

/// Row numbers of the loaded records.
fn lines(t: &Table) -> Vec<u32> {
    t.rows.iter().map(|r| r.line).collect()
}

fn col<'a>(t: &'a Table, i: usize, header: &str) -> &'a str {
    let c = t
        .column(header)
        .unwrap_or_else(|| panic!("no column {header}"));
    t.rows.get(i).cells.get(c).unwrap()
}

#[test]
fn utf16le_with_bom_and_type_line() {
    let t = load("utf16le-bom-ad.csv");
    assert_eq!(
        (t.source, t.encoding, t.delimiter),
        (Source::Ad, "UTF-16LE", Some(b','))
    );
    assert_eq!(
        t.type_line.as_deref(),
        Some("Selected.Microsoft.ActiveDirectory.Management.ADUser")
    );
    assert_eq!(lines(&t), vec![3, 4, 5, 6]);
    assert_eq!(col(&t, 0, "Name"), "José García");
}

#[test]
fn utf16be_with_bom() {
    let t = load("utf16be-bom-insync.csv");
    assert_eq!((t.source, t.encoding), (Source::Insync, "UTF-16BE"));
    assert_eq!(lines(&t), vec![2, 3, 4, 5]);
    let users = load::insync::records(&t, 0);
    assert_eq!(users[0].display_name(), "Søren Østergaard");
    assert_eq!(users[2].email(), "anna.berg@contoso.com");
    assert_eq!(users[2].status, InsyncStatus::Preserved);
}

#[test]
fn utf8_bom_with_plus_joined_proxies() {
    let t = load("utf8-bom-m365.csv");
    assert_eq!((t.source, t.encoding), (Source::M365, "UTF-8 (BOM)"));
    let users = load::m365::records(&t, 0);
    let anna = users
        .iter()
        .find(|u| u.upn() == "anna.berg@contoso.com")
        .unwrap();
    let addrs: Vec<(bool, &str)> = anna
        .proxies()
        .iter()
        .map(|p| (p.primary, p.address))
        .collect();
    assert_eq!(
        addrs,
        vec![
            (true, "anna.berg+news@contoso.com"),
            (false, "anna.berg@contoso.onmicrosoft.com")
        ]
    );
    let emilie = users
        .iter()
        .find(|u| u.upn() == "emilie.laurent@contoso.com")
        .unwrap();
    assert!(
        emilie
            .proxies()
            .iter()
            .any(|p| p.primary && p.address == "emilie.laurent@contoso.com")
    );
    assert!(
        emilie
            .proxies()
            .iter()
            .all(|p| !p.address.to_lowercase().starts_with("sip"))
    );
    let john = users
        .iter()
        .find(|u| u.upn() == "john.doe@contoso.com")
        .unwrap();
    assert_eq!(john.display_name(), "Doe, John");
    assert!(john.sign_in_blocked);
    assert_eq!(john.licensed, Some(false));
}

#[test]
fn windows_1252_when_not_utf8() {
    let t = load("cp1252-okta.csv");
    assert_eq!((t.source, t.encoding), (Source::Okta, "windows-1252"));
    assert_eq!(lines(&t), vec![2, 3, 4, 5]);
    assert_eq!(col(&t, 0, "First name"), "Renée");
    assert_eq!(col(&t, 0, "Last name"), "Dubois");
    assert_eq!(col(&t, 1, "Last name"), "Groß");
    assert_eq!(col(&t, 2, "Last name"), "Cœur");
}

#[test]
fn excel_sep_line() {
    let t = load("sep-semicolon-insync.csv");
    assert_eq!(
        (t.source, t.delimiter, t.header_row),
        (Source::Insync, Some(b';'), 2)
    );
    assert_eq!(lines(&t), vec![3, 4, 5, 6]);
    let users = load::insync::records(&t, 0);
    assert_eq!(
        (users[0].display_name(), users[0].email()),
        ("Doe, John", "john.doe@contoso.com")
    );
    assert_eq!(users[1].profile(), "Sales; EMEA");
    assert_eq!(users[2].status, InsyncStatus::Preserved);
}

#[test]
fn semicolons_without_sep_line_and_utf8_accents() {
    let t = load("semicolon-excel-de-okta.csv");
    assert_eq!(
        (t.source, t.encoding, t.delimiter),
        (Source::Okta, "UTF-8", Some(b';'))
    );
    assert_eq!(col(&t, 0, "lastName"), "Groß");
    assert_eq!(t.cell(t.rows.get(1), Field::EmployeeNumber), "004711");
}

#[test]
fn excel_unicode_text_is_utf16_tab_separated() {
    let t = load("tab-unicode-text-m365.txt");
    assert_eq!(
        (t.source, t.encoding, t.delimiter),
        (Source::M365, "UTF-16LE", Some(b'\t'))
    );
    let users = load::m365::records(&t, 0);
    assert_eq!(users[1].display_name(), "Łukasz Wójcik");
    assert_eq!(
        users[2].upn(),
        "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );
    assert_eq!(users[2].primary_smtp(), "partner@fabrikam.com");
    assert!(users[3].sign_in_blocked);
    assert!(!users[0].sign_in_blocked);
}

#[test]
fn pipe_separated() {
    let t = load("pipe-ad.csv");
    assert_eq!((t.source, t.delimiter), (Source::Ad, Some(b'|')));
    let users = load::ad::records(&t, 0);
    assert_eq!(users[0].proxies().iter().filter(|p| p.primary).count(), 1);
    assert_eq!(
        users[0].proxies().iter().next().unwrap().address,
        "anna.berg@contoso.com"
    );
    assert_eq!(users[2].upn(), "priya.patel@contoso.com");
    assert!(!users[2].enabled);
    assert_eq!(users[3].mail(), "");
}

#[test]
fn windows_powershell_type_line() {
    let t = load("type-line-ad.csv");
    assert_eq!(
        t.type_line.as_deref(),
        Some("Microsoft.ActiveDirectory.Management.ADUser")
    );
    assert_eq!(lines(&t), vec![3, 4, 5, 6]);
    assert_eq!(t.cell(t.rows.get(0), Field::Upn), "anna.berg@contoso.com");
    assert!(
        t.cell(t.rows.get(0), Field::DistinguishedName)
            .starts_with("CN=Anna Berg,OU=Users")
    );
}

#[test]
fn powershell7_without_type_line_and_user_account_control() {
    let t = load("ps7-no-type-ad.csv");
    assert_eq!((t.type_line.as_deref(), t.header_row), (None, 1));
    let enabled: Vec<bool> = load::ad::records(&t, 0).iter().map(|u| u.enabled).collect();
    assert_eq!(enabled, vec![true, false, true, false]);
}

#[test]
fn xlsx_cells_read_as_a_person_sees_them() {
    let t = load("employee-numbers.xlsx");
    assert_eq!(
        (t.source, t.format, t.sheet.as_deref()),
        (Source::Ad, "xlsx", Some("ad-users"))
    );
    assert_eq!(lines(&t), vec![2, 3, 4, 5, 6]);
    let e = |i| t.cell(t.rows.get(i), Field::EmployeeNumber);
    assert_eq!(
        (e(0), e(1), e(2), e(3), e(4)),
        ("00123", "004711", "1042", "1042", "120000")
    );
    assert_eq!(col(&t, 0, "Enabled"), "TRUE");
    assert_eq!(col(&t, 2, "Enabled"), "FALSE");
    assert_eq!(col(&t, 0, "whenCreated"), "2024-03-05T09:30:00");
    assert_eq!(col(&t, 4, "whenCreated"), "2020-09-30T23:59:59");
    let users = load::ad::records(&t, 0);
    assert!(users[0].enabled && !users[2].enabled);
}

#[test]
fn xlsx_first_sheet_that_classifies() {
    let t = load("two-sheets.xlsx");
    assert_eq!(
        (t.source, t.sheet.as_deref()),
        (Source::Okta, Some("Users"))
    );
    assert_eq!(lines(&t), vec![2, 3, 4]);
    assert_eq!(t.cell(t.rows.get(0), Field::Login), "anna.berg@contoso.com");
    assert_eq!(t.cell(t.rows.get(0), Field::EmployeeNumber), "00123");
    let summary = load_with(
        "two-sheets.xlsx",
        LoadOptions {
            source: None,
            sheet: Some("Summary".into()),
            ..Default::default()
        },
    );
    let e = format!("{:#}", summary.unwrap_err());
    assert!(e.contains("Summary") && e.contains("Tenant summary"), "{e}");
}

#[test]
fn multi_line_cells_count_as_one_row() {
    let t = load("multiline-cells-ad.csv");
    assert_eq!(lines(&t), vec![2, 3, 4, 5]);
    assert_eq!(
        t.problems.iter().map(|p| p.row).collect::<Vec<_>>(),
        vec![6]
    );
    let users = load::ad::records(&t, 0);
    let addrs: Vec<&str> = users[0].proxies().iter().map(|p| p.address).collect();
    assert_eq!(
        addrs,
        vec![
            "anna.berg@contoso.com",
            "aberg@contoso.com",
            "anna.berg@contoso.onmicrosoft.com"
        ]
    );
    assert_eq!(
        col(&t, 1, "Description"),
        "Seconded to the Oslo office\r\nReturn date: 2025-06-30\r\nTicket INC-20417"
    );
}

/// Windows PowerShell 5.1 wrote the collection's type name in
/// `proxyAddresses`: the column is set aside, the users load.
#[test]
fn dotnet_type_name_in_a_used_column_is_set_aside() {
    let t = load("dotnet-typename-ad.csv");
    assert_eq!(t.source, Source::Ad);
    assert_eq!(lines(&t), vec![3, 4, 5, 6]);
    let [aside] = &t.set_aside[..] else {
        panic!("{:?}", t.set_aside)
    };
    assert_eq!(aside.file, "dotnet-typename-ad.csv");
    assert_eq!(aside.column, "proxyAddresses");
    assert!(
        aside.reason.contains("ADPropertyValueCollection")
            && aside
                .reason
                .contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"),
        "{}",
        aside.reason
    );
    let users = load::ad::records(&t, 0);
    assert_eq!(users[2].upn(), "priya.patel@contoso.com");
    assert!(!users[2].enabled);
    assert!(users.iter().all(|u| u.proxies().is_empty()));
}

/// `Get-EXOMailbox | Export-Csv` in Windows PowerShell 5.1: `EmailAddresses`
/// holds `System.Collections.ArrayList`; set aside, the mailboxes load with
/// their UPN and primary address.
#[test]
fn exo_mailbox_type_name_in_email_addresses_is_set_aside() {
    let t = load("dotnet-typename-m365.csv");
    assert_eq!(t.source, Source::M365);
    assert_eq!(
        t.type_line.as_deref(),
        Some("Microsoft.Exchange.Management.RestApiClient.ExoMailbox")
    );
    assert_eq!(lines(&t), vec![3, 4, 5, 6]);
    let [aside] = &t.set_aside[..] else {
        panic!("{:?}", t.set_aside)
    };
    assert_eq!(aside.column, "EmailAddresses");
    assert!(
        aside.reason.contains("System.Collections.ArrayList"),
        "{}",
        aside.reason
    );
    let users = load::m365::records(&t, 0);
    assert_eq!(users[1].upn(), "mark.taylor@contoso.com");
    assert_eq!(users[1].primary_smtp(), "m.taylor@contoso.com");
    assert!(users[2].shared_mailbox);
    assert!(users.iter().all(|u| u.proxies().is_empty()));
}

#[test]
fn dotnet_type_name_in_an_unused_column_is_ignored() {
    let t = load("dotnet-typename-unused-ad.csv");
    assert_eq!(lines(&t), vec![3, 4, 5]);
    let users = load::ad::records(&t, 0);
    assert_eq!(users[2].upn(), "priya.patel@contoso.com");
    assert!(
        users[2]
            .proxies()
            .iter()
            .any(|p| p.primary && p.address == "priya.patel@contoso.com")
    );
}

#[test]
fn ragged_rows_are_reported_with_spreadsheet_rows() {
    let t = load("ragged-rows-okta.csv");
    assert_eq!(lines(&t), vec![2, 3, 6, 8]);
    assert_eq!(
        t.problems.iter().map(|p| p.row).collect::<Vec<_>>(),
        vec![5, 7]
    );
    assert!(
        t.problems[0].reason.contains("6 fields"),
        "{}",
        t.problems[0].reason
    );
    assert!(
        t.problems[1].reason.contains("4 fields"),
        "{}",
        t.problems[1].reason
    );
    let logins: Vec<String> = load::okta::records(&t, 0)
        .into_iter()
        .map(|u| u.login().into())
        .collect();
    assert_eq!(
        logins,
        ["anna.berg", "mark.taylor", "priya.patel", "tom.becker"]
            .map(|l| format!("{l}@contoso.com"))
    );
}

#[test]
fn csvde_escaped_semicolons_and_dns() {
    let t = load("csvde-ad.csv");
    assert_eq!(t.source, Source::Ad);
    let users = load::ad::records(&t, 0);
    let addrs: Vec<(bool, &str)> = users[0]
        .proxies()
        .iter()
        .map(|p| (p.primary, p.address))
        .collect();
    assert_eq!(
        addrs,
        vec![
            (false, "aberg@contoso.com"),
            (true, "anna.berg@contoso.com")
        ]
    );
    assert_eq!(
        t.cell(t.rows.get(1), Field::DistinguishedName),
        r"CN=Taylor\, Mark,OU=Users,OU=London,DC=contoso,DC=com"
    );
    assert!(!users[2].enabled);
}

/// csvde quotes a value only when it holds a comma: `;`-joined proxy
/// addresses stay unquoted, so the data rows hold more `;` than `,`. The
/// header row decides the delimiter (it was read as `;`-separated and
/// refused).
#[test]
fn csvde_unquoted_joined_proxies_keep_the_header_delimiter() {
    let t = load("csvde-unquoted-proxies-ad.csv");
    assert_eq!(t.source, Source::Ad);
    assert_eq!(t.delimiter, Some(b','));
    let users = load::ad::records(&t, 0);
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].upn(), "anna.berg@contoso.com");
    let addrs: Vec<(bool, &str)> = users[0]
        .proxies()
        .iter()
        .map(|p| (p.primary, p.address))
        .collect();
    assert_eq!(addrs.len(), 6, "{addrs:?}");
    assert!(addrs.contains(&(true, "anna.berg@contoso.com")));
    assert!(!users[1].enabled);
}

/// A Get-MgUser export without -Property: AccountEnabled marks it as
/// Microsoft 365 (never AD), and the columns empty in every row count as
/// absent, so nobody is taken for unlicensed or without a mailbox address
/// (SPEC v2, section 3).
#[test]
fn graph_export_columns_empty_in_every_row_count_as_absent() {
    let t = load("graph-mguser-m365.csv");
    assert_eq!(t.source, Source::M365);
    for field in [
        Field::Licenses,
        Field::ProxyAddresses,
        Field::AccountEnabled,
    ] {
        assert!(!t.columns.contains_key(&field), "{field:?} kept");
    }
    assert_eq!(
        t.empty_columns,
        ["ProxyAddresses", "AssignedLicenses", "AccountEnabled"]
    );
    assert!(t.columns.contains_key(&Field::PrimarySmtp));
    let users = load::m365::records(&t, 0);
    assert_eq!(users.len(), 3);
    assert!(
        users
            .iter()
            .all(|u| u.licensed.is_none() && !u.sign_in_blocked)
    );
}

#[test]
fn exchange_mailbox_export() {
    let t = load("exo-mailboxes.csv");
    assert_eq!(t.source, Source::M365);
    assert_eq!(lines(&t), vec![2, 3, 4, 5]);
    let users = load::m365::records(&t, 0);
    assert_eq!(users.iter().filter(|u| u.shared_mailbox).count(), 1);
    assert!(users.iter().all(|u| u.licensed.is_none()));
    assert!(
        users
            .iter()
            .flat_map(|u| u.proxies())
            .all(|p| p.address.contains('@') && !p.address.starts_with("SPO"))
    );
}

#[test]
fn okta_api_flattening_with_profile_prefix() {
    let t = load("okta-api-flat.csv");
    assert_eq!(t.column("login"), t.column("profile.login"));
    let users = load::okta::records(&t, 0);
    assert_eq!(users[0].login(), "anna.berg@contoso.com");
    assert_eq!(users[0].employee_number(), "00123");
    assert_eq!(col(&t, 0, "created"), "2022-04-04T15:56:05.000Z");
    let statuses: Vec<OktaStatus> = users.iter().map(|u| u.status).collect();
    use OktaStatus::*;
    assert_eq!(statuses, vec![Active, Inactive, Pending, Active, Active]);
    assert_eq!(
        (users[3].login(), users[3].email()),
        ("mark.taylor@contoso.com", "m.taylor@contoso.com")
    );
}

#[test]
fn insync_preserved_users_report() {
    let t = load("insync-preserved-users.csv");
    assert_eq!(t.source, Source::Insync);
    let users = load::insync::records(&t, 0);
    assert!(users.iter().all(|u| u.status == InsyncStatus::Preserved));
    assert_eq!(
        (users[0].email(), users[0].display_name()),
        ("anna.berg@contoso.com", "Anna Berg")
    );
    assert_eq!(users[2].display_name(), "Clark, Emily");
}

#[test]
fn unclassifiable_file_lists_its_headers_and_the_flags() {
    let e = refused("unclassifiable.csv");
    for part in [
        "unclassifiable.csv",
        "\"Hostname\"",
        "\"IP address\"",
        "\"OS\"",
        "--okta",
        "--ad",
        "--insync",
        "--m365",
    ] {
        assert!(e.contains(part), "{part} missing from: {e}");
    }
}

#[test]
fn missing_required_column_names_it_and_the_columns_found() {
    let e = refused("ad-missing-upn.csv");
    for part in [
        "ad-missing-upn.csv",
        "UserPrincipalName",
        "\"SamAccountName\"",
        "\"Enabled\"",
        "\"mail\"",
        "\"DistinguishedName\"",
    ] {
        assert!(e.contains(part), "{part} missing from: {e}");
    }
}

#[test]
fn empty_file_is_refused() {
    let e = refused("empty.csv");
    assert!(e.contains("empty.csv") && e.contains("empty"), "{e}");
}

#[test]
fn header_only_file_loads_with_no_records() {
    let t = load("header-only-okta.csv");
    assert_eq!(
        (t.source, t.rows.len(), t.problems.len()),
        (Source::Okta, 0, 0)
    );
}

#[test]
fn ambiguous_header_asks_for_the_flag_and_the_flag_settles_it() {
    let e = refused("insync-bulk-import.csv");
    assert!(
        e.contains("\"Username\"") && e.contains("\"Email\"") && e.contains("--insync"),
        "{e}"
    );
    let t = load_with(
        "insync-bulk-import.csv",
        LoadOptions {
            source: Some(Source::Insync),
            sheet: None,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(lines(&t), vec![2, 3, 4]);
    let users = load::insync::records(&t, 0);
    assert_eq!(
        (users[0].display_name(), users[0].email()),
        ("Doe, John", "john.doe@contoso.com")
    );
}

/// A mailbox export without a UPN column loads as Microsoft 365, keyed by
/// primary SMTP address.
#[test]
fn mailbox_export_without_upn_loads_keyed_by_primary_address() {
    let t = load("mailbox-no-upn-m365.csv");
    assert_eq!(t.source, Source::M365);
    assert_eq!(lines(&t), vec![2, 3, 4]);
    assert!(!t.columns.contains_key(&Field::Upn));
    let users = load::m365::records(&t, 0);
    assert_eq!(users[1].subject(), "m.taylor@contoso.com");
    assert!(
        users[1]
            .proxies()
            .iter()
            .any(|p| !p.primary && p.address == "mark.taylor@contoso.com")
    );
    assert!(users[2].shared_mailbox);
    // Neither a UPN nor a primary address: refused, naming both.
    let e = load::load_bytes(
        "mailboxes.csv",
        b"DisplayName,RecipientTypeDetails,EmailAddresses\r\nAnna Berg,UserMailbox,SMTP:anna@contoso.com\r\n",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("mailboxes.csv") && e.contains("PrimarySmtpAddress"),
        "{e}"
    );
}

/// `Get-MgUser -Property ... | Export-Csv` with the proxy addresses joined:
/// Microsoft 365 (never AD), sign-in state from `AccountEnabled`.
#[test]
fn graph_export_with_joined_proxies_classifies_as_m365() {
    let t = load("graph-mguser-joined-m365.csv");
    assert_eq!(t.source, Source::M365);
    assert_eq!(lines(&t), vec![2, 3, 4]);
    assert!(t.empty_columns.is_empty(), "{:?}", t.empty_columns);
    let users = load::m365::records(&t, 0);
    assert_eq!(users[0].primary_smtp(), "anna.berg@contoso.co.uk");
    let aliases: Vec<&str> = users[0]
        .proxies()
        .iter()
        .filter(|p| !p.primary)
        .map(|p| p.address)
        .collect();
    assert_eq!(
        aliases,
        ["anna.berg@contoso.com", "anna.berg@contoso.onmicrosoft.com"]
    );
    assert!(!users[0].sign_in_blocked);
    assert!(users[1].sign_in_blocked);
}

/// ADUC "Export List", as Unicode tab-separated text and as comma-separated
/// ANSI text: `User Logon Name` is the UPN, `E-Mail Address` the mail; the
/// rows that are no user are set aside and counted per type, not reported
/// as unreadable.
#[test]
fn aduc_export_list_loads_its_users_and_sets_the_rest_aside() {
    for (name, encoding, delimiter) in [
        ("aduc-export-list-ad.txt", "UTF-16LE", b'\t'),
        ("aduc-export-list-comma-ad.csv", "windows-1252", b','),
    ] {
        let t = load(name);
        assert_eq!(
            (t.source, t.encoding, t.delimiter),
            (Source::Ad, encoding, Some(delimiter)),
            "{name}"
        );
        assert_eq!(lines(&t), vec![2, 4, 6, 10], "{name}");
        assert!(t.problems.is_empty(), "{name}");
        let users = load::ad::records(&t, 0);
        assert_eq!(users[1].upn(), "jose.garcia@contoso.com");
        assert_eq!(users[1].display_name(), "José García");
        assert_eq!(users[2].mail(), "m.taylor@contoso.co.uk");
        let aside: Vec<(&str, usize)> = t
            .rows_set_aside
            .iter()
            .map(|k| (k.value.as_str(), k.rows))
            .collect();
        assert_eq!(
            aside,
            [
                ("Computer", 1),
                ("Contact", 1),
                ("Distribution Group - Universal", 1),
                ("Organizational Unit", 1),
                ("Security Group - Global", 1)
            ],
            "{name}"
        );
        assert!(
            t.rows_set_aside
                .iter()
                .all(|k| k.column == "Type" && k.file == name)
        );
    }
}
