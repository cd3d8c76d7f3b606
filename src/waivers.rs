//! Waivers: findings a consultant knowingly accepts. Each `[[waiver]]` (in
//! `--waivers FILE` or in `preflight.toml`) names a rule, a subject (an
//! address, or `*` for every subject) and a reason, with an optional
//! `expires` date. Waived findings are shown apart and count toward neither
//! the verdict nor the exit status; an expired waiver no longer applies and
//! says so (`waiver-expired`); a waiver that matched nothing says so too
//! (`waiver-unused`).

use crate::model::{Source, key};
use crate::rules::{Finding, Rule, Scenario};
use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// One waiver as written (defined with the config file, which holds them
/// too, so that settings do not depend on the rules).
pub use crate::settings::Waiver;

/// A waivers file: `[[waiver]]` entries.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<Waiver>,
}

/// A checked waiver.
#[derive(Clone, Debug)]
pub struct Checked {
    pub rule: Rule,
    pub subject: String,
    pub reason: String,
    pub expires: Option<String>,
    /// Where it was written: the file, and its position in it (1-based).
    pub file: String,
    pub index: usize,
}

/// A finding waived, with the waiver's reason.
#[derive(Clone, Debug)]
pub struct Waived {
    pub finding: Finding,
    pub reason: String,
    pub expires: Option<String>,
}

/// Parses a waivers file's text.
pub fn parse(name: &str, text: &str) -> Result<Vec<Checked>> {
    let file: WaiverFile = toml::from_str(text)
        .with_context(|| format!("{name}: not a valid waivers file (expected [[waiver]] entries with rule, subject, reason and an optional expires date)"))?;
    check(name, file.waiver)
}

/// Checks waivers: a known rule, a subject, a reason, a valid date.
pub fn check(name: &str, waivers: Vec<Waiver>) -> Result<Vec<Checked>> {
    waivers
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let n = i + 1;
            let Some(rule) = Rule::from_id(w.rule.trim()) else {
                bail!("{name}: waiver {n} names the rule `{}`, which preflight does not have; `preflight rules` lists them", w.rule);
            };
            if w.subject.trim().is_empty() {
                bail!("{name}: waiver {n} ({}) has no subject: give an address, or `*` for every subject", w.rule);
            }
            if w.reason.trim().is_empty() {
                bail!("{name}: waiver {n} ({} for {}) has no reason: say why the finding is accepted", w.rule, w.subject);
            }
            let expires = match &w.expires {
                None => None,
                Some(v) => {
                    let text = match v {
                        toml::Value::String(s) => s.trim().to_string(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => other.to_string(),
                    };
                    let date = text.get(..10).unwrap_or("");
                    let ok = date.len() == 10
                        && date.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
                    if !ok {
                        bail!("{name}: waiver {n} has expires = {text}; write a date as YYYY-MM-DD");
                    }
                    Some(date.to_string())
                }
            };
            Ok(Checked { rule, subject: w.subject.trim().to_string(), reason: w.reason.trim().to_string(), expires, file: name.to_string(), index: n })
        })
        .collect()
}

impl Checked {
    fn matches(&self, f: &Finding) -> bool {
        self.rule == f.rule && (self.subject == "*" || key(&self.subject) == key(f.subject()))
    }

    fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    /// A finding about the waiver: `message` and `remediation` are
    /// templates over the waiver's rule, subject, reason and expiry (so
    /// `--redact` sees the reason as a value).
    fn finding(
        &self,
        rule: Rule,
        source: Source,
        message: &'static str,
        remediation: &'static str,
    ) -> Finding {
        Finding::new(
            rule,
            Scenario::Any,
            source,
            &self.subject,
            self.file.as_str().into(),
            0,
            &format!("waiver {}", self.index),
            self.rule.id(),
            "",
            "",
            None,
        )
        .templated(
            &[
                self.rule.id(),
                &self.subject,
                &self.reason,
                self.expires.as_deref().unwrap_or(""),
            ],
            message,
            remediation,
        )
    }
}

/// The source a waiver finding is filed under: that of the findings it
/// names, or the usual source of its rule.
fn source_of(rule: Rule, matched: Option<&Finding>) -> Source {
    if let Some(f) = matched {
        return f.source;
    }
    use Rule::*;
    match rule {
        DuplicateOnRemap
        | RemapCollision
        | RemapValueMissing
        | RemapSharedValue
        | IdpUserWithoutInsync
        | DruvaCharacterRewrite => Source::Okta,
        UupicMissing | UupicDuplicate | UupicExcelMangled | AdminSsoUnavailable => Source::Ad,
        _ => Source::Insync,
    }
}

