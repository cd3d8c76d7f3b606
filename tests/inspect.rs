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
