//! Scenario rules, for `current` and `planned`: does the identifier inSync
//! sends to Microsoft 365 find the user's OneDrive and mailbox, and does a
//! restore find the primary SMTP address. With them, the near misses that
//! explain a failed or fragile match (case only, accents only, another
//! domain).

use super::sink::{Family, Sink};
use super::{About, Ctx, Finding, FixRef, Read, Rule, Said, Scenario, list};
use crate::link::{MatchKind, Resolution, View, Which, aliases_of, fold, primary_of, same_folded};
use crate::model::{InsyncStatus, InsyncUser, Source, key, same_key};
use crate::settings::Access;
use crate::tenant::Tenant;
use rayon::prelude::*;

/// The scenario findings, in chunks (see [`super::check`]).
pub(crate) fn check<'t>(ctx: &Ctx<'_, 't>, sink: &Sink<'t>) {
    const CHUNK: usize = 1 << 14;
    for (which, scenario, family) in [
        (Which::Current, Scenario::Current, Family::Current),
        (Which::Planned, Scenario::Planned, Family::Planned),
    ] {
        let Some(views) = ctx.l.views(which) else {
            continue;
        };
        views.par_chunks(CHUNK).enumerate().for_each(|(c, chunk)| {
            let first = c * CHUNK;
            let found = chunk
                .iter()
                .enumerate()
                .flat_map(|(k, v)| user(ctx, (first + k) as u32, v, scenario))
                .collect();
            sink.put((family, c as u32), found);
        });
    }
}

/// Whether an address is on a tenant's initial `*.onmicrosoft.com` domain
/// (its key's domain ends so; no key is built for an ASCII address).
fn on_onmicrosoft(id: &str) -> bool {
    const SUFFIX: &str = ".onmicrosoft.com";
    let id = id.trim();
    if id.is_ascii() {
        id.rsplit_once('@').is_some_and(|(_, d)| {
            d.len() >= SUFFIX.len() && d[d.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX)
        })
    } else {
        key(id)
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.ends_with(SUFFIX))
    }
}

fn access_words(access: Access) -> &'static str {
    match access {
        Access::AdAttribute => "AD attribute",
        Access::InsyncEmail => "inSync email",
    }
}

fn setting_words(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Planned => "After the change,",
        _ => "Today",
    }
}

/// An `exchange-restore-mismatch` finding: the inSync email of inSync user
/// `insync` is not the primary SMTP address of Microsoft 365 user `m365`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Restore {
    pub insync: u32,
    pub m365: u32,
    /// After the change, the Okta user whose planned userName is the inSync
    /// email (and where the fix goes); today none.
    pub okta: Option<u32>,
}

impl Restore {
    /// Where the fix goes: Okta after the change, inSync today.
    pub(crate) fn fix_system(&self) -> Source {
        match self.okta {
            Some(_) => Source::Okta,
            None => Source::Insync,
        }
    }

    /// The finding's values and sentences: templates over [when, inSync
    /// email, primary SMTP address, UPN].
    pub(crate) fn said<'t>(&self, t: &'t Tenant, scenario: Scenario) -> Said<'t> {
        let u = &t.insync[self.insync as usize];
        // The inSync email of the scenario (as `View::email` has it).
        let planned = self
            .okta
            .map(|o| t.okta_values(o).plan_user_name)
            .filter(|v| !v.trim().is_empty());
        let email = planned.unwrap_or(u.email()).trim();
        let m = &t.m365[self.m365 as usize];
        let upn = m.subject().trim();
        let primary = primary_of(m).trim();
        let fix = match self.okta {
            Some(o) => FixRef {
                system: Source::Okta,
                subject: t.okta[o as usize].login().trim(),
                field: &t.settings.plan_user_name.value,
                current: email,
                to: primary,
            },
            None => FixRef {
                system: Source::Insync,
                subject: u.email().trim(),
                field: "email",
                current: email,
                to: primary,
            },
        };
        Said {
            field: "email",
            value: email,
            args: [setting_words(scenario), email, primary, upn],
            message: "{0} the inSync email `{1}` is not the primary SMTP address `{2}` of Microsoft 365 user `{3}`: Exchange Online restore fails (\"The primary SMTP address must be specified\")",
            remediation: "Make the inSync email `{2}`: map Okta's SMTP address to Druva userName (after changing the inSync email in the inSync Management Console to `{2}` first, so no duplicate is created)",
            fix: Some(fix),
        }
    }
}

