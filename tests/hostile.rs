//! Broken and hostile files (`fixtures/hostile/`, and large ones made here):
//! each gets a result or a clear error naming the file and the fix, never a
//! panic, a hang or a silently dropped row.

use crate::fixture;
use preflight::load::{self, Limits, LoadOptions, Table};
use preflight::model::Source;

fn load_opts(name: &str, opts: LoadOptions) -> anyhow::Result<Table> {
    let bytes = std::fs::read(fixture(&format!("hostile/{name}"))).unwrap();
    load::load_bytes(name, &bytes, &opts)
}

fn load(name: &str) -> anyhow::Result<Table> {
    load_opts(name, LoadOptions::default())
}

fn err(name: &str) -> String {
    format!("{:#}", load(name).expect_err("must be refused"))
}

#[test]
fn zip_bomb_is_refused_naming_the_limit_and_the_flag() {
    let opts = LoadOptions {
        limits: Limits {
            max_sheet_bytes: 10_000_000,
            ..Limits::default()
        },
        ..Default::default()
    };
    let e = format!("{:#}", load_opts("zip-bomb.xlsx", opts).unwrap_err());
    assert!(
        e.contains("zip-bomb.xlsx") && e.contains("--max-sheet-bytes") && e.contains("10 MB"),
        "{e}"
    );
    // Under the default limit the genuine sheet inside still loads.
    assert_eq!(load("zip-bomb.xlsx").unwrap().rows.len(), 3);
}

#[test]
fn password_protected_and_corrupt_workbooks_say_so() {
    let e = err("password-protected.xlsx");
    assert!(
        e.contains("password-protected") && e.contains("without a password"),
        "{e}"
    );
    let e = err("corrupt.xlsx");
    assert!(
        e.contains("corrupt.xlsx") && e.contains("damaged or cut off"),
        "{e}"
    );
}

#[test]
fn formula_errors_are_kept_as_text_and_merged_cells_read() {
    let t = load("formula-errors-merged-cells.xlsx").unwrap();
    let users = load::okta::records(&t, 0);
    assert_eq!(users[1].email(), "#N/A");
    assert_eq!(users[2].display_name(), "Li");
    assert_eq!(t.rows.len(), 3);
}

#[test]
fn hidden_and_empty_sheets_are_passed_over() {
    let t = load("hidden-and-empty-sheets.xlsx").unwrap();
    assert_eq!(
        (t.source, t.sheet.as_deref(), t.rows.len()),
        (Source::Okta, Some("Users"), 3)
    );
}

#[test]
fn nul_bytes_and_lone_surrogates_do_not_break_loading() {
    let t = load("nul-bytes.csv").unwrap();
    assert_eq!(t.rows.len(), 2);
    let t = load("utf16-lone-surrogate.csv").unwrap();
    assert_eq!((t.encoding, t.rows.len()), ("UTF-16LE", 2));
    assert!(
        load::okta::records(&t, 0)[1]
            .display_name()
            .contains('\u{fffd}')
    );
}

#[test]
fn a_bom_in_the_middle_is_a_repeated_header_reported_as_such() {
    let t = load("bom-mid-file.csv").unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.problems.len(), 1);
    assert_eq!(t.problems[0].row, 3);
    assert!(t.problems[0].reason.contains("repeats the header"));
}

#[test]
fn mixed_line_endings_read_every_row() {
    let t = load("mixed-line-endings.csv").unwrap();
    assert_eq!(
        t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
}

#[test]
fn an_unterminated_quote_is_one_clear_unreadable_row() {
    let t = load("unterminated-quote.csv").unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.problems[0].row, 3);
    assert!(
        t.problems[0].reason.contains("never closed")
            && t.problems[0].reason.contains("3 more lines"),
        "{}",
        t.problems[0].reason
    );
}

#[test]
fn duplicate_used_headers_are_refused() {
    let e = err("duplicate-headers.csv");
    assert!(e.contains("\"mail\" appears 2 times (columns 2, 4)"), "{e}");
}

#[test]
fn a_title_line_above_the_header_is_skipped() {
    let t = load("title-line.csv").unwrap();
    assert_eq!(
        (t.source, t.header_row, t.delimiter),
        (Source::Okta, 3, Some(b';'))
    );
    assert_eq!(
        t.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![4, 5]
    );
}

#[test]
fn an_export_cut_off_mid_row_reports_that_row() {
    let t = load("truncated-mid-row.csv").unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.problems[0].row, 3);
}

#[test]
fn a_100_mb_cell_makes_its_row_unreadable_naming_the_flag() {
    let mut data = b"login,firstName,lastName,email\nanna.berg@contoso.com,Anna,Berg,anna.berg@contoso.co.uk\ntom.becker@contoso.com,".to_vec();
    data.extend(std::iter::repeat_n(b'x', 100 << 20));
    data.extend(
        b",Becker,tom.becker@contoso.co.uk\nli.wei@contoso.com,Li,Wei,li.wei@contoso.co.uk\n",
    );
    let t = load::load_bytes("big-cell.csv", &data, &LoadOptions::default()).unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.problems.len(), 1);
    assert!(
        t.problems[0].reason.contains("--max-cell-bytes"),
        "{}",
        t.problems[0].reason
    );
}

#[test]
fn a_million_columns_is_refused_in_a_header_and_skipped_in_a_row() {
    let wide: String = (0..1_000_000)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let e = load::load_bytes(
        "wide.csv",
        format!("login,email,{wide}\n").as_bytes(),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let e = format!("{e:#}");
    assert!(
        e.contains("1000002 columns") && e.contains("--max-columns") && e.contains("wide.csv"),
        "{e}"
    );
    let row = format!(
        "login,email\na@contoso.com,a@contoso.com\nx{}\nb@contoso.com,b@contoso.com\n",
        ",x".repeat(1_000_000)
    );
    let t = load::load_bytes("wide-row.csv", row.as_bytes(), &LoadOptions::default()).unwrap();
    assert_eq!((t.rows.len(), t.problems.len()), (2, 1));
}

#[test]
fn no_row_is_lost_in_any_text_fixture() {
    // Every record the csv reader sees is the header, a title, a blank row,
    // a record used, a row reported or a row set aside and counted (an ADUC
    // list's groups): nothing else.
    for dir in ["formats", "hostile", "contoso"] {
        for entry in std::fs::read_dir(fixture(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&path).unwrap();
            if name.ends_with(".md") || load::detect::is_spreadsheet(&bytes) {
                continue;
            }
            let Ok(t) = load::load_bytes(&name, &bytes, &LoadOptions::default()) else {
                continue;
            };
            let text = load::detect::decode(&bytes).text.into_owned();
            let body = &text[load::detect::preamble(&text).offset..];
            let records = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(t.delimiter.unwrap())
                .from_reader(body.as_bytes())
                .into_records()
                .count();
            let titles = t.header_row as usize - 1 - load::detect::preamble(&text).rows as usize;
            let set_aside: usize = t.rows_set_aside.iter().map(|k| k.rows).sum();
            let accounted = 1 + t.rows.len() + t.problems.len() + set_aside + t.blank_rows as usize;
            // Title lines above the header are records too (blank lines are not).
            let title_records = text[load::detect::preamble(&text).offset..]
                .lines()
                .take(titles)
                .filter(|l| !l.trim().is_empty())
                .count();
            assert_eq!(
                records,
                accounted + title_records,
                "{dir}/{name}: records read by csv vs used + skipped + header"
            );
        }
    }
}