/// Applies waivers: returns the findings that stay (with `waiver-expired`
/// and `waiver-unused` added) and the waived ones. `today` is `YYYY-MM-DD`.
pub fn apply(
    findings: Vec<Finding>,
    waivers: &[Checked],
    today: &str,
) -> (Vec<Finding>, Vec<Waived>) {
    let mut kept = Vec::new();
    let mut waived = Vec::new();
    let mut used = vec![false; waivers.len()];
    let mut expired_hits = vec![None; waivers.len()];
    for f in findings {
        let mut applied = None;
        for (i, w) in waivers.iter().enumerate() {
            if !w.matches(&f) {
                continue;
            }
            if w.expired(today) {
                expired_hits[i].get_or_insert(f.source);
            } else if applied.is_none() {
                applied = Some(i);
            }
        }
        match applied {
            Some(i) => {
                used[i] = true;
                let w = &waivers[i];
                waived.push(Waived {
                    finding: f,
                    reason: w.reason.clone(),
                    expires: w.expires.clone(),
                });
            }
            None => kept.push(f),
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        if w.expired(today) {
            let source = expired_hits[i].unwrap_or_else(|| source_of(w.rule, None));
            kept.push(w.finding(
                Rule::WaiverExpired,
                source,
                "The waiver of `{0}` for `{1}` (\"{2}\") expired on {3}: its findings count again",
                "Fix the findings, or renew the waiver with a new expires date if the risk is still accepted",
            ));
        } else if !used[i] {
            kept.push(w.finding(
                Rule::WaiverUnused,
                source_of(w.rule, None),
                "The waiver of `{0}` for `{1}` (\"{2}\") matched no finding",
                "Remove the waiver if the finding was fixed; check the rule id and the subject otherwise",
            ));
        }
    }
    (kept, waived)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: Rule, subject: &str) -> Finding {
        Finding::example(rule, subject)
    }

    #[test]
    fn waivers_apply_expire_and_report_unused() {
        let ws = parse(
            "w.toml",
            r#"
[[waiver]]
rule = "duplicate-on-remap"
subject = "Anna.Berg@contoso.com"
reason = "renamed by hand on cut-over day"
[[waiver]]
rule = "remap-collision"
subject = "*"
reason = "accepted"
expires = 2026-01-31
[[waiver]]
rule = "invalid-address"
subject = "nobody@contoso.com"
reason = "typo fixed"
expires = "2099-12-31"
"#,
        )
        .unwrap();
        let (kept, waived) = apply(
            vec![
                finding(Rule::DuplicateOnRemap, "anna.berg@contoso.com"),
                finding(Rule::RemapCollision, "x@contoso.com"),
                finding(Rule::DuplicateOnRemap, "tom@contoso.com"),
            ],
            &ws,
            "2026-11-21",
        );
        assert_eq!(waived.len(), 1);
        assert_eq!(waived[0].finding.subject(), "anna.berg@contoso.com");
        let rules: Vec<Rule> = kept.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            vec![
                Rule::RemapCollision,
                Rule::DuplicateOnRemap,
                Rule::WaiverExpired,
                Rule::WaiverUnused
            ]
        );
        // Before the expiry date the collision is waived.
        let (kept, waived) = apply(
            vec![finding(Rule::RemapCollision, "x@contoso.com")],
            &ws,
            "2026-01-31",
        );
        assert_eq!(waived.len(), 1);
        assert!(kept.iter().all(|f| f.rule == Rule::WaiverUnused));
    }

    #[test]
    fn bad_waivers_are_refused_with_the_fix() {
        let e = parse(
            "w.toml",
            "[[waiver]]\nrule = \"no-such-rule\"\nsubject = \"*\"\nreason = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("no-such-rule") && e.contains("preflight rules"),
            "{e}"
        );
        let e = parse(
            "w.toml",
            "[[waiver]]\nrule = \"invalid-address\"\nsubject = \"*\"\nreason = \"\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no reason"), "{e}");
        let e = parse("w.toml", "[[waiver]]\nrule = \"invalid-address\"\nsubject = \"*\"\nreason = \"x\"\nexpires = \"soon\"\n").unwrap_err().to_string();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }
}
