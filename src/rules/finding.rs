//! A finding as the rules make it and the outputs read it: one fault of
//! one record. Most findings hold their strings, packed in one allocation
//! ([`Strings`]), their sentences kept as templates filled when they are
//! written. The findings of the rules that fire for nearly every user of a
//! large tenant hold only which records they are about ([`Read`]): their
//! rule says the values and sentences from those records when they are
//! written ([`Said`]).

use super::{Rule, Scenario, Severity};
use crate::model::Source;
use crate::tenant::Tenant;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use super::columns::fill;
pub use super::columns::{Columns, Sentence};
use super::strings::{ARGS, FIELD, FIX, MAX_ARGS, SLOTS, SUBJECT, Strings, VALUE};

/// One fault of one record.
#[derive(Clone)]
pub struct Finding<'t> {
    pub rule: Rule,
    pub scenario: Scenario,
    pub source: Source,
    /// Row as a spreadsheet shows it; 0 when the finding is about no row.
    pub row: u32,
    /// The person the finding belongs to, when known (index into persons).
    pub person: Option<u32>,
    body: Body<'t>,
}

/// What a finding says, held or read from the records.
#[derive(Clone)]
enum Body<'t> {
    Written(Box<Written>),
    Read(&'t Tenant, Read),
}

/// The strings of a finding that holds them.
///
/// Its own strings (subject, field, value, the values a template names, and
/// the fix's subject, field, current value and new value) are kept in one
/// allocation, a value equal to an earlier one stored once.
#[derive(Clone)]
pub struct Written {
    /// The input file as given (shared by the findings of one file).
    pub file: Arc<str>,
    pub message: Text,
    pub remediation: Text,
    /// The system of the fix, when the finding has one ([`Finding::fix`]).
    fix_system: Option<Source>,
    /// How many values a [`Text::Template`] names (`{0}` to `{3}`).
    args: u8,
    strings: Strings,
}

/// A finding whose values all come from the tenant's records: which
/// records. Its rule says the rest ([`Read::said`]), in one place per rule.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Read {
    DuplicateOnRemap(super::change::Remap),
    ExchangeRestoreMismatch(super::scenario::Restore),
}

impl Read {
    /// What the finding says, read from the tenant's records.
    fn said<'t>(&self, t: &'t Tenant, scenario: Scenario) -> Said<'t> {
        match self {
            Read::DuplicateOnRemap(r) => r.said(t),
            Read::ExchangeRestoreMismatch(r) => r.said(t, scenario),
        }
    }

    /// The system of the finding's fix ([`Said::fix`]), known without
    /// reading the records.
    fn fix_system(&self) -> Option<Source> {
        match self {
            Read::DuplicateOnRemap(r) => r.fix_system(),
            Read::ExchangeRestoreMismatch(r) => Some(r.fix_system()),
        }
    }

    /// The strings of a finding about record `self.record()` of `source`
    /// (at `row`), written out.
    fn written(&self, t: &Tenant, source: Source, scenario: Scenario, row: u32) -> Box<Written> {
        let record = self.record();
        let said = self.said(t, scenario);
        let subject = super::subject(t.identifier(source, record), row);
        let mut values = [""; SLOTS];
        values[SUBJECT] = &subject;
        values[FIELD] = said.field;
        values[VALUE] = said.value;
        values[ARGS..FIX].copy_from_slice(&said.args);
        if let Some(x) = said.fix {
            values[FIX..].copy_from_slice(&[x.subject.trim(), x.field, x.current, x.to.trim()]);
        }
        Box::new(Written {
            file: Arc::from(t.input(t.at(source, record).file).file.as_str()),
            message: Text::Template(said.message),
            remediation: Text::Template(said.remediation),
            fix_system: said.fix.map(|x| x.system),
            args: MAX_ARGS as u8,
            strings: Strings::of(values),
        })
    }

    /// The record the finding is about (its subject, file and row).
    pub(crate) fn record(&self) -> u32 {
        match self {
            Read::DuplicateOnRemap(r) => r.okta,
            Read::ExchangeRestoreMismatch(r) => r.insync,
        }
    }
}

