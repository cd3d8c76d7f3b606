//! A finding as the rules make it and the outputs read it: one fault of
//! one record, its strings packed in one allocation ([`Strings`]), its
//! sentences kept as templates filled when they are written.

use super::{Rule, Scenario, Severity};
use crate::model::Source;
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use crate::model::kept;

/// One fault of one record.
///
/// Its own strings (subject, field, value, the values a template names, and
/// the fix's subject, field, current value and new value) are kept in one
/// allocation, a value equal to an earlier one stored once: a large tenant
/// has millions of findings, and one allocation each instead of up to six
/// is a third of their memory.
#[derive(Clone)]
pub struct Finding {
    pub rule: Rule,
    pub scenario: Scenario,
    pub source: Source,
    /// The input file as given (shared by the findings of one file).
    pub file: Arc<str>,
    /// Row as a spreadsheet shows it; 0 when the finding is about no row.
    pub row: u32,
    /// Read it with [`Finding::message`].
    pub message: Text,
    /// Read it with [`Finding::remediation`].
    pub remediation: Text,
    /// The person the finding belongs to, when known (index into persons).
    pub person: Option<u32>,
    /// The system of the fix, when the finding has one ([`Finding::fix`]).
    fix_system: Option<Source>,
    /// How many values a [`Text::Template`] names (`{0}` to `{3}`).
    args: u8,
    strings: Strings,
}

