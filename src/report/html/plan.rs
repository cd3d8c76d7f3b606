//! The `plan` section: the steps of the change plan.

use super::text::plural;
use serde::Serialize;

/// A step of the change plan as the report shows it.
#[derive(Serialize)]
pub(super) struct PlanStepView {
    title: String,
    persons_text: String,
    detail: String,
    window: String,
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
            detail: s.detail.clone(),
            window: s.window.clone(),
        }
    }
}