/// The columns and sentences of a [`Read`] finding but its subject and
/// file (those of its record).
pub(crate) struct Said<'t> {
    pub field: &'t str,
    pub value: &'t str,
    /// The values the templates name (`{0}` to `{3}`).
    pub args: [&'t str; MAX_ARGS],
    pub message: &'static str,
    pub remediation: &'static str,
    pub fix: Option<FixRef<'t>>,
}

/// A finding's message or remediation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// A fixed sentence: not copied.
    Fixed(&'static str),
    Owned(Box<str>),
    /// A sentence whose `{0}` to `{3}` are the finding's template values,
    /// filled in when it is written.
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

/// A finding's fix as written: see [`Finding::fix`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixRef<'a> {
    pub system: Source,
    pub subject: &'a str,
    pub field: &'a str,
    pub current: &'a str,
    pub to: &'a str,
}

impl Finding<'static> {
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
    ) -> Finding<'static> {
        let mut values = [""; SLOTS];
        values[SUBJECT] = subject;
        values[FIELD] = field;
        values[VALUE] = value;
        Finding {
            rule,
            scenario,
            source,
            row,
            person,
            body: Body::Written(Box::new(Written {
                file,
                message: message.into(),
                remediation: remediation.into(),
                fix_system: None,
                args: 0,
                strings: Strings::of(values),
            })),
        }
    }

    /// A planned Okta finding about `subject` (row 2 of okta.csv, field
    /// email), for tests.
    #[cfg(test)]
    pub(crate) fn example(rule: Rule, subject: &str) -> Finding<'static> {
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
}