/// Druva's workaround for shared mailboxes under access by AD attribute.
const SHARED_MAILBOX_FIX: &str = "Apply Druva's workaround (How to back up shared mailboxes when inSync is configured with UPN): a profile for shared mailboxes whose AD/LDAP user name is the mailbox's email. The exports cannot show it: once applied, record it with a waiver for this rule and user, the workaround as its reason";

/// The UPN of the shared mailbox an address resolves to, if it does.
fn shared_mailbox_of<'t>(ctx: &Ctx<'_, 't>, address: &str) -> Option<&'t str> {
    let t = ctx.l.t;
    let user = ctx.lk.resolve_value(address).user()?;
    let m = &t.m365[user as usize];
    m.shared_mailbox.then(|| m.subject().trim())
}

/// One active inSync user in one scenario, as the scenario rules see it.
#[derive(Clone, Copy)]
struct Seen<'c, 't> {
    ctx: &'c Ctx<'c, 't>,
    i: u32,
    v: &'c View<'t>,
    scenario: Scenario,
    /// `Today` or `After the change,`: how the messages begin.
    when: &'static str,
    /// How inSync reaches Microsoft 365: `inSync email` or `AD attribute`.
    using: &'static str,
}

impl<'t> Seen<'_, 't> {
    /// The inSync user in this scenario.
    fn about(&self) -> About {
        About::new(Source::Insync, self.i, self.scenario)
    }

    /// The inSync user's record.
    fn user(&self) -> &'t InsyncUser {
        &self.ctx.l.t.insync[self.i as usize]
    }
}

/// The findings of one inSync user in one scenario: the rules below, in
/// the order the identifier is judged.
fn user<'t>(ctx: &Ctx<'_, 't>, i: u32, v: &View<'t>, scenario: Scenario) -> Vec<Finding<'t>> {
    let mut out = Vec::new();
    if ctx.l.t.insync[i as usize].status != InsyncStatus::Active {
        return out;
    }
    let s = Seen {
        ctx,
        i,
        v,
        scenario,
        when: setting_words(scenario),
        using: access_words(v.access),
    };
    if v.access == Access::AdAttribute && v.ad_attribute.trim().is_empty() {
        ad_attribute_missing(&s, &mut out);
        return out;
    }
    let id = v.id().trim();
    if id.is_empty() {
        return out;
    }
    onmicrosoft_identifier(&s, id, &mut out);
    match &v.resolution {
        Resolution::NotJudged => {}
        Resolution::None => not_found(&s, id, &mut out),
        Resolution::Ambiguous { users, any_upn } => {
            ambiguous_m365_match(&s, id, users, *any_upn, &mut out)
        }
        Resolution::One { user, kind } => resolved(&s, id, *user, *kind, &mut out),
    }
    out
}

/// `ad-attribute-missing` (or `shared-mailbox-ad-attribute` when the email
/// is a shared mailbox): access by AD attribute, and the user has none.
fn ad_attribute_missing(s: &Seen<'_, '_>, out: &mut Vec<Finding>) {
    let Seen {
        ctx,
        v,
        i,
        scenario,
        when,
        ..
    } = *s;
    let t = ctx.l.t;
    let u = s.user();
    // A shared mailbox (found by its email) needs the shared-mailbox
    // remedy, not an Okta mapping.
    if let Some(shared) = shared_mailbox_of(ctx, v.email) {
        out.push(s.ctx.about(
            s.about(),
            Rule::SharedMailboxAdAttribute,
            "ad_attribute",
            "",
            format!("{when} inSync accesses Microsoft 365 by AD attribute; `{}` has none, and its email is the shared mailbox `{shared}`: inSync backs up shared mailboxes only by inSync email", u.email().trim()),
            SHARED_MAILBOX_FIX.into(),
        ));
        return;
    }
    let source = if scenario == Scenario::Planned && ctx.l.planned_okta_of(i).is_some() {
        format!(
            "the Okta attribute `{}` that will feed userPrincipalName is empty for this user",
            t.settings.plan_upn.value.as_deref().unwrap_or("")
        )
    } else {
        "inSync has no AD attribute for this user (it is set only by an IdP or AD/LDAP import)"
            .to_string()
    };
    out.push(s.ctx.about(
        s.about(),
        Rule::AdAttributeMissing,
        "ad_attribute",
        "",
        format!("{when} inSync accesses Microsoft 365 by AD attribute, but {source}: OneDrive and Exchange backups of `{}` will fail", u.email().trim()),
        "Map Okta's login (the UPN) to the Druva userPrincipalName attribute and push the user again, or fill the attribute in Okta; users not provisioned from Okta need an AD/LDAP import".into(),
    ));
}

