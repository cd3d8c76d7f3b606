//! The bodies of the fuzz targets: one function per target, bytes in.
//!
//! The cargo-fuzz crate in `fuzz/` calls these, one target each; the
//! integration test `fuzz_seeds` replays the seed corpus (`fixtures/`) and
//! every crash found so far (`fuzz/regressions/<target>/`) through them, so
//! `cargo test` keeps them compiling and keeps each fixed crash fixed.
//!
//! A function returns normally on any input: an `Err` from a loader is a
//! correct answer to a broken file. A panic, a hang or unbounded memory is a
//! bug. Besides "no panic", each function asserts only what callers rely on.

use crate::load::{self, Limits, LoadOptions, Table, detect};
use crate::model::{self, Proxy, Source};
use std::collections::BTreeSet;
use std::sync::{Mutex, Once};

/// A fuzz target: any bytes in, a panic only for a bug.
pub type Target = fn(&[u8]);

/// Every target, by the name of its file in `fuzz/fuzz_targets/` and of its
/// folder in `fuzz/regressions/`.
pub const TARGETS: [(&str, Target); 8] = [
    ("detect", detect),
    ("load_any", load_any),
    ("load_okta", load_okta),
    ("load_ad", load_ad),
    ("load_insync", load_insync),
    ("load_m365", load_m365),
    ("proxies", proxies),
    ("address", address),
];

/// The default limits, but a spreadsheet may decompress to 16 MiB only: a
/// fuzzed input is at most 64 KiB, and declared sizes beyond that only slow
/// the campaign down.
const LIMITS: Limits = Limits {
    max_cell_bytes: 1 << 20,
    max_columns: 16_384,
    max_sheet_bytes: 16 << 20,
};

/// Format detection: container sniffing, decoding, the preamble and the
/// delimiter, as `load` runs them on a text export.
pub fn detect(data: &[u8]) {
    let _ = detect::is_spreadsheet(data);
    let decoded = detect::decode(data);
    let text: &str = &decoded.text;
    let p = detect::preamble(text);
    assert!(
        p.offset <= text.len() && text.is_char_boundary(p.offset),
        "the preamble ends inside the text"
    );
    let body = &text[p.offset..];
    let d = detect::delimiter(body);
    assert!(detect::DELIMITERS.contains(&d), "delimiter {d:?}");
}

/// Any export, its source classified from the header.
pub fn load_any(data: &[u8]) {
    if let Some(table) = load_with(data, None) {
        records(&table);
    }
}

/// An Okta export (the source forced, as `--okta` does).
pub fn load_okta(data: &[u8]) {
    if let Some(table) = load_with(data, Some(Source::Okta)) {
        let _ = load::okta::records(&table, 0);
    }
}

/// An Active Directory export (`--ad`).
pub fn load_ad(data: &[u8]) {
    if let Some(table) = load_with(data, Some(Source::Ad)) {
        let _ = load::ad::records(&table, 0);
    }
}

/// A Druva inSync export (`--insync`).
pub fn load_insync(data: &[u8]) {
    if let Some(table) = load_with(data, Some(Source::Insync)) {
        let _ = load::insync::records(&table, 0);
    }
}

/// A Microsoft 365 export (`--m365`).
pub fn load_m365(data: &[u8]) {
    if let Some(table) = load_with(data, Some(Source::M365)) {
        let _ = load::m365::records(&table, 0);
    }
}

/// Loads bytes as the command line does; checks the shape of the table that
/// the record builders rely on.
fn load_with(data: &[u8], source: Option<Source>) -> Option<Table> {
    let_calamine_panics_unwind();
    let opts = LoadOptions {
        source,
        sheet: None,
        limits: LIMITS,
        keep: load::Keep::All,
    };
    let table = load::load_bytes("fuzz.csv", data, &opts).ok()?;
    if let Some(source) = source {
        assert_eq!(table.source, source, "the forced source was not kept");
    }
    let width = table.headers.len();
    for (field, col) in &table.columns {
        assert!(*col < width, "{field} maps to column {col} of {width}");
    }
    for row in table.rows.iter() {
        assert_eq!(row.cells.len(), width, "row {} is ragged", row.line);
    }
    assert!(
        table.problems.is_sorted_by_key(|p| p.row),
        "problems out of order"
    );
    Some(table)
}

/// Lets a panic raised inside calamine unwind to the guard in `load::sheet`,
/// which turns it into the error of a damaged workbook, where libFuzzer's
/// hook would abort on it; notes each such place once on stderr, so the
/// campaign log lists them. Any other panic goes to the previous hook (and
/// aborts the fuzzer) as before.
fn let_calamine_panics_unwind() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        let seen = Mutex::new(BTreeSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            if !place.contains("/calamine-") {
                return previous(info);
            }
            if seen.lock().is_ok_and(|mut s| s.insert(place.clone())) {
                let message = info.payload_as_str().unwrap_or("");
                eprintln!("calamine panic, handled as a damaged workbook: {place}: {message}");
            }
        }));
    });
}

/// The records of a table, by its source.
fn records(table: &Table) {
    match table.source {
        Source::Okta => drop(load::okta::records(table, 0)),
        Source::Ad => drop(load::ad::records(table, 0)),
        Source::Insync => drop(load::insync::records(table, 0)),
        Source::M365 => drop(load::m365::records(table, 0)),
    }
}

/// Proxy-address parsing. Every parsed entry, written back as
/// `SMTP:`/`smtp:` and its address (a `;` in it escaped as csvde does, `\;`)
/// one per line, parses to the same list; joined with `;` too, unless an
/// address ends in `\` (which would escape the `;` that follows).
pub fn proxies(data: &[u8]) {
    let cell = String::from_utf8_lossy(data);
    let parsed = model::parse_proxies(&cell);
    for p in &parsed {
        assert!(p.address.contains('@'), "{p:?} has no @");
    }
    assert_eq!(model::parse_proxies(&join(&parsed, "\n")), parsed);
    if parsed.iter().all(|p| !p.address.ends_with('\\')) {
        assert_eq!(model::parse_proxies(&join(&parsed, ";")), parsed);
    }
}

fn join(proxies: &[Proxy], separator: &str) -> String {
    proxies
        .iter()
        .map(|p| {
            let prefix = if p.primary { "SMTP" } else { "smtp" };
            format!("{prefix}:{}", p.address.replace(';', "\\;"))
        })
        .collect::<Vec<_>>()
        .join(separator)
}

/// Address normalisation and validation: the lookup key is idempotent and
/// trimmed, an address without `@` is never valid, and a value with `@` is
/// never a .NET type name.
pub fn address(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let key = model::key(&value);
    assert_eq!(model::key(&key), key, "key is not idempotent");
    assert_eq!(key.trim(), key, "key is not trimmed");
    let problem = model::address_problem(&value);
    if !value.trim().is_empty() && !value.contains('@') {
        assert!(problem.is_some(), "{value:?} passes without @");
    }
    if model::is_dotnet_type_name(&value) {
        assert!(!value.contains('@'), "{value:?} is an address");
    }
}
