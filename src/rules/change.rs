//! Change rules (scenario `planned`, source `okta`): what the new mapping
//! does to provisioning. Okta matches an existing inSync user by userName;
//! a userName that no longer equals the user's inSync email creates a
//! second inSync user, and one that equals someone else's joins the wrong
//! account.

use super::sink::{Family, Sink};
use super::{About, Ctx, Finding, FixRef, Read, Rule, Said, Scenario, list};
use crate::model::{
    KeyId, OktaStatus, Source, address_problem, be_words, cmp_key, key, key_prefix_bytes,
};
use crate::tenant::Tenant;
use rayon::prelude::*;
use std::borrow::Cow;

/// Characters Druva's SCIM provisioning stores as `_`.
pub const DRUVA_REWRITES: &[char] = &['?', '*', '/', '\\', '<', '>'];

/// One inSync email change to make before the mapping change: Okta user
/// `okta`'s inSync user `insync` takes the planned userName as its email.
/// A row of `remediation.csv`; its values are read from the tenant
/// ([`Remediation::cells`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remediation {
    pub okta: u32,
    pub insync: u32,
    /// Whether the new email is this person's other inSync user (to be
    /// preserved or merged first).
    pub same_person_holder: bool,
    /// The key id of the new email among the tenant's addresses (the
    /// change plan looks it up among the Microsoft 365 UPNs); not an output.
    pub insync_email_new_key: KeyId,
}

impl Remediation {
    /// The cells of its `remediation.csv` row: `insync_email_current`,
    /// `insync_email_new`, `okta_login`, `reason`.
    pub fn cells<'t>(&self, t: &'t Tenant) -> [Cow<'t, str>; 4] {
        let new = t.okta_values(self.okta).plan_user_name.trim();
        let reason = if self.same_person_holder {
            format!("duplicate-on-remap: preserve or merge the existing inSync user {new} first")
                .into()
        } else {
            "duplicate-on-remap: Okta will send the new userName".into()
        };
        [
            t.insync[self.insync as usize].email().trim().into(),
            new.into(),
            t.okta[self.okta as usize].login().trim().into(),
            reason,
        ]
    }
}

/// The change findings and the inSync email changes they ask for.
///
/// Findings come in chunks (see [`super::check`]): each active Okta user is
/// checked on its own, in parallel, a chunk of users at a time, by the
/// rule functions below; `remap-shared-value` compares users at the end.
pub(crate) fn check<'t>(ctx: &Ctx<'_, 't>, sink: &Sink<'t>) -> Vec<Remediation> {
    let t = ctx.l.t;
    if ctx.l.planned.is_none() {
        return Vec::new();
    }
    // (key id of the planned userName, Okta user), for remap-shared-value.
    type Part<'t> = (Vec<Remediation>, Vec<(KeyId, u32)>);
    const CHUNK: usize = 1 << 14;
    let parts: Vec<Part<'t>> = t
        .okta
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut out = Vec::new();
            let (mut fixes, mut by_new) = Part::default();
            for o in c * CHUNK..c * CHUNK + chunk.len() {
                let o = o as u32;
                if t.okta[o as usize].status != OktaStatus::Active {
                    continue;
                }
                remap_value_missing(ctx, o, &mut out);
                let Some(p) = Planned::of(ctx, o) else {
                    continue;
                };
                by_new.push((p.new_key, o));
                druva_character_rewrite(ctx, &p, &mut out);
                duplicate_on_remap(ctx, &p, &mut out, &mut fixes);
                remap_collision(ctx, &p, &mut out);
            }
            sink.put((Family::Change, c as u32), out);
            (fixes, by_new)
        })
        .collect();
    let mut fixes = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut by_new = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
    for (f, b) in parts {
        fixes.extend(f);
        by_new.extend(b);
    }
    sink.put((Family::Change, u32::MAX), remap_shared_value(ctx, by_new));
    sorted(ctx.l.t, fixes)
}

/// What the change rules know of one active Okta user with a planned
/// userName.
struct Planned<'a, 't> {
    o: u32,
    login: &'t str,
    /// The planned userName, trimmed (never empty).
    new: &'t str,
    /// Its key id.
    new_key: KeyId,
    /// The inSync users linked to this Okta user today.
    linked: &'a [u32],
    /// Other inSync users whose email is the planned userName.
    holders: Vec<u32>,
    /// The person of this Okta user.
    me: u32,
}