/// `onmicrosoft-identifier`.
fn onmicrosoft_identifier(s: &Seen<'_, '_>, id: &str, out: &mut Vec<Finding>) {
    let Seen { v, when, using, .. } = *s;
    if on_onmicrosoft(id) {
        out.push(s.ctx.about(
            s.about(),
            Rule::OnmicrosoftIdentifier,
            v.id_field(),
            id,
            format!("{when} inSync sends `{id}` ({using}) to Microsoft 365: an address on the tenant's initial *.onmicrosoft.com domain"),
            "Prefer the user's address on the organisation's own domain, so the identifier survives a tenant rename or migration".into(),
        ));
    }
}

/// The identifier is no Microsoft 365 address: `onedrive-user-not-found`,
/// `exchange-mailbox-not-found`, and the near misses that may explain it
/// (`diacritics-only-match`, `other-domain-match`).
fn not_found(s: &Seen<'_, '_>, id: &str, out: &mut Vec<Finding>) {
    let Seen {
        ctx,
        v,
        when,
        using,
        ..
    } = *s;
    let mx = &ctx.lk.m365;
    // Without UPNs in the inputs OneDrive is not judged (skipped).
    if mx.upn_data {
        out.push(s.ctx.about(
            s.about(),
            Rule::OnedriveUserNotFound,
            v.id_field(),
            id,
            format!("{when} inSync sends `{id}` ({using}) to Microsoft 365, and no Microsoft 365 user has that UPN: OneDrive backup fails with EUSERNOTFOUND"),
            fix_identifier(v, "the user's Microsoft 365 UPN").into(),
        ));
    }
    if mx.exchange_judged {
        out.push(s.ctx.about(
            s.about(),
            Rule::ExchangeMailboxNotFound,
            v.id_field(),
            id,
            format!("{when} inSync sends `{id}` ({using}), which is no UPN, primary SMTP address or alias in Microsoft 365: Exchange Online backup fails"),
            fix_identifier(v, "the user's UPN or one of the mailbox's SMTP addresses").into(),
        ));
    }
    if let Some(addr) = folded_match(ctx, id) {
        out.push(s.ctx.about(
            s.about(),
            Rule::DiacriticsOnlyMatch,
            v.id_field(),
            id,
            format!("`{id}` matches the Microsoft 365 address `{addr}` only when accents are ignored; Microsoft 365 compares them exactly"),
            format!("Make the two spellings identical: use `{addr}` in inSync (or add it as an alias in Microsoft 365)").into(),
        ));
    }
    let others = other_domain(ctx, id);
    if !others.is_empty() {
        out.push(s.ctx.about(
            s.about(),
            Rule::OtherDomainMatch,
            v.id_field(),
            id,
            format!(
                "`{id}` matches no Microsoft 365 user, but {} {} the same local part on another domain (an old or alternate domain?)",
                list(&others),
                if others.len() == 1 { "has" } else { "have" }
            ),
            format!("If {} is this person, change the identifier to it (or add `{id}` as an alias in Microsoft 365)", alternatives(&others)).into(),
        ));
    }
}

/// `ambiguous-m365-match` (and `onedrive-user-not-found` when none of the
/// users has it as UPN).
fn ambiguous_m365_match(
    s: &Seen<'_, '_>,
    id: &str,
    users: &[u32],
    any_upn: bool,
    out: &mut Vec<Finding>,
) {
    let Seen {
        ctx,
        v,
        when,
        using,
        ..
    } = *s;
    let t = ctx.l.t;
    let mx = &ctx.lk.m365;
    let names: Vec<String> = users
        .iter()
        .map(|&m| t.m365[m as usize].subject().trim().to_string())
        .collect();
    out.push(s.ctx.about(
        s.about(),
        Rule::AmbiguousM365Match,
        v.id_field(),
        id,
        format!("{when} inSync sends `{id}` ({using}), which is an address of {} different Microsoft 365 users: {}; it resolves to none of them", users.len(), list(&names)),
        format!("Remove `{id}` from all but one of {} in Microsoft 365 (Exchange admin center > Recipients > Mailboxes > Email addresses)", list(&names)).into(),
    ));
    if !any_upn && mx.upn_data {
        out.push(s.ctx.about(
            s.about(),
            Rule::OnedriveUserNotFound,
            v.id_field(),
            id,
            format!("{when} inSync sends `{id}` ({using}), which is no Microsoft 365 UPN (it is an address of {}): OneDrive backup fails with EUSERNOTFOUND", list(&names)),
            fix_identifier(v, "the user's Microsoft 365 UPN").into(),
        ));
    }
}