/// A finding's message or remediation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// A fixed sentence: not copied.
    Fixed(&'static str),
    Owned(Box<str>),
    /// A sentence whose `{0}` to `{3}` are the finding's template values,
    /// filled in when it is written: the rules that fire for nearly every
    /// user of a large tenant keep their values once instead of two
    /// sentences each.
    Template(&'static str),
}

impl Text {
    /// The text as stored: a template unfilled (see [`Finding::materialize`]).
    pub fn as_str(&self) -> &str {
        match self {
            Text::Fixed(s) | Text::Template(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Owned(s.into_boxed_str())
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        Text::Fixed(s)
    }
}

impl From<Cow<'static, str>> for Text {
    fn from(s: Cow<'static, str>) -> Text {
        match s {
            Cow::Borrowed(s) => Text::Fixed(s),
            Cow::Owned(s) => s.into(),
        }
    }
}

/// The slots of [`Strings`]: subject, field, value; four template values;
/// the fix's subject, field, current value and new value.
const SUBJECT: usize = 0;
const FIELD: usize = 1;
const VALUE: usize = 2;
const ARGS: usize = 3;
const MAX_ARGS: usize = 4;
const FIX: usize = ARGS + MAX_ARGS;
const SLOTS: usize = FIX + 4;

/// Eleven strings in one allocation. An owned slot's text starts where the
/// previous slot's ends; a slot equal to an earlier owned one names it
/// instead of holding a copy.
#[derive(Clone, Default)]
struct Strings {
    text: Box<str>,
    /// Per slot, where its text ends in `text` (for a slot that names
    /// another, the previous slot's end).
    ends: [u32; SLOTS],
    /// Per slot, four bits: 0 when it holds its own text, else 1 + the
    /// earlier slot it repeats.
    links: u64,
}

const _: () = assert!(SLOTS <= 16, "links take four bits per slot");

impl Strings {
    fn of(values: [&str; SLOTS]) -> Strings {
        let mut s = Strings::default();
        s.append(0, &values);
        s
    }

    /// Whether slot `k` holds its own text (rather than naming another).
    fn owns(&self, k: usize) -> bool {
        (self.links >> (4 * k)) & 15 == 0
    }

    fn get(&self, k: usize) -> &str {
        // A link names an owned slot: one step.
        let k = match (self.links >> (4 * k)) & 15 {
            0 => k,
            j => j as usize - 1,
        };
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.text[start..self.ends[k] as usize]
    }

    /// Sets slots `from..from + values.len()`: in place when they and the
    /// slots after them are empty (the usual order of building a finding:
    /// its own values, then the template's, then the fix's), else by
    /// packing every slot again.
    fn fill(&mut self, from: usize, values: &[&str]) {
        let end = self.ends[SLOTS - 1];
        let tail_empty =
            (from..SLOTS).all(|k| self.owns(k)) && self.ends[from.saturating_sub(1)] == end;
        if tail_empty {
            self.append(from, values);
        } else {
            let mut all = self.all();
            all[from..from + values.len()].copy_from_slice(values);
            *self = Strings::of(all);
        }
    }

    /// [`Strings::fill`] for slots that are empty and followed by empty
    /// ones only: the new text goes at the end.
    fn append(&mut self, from: usize, values: &[&str]) {
        let end = self.ends[SLOTS - 1] as usize;
        let mut owner = [None::<usize>; SLOTS];
        let mut extra = 0usize;
        for (n, v) in values.iter().enumerate() {
            let k = from + n;
            if !v.is_empty() {
                owner[k] = (0..k)
                    .filter(|&j| self.owns(j) && owner[j].is_none())
                    .find(|&j| {
                        if j < from {
                            let start = if j == 0 { 0 } else { self.ends[j - 1] };
                            (self.ends[j] - start) as usize == v.len() && self.get(j) == *v
                        } else {
                            values[j - from] == *v
                        }
                    });
            }
            if owner[k].is_none() {
                extra += v.len();
            }
        }
        // Ends are 32 bits: a finding's strings come from a few cells, each
        // shorter than --max-cell-bytes, so only an absurd limit overflows
        // them; then a long value says so instead of being cut unseen.
        let too_long = u32::try_from(end + extra).is_err();
        if too_long {
            extra = (0..values.len())
                .filter(|&n| owner[from + n].is_none())
                .map(|n| kept(values[n], too_long).len())
                .sum();
        }
        let mut text = String::from(std::mem::take(&mut self.text));
        text.reserve_exact(extra);
        for (n, v) in values.iter().enumerate() {
            let k = from + n;
            match owner[k] {
                Some(j) => self.links |= (j as u64 + 1) << (4 * k),
                None => text.push_str(&kept(v, too_long)),
            }
            self.ends[k] = text.len() as u32;
        }
        for e in &mut self.ends[from + values.len()..] {
            *e = text.len() as u32;
        }
        self.text = text.into_boxed_str();
    }

    fn all(&self) -> [&str; SLOTS] {
        std::array::from_fn(|k| self.get(k))
    }
}

/// A finding's fix as written: see [`Finding::fix`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixRef<'a> {
    pub system: Source,
    pub subject: &'a str,
    pub field: &'a str,
    pub current: &'a str,
    pub to: &'a str,
}

impl Finding {
    /// A finding without template values or fix.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rule: Rule,
        scenario: Scenario,
        source: Source,
        subject: &str,
        file: Arc<str>,
        row: u32,
        field: &str,
        value: &str,
        message: impl Into<Text>,
        remediation: impl Into<Text>,
        person: Option<u32>,
    ) -> Finding {
        let mut values = [""; SLOTS];
        values[SUBJECT] = subject;
        values[FIELD] = field;
        values[VALUE] = value;
        Finding {
            rule,
            scenario,
            source,
            file,
            row,
            message: message.into(),
            remediation: remediation.into(),
            person,
            fix_system: None,
            args: 0,
            strings: Strings::of(values),
        }
    }

    /// The same finding with a concrete fix: in `system`, set `field` of
    /// `subject` from `current` to `to`.
    pub fn with_fix(
        mut self,
        system: Source,
        subject: &str,
        field: &str,
        current: &str,
        to: &str,
    ) -> Finding {
        self.strings
            .fill(FIX, &[subject.trim(), field, current, to.trim()]);
        self.fix_system = Some(system);
        self
    }

    /// A planned Okta finding about `subject` (row 2 of okta.csv, field
    /// email), for tests.
    #[cfg(test)]
    pub(crate) fn example(rule: Rule, subject: &str) -> Finding {
        Finding::new(
            rule,
            Scenario::Planned,
            Source::Okta,
            subject,
            "okta.csv".into(),
            2,
            "email",
            "",
            "",
            "",
            None,
        )
    }

    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// The record's identifier (or what the finding is about).
    pub fn subject(&self) -> &str {
        self.strings.get(SUBJECT)
    }

    pub fn field(&self) -> &str {
        self.strings.get(FIELD)
    }

    pub fn value(&self) -> &str {
        self.strings.get(VALUE)
    }

    /// The message as written in the outputs.
    pub fn message(&self) -> Cow<'_, str> {
        self.render(&self.message)
    }

    /// The remediation as written in the outputs.
    pub fn remediation(&self) -> Cow<'_, str> {
        self.render(&self.remediation)
    }

    /// A message or remediation of this finding, its template filled.
    pub fn render<'a>(&'a self, text: &'a Text) -> Cow<'a, str> {
        match text {
            Text::Template(t) => {
                let mut out = String::with_capacity(t.len() + self.strings.text.len());
                self.fill(t, &mut out);
                Cow::Owned(out)
            }
            other => Cow::Borrowed(other.as_str()),
        }
    }

    /// `template` with this finding's values, appended to `out`.
    pub fn fill(&self, template: &str, out: &mut String) {
        // `{0}` to `{3}` past the values given are empty.
        fill_into(template, out, |n| {
            (n < MAX_ARGS).then(|| self.strings.get(ARGS + n))
        })
    }

    /// The system the finding's fix changes, when it has one.
    pub fn fix_system(&self) -> Option<Source> {
        self.fix_system
    }

    /// The fix, when the finding has one.
    pub fn fix(&self) -> Option<FixRef<'_>> {
        let system = self.fix_system?;
        let [subject, field, current, to] = std::array::from_fn(|k| self.strings.get(FIX + k));
        Some(FixRef {
            system,
            subject,
            field,
            current,
            to,
        })
    }

    /// The same finding with its message and remediation written from
    /// templates over `args` (written out at once beyond four values).
    pub fn templated(
        mut self,
        args: &[&str],
        message: &'static str,
        remediation: &'static str,
    ) -> Finding {
        if args.len() > MAX_ARGS {
            let written = |t: &str| fill(t, 0, |n| args.get(n).copied());
            self.message = written(message).into();
            self.remediation = written(remediation).into();
            return self;
        }
        let mut values = [""; MAX_ARGS];
        values[..args.len()].copy_from_slice(args);
        self.strings.fill(ARGS, &values);
        self.args = args.len() as u8;
        self.message = Text::Template(message);
        self.remediation = Text::Template(remediation);
        self
    }

    /// Message and remediation written out, the template values dropped
    /// (before rewriting them, as `--redact` does).
    pub fn materialize(&mut self) {
        self.materialize_with(str::to_string);
    }

    /// [`Finding::materialize`], each template value passed through
    /// `value` first (`--redact` rewrites the values, not the sentences).
    pub fn materialize_with(&mut self, value: impl Fn(&str) -> String) {
        let args: Vec<String> = (0..self.args as usize)
            .map(|n| value(self.strings.get(ARGS + n)))
            .collect();
        let written = |t: &str| {
            fill(t, 0, |n| {
                (n < MAX_ARGS).then(|| args.get(n).map_or("", String::as_str))
            })
        };
        if let Text::Template(t) = self.message {
            self.message = written(t).into();
        }
        if let Text::Template(t) = self.remediation {
            self.remediation = written(t).into();
        }
        if self.args > 0 {
            self.strings.fill(ARGS, &[""; MAX_ARGS]);
            self.args = 0;
        }
    }

    /// Rewrites the subject, the value and the fix's values but its field
    /// (for `--redact`; call [`Finding::materialize`] first, so no
    /// template names the old values). `value` rewrites the value itself.
    pub fn rewrite(&mut self, f: impl Fn(&str) -> String, value: impl FnOnce(&str) -> String) {
        let mut owned: [String; SLOTS] = self.strings.all().map(str::to_string);
        owned[SUBJECT] = f(&owned[SUBJECT]);
        owned[VALUE] = value(&owned[VALUE]);
        if self.fix_system.is_some() {
            for k in [FIX, FIX + 2, FIX + 3] {
                owned[k] = f(&owned[k]);
            }
        }
        self.strings = Strings::of(std::array::from_fn(|k| owned[k].as_str()));
    }

    /// The deterministic order of findings in every output: severity,
    /// rule, scenario, source, the normalised subject, then every column.
    pub fn order(&self, other: &Finding) -> Ordering {
        (self.severity(), self.rule.id(), self.scenario, self.source)
            .cmp(&(
                other.severity(),
                other.rule.id(),
                other.scenario,
                other.source,
            ))
            .then_with(|| crate::model::cmp_key(self.subject(), other.subject()))
            .then_with(|| {
                (
                    self.subject(),
                    &self.file,
                    self.row,
                    self.field(),
                    self.value(),
                )
                    .cmp(&(
                        other.subject(),
                        &other.file,
                        other.row,
                        other.field(),
                        other.value(),
                    ))
            })
            .then_with(|| self.message().cmp(&other.message()))
    }
}