impl<'a, 't> Planned<'a, 't> {
    fn of(ctx: &Ctx<'a, 't>, o: u32) -> Option<Planned<'a, 't>> {
        let l = ctx.l;
        let t = l.t;
        let new = t.okta_values(o).plan_user_name.trim();
        if new.is_empty() {
            return None;
        }
        let linked = ctx.lk.okta_insync(o);
        let new_key = ctx.lk.addresses.okta(o).plan_user_name;
        let holders: Vec<u32> = ctx
            .lk
            .insync_by_email
            .get(new_key)
            .iter()
            .copied()
            .filter(|u| !linked.contains(u))
            .collect();
        Some(Planned {
            o,
            login: t.okta[o as usize].login().trim(),
            new,
            new_key,
            linked,
            holders,
            me: l.okta_person[o as usize],
        })
    }
}
/// A change finding is about an Okta user after the change.
fn planned(source: Source, record: u32) -> About {
    About::new(source, record, Scenario::Planned)
}

/// The userName attribute of the plan (`plan.user_name`).
fn un_attr<'t>(ctx: &Ctx<'_, 't>) -> &'t str {
    ctx.l.t.settings.plan_user_name.value.as_str()
}

/// `remap-value-missing`: the attribute that will feed userName (or
/// userPrincipalName) is empty for an active Okta user.
fn remap_value_missing(ctx: &Ctx<'_, '_>, o: u32, out: &mut Vec<Finding>) {
    let t = ctx.l.t;
    let s = &t.settings;
    let v = t.okta_values(o);
    let login = t.okta[o as usize].login().trim();
    // Each attribute the change feeds: userName, and userPrincipalName
    // when the plan maps one.
    let fed = [
        Some((
            un_attr(ctx),
            v.plan_user_name,
            "userName (the inSync email)",
        )),
        s.plan_upn
            .value
            .as_deref()
            .map(|a| (a, v.plan_upn, "userPrincipalName (the inSync AD attribute)")),
    ];
    for (attr, value, feeds) in fed.into_iter().flatten() {
        if value.trim().is_empty() {
            out.push(ctx.about(
                planned(Source::Okta, o),
                Rule::RemapValueMissing,
                attr,
                "",
                format!("Okta user `{login}` has no value in `{attr}`, the attribute that will feed Druva {feeds}"),
                format!("In the Okta Admin Console, fill `{attr}` for this user before changing the mapping").into(),
            ));
        }
    }
}

/// `druva-character-rewrite`: the planned userName holds characters Druva
/// stores as `_`.
fn druva_character_rewrite(ctx: &Ctx<'_, '_>, p: &Planned<'_, '_>, out: &mut Vec<Finding>) {
    let new = p.new;
    if !new.contains(DRUVA_REWRITES) {
        return;
    }
    let un_attr = un_attr(ctx);
    let stored: String = new
        .chars()
        .map(|c| if DRUVA_REWRITES.contains(&c) { '_' } else { c })
        .collect();
    out.push(ctx.about(
        planned(Source::Okta, p.o),
        Rule::DruvaCharacterRewrite,
        un_attr,
        new,
        format!("The planned userName `{new}` holds characters Druva's SCIM provisioning replaces with `_`: inSync would store `{stored}`, which matches nothing in Microsoft 365"),
        format!("Change `{un_attr}` in Okta to an address without ? * / \\ < >").into(),
    ));
}