impl<'t> Finding<'t> {
    /// A finding read from record `read.record()` of `source` when written
    /// (held as written when the record has no identifier: its subject is
    /// then made of its row).
    pub(crate) fn read(
        t: &'t Tenant,
        rule: Rule,
        scenario: Scenario,
        source: Source,
        person: Option<u32>,
        read: Read,
    ) -> Finding<'t> {
        let record = read.record();
        let f = Finding {
            rule,
            scenario,
            source,
            row: t.at(source, record).row,
            person,
            body: Body::Read(t, read),
        };
        if t.identifier(source, record).trim().is_empty() {
            f.into_written()
        } else {
            f
        }
    }

    /// The same finding holding its strings (none borrowed from a tenant).
    pub fn into_written(self) -> Finding<'static> {
        let Finding {
            rule,
            scenario,
            source,
            row,
            person,
            body,
        } = self;
        let written = match body {
            Body::Written(w) => w,
            Body::Read(t, read) => read.written(t, source, scenario, row),
        };
        Finding {
            rule,
            scenario,
            source,
            row,
            person,
            body: Body::Written(written),
        }
    }

    /// The strings of a finding that holds them, written out first when it
    /// reads them from the records.
    fn written_mut(&mut self) -> &mut Written {
        if let Body::Read(t, read) = self.body {
            let written = read.written(t, self.source, self.scenario, self.row);
            self.body = Body::Written(written);
        }
        match &mut self.body {
            Body::Written(w) => w,
            Body::Read(..) => unreachable!("written out above"),
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
    ) -> Finding<'t> {
        let w = self.written_mut();
        w.strings
            .fill(FIX, &[subject.trim(), field, current, to.trim()]);
        w.fix_system = Some(system);
        self
    }

    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    /// Every column of the finding as written, read at once (a finding
    /// that reads its values from the records reads them once).
    pub fn columns(&self) -> Columns<'_> {
        match &self.body {
            Body::Written(w) => {
                let args = std::array::from_fn(|n| w.strings.get(ARGS + n));
                let sentence = |text| match text {
                    &Text::Template(t) => Sentence::Template(t, args),
                    other => Sentence::Text(Text::as_str(other)),
                };
                Columns {
                    subject: w.strings.get(SUBJECT),
                    file: &w.file,
                    field: w.strings.get(FIELD),
                    value: w.strings.get(VALUE),
                    message: sentence(&w.message),
                    remediation: sentence(&w.remediation),
                    fix: w.fix(),
                }
            }
            Body::Read(t, read) => {
                let record = read.record();
                let said = read.said(t, self.scenario);
                debug_assert_eq!(said.fix.map(|x| x.system), read.fix_system());
                Columns {
                    subject: t.identifier(self.source, record).trim(),
                    file: &t.input(t.at(self.source, record).file).file,
                    field: said.field,
                    value: said.value,
                    message: Sentence::Template(said.message, said.args),
                    remediation: Sentence::Template(said.remediation, said.args),
                    fix: said.fix,
                }
            }
        }
    }

    /// The record's identifier (or what the finding is about).
    pub fn subject(&self) -> &str {
        match &self.body {
            Body::Written(w) => w.strings.get(SUBJECT),
            Body::Read(t, read) => t.identifier(self.source, read.record()).trim(),
        }
    }

    /// The input file as given.
    pub fn file(&self) -> &str {
        match &self.body {
            Body::Written(w) => &w.file,
            Body::Read(t, read) => &t.input(t.at(self.source, read.record()).file).file,
        }
    }

    pub fn field(&self) -> &str {
        self.columns().field
    }

    pub fn value(&self) -> &str {
        self.columns().value
    }

    /// The message as written in the outputs.
    pub fn message(&self) -> Cow<'_, str> {
        self.columns().message.text()
    }

    /// The remediation as written in the outputs.
    pub fn remediation(&self) -> Cow<'_, str> {
        self.columns().remediation.text()
    }

    /// The message, appended to `out`.
    pub fn message_into(&self, out: &mut String) {
        self.columns().message.write_into(out)
    }

    /// The remediation, appended to `out`.
    pub fn remediation_into(&self, out: &mut String) {
        self.columns().remediation.write_into(out)
    }

    /// Whether the message and the remediation are sentences of their own
    /// (not fixed, not templates over the finding's values).
    pub fn own_sentences(&self) -> (bool, bool) {
        match &self.body {
            Body::Written(w) => (
                matches!(w.message, Text::Owned(_)),
                matches!(w.remediation, Text::Owned(_)),
            ),
            Body::Read(..) => (false, false),
        }
    }

    /// The system the finding's fix changes, when it has one.
    pub fn fix_system(&self) -> Option<Source> {
        match &self.body {
            Body::Written(w) => w.fix_system,
            Body::Read(_, read) => read.fix_system(),
        }
    }

    /// The fix, when the finding has one.
    pub fn fix(&self) -> Option<FixRef<'_>> {
        self.columns().fix
    }

    /// The same finding with its message and remediation written from
    /// templates over `args` (written out at once beyond four values).
    pub fn templated(
        mut self,
        args: &[&str],
        message: &'static str,
        remediation: &'static str,
    ) -> Finding<'t> {
        let w = self.written_mut();
        if args.len() > MAX_ARGS {
            let written = |t: &str| fill(t, 0, |n| args.get(n).copied());
            w.message = written(message).into();
            w.remediation = written(remediation).into();
            return self;
        }
        let mut values = [""; MAX_ARGS];
        values[..args.len()].copy_from_slice(args);
        w.strings.fill(ARGS, &values);
        w.args = args.len() as u8;
        w.message = Text::Template(message);
        w.remediation = Text::Template(remediation);
        self
    }

    /// Message and remediation written out, the template values dropped
    /// (before rewriting them, as `--redact` does).
    pub fn materialize(&mut self) -> &mut Written {
        self.materialize_with(str::to_string)
    }

    /// [`Finding::materialize`], each template value passed through
    /// `value` first (`--redact` rewrites the values, not the sentences).
    pub fn materialize_with(&mut self, value: impl Fn(&str) -> String) -> &mut Written {
        let w = self.written_mut();
        let args: Vec<String> = (0..w.args as usize)
            .map(|n| value(w.strings.get(ARGS + n)))
            .collect();
        let written = |t: &str| {
            fill(t, 0, |n| {
                (n < MAX_ARGS).then(|| args.get(n).map_or("", String::as_str))
            })
        };
        if let Text::Template(t) = w.message {
            w.message = written(t).into();
        }
        if let Text::Template(t) = w.remediation {
            w.remediation = written(t).into();
        }
        if w.args > 0 {
            w.strings.fill(ARGS, &[""; MAX_ARGS]);
            w.args = 0;
        }
        w
    }

    /// The deterministic order of findings in every output: severity,
    /// rule, scenario, source, the normalised subject, then every column.
    pub fn order(&self, other: &Finding<'_>) -> Ordering {
        (self.severity(), self.rule.id(), self.scenario, self.source)
            .cmp(&(
                other.severity(),
                other.rule.id(),
                other.scenario,
                other.source,
            ))
            .then_with(|| crate::model::cmp_key(self.subject(), other.subject()))
            .then_with(|| {
                // Every column, each finding's read once.
                let (a, b) = (self.columns(), other.columns());
                (a.subject, a.file, self.row, a.field, a.value)
                    .cmp(&(b.subject, b.file, other.row, b.field, b.value))
                    .then_with(|| a.message.text().cmp(&b.message.text()))
            })
    }
}

