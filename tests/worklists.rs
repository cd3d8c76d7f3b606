//! The worklists of the demo tenant (SPEC section 6, v2): `fixes/*.csv`
//! hold one row per change, the rules asking for it in one cell, and they
//! and `remediation.csv` end with four empty columns for ticket systems.

use preflight::audit::{demo_audit, demo_tenant};
use preflight::model::key;
use preflight::report::csv::restore;
use preflight::rules::Rule;
use std::collections::BTreeMap;

const FIXES: [&str; 4] = [
    "fixes/okta.csv",
    "fixes/ad.csv",
    "fixes/m365.csv",
    "fixes/insync.csv",
];

/// The demo's outputs: name → (header, rows), the cells restored.
fn demo_csvs() -> BTreeMap<&'static str, (Vec<String>, Vec<Vec<String>>)> {
    let files = demo_audit(&demo_tenant().unwrap())
        .report
        .render("2026-01-01 00:00:00 UTC")
        .unwrap();
    files
        .into_iter()
        // Okta's import format has no BOM: tested on its own below.
        .filter(|(name, _)| name.ends_with(".csv") && *name != "fixes/okta-import.csv")
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            let text = text.strip_prefix('\u{feff}').expect("a BOM").to_string();
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let header = r.headers().unwrap().iter().map(str::to_string).collect();
            let rows = r
                .records()
                .map(|rec| {
                    rec.unwrap()
                        .iter()
                        .map(|c| restore(c).to_string())
                        .collect()
                })
                .collect();
            (name, (header, rows))
        })
        .collect()
}

#[test]
fn worklists_end_with_four_empty_ticket_columns() {
    let csvs = demo_csvs();
    let tracking = ["status", "assignee", "due", "notes"];
    let mut listed = 0;
    for name in FIXES.into_iter().chain(["remediation.csv"]) {
        let (header, rows) = &csvs[name];
        let want: &[&str] = if name == "remediation.csv" {
            &[
                "insync_email_current",
                "insync_email_new",
                "okta_login",
                "reason",
            ]
        } else {
            &[
                "source",
                "subject",
                "field",
                "current_value",
                "value_to_set",
                "rules",
                "remediation",
            ]
        };
        let want: Vec<&str> = want.iter().copied().chain(tracking).collect();
        assert_eq!(header, &want, "{name}");
        for row in rows {
            assert_eq!(row.len(), want.len(), "{name}: {row:?}");
            assert!(
                row[row.len() - 4..].iter().all(String::is_empty),
                "{name}: {row:?}"
            );
            assert!(row[..row.len() - 4].iter().any(|c| !c.is_empty()), "{name}");
        }
        listed += rows.len();
    }
    assert!(!csvs["remediation.csv"].1.is_empty() && listed > 30);
}

#[test]
fn the_demo_worklists_have_one_row_per_change_with_its_rules_in_order() {
    let csvs = demo_csvs();
    // Each finding's remediation by (rule, subject key), to check that a
    // row's remediation is its first rule's.
    let (header, findings) = &csvs["findings.csv"];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (rule, subject, remediation) = (col("rule"), col("subject"), col("remediation"));
    let mut remediations: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for f in findings {
        remediations
            .entry((f[rule].clone(), key(&f[subject])))
            .or_default()
            .push(&f[remediation]);
    }
    let catalogue = |id: &str| {
        let r = Rule::from_id(id).unwrap_or_else(|| panic!("unknown rule {id}"));
        (
            r.severity(),
            Rule::ALL.iter().position(|x| *x == r).unwrap(),
        )
    };
    let mut shared = 0;
    for name in FIXES {
        let (_, rows) = &csvs[name];
        let mut changes = std::collections::BTreeSet::new();
        for row in rows {
            let change = (key(&row[1]), row[2].clone(), row[4].clone());
            assert!(changes.insert(change.clone()), "{name}: {change:?} twice");
            let rules: Vec<&str> = row[5].split(';').collect();
            let order: Vec<_> = rules.iter().map(|r| catalogue(r)).collect();
            assert!(
                order.windows(2).all(|w| w[0] < w[1]),
                "{name}: rules not most severe first, then in catalogue order: {}",
                row[5]
            );
            if rules.len() > 1 {
                shared += 1;
            }
            // The first rule's remediation, from a finding of that rule
            // (findings with a fix elsewhere name another subject: only
            // those about the row's subject are checked).
            if let Some(texts) = remediations.get(&(rules[0].to_string(), key(&row[1]))) {
                assert!(texts.contains(&row[6].as_str()), "{name}: {row:?}");
            }
        }
    }
    // The demo has changes that two or more rules ask for.
    assert!(shared > 0, "no row with two rules in the demo");
}

/// `fixes/okta-import.csv` is Okta's import format (no BOM, commas, a
/// header of profile variables, `login` first) and carries exactly the
/// Okta worklist's changes the import can make: not the login changes.
#[test]
fn the_okta_import_carries_the_worklists_attribute_changes() {
    let files = demo_audit(&demo_tenant().unwrap())
        .report
        .render("2026-01-01 00:00:00 UTC")
        .unwrap();
    let bytes = &files
        .iter()
        .find(|(n, _)| *n == "fixes/okta-import.csv")
        .expect("fixes/okta-import.csv written")
        .1;
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM");
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "login");
    let imported: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    let worklist = &demo_csvs()["fixes/okta.csv"].1;
    // The worklist's attribute changes with a value to set, one per login.
    let mut expected: Vec<Vec<String>> = worklist
        .iter()
        .filter(|row| row[2] != "login" && !row[4].is_empty())
        .map(|row| vec![row[1].clone(), row[4].clone()])
        .collect();
    expected.sort();
    expected.dedup();
    assert!(!expected.is_empty(), "the demo has Okta attribute changes");
    assert_eq!(header, ["login", "email"]);
    let mut got = imported.clone();
    got.sort();
    assert_eq!(got, expected);
    // No cell carries the worklists' formula prefix.
    assert!(imported.iter().flatten().all(|c| !c.starts_with('\'')));
}
