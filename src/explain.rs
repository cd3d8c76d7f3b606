//! `preflight explain ADDRESS`: one person across all sources. Finds every
//! record that carries the address (after normalisation), the person they
//! link into, each link and the key that made it, the inSync identifier in
//! both scenarios with each check's outcome, and the person's findings.

use crate::audit;
use crate::cli::ExplainArgs;
use crate::exit::Exit;
use crate::link::{Linked, Lookups, MatchKind, Person, Resolution, View, primary_of};
use crate::load::Table;
use crate::model::{Field, Source, key, parse_proxies};
use crate::rules::{self, Finding};
use crate::tenant::Tenant;
use crate::terminal_safe;
use anyhow::Result;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A record carrying the address: its source, index, and the fields.
type Hit = (Source, u32, Vec<&'static str>);

/// Every record whose identity fields carry the address.
pub fn find(l: &Linked<'_>, address: &str) -> Vec<Hit> {
    let k = key(address);
    let t = l.t;
    let mut hits = Vec::new();
    let mut push = |source, i: usize, fields: Vec<&'static str>| {
        if !fields.is_empty() {
            hits.push((source, i as u32, fields));
        }
    };
    let is = |v: &str| key(v) == k;
    for (i, o) in t.okta.iter().enumerate() {
        let v = t.okta_values(i as u32);
        let mut f = Vec::new();
        for (name, value) in [
            ("login", o.login()),
            ("email", o.email()),
            ("second_email", o.second_email()),
            ("planned userName", v.plan_user_name),
            ("planned userPrincipalName", v.plan_upn),
        ] {
            if is(value) {
                f.push(name);
            }
        }
        push(Source::Okta, i, f);
    }
    for (i, a) in t.ad.iter().enumerate() {
        let mut f = Vec::new();
        if is(a.upn()) {
            f.push("upn");
        }
        if is(a.mail()) {
            f.push("mail");
        }
        if a.proxies().iter().any(|p| is(p.address)) {
            f.push("proxy_addresses");
        }
        push(Source::Ad, i, f);
    }
    for (i, u) in t.insync.iter().enumerate() {
        let mut f = Vec::new();
        if is(u.email()) {
            f.push("email");
        }
        if is(u.ad_attribute()) || is(l.current[i].ad_attribute) {
            f.push("ad_attribute");
        }
        push(Source::Insync, i, f);
    }
    for (i, m) in t.m365.iter().enumerate() {
        let mut f = Vec::new();
        if is(m.upn()) {
            f.push("upn");
        }
        if is(primary_of(m)) {
            f.push("primary_smtp");
        }
        if m.proxies()
            .iter()
            .any(|p| is(p.address) && !is(primary_of(m)))
        {
            f.push("alias");
        }
        push(Source::M365, i, f);
    }
    hits
}

fn resolution_text(t: &Tenant, v: &View) -> String {
    match &v.resolution {
        Resolution::NotJudged if v.id().trim().is_empty() => {
            "nothing: the identifier is empty".into()
        }
        Resolution::NotJudged => "not judged (no Microsoft 365 export, or an inactive user)".into(),
        Resolution::None => "matches no Microsoft 365 user".into(),
        Resolution::One { user, kind } => {
            let m = &t.m365[*user as usize];
            let how = match kind {
                MatchKind::Upn => "its UPN",
                MatchKind::Primary => "its primary SMTP address",
                MatchKind::Alias => "an alias",
            };
            format!(
                "Microsoft 365 user `{}` ({how}; primary SMTP `{}`)",
                m.upn().trim(),
                primary_of(m).trim()
            )
        }
        Resolution::Ambiguous { users, .. } => {
            let names: Vec<String> = users
                .iter()
                .map(|&u| t.m365[u as usize].upn().trim().to_string())
                .collect();
            format!("ambiguous: {}", rules::list(&names))
        }
    }
}

fn view_text(out: &mut String, t: &Tenant, name: &str, v: &View) {
    let shown = |v: &str| match v.trim() {
        "" => "(none)".to_string(),
        v => format!("`{v}`"),
    };
    let _ = writeln!(
        out,
        "    {name:<8} email {}, AD attribute {}, access by {} → sends {}",
        shown(v.email),
        shown(v.ad_attribute),
        v.access.id(),
        shown(v.id())
    );
    let _ = writeln!(out, "             resolves to {}", resolution_text(t, v));
    let _ = writeln!(
        out,
        "             OneDrive {}, Exchange backup {}, Exchange restore {}",
        v.onedrive.id(),
        v.exchange_backup.id(),
        v.exchange_restore.id()
    );
}

