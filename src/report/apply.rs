//! The apply-ready scripts `fixes/ad.ps1` and `fixes/m365.ps1` (SPEC
//! section 6): the changes of `fixes/ad.csv` and `fixes/m365.csv` that
//! have a value to set, as PowerShell commands an admin reviews and runs.
//!
//! Every value in them comes from an input, so the scripts are built so
//! that no value can be anything but a value:
//!
//! - each value is one single-quoted PowerShell string ([`quoted`]), every
//!   character PowerShell takes for a single quote (`'` and U+2018 to
//!   U+201B) doubled, so no value ends its string, and nothing in a
//!   single-quoted string expands (`$`, backtick, `"` are text);
//! - a value with a line break or another control character is never
//!   written into a command: the change is a comment saying it needs a
//!   manual fix, the value shown escaped ([`shown`]);
//! - a comment shows values the same way, on one line.
//!
//! They run as a dry run (`-WhatIf`, or for Microsoft Graph, which has no
//! `-WhatIf`, `Write-Host 'would run: …'`) unless called with `-Apply`.
//! A Microsoft 365 user synchronised from AD cannot be changed in the
//! cloud: its changes go to `ad.ps1`, found by UPN.
//!
//! The findings keep a record's subject, not the identifiers a command
//! needs (`ObjectGUID`, `sAMAccountName`, the object id, whether the user
//! is synchronised): [`targets`] reads them from the tenant when the
//! report is built, for the records whose changes have a value to set.
//!
//! Under `--redact` the scripts are not written: a script naming
//! pseudonyms could change nothing, and the identifiers it would need are
//! not addresses the redaction knows to replace.

use super::Report;
use super::fixes::{Ask, Changes};
use crate::link::Linked;
use crate::model::Source;
use crate::rules::Finding;
use anyhow::Result;
use std::collections::HashMap;
use std::io::Write;

/// What the scripts know of a record a change is about, beyond its subject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// AD: `ObjectGUID`; Microsoft 365: the object id (empty when the
    /// export has no such column).
    pub id: Box<str>,
    /// AD: `sAMAccountName`.
    pub sam_account_name: Box<str>,
    /// The UPN as the export writes it.
    pub upn: Box<str>,
    /// Microsoft 365: synchronised from AD.
    pub synced: bool,
}

/// The targets of the changes with a value to set, by the (source, file,
/// row) of the findings asking for them.
#[derive(Clone, Debug, Default)]
pub struct Targets(HashMap<(Source, Box<str>, u32), Target>);

impl Targets {
    fn of(&self, f: &Finding) -> Option<&Target> {
        self.0.get(&(f.source, f.file().into(), f.row))
    }
}

/// The targets of the findings that ask AD or Microsoft 365 to set a value
/// on their own record.
pub fn targets(l: &Linked<'_>, findings: &[Finding]) -> Targets {
    let t = l.t;
    let mut out = HashMap::new();
    for f in findings {
        if !matches!(f.source, Source::Ad | Source::M365) {
            continue;
        }
        let (Some(fix), Some(p)) = (f.fix(), f.person) else {
            continue;
        };
        if fix.to.is_empty() || fix.system != f.source {
            continue;
        }
        let person = l.persons.get(p as usize);
        let records = match f.source {
            Source::Ad => person.ad,
            Source::M365 => person.m365,
            _ => continue,
        };
        let found = records.iter().copied().find(|&i| {
            let at = t.at(f.source, i);
            at.row == f.row && t.inputs[at.file as usize].file == f.file()
        });
        let Some(i) = found else { continue };
        let target = match f.source {
            Source::Ad => {
                let a = &t.ad[i as usize];
                Target {
                    id: a.object_guid().into(),
                    sam_account_name: a.sam_account_name().into(),
                    upn: a.upn().into(),
                    synced: false,
                }
            }
            _ => {
                let m = &t.m365[i as usize];
                Target {
                    id: m.object_id().into(),
                    sam_account_name: Box::default(),
                    upn: m.upn().into(),
                    synced: m.synced,
                }
            }
        };
        out.insert((f.source, f.file().into(), f.row), target);
    }
    Targets(out)
}

