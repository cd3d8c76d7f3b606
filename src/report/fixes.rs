//! The worklists `fixes/okta.csv`, `fixes/ad.csv`, `fixes/m365.csv` and
//! `fixes/insync.csv` (SPEC section 6): for each admin team, one row per
//! change to make in its system.
//!
//! A change is (source, normalised subject, field, value to set). The
//! findings that ask for the same change are one row: their rules in one
//! `rules` cell, `;`-joined, most severe first and ties in the catalogue's
//! order ([`Rule::ALL`]); the row's remediation is the first rule's. The
//! rows are grouped by sorting, not by a map: a large tenant has millions.

use super::Report;
use super::csv::{CsvOut, TRACKING, in_parts};
use crate::model::{Source, be_words, cmp_key, key_prefix_bytes, same_key};
use crate::rules::{Finding, Severity};
use anyhow::Result;
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::io::Write;
use std::sync::OnceLock;

/// The columns of the worklists: the change, the rules asking for it and
/// the remediation, then [`TRACKING`] (empty).
pub const FIXES_HEADER: [&str; 11] = [
    "source",
    "subject",
    "field",
    "current_value",
    "value_to_set",
    "rules",
    "remediation",
    TRACKING[0],
    TRACKING[1],
    TRACKING[2],
    TRACKING[3],
];

/// `fixes/<system>.csv`: the records that system's admin team changes, from
/// every error and warning (info findings ask for no change). A finding
/// with a known fix goes to the system that holds the value to change.
pub fn worklist<W: Write>(r: &Report, system: Source, out: W) -> Result<()> {
    let changes = Changes::cached(&r.findings, system, &r.fix_orders);
    write(&changes, system, r.csv_delimiter, out)
}

/// Computes every system's worklist order, one system at a time: before
/// the files are written side by side, since sorting a system's asks takes
/// memory that the files' buffers would add to (at a million persons, the
/// run's peak).
pub(super) fn order_all(r: &Report) {
    for system in Source::ALL {
        Changes::cached(&r.findings, system, &r.fix_orders);
    }
}

/// What one finding asks of `system`: a change and the finding asking it.
#[derive(Clone, Copy)]
pub(super) struct Ask<'r> {
    pub subject: &'r str,
    pub field: &'r str,
    pub current: &'r str,
    /// Empty when the finding knows no value to set.
    pub to: &'r str,
    pub finding: &'r Finding<'r>,
}

impl<'r> Ask<'r> {
    /// What `f` asks of `system`, if anything.
    fn of(f: &'r Finding, system: Source) -> Option<Ask<'r>> {
        if f.severity() == Severity::Info || f.fix_system().unwrap_or(f.source) != system {
            return None;
        }
        let c = f.columns();
        Some(match c.fix {
            Some(x) => Ask {
                subject: x.subject,
                field: x.field,
                current: x.current,
                to: x.to,
                finding: f,
            },
            None => Ask {
                subject: c.subject,
                field: c.field,
                current: c.value,
                to: "",
                finding: f,
            },
        })
    }

    /// Whether two asks are one change (the source is the list's own).
    fn same_change(&self, other: &Ask<'_>) -> bool {
        self.field == other.field && self.to == other.to && same_key(self.subject, other.subject)
    }

    /// The order of the rows: by change (normalised subject, field, value
    /// to set), so that the asks of one change are side by side; within a
    /// change, by rule (severity, then catalogue order), then every column,
    /// so the first ask (whose subject, current value and remediation the
    /// row shows) does not depend on the order of the findings.
    fn order(&self, other: &Ask<'_>) -> Ordering {
        // `Rule`'s order is the catalogue's (`rules_compare_in_catalogue_order`).
        let rule = |a: &Ask<'_>| (a.finding.severity(), a.finding.rule);
        cmp_key(self.subject, other.subject)
            .then_with(|| (self.field, self.to).cmp(&(other.field, other.to)))
            .then_with(|| rule(self).cmp(&rule(other)))
            .then_with(|| (self.subject, self.current).cmp(&(other.subject, other.current)))
            .then_with(|| {
                let f = (self.finding, other.finding);
                f.0.remediation().cmp(&f.1.remediation())
            })
    }
}

/// The changes some findings ask of one system, in the worklist's order:
/// each change is a run of asks (see [`Changes::runs`]), the first of which
/// the row shows. The apply-ready scripts ([`super::apply`]) read the same
/// changes as the worklists.
pub(super) struct Changes<'r> {
    findings: &'r [Finding<'r>],
    system: Source,
    order: Cow<'r, Order>,
}

