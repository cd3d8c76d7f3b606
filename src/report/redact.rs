//! `--redact`: outputs that can leave the customer. Every byte of every
//! output goes through here first, as the report it is rendered from:
//!
//! - the local part of every address gets a pseudonym (the same local
//!   part, the same pseudonym, so `anna@contoso.com` and
//!   `anna@contoso.co.uk` stay visibly related); domains are kept;
//! - an identifier that is not an address (an Okta login without `@`, an
//!   invalid email) is replaced whole, by a pseudonym of the same series,
//!   wherever it stands, sentences included;
//! - display names around an address (`Anna Berg <anna@...>`) are dropped;
//! - input files are named `<source>-<n>` plus their extension
//!   (`okta-1.csv`), waiver files `waivers-<n>`, in every column and every
//!   sentence;
//! - text that is all input (values, identifiers, waiver reasons, the
//!   values a message template names) also loses every word that is a
//!   known local part, `@` or not.
//!
//! Sentences preflight writes around values are rewritten for addresses,
//! identifiers and file names only, so a local part that is also an
//! everyday word (`support@`) does not blank that word out of every
//! sentence. Pseudonyms are numbered in the sorted order of what they
//! replace, so the same inputs give the same outputs.
//!
//! `redaction_leaves_no_local_part_or_file_name_in_any_output` (tests)
//! scans every output file of a redacted audit for every local part and
//! file name of the inputs.

use super::Report;
use crate::rules::Finding;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Characters an address's local part may hold (RFC 5322 atext and `.`,
/// but the backtick, which quotes values in sentences; plus any non-ASCII
/// letter).
fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_{|}~.".contains(c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// A word of a text: a run of [`local_char`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Word {
    /// Followed by `@`: a local part (a leading `'` is a quote, not part of it).
    Local,
    /// After `@`: a domain, kept.
    Domain,
    Plain,
}

/// The words of a text, with their byte ranges.
fn words(text: &str) -> Vec<(Word, usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut prev = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (local_char(c), start) {
            (true, None) => {
                start = Some((i, prev == Some('@')));
            }
            (false, Some((s, after_at))) => {
                let kind = if c == '@' {
                    Word::Local
                } else if after_at {
                    Word::Domain
                } else {
                    Word::Plain
                };
                let (s, e) = match kind {
                    Word::Local => (
                        s + text[s..i].len() - text[s..i].trim_start_matches('\'').len(),
                        i,
                    ),
                    _ => trimmed(text, s, i),
                };
                if s < e {
                    out.push((kind, s, e));
                }
                start = None;
            }
            _ => {}
        }
        prev = Some(c);
    }
    out
}

/// A plain word without the dots and quotes around it (`jdoe.`, `'jdoe'`).
fn trimmed(text: &str, s: usize, e: usize) -> (usize, usize) {
    let w = &text[s..e];
    let front = w.len() - w.trim_start_matches(['.', '\'']).len();
    let back = w.trim_end_matches(['.', '\'']).len();
    (s + front, s + back.max(front))
}

/// The local parts in a text, lower-cased.
fn locals(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text)
        .into_iter()
        .filter(|w| w.0 == Word::Local)
        .map(|(_, s, e)| text[s..e].to_lowercase())
}

/// `Anna Berg <anna@contoso.com>` without the name: `<anna@contoso.com>`.
fn without_display_name(value: &str) -> Option<&str> {
    let (open, close) = (value.find('<')?, value.rfind('>')?);
    (open < close && value[open..close].contains('@')).then(|| &value[open..=close])
}

/// What the pseudonyms replace, gathered from the whole report.
struct Names {
    files: Files,
    locals: BTreeSet<String>,
    /// Identifiers that are not addresses, and the longer words of those
    /// with several words.
    bare: BTreeSet<String>,
}

impl Names {
    /// The local parts of a text.
    fn text(&mut self, text: &str) {
        self.locals.extend(locals(text));
    }

