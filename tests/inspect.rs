//! `preflight inspect` as a user runs it.

use crate::preflight;

#[test]
fn json_has_the_keys_of_the_contract() {
    let out = preflight()
        .args([
            "inspect",
            "--format",
            "json",
            "fixtures/formats/ragged-rows-okta.csv",
            "fixtures/formats/employee-numbers.xlsx",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 2);
    let okta = &files[0];
    assert_eq!(okta["file"], "fixtures/formats/ragged-rows-okta.csv");
    assert_eq!(okta["source"], "okta");
    assert_eq!(okta["encoding"], "UTF-8");
    assert_eq!(okta["delimiter"], ",");
    assert!(okta["sheet"].is_null());
    assert_eq!(okta["rows"], 4);
    assert_eq!(okta["skipped"], 2);
    assert_eq!(okta["rows_read"], 6);
    assert_eq!(okta["columns"]["login"], "login");
    assert_eq!(okta["columns"]["email"], "email");
    let xlsx = &files[1];
    assert_eq!(xlsx["source"], "ad");
    assert_eq!(xlsx["sheet"], "ad-users");
    assert_eq!(xlsx["columns"]["upn"], "UserPrincipalName");
    assert_eq!(xlsx["samples"][0]["employee_number"], "00123");
}

#[test]
fn text_shows_source_mapping_rows_and_samples() {
    let out = preflight()
        .args(["inspect", "fixtures/formats/multiline-cells-ad.csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("source     ad (Active Directory; decided by"),
        "{text}"
    );
    assert!(
        text.contains("upn") && text.contains("<- UserPrincipalName"),
        "{text}"
    );
    assert!(text.contains("5 read: 4 used, 1 skipped"), "{text}");
    assert!(text.contains("row 6: has 5 fields"), "{text}");
    assert!(text.contains("sample 1"), "{text}");
}

#[test]
fn a_file_that_cannot_be_loaded_exits_2_with_the_reason_on_stderr() {
    let out = preflight()
        .args([
            "inspect",
            "--format",
            "json",
            "fixtures/formats/unclassifiable.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unclassifiable.csv") && err.contains("\"Hostname\""),
        "{err}"
    );
    let out = preflight()
        .args(["inspect", "fixtures/formats/no-such-file.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.csv"));
}

/// `inspect --format json` lists every file given, in order: one that
/// cannot be loaded as `{file, error}` (exit still 2).
#[test]
fn json_lists_every_file_an_unreadable_one_with_its_error() {
    let out = preflight()
        .args(["inspect", "--format", "json"])
        .args([
            "fixtures/formats/exo-mailboxes.csv",
            "fixtures/formats/unclassifiable.csv",
            "fixtures/formats/no-such-file.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 3, "{v:#}");
    assert_eq!(files[0]["source"], "m365");
    assert_eq!(files[1]["file"], "fixtures/formats/unclassifiable.csv");
    let e = files[1]["error"].as_str().unwrap();
    assert!(e.contains("\"Hostname\"") && e.contains("--m365"), "{e}");
    assert_eq!(files[2]["file"], "fixtures/formats/no-such-file.csv");
    assert!(files[2]["error"].as_str().unwrap().contains("cannot read"));
    assert!(files[1].get("source").is_none());
    // The reasons are on stderr too.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unclassifiable.csv") && err.contains("no-such-file.csv"));
}

/// A file that does not classify alone is inspected as the source a flag
/// names, as `audit` reads it.
#[test]
fn source_flags_inspect_a_file_as_that_source() {
    let alone = preflight()
        .args(["inspect", "fixtures/formats/insync-bulk-import.csv"])
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(2));
    let out = preflight()
        .args(["inspect", "--format", "json", "--insync"])
        .arg("fixtures/formats/insync-bulk-import.csv")
        .args(["--okta", "fixtures/formats/okta-api-flat.csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v.as_array().unwrap();
    // Okta, AD, inSync, Microsoft 365: the order audit reads them in.
    assert_eq!(files[0]["source"], "okta");
    assert_eq!(files[1]["source"], "insync");
    assert_eq!(files[1]["rows"], 3);
    assert_eq!(files[1]["columns"]["email"], "Email");
    // Nothing to inspect is a usage error.
    let none = preflight().args(["inspect"]).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
}

/// Columns set aside are shown by `inspect`, as text and JSON.
#[test]
fn set_aside_columns_are_shown() {
    let out = preflight()
        .args(["inspect", "fixtures/formats/dotnet-typename-ad.csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("set aside  column proxyAddresses: holds the .NET type name"),
        "{text}"
    );
    assert!(!text.contains("kept by name: proxyAddresses"), "{text}");
    let out = preflight()
        .args([
            "inspect",
            "--format",
            "json",
            "fixtures/formats/dotnet-typename-m365.csv",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let aside = &v[0]["set_aside"][0];
    assert_eq!(aside["file"], "fixtures/formats/dotnet-typename-m365.csv");
    assert_eq!(aside["column"], "EmailAddresses");
    assert!(aside["reason"].as_str().unwrap().contains("-join ';'"));
}

/// The text form lists a file that cannot be loaded in its place, with the
/// reason (not only on stderr), its name's control characters escaped;
/// the exit status is still 2.
#[test]
fn text_lists_an_unreadable_file_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("hosts\u{1b}[31m.csv");
    std::fs::copy("fixtures/formats/unclassifiable.csv", &odd).unwrap();
    let out = preflight()
        .arg("inspect")
        .args([
            "fixtures/formats/exo-mailboxes.csv",
            "fixtures/formats/no-such-file.csv",
        ])
        .arg(&odd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let lines: Vec<&str> = text.lines().collect();
    let at = |name: &str| {
        lines
            .iter()
            .position(|l| *l == name)
            .unwrap_or_else(|| panic!("{name} not listed:\n{text}"))
    };
    let (good, missing, unclassified) = (
        at("fixtures/formats/exo-mailboxes.csv"),
        at("fixtures/formats/no-such-file.csv"),
        at(&format!("{}/hosts\\x1b[31m.csv", dir.path().display())),
    );
    assert!(good < missing && missing < unclassified, "{text}");
    assert!(lines[good + 1].starts_with("  source     m365"), "{text}");
    assert!(
        lines[missing + 1].starts_with("  NOT LOADED ")
            && lines[missing + 1].contains("cannot read the file"),
        "{text}"
    );
    assert!(
        lines[unclassified + 1].starts_with("  NOT LOADED ")
            && lines[unclassified + 1].contains("\"Hostname\"")
            && lines[unclassified + 1].contains("--m365"),
        "{text}"
    );
}
