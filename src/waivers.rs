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
pub struct Waived<'t> {
    pub finding: Finding<'t>,
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
                    let (text, date) = match v {
                        toml::Value::String(s) => (s.trim().to_string(), s.trim().to_string()),
                        // A TOML date, or the date of a TOML date-time.
                        toml::Value::Datetime(d) => (d.to_string(), d.date.map(|d| d.to_string()).unwrap_or_default()),
                        other => (other.to_string(), String::new()),
                    };
                    if !is_calendar_date(&date) {
                        bail!(
                            "{name}: waiver {n} ({} for {}) has expires = {text}, which is not a calendar date; write the date as YYYY-MM-DD, for example 2027-03-31",
                            w.rule, w.subject
                        );
                    }
                    Some(date)
                }
            };
            Ok(Checked { rule, subject: w.subject.trim().to_string(), reason: w.reason.trim().to_string(), expires, file: name.to_string(), index: n })
        })
        .collect()
}

/// Whether `text` is exactly a real calendar date `YYYY-MM-DD` (leap years
/// counted): `2028-02-29` is one, `2027-02-29`, `2099-99-99` and
/// `2099-01-01x` are not.
pub fn is_calendar_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
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
    ) -> Finding<'static> {
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
pub fn apply<'t>(
    findings: Vec<Finding<'t>>,
    waivers: &[Checked],
    today: &str,
) -> (Vec<Finding<'t>>, Vec<Waived<'t>>) {
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

    fn finding(rule: Rule, subject: &str) -> Finding<'static> {
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

    #[test]
    fn expires_must_be_a_real_calendar_date() {
        for good in ["2028-02-29", "2000-02-29", "2026-12-31", "2027-04-30"] {
            assert!(is_calendar_date(good), "{good}");
        }
        for bad in [
            "2099-99-99",
            "2030-02-30",
            "2099-01-01x",
            "2024-13-45",
            "2027-02-29",
            "1900-02-29",
            "2027-04-31",
            "2027-00-10",
            "2027-01-00",
            "2027-1-01",
            "+027-01-01",
            "2027-01-01 ",
        ] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
        for (value, shown) in [
            ("\"2099-99-99\"", "2099-99-99"),
            ("\"2030-02-30\"", "2030-02-30"),
            ("\"2099-01-01x\"", "2099-01-01x"),
            ("\"2024-13-45\"", "2024-13-45"),
        ] {
            let text = format!(
                "[[waiver]]\nrule = \"invalid-address\"\nsubject = \"x@contoso.com\"\nreason = \"r\"\n\n[[waiver]]\nrule = \"remap-collision\"\nsubject = \"*\"\nreason = \"r\"\nexpires = {value}\n"
            );
            let e = format!("{:#}", parse("w.toml", &text).unwrap_err());
            assert!(
                e.contains("w.toml")
                    && e.contains("waiver 2 (remap-collision for *)")
                    && e.contains(shown)
                    && e.contains("YYYY-MM-DD"),
                "{e}"
            );
        }
        // TOML dates (and the date of a date-time) are read as before.
        let text = "[[waiver]]\nrule = \"remap-collision\"\nsubject = \"*\"\nreason = \"r\"\nexpires = 2028-02-29\n\n\
                    [[waiver]]\nrule = \"remap-collision\"\nsubject = \"*\"\nreason = \"r\"\nexpires = 2027-03-01T10:00:00Z\n";
        let ws = parse("w.toml", text).unwrap();
        assert_eq!(ws[0].expires.as_deref(), Some("2028-02-29"));
        assert_eq!(ws[1].expires.as_deref(), Some("2027-03-01"));
    }
}