/// The worklist's order of a system's asks.
#[derive(Clone, Debug, Default)]
pub struct Order {
    /// The indexes of the findings that ask something of the system, in
    /// the worklist's order.
    order: Vec<u32>,
    /// One per change: (start, end) in `order`.
    runs: Vec<(u32, u32)>,
}

/// Each system's [`Order`], computed once for every output that reads it
/// (the worklist, the scripts, the Okta import, the workbook: they are
/// written at the same time, and finding the asks among every finding and
/// sorting them is the costly part). Filled when the outputs are written;
/// [`super::redact`] empties it.
#[derive(Debug, Default)]
pub struct Orders([OnceLock<Order>; 4]);

impl<'r> Changes<'r> {
    /// The changes of `system`, the order taken from `orders` (computed
    /// there by the first caller).
    pub fn cached(findings: &'r [Finding], system: Source, orders: &'r Orders) -> Changes<'r> {
        let slot = &orders.0[match system {
            Source::Okta => 0,
            Source::Ad => 1,
            Source::Insync => 2,
            Source::M365 => 3,
        }];
        let order = slot.get_or_init(|| Self::sorted(findings, system));
        Changes {
            findings,
            system,
            order: Cow::Borrowed(order),
        }
    }

    #[cfg(test)]
    pub fn of(findings: &'r [Finding], system: Source) -> Changes<'r> {
        Changes {
            findings,
            system,
            order: Cow::Owned(Self::sorted(findings, system)),
        }
    }

    /// The worklist's order of what `findings` ask of `system`.
    ///
    /// The asks are sorted by their subject's key prefix alone (no ask is
    /// kept: at a million persons they were 150 MB at the run's peak);
    /// then each run of one prefix, where every change's asks are (one
    /// change has one key), is sorted as asks and split into changes, in
    /// parallel. The `sorted_as_a_plain_sort_of_asks` property test holds
    /// it to a sort of every ask and a scan for changes.
    fn sorted(findings: &[Finding], system: Source) -> Order {
        /// The flag on an index that starts a change.
        const STARTS: u32 = 1 << 31;
        assert!(findings.len() < STARTS as usize, "fewer than 2^31 findings");
        let ask = |i: u32| Ask::of(&findings[(i & !STARTS) as usize], system).expect("an ask");
        let mut keyed: Vec<([u64; 4], u32)> = findings
            .par_iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let a = Ask::of(f, system)?;
                Some((be_words(key_prefix_bytes::<32>(a.subject)), i as u32))
            })
            .collect();
        keyed.par_sort_unstable();
        keyed.par_chunk_by_mut(|a, b| a.0 == b.0).for_each_with(
            Vec::new(),
            |asks: &mut Vec<(Ask<'_>, u32)>, run| {
                if let [(_, i)] = run {
                    *i |= STARTS;
                    return;
                }
                asks.clear();
                asks.extend(run.iter().map(|&(_, i)| (ask(i), i)));
                asks.sort_unstable_by(|(a, _), (b, _)| a.order(b));
                for (k, (slot, (a, i))) in run.iter_mut().zip(asks.iter()).enumerate() {
                    // One change's asks are equal by `same_change`, which is
                    // an equivalence: a change starts where it differs.
                    let starts = k == 0 || !asks[k - 1].0.same_change(a);
                    slot.1 = if starts { i | STARTS } else { *i };
                }
            },
        );
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (k, &(_, i)) in keyed.iter().enumerate() {
            if i & STARTS != 0 {
                if let Some(last) = runs.last_mut() {
                    last.1 = k as u32;
                }
                runs.push((k as u32, k as u32 + 1));
            }
        }
        if let Some(last) = runs.last_mut() {
            last.1 = keyed.len() as u32;
        }
        let order = keyed.iter().map(|&(_, i)| i & !STARTS).collect();
        Order { order, runs }
    }

    /// The changes, each as (start, end) for [`Changes::run`].
    pub fn runs(&self) -> &[(u32, u32)] {
        &self.order.runs
    }

    /// The asks of one change, the first being the one its row shows.
    pub fn run(&self, (start, end): (u32, u32)) -> impl Iterator<Item = Ask<'r>> + '_ {
        self.order.order[start as usize..end as usize]
            .iter()
            .map(|&i| Ask::of(&self.findings[i as usize], self.system).expect("an ask"))
    }

    /// The rule ids of one change, each once, most severe first.
    pub fn rules(&self, run: (u32, u32)) -> impl Iterator<Item = &'static str> + '_ {
        // Sorted by rule within the run: each rule once.
        let mut last = None;
        let (start, end) = run;
        let asks = &self.order.order[start as usize..end as usize];
        asks.iter().filter_map(move |&i| {
            let rule = self.findings[i as usize].rule;
            (last.replace(rule) != Some(rule)).then(|| rule.id())
        })
    }
}

