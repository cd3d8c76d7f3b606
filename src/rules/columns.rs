//! A finding's columns as the outputs write them ([`Columns`]), its
//! sentences as text or as templates over its values ([`Sentence`]), and
//! how a template is filled ([`fill`]).

use super::FixRef;
use super::strings::MAX_ARGS;
use std::borrow::Cow;

/// Every column of a finding as written ([`Finding::columns`]).
#[derive(Clone, Copy, Debug)]
pub struct Columns<'a> {
    pub subject: &'a str,
    pub file: &'a str,
    pub field: &'a str,
    pub value: &'a str,
    pub message: Sentence<'a>,
    pub remediation: Sentence<'a>,
    pub fix: Option<FixRef<'a>>,
}

/// A message or remediation as written: a sentence, or a template and the
/// values its `{0}` to `{3}` name.
#[derive(Clone, Copy, Debug)]
pub enum Sentence<'a> {
    Text(&'a str),
    Template(&'static str, [&'a str; MAX_ARGS]),
}

impl<'a> Sentence<'a> {
    /// The sentence, appended to `out`.
    pub fn write_into(&self, out: &mut String) {
        match self {
            Sentence::Text(s) => out.push_str(s),
            Sentence::Template(t, args) => fill_into(t, out, |n| args.get(n).copied()),
        }
    }

    /// The sentence, written.
    pub fn text(&self) -> Cow<'a, str> {
        match self {
            Sentence::Text(s) => Cow::Borrowed(s),
            Sentence::Template(t, args) => {
                let extra: usize = args.iter().map(|a| a.len()).sum();
                let mut out = String::with_capacity(t.len() + extra);
                self.write_into(&mut out);
                Cow::Owned(out)
            }
        }
    }
}

/// `template` with each `{n}` (one digit) for which `value(n)` has a value
/// replaced by it; values are written as they are, never filled again.
pub(super) fn fill<'v>(
    template: &str,
    extra: usize,
    value: impl Fn(usize) -> Option<&'v str>,
) -> String {
    let mut out = String::with_capacity(template.len() + extra);
    fill_into(template, &mut out, value);
    out
}

/// [`fill`], appended to `out`.
pub(super) fn fill_into<'v>(
    template: &str,
    out: &mut String,
    value: impl Fn(usize) -> Option<&'v str>,
) {
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