/// `value` as a single-quoted PowerShell string, or `None` when it holds a
/// line break or another control character (a command never carries one).
pub fn quoted(value: &str) -> Option<String> {
    if value.chars().any(unsafe_char) {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if is_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Some(out)
}

/// The characters PowerShell reads as a single quote.
fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

/// Characters no script line carries from a value: control characters
/// (line breaks among them) and the Unicode line and paragraph separators.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `value` for a comment: quoted, each unsafe character written as `[U+XXXX]`.
pub fn shown(value: &str) -> String {
    let mut plain = String::with_capacity(value.len());
    for c in value.chars() {
        if unsafe_char(c) {
            plain.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            plain.push(c);
        }
    }
    quoted(&plain).expect("no unsafe character left")
}

/// How a command sets a field.
enum Param {
    /// `-Name 'value'`.
    Named(&'static str),
    /// `-Replace @{attribute='value'}` (AD).
    Replace(String),
}

/// The `Set-ADUser` parameter of a field, or why there is none.
fn ad_param(field: &str) -> Result<Param, &'static str> {
    let norm: String = field
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(Param::Named(match norm.as_str() {
        "upn" | "userprincipalname" => "-UserPrincipalName",
        // A Microsoft 365 user's primary address, synchronised from AD's mail.
        "mail" | "emailaddress" | "primarysmtp" => "-EmailAddress",
        "employeenumber" => "-EmployeeNumber",
        "employeeid" => "-EmployeeID",
        "proxyaddresses" => return Err("proxyAddresses is a list, not one value"),
        other => {
            let n = other.strip_prefix("extensionattribute");
            return match n.and_then(|n| n.parse::<u8>().ok()) {
                Some(n @ 1..=15) if other == format!("extensionattribute{n}") => {
                    Ok(Param::Replace(format!("extensionAttribute{n}")))
                }
                _ => Err("no AD attribute known for this field"),
            };
        }
    }))
}

/// The `Update-MgUser` parameter of a field, or why there is none.
fn graph_param(field: &str) -> Result<Param, &'static str> {
    match field {
        "upn" => Ok(Param::Named("-UserPrincipalName")),
        "primary_smtp" => Ok(Param::Named("-Mail")),
        _ => Err("no Microsoft Graph property known for this field"),
    }
}

impl Param {
    fn with(&self, value: &str) -> String {
        match self {
            Param::Named(p) => format!("{p} {value}"),
            Param::Replace(attr) => format!("-Replace @{{{attr}={value}}}"),
        }
    }
}