/// `duplicate-on-remap`: each inSync user linked today whose email is not
/// the planned userName gets a second inSync user at the next push; with
/// the email change to make first, unless something blocks it.
fn duplicate_on_remap<'t>(
    ctx: &Ctx<'_, 't>,
    p: &Planned<'_, 't>,
    out: &mut Vec<Finding<'t>>,
    fixes: &mut Vec<Remediation>,
) {
    let l = ctx.l;
    let t = l.t;
    let (login, new) = (p.login, p.new);
    let same_person_holder = p
        .holders
        .iter()
        .any(|&h| l.insync_person[h as usize] == p.me);
    let other_person_holder = p
        .holders
        .iter()
        .any(|&h| l.insync_person[h as usize] != p.me);
    for &u in p.linked {
        if ctx.lk.addresses.insync(u).email == p.new_key {
            continue;
        }
        let current = t.insync[u as usize].email().trim();
        // Whether the new value can be applied as it is: not onto another
        // person's inSync email, not an invalid address, not a value
        // Druva would rewrite (those need the Okta value fixed first).
        let blocker = if other_person_holder {
            Blocker::OtherPerson
        } else if address_problem(new).is_some() {
            Blocker::Invalid
        } else if new.contains(DRUVA_REWRITES) {
            Blocker::Rewritten
        } else {
            Blocker::None
        };
        // This rule fires for nearly every user of the classic change: the
        // finding holds the records, its sentences are said when written.
        let remap = Remap {
            okta: p.o,
            insync: u,
            blocker,
            same_person_holder,
        };
        debug_assert_eq!(
            remap.said(t).args,
            [login, current, new, un_attr(ctx)],
            "the finding reads back the values the rule saw"
        );
        out.push(ctx.read(
            planned(Source::Okta, p.o),
            Rule::DuplicateOnRemap,
            Read::DuplicateOnRemap(remap),
        ));
        if blocker == Blocker::None {
            fixes.push(Remediation {
                okta: p.o,
                insync: u,
                same_person_holder,
                insync_email_new_key: p.new_key,
            });
        }
    }
}

/// A `duplicate-on-remap` finding: Okta user `okta` would no longer reach
/// its inSync user `insync`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Remap {
    pub okta: u32,
    pub insync: u32,
    blocker: Blocker,
    /// Whether the planned userName is this person's other inSync user.
    same_person_holder: bool,
}

/// What keeps a `duplicate-on-remap`'s new value from being applied as it
/// is (then the Okta value is to be fixed first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Blocker {
    None,
    /// It is another person's inSync email.
    OtherPerson,
    /// It is not a valid address.
    Invalid,
    /// Druva would store it with `_`.
    Rewritten,
}

impl Remap {
    /// Where the fix goes: the inSync email, unless something blocks it.
    pub(crate) fn fix_system(&self) -> Option<Source> {
        (self.blocker == Blocker::None).then_some(Source::Insync)
    }

    /// The finding's values and sentences: templates over [login, current
    /// inSync email, planned userName, userName attribute].
    pub(crate) fn said<'t>(&self, t: &'t Tenant) -> Said<'t> {
        let login = t.okta[self.okta as usize].login().trim();
        let new = t.okta_values(self.okta).plan_user_name.trim();
        let current = t.insync[self.insync as usize].email().trim();
        let un_attr = t.settings.plan_user_name.value.as_str();
        let message = if self.same_person_holder {
            "Okta user `{0}` is provisioned today as inSync user `{1}`; after the change Okta sends userName `{2}`, which is this person's other inSync user: Okta will provision that account, and `{1}` with its backups is left to itself"
        } else {
            "Okta user `{0}` is provisioned today as inSync user `{1}`; after the change Okta sends userName `{2}`, which matches no existing account of this user, so the next push creates a second inSync user"
        };
        let remediation = match (self.blocker, self.same_person_holder) {
            (Blocker::OtherPerson, _) => {
                "Do not rename `{1}` to `{2}`: it is another person's inSync email (see remap-collision). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping"
            }
            (Blocker::Invalid, _) => {
                "Do not rename `{1}` to `{2}`: it is not a valid address (see invalid-address). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping"
            }
            (Blocker::Rewritten, _) => {
                "Do not rename `{1}` to `{2}`: Druva would store it with `_` (see druva-character-rewrite). First correct `{3}` of `{0}` in the Okta Admin Console, then change the inSync email of `{1}` to the corrected value before changing the mapping"
            }
            (Blocker::None, true) => {
                "inSync user `{2}` already exists and belongs to the same person: in the inSync Management Console preserve (or have Druva Support merge) that duplicate first, then change the email of `{1}` to `{2}`, before changing the Okta mapping"
            }
            (Blocker::None, false) => {
                "In the inSync Management Console change the email of `{1}` to `{2}` before changing the Okta mapping (the user must reset the inSync password afterwards)"
            }
        };
        Said {
            field: un_attr,
            value: new,
            args: [login, current, new, un_attr],
            message,
            remediation,
            fix: self.fix_system().map(|system| FixRef {
                system,
                subject: current,
                field: "email",
                current,
                to: new,
            }),
        }
    }
}

