//! `report.xlsx`, read back with calamine: its sheets and headers, every
//! cell text (no number or date made of `01017`, no formula made of `=`),
//! the rows capped by `--xlsx-rows` with the Summary saying where the full
//! lists are, and `--no-xlsx`.

use crate::{audit_ok, fixture, preflight};
use calamine::{Data, Reader, Xlsx};
use std::path::Path;

fn audit(out: &Path, inputs: &[&str], extra: &[&str]) {
    let files: Vec<std::path::PathBuf> = inputs.iter().map(|f| fixture(f)).collect();
    let args: Vec<&std::ffi::OsStr> = files
        .iter()
        .map(|f| f.as_os_str())
        .chain(extra.iter().map(std::ffi::OsStr::new))
        .collect();
    audit_ok(&args, out);
}

fn sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

fn text(d: &Data) -> &str {
    match d {
        Data::String(s) => s,
        Data::Empty => "",
        other => panic!("a cell that is not text: {other:?}"),
    }
}

const CONTOSO: [&str; 4] = [
    "contoso/okta-export-users.csv",
    "contoso/ad-users.csv",
    "contoso/m365-active-users.csv",
    "contoso/insync-user-provisioning.csv",
];

#[test]
fn the_workbook_has_every_list_as_text_with_the_csvs_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    audit(&out, &CONTOSO, &[]);
    let book = sheets(&out.join("report.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Summary",
            "Findings",
            "Persons",
            "Remediation",
            "Fixes Okta",
            "Fixes AD",
            "Fixes M365",
            "Fixes inSync"
        ]
    );
    // Each list sheet has the CSV's header and rows (the CSV's cells with
    // the formula prefix undone, messages in plain text).
    for (sheet, csv_file) in [
        ("Findings", "findings.csv"),
        ("Persons", "users.csv"),
        ("Fixes Okta", "fixes/okta.csv"),
        ("Fixes inSync", "fixes/insync.csv"),
    ] {
        let rows = &book.iter().find(|(n, _)| n == sheet).unwrap().1;
        let text_csv = std::fs::read_to_string(out.join(csv_file)).unwrap();
        let mut r = csv::Reader::from_reader(text_csv.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let records: Vec<Vec<String>> = r
            .records()
            .map(|rec| {
                rec.unwrap()
                    .iter()
                    .map(|c| preflight::report::csv::restore(c).to_string())
                    .collect()
            })
            .collect();
        let got_header: Vec<&str> = rows[0].iter().map(text).collect();
        assert_eq!(got_header, header[..got_header.len()], "{sheet} header");
        assert_eq!(rows.len() - 1, records.len(), "{sheet} rows");
        for (got, want) in rows[1..].iter().zip(&records) {
            for (g, w) in got.iter().zip(want) {
                assert_eq!(text(g), w, "{sheet}");
            }
        }
    }
    let summary = &book[0].1;
    let find = |key: &str| {
        summary
            .iter()
            .find(|r| text(&r[0]) == key)
            .map(|r| text(&r[1]).to_string())
    };
    assert_eq!(find("verdict").as_deref(), Some("no-go"));
    assert!(find("Findings").unwrap().starts_with("all listed"));
}

#[test]
fn numbers_and_formulas_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let case = "cases/uupic-zeros-stripped";
    audit(
        &out,
        &[
            &format!("{case}/okta.csv"),
            &format!("{case}/ad-users.csv"),
            &format!("{case}/insync.csv"),
        ],
        &["--identification-attribute", "employeeNumber"],
    );
    let book = sheets(&out.join("report.xlsx"));
    let findings = &book.iter().find(|(n, _)| n == "Findings").unwrap().1;
    // Every cell of every sheet is text (`text` panics on anything else).
    let cells: usize = book
        .iter()
        .flat_map(|(_, rows)| rows)
        .flatten()
        .map(|c| text(c).len())
        .sum();
    assert!(cells > 0);
    let values: Vec<&str> = findings[1..].iter().map(|r| text(&r[8])).collect();
    assert!(values.contains(&"1017"), "{values:?}");
    let rows: Vec<&str> = findings[1..].iter().map(|r| text(&r[6])).collect();
    assert!(
        rows.iter().any(|r| r.parse::<u32>().is_ok()),
        "row numbers as text"
    );
}

#[test]
fn rows_are_capped_and_the_summary_says_where_the_rest_is() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    audit(&out, &CONTOSO, &["--xlsx-rows", "5"]);
    let book = sheets(&out.join("report.xlsx"));
    let findings = &book.iter().find(|(n, _)| n == "Findings").unwrap().1;
    assert_eq!(findings.len(), 6, "header and 5 rows");
    let total = std::fs::read_to_string(out.join("findings.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let summary = &book[0].1;
    let line = summary
        .iter()
        .find(|r| text(&r[0]) == "Findings")
        .expect("a Findings line");
    assert_eq!(
        text(&line[1]),
        "5 listed here; the full list is findings.csv"
    );
    assert_eq!(text(&line[2]), total.to_string());
    // --no-xlsx leaves it out; a cap Excel cannot hold is refused.
    let none = dir.path().join("none");
    audit(&none, &CONTOSO, &["--no-xlsx"]);
    assert!(!none.join("report.xlsx").exists());
    let res = preflight()
        .arg("audit")
        .args(CONTOSO.iter().map(|f| fixture(f)))
        .args(["--xlsx-rows", "2000000", "--out"])
        .arg(dir.path().join("big"))
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
}
