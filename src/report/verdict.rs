//! The verdict (SPEC section 5) and the exit status that follows from it
//! (SPEC section 1), with the one sentence that says why the exit status is
//! what it is, so that a headline and an exit code never seem to disagree.

use crate::rules::{Finding, Scenario, Severity};
use crate::tenant::Skip;
use serde::Serialize;

/// Whether the change can go ahead, by what the exports show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No error finding in `planned` or `any`, and every deciding check ran.
    Go,
    /// Some error finding in `planned` or `any`.
    NoGo,
    /// No blocking error, but a check that decides the change did not run.
    Inconclusive,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Go => "go",
            Verdict::NoGo => "no-go",
            Verdict::Inconclusive => "inconclusive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::NoGo => "NO-GO",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// A deciding check that did not run, and why (`verdict_reasons`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub check: String,
    pub reason: String,
}

/// When the audit fails (exit 1); `Demo` always exits 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Never,
    Demo,
}

/// The verdict and its reasons: `no-go` on an error finding in `planned`
/// or `any`; else `inconclusive` when a deciding check was skipped or no
/// person was found; else `go`.
pub fn decide(findings: &[Finding], skipped: &[Skip], persons: usize) -> (Verdict, Vec<Reason>) {
    let mut reasons: Vec<Reason> = skipped
        .iter()
        .filter(|s| s.decides)
        .map(|s| Reason {
            check: s.check.clone(),
            reason: s.reason.clone(),
        })
        .collect();
    if persons == 0 {
        reasons.push(Reason {
            check: "persons".into(),
            reason: "the inputs yielded no person: there is nothing to judge".into(),
        });
    }
    let blocking = findings
        .iter()
        .any(|f| f.severity() == Severity::Error && f.scenario != Scenario::Current);
    let verdict = if blocking {
        Verdict::NoGo
    } else if !reasons.is_empty() {
        Verdict::Inconclusive
    } else {
        Verdict::Go
    };
    (verdict, reasons)
}

/// The exit status (0 or 1) and the sentence that states the verdict and
/// why the status is what it is, e.g. "GO for the change; 39 errors already
/// broken today: exit 1".
pub fn status(
    verdict: Verdict,
    fail_on: FailOn,
    errors_today: usize,
    errors_blocking: usize,
    warnings: usize,
) -> (u8, String) {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let what = match verdict {
        Verdict::Go => "GO for the change".to_string(),
        Verdict::NoGo => format!(
            "NO-GO: {} with the change or in the data",
            n(errors_blocking, "error", "errors")
        ),
        Verdict::Inconclusive => {
            "INCONCLUSIVE: a check that decides the change did not run".to_string()
        }
    };
    let errors = errors_today + errors_blocking;
    let (code, why) = match fail_on {
        FailOn::Demo => (0, "exit 0 (the demo always exits 0)".to_string()),
        FailOn::Never => (0, "exit 0 (--fail-on never)".to_string()),
        _ if verdict == Verdict::Inconclusive => (1, "exit 1".to_string()),
        _ if verdict == Verdict::NoGo => (1, "exit 1".to_string()),
        _ if errors_today > 0 => (
            1,
            format!(
                "{} already broken today: exit 1",
                n(errors_today, "error", "errors")
            ),
        ),
        FailOn::Warning if warnings > 0 => (
            1,
            format!(
                "{} and --fail-on warning: exit 1",
                n(warnings, "warning", "warnings")
            ),
        ),
        _ if errors == 0 => (0, "nothing at error level: exit 0".to_string()),
        _ => (0, "exit 0".to_string()),
    };
    (code, format!("{what}; {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_says_why_the_status_is_what_it_is() {
        let s = |v, f, today, blocking, warnings| status(v, f, today, blocking, warnings);
        assert_eq!(
            s(Verdict::Go, FailOn::Error, 39, 0, 3),
            (
                1,
                "GO for the change; 39 errors already broken today: exit 1".into()
            )
        );
        assert_eq!(
            s(Verdict::Go, FailOn::Error, 0, 0, 3),
            (
                0,
                "GO for the change; nothing at error level: exit 0".into()
            )
        );
        assert_eq!(
            s(Verdict::Go, FailOn::Warning, 0, 0, 3),
            (
                1,
                "GO for the change; 3 warnings and --fail-on warning: exit 1".into()
            )
        );
        assert_eq!(s(Verdict::NoGo, FailOn::Error, 2, 1, 0).0, 1);
        assert_eq!(
            s(Verdict::NoGo, FailOn::Never, 2, 1, 0),
            (
                0,
                "NO-GO: 1 error with the change or in the data; exit 0 (--fail-on never)".into()
            )
        );
        assert_eq!(
            s(Verdict::Inconclusive, FailOn::Error, 0, 0, 0),
            (
                1,
                "INCONCLUSIVE: a check that decides the change did not run; exit 1".into()
            )
        );
        assert_eq!(s(Verdict::Inconclusive, FailOn::Never, 0, 0, 0).0, 0);
        assert_eq!(s(Verdict::NoGo, FailOn::Demo, 0, 5, 0).0, 0);
    }

    fn skip(decides: bool) -> Skip {
        Skip {
            check: "planned scenario and change rules".into(),
            reason: "no Okta export was given".into(),
            decides,
        }
    }

    #[test]
    fn a_skipped_deciding_check_is_never_go() {
        assert_eq!(decide(&[], &[], 3), (Verdict::Go, vec![]));
        let (v, reasons) = decide(&[], &[skip(true)], 3);
        assert_eq!(v, Verdict::Inconclusive);
        assert_eq!(reasons[0].check, "planned scenario and change rules");
        assert_eq!(decide(&[], &[skip(false)], 3).0, Verdict::Go);
        assert_eq!(decide(&[], &[], 0).0, Verdict::Inconclusive);
        let blocking = Finding::example(crate::rules::Rule::DuplicateAddress, "a@x");
        assert_eq!(decide(&[blocking], &[skip(true)], 3).0, Verdict::NoGo);
    }
}
