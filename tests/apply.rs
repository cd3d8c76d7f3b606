//! The apply-ready scripts `fixes/ad.ps1` and `fixes/m365.ps1` (SPEC
//! section 6): one command per change with a value to set, a dry run
//! unless `-Apply`, every value a single-quoted string no input can leave.
//!
//! There is no PowerShell here, so the scripts are read with a tokenizer of
//! PowerShell's single-quoted strings ([`skeleton`]): a command line, its
//! strings taken out, must be exactly one of the shapes the scripts write.

use preflight::audit::{audit, demo_audit, demo_settings, demo_tenant, tenant as model};
use preflight::load::{LoadOptions, load_bytes};
use std::collections::BTreeMap;

/// The outputs of a rendered report: name → text, BOM and CRLF checked.
fn scripts(files: Vec<(&'static str, Vec<u8>)>) -> BTreeMap<&'static str, String> {
    files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".ps1"))
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            let text = text
                .strip_prefix('\u{feff}')
                .unwrap_or_else(|| panic!("{name}: a BOM"));
            assert!(text.ends_with("\r\n"), "{name}");
            // CRLF only: no bare CR or LF anywhere.
            let bare = text.replace("\r\n", "");
            assert!(!bare.contains(['\r', '\n']), "{name}: a bare line break");
            (name, text.to_string())
        })
        .collect()
}

/// A small tenant: AD and Microsoft 365 exports whose values have spaces
/// around them (`untrimmed-value`, whose fix is the trimmed value).
fn tenant(ad: &str, m365: &str) -> BTreeMap<&'static str, String> {
    let tables = vec![
        load_bytes("ad.csv", ad.as_bytes(), &LoadOptions::default()).unwrap(),
        load_bytes("m365.csv", m365.as_bytes(), &LoadOptions::default()).unwrap(),
    ];
    let tenant = model(tables, demo_settings(), &Default::default()).unwrap();
    let audit = audit(&tenant, &Default::default());
    scripts(audit.report.render("2026-01-01 00:00:00 UTC").unwrap())
}

const AD_HEADER: &str = "\"DistinguishedName\",\"Enabled\",\"ObjectGUID\",\"SamAccountName\",\"UserPrincipalName\",\"mail\",\"employeeNumber\"\r\n";
const M365_HEADER: &str =
    "Display name,DirSyncEnabled,User principal name,Object Id,Block credential,Licenses\r\n";

/// PowerShell's single-quote characters.
fn is_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

/// A line with each single-quoted string replaced by `Q`, and the strings'
/// values, as PowerShell reads them (a doubled quote is one quote).
/// `None` when a string is not closed.
fn skeleton(line: &str) -> Option<(String, Vec<String>)> {
    let mut shape = String::new();
    let mut strings = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_quote(c) {
            shape.push(c);
            continue;
        }
        let mut value = String::new();
        loop {
            let c = chars.next()?;
            if is_quote(c) {
                match chars.peek() {
                    Some(&d) if is_quote(d) => {
                        value.push(d);
                        chars.next();
                    }
                    _ => break,
                }
            } else {
                value.push(c);
            }
        }
        shape.push('Q');
        strings.push(value);
    }
    Some((shape, strings))
}

/// The shapes a script's code lines may have.
fn shapes() -> Vec<String> {
    let mut out = vec!["param([switch]$Apply)".to_string()];
    let params = [
        "-UserPrincipalName Q",
        "-EmailAddress Q",
        "-EmployeeNumber Q",
        "-Mail Q",
    ];
    for p in params {
        out.push(format!("Set-ADUser -Identity Q {p} -WhatIf:(-not $Apply)"));
        out.push(format!(
            "if ($u.Count -eq 1) {{ Set-ADUser -Identity $u[0] {p} -WhatIf:(-not $Apply) }} else {{ Write-Warning (Q + $u.Count + Q + Q) }}"
        ));
        out.push(format!(
            "if ($Apply) {{ Update-MgUser -UserId Q {p} }} else {{ Write-Host Q }}"
        ));
    }
    out.push("$u = @(Get-ADUser -LDAPFilter Q)".into());
    out
}

