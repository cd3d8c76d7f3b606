//! Change rules (scenario `planned`, source `okta`): what the new mapping
//! does to provisioning. Okta matches an existing inSync user by userName;
//! a userName that no longer equals the user's inSync email creates a
//! second inSync user, and one that equals someone else's joins the wrong
//! account.

use super::{Ctx, Finding, Rule, Scenario, list};
use crate::model::{OktaStatus, Source, address_problem, cmp_key, key, key_hash, same_key};
use rayon::prelude::*;
use std::borrow::Cow;

/// Characters Druva's SCIM provisioning stores as `_`.
pub const DRUVA_REWRITES: &[char] = &['?', '*', '/', '\\', '<', '>'];

/// One inSync email change to make before the mapping change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Remediation {
    pub insync_email_current: String,
    pub insync_email_new: String,
    pub okta_login: String,
    pub reason: Cow<'static, str>,
}

impl Remediation {
    /// The cells of a `remediation.csv` row.
    pub fn cells(&self) -> [&str; 4] {
        [
            &self.insync_email_current,
            &self.insync_email_new,
            &self.okta_login,
            &self.reason,
        ]
    }
}

/// The change findings and the inSync email changes they ask for.
///
/// Findings come in chunks (see [`super::check`]).
pub(crate) fn check(ctx: &Ctx<'_, '_>) -> (Vec<Vec<Finding>>, Vec<Remediation>) {
    let l = ctx.l;
    let t = l.t;
    if l.planned.is_none() {
        return (Vec::new(), Vec::new());
    }
    let s = &t.settings;
    let un_attr = s.plan_user_name.value.as_str();
    let scenario = Scenario::Planned;
    // (hash of the planned userName's key, Okta user), for remap-shared-value.
    type Part = (Vec<Finding>, Vec<Remediation>, Vec<(u64, u32)>);
    // Each Okta user is checked on its own: in parallel, a chunk of users
    // at a time, the parts joined once (the order is set by the sort).
    let each = |o: usize,
                out: &mut Vec<Finding>,
                fixes: &mut Vec<Remediation>,
                by_new: &mut Vec<(u64, u32)>| {
        let okta = &t.okta[o];
        if okta.status != OktaStatus::Active {
            return;
        }
        let o = o as u32;
        let v = t.okta_values(o);
        let new = v.plan_user_name.trim();
        let login = okta.login.trim();
        let f = |rule, field: &str, value: &str, message: String, fix: Cow<'static, str>| {
            ctx.record(Source::Okta, o, rule, scenario, field, value, message, fix)
        };
        if new.is_empty() {
            out.push(f(
                Rule::RemapValueMissing,
                un_attr,
                "",
                format!("Okta user `{login}` has no value in `{un_attr}`, the attribute that will feed Druva userName (the inSync email)"),
                format!("In the Okta Admin Console, fill `{un_attr}` for this user before changing the mapping").into(),
            ));
        }
        if let Some(upn_attr) = s.plan_upn.value.as_deref()
            && v.plan_upn.trim().is_empty()
        {
            out.push(f(
                Rule::RemapValueMissing,
                upn_attr,
                "",
                format!("Okta user `{login}` has no value in `{upn_attr}`, the attribute that will feed Druva userPrincipalName (the inSync AD attribute)"),
                format!("In the Okta Admin Console, fill `{upn_attr}` for this user before changing the mapping").into(),
            ));
        }
        if new.is_empty() {
            return;
        }
        by_new.push((key_hash(new), o));
        if new.contains(DRUVA_REWRITES) {
            let stored: String = new
                .chars()
                .map(|c| if DRUVA_REWRITES.contains(&c) { '_' } else { c })
                .collect();
            out.push(f(
                Rule::DruvaCharacterRewrite,
                un_attr,
                new,
                format!("The planned userName `{new}` holds characters Druva's SCIM provisioning replaces with `_`: inSync would store `{stored}`, which matches nothing in Microsoft 365"),
                format!("Change `{un_attr}` in Okta to an address without ? * / \\ < >").into(),
            ));
        }
        let linked = ctx.lk.okta_insync(o);
        let me = l.okta_person[o as usize];
        // The value already is an inSync user: whose?
        let holders: Vec<u32> = ctx
            .lk
            .insync_by_email
            .get(new)
            .iter()
            .copied()
            .filter(|u| !linked.contains(u))
            .collect();
        for &u in linked {
            let current = t.insync[u as usize].email.trim();
            if same_key(current, new) {
                continue;
            }
            let same_person_holder = holders.iter().any(|&h| l.insync_person[h as usize] == me);
            // Whether the new value can be applied as it is: not onto another
            // person's inSync email, not an invalid address, not a value
            // Druva would rewrite (those need the Okta value fixed first).
            // Templates over [login, current, new, userName attribute]: this
            // rule fires for nearly every user of the classic change.
            let blocker = if holders.iter().any(|&h| l.insync_person[h as usize] != me) {
                Some(
                    "Do not rename `{1}` to `{2}`: it is another person's inSync email (see remap-collision). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping",
                )
            } else if address_problem(new).is_some() {
                Some(
                    "Do not rename `{1}` to `{2}`: it is not a valid address (see invalid-address). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping",
                )
            } else if new.contains(DRUVA_REWRITES) {
                Some(
                    "Do not rename `{1}` to `{2}`: Druva would store it with `_` (see druva-character-rewrite). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping",
                )
            } else {
                None
            };
            let message = if same_person_holder {
                "Okta user `{0}` is provisioned today as inSync user `{1}`; after the change Okta sends userName `{2}`, which is this person's other inSync user: Okta will provision that account, and `{1}` with its backups is left to itself"
            } else {
                "Okta user `{0}` is provisioned today as inSync user `{1}`; after the change Okta sends userName `{2}`, which matches no existing account of this user, so the next push creates a second inSync user"
            };
            let fix = match (blocker, same_person_holder) {
                (Some(template), _) => template,
                (None, true) => {
                    "inSync user `{2}` already exists and belongs to the same person: in the inSync Management Console preserve (or have Druva Support merge) that duplicate first, then change the email of `{1}` to `{2}`, before changing the Okta mapping"
                }
                (None, false) => {
                    "In the inSync Management Console change the email of `{1}` to `{2}` before changing the Okta mapping (the user must reset the inSync password afterwards)"
                }
            };
            let finding = f(
                Rule::DuplicateOnRemap,
                un_attr,
                new,
                String::new(),
                "".into(),
            )
            .templated(&[login, current, new, un_attr], message, fix);
            out.push(match blocker {
                None => finding.with_fix(Source::Insync, current, "email", current, new),
                Some(_) => finding,
            });
            if blocker.is_none() {
                fixes.push(Remediation {
                    insync_email_current: current.to_string(),
                    insync_email_new: new.to_string(),
                    okta_login: login.to_string(),
                    reason: if same_person_holder {
                        format!("duplicate-on-remap: preserve or merge the existing inSync user {new} first").into()
                    } else {
                        "duplicate-on-remap: Okta will send the new userName".into()
                    },
                });
            }
        }
        for &h in &holders {
            if l.insync_person[h as usize] == me {
                continue;
            }
            let other = t.insync[h as usize].email.trim();
            let owner = ctx
                .lk
                .okta_of(h)
                .map(|x| t.okta[x as usize].login.trim().to_string());
            let whose = match owner {
                Some(owner) => format!("the inSync user of Okta user `{owner}`"),
                None => format!("inSync user `{other}`, who is another person"),
            };
            out.push(f(
                Rule::RemapCollision,
                un_attr,
                new,
                format!("After the change Okta sends userName `{new}` for `{login}`, but `{new}` is already {whose}: Okta would join `{login}` to that account and its backups"),
                format!("Correct `{un_attr}` of `{login}` in Okta, or the email of inSync user `{other}`, so that each person keeps a distinct address").into(),
            ));
        }
    };
    const CHUNK: usize = 1 << 14;
    let parts: Vec<Part> = t
        .okta
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut part = Part::default();
            for o in c * CHUNK..c * CHUNK + chunk.len() {
                each(o, &mut part.0, &mut part.1, &mut part.2);
            }
            part
        })
        .collect();
    let mut chunks = Vec::with_capacity(parts.len() + 1);
    let mut fixes = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
    let mut by_new = Vec::with_capacity(parts.iter().map(|p| p.2.len()).sum());
    for (o, f, b) in parts {
        chunks.push(o);
        fixes.extend(f);
        by_new.extend(b);
    }
    let mut out = Vec::new();
    // Okta users sharing a planned value: same hash, then the same key (a
    // hash collision must not join two values); by key, members in order.
    by_new.par_sort_unstable();
    let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
    for run in by_new.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let mut keyed: Vec<(String, u32)> = run
            .iter()
            .map(|&(_, o)| (key(t.okta_values(o).plan_user_name), o))
            .collect();
        keyed.sort_unstable();
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            if group.len() > 1 {
                groups.push((group[0].0.clone(), group.iter().map(|e| e.1).collect()));
            }
        }
    }
    groups.sort_unstable();
    for (_, members) in &groups {
        for &o in members {
            let okta = &t.okta[o as usize];
            let others: Vec<String> = members
                .iter()
                .filter(|&&x| x != o)
                .map(|&x| t.okta[x as usize].login.trim().to_string())
                .collect();
            let new = t.okta_values(o).plan_user_name.trim();
            out.push(ctx.record(Source::Okta,
                o,
                Rule::RemapSharedValue,
                scenario,
                un_attr,
                new,
                format!("Okta user `{}` and {} would all be sent userName `{new}`: only one inSync user can have it", okta.login.trim(), list(&others)),
                format!("Give each of these Okta users their own `{un_attr}` before changing the mapping"),
            ));
        }
    }
    // Each with its key prefix, computed once rather than per comparison.
    let mut keyed: Vec<(u64, Remediation)> = fixes
        .into_par_iter()
        .map(|r| (crate::model::key_prefix(&r.insync_email_current), r))
        .collect();
    keyed.par_sort_unstable_by(|(pa, a), (pb, b)| {
        pa.cmp(pb)
            .then_with(|| cmp_key(&a.insync_email_current, &b.insync_email_current))
            .then_with(|| cmp_key(&a.insync_email_new, &b.insync_email_new))
            .then_with(|| a.cmp(b))
    });
    keyed.dedup_by(|a, b| a.1 == b.1);
    let fixes = keyed.into_iter().map(|(_, r)| r).collect();
    chunks.push(out);
    (chunks, fixes)
}