/// `remap-collision`: the planned userName is the inSync email of another
/// person.
fn remap_collision(ctx: &Ctx<'_, '_>, p: &Planned<'_, '_>, out: &mut Vec<Finding>) {
    let l = ctx.l;
    let t = l.t;
    let (login, new, un_attr) = (p.login, p.new, un_attr(ctx));
    for &h in &p.holders {
        if l.insync_person[h as usize] == p.me {
            continue;
        }
        let other = t.insync[h as usize].email().trim();
        let owner = ctx
            .lk
            .okta_of(h)
            .map(|x| t.okta[x as usize].login().trim().to_string());
        let whose = match owner {
            Some(owner) => format!("the inSync user of Okta user `{owner}`"),
            None => format!("inSync user `{other}`, who is another person"),
        };
        out.push(ctx.about(
            planned(Source::Okta, p.o),
            Rule::RemapCollision,
            un_attr,
            new,
            format!("After the change Okta sends userName `{new}` for `{login}`, but `{new}` is already {whose}: Okta would join `{login}` to that account and its backups"),
            format!("Correct `{un_attr}` of `{login}` in Okta, or the email of inSync user `{other}`, so that each person keeps a distinct address").into(),
        ));
    }
}

/// `remap-shared-value`: active Okta users that would all send one
/// userName. `by_new` is (key id of the planned userName, Okta user).
fn remap_shared_value(ctx: &Ctx<'_, '_>, mut by_new: Vec<(KeyId, u32)>) -> Vec<Finding<'static>> {
    let t = ctx.l.t;
    let un_attr = un_attr(ctx);
    let mut out = Vec::new();
    // Okta users sharing a planned value (its key's id); by key, members
    // in order.
    by_new.par_sort_unstable();
    let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
    for run in by_new.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            let k = key(t.okta_values(run[0].1).plan_user_name);
            groups.push((k, run.iter().map(|e| e.1).collect()));
        }
    }
    groups.sort_unstable();
    for (_, members) in &groups {
        for &o in members {
            let okta = &t.okta[o as usize];
            let others: Vec<String> = members
                .iter()
                .filter(|&&x| x != o)
                .map(|&x| t.okta[x as usize].login().trim().to_string())
                .collect();
            let new = t.okta_values(o).plan_user_name.trim();
            out.push(ctx.about(
                planned(Source::Okta, o),
                Rule::RemapSharedValue,
                un_attr,
                new,
                format!("Okta user `{}` and {} would all be sent userName `{new}`: only one inSync user can have it", okta.login().trim(), list(&others)),
                format!("Give each of these Okta users their own `{un_attr}` before changing the mapping").into(),
            ));
        }
    }
    out
}

/// The inSync email changes in `remediation.csv`'s order (the current
/// email's key, then the new one's, then the cells), each row once.
fn sorted(t: &Tenant, mut fixes: Vec<Remediation>) -> Vec<Remediation> {
    // Each with the first 24 bytes of its key, computed once rather than
    // per comparison (emails often share their first 8: `aadams1…`).
    let current = |r: &Remediation| t.insync[r.insync as usize].email().trim();
    let new = |r: &Remediation| t.okta_values(r.okta).plan_user_name.trim();
    let mut order: Vec<([u64; 3], u32)> = fixes
        .par_iter()
        .enumerate()
        .map(|(i, r)| (be_words(key_prefix_bytes::<24>(current(r))), i as u32))
        .collect();
    order.par_sort_unstable_by(|(pa, a), (pb, b)| {
        let (a, b) = (&fixes[*a as usize], &fixes[*b as usize]);
        pa.cmp(pb)
            .then_with(|| cmp_key(current(a), current(b)))
            .then_with(|| cmp_key(new(a), new(b)))
            .then_with(|| a.cells(t).cmp(&b.cells(t)))
            .then_with(|| a.insync_email_new_key.cmp(&b.insync_email_new_key))
    });
    super::order::permute(&mut fixes, order.into_iter().map(|(_, i)| i).collect());
    // Two Okta users with the same login and values ask for the same row.
    fixes.dedup_by(|a, b| {
        a.insync_email_new_key == b.insync_email_new_key && a.cells(t) == b.cells(t)
    });
    fixes
}
