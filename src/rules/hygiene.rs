//! Identity hygiene (scenario `any`): duplicated, invalid, non-ASCII and
//! untrimmed addresses; inSync users that already have a duplicate, that
//! the IdP no longer backs, or that no Okta user provisions; Okta users
//! without inSync user; rows that could not be read.

use super::{Ctx, Finding, Rule, Scenario, list, subject};
use crate::link::{Resolution, aliases_of, primary_of};
use crate::model::{InsyncStatus, OktaStatus, Source, address_problem, key};
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    duplicates(ctx, &mut out);
    fields(ctx, &mut out);
    existing_duplicates(ctx, &mut out);
    idp(ctx, &mut out);
    unreadable(ctx, &mut out);
    out
}

/// The identity fields of every record: (source, record, field, value, single-valued).
fn identity_fields<'t>(ctx: &Ctx<'_, 't>) -> Vec<(Source, u32, &'static str, &'t str, bool)> {
    let t = ctx.l.t;
    let mut v = Vec::new();
    for (i, o) in t.okta.iter().enumerate() {
        v.push((Source::Okta, i as u32, "login", o.login.as_str(), true));
        v.push((Source::Okta, i as u32, "email", o.email.as_str(), true));
    }
    for (i, a) in t.ad.iter().enumerate() {
        v.push((Source::Ad, i as u32, "upn", a.upn.as_str(), true));
        v.push((Source::Ad, i as u32, "mail", a.mail.as_str(), true));
        for p in &a.proxies {
            v.push((
                Source::Ad,
                i as u32,
                "proxy_addresses",
                p.address.as_str(),
                false,
            ));
        }
    }
    for (i, u) in t.insync.iter().enumerate() {
        v.push((Source::Insync, i as u32, "email", u.email.as_str(), true));
        v.push((
            Source::Insync,
            i as u32,
            "ad_attribute",
            u.ad_attribute.as_str(),
            true,
        ));
    }
    for (i, m) in t.m365.iter().enumerate() {
        v.push((Source::M365, i as u32, "upn", m.upn.as_str(), true));
        v.push((
            Source::M365,
            i as u32,
            "primary_smtp",
            m.primary_smtp.as_str(),
            true,
        ));
        for p in &m.proxies {
            v.push((
                Source::M365,
                i as u32,
                "proxy_addresses",
                p.address.as_str(),
                false,
            ));
        }
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn finding(
    ctx: &Ctx<'_, '_>,
    source: Source,
    i: u32,
    rule: Rule,
    field: &str,
    value: &str,
    message: String,
    fix: String,
) -> Finding {
    ctx.record(source, i, rule, Scenario::Any, field, value, message, fix)
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

/// The records carrying one address, each with the fields it is in.
type Holders = BTreeMap<u32, BTreeSet<&'static str>>;

/// `duplicate-address`: one address on two or more records of one source.
fn duplicates(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let t = ctx.l.t;
    // M365 fields as the resolution sees them: UPN, primary, aliases.
    let mut entries: Vec<(Source, u32, &'static str, String)> = Vec::new();
    for (source, i, field, value, _) in identity_fields(ctx) {
        if source == Source::M365 || matches!(field, "ad_attribute") {
            continue;
        }
        entries.push((source, i, field, value.to_string()));
    }
    for (i, m) in t.m365.iter().enumerate() {
        let i = i as u32;
        entries.push((Source::M365, i, "upn", m.upn.clone()));
        if t.mailbox_data {
            entries.push((Source::M365, i, "primary_smtp", primary_of(m).to_string()));
            for a in aliases_of(m) {
                entries.push((Source::M365, i, "proxy_addresses", a.to_string()));
            }
        }
    }
    // (source, address) → records (with the fields where it appears).
    let mut by_addr: HashMap<(Source, String), BTreeMap<u32, BTreeSet<&'static str>>> =
        HashMap::default();
    for (source, i, field, value) in &entries {
        let k = key(value);
        if k.is_empty() {
            continue;
        }
        by_addr
            .entry((*source, k))
            .or_default()
            .entry(*i)
            .or_default()
            .insert(field);
    }
    let mut groups: Vec<(&(Source, String), &Holders)> =
        by_addr.iter().filter(|(_, recs)| recs.len() > 1).collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    for ((source, addr), recs) in groups {
        for (&i, fields) in recs {
            let others: Vec<String> = recs
                .keys()
                .filter(|&&j| j != i)
                .map(|&j| record_place(ctx, *source, j))
                .collect();
            for field in fields {
                out.push(finding(
                    ctx,
                    *source,
                    i,
                    Rule::DuplicateAddress,
                    field,
                    addr,
                    format!(
                        "`{addr}` is on {} {} records: this one ({field}) and {}; the address cannot identify one person",
                        recs.len(),
                        source.title(),
                        others.join(", ")
                    ),
                    format!("In {}, keep `{addr}` on one of these records only", console(*source)),
                ));
            }
        }
    }
}

/// `invalid-address`, `non-ascii-address`, `untrimmed-value`.
fn fields(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    for (source, i, field, value, single) in identity_fields(ctx) {
        if value.trim().is_empty() {
            continue;
        }
        let con = console(source);
        if let Some(problem) = address_problem(value) {
            out.push(finding(
                ctx,
                source,
                i,
                Rule::InvalidAddress,
                field,
                value,
                format!(
                    "{} `{}` of {} is not a valid address: it {problem}",
                    field,
                    value.trim(),
                    record_subject(ctx, source, i)
                ),
                format!("In {con}, correct the {field} of this record to a valid email address"),
            ));
        }
        // White space around the value is untrimmed-value's business.
        if !value.trim().is_ascii() {
            out.push(finding(
                ctx,
                source,
                i,
                Rule::NonAsciiAddress,
                field,
                value,
                format!("{} `{}` holds non-ASCII characters: systems that fold or reject them will not match it", field, value.trim()),
                format!("In {con}, prefer an ASCII spelling of the address (keep the accented one as an alias if needed)"),
            ));
        }
        if single && value.trim() != value {
            let subject = record_subject(ctx, source, i);
            out.push(
                finding(
                    ctx,
                    source,
                    i,
                    Rule::UntrimmedValue,
                    field,
                    value,
                    format!(
                        "{field} `{}` has leading or trailing white space in the export",
                        value.trim()
                    ),
                    format!("In {con}, remove the spaces around the {field} of this record"),
                )
                .with_fix(source, &subject, field, value, value.trim()),
            );
        }
    }
}

/// `existing-duplicate-user`: active inSync users of one person.
fn existing_duplicates(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    let l = ctx.l;
    let t = l.t;
    // Owner keys: the linked Okta user, the Microsoft 365 user resolved.
    let mut groups: BTreeMap<(u8, u32), BTreeSet<u32>> = BTreeMap::new();
    for (i, u) in t.insync.iter().enumerate() {
        if u.status != InsyncStatus::Active {
            continue;
        }
        let i = i as u32;
        if let Some(o) = l.okta_of(i) {
            groups.entry((0, o)).or_default().insert(i);
        }
        let mut m365 = BTreeSet::new();
        for res in [
            l.current[i as usize].resolution.clone(),
            l.m365.resolve(&u.email),
        ] {
            if let Resolution::One { user, .. } = res {
                m365.insert(user);
            }
        }
        for m in m365 {
            groups.entry((1, m)).or_default().insert(i);
        }
    }
    let mut others_of: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            others_of
                .entry(i)
                .or_default()
                .extend(members.iter().filter(|&&j| j != i));
        }
    }
    for (i, others) in others_of {
        let u = &t.insync[i as usize];
        let names: Vec<String> = others
            .iter()
            .map(|&j| t.insync[j as usize].email.trim().to_string())
            .collect();
        out.push(ctx.record(Source::Insync,
            i,
            Rule::ExistingDuplicateUser,
            Scenario::Any,
            "email",
            u.email.trim(),
            format!("Active inSync users `{}` and {} belong to one person (same Okta user or same Microsoft 365 user): backups are split and licences doubled", u.email.trim(), list(&names)),
            "In the inSync Management Console keep the account that holds the data and preserve the other(s) (Druva Support can merge them) before changing the mapping".into(),
        ));
    }
}

/// `inactive-in-idp`, `insync-user-without-idp`, `idp-user-without-insync`.
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
        let email = u.email.trim();
        if let Some(o) = l.okta_of(i) {
            let okta = &t.okta[o as usize];
            if okta.status == OktaStatus::Inactive {
                let status = okta.status_text.trim().to_string();
                out.push(ctx.record(Source::Insync,
                    i,
                    Rule::InactiveInIdp,
                    Scenario::Any,
                    "okta_status",
                    &status,
                    format!("inSync user `{email}` is active, but its Okta user `{}` is {status}", okta.login.trim()),
                    "If the person left, preserve the inSync user (frees the licence, keeps the data); otherwise reactivate the Okta user".into(),
                ));
            }
        } else if has_okta {
            out.push(ctx.record(Source::Insync,
                i,
                Rule::InsyncUserWithoutIdp,
                Scenario::Any,
                "email",
                email,
                format!("Active inSync user `{email}` matches no Okta user's `{}`: Okta provisioning will never update or deactivate it", t.settings.current_user_name.value.as_deref().unwrap_or("login")),
                "Assign the person the Druva app in Okta with a userName equal to this email, or preserve the inSync user if it is no longer needed".into(),
            ));
        }
        if let Some(a) = l.insync_ad[i as usize] {
            let ad = &t.ad[a as usize];
            if !ad.enabled {
                out.push(ctx.record(Source::Insync,
                    i,
                    Rule::InactiveInIdp,
                    Scenario::Any,
                    &ad.disabled_by.0,
                    &ad.disabled_by.1,
                    format!("inSync user `{email}` is active, but its AD account `{}` is disabled", ad.upn.trim()),
                    "If the person left, preserve the inSync user; otherwise enable the AD account".into(),
                ));
            }
        }
    }
    if has_insync {
        for (o, okta) in t.okta.iter().enumerate() {
            if okta.status != OktaStatus::Active || !l.okta_insync[o].is_empty() {
                continue;
            }
            let value = t.okta_values[o].current_user_name.trim();
            out.push(ctx.record(Source::Okta,
                o as u32,
                Rule::IdpUserWithoutInsync,
                Scenario::Any,
                t.settings.current_user_name.value.as_deref().unwrap_or("login"),
                value,
                format!("Active Okta user `{}` has no inSync user (no inSync email equals `{value}`): the next push creates one", okta.login.trim()),
                "Nothing to do if the person should get an inSync account; otherwise unassign the Druva app in Okta".into(),
            ));
        }
    }
}

/// `unreadable-row`: one finding per skipped row.
fn unreadable(ctx: &Ctx<'_, '_>, out: &mut Vec<Finding>) {
    for t in &ctx.l.t.tables {
        for p in &t.problems {
            out.push(Finding {
                rule: Rule::UnreadableRow,
                scenario: Scenario::Any,
                source: t.source,
                subject: t.file_name().to_string(),
                file: t.file.clone(),
                row: p.row,
                field: String::new(),
                value: String::new(),
                message: format!("Row {} of {} {} and was skipped", p.row, t.file_name(), p.reason),
                remediation: "Fix the row in the export (quote values that hold the delimiter) or export the file again".into(),
                person: None,
                fix: None,
            });
        }
    }
}