    /// An identifier: its local parts, or, when it has none, the whole of
    /// it (unless it is no identifier: `*`, `(row 3)`, a file name, a
    /// number).
    fn identifier(&mut self, value: &str) {
        let before = self.locals.len();
        self.text(value);
        let v = value.trim();
        let generated = v == "*" || (v.starts_with("(row ") && v.ends_with(')'));
        if self.locals.len() > before
            || locals(v).next().is_some()
            || generated
            || self.files.get(v).is_some()
            || !v.chars().any(char::is_alphabetic)
        {
            return;
        }
        self.bare.insert(crate::model::key(v));
        let words = words(v);
        if words.len() > 1 {
            for (_, s, e) in words {
                let w = &v[s..e];
                if w.chars().count() >= 3 && w.chars().any(char::is_alphabetic) {
                    self.bare.insert(w.to_lowercase());
                }
            }
        }
    }

    fn redactor(self) -> Redactor {
        let all: BTreeSet<&String> = self.locals.iter().chain(&self.bare).collect();
        let width = all.len().to_string().len().max(4);
        let names = all
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                let name = format!("user{:0width$}", i + 1);
                (k.clone(), (name, self.bare.contains(k)))
            })
            .collect();
        Redactor {
            any_bare: !self.bare.is_empty(),
            names,
            files: self.files,
        }
    }
}

/// Pseudonyms of the input files: each name as given, and its base name,
/// to `<source>-<n>.<ext>`.
#[derive(Default)]
struct Files {
    names: HashMap<String, Arc<str>>,
    /// The keys of `names`, longest first, for finding them in sentences.
    by_length: Vec<String>,
    /// Files named so far per kind, for numbering.
    counts: HashMap<&'static str, usize>,
}

impl Files {
    fn add(&mut self, kind: &'static str, file: &str) {
        if file.is_empty() || self.names.contains_key(file) {
            return;
        }
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let ext = Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .map_or(String::new(), |e| format!(".{}", e.to_ascii_lowercase()));
        let pseudonym: Arc<str> = format!("{kind}-{n}{ext}").into();
        let base = Path::new(file)
            .file_name()
            .and_then(|b| b.to_str())
            .unwrap_or(file);
        for name in [file, base] {
            if !self.names.contains_key(name) {
                self.names.insert(name.to_string(), pseudonym.clone());
                self.by_length.push(name.to_string());
            }
        }
        self.by_length.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    fn get(&self, name: &str) -> Option<&Arc<str>> {
        self.names.get(name)
    }

    /// The text with every file name in it replaced (where it stands as a
    /// name, not inside a longer one).
    fn replace_in<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = Cow::Borrowed(text);
        for name in &self.by_length {
            if !text.contains(name.as_str()) {
                continue;
            }
            let mut out = String::with_capacity(text.len());
            let mut last = 0;
            for (i, _) in text.match_indices(name.as_str()) {
                let before = text[..i].chars().next_back();
                let after = text[i + name.len()..].chars().next();
                let part_of_name = |c: Option<char>, extra: &str| {
                    c.is_some_and(|c| c.is_alphanumeric() || extra.contains(c))
                };
                if part_of_name(before, "._-") || part_of_name(after, "_-") {
                    continue;
                }
                out.push_str(&text[last..i]);
                out.push_str(&self.names[name]);
                last = i + name.len();
            }
            out.push_str(&text[last..]);
            text = Cow::Owned(out);
        }
        text
    }
}

/// The pseudonyms of one report.
pub struct Redactor {
    /// Lower-cased local part or identifier → (pseudonym, whether it is an
    /// identifier that is not an address).
    names: HashMap<String, (String, bool)>,
    any_bare: bool,
    files: Files,
}

