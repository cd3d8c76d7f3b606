//! `--redact`: every address in every output gets a pseudonym for its local
//! part (the same local part, the same pseudonym, so `anna@contoso.com` and
//! `anna@contoso.co.uk` stay visibly related), domains are kept, and display
//! names are dropped. Pseudonyms are numbered in the sorted order of the
//! local parts, so the same inputs give the same outputs.

use super::Report;
use std::collections::{BTreeSet, HashMap};

/// Characters an address's local part may hold (RFC 5322 atext and `.`,
/// plus any non-ASCII letter).
fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&*+-/=?^_{|}~.".contains(c)
        || (!c.is_ascii() && c.is_alphanumeric())
}

fn domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || (!c.is_ascii() && c.is_alphanumeric())
}

/// The local parts of the addresses in a text, with their byte ranges.
fn locals(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| local_char(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let has_domain = text[at + 1..].chars().next().is_some_and(domain_char);
        if start < at && has_domain {
            out.push((start, at));
        }
    }
    out
}

/// Pseudonyms for local parts.
pub struct Redactor {
    names: HashMap<String, String>,
}

impl Redactor {
    /// Numbers every local part found in `texts`.
    pub fn new<'a>(texts: impl Iterator<Item = &'a str>) -> Redactor {
        let mut all = BTreeSet::new();
        for t in texts {
            for (s, e) in locals(t) {
                all.insert(t[s..e].to_lowercase());
            }
        }
        let width = all.len().to_string().len().max(4);
        let names = all
            .into_iter()
            .enumerate()
            .map(|(i, l)| (l, format!("user{:0width$}", i + 1)))
            .collect();
        Redactor { names }
    }

    /// The text with every local part replaced.
    pub fn apply(&self, text: &str) -> String {
        let spans = locals(text);
        if spans.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (s, e) in spans {
            out.push_str(&text[last..s]);
            let local = text[s..e].to_lowercase();
            out.push_str(self.names.get(&local).map_or("user", String::as_str));
            last = e;
        }
        out.push_str(&text[last..]);
        out
    }
}

fn redact_finding(red: &Redactor, f: &mut crate::rules::Finding) {
    f.materialize();
    // A display name around an address (`Anna Berg <anna@...>`) is dropped.
    let value = f.value();
    let bare = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close && value[open..close].contains('@') => {
            let (name, bare) = (value.trim().to_string(), value[open..=close].to_string());
            f.message = f.message.as_str().replace(&name, &bare).into();
            Some(bare)
        }
        _ => None,
    };
    f.rewrite(
        |v| red.apply(v),
        |v| red.apply(bare.as_deref().unwrap_or(v)),
    );
    f.message = red.apply(f.message.as_str()).into();
    f.remediation = red.apply(f.remediation.as_str()).into();
}

/// Redacts a report in place.
pub fn redact(r: &mut Report) {
    // Templates written out, so their values are seen and rewritten.
    for f in r.findings.iter_mut() {
        f.materialize();
    }
    for w in r.waived.iter_mut().flatten() {
        w.finding.materialize();
    }
    let mut texts: Vec<&str> = Vec::new();
    for f in &r.findings {
        texts.extend([
            f.subject(),
            f.value(),
            f.message.as_str(),
            f.remediation.as_str(),
        ]);
    }
    for u in &r.users {
        texts.extend(u.cells());
    }
    for w in r.waived.iter().flatten() {
        let f = &w.finding;
        texts.extend([
            f.subject(),
            f.value(),
            f.message.as_str(),
            f.remediation.as_str(),
        ]);
    }
    for row in r.delta.iter().flat_map(|d| &d.fixed) {
        texts.extend(row.iter().map(String::as_str));
    }
    for x in &r.remediation {
        texts.extend([
            x.insync_email_current.as_str(),
            x.insync_email_new.as_str(),
            x.okta_login.as_str(),
        ]);
    }
    let red = Redactor::new(texts.into_iter());
    let waived = r.waived.iter_mut().flatten().map(|w| &mut w.finding);
    for f in r.findings.iter_mut().chain(waived) {
        redact_finding(&red, f);
    }
    for row in r.delta.iter_mut().flat_map(|d| &mut d.fixed) {
        for cell in row.iter_mut() {
            *cell = red.apply(cell);
        }
    }
    for u in &mut r.users {
        // Every identifier; the rules are ids.
        *u = u.rewrite(|i, v| {
            if i == super::UserRow::RULES {
                v.to_string()
            } else {
                red.apply(v)
            }
        });
    }
    for x in &mut r.remediation {
        x.insync_email_current = red.apply(&x.insync_email_current);
        x.insync_email_new = red.apply(&x.insync_email_new);
        x.okta_login = red.apply(&x.okta_login);
    }
    r.redacted = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_parts_get_stable_pseudonyms_and_domains_stay() {
        let texts = [
            "`Anna.Berg@contoso.com` is not `anna.berg@contoso.co.uk`",
            "tom+news@fabrikam.com",
        ];
        let red = Redactor::new(texts.iter().copied());
        assert_eq!(
            red.apply(texts[0]),
            "`user0001@contoso.com` is not `user0001@contoso.co.uk`"
        );
        assert_eq!(red.apply(texts[1]), "user0002@fabrikam.com");
        assert_eq!(red.apply("no address here"), "no address here");
        assert_eq!(
            red.apply("Anna Berg <anna.berg@contoso.com>"),
            "Anna Berg <user0001@contoso.com>"
        );
    }

    #[test]
    fn non_ascii_local_parts_are_redacted() {
        let red = Redactor::new(["josé.garcía@contoso.com"].into_iter());
        assert_eq!(red.apply("josé.garcía@contoso.com"), "user0001@contoso.com");
    }
}