/// The code lines of a script (not comments, not blank), each checked to
/// be one of [`shapes`], with their strings.
fn code(name: &str, script: &str) -> Vec<(String, Vec<String>)> {
    let shapes = shapes();
    script
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (shape, strings) =
                skeleton(l).unwrap_or_else(|| panic!("{name}: a string left open: {l}"));
            assert!(shapes.contains(&shape), "{name}: an unexpected line: {l}");
            (shape, strings)
        })
        .collect()
}

#[test]
fn demo_scripts_are_dry_runs_that_say_what_stays_in_the_worklists() {
    let files = demo_audit(&demo_tenant().unwrap())
        .report
        .render("2026-01-01 00:00:00 UTC")
        .unwrap();
    let s = scripts(files);
    assert_eq!(
        s.keys().copied().collect::<Vec<_>>(),
        ["fixes/ad.ps1", "fixes/m365.ps1"]
    );
    for (name, text) in &s {
        // The demo's AD and Microsoft 365 changes have no value to set.
        assert_eq!(code(name, text).len(), 1, "{name}: only param()");
        assert!(text.starts_with(&format!("# {name}: ")), "{text}");
        assert!(text.contains("Review it before running it with -Apply."));
        assert!(text.contains(&format!("preflight {}", env!("CARGO_PKG_VERSION"))));
        assert!(text.contains("\r\n# Nothing to change.\r\n"), "{text}");
    }
    assert!(s["fixes/ad.ps1"].contains(
        "# 10 change(s) of fixes/ad.csv have no value to set: they stay in the worklist only."
    ));
    assert!(s["fixes/m365.ps1"].contains("# 2 change(s) of fixes/m365.csv have no value"));
}

#[test]
fn each_change_with_a_value_is_one_command_by_guid_sam_or_upn() {
    let ad = format!(
        "{AD_HEADER}\
         \"CN=Anna\",\"True\",\"17989a6f-a381-7464-ec35-93f3a00d0c36\",\"anna\",\" anna@contoso.com\",\"anna@contoso.com\",\"1\"\r\n\
         \"CN=Bob\",\"True\",\"not-a-guid\",\"bob\",\"bob@contoso.com\",\"bob@contoso.com \",\"2\"\r\n\
         \"CN=Carl\",\"True\",\"\",\"\",\"carl@contoso.com \",\"carl@contoso.com\",\"3\"\r\n"
    );
    let m365 = format!(
        "{M365_HEADER}\
         Eve,False,eve@contoso.com ,0b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4,False,E5\r\n"
    );
    let s = tenant(&ad, &m365);
    let ad = &s["fixes/ad.ps1"];
    assert!(
        ad.starts_with("# fixes/ad.ps1: ") && ad.contains("\r\nparam([switch]$Apply)\r\n"),
        "{ad}"
    );
    assert!(ad.contains(
        "\r\n# ad 'anna@contoso.com' 'upn': current value ' anna@contoso.com'\r\n\
         # rules: untrimmed-value\r\n\
         Set-ADUser -Identity '17989a6f-a381-7464-ec35-93f3a00d0c36' -UserPrincipalName 'anna@contoso.com' -WhatIf:(-not $Apply)\r\n"
    ), "{ad}");
    // An ObjectGUID that is no GUID: the sAMAccountName.
    assert!(
        ad.contains(
            "Set-ADUser -Identity 'bob' -EmailAddress 'bob@contoso.com' -WhatIf:(-not $Apply)\r\n"
        ),
        "{ad}"
    );
    // Neither: the one account with the UPN.
    assert!(ad.contains(
        "$u = @(Get-ADUser -LDAPFilter '(userPrincipalName=carl@contoso.com )')\r\n\
         if ($u.Count -eq 1) { Set-ADUser -Identity $u[0] -UserPrincipalName 'carl@contoso.com' -WhatIf:(-not $Apply) } \
         else { Write-Warning ('not changed: ' + $u.Count + ' accounts have the UPN ' + 'carl@contoso.com ') }\r\n"
    ), "{ad}");
    assert_eq!(code("ad", ad).len(), 1 + 3 + 1);
    let m = &s["fixes/m365.ps1"];
    assert!(m.contains(
        "\r\nif ($Apply) { Update-MgUser -UserId '0b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4' -UserPrincipalName 'eve@contoso.com' } \
         else { Write-Host 'would run: Update-MgUser -UserId ''0b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4'' -UserPrincipalName ''eve@contoso.com''' }\r\n"
    ), "{m}");
    assert_eq!(code("m365", m).len(), 2);
}

