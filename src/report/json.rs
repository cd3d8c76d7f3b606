//! `summary.json`: verdict, counts, settings (with what was inferred),
//! skipped checks, inputs, version. Keys are sorted maps, so the bytes are
//! the same for the same audit.

use super::Report;
use anyhow::Result;
use serde_json::json;

pub fn summary(r: &Report) -> Result<Vec<u8>> {
    let mut value = json!({
        "verdict": r.verdict.id(),
        "verdict_reasons": r.verdict_reasons,
        "change_plan": r.change_plan,
        "counts": r.counts(),
        "severities": r.severities(),
        "settings": r.settings,
        "skipped": r.skipped,
        "inputs": r.inputs,
        "persons": r.persons,
        "coverage": r.coverage,
        "single_system_persons": r.single_system,
        "errors_by_scenario": {
            "current": r.errors_in(crate::rules::Scenario::Current),
            "planned": r.errors_in(crate::rules::Scenario::Planned),
            "any": r.errors_in(crate::rules::Scenario::Any),
        },
        "redacted": r.redacted,
        "version": r.version,
    });
    // Who the report is for, when the consultant said so.
    for (key, v) in [("customer", &r.customer), ("author", &r.author)] {
        if let Some(v) = v {
            value[key] = json!(v);
        }
    }
    if let Some(d) = &r.delta {
        value["delta"] =
            json!({ "new": d.count("new"), "open": d.count("open"), "fixed": d.count("fixed") });
    }
    if let Some(w) = &r.waived {
        let mut by_rule = std::collections::BTreeMap::new();
        for x in w {
            *by_rule.entry(x.finding.rule.id()).or_insert(0usize) += 1;
        }
        value["waived"] = json!(by_rule);
    }
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    Ok(bytes)
}