/// A GUID as AD and Entra write them (`8-4-4-4-12` hex digits, braces allowed).
fn is_guid(v: &str) -> bool {
    let v = v.trim();
    let v = v
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .unwrap_or(v);
    let groups: Vec<&str> = v.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `value` escaped for an LDAP filter (RFC 4515): `*`, `(`, `)`, `\` and
/// NUL as `\XX`, so a UPN can only match itself.
fn ldap_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '(' | ')' | '\\' | '\0' => out.push_str(&format!("\\{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The script's lines, written with CRLF ends.
struct Lines<W: Write> {
    out: W,
}

impl<W: Write> Lines<W> {
    fn line(&mut self, text: &str) -> Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\r\n")?;
        Ok(())
    }
}

/// One change as a script sees it.
struct Change<'a> {
    first: Ask<'a>,
    rules: String,
    target: Option<&'a Target>,
}

impl Change<'_> {
    /// The comment lines above a command: what is changed, why, and from what.
    fn about(&self, lines: &mut Lines<impl Write>, system: Source) -> Result<()> {
        lines.line(&format!(
            "# {} {} {}: current value {}",
            system.id(),
            shown(self.first.subject),
            shown(self.first.field),
            shown(self.first.current)
        ))?;
        // Rule ids are preflight's own.
        lines.line(&format!("# rules: {}", self.rules))
    }

    /// A comment saying the change needs doing by hand, and why.
    fn manual(&self, lines: &mut Lines<impl Write>, why: &str) -> Result<()> {
        lines.line(&format!(
            "# not scripted ({why}): set {} by hand to {}",
            shown(self.first.field),
            shown(self.first.to)
        ))
    }
}

/// The changes `system`'s worklist asks for, with their targets.
fn changes_of<'a>(
    r: &'a Report,
    changes: &'a Changes<'a>,
) -> impl Iterator<Item = Change<'a>> + 'a {
    changes.runs().iter().map(move |&run| {
        let first = changes.run(run).next().expect("a change has an ask");
        Change {
            first,
            rules: changes.rules(run).collect::<Vec<_>>().join(";"),
            target: r.targets.of(first.finding),
        }
    })
}

/// Where a change is written: `ad.ps1` for AD's and for those of Microsoft
/// 365 users synchronised from AD, `m365.ps1` for the others.
fn script_of(system: Source, c: &Change<'_>) -> Source {
    match (system, c.target) {
        (Source::M365, Some(t)) if t.synced => Source::Ad,
        _ => system,
    }
}

/// `fixes/ad.ps1` or `fixes/m365.ps1`.
pub fn script<W: Write>(r: &Report, script: Source, out: W) -> Result<()> {
    let ad = Changes::cached(&r.findings, Source::Ad, &r.fix_orders);
    let m365 = Changes::cached(&r.findings, Source::M365, &r.fix_orders);
    let mut lines = Lines { out };
    lines.out.write_all("\u{feff}".as_bytes())?;
    let (tool, how) = match script {
        Source::Ad => (
            "Set-ADUser (the ActiveDirectory module)",
            "each command has -WhatIf unless the script runs with -Apply",
        ),
        _ => (
            "Update-MgUser (Microsoft Graph PowerShell; Connect-MgGraph -Scopes User.ReadWrite.All first)",
            "each command is only printed unless the script runs with -Apply",
        ),
    };
    for l in [
        format!(
            "# {}: the changes of fixes/{}.csv that have a value to set, with {tool}.",
            super::Output::Script(script).name(),
            script.id()
        ),
        format!("# A dry run: {how}. Review it before running it with -Apply."),
        format!(
            "# Generated by preflight {} from the exports: the values are as they were exported.",
            r.version
        ),
        "param([switch]$Apply)".into(),
    ] {
        lines.line(&l)?;
    }
    let mut commands = 0usize;
    let mut without_value = 0usize;
    let mut elsewhere = 0usize;
    for (system, changes) in [(Source::Ad, &ad), (Source::M365, &m365)] {
        for c in changes_of(r, changes) {
            let goes_to = script_of(system, &c);
            if c.first.to.is_empty() {
                without_value += usize::from(system == script);
                continue;
            }
            if goes_to != script {
                elsewhere += usize::from(system == script);
                continue;
            }
            lines.line("")?;
            c.about(&mut lines, system)?;
            commands += 1;
            match (script, system) {
                (Source::Ad, Source::Ad) => ad_command(&mut lines, &c, false)?,
                (Source::Ad, _) => {
                    lines.line("# Synchronised from AD (DirSyncEnabled): changed in AD, found by UPN; the cloud takes it at the next sync.")?;
                    ad_command(&mut lines, &c, true)?
                }
                _ => graph_command(&mut lines, &c)?,
            }
        }
    }
    lines.line("")?;
    if commands == 0 {
        lines.line("# Nothing to change.")?;
    }
    if without_value > 0 {
        lines.line(&format!(
            "# {without_value} change(s) of fixes/{}.csv have no value to set: they stay in the worklist only.",
            script.id()
        ))?;
    }
    if elsewhere > 0 {
        lines.line(&format!(
            "# {elsewhere} change(s) of fixes/m365.csv are for users synchronised from AD: they are in fixes/ad.ps1."
        ))?;
    }
    Ok(())
}

/// The `Set-ADUser` of a change: by `ObjectGUID`, else `sAMAccountName`,
/// else (and always for a synchronised Microsoft 365 user, whose AD
/// account the export does not name) the one account with its UPN.
fn ad_command(lines: &mut Lines<impl Write>, c: &Change<'_>, by_upn: bool) -> Result<()> {
    let param = match ad_param(c.first.field) {
        Ok(p) => p,
        Err(why) => return c.manual(lines, why),
    };
    let Some(value) = quoted(c.first.to) else {
        return c.manual(lines, "the value holds a line break or control character");
    };
    let set = param.with(&value);
    let target = c.target.filter(|_| !by_upn);
    let identity = target.and_then(|t| {
        let guid = Some(t.id.trim()).filter(|g| is_guid(g));
        let sam = Some(t.sam_account_name.trim()).filter(|s| !s.is_empty());
        guid.or(sam).and_then(quoted)
    });
    if let Some(identity) = identity {
        return lines.line(&format!(
            "Set-ADUser -Identity {identity} {set} -WhatIf:(-not $Apply)"
        ));
    }
    // By UPN: an LDAP filter (no wildcard, nothing expands), and only when
    // it finds exactly one account.
    let upn = c.target.map_or(c.first.subject, |t| &t.upn);
    let filter = quoted(&format!("(userPrincipalName={})", ldap_escaped(upn)));
    let (Some(filter), Some(shown_upn)) = (filter, quoted(upn)) else {
        return c.manual(lines, "the UPN holds a line break or control character");
    };
    lines.line(&format!("$u = @(Get-ADUser -LDAPFilter {filter})"))?;
    lines.line(&format!(
        "if ($u.Count -eq 1) {{ Set-ADUser -Identity $u[0] {set} -WhatIf:(-not $Apply) }} else {{ Write-Warning ('not changed: ' + $u.Count + ' accounts have the UPN ' + {shown_upn}) }}"
    ))
}

/// The `Update-MgUser` of a change, by object id, else by UPN.
fn graph_command(lines: &mut Lines<impl Write>, c: &Change<'_>) -> Result<()> {
    let param = match graph_param(c.first.field) {
        Ok(p) => p,
        Err(why) => return c.manual(lines, why),
    };
    let Some(value) = quoted(c.first.to) else {
        return c.manual(lines, "the value holds a line break or control character");
    };
    let id = c
        .target
        .map(|t| &t.id)
        .filter(|id| is_guid(id))
        .map_or(c.first.subject, |id| id.trim());
    let Some(id) = quoted(id) else {
        return c.manual(lines, "the user id holds a line break or control character");
    };
    let command = format!("Update-MgUser -UserId {id} {}", param.with(&value));
    let would = quoted(&format!("would run: {command}")).expect("built from quoted values");
    lines.line(&format!(
        "if ($Apply) {{ {command} }} else {{ Write-Host {would} }}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_single_quoted_with_every_single_quote_doubled() {
        assert_eq!(quoted("a'b").unwrap(), "'a''b'");
        assert_eq!(
            quoted("\u{2018}\u{2019}\u{201a}\u{201b}").unwrap(),
            "'\u{2018}\u{2018}\u{2019}\u{2019}\u{201a}\u{201a}\u{201b}\u{201b}'"
        );
        assert_eq!(quoted("$(x) `\" ;").unwrap(), "'$(x) `\" ;'");
        for bad in ["a\nb", "a\rb", "a\u{0}b", "a\u{85}b", "a\u{2028}b"] {
            assert_eq!(quoted(bad), None, "{bad:?}");
        }
        assert_eq!(shown("a\n'b"), "'a[U+000A]''b'");
    }

    #[test]
    fn ad_fields_map_to_set_aduser_parameters() {
        let p = |f| ad_param(f).map(|p| p.with("'v'"));
        assert_eq!(p("upn"), Ok("-UserPrincipalName 'v'".into()));
        assert_eq!(p("employeeNumber"), Ok("-EmployeeNumber 'v'".into()));
        assert_eq!(p("employee_id"), Ok("-EmployeeID 'v'".into()));
        assert_eq!(
            p("ExtensionAttribute7"),
            Ok("-Replace @{extensionAttribute7='v'}".into())
        );
        assert!(p("extensionAttribute16").is_err());
        assert!(p("extensionAttribute07").is_err());
        assert!(p("proxy_addresses").is_err());
        assert!(p("department").is_err());
    }

    #[test]
    fn guids_and_ldap_escapes() {
        assert!(is_guid("17989a6f-a381-7464-ec35-93f3a00d0c36"));
        assert!(is_guid("{17989A6F-A381-7464-EC35-93F3A00D0C36}"));
        assert!(!is_guid("17989a6f-a381-7464-ec35-93f3a00d0c3"));
        assert!(!is_guid("x'; Remove-ADUser"));
        assert_eq!(ldap_escaped("a*(b)\\c"), "a\\2a\\28b\\29\\5cc");
    }
}