impl Written {
    fn fix(&self) -> Option<FixRef<'_>> {
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

    /// Rewrites the subject, the value and the fix's values but its field
    /// (for `--redact`, after [`Finding::materialize`], so no template
    /// names the old values). `value` rewrites the value itself.
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
}

impl PartialEq for Finding<'_> {
    /// Equal when everything written about them is: the columns
    /// [`Finding::order`] compares, the remediation, the fix and the person.
    fn eq(&self, other: &Finding<'_>) -> bool {
        self.order(other) == Ordering::Equal
            && self.remediation() == other.remediation()
            && self.fix() == other.fix()
            && self.person == other.person
    }
}

impl Eq for Finding<'_> {}

impl fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule", &self.rule)
            .field("scenario", &self.scenario)
            .field("source", &self.source)
            .field("subject", &self.subject())
            .field("file", &self.file())
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

#[cfg(test)]
mod tests {
    use super::*;

    impl Finding<'_> {
        /// The strings of a finding that holds them.
        fn written(&self) -> &Written {
            match &self.body {
                Body::Written(w) => w,
                Body::Read(..) => panic!("the finding reads its values"),
            }
        }
    }

    /// A finding that reads its values from the records reads as the same
    /// finding written out: every column, both sentences, the fix.
    #[test]
    fn findings_read_from_the_records_read_as_written_ones() {
        let tenant = crate::audit::demo_tenant().unwrap();
        let audit = crate::audit::demo_audit(&tenant);
        let mut read = [0usize; 2];
        for f in &audit.report.findings {
            if let Body::Read(_, r) = &f.body {
                read[matches!(r, Read::ExchangeRestoreMismatch(_)) as usize] += 1;
            }
            let w = f.clone().into_written();
            assert!(matches!(w.body, Body::Written(_)));
            assert_eq!(w.order(f), Ordering::Equal, "{f:?}");
            assert_eq!(
                (w.subject(), w.file(), w.field(), w.value(), w.row),
                (f.subject(), f.file(), f.field(), f.value(), f.row)
            );
            assert_eq!(
                (w.message(), w.remediation(), w.fix(), w.fix_system()),
                (f.message(), f.remediation(), f.fix(), f.fix_system())
            );
            assert_eq!((w.person, w.own_sentences()), (f.person, f.own_sentences()));
        }
        assert!(
            read[0] > 0 && read[1] > 0,
            "the sample tenant has findings of both kinds read from the records: {read:?}"
        );
    }

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
        assert!(matches!(t.written().message, Text::Template(_)));
        assert_eq!(t.message(), "`anna` is `b@x`");
        assert_eq!(t.remediation(), "set `b@x`");
        // Too many values: written out at once, the same sentences.
        let many = base.templated(&["a", "{4}", "c", "d", "e"], "{0}{1}{4}", "{3}");
        assert!(matches!(many.written().message, Text::Owned(_)));
        assert_eq!(many.message(), "a{4}e");
        assert_eq!(many.remediation(), "d");
        let mut m = t.clone();
        m.materialize();
        assert_eq!(m.written().message, Text::Owned("`anna` is `b@x`".into()));
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
            &*f.written().strings.text,
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
        m.materialize()
            .rewrite(|v| v.replace("old", "new"), |_| "other".into());
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
            let fix = |f: Finding<'static>| f.with_fix(Source::Insync, v[7], v[8], v[9], v[10]);
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
            let strings = &f.written().strings;
            let repacked = Strings::of(strings.all());
            proptest::prop_assert_eq!(repacked.all(), strings.all());
        }
    }
}