/// The identifier is an address of one Microsoft 365 user: OneDrive needs
/// the UPN (`onedrive-user-not-found`), a restore the primary address
/// (`exchange-restore-mismatch`), near misses (`case-only-match`,
/// `diacritics-only-match`), and the user's own state
/// (`shared-mailbox-ad-attribute`, `m365-sign-in-blocked`,
/// `m365-unlicensed`, `m365-no-mailbox`).
fn resolved<'t>(
    s: &Seen<'_, 't>,
    id: &str,
    user: u32,
    kind: MatchKind,
    out: &mut Vec<Finding<'t>>,
) {
    let Seen {
        ctx,
        v,
        i,
        scenario,
        when,
        using,
    } = *s;
    let t = ctx.l.t;
    let mx = &ctx.lk.m365;
    let m = &t.m365[user as usize];
    let upn = m.subject().trim();
    let primary = primary_of(m).trim();
    if kind != MatchKind::Upn && mx.upn_data {
        let what = if kind == MatchKind::Primary {
            "primary SMTP address"
        } else {
            "alias"
        };
        out.push(s.ctx.about(
            s.about(),
            Rule::OnedriveUserNotFound,
            v.id_field(),
            id,
            format!("{when} inSync sends `{id}` ({using}), the {what} of Microsoft 365 user `{upn}` but not its UPN: OneDrive backup fails with EUSERNOTFOUND"),
            fix_identifier(v, &format!("`{upn}` (the UPN)")).into(),
        ));
    }
    // Case-only matches of the identifier.
    let matched: Option<&str> = match kind {
        MatchKind::Upn => Some(upn),
        MatchKind::Primary => Some(primary),
        MatchKind::Alias => aliases_of(m).map(str::trim).find(|a| same_key(a, id)),
    };
    let mut case_only = matched
        .filter(|a| *a != id)
        .map(|a| (a.to_string(), v.id_field(), id.to_string()));
    if mx.exchange_judged && !primary.is_empty() {
        let email = v.email.trim();
        if !same_key(email, primary) {
            // Fires for nearly every user of a tenant whose UPNs are not
            // their SMTP addresses: the finding holds the records, its
            // sentences are said when written. The value to set is Okta's
            // after the change, inSync's today.
            let okta = (scenario == Scenario::Planned)
                .then(|| ctx.l.planned_okta_of(i))
                .flatten();
            let restore = Restore {
                insync: i,
                m365: user,
                okta,
            };
            debug_assert_eq!(restore.said(t, scenario).value, email);
            out.push(s.ctx.read(
                s.about(),
                Rule::ExchangeRestoreMismatch,
                Read::ExchangeRestoreMismatch(restore),
            ));
            if same_folded(email, primary) {
                out.push(s.ctx.about(
                    s.about(),
                    Rule::DiacriticsOnlyMatch,
                    "email",
                    email,
                    format!("The inSync email `{email}` matches the primary SMTP address `{primary}` only when accents are ignored"),
                    format!("Use exactly `{primary}` as the inSync email").into(),
                ));
            }
        } else if email != primary && case_only.is_none() {
            case_only = Some((primary.to_string(), "email", email.to_string()));
        }
    }
    if let Some((addr, field, value)) = case_only {
        out.push(s.ctx.about(
            s.about(),
            Rule::CaseOnlyMatch,
            field,
            &value,
            format!("`{value}` matches the Microsoft 365 address `{addr}` only when case is ignored; it works, but tools that compare exactly will not see it"),
            format!("Align the spelling on `{addr}`").into(),
        ));
    }
    if v.access == Access::AdAttribute && m.shared_mailbox {
        out.push(s.ctx.about(
            s.about(),
            Rule::SharedMailboxAdAttribute,
            v.id_field(),
            id,
            format!("{when} inSync accesses Microsoft 365 by AD attribute, and `{id}` is the shared mailbox `{upn}`: inSync backs up shared mailboxes only by inSync email"),
            SHARED_MAILBOX_FIX.into(),
        ));
    }
    // Shared mailboxes have sign-in blocked and no licence by design.
    if m.sign_in_blocked && !m.shared_mailbox {
        out.push(s.ctx.about(
            s.about(),
            Rule::M365SignInBlocked,
            v.id_field(),
            id,
            format!("`{id}` resolves to Microsoft 365 user `{upn}`, whose sign-in is blocked"),
            "If the person left, preserve the inSync user; otherwise unblock sign-in in the Microsoft 365 admin center".into(),
        ));
    }
    if m.licensed == Some(false) && !m.shared_mailbox {
        out.push(s.ctx.about(
            s.about(),
            Rule::M365Unlicensed,
            v.id_field(),
            id,
            format!("`{id}` resolves to Microsoft 365 user `{upn}`, who has no licence: no OneDrive or mailbox to back up"),
            "Assign a licence in the Microsoft 365 admin center, or preserve the inSync user".into(),
        ));
    }
    if mx.exchange_judged && primary.is_empty() && m.proxies().is_empty() {
        out.push(s.ctx.about(
            s.about(),
            Rule::M365NoMailbox,
            v.id_field(),
            id,
            format!("`{id}` resolves to Microsoft 365 user `{upn}`, who has no mailbox address: Exchange backup and restore have nothing to work on"),
            "Check whether the user should have a mailbox (licence with Exchange Online); otherwise exclude Exchange Online backup for this user".into(),
        ));
    }
}

