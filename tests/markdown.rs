//! `summary.md` is inert Markdown whatever the inputs hold: parsed as
//! GitHub-flavoured Markdown (tables on), a hostile tenant's summary has
//! the headings, links, images, HTML and table cells of a clean tenant's,
//! and its values only inside code spans.

use crate::preflight;
use pulldown_cmark::{Event, Options, Parser, Tag};
use std::path::Path;

/// The Markdown an audit of these Okta logins (each one an
/// `invalid-address` error, so listed among the first errors) writes; the
/// Okta export is named `okta_name` and lacks the `email` column, so a
/// skipped check names it.
fn summary_md(dir: &Path, okta_name: &str, logins: &[&str]) -> String {
    let mut okta = String::from("login,firstName,lastName\n");
    for l in logins {
        okta.push_str(&format!("\"{}\",A,B\n", l.replace('"', "\"\"")));
    }
    std::fs::write(dir.join(okta_name), okta).unwrap();
    let out = dir.join(format!("out-{}", logins.len()));
    let res = preflight()
        .current_dir(dir)
        .args([
            "audit",
            "--okta",
            okta_name,
            "--fail-on",
            "never",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    crate::assert_ran(&res);
    std::fs::read_to_string(out.join("summary.md")).unwrap()
}

/// What the Markdown makes: headings, links, images, HTML, and per table
/// row its number of cells; and the text outside code spans.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    headings: usize,
    links: usize,
    images: usize,
    html: usize,
    row_cells: Vec<usize>,
    text: String,
}

fn shape(markdown: &str) -> Shape {
    let mut s = Shape::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => s.headings += 1,
            Event::Start(Tag::Link { .. }) => s.links += 1,
            Event::Start(Tag::Image { .. }) => s.images += 1,
            Event::Html(_) | Event::InlineHtml(_) => s.html += 1,
            Event::Start(Tag::TableHead | Tag::TableRow) => s.row_cells.push(0),
            Event::Start(Tag::TableCell) => *s.row_cells.last_mut().unwrap() += 1,
            Event::Text(t) => s.text.push_str(&t),
            _ => {}
        }
    }
    s
}

#[test]
fn summary_md_is_inert_whatever_the_values_hold() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "`a`b``c",
        "``",
        "<img src=x onerror=alert(1)>",
        "![](https://evil.example/x.png)",
        "[a](https://evil)",
        "# heading",
        "line\r\n# injected heading\r\n<script>x</script>",
        "a | b | c",
        "`",
        "x\\`<b>bold</b>",
    ];
    let clean: Vec<String> = (0..hostile.len()).map(|i| format!("plain{i}")).collect();
    let clean: Vec<&str> = clean.iter().map(String::as_str).collect();
    let evil = summary_md(dir.path(), "okta [a](http:evil) `x` |.csv", &hostile);
    let plain = summary_md(dir.path(), "okta.csv", &clean);
    for (what, needle) in [("a value", "onerror"), ("the file name", "http:evil")] {
        assert!(evil.contains(needle), "{what} must be listed:\n{evil}");
    }
    let (evil_shape, plain_shape) = (shape(&evil), shape(&plain));
    assert_eq!(evil_shape.headings, plain_shape.headings, "{evil}");
    assert_eq!(evil_shape.links, 0, "{evil}");
    assert_eq!(evil_shape.images, 0, "{evil}");
    assert_eq!(evil_shape.html, 0, "{evil}");
    assert_eq!(evil_shape.row_cells, plain_shape.row_cells, "{evil}");
    assert!(evil_shape.row_cells.iter().all(|&n| n == 3), "{evil}");
    // Values appear in code spans only, never as Markdown text.
    for needle in ["onerror", "evil", "heading", "script", "bold", "a | b"] {
        assert!(
            !evil_shape.text.contains(needle),
            "{needle} outside a code span:\n{evil}"
        );
    }
    // One value, one line: no line break from a value.
    let listed = evil.lines().filter(|l| l.starts_with("- `")).count();
    assert_eq!(listed, hostile.len(), "{evil}");
}

/// Columns and rows set aside are listed up front, one line each, their
/// values (file, column, reason, the `Type` value) inside code spans: a
/// hostile file name or `Type` value makes no link, image or HTML.
#[test]
fn summary_md_lists_columns_and_rows_set_aside_inertly() {
    let dir = tempfile::tempdir().unwrap();
    let typename = "ad [a](http:evil) `x` |.csv";
    std::fs::copy(
        crate::fixture("formats/dotnet-typename-ad.csv"),
        dir.path().join(typename),
    )
    .unwrap();
    let hostile_type = "[b](http://evil.example) <img src=x onerror=alert(1)>";
    std::fs::write(
        dir.path().join("aduc.csv"),
        format!(
            "Name,Type,Description,User Logon Name,E-Mail Address\r\n\
             Tom Becker,User,,tom.becker@contoso.com,tom.becker@contoso.co.uk\r\n\
             Printer,{hostile_type},,,\r\n\
             Sales,Security Group - Global,,,sales@contoso.co.uk\r\n\
             Sales EMEA,Security Group - Global,,,\r\n"
        ),
    )
    .unwrap();
    let res = preflight()
        .current_dir(dir.path())
        .args(["audit", "--ad", typename, "--ad", "aduc.csv"])
        .args(["--fail-on", "never", "--quiet", "--out", "out"])
        .output()
        .unwrap();
    crate::assert_ran(&res);
    let md = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    let lines: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- set aside: "))
        .collect();
    assert_eq!(lines.len(), 3, "{md}");
    assert!(
        lines[0].starts_with(
            "- set aside: ``ad [a](http:evil) `x` \\|.csv``, column `proxyAddresses`: `"
        ) && lines[0].contains("ADPropertyValueCollection")
            && lines[0].contains("-join ';'"),
        "{md}"
    );
    assert!(
        lines[1].starts_with("- set aside: `aduc.csv`: 1 row whose `Type` is `")
            && lines[1].contains("onerror")
            && lines[1].ends_with("(not users, not audited)"),
        "{md}"
    );
    assert_eq!(
        lines[2],
        "- set aside: `aduc.csv`: 2 rows whose `Type` is `Security Group - Global` (not users, not audited)",
        "{md}"
    );
    let s = shape(&md);
    assert_eq!((s.links, s.images, s.html), (0, 0, 0), "{md}");
    for needle in ["evil", "onerror", "proxyAddresses", "Security Group"] {
        assert!(
            !s.text.contains(needle),
            "{needle} outside a code span:\n{md}"
        );
    }
}