/// One change to make in a system: a row of `fixes/<system>.csv` (its
/// first ask's subject, field, current value and value to set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change<'r> {
    pub subject: &'r str,
    pub field: &'r str,
    pub current: &'r str,
    /// Empty when no finding knows the value to set.
    pub to: &'r str,
}

/// The changes of `system`, in the worklist's order.
pub fn changes<'r>(r: &'r Report<'_>, system: Source) -> Vec<Change<'r>> {
    let changes = Changes::cached(&r.findings, system, &r.fix_orders);
    changes
        .runs()
        .iter()
        .map(|&run| {
            let a = changes.run(run).next().expect("a change has an ask");
            Change {
                subject: a.subject,
                field: a.field,
                current: a.current,
                to: a.to,
            }
        })
        .collect()
}

/// The first `cap` rows of `fixes/<system>.csv`, each handed to `row` as
/// its seven cells before the tracking columns (the remediation in plain
/// text, no formula prefix: the workbook writes text cells); returns how
/// many rows the whole list has.
pub fn worklist_rows<E>(
    r: &Report,
    system: Source,
    cap: usize,
    mut row: impl FnMut(&[Cow<'_, str>]) -> Result<(), E>,
) -> Result<usize, E> {
    let changes = Changes::cached(&r.findings, system, &r.fix_orders);
    for &run in changes.runs().iter().take(cap) {
        let first = changes.run(run).next().expect("a change has an ask");
        let mut remediation = String::new();
        super::csv::plain_into(&first.finding.remediation(), &mut remediation);
        row(&[
            Cow::Borrowed(system.id()),
            Cow::Borrowed(first.subject),
            Cow::Borrowed(first.field),
            Cow::Borrowed(first.current),
            Cow::Borrowed(first.to),
            Cow::Owned(changes.rules(run).collect::<Vec<_>>().join(";")),
            Cow::Owned(remediation),
        ])?;
    }
    Ok(changes.runs().len())
}

/// [`worklist`] from the findings alone.
fn write<W: Write>(changes: &Changes<'_>, system: Source, delimiter: u8, mut out: W) -> Result<()> {
    CsvOut::with_delimiter(&mut out, &FIXES_HEADER, delimiter)?.finish()?;
    in_parts(out, delimiter, changes.runs(), |p, &run| {
        let first = changes.run(run).next().expect("a change has an ask");
        for c in [
            system.id(),
            first.subject,
            first.field,
            first.current,
            first.to,
        ] {
            p.cell(c)?;
        }
        p.joined(changes.rules(run), ";")?;
        p.sentence(|s| first.finding.remediation_into(s))?;
        for _ in TRACKING {
            p.cell("")?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Rule, Scenario};

    /// Rules compare in the catalogue's order (their declaration order,
    /// which is `Rule::ALL`'s): ties in severity are broken by it.
    #[test]
    fn rules_compare_in_catalogue_order() {
        assert!(Rule::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    fn insync(
        rule: Rule,
        subject: &str,
        field: &str,
        remediation: &'static str,
    ) -> Finding<'static> {
        Finding::new(
            rule,
            Scenario::Current,
            Source::Insync,
            subject,
            "insync.csv".into(),
            3,
            field,
            subject,
            "m",
            remediation,
            None,
        )
    }

    fn to(f: Finding<'static>, from: &str, new: &str) -> Finding<'static> {
        f.with_fix(Source::Insync, from, "email", from, new)
    }

    fn list(findings: &[Finding], system: Source) -> String {
        let mut out = Vec::new();
        write(&Changes::of(findings, system), system, b',', &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const HEADER: &str = "\u{feff}source,subject,field,current_value,value_to_set,rules,remediation,status,assignee,due,notes\r\n";

    #[test]
    fn fix_lists_are_one_system_sorted_by_key_without_repeats() {
        // Subjects that tie on their first 32 bytes once lower-cased: the
        // key orders them (`a` before `b`), not the bytes (`B` before `a`).
        let long = |last: &str| format!("{}{last}@x.com", "n".repeat(36));
        let mismatch = |s: &str| insync(Rule::ExchangeRestoreMismatch, s, "email", "fix it");
        let findings = vec![
            to(mismatch("Bob@x.com"), "Bob@x.com", "robert@x.com"),
            to(mismatch(&long("B")), &long("B"), "b2@x.com"),
            to(mismatch(&long("a")), &long("a"), "a2@x.com"),
            // The same row again: written once.
            to(mismatch("Bob@x.com"), "Bob@x.com", "robert@x.com"),
            // No fix: the record's own value, nothing to set.
            insync(Rule::UntrimmedValue, "anna@x.com", "email", "fix it"),
            // Info asks for no change; a fix held by AD goes to AD's list.
            insync(
                Rule::OnmicrosoftIdentifier,
                "carl@x.onmicrosoft.com",
                "email",
                "fix it",
            ),
            insync(Rule::InactiveInIdp, "dora@x.com", "email", "fix it").with_fix(
                Source::Ad,
                "dora@x.com",
                "enabled",
                "False",
                "True",
            ),
        ];
        let n = "n".repeat(36);
        assert_eq!(
            list(&findings, Source::Insync),
            format!(
                "{HEADER}\
                 insync,anna@x.com,email,anna@x.com,,untrimmed-value,fix it,,,,\r\n\
                 insync,Bob@x.com,email,Bob@x.com,robert@x.com,exchange-restore-mismatch,fix it,,,,\r\n\
                 insync,{n}a@x.com,email,{n}a@x.com,a2@x.com,exchange-restore-mismatch,fix it,,,,\r\n\
                 insync,{n}B@x.com,email,{n}B@x.com,b2@x.com,exchange-restore-mismatch,fix it,,,,\r\n"
            )
        );
        assert_eq!(
            list(&findings, Source::Ad),
            format!("{HEADER}ad,dora@x.com,enabled,False,True,inactive-in-idp,fix it,,,,\r\n")
        );
    }

    #[test]
    fn one_change_asked_by_several_rules_is_one_row() {
        // Catalogue order: m365-sign-in-blocked (warning), then
        // exchange-restore-mismatch, then duplicate-address (both errors):
        // neither the catalogue alone nor the ids' alphabet gives the
        // order severity first, then catalogue.
        let findings = vec![
            to(
                insync(Rule::M365SignInBlocked, "bob@x.com", "email", "unblock"),
                "bob@x.com",
                "robert@x.com",
            ),
            to(
                insync(Rule::DuplicateAddress, "BOB@x.com ", "email", "dedupe"),
                "BOB@x.com",
                "robert@x.com",
            ),
            to(
                insync(
                    Rule::ExchangeRestoreMismatch,
                    "Bob@x.com",
                    "email",
                    "restore",
                ),
                "Bob@x.com",
                "robert@x.com",
            ),
            // The same rule twice for one change: named once.
            to(
                insync(Rule::DuplicateAddress, "bob@x.com", "email", "dedupe"),
                "bob@x.com",
                "robert@x.com",
            ),
            // Another value to set, or another field: another change.
            to(
                insync(Rule::DuplicateAddress, "bob@x.com", "email", "dedupe"),
                "bob@x.com",
                "bob2@x.com",
            ),
            insync(Rule::UntrimmedValue, "bob@x.com", "email", "trim"),
            insync(Rule::InvalidAddress, "Bob@x.com", "email", "correct"),
        ];
        assert_eq!(
            list(&findings, Source::Insync),
            format!(
                "{HEADER}\
                 insync,Bob@x.com,email,Bob@x.com,,invalid-address;untrimmed-value,correct,,,,\r\n\
                 insync,bob@x.com,email,bob@x.com,bob2@x.com,duplicate-address,dedupe,,,,\r\n\
                 insync,Bob@x.com,email,Bob@x.com,robert@x.com,\
                 exchange-restore-mismatch;duplicate-address;m365-sign-in-blocked,restore,,,,\r\n"
            )
        );
        // The findings' order does not matter.
        let mut reversed = findings.clone();
        reversed.reverse();
        assert_eq!(
            list(&reversed, Source::Insync),
            list(&findings, Source::Insync)
        );
    }

    /// A worklist row as the plain way gives it: every ask of the system
    /// sorted as asks, a change being the asks equal to its first by
    /// `same_change`; the row's first ask and its rules.
    fn plain_rows(findings: &[Finding], system: Source) -> Vec<[String; 6]> {
        let mut asks: Vec<Ask<'_>> = findings.iter().filter_map(|f| Ask::of(f, system)).collect();
        asks.sort_by(|a, b| a.order(b));
        let mut rows = Vec::new();
        let mut first = 0;
        for k in 1..=asks.len() {
            if k == asks.len() || !asks[first].same_change(&asks[k]) {
                let run = &asks[first..k];
                let mut rules: Vec<&str> = run.iter().map(|a| a.finding.rule.id()).collect();
                rules.dedup();
                let a = run[0];
                rows.push([
                    a.subject.to_string(),
                    a.field.to_string(),
                    a.current.to_string(),
                    a.to.to_string(),
                    rules.join(";"),
                    a.finding.remediation().to_string(),
                ]);
                first = k;
            }
        }
        rows
    }

    proptest::proptest! {
        /// The worklist's order (subjects sorted by their key prefix, then
        /// each run of one prefix as asks) is the plain sort of every ask,
        /// and its changes the plain scan's: subjects that differ only in
        /// case or spaces, or share their first 32 bytes.
        #[test]
        fn sorted_as_a_plain_sort_of_asks(
            asks in proptest::collection::vec(
                (0usize..6, 0usize..3, 0usize..2, 0usize..3, 0usize..4, 0usize..2),
                0..40,
            )
        ) {
            let long = "n".repeat(34);
            let subjects = [
                "bob@x.com".to_string(),
                "Bob@x.com".to_string(),
                " bob@x.com".to_string(),
                "al@x.com".to_string(),
                format!("{long}a@x.com"),
                format!("{long}B@x.com"),
            ];
            let rules = [
                Rule::ExchangeRestoreMismatch,
                Rule::DuplicateAddress,
                Rule::M365SignInBlocked,
                Rule::UntrimmedValue,
            ];
            let findings: Vec<Finding<'static>> = asks
                .iter()
                .map(|&(s, to_k, field, rule, _, rem)| {
                    let subject = subjects[s].as_str();
                    let f = insync(
                        rules[rule % rules.len()],
                        subject,
                        ["email", "ad_attribute"][field],
                        ["fix it", "other fix"][rem],
                    );
                    match to_k {
                        0 => f,
                        k => to(f, subject, ["", "a@x.com", "b@x.com"][k]),
                    }
                })
                .collect();
            let changes = Changes::of(&findings, Source::Insync);
            let rows: Vec<[String; 6]> = changes
                .runs()
                .iter()
                .map(|&run| {
                    let a = changes.run(run).next().unwrap();
                    [
                        a.subject.to_string(),
                        a.field.to_string(),
                        a.current.to_string(),
                        a.to.to_string(),
                        changes.rules(run).collect::<Vec<_>>().join(";"),
                        a.finding.remediation().to_string(),
                    ]
                })
                .collect();
            proptest::prop_assert_eq!(rows, plain_rows(&findings, Source::Insync));
        }
    }
}
