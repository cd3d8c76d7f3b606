//! Identity hygiene (scenario `any`): duplicated, invalid, non-ASCII and
//! untrimmed addresses; inSync users that already have a duplicate, that
//! the IdP no longer backs, or that no Okta user provisions; Okta users
//! without inSync user; rows that could not be read.

use super::{About, Ctx, Finding, Rule, Scenario, list, subject};
use crate::link::{Resolution, primary_of};
use crate::model::{InsyncStatus, KeyId, OktaStatus, Source, address_field, key};
use crate::settings::Access;
use rayon::prelude::*;

pub(crate) fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding<'static>> {
    let mut out = Vec::new();
    duplicates(ctx, &mut out);
    fields(ctx, &mut out);
    existing_duplicates(ctx, &mut out);
    idp(ctx, &mut out);
    unreadable(ctx, &mut out);
    out
}

/// The identity fields of record `i` of a source: `each(field, value,
/// single-valued)` for each.
fn identity_fields(
    t: &crate::tenant::Tenant,
    source: Source,
    i: usize,
    mut each: impl FnMut(&'static str, &str, bool),
) {
    match source {
        Source::Okta => {
            let o = &t.okta[i];
            each("login", o.login(), true);
            each("email", o.email(), true);
        }
        Source::Ad => {
            let a = &t.ad[i];
            each("upn", a.upn(), true);
            each("mail", a.mail(), true);
            for p in a.proxies() {
                each("proxy_addresses", p.address, false);
            }
        }
        Source::Insync => {
            let u = &t.insync[i];
            each("email", u.email(), true);
            each("ad_attribute", u.ad_attribute(), true);
        }
        Source::M365 => {
            let m = &t.m365[i];
            each("upn", m.upn(), true);
            each("primary_smtp", m.primary_smtp(), true);
            for p in m.proxies() {
                each("proxy_addresses", p.address, false);
            }
        }
    }
}

fn record_subject(ctx: &Ctx<'_, '_>, source: Source, i: u32) -> String {
    let t = ctx.l.t;
    subject(t.identifier(source, i), t.at(source, i).row)
}

/// A record's subject with where it is: `x` (file row N).
fn record_place(ctx: &Ctx<'_, '_>, source: Source, i: u32) -> String {
    let at = ctx.l.t.at(source, i);
    format!(
        "`{}` ({} row {})",
        record_subject(ctx, source, i),
        ctx.l.t.file_name(at.file),
        at.row
    )
}

fn console(source: Source) -> &'static str {
    match source {
        Source::Okta => "the Okta Admin Console",
        Source::Ad => "Active Directory (ADUC or Set-ADUser)",
        Source::Insync => "the inSync Management Console",
        Source::M365 => "the Microsoft 365 admin center",
    }
}

/// `duplicate-address`: one address on two or more records of one source.
///
/// The addresses are compared by their ids in the tenant's address table:
/// per source, a first pass marks the keys that two records hold, a second
/// gathers only those keys' fields.
fn duplicates<'t>(ctx: &Ctx<'_, 't>, out: &mut Vec<Finding>) {
    let t: &'t crate::tenant::Tenant = ctx.l.t;
    let a = &ctx.lk.addresses;
    // Per key: the first record of this source that holds it, and whether
    // another does too.
    let mut first = vec![u32::MAX; a.len()];
    let mut shared = vec![false; a.len()];
    for source in Source::ALL {
        first.fill(u32::MAX);
        shared.fill(false);
        source_addresses(t, a, source, |id, i, _, _| {
            if let Some(k) = id.index() {
                if first[k] == u32::MAX {
                    first[k] = i;
                } else if first[k] != i {
                    shared[k] = true;
                }
            }
        });
        // (key, record, field, value) of the shared keys.
        let mut entries: Vec<(KeyId, u32, &'static str, &'t str)> = Vec::new();
        source_addresses(t, a, source, |id, i, field, value| {
            if id.index().is_some_and(|k| shared[k]) {
                entries.push((id, i, field, value));
            }
        });
        entries.sort_unstable_by_key(|e| e.0);
        for run in entries.chunk_by(|a, b| a.0 == b.0) {
            // One key (every value of the run has it): each (record,
            // field) once.
            let mut held: Vec<(u32, &'static str)> = run.iter().map(|e| (e.1, e.2)).collect();
            held.sort_unstable();
            held.dedup();
            duplicate_group(ctx, source, &key(run[0].3), &held, out);
        }
    }
}