/// The explanation of one person.
fn person_text(l: &Linked<'_>, lk: &Lookups<'_>, p: Person<'_>, findings: &[&Finding]) -> String {
    let t = l.t;
    let s = &t.settings;
    let mut out = String::new();
    let at = |file: u32, row: u32| format!("{}:{row}", t.input(file).file);
    for &o in p.okta {
        let x = &t.okta[o as usize];
        let _ = writeln!(
            out,
            "  okta    {}  login `{}`, email `{}`, status {} ({:?})",
            at(x.at.file, x.at.row),
            x.login().trim(),
            x.email().trim(),
            x.status_text().trim(),
            x.status
        );
    }
    for &a in p.ad {
        let x = &t.ad[a as usize];
        let _ = writeln!(
            out,
            "  ad      {}  UPN `{}`, mail `{}`, {}",
            at(x.at.file, x.at.row),
            x.upn().trim(),
            x.mail().trim(),
            if x.enabled { "enabled" } else { "disabled" }
        );
    }
    for &u in p.insync {
        let x = &t.insync[u as usize];
        let _ = writeln!(
            out,
            "  insync  {}  email `{}`, status {:?}",
            at(x.at.file, x.at.row),
            x.email().trim(),
            x.status
        );
    }
    for &m in p.m365 {
        let x = &t.m365[m as usize];
        let _ = writeln!(
            out,
            "  m365    {}  UPN `{}`, primary SMTP `{}`{}{}",
            at(x.at.file, x.at.row),
            x.upn().trim(),
            primary_of(x).trim(),
            if x.shared_mailbox {
                ", shared mailbox"
            } else {
                ""
            },
            if x.sign_in_blocked {
                ", sign-in blocked"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, "  links");
    let user_name = s.current_user_name.value.as_deref().unwrap_or("login");
    for &o in p.okta {
        let x = &t.okta[o as usize];
        for &u in lk.okta_insync(o) {
            let _ = writeln!(
                out,
                "    Okta `{}` → inSync `{}`: okta.current.user_name ({user_name}) = `{}`",
                x.login().trim(),
                t.insync[u as usize].email().trim(),
                t.okta_values(o).current_user_name.trim()
            );
        }
        if let Some(a) = l.okta_ad[o as usize] {
            let ad = &t.ad[a as usize];
            let by = if key(ad.upn()) == key(x.login()) {
                "login = UserPrincipalName"
            } else {
                "email = mail"
            };
            let _ = writeln!(
                out,
                "    Okta `{}` → AD `{}`: {by}",
                x.login().trim(),
                ad.upn().trim()
            );
        }
    }
    for &u in p.insync {
        if lk.insync_okta(u).is_empty()
            && let Some(a) = l.insync_ad[u as usize]
        {
            let _ = writeln!(
                out,
                "    inSync `{}` → AD `{}`: email = UPN or mail",
                t.insync[u as usize].email().trim(),
                t.ad[a as usize].upn().trim()
            );
        }
    }
    for &u in p.insync {
        let _ = writeln!(
            out,
            "  inSync user `{}`",
            t.insync[u as usize].email().trim()
        );
        view_text(&mut out, t, "current", &l.current[u as usize]);
        match &l.planned {
            Some(planned) => view_text(&mut out, t, "planned", &planned[u as usize]),
            None => {
                let _ = writeln!(
                    out,
                    "    planned  not evaluated (see the skipped checks of the audit)"
                );
            }
        }
    }
    if findings.is_empty() {
        let _ = writeln!(out, "  findings: none");
    } else {
        let _ = writeln!(out, "  findings");
        for f in findings {
            let _ = writeln!(
                out,
                "    {:<8}{} ({}, {} `{}`): {}",
                f.severity().id(),
                f.rule.id(),
                f.scenario.id(),
                f.source.id(),
                f.subject(),
                f.message()
            );
            let _ = writeln!(out, "            fix: {}", f.remediation());
        }
    }
    out
}

/// A row of an input that carries the address: source, file, row, and the
/// headers of the columns that hold it.
pub struct Carrier {
    pub source: Source,
    pub file: String,
    pub row: u32,
    pub headers: Vec<String>,
}

/// Every row of every input whose identity columns carry the address
/// (compared as keys; proxy lists by each address they hold). Read from the
/// tables before the model merges rows of several files into one record,
/// so a mailbox export's row is listed beside the users export's.
pub fn carriers(tables: &[Table], address: &str) -> Vec<Carrier> {
    let k = key(address);
    let mut out = Vec::new();
    for t in tables {
        for row in t.rows.iter() {
            let mut headers = Vec::new();
            for (field, &col) in &t.columns {
                let cell = t.value(row, col);
                let carries = if *field == Field::ProxyAddresses {
                    parse_proxies(cell).iter().any(|p| key(&p.address) == k)
                } else {
                    key(cell) == k
                };
                if carries {
                    headers.push(t.headers[col].clone());
                }
            }
            if !headers.is_empty() {
                out.push(Carrier {
                    source: t.source,
                    file: t.file.clone(),
                    row: row.line,
                    headers,
                });
            }
        }
    }
    out
}

/// The explanation of an address, or `None` when no record carries it.
/// `carriers` are the input rows that hold it ([`carriers`]).
pub fn explain(
    l: &Linked<'_>,
    lk: &Lookups<'_>,
    findings: &[Finding],
    address: &str,
    carriers: &[Carrier],
) -> Option<String> {
    let hits = find(l, address);
    if hits.is_empty() && carriers.is_empty() {
        return None;
    }
    let mut out = String::new();
    let _ = writeln!(out, "`{}` is carried by:", address.trim());
    // What the settings make of a row's values (the planned userName...).
    let roles = |file: &str, row: u32| -> Vec<&'static str> {
        hits.iter()
            .filter(|(source, i, _)| {
                let at = l.t.at(*source, *i);
                l.t.input(at.file).file == file && at.row == row
            })
            .flat_map(|(_, _, fields)| fields.iter().copied().filter(|f| f.starts_with("planned")))
            .collect()
    };
    for c in carriers {
        let roles = roles(&c.file, c.row);
        let _ = writeln!(
            out,
            "  {:<7} {}:{} in {}{}",
            c.source.id(),
            c.file,
            c.row,
            c.headers.join(", "),
            if roles.is_empty() {
                String::new()
            } else {
                format!(" ({})", roles.join(", "))
            }
        );
    }
    // An Okta attribute the settings name, in a column of no canonical
    // field (a custom attribute), is not among the carriers.
    for (source, i, fields) in &hits {
        let at = l.t.at(*source, *i);
        let file = &l.t.input(at.file).file;
        if carriers.iter().any(|c| &c.file == file && c.row == at.row) {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<7} {}:{} as {}",
            source.id(),
            file,
            at.row,
            fields.join(", ")
        );
    }
    let persons: BTreeSet<u32> = hits.iter().map(|(s, i, _)| l.person_of(*s, *i)).collect();
    for p in persons {
        let _ = writeln!(out, "\nperson {}", p + 1);
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.person == Some(p)).collect();
        out.push_str(&person_text(l, lk, l.persons.get(p as usize), &mine));
    }
    Some(out)
}

/// `preflight explain`.
pub fn run(args: &ExplainArgs) -> Result<Exit> {
    if args.address.trim().is_empty() {
        anyhow::bail!(
            "explain: the address is empty. Give the address of one person, for example: preflight explain anna.berg@contoso.com okta.csv ad-users.csv ..."
        );
    }
    let (tables, settings) = audit::load_tables(&args.input)?;
    let rows = carriers(&tables, &args.address);
    let tenant = Tenant::build(tables, settings)?;
    let (linked, lookups) = Linked::build(&tenant);
    let (findings, _) = rules::check(&linked, &lookups);
    match explain(&linked, &lookups, &findings, &args.address, &rows) {
        Some(text) => {
            terminal_safe::print(&text)?;
            Ok(Exit::Clean)
        }
        None => {
            terminal_safe::print(&format!(
                "`{}` is in none of the inputs (compared trimmed and case-insensitively).\n",
                args.address.trim()
            ))?;
            Ok(Exit::Findings)
        }
    }
}