impl Redactor {
    /// Text that is all input: a value, an identifier, a waiver's reason.
    /// A file name or an identifier that is not an address is replaced
    /// whole; a display name is dropped; in what is left, every local part
    /// and every word that is a known local part or identifier.
    pub fn value(&self, text: &str) -> String {
        let v = text.trim();
        if let Some(f) = self.files.get(v) {
            return f.to_string();
        }
        if let Some((name, true)) = self.names.get(&crate::model::key(v)) {
            return name.clone();
        }
        let text = without_display_name(v).unwrap_or(text);
        self.rewrite(&self.files.replace_in(text), true)
    }

    /// A sentence preflight wrote around values (a message, a reason
    /// given by preflight): file names, local parts and identifiers that
    /// are not addresses replaced; its other words kept.
    pub fn sentence(&self, text: &str) -> String {
        self.rewrite(&self.files.replace_in(text), false)
    }

    /// The pseudonym of an input file name.
    fn file(&self, name: &str) -> Arc<str> {
        match self.files.get(name) {
            Some(f) => f.clone(),
            None => self.value(name).into(),
        }
    }

    fn rewrite(&self, text: &str, every_word: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (kind, s, e) in words(text) {
            let replacement = match kind {
                Word::Domain => None,
                // A local part not seen when numbering still goes.
                Word::Local => Some(self.lookup(&text[s..e]).map_or("user", |(n, _)| n)),
                Word::Plain if every_word || self.any_bare => self
                    .lookup(&text[s..e])
                    .filter(|(_, bare)| every_word || *bare)
                    .map(|(n, _)| n),
                Word::Plain => None,
            };
            if let Some(r) = replacement {
                out.push_str(&text[last..s]);
                out.push_str(r);
                last = e;
            }
        }
        out.push_str(&text[last..]);
        out
    }

    fn lookup(&self, word: &str) -> Option<(&str, bool)> {
        let hit = if word.chars().any(char::is_uppercase) {
            self.names.get(&word.to_lowercase())
        } else {
            self.names.get(word)
        };
        hit.map(|(n, bare)| (n.as_str(), *bare))
    }
}

/// Every file name of the report: the inputs, then the files of findings
/// that are no input (waivers), then the baseline's.
fn files(r: &Report) -> Files {
    let mut files = Files::default();
    for i in &r.inputs {
        files.add(i.source.id(), &i.file);
    }
    let waived = r.waived.iter().flatten().map(|w| &w.finding);
    for f in r.findings.iter().chain(waived) {
        if !files.names.contains_key(f.file()) {
            files.add("waivers", f.file());
        }
    }
    for row in r.delta.iter().flat_map(|d| &d.fixed) {
        let source = crate::model::Source::ALL
            .into_iter()
            .find(|s| s.id() == row[3])
            .map_or("file", |s| s.id());
        files.add(source, &row[5]);
    }
    files
}

/// Gathers what the pseudonyms replace.
fn names(r: &Report) -> Names {
    let mut n = Names {
        files: files(r),
        locals: BTreeSet::new(),
        bare: BTreeSet::new(),
    };
    let waived = r.waived.iter().flatten();
    for f in r.findings.iter().chain(waived.clone().map(|w| &w.finding)) {
        n.identifier(f.subject());
        n.text(f.value());
        n.text(&f.message());
        n.text(&f.remediation());
        if let Some(x) = f.fix() {
            n.identifier(x.subject);
            n.text(x.current);
            n.text(x.to);
        }
    }
    for w in waived {
        n.text(&w.reason);
    }
    let mut cells = super::Cells::default();
    for u in r.users.iter() {
        let (texts, _) = u.cells_into(&mut cells);
        // The identifier columns, not the outcomes or the rules.
        let planned = &texts[super::UserRow::PLANNED_INSYNC_EMAIL];
        for cell in texts[..=super::UserRow::M365_PRIMARY_SMTP]
            .iter()
            .chain([planned])
        {
            for part in cell.split("; ") {
                n.identifier(part);
            }
        }
    }
    for [current, new, login, reason] in r.remediation.iter() {
        n.identifier(&current);
        n.identifier(&new);
        n.identifier(&login);
        n.text(&reason);
    }
    for row in r.delta.iter().flat_map(|d| &d.fixed) {
        n.identifier(&row[4]);
        for cell in row {
            n.text(cell);
        }
    }
    for s in &r.skipped {
        n.text(&s.reason);
    }
    for i in &r.inputs {
        n.text(i.sheet.as_deref().unwrap_or(""));
    }
    n
}

