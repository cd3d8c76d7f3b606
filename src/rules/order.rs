//! The findings' order in every output ([`sort`]), and [`permute`], which
//! puts a large vector in an order found for its places.

use super::{Finding, Rule};
use rayon::prelude::*;
use std::cmp::Ordering;

/// Sorts findings into their output order and drops exact repeats.
///
/// Each finding gets a 24-byte prefix of its order (severity, rule,
/// scenario, source, the first bytes of the normalised subject); findings
/// are compared in full only when their prefixes tie.
pub fn sort(findings: &mut Vec<Finding<'_>>) {
    let mut ids: Vec<Rule> = Rule::ALL.to_vec();
    ids.sort_by_key(|r| r.id());
    let mut rank = [0u8; 64];
    for (n, r) in ids.iter().enumerate() {
        rank[*r as usize] = n as u8;
    }
    // Severity, rule rank, scenario and source in two bytes, then the first
    // 22 bytes of the normalised subject: compared as bytes, in the order
    // of `Finding::order` wherever two prefixes differ.
    let prefix = |f: &Finding<'_>| -> [u8; 24] {
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
    // Exact repeats are side by side, and only findings whose prefixes
    // tie can be one: the others are not compared again (in parallel,
    // before the findings move).
    let repeat: Vec<bool> = (0..order.len())
        .into_par_iter()
        .map(|k| {
            k > 0 && order[k].0 == order[k - 1].0 && {
                let (a, b) = (order[k].1 as usize, order[k - 1].1 as usize);
                findings[a].order(&findings[b]) == Ordering::Equal
            }
        })
        .collect();
    // Position k takes the finding at perm[k]: applied in place, so no
    // second vector of findings is built.
    let perm: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
    permute(findings, perm);
    let mut k = 0;
    findings.retain(|_| {
        k += 1;
        !repeat[k - 1]
    });
}

/// Reorders `items` so that position k holds what was at `from[k]`
/// (`from` a permutation of the positions), by swaps.
pub(crate) fn permute<T>(items: &mut [T], mut from: Vec<u32>) {
    debug_assert_eq!(items.len(), from.len());
    for start in 0..from.len() {
        let mut cur = start;
        while from[cur] != u32::MAX {
            let next = from[cur] as usize;
            from[cur] = u32::MAX;
            if next == start {
                break;
            }
            items.swap(cur, next);
            cur = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Applied by swaps as a plain gather would: position k holds
        /// what was at from[k].
        #[test]
        fn permute_is_a_gather(order in proptest::collection::vec(0u32..1000, 0..200)) {
            // A permutation of 0..n from the random keys.
            let mut from: Vec<u32> = (0..order.len() as u32).collect();
            from.sort_by_key(|&i| (order[i as usize], i));
            let items: Vec<u32> = (0..order.len() as u32).map(|i| i * 7 + 1).collect();
            let gathered: Vec<u32> = from.iter().map(|&i| items[i as usize]).collect();
            let mut permuted = items.clone();
            permute(&mut permuted, from);
            proptest::prop_assert_eq!(permuted, gathered);
        }

        /// Sorted and without exact repeats, as a plain sort by
        /// `Finding::order` and a dedup would leave them: findings of a few
        /// rules, subjects that share their first 22 bytes or differ only
        /// in case, repeated values and messages.
        #[test]
        fn sort_is_a_plain_sort_and_dedup(
            picks in proptest::collection::vec(
                (0usize..3, 0usize..4, 0usize..3, 0usize..2, 0u32..3),
                0..120,
            ),
        ) {
            use crate::model::Source;
            use crate::rules::Scenario;
            let rules = [Rule::DuplicateOnRemap, Rule::CaseOnlyMatch, Rule::InvalidAddress];
            let subjects = [
                "averyveryverylongname.one@contoso.com",
                "averyveryverylongname.two@contoso.com",
                "AVERYVERYVERYLONGNAME.ONE@contoso.com",
                "b@contoso.com",
            ];
            let values = ["", "x@contoso.com", "y"];
            let messages = ["m", "n"];
            let findings: Vec<Finding<'static>> = picks
                .iter()
                .map(|&(r, s, v, m, row)| {
                    Finding::new(
                        rules[r], Scenario::Current, Source::Okta, subjects[s],
                        "okta.csv".into(), row, "email", values[v], messages[m], "", None,
                    )
                })
                .collect();
            let mut plain = findings.clone();
            plain.sort_by(|a, b| a.order(b));
            plain.dedup_by(|a, b| a.order(b) == Ordering::Equal);
            let mut sorted = findings;
            sort(&mut sorted);
            proptest::prop_assert_eq!(sorted, plain);
        }
    }
}