/// Each address of each record of a source as `each(key, record, field,
/// value)`, blank ones too; Microsoft 365 fields as the resolution sees
/// them: UPN, primary address, aliases.
fn source_addresses<'t>(
    t: &'t crate::tenant::Tenant,
    a: &crate::tenant::Addresses,
    source: Source,
    mut each: impl FnMut(KeyId, u32, &'static str, &'t str),
) {
    match source {
        Source::Okta => {
            for (i, o) in (0..).zip(&t.okta) {
                let k = a.okta(i);
                each(k.login, i, "login", o.login());
                each(k.email, i, "email", o.email());
            }
        }
        Source::Ad => {
            for (i, u) in (0..).zip(&t.ad) {
                let k = a.ad(i);
                each(k.upn, i, "upn", u.upn());
                each(k.mail, i, "mail", u.mail());
                for (p, &id) in u.proxies().iter().zip(a.ad_proxies(i)) {
                    each(id, i, "proxy_addresses", p.address);
                }
            }
        }
        Source::Insync => {
            for (i, u) in (0..).zip(&t.insync) {
                each(a.insync(i).email, i, "email", u.email());
            }
        }
        Source::M365 => {
            for (i, m) in (0..).zip(&t.m365) {
                let k = a.m365(i);
                each(k.upn, i, "upn", m.upn());
                if t.mailbox_data {
                    each(k.primary, i, "primary_smtp", primary_of(m));
                    for (p, &id) in m.proxies().iter().zip(a.m365_proxies(i)) {
                        if id != k.primary {
                            each(id, i, "proxy_addresses", p.address);
                        }
                    }
                }
            }
        }
    }
}