fn redact_finding(red: &Redactor, f: &mut Finding<'_>) {
    // A display name around an address (`Anna Berg <anna@...>`) is
    // dropped from the sentences that quote the value too.
    let named = f.value().trim().to_string();
    let bare = without_display_name(&named).map(str::to_string);
    let (message, remediation) = f.own_sentences();
    // Template values are values: rewritten as such before they are
    // written into their sentences.
    let w = f.materialize_with(|v| red.value(v));
    if message {
        let text = match &bare {
            // The name goes even where the sentence quotes it changed
            // (`Anna Berg _anna@..._`).
            Some(b) => {
                let name = named[..named.find('<').unwrap_or(0)].trim();
                let text = w.message.as_str().replace(&named, b);
                // (A name of a letter or two would take those letters out
                // of every word: the address is gone, so is the
                // identifiable part.)
                if name.chars().count() < 3 {
                    text
                } else {
                    text.replace(name, "")
                }
            }
            None => w.message.as_str().to_string(),
        };
        w.message = red.sentence(&text).into();
    }
    if remediation {
        w.remediation = red.sentence(w.remediation.as_str()).into();
    }
    w.rewrite(|v| red.value(v), |v| red.value(v));
    w.file = red.file(&w.file);
}

/// Redacts a report in place.
pub fn redact(r: &mut Report) {
    // The worklists' order follows the values: computed again if needed.
    r.fix_orders = Default::default();
    let red = Arc::new(names(r).redactor());
    let waived = r.waived.iter_mut().flatten();
    for w in waived {
        redact_finding(&red, &mut w.finding);
        w.reason = red.value(&w.reason);
    }
    for f in r.findings.iter_mut() {
        redact_finding(&red, f);
    }
    for row in r.delta.iter_mut().flat_map(|d| &mut d.fixed) {
        for (i, cell) in row.iter_mut().enumerate() {
            *cell = match i {
                5 => red.file(cell).to_string(),
                9 | 10 => red.sentence(cell),
                _ => red.value(cell),
            };
        }
    }
    // The persons' rows are written from the records: each is rewritten
    // as it is written. Every identifier (a cell may list several); the
    // rules are ids; the name goes.
    let users = Arc::clone(&red);
    r.users.set_rewrite(Box::new(move |i, v| {
        if i == super::UserRow::RULES {
            v.to_string()
        } else if i == super::UserRow::DISPLAY_NAME {
            String::new()
        } else {
            let parts: Vec<String> = v.split("; ").map(|p| users.value(p)).collect();
            parts.join("; ")
        }
    }));
    // The worklist's rows are written from the records too: the values
    // get pseudonyms, a reason naming a value is rewritten as a sentence.
    let worklist = Arc::clone(&red);
    r.remediation.set_rewrite(Box::new(move |i, v| {
        if i == 3 {
            worklist.sentence(v)
        } else {
            worklist.value(v)
        }
    }));
    for s in &mut r.skipped {
        s.reason = red.sentence(&s.reason);
    }
    for v in &mut r.verdict_reasons {
        v.reason = red.sentence(&v.reason);
    }
    for i in &mut r.inputs {
        i.file = red.file(&i.file).to_string();
        i.sheet = i.sheet.as_deref().map(|s| red.value(s));
    }
    for c in &mut r.coverage {
        c.file = red.file(&c.file).to_string();
        for u in &mut c.unrecognised {
            u.file = red.file(&u.file).to_string();
            u.value = red.sentence(&u.value);
        }
        for a in &mut c.set_aside {
            a.file = red.file(&a.file).to_string();
            a.reason = red.sentence(&a.reason);
        }
        for k in &mut c.rows_set_aside {
            k.file = red.file(&k.file).to_string();
            k.value = red.sentence(&k.value);
        }
    }
    r.redacted = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(texts: &[&str], identifiers: &[&str], inputs: &[(&'static str, &str)]) -> Redactor {
        let mut files = Files::default();
        for (kind, f) in inputs {
            files.add(kind, f);
        }
        let mut n = Names {
            files,
            locals: BTreeSet::new(),
            bare: BTreeSet::new(),
        };
        for t in texts {
            n.text(t);
        }
        for i in identifiers {
            n.identifier(i);
        }
        n.redactor()
    }

    #[test]
    fn local_parts_get_stable_pseudonyms_and_domains_stay() {
        let texts = [
            "`Anna.Berg@contoso.com` is not `anna.berg@contoso.co.uk`",
            "tom+news@fabrikam.com",
        ];
        let red = redactor(&texts, &[], &[]);
        assert_eq!(
            red.sentence(texts[0]),
            "`user0001@contoso.com` is not `user0001@contoso.co.uk`"
        );
        assert_eq!(red.value(texts[1]), "user0002@fabrikam.com");
        assert_eq!(red.sentence("no address here"), "no address here");
        assert_eq!(
            red.sentence("Anna Berg <anna.berg@contoso.com>"),
            "Anna Berg <user0001@contoso.com>"
        );
        // A value drops the display name.
        assert_eq!(
            red.value("Anna Berg <anna.berg@contoso.com>"),
            "<user0001@contoso.com>"
        );
        // In a value, a known local part goes even without its `@`; a
        // sentence keeps its words.
        assert_eq!(red.value("ask Anna.Berg."), "ask user0001.");
        assert_eq!(red.sentence("ask Anna.Berg."), "ask Anna.Berg.");
    }

    #[test]
    fn non_ascii_local_parts_are_redacted() {
        let red = redactor(&["josé.garcía@contoso.com"], &[], &[]);
        assert_eq!(red.value("josé.garcía@contoso.com"), "user0001@contoso.com");
    }

    #[test]
    fn identifiers_that_are_not_addresses_are_replaced_whole_everywhere() {
        let red = redactor(
            &["anna@contoso.com"],
            &[
                "jdoe",
                "CONTOSO\\mark.evans",
                "anna.berg@",
                "*",
                "(row 7)",
                "004711",
            ],
            &[],
        );
        // anna, anna.berg, contoso, contoso\mark.evans, jdoe, mark.evans
        assert_eq!(red.value(" JDoe "), "user0005");
        assert_eq!(red.value("CONTOSO\\mark.evans"), "user0004");
        // The empty domain: still a local part.
        assert_eq!(red.value("anna.berg@"), "user0002@");
        assert_eq!(
            red.sentence("Okta login `jdoe` (as CONTOSO\\mark.evans) is not an address"),
            "Okta login `user0005` (as user0003\\user0006) is not an address"
        );
        for kept in ["*", "(row 7)", "004711"] {
            assert_eq!(red.value(kept), kept);
        }
    }

    #[test]
    fn input_files_are_named_by_source_and_number() {
        let red = redactor(
            &[],
            &[],
            &[
                ("okta", "exports/Anna Berg/okta-users.csv"),
                ("m365", "m365-users.CSV"),
                ("m365", "exo.xlsx"),
                ("waivers", "w.toml"),
            ],
        );
        assert_eq!(&*red.file("exports/Anna Berg/okta-users.csv"), "okta-1.csv");
        assert_eq!(&*red.file("exo.xlsx"), "m365-2.xlsx");
        assert_eq!(
            red.sentence("`x@y.z` (okta-users.csv row 3), m365-users.CSV; old-exo.xlsx"),
            "`user@y.z` (okta-1.csv row 3), m365-1.csv; old-exo.xlsx"
        );
        assert_eq!(red.value("w.toml"), "waivers-1.toml");
    }
}
