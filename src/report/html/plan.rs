//! The `plan` section: the steps of the change plan.

use super::text::{Text, plural, text};
use serde::Serialize;

/// A step of the change plan as the report shows it.
#[derive(Serialize)]
pub(super) struct PlanStepView {
    title: String,
    persons_text: String,
    /// Sentences whose `backticked` values show as code.
    detail: Text,
    window: Text,
}

impl PlanStepView {
    pub(super) fn build(s: &crate::report::plan::Step) -> PlanStepView {
        let mut persons_text = plural(s.persons, "person", "persons");
        if let Some(done) = s.done {
            persons_text.push_str(&format!(", {done} done"));
        }
        PlanStepView {
            title: s.title.clone(),
            persons_text,
            detail: text(&s.detail),
            window: text(&s.window),
        }
    }
}