/// `a`, `b` or `c`.
fn alternatives(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.len() {
        0 | 1 => quoted.concat(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// The remediation for an identifier that should be `target`.
fn fix_identifier(v: &View, target: &str) -> String {
    match v.access {
        Access::AdAttribute => format!(
            "Make the inSync AD attribute {target}: map Okta's login (UPN) to Druva userPrincipalName and push the user again"
        ),
        Access::InsyncEmail => format!(
            "Make the identifier {target}: in the inSync Management Console change the user's email, or switch \"Access user accounts using\" to AD Attribute with the UPN mapped from Okta"
        ),
    }
}

/// A Microsoft 365 address equal to `id` once accents are folded.
fn folded_match(ctx: &Ctx<'_, '_>, id: &str) -> Option<String> {
    let k = key(id);
    let f = fold(&k);
    let mx = &ctx.lk.m365;
    let mut users: Vec<u32> = Vec::new();
    users.extend(ctx.lk.m365_matches_value(&f).map(|(i, _)| i));
    users.extend_from_slice(mx.folded.get(&f));
    users.sort_unstable();
    users.dedup();
    for m in users {
        let m = &ctx.l.t.m365[m as usize];
        let mut addrs = vec![m.upn(), primary_of(m)];
        addrs.extend(aliases_of(m));
        if let Some(a) = addrs
            .into_iter()
            .find(|a| fold(&key(a)) == f && key(a) != k)
        {
            return Some(a.trim().to_string());
        }
    }
    None
}

/// Microsoft 365 addresses with the local part of `id` on other domains.
fn other_domain(ctx: &Ctx<'_, '_>, id: &str) -> Vec<String> {
    let k = key(id);
    let Some((local, _)) = k.split_once('@') else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for &m in ctx.lk.m365.local.get(local) {
        let m = &ctx.l.t.m365[m as usize];
        let mut addrs = vec![m.upn()];
        if ctx.lk.m365.mailbox_data {
            addrs.push(primary_of(m));
            addrs.extend(aliases_of(m));
        }
        // One address per user: its UPN when the local part matches, else
        // its primary address, else an alias.
        if let Some(a) = addrs
            .into_iter()
            .find(|a| key(a).split_once('@').is_some_and(|(l, _)| l == local) && key(a) != k)
        {
            let a = a.trim().to_string();
            if !found.contains(&a) {
                found.push(a);
            }
        }
    }
    found.sort();
    found.truncate(5);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onmicrosoft_addresses_are_recognised_in_any_case() {
        for (id, yes) in [
            ("anna@contoso.onmicrosoft.com", true),
            (" Anna@Contoso.ONMICROSOFT.COM ", true),
            ("josé@contoso.onmicrosoft.com", true),
            ("JOSÉ@CONTOSO.ONMICROSOFT.COM", true),
            ("anna@onmicrosoft.com", false),
            ("anna@contoso.com", false),
            ("contoso.onmicrosoft.com", false),
            ("", false),
        ] {
            assert_eq!(on_onmicrosoft(id), yes, "{id:?}");
        }
    }
}