#[test]
fn hostile_values_stay_inside_their_strings_and_line_breaks_are_never_commands() {
    let hostile = "x'y\u{2019}z\u{2018}w\u{201a}v\u{201b}u$(Remove-ADUser a)`n\";exit@contoso.com";
    let ad = format!(
        "{AD_HEADER}\
         \"CN=A\",\"True\",\"17989a6f-a381-7464-ec35-93f3a00d0c36\",\"a\",\"a@contoso.com\",\"{m} \",\"1\"\r\n\
         \"CN=B\",\"True\",\"\",\"\",\" {m}\",\"\",\"2\"\r\n\
         \"CN=C\",\"True\",\"27989a6f-a381-7464-ec35-93f3a00d0c36\",\"c\",\"c@contoso.com\",\"c\r\nSet-ADUser x@contoso.com \",\"3\"\r\n",
        m = hostile.replace('"', "\"\"")
    );
    let s = tenant(&ad, M365_HEADER);
    let ad = &s["fixes/ad.ps1"];
    let lines = code("ad", ad);
    let strings: Vec<&String> = lines.iter().flat_map(|(_, s)| s).collect();
    // Each hostile value is read back whole as one string: the mail to
    // set, the UPN to set, the UPN in the LDAP filter and the warning.
    assert_eq!(strings.iter().filter(|s| **s == hostile).count(), 2, "{ad}");
    let ldap = hostile.replace('(', "\\28").replace(')', "\\29");
    assert!(
        strings.contains(&&format!("(userPrincipalName= {ldap})")),
        "{ad}"
    );
    assert!(strings.contains(&&format!(" {hostile}")), "{ad}");
    // The value with a line break: a comment, its break shown, no command.
    assert!(ad.contains(
        "\r\n# not scripted (the value holds a line break or control character): set 'mail' by hand to 'c[U+000D][U+000A]Set-ADUser x@contoso.com'\r\n"
    ), "{ad}");
    assert!(!ad.contains("'c'"), "{ad}");
    assert!(!strings.iter().any(|s| s.contains("Set-ADUser x@")), "{ad}");
    assert_eq!(lines.len(), 1 + 1 + 2);
}

#[test]
fn changes_of_users_synchronised_from_ad_go_to_the_ad_script() {
    let m365 = format!(
        "{M365_HEADER}\
         Dan,True,dan@contoso.com ,1b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4,False,E5\r\n\
         Eve,,eve@contoso.com ,0b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4,False,E5\r\n"
    );
    let s = tenant(AD_HEADER, &m365);
    let (ad, m) = (&s["fixes/ad.ps1"], &s["fixes/m365.ps1"]);
    assert!(ad.contains(
        "\r\n# m365 'dan@contoso.com' 'upn': current value 'dan@contoso.com '\r\n\
         # rules: untrimmed-value\r\n\
         # Synchronised from AD (DirSyncEnabled): changed in AD, found by UPN; the cloud takes it at the next sync.\r\n\
         $u = @(Get-ADUser -LDAPFilter '(userPrincipalName=dan@contoso.com )')\r\n\
         if ($u.Count -eq 1) { Set-ADUser -Identity $u[0] -UserPrincipalName 'dan@contoso.com' -WhatIf:(-not $Apply) }"
    ), "{ad}");
    assert!(!m.contains("dan@"), "{m}");
    assert!(
        m.contains("Update-MgUser -UserId '0b9d3c2e-1f4a-4b5c-8d6e-7f8091a2b3c4'"),
        "{m}"
    );
    assert!(m.contains(
        "# 1 change(s) of fixes/m365.csv are for users synchronised from AD: they are in fixes/ad.ps1."
    ), "{m}");
    assert_eq!(code("ad", ad).len(), 3);
    assert_eq!(code("m365", m).len(), 2);
}

#[test]
fn redacted_runs_write_no_scripts() {
    let tenant = demo_tenant().unwrap();
    let mut report = demo_audit(&tenant).report;
    preflight::report::redact::redact(&mut report);
    let files = report.render("2026-01-01 00:00:00 UTC").unwrap();
    assert!(files.iter().any(|(n, _)| *n == "fixes/ad.csv"));
    assert!(!files.iter().any(|(n, _)| n.ends_with(".ps1")));
}