impl PartialEq for Finding {
    /// Equal when everything written about them is: the columns
    /// [`Finding::order`] compares, the remediation, the fix and the person.
    fn eq(&self, other: &Finding) -> bool {
        self.order(other) == Ordering::Equal
            && self.remediation() == other.remediation()
            && self.fix() == other.fix()
            && self.person == other.person
    }
}

impl Eq for Finding {}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule", &self.rule)
            .field("scenario", &self.scenario)
            .field("source", &self.source)
            .field("subject", &self.subject())
            .field("file", &self.file)
            .field("row", &self.row)
            .field("field", &self.field())
            .field("value", &self.value())
            .field("message", &self.message())
            .field("remediation", &self.remediation())
            .field("person", &self.person)
            .field("fix", &self.fix())
            .finish()
    }
}

/// `template` with each `{n}` (one digit) for which `value(n)` has a value
/// replaced by it; values are written as they are, never filled again.
fn fill<'v>(template: &str, extra: usize, value: impl Fn(usize) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(template.len() + extra);
    fill_into(template, &mut out, value);
    out
}

/// [`fill`], appended to `out`.
fn fill_into<'v>(template: &str, out: &mut String, value: impl Fn(usize) -> Option<&'v str>) {
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let hole = match rest.as_bytes()[i..] {
            [b'{', d @ b'0'..=b'9', b'}', ..] => value((d - b'0') as usize),
            _ => None,
        };
        match hole {
            Some(v) => {
                out.push_str(v);
                rest = &rest[i + 3..];
            }
            None => {
                out.push('{');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
}

/// Sorts findings into their output order and drops exact repeats.
///
/// Each finding gets a 24-byte prefix of its order (severity, rule,
/// scenario, source, the first bytes of the normalised subject); findings
/// are compared in full only when their prefixes tie.
pub fn sort(findings: &mut Vec<Finding>) {
    let mut ids: Vec<Rule> = Rule::ALL.to_vec();
    ids.sort_by_key(|r| r.id());
    let mut rank = [0u8; 64];
    for (n, r) in ids.iter().enumerate() {
        rank[*r as usize] = n as u8;
    }
    // Severity, rule rank, scenario and source in two bytes, then the first
    // 22 bytes of the normalised subject: compared as bytes, in the order
    // of `Finding::order` wherever two prefixes differ.
    let prefix = |f: &Finding| -> [u8; 24] {
        let mut p = [0u8; 24];
        p[0] = (f.severity() as u8) << 6 | rank[f.rule as usize];
        p[1] = (f.scenario as u8) << 2 | f.source as u8;
        p[2..].copy_from_slice(&crate::model::key_prefix_bytes::<22>(f.subject()));
        p
    };
    let mut order: Vec<([u64; 3], u32)> = findings
        .par_iter()
        .enumerate()
        .map(|(i, f)| (crate::model::be_words(prefix(f)), i as u32))
        .collect();
    order.par_sort_unstable_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then_with(|| findings[*a as usize].order(&findings[*b as usize]))
    });
    // Position k takes the finding at perm[k]: applied in place, so no
    // second vector of findings is built.
    let perm: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
    super::sink::permute(findings, perm);
    findings.dedup_by(|a, b| a.order(b) == Ordering::Equal);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_their_holes_and_nothing_else() {
        let f = Finding::example(Rule::DuplicateOnRemap, "anna@x").templated(
            &["anna@x", "{1}", "", "é`<b>"],
            "`{0}` to `{1}`, {2}{3} {4} {x} {",
            "{0}{1}{3}",
        );
        // Values are written as they are, even when they look like holes.
        assert_eq!(f.message(), "`anna@x` to `{1}`, é`<b> {4} {x} {");
        assert_eq!(f.remediation(), "anna@x{1}é`<b>");
        let short =
            Finding::example(Rule::DuplicateOnRemap, "a").templated(&["a"], "{0}{1}{3}", "");
        assert_eq!(short.message(), "a");
    }

    #[test]
    fn templated_findings_read_like_written_ones() {
        let base = Finding::example(Rule::DuplicateOnRemap, "anna");
        let t = base
            .clone()
            .templated(&["anna", "b@x"], "`{0}` is `{1}`", "set `{1}`");
        assert!(matches!(t.message, Text::Template(_)));
        assert_eq!(t.message(), "`anna` is `b@x`");
        assert_eq!(t.remediation(), "set `b@x`");
        // Too many values: written out at once, the same sentences.
        let many = base.templated(&["a", "{4}", "c", "d", "e"], "{0}{1}{4}", "{3}");
        assert!(matches!(many.message, Text::Owned(_)));
        assert_eq!(many.message(), "a{4}e");
        assert_eq!(many.remediation(), "d");
        let mut m = t.clone();
        m.materialize();
        assert_eq!(m.message, Text::Owned("`anna` is `b@x`".into()));
        assert_eq!(m.remediation(), t.remediation());
        assert_eq!(m, t, "a finding written out reads the same");
    }

    #[test]
    fn values_equal_to_earlier_ones_are_stored_once() {
        let f = Finding::new(
            Rule::DuplicateOnRemap,
            Scenario::Planned,
            Source::Okta,
            "anna@contoso.com",
            "okta.csv".into(),
            2,
            "email",
            "anna.berg@contoso.co.uk",
            "",
            "",
            None,
        )
        .templated(
            &[
                "anna@contoso.com",
                "old@x",
                "anna.berg@contoso.co.uk",
                "email",
            ],
            "`{0}` was `{1}`, becomes `{2}` ({3})",
            "set {3} to `{2}`",
        )
        .with_fix(
            Source::Insync,
            "old@x",
            "email",
            "old@x",
            " anna.berg@contoso.co.uk ",
        );
        // Subject, field and value, and the one template value none of
        // them holds: the fix repeats them all.
        assert_eq!(
            &*f.strings.text,
            "anna@contoso.comemailanna.berg@contoso.co.ukold@x"
        );
        assert_eq!(
            f.message(),
            "`anna@contoso.com` was `old@x`, becomes `anna.berg@contoso.co.uk` (email)"
        );
        assert_eq!(f.remediation(), "set email to `anna.berg@contoso.co.uk`");
        let expected = FixRef {
            system: Source::Insync,
            subject: "old@x",
            field: "email",
            current: "old@x",
            to: "anna.berg@contoso.co.uk",
        };
        assert_eq!(f.fix(), Some(expected));
        // Written out, the fix and the message no longer follow the values
        // rewritten (as --redact rewrites them).
        let mut m = f.clone();
        m.materialize();
        m.rewrite(|v| v.replace("old", "new"), |_| "other".into());
        assert_eq!(m.subject(), "anna@contoso.com");
        assert_eq!(m.value(), "other");
        assert_eq!(m.field(), "email");
        assert_eq!(
            m.fix(),
            Some(FixRef {
                subject: "new@x",
                current: "new@x",
                ..expected
            })
        );
        assert_eq!(m.message(), f.message());
        // A finding without a fix has none; empty values are empty.
        let g = Finding::example(Rule::ExchangeRestoreMismatch, "a@x");
        assert_eq!((g.fix(), g.value(), g.field()), (None, "", "email"));
    }

    proptest::proptest! {
        /// A finding built step by step (its own values, then the
        /// template's, then the fix's, or the fix first) reads back every
        /// value as given, however they repeat one another.
        #[test]
        fn packed_values_read_back_as_given(
            values in proptest::collection::vec("|a|b|ab|é", 11),
            args in 0usize..=4,
            fix_first in proptest::bool::ANY,
        ) {
            let v: Vec<&str> = values.iter().map(String::as_str).collect();
            let mut f = Finding::new(
                Rule::DuplicateOnRemap, Scenario::Planned, Source::Okta,
                v[0], "x.csv".into(), 2, v[1], v[2], "", "", None,
            );
            let fix = |f: Finding| f.with_fix(Source::Insync, v[7], v[8], v[9], v[10]);
            if fix_first {
                f = fix(f).templated(&v[3..3 + args], "{0}|{1}|{2}|{3}", "");
            } else {
                f = fix(f.templated(&v[3..3 + args], "{0}|{1}|{2}|{3}", ""));
            }
            proptest::prop_assert_eq!([f.subject(), f.field(), f.value()], [v[0], v[1], v[2]]);
            let mut given = [""; 4];
            given[..args].copy_from_slice(&v[3..3 + args]);
            proptest::prop_assert_eq!(f.message(), given.join("|"));
            let x = f.fix().unwrap();
            proptest::prop_assert_eq!([x.subject, x.field, x.current, x.to], [v[7], v[8], v[9], v[10]]);
            let repacked = Strings::of(f.strings.all());
            proptest::prop_assert_eq!(repacked.all(), f.strings.all());
        }
    }
}
