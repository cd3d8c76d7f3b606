//! [`Sink`]: where the rule families put their findings as they make them.
//!
//! The families check the persons in parallel, a chunk at a time. Each
//! chunk's findings used to be returned and joined into one vector at the
//! end: at a million persons that new vector (2.3M findings, 350 MB) was
//! filled while every chunk was still held (the allocator keeps freed
//! memory for a while), so the findings were in memory twice, the peak of
//! the whole run. A chunk now goes into one vector as soon as it is made,
//! and the chunk's memory is reused by the next chunk of the same thread.
//! The vector is then put in the order the join gave (family, then chunk),
//! so what follows sees the same findings in the same order as before.

use super::Finding;
use std::sync::Mutex;

/// The rule families, in the order their findings are taken: the order
/// the chunks were joined in before, which the sort's result rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Family {
    /// The scenario rules, today's scenario.
    Current,
    /// The scenario rules, the planned scenario.
    Planned,
    Change,
    Hygiene,
    Uupic,
}

/// A chunk's place in the findings' order: its family, then its number
/// within the family.
pub(crate) type Part = (Family, u32);

/// The findings of every family, collected as they are made.
pub(crate) struct Sink<'t> {
    inner: Mutex<Collected<'t>>,
}

#[derive(Default)]
struct Collected<'t> {
    findings: Vec<Finding<'t>>,
    /// Per chunk received: its place, where it starts in `findings` and
    /// how many findings it holds.
    chunks: Vec<(Part, usize, usize)>,
}

impl<'t> Sink<'t> {
    /// A sink with room for about `expected` findings: room that is never
    /// written costs address space, not memory.
    pub(crate) fn with_capacity(expected: usize) -> Sink<'t> {
        Sink {
            inner: Mutex::new(Collected {
                findings: Vec::with_capacity(expected),
                chunks: Vec::new(),
            }),
        }
    }

    /// Takes the findings of one chunk.
    pub(crate) fn put(&self, part: Part, mut findings: Vec<Finding<'t>>) {
        if findings.is_empty() {
            return;
        }
        // A poisoned lock means a rule panicked: the run ends with it.
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let start = c.findings.len();
        c.chunks.push((part, start, findings.len()));
        c.findings.append(&mut findings);
    }

    /// Every finding, in the order of their chunks' places (and within a
    /// chunk, as made), whatever order the chunks came in.
    pub(crate) fn into_findings(self) -> Vec<Finding<'t>> {
        let Collected {
            mut findings,
            mut chunks,
        } = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        chunks.sort_unstable_by_key(|c| c.0);
        // Position k takes the finding now at from[k]: applied in place,
        // cycle by cycle, so no second vector of findings is built.
        let mut from: Vec<u32> = Vec::with_capacity(findings.len());
        for &(_, start, len) in &chunks {
            from.extend((start..start + len).map(|i| i as u32));
        }
        super::order::permute(&mut findings, from);
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    fn chunk(tag: &str, n: usize) -> Vec<Finding<'static>> {
        (0..n)
            .map(|k| Finding::example(Rule::DuplicateOnRemap, &format!("{tag}{k}")))
            .collect()
    }

    fn subjects(findings: &[Finding]) -> Vec<String> {
        findings.iter().map(|f| f.subject().to_string()).collect()
    }

    #[test]
    fn chunks_come_out_in_the_order_of_their_places_whatever_order_they_came_in() {
        let sink = Sink::with_capacity(0);
        sink.put((Family::Change, 0), chunk("c", 2));
        sink.put((Family::Current, 7), chunk("b", 1));
        sink.put((Family::Hygiene, 0), Vec::new());
        sink.put((Family::Current, 3), chunk("a", 3));
        sink.put((Family::Change, u32::MAX), chunk("d", 1));
        assert_eq!(
            subjects(&sink.into_findings()),
            ["a0", "a1", "a2", "b0", "c0", "c1", "d0"]
        );
    }

    #[test]
    fn chunks_put_from_many_threads_come_out_in_order() {
        use rayon::prelude::*;
        let sink = Sink::with_capacity(10);
        (0..64u32).into_par_iter().for_each(|c| {
            sink.put(
                (Family::Planned, c),
                chunk(&format!("{c:02}-"), (c % 5) as usize),
            );
        });
        let expected: Vec<String> = (0..64u32)
            .flat_map(|c| (0..c % 5).map(move |k| format!("{c:02}-{k}")))
            .collect();
        assert_eq!(subjects(&sink.into_findings()), expected);
    }
}