/// The findings of one address (`addr`, its key) held by records of one
/// source: `group` is (record, field), sorted.
fn duplicate_group(
    ctx: &Ctx<'_, '_>,
    source: Source,
    addr: &str,
    group: &[(u32, &'static str)],
    out: &mut Vec<Finding>,
) {
    let mut records: Vec<u32> = group.iter().map(|e| e.0).collect();
    records.dedup();
    if records.len() < 2 {
        return;
    }
    for &(i, field) in group {
        let others: Vec<String> = records
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| record_place(ctx, source, j))
            .collect();
        out.push(ctx.about(
            About::new(source, i, Scenario::Any),
            Rule::DuplicateAddress,
            field,
            addr,
            format!(
                "`{addr}` is on {} {} records: this one ({field}) and {}; the address cannot identify one person",
                records.len(),
                source.title(),
                others.join(", ")
            ),
            format!("In {}, keep `{addr}` on one of these records only", console(source)).into(),
        ));
    }
}

/// `invalid-address`, `non-ascii-address`, `untrimmed-value`: the records
/// of each source checked in parallel, field by field.
fn fields(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let t = ctx.l.t;
    for source in Source::ALL {
        let n = match source {
            Source::Okta => t.okta.len(),
            Source::Ad => t.ad.len(),
            Source::Insync => t.insync.len(),
            Source::M365 => t.m365.len(),
        };
        let found: Vec<Finding> = (0..n)
            .into_par_iter()
            .flat_map_iter(|i| {
                let mut v = Vec::new();
                identity_fields(t, source, i, |field, value, single| {
                    field_findings(ctx, source, i as u32, field, value, single, &mut v)
                });
                v
            })
            .collect();
        out.extend(found);
    }
}

/// The findings of one identity field of one record.
fn field_findings(
    ctx: &Ctx<'_, '_>,
    source: Source,
    i: u32,
    field: &'static str,
    value: &str,
    single: bool,
    out: &mut Vec<Finding>,
) {
    let Some(checked) = address_field(value) else {
        return;
    };
    let con = console(source);
    let trimmed = checked.trimmed;
    if let Some(problem) = checked.problem {
        out.push(ctx.about(
            About::new(source, i, Scenario::Any),
            Rule::InvalidAddress,
            field,
            value,
            format!(
                "{} `{}` of {} is not a valid address: it {problem}",
                field,
                trimmed,
                record_subject(ctx, source, i)
            ),
            format!("In {con}, correct the {field} of this record to a valid email address").into(),
        ));
    }
    // White space around the value is untrimmed-value's business.
    if checked.non_ascii {
        out.push(ctx.about(
            About::new(source, i, Scenario::Any),
            Rule::NonAsciiAddress,
            field,
            value,
            format!("{} `{}` holds non-ASCII characters: systems that fold or reject them will not match it", field, trimmed),
            format!("In {con}, prefer an ASCII spelling of the address (keep the accented one as an alias if needed)").into(),
        ));
    }
    if single && checked.untrimmed {
        let subject = record_subject(ctx, source, i);
        out.push(
            ctx.about(
                About::new(source, i, Scenario::Any),
                Rule::UntrimmedValue,
                field,
                value,
                format!("{field} `{trimmed}` has leading or trailing white space in the export"),
                format!("In {con}, remove the spaces around the {field} of this record").into(),
            )
            .with_fix(source, &subject, field, value, trimmed),
        );
    }
}

/// `existing-duplicate-user`: active inSync users of one person.
fn existing_duplicates(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let l = ctx.l;
    let t = l.t;
    // (owner kind, owner, inSync user): the linked Okta user (0), the
    // Microsoft 365 user resolved (1).
    let owned: Vec<(u8, u32, u32)> = (0..t.insync.len() as u32)
        .into_par_iter()
        .filter(|&i| t.insync[i as usize].status == InsyncStatus::Active)
        .flat_map_iter(|i| {
            let mut v = Vec::new();
            if let Some(o) = ctx.lk.okta_of(i) {
                v.push((0, o, i));
            }
            let current = &l.current[i as usize];
            if let Resolution::One { user, .. } = current.resolution {
                v.push((1, user, i));
            }
            // The email's user: already resolved when the current scenario
            // reaches Microsoft 365 by email (the user is active).
            if current.access != Access::InsyncEmail
                && let Resolution::One { user, .. } =
                    ctx.lk.m365.resolve(ctx.lk.addresses.insync(i).email)
            {
                v.push((1, user, i));
            }
            v
        })
        .collect();
    let mut owned = owned;
    owned.par_sort_unstable();
    owned.dedup();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for members in owned.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if members.len() < 2 {
            continue;
        }
        for a in members {
            for b in members {
                if a.2 != b.2 {
                    pairs.push((a.2, b.2));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let others_of = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, run.iter().map(|p| p.1).collect::<Vec<u32>>()));
    for (i, others) in others_of {
        let u = &t.insync[i as usize];
        let names: Vec<String> = others
            .iter()
            .map(|&j| t.insync[j as usize].email().trim().to_string())
            .collect();
        out.push(ctx.record(Source::Insync,
            i,
            Rule::ExistingDuplicateUser,
            Scenario::Any,
            "email",
            u.email().trim(),
            format!("Active inSync users `{}` and {} belong to one person (same Okta user or same Microsoft 365 user): backups are split and licences doubled", u.email().trim(), list(&names)),
            "In the inSync Management Console keep the account that holds the data and preserve the other(s) (Druva Support can merge them) before changing the mapping",
        ));
    }
}

/// `inactive-in-idp`, `insync-user-without-idp`, `remediated-ahead`,
/// `idp-user-without-insync`.
fn idp(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let l = ctx.l;
    let t = l.t;
    let has_okta = t.has(Source::Okta);
    let has_insync = t.has(Source::Insync);
    for (i, u) in t.insync.iter().enumerate() {
        if u.status != InsyncStatus::Active {
            continue;
        }
        let i = i as u32;
        let email = u.email().trim();
        if let Some(o) = ctx.lk.okta_of(i) {
            let okta = &t.okta[o as usize];
            if okta.status == OktaStatus::Inactive {
                let status = okta.status_text().trim().to_string();
                out.push(ctx.record(Source::Insync,
                    i,
                    Rule::InactiveInIdp,
                    Scenario::Any,
                    "okta_status",
                    &status,
                    format!("inSync user `{email}` is active, but its Okta user `{}` is {status}", okta.login().trim()),
                    "If the person left, preserve the inSync user (frees the licence, keeps the data); otherwise reactivate the Okta user",
                ));
            }
        } else if let Some(o) = l.ahead_okta_of(i) {
            let okta = &t.okta[o as usize];
            let s = &t.settings;
            let plan_attr = s.plan_user_name.value.as_str();
            let current_attr = s.current_user_name.value.as_deref().unwrap_or("login");
            let current = t.okta_values(o).current_user_name.trim();
            out.push(ctx.record(Source::Insync,
                i,
                Rule::RemediatedAhead,
                Scenario::Any,
                "email",
                email,
                format!("inSync user `{email}` already has the email that Okta user `{}` will send as userName after the change (`{plan_attr}`): it is ready for the change. Until the mapping changes, Okta still sends `{current}` (`{current_attr}`) and would create a second inSync user on its next push", okta.login().trim()),
                "Change the Okta mapping (and the access setting) in the same maintenance window as the email change, or pause Okta's pushes to inSync until then; the user must reset the inSync password",
            ));
        } else if has_okta {
            out.push(ctx.record(Source::Insync,
                i,
                Rule::InsyncUserWithoutIdp,
                Scenario::Any,
                "email",
                email,
                format!("Active inSync user `{email}` matches no Okta user's `{}`: Okta provisioning will never update or deactivate it", t.settings.current_user_name.value.as_deref().unwrap_or("login")),
                "Assign the person the Druva app in Okta with a userName equal to this email, or preserve the inSync user if it is no longer needed",
            ));
        }
        if let Some(a) = l.insync_ad[i as usize] {
            let ad = &t.ad[a as usize];
            if !ad.enabled {
                out.push(ctx.record(
                    Source::Insync,
                    i,
                    Rule::InactiveInIdp,
                    Scenario::Any,
                    ad.disabled_column(),
                    ad.disabled_value(),
                    format!(
                        "inSync user `{email}` is active, but its AD account `{}` is disabled",
                        ad.upn().trim()
                    ),
                    "If the person left, preserve the inSync user; otherwise enable the AD account",
                ));
            }
        }
    }
    if has_insync {
        for (o, okta) in t.okta.iter().enumerate() {
            if okta.status != OktaStatus::Active
                || !ctx.lk.okta_insync(o as u32).is_empty()
                || l.ahead_insync_of(o as u32).is_some()
            {
                continue;
            }
            let value = t.okta_values(o as u32).current_user_name.trim();
            out.push(ctx.record(Source::Okta,
                o as u32,
                Rule::IdpUserWithoutInsync,
                Scenario::Any,
                t.settings.current_user_name.value.as_deref().unwrap_or("login"),
                value,
                format!("Active Okta user `{}` has no inSync user (no inSync email equals `{value}`): the next push creates one", okta.login().trim()),
                "Nothing to do if the person should get an inSync account; otherwise unassign the Druva app in Okta",
            ));
        }
    }
}

/// `unreadable-row`: one finding per skipped row.
fn unreadable(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    for t in &ctx.l.t.inputs {
        for p in &t.problems {
            out.push(Finding::new(
                Rule::UnreadableRow,
                Scenario::Any,
                t.source,
                t.file_name(),
                t.file.as_str().into(),
                p.row,
                "",
                "",
                format!("Row {} of {} {} and was skipped", p.row, t.file_name(), p.reason),
                "Fix the row in the export (quote values that hold the delimiter) or export the file again",
                None,
            ));
        }
    }
}
