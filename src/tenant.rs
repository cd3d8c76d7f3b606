//! The model of one audit: the records of every source, merged as SPEC
//! section 3 says (Microsoft 365 files by UPN, inSync files by email, Okta
//! and AD files concatenated), with the settings resolved against the
//! columns the exports really have.
//!
//! Settings that name columns are checked here: a column named by a setting
//! someone gave and missing from an export stops the run; a default that
//! misses only skips the checks that depend on it, listed with the reason.

use crate::load::{self, Table, okta::attribute_field};
use crate::model::{
    AdUser, At, Field, InputInfo, InsyncStatus, InsyncUser, Keyed, M365User, OktaUser, SetAside,
    Source, key,
};
use crate::settings::Settings;
use anyhow::{Result, bail};
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

/// A check that could not run, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub check: String,
    pub reason: String,
    /// Whether the check decides the verdict (SPEC section 5): a deciding
    /// check that did not run makes the verdict `inconclusive`.
    #[serde(skip)]
    pub decides: bool,
}

/// What was inferred for `okta.current.user_name`.
#[derive(Clone, Debug, Serialize)]
pub struct Inference {
    pub attribute: String,
    /// Distinct inSync emails the chosen attribute matches.
    pub matches: usize,
    /// Distinct inSync emails the other candidate matches.
    pub other: String,
    pub other_matches: usize,
    /// Whether the value was carried over from `--baseline` (the first
    /// run's inference), not inferred from this run's exports.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub from_baseline: bool,
    /// With a carried value: what this run's exports alone would infer,
    /// when that differs (the remediation has usually started).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this_run: Option<String>,
}

impl Inference {
    /// How the value was found, in one sentence (report and run summary).
    pub fn describe(&self) -> String {
        let counts = format!(
            "`{}` matches {} inSync emails, `{}` matches {}",
            self.attribute, self.matches, self.other, self.other_matches
        );
        match (&self.this_run, self.from_baseline) {
            (Some(own), _) => format!(
                "carried over from the baseline (its inference). Warning: this run's exports alone would infer `{own}` ({counts}): the remediation has likely started; the baseline's value keeps today's model as it was"
            ),
            (None, true) => format!("carried over from the baseline (its inference; {counts})"),
            (None, false) => format!("inferred from the exports: {counts}"),
        }
    }
}

/// The Okta attribute values the settings name, per Okta user: read them
/// with [`Tenant::okta_values`].
#[derive(Clone, Debug, Default)]
pub struct OktaValues([OktaValue; 4]);

/// One attribute value of an Okta user: one of the user's own fields when
/// the attribute is that field's column (the usual case: `login`, `email`),
/// not copied; else its own copy.
#[derive(Clone, Debug, Default)]
enum OktaValue {
    #[default]
    Empty,
    Login,
    Email,
    SecondEmail,
    Own(Box<str>),
}

/// The Okta attribute values the settings name, of one Okta user.
#[derive(Clone, Copy, Debug)]
pub struct OktaAttrs<'t> {
    pub current_user_name: &'t str,
    pub current_upn: &'t str,
    pub plan_user_name: &'t str,
    pub plan_upn: &'t str,
}

/// Everything the audit knows, before linking.
pub struct Tenant {
    /// The input files, in the order given; a record's `At::file` indexes it.
    pub inputs: Vec<InputInfo>,
    pub settings: Settings,
    pub inferred: Option<Inference>,
    pub okta: Vec<OktaUser>,
    okta_values: Vec<OktaValues>,
    pub ad: Vec<AdUser>,
    /// The identification attribute's value per AD user (when set).
    pub ad_uupic: Vec<Box<str>>,
    /// The value of the Okta column named like the identification attribute,
    /// per Okta user (empty when unset or when Okta has no such column).
    pub okta_uupic: Vec<Box<str>>,
    pub insync: Vec<InsyncUser>,
    pub m365: Vec<M365User>,
    /// Whether some Microsoft 365 input shows mailbox addresses.
    pub mailbox_data: bool,
    /// Whether the Exchange checks are judged: mailbox addresses shown and
    /// no address column set aside (SPEC section 5).
    pub exchange_judged: bool,
    /// Whether some Microsoft 365 input shows UPNs (else OneDrive is not
    /// judged).
    pub upn_data: bool,
    /// Whether the planned scenario (and the change rules) can be evaluated.
    pub planned: bool,
    /// A UUPIC audit: the identification attribute set, no Okta input
    /// (SPEC section 5): decided by its own checks.
    pub uupic_audit: bool,
    pub skipped: Vec<Skip>,
}

impl Tenant {
    pub fn has(&self, source: Source) -> bool {
        self.inputs.iter().any(|t| t.source == source)
    }

    /// The input file a record came from.
    pub fn input(&self, file: u32) -> &InputInfo {
        &self.inputs[file as usize]
    }

    /// Where record `i` of a source came from.
    pub fn at(&self, source: Source, i: u32) -> At {
        let i = i as usize;
        match source {
            Source::Okta => self.okta[i].at,
            Source::Ad => self.ad[i].at,
            Source::Insync => self.insync[i].at,
            Source::M365 => self.m365[i].at,
        }
    }

    /// The record's own identifier as written: the Okta login, the AD or
    /// Microsoft 365 UPN, the inSync email.
    pub fn identifier(&self, source: Source, i: u32) -> &str {
        let i = i as usize;
        match source {
            Source::Okta => &self.okta[i].login,
            Source::Ad => &self.ad[i].upn,
            Source::Insync => &self.insync[i].email,
            Source::M365 => self.m365[i].subject(),
        }
    }

    /// The attribute values the settings name of Okta user `o`.
    pub fn okta_values(&self, o: u32) -> OktaAttrs<'_> {
        let user = &self.okta[o as usize];
        let [a, b, c, d] = self.okta_values[o as usize].0.each_ref().map(|v| match v {
            OktaValue::Empty => "",
            OktaValue::Login => &user.login,
            OktaValue::Email => &user.email,
            OktaValue::SecondEmail => &user.second_email,
            OktaValue::Own(s) => s,
        });
        OktaAttrs {
            current_user_name: a,
            current_upn: b,
            plan_user_name: c,
            plan_upn: d,
        }
    }

    /// The file name (without folders) of a record's input file.
    pub fn file_name(&self, file: u32) -> &str {
        self.inputs[file as usize].file_name()
    }

    /// Builds the model from loaded tables and settings.
    pub fn build(tables: Vec<Table>, mut settings: Settings) -> Result<Tenant> {
        let mut skipped = Vec::new();
        enum Records {
            Okta(Vec<OktaUser>),
            Ad(Vec<AdUser>),
            Insync(Vec<InsyncUser>),
            M365(Vec<M365User>),
        }
        // Every table's records at once (and each table's rows in parallel).
        let parts: Vec<Records> = tables
            .par_iter()
            .enumerate()
            .map(|(i, t)| {
                let file = i as u32;
                match t.source {
                    Source::Okta => Records::Okta(load::okta::records(t, file)),
                    Source::Ad => Records::Ad(load::ad::records(t, file)),
                    Source::Insync => Records::Insync(load::insync::records(t, file)),
                    Source::M365 => Records::M365(load::m365::records(t, file)),
                }
            })
            .collect();
        let mut okta = Vec::new();
        let mut ad = Vec::new();
        let mut insync_parts = Vec::new();
        let mut m365_parts = Vec::new();
        for (t, part) in tables.iter().zip(parts) {
            match part {
                Records::Okta(r) if okta.is_empty() => okta = r,
                Records::Okta(r) => okta.extend(r),
                Records::Ad(r) if ad.is_empty() => ad = r,
                Records::Ad(r) => ad.extend(r),
                Records::Insync(r) => insync_parts.push((t, r)),
                Records::M365(r) => m365_parts.push((t, r)),
            }
        }
        let insync = merge_insync(insync_parts);
        // A Microsoft 365 address column set aside (a .NET type name in
        // it) leaves the mailbox addresses unknown (SPEC section 5).
        let addresses_set_aside: Vec<&SetAside> = tables
            .iter()
            .filter(|t| t.source == Source::M365)
            .flat_map(|t| &t.set_aside)
            .filter(|s| matches!(s.field, Field::PrimarySmtp | Field::ProxyAddresses))
            .collect();
        let mailbox_data = m365_parts.iter().any(|(t, _)| {
            t.columns.contains_key(&Field::PrimarySmtp)
                || t.columns.contains_key(&Field::ProxyAddresses)
        });
        // The addresses known still resolve identifiers; the Exchange
        // checks need them all.
        let exchange_judged = mailbox_data && addresses_set_aside.is_empty();
        // Whether some Microsoft 365 input shows UPNs (a mailbox export
        // alone may not): OneDrive finds users by UPN only.
        let upn_data = m365_parts
            .iter()
            .any(|(t, _)| t.columns.contains_key(&Field::Upn));
        let no_upn_files: Vec<&str> = m365_parts
            .iter()
            .filter(|(t, _)| !t.columns.contains_key(&Field::Upn))
            .map(|(t, _)| t.file_name())
            .collect();
        let m365 = merge_m365(m365_parts);

        let okta_tables: Vec<&Table> = tables.iter().filter(|t| t.source == Source::Okta).collect();
        let has_okta = !okta_tables.is_empty();

        // okta.current.user_name: given, or inferred.
        let mut inferred = None;
        if has_okta && settings.current_user_name.value.is_none() {
            let own = infer_user_name(&okta, &insync);
            let inference = match settings.baseline_user_name.as_deref() {
                Some(carried) if carried != own.attribute => Inference {
                    attribute: own.other.clone(),
                    matches: own.other_matches,
                    other: own.attribute.clone(),
                    other_matches: own.matches,
                    from_baseline: true,
                    this_run: Some(own.attribute),
                },
                Some(_) => Inference {
                    from_baseline: true,
                    ..own
                },
                None => own,
            };
            settings.current_user_name.value = Some(inference.attribute.clone());
            inferred = Some(inference);
        }
        let mut planned = has_okta;
        // A UUPIC audit is decided by its own checks; the change checks are
        // not requested (SPEC section 5).
        let uupic_audit = settings.identification_attribute.value.is_some() && !has_okta;
        if uupic_audit {
            skipped.push(Skip {
                check: "planned scenario and change rules".into(),
                reason: "not requested: a UUPIC audit (identification attribute set, no Okta export) is not about the Okta mapping change".into(),
                decides: false,
            });
        } else if !has_okta {
            skipped.push(Skip {
                check: "planned scenario and change rules".into(),
                reason: "no Okta export was given: the planned values come from Okta attributes"
                    .into(),
                decides: true,
            });
        }
        // Every Okta column a setting names must exist.
        let named = [
            (
                "okta.current.user_name",
                &settings.current_user_name.value,
                settings.current_user_name.explicit,
            ),
            (
                "okta.current.upn",
                &settings.current_upn.value,
                settings.current_upn.explicit,
            ),
            (
                "plan.user_name",
                &Some(settings.plan_user_name.value.clone()),
                settings.plan_user_name.explicit,
            ),
            (
                "plan.upn",
                &settings.plan_upn.value,
                settings.plan_upn.explicit,
            ),
        ];
        for (setting, attr, explicit) in named {
            let Some(attr) = attr else { continue };
            for t in &okta_tables {
                if okta_column(t, attr).is_none() {
                    if explicit {
                        bail!(
                            "{}: setting {setting} names the Okta attribute `{attr}`, but this export has no such column. \
                             Columns found: {}. Export Okta with that attribute, or set {setting} to a column it has.",
                            t.file,
                            load::list_headers(&t.headers)
                        );
                    }
                    planned = false;
                    skipped.push(Skip {
                        check: "planned scenario and change rules".into(),
                        reason: format!(
                            "{}: the default {setting} = `{attr}` names a column this Okta export lacks; set {setting} to the attribute you will map",
                            t.file_name()
                        ),
                        decides: true,
                    });
                }
            }
        }
        // The columns of the named attributes, per table (looked up once).
        let attrs = [
            settings.current_user_name.value.clone(),
            settings.current_upn.value.clone(),
            Some(settings.plan_user_name.value.clone()),
            settings.plan_upn.value.clone(),
        ];
        let okta_cols: Vec<[Option<usize>; 4]> = tables
            .iter()
            .map(|t| attrs.clone().map(|a| a.and_then(|a| okta_column(t, &a))))
            .collect();
        // An attribute in the column of the user's login, email or second
        // email reads that field.
        let own_fields: Vec<[Option<usize>; 3]> = tables
            .iter()
            .map(|t| {
                [Field::Login, Field::Email, Field::SecondEmail].map(|f| t.columns.get(&f).copied())
            })
            .collect();
        let okta_values = okta
            .par_iter()
            .map(|o| {
                let file = o.at.file as usize;
                let row = &tables[file].rows[o.at.record as usize];
                OktaValues(okta_cols[file].map(|col| {
                    let Some(col) = col else {
                        return OktaValue::Empty;
                    };
                    match own_fields[file].iter().position(|&c| c == Some(col)) {
                        Some(0) => OktaValue::Login,
                        Some(1) => OktaValue::Email,
                        Some(_) => OktaValue::SecondEmail,
                        None => match tables[file].value(row, col) {
                            "" => OktaValue::Empty,
                            v => OktaValue::Own(v.into()),
                        },
                    }
                }))
            })
            .collect();

        // The identification attribute must be an AD column.
        let mut ad_uupic = Vec::new();
        if let Some(attr) = &settings.identification_attribute.value {
            let ad_tables: Vec<&Table> = tables.iter().filter(|t| t.source == Source::Ad).collect();
            if ad_tables.is_empty() {
                skipped.push(Skip {
                    check: "UUPIC rules".into(),
                    reason: format!("insync.identification_attribute = `{attr}` is set, but no Active Directory export was given"),
                    decides: uupic_audit,
                });
            }
            for t in &ad_tables {
                if t.column(attr).is_none() {
                    bail!(
                        "{}: insync.identification_attribute names the AD attribute `{attr}`, but this export has no such column. \
                         Columns found: {}. Export AD with it, e.g. Get-ADUser -Filter * -Properties {attr} | Select-Object UserPrincipalName,Enabled,{attr},... | Export-Csv",
                        t.file,
                        load::list_headers(&t.headers)
                    );
                }
            }
            let cols: Vec<Option<usize>> = tables.iter().map(|t| t.column(attr)).collect();
            ad_uupic = ad
                .par_iter()
                .map(|a| {
                    let t = &tables[a.at.file as usize];
                    let row = &t.rows[a.at.record as usize];
                    cols[a.at.file as usize]
                        .map_or("", |c| t.value(row, c))
                        .into()
                })
                .collect();
        }
        // The same attribute in Okta, when its export has it: a value with
        // leading zeros there shows what AD's value lost.
        let mut okta_uupic = Vec::new();
        if let Some(attr) = &settings.identification_attribute.value {
            let cols: Vec<Option<usize>> = tables
                .iter()
                .map(|t| {
                    (t.source == Source::Okta)
                        .then(|| okta_column(t, attr))
                        .flatten()
                })
                .collect();
            if cols.iter().any(Option::is_some) {
                okta_uupic = okta
                    .par_iter()
                    .map(|o| {
                        let t = &tables[o.at.file as usize];
                        let row = &t.rows[o.at.record as usize];
                        cols[o.at.file as usize]
                            .map_or("", |c| t.value(row, c))
                            .into()
                    })
                    .collect();
            }
        }
        if !tables.iter().any(|t| t.source == Source::M365) {
            skipped.push(Skip {
                check: "backup checks (OneDrive, Exchange backup and restore)".into(),
                reason: "no Microsoft 365 export was given: the identifiers cannot be resolved"
                    .into(),
                decides: !uupic_audit,
            });
        } else if let Some(first) = addresses_set_aside.first() {
            let columns: Vec<String> = addresses_set_aside
                .iter()
                .map(|s| format!("{} column `{}`", crate::model::file_name(&s.file), s.column))
                .collect();
            skipped.push(Skip {
                check: "Exchange Online backup and restore".into(),
                reason: format!(
                    "{} set aside: it holds a .NET type name instead of the mailbox addresses; OneDrive is judged by UPN alone. Export it again with the values joined: @{{n='{c}';e={{$_.{c} -join ';'}}}} in Select-Object",
                    columns.join(", "),
                    c = first.column
                ),
                decides: !uupic_audit,
            });
        } else if !mailbox_data {
            skipped.push(Skip {
                check: "Exchange Online backup and restore".into(),
                reason: "no Microsoft 365 export shows mailbox addresses (no primary SMTP or proxy-address column); OneDrive is judged by UPN alone".into(),
                decides: !uupic_audit,
            });
        }
        // Every column set aside: the checks that read it run without it.
        for t in &tables {
            for s in &t.set_aside {
                skipped.push(Skip {
                    check: set_aside_checks(t.source, s),
                    reason: format!(
                        "{}: column `{}` holds a .NET type name instead of its values and was set aside; export it again with @{{n='{c}';e={{$_.{c} -join ';'}}}} in Select-Object",
                        t.file_name(),
                        s.column,
                        c = s.column
                    ),
                    decides: false,
                });
            }
        }
        skipped.extend(ad_columns_missing(
            &tables,
            settings.identification_attribute.value.is_some(),
        ));
        if !upn_data && !no_upn_files.is_empty() {
            skipped.push(Skip {
                check: "OneDrive backup (onedrive-user-not-found)".into(),
                reason: format!(
                    "no Microsoft 365 export shows UPNs ({} has no UserPrincipalName column): OneDrive finds users by UPN only. Add the users export (admin center Active users, or Get-EXOMailbox with UserPrincipalName)",
                    no_upn_files.join(", ")
                ),
                decides: !uupic_audit,
            });
        }
        if !tables.iter().any(|t| t.source == Source::Insync) {
            skipped.push(Skip {
                check: "inSync checks (backup, remap, duplicates)".into(),
                reason: "no inSync export was given".into(),
                decides: !uupic_audit,
            });
        }
        // Every value the audit needs is in the records now: release the
        // rows (the largest structure of a big tenant) before linking.
        let mut tables = tables;
        let released: Vec<Vec<load::Row>> = tables
            .iter_mut()
            .map(|t| std::mem::take(&mut t.rows))
            .collect();
        rayon::spawn(move || drop(released));
        Ok(Tenant {
            inputs: tables.into_iter().map(Table::into_info).collect(),
            settings,
            inferred,
            okta,
            okta_values,
            ad,
            ad_uupic,
            okta_uupic,
            insync,
            m365,
            mailbox_data,
            exchange_judged,
            upn_data,
            planned,
            uupic_audit,
            skipped,
        })
    }
}

/// The AD checks an export cannot feed because it lacks their columns (an
/// ADUC "Export List" shows only the console's columns: no `Enabled`,
/// `userAccountControl` or `proxyAddresses`), listed as skipped with the
/// files and the export that has them. A column set aside is listed with
/// its own reason, and one empty in every row counts as absent.
fn ad_columns_missing(tables: &[Table], uupic: bool) -> Vec<Skip> {
    let ad: Vec<&Table> = tables.iter().filter(|t| t.source == Source::Ad).collect();
    // The files lacking a column, and why when it is an ADUC list.
    let lacking = |has: &dyn Fn(&Table) -> bool| -> (Vec<&str>, &str) {
        let files: Vec<&Table> = ad.iter().copied().filter(|t| !has(t)).collect();
        let aduc = files
            .iter()
            .any(|t| t.columns.contains_key(&Field::ObjectType));
        (
            files.iter().map(|t| t.file_name()).collect(),
            if aduc {
                " (an ADUC export list shows only the console's columns)"
            } else {
                ""
            },
        )
    };
    let set_aside = |t: &Table, f: Field| t.set_aside.iter().any(|s| s.field == f);
    let mut skipped = Vec::new();
    let (no_status, why) = lacking(&|t| {
        [Field::Enabled, Field::UserAccountControl]
            .iter()
            .any(|f| t.columns.contains_key(f) || set_aside(t, *f))
    });
    if !no_status.is_empty() {
        let uupic = if uupic {
            "; the UUPIC checks count every account as in scope"
        } else {
            ""
        };
        skipped.push(Skip {
            check: "disabled Active Directory accounts (inactive-in-idp for the AD account)".into(),
            reason: format!(
                "{} {} no Enabled or userAccountControl column{why}: every account is read as enabled{uupic}. \
                 Export AD with Get-ADUser -Filter * -Properties mail,proxyAddresses | Select-Object UserPrincipalName,mail,Enabled,... | Export-Csv",
                no_status.join(", "),
                if no_status.len() == 1 { "has" } else { "have" }
            ),
            decides: false,
        });
    }
    let (no_proxies, why) = lacking(&|t| {
        t.columns.contains_key(&Field::ProxyAddresses) || set_aside(t, Field::ProxyAddresses)
    });
    if !no_proxies.is_empty() {
        skipped.push(Skip {
            check: "Active Directory proxy-address checks (duplicate-address, invalid-address, non-ascii-address on proxyAddresses)".into(),
            reason: format!(
                "{} {} no proxyAddresses column{why}: the AD aliases are not checked. \
                 Export AD with Get-ADUser -Filter * -Properties mail,proxyAddresses | Select-Object UserPrincipalName,mail,Enabled,@{{n='proxyAddresses';e={{$_.proxyAddresses -join ';'}}}} | Export-Csv",
                no_proxies.join(", "),
                if no_proxies.len() == 1 { "has" } else { "have" }
            ),
            decides: false,
        });
    }
    skipped
}

/// The checks that read a column set aside, for the list of skipped checks.
fn set_aside_checks(source: Source, s: &SetAside) -> String {
    let hygiene = "duplicate-address, invalid-address, non-ascii-address";
    match (source, s.field) {
        (Source::Ad, Field::ProxyAddresses) => {
            format!(
                "Active Directory proxy-address checks ({hygiene} on `{}`)",
                s.column
            )
        }
        (Source::M365, Field::ProxyAddresses | Field::PrimarySmtp) => format!(
            "Microsoft 365 mailbox-address checks ({hygiene}, m365-no-mailbox on `{}`)",
            s.column
        ),
        (_, Field::Mail | Field::Email | Field::SecondEmail | Field::AdAttribute) => {
            format!(
                "{} address checks ({hygiene} on `{}`)",
                source.title(),
                s.column
            )
        }
        _ => format!(
            "checks that read the {} column `{}`",
            source.title(),
            s.column
        ),
    }
}

/// The column of an Okta table that holds an attribute: by its name as a
/// header, or by the console title of the same attribute.
pub fn okta_column(table: &Table, attribute: &str) -> Option<usize> {
    table
        .column(attribute)
        .or_else(|| attribute_field(attribute).and_then(|f| table.columns.get(&f).copied()))
}

/// Infers `okta.current.user_name`: the attribute of `login`, `email` whose
/// values match more distinct inSync emails (a tie goes to `login`).
fn infer_user_name(okta: &[OktaUser], insync: &[InsyncUser]) -> Inference {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    // Each distinct inSync email once, numbered; per email, which of the
    // two attributes has a value that matches it (bit 1 login, bit 2
    // email), marked from the Okta users in parallel. One set, sized once:
    // a million users' sets, grown and built on one thread, took a second.
    let mut emails: HashMap<Keyed, u32> =
        HashMap::with_capacity_and_hasher(insync.len(), Default::default());
    for u in insync {
        if !u.email.trim().is_empty() {
            let next = emails.len() as u32;
            emails.entry(Keyed(&u.email)).or_insert(next);
        }
    }
    let matched: Vec<AtomicU8> = (0..emails.len()).map(|_| AtomicU8::new(0)).collect();
    okta.par_iter().for_each(|o| {
        for (bit, value) in [(1, &o.login), (2, &o.email)] {
            if let Some(&i) = emails.get(&Keyed(value)) {
                matched[i as usize].fetch_or(bit, Relaxed);
            }
        }
    });
    let count = |bit: u8| {
        matched
            .iter()
            .filter(|m| m.load(Relaxed) & bit != 0)
            .count()
    };
    let (by_login, by_email) = (count(1), count(2));
    if by_email > by_login {
        Inference {
            attribute: "email".into(),
            matches: by_email,
            other: "login".into(),
            other_matches: by_login,
            from_baseline: false,
            this_run: None,
        }
    } else {
        Inference {
            attribute: "login".into(),
            matches: by_login,
            other: "email".into(),
            other_matches: by_email,
            from_baseline: false,
            this_run: None,
        }
    }
}

/// Merges inSync files by email: the first file's record wins and later
/// files fill what it lacks; a Preserved Users report marks its users
/// preserved. Rows of one file are never merged.
fn merge_insync(mut parts: Vec<(&Table, Vec<InsyncUser>)>) -> Vec<InsyncUser> {
    if parts.len() == 1 {
        // One file: nothing to merge (rows of one file are never merged).
        return parts.pop().map(|(_, users)| users).unwrap_or_default();
    }
    let mut out: Vec<InsyncUser> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::default();
    for (_, users) in parts {
        let mut this_file: HashMap<String, usize> = HashMap::default();
        for u in users {
            let k = key(&u.email);
            match by_email.get(&k) {
                Some(&i) if !k.is_empty() && !this_file.contains_key(&k) => {
                    let m = &mut out[i];
                    if m.ad_attribute.trim().is_empty() {
                        m.ad_attribute = u.ad_attribute;
                    }
                    if m.profile.trim().is_empty() {
                        m.profile = u.profile;
                    }
                    if m.display_name.trim().is_empty() {
                        m.display_name = u.display_name;
                    }
                    if u.status != InsyncStatus::Active {
                        m.status = u.status;
                    }
                    this_file.insert(k, i);
                }
                _ => {
                    this_file.insert(k.clone(), out.len());
                    by_email.entry(k).or_insert(out.len());
                    out.push(u);
                }
            }
        }
    }
    out
}

/// Merges Microsoft 365 files by UPN: a value from one fills what the other
/// lacks, a non-empty value from an earlier file wins. A record without a
/// UPN (a mailbox export without that column) merges by primary SMTP
/// address with a record of an earlier file (SPEC section 3), and a later
/// record with a UPN fills an earlier one without. Rows of one file are
/// never merged.
fn merge_m365(mut parts: Vec<(&Table, Vec<M365User>)>) -> Vec<M365User> {
    if parts.len() == 1 {
        // One file: nothing to merge (rows of one file are never merged).
        return parts.pop().map(|(_, users)| users).unwrap_or_default();
    }
    let mut out: Vec<M365User> = Vec::new();
    let mut by_upn: HashMap<String, usize> = HashMap::default();
    let mut by_primary: HashMap<String, usize> = HashMap::default();
    for (_, users) in parts {
        let mut this_file: HashSet<usize> = HashSet::default();
        for u in users {
            let upn = key(&u.upn);
            let primary = key(crate::link::primary_of(&u));
            let found = if upn.is_empty() {
                by_primary.get(&primary).copied()
            } else {
                by_upn.get(&upn).copied().or_else(|| {
                    // An earlier record without a UPN, by primary address.
                    by_primary
                        .get(&primary)
                        .copied()
                        .filter(|&i| out[i].upn.trim().is_empty())
                })
            };
            match found {
                Some(i) if !this_file.contains(&i) => {
                    let m = &mut out[i];
                    if m.upn.trim().is_empty() {
                        m.upn = u.upn;
                        if !upn.is_empty() {
                            by_upn.entry(upn).or_insert(i);
                        }
                    }
                    if m.primary_smtp.trim().is_empty() {
                        m.primary_smtp = u.primary_smtp;
                    }
                    if m.proxies.is_empty() {
                        m.proxies = u.proxies;
                    }
                    m.sign_in_blocked |= u.sign_in_blocked;
                    if m.licensed.is_none() {
                        m.licensed = u.licensed;
                    }
                    m.shared_mailbox |= u.shared_mailbox;
                    if m.display_name.trim().is_empty() {
                        m.display_name = u.display_name;
                    }
                    if !primary.is_empty() {
                        by_primary.entry(primary).or_insert(i);
                    }
                    this_file.insert(i);
                }
                _ => {
                    let i = out.len();
                    this_file.insert(i);
                    if !upn.is_empty() {
                        by_upn.entry(upn).or_insert(i);
                    }
                    if !primary.is_empty() {
                        by_primary.entry(primary).or_insert(i);
                    }
                    out.push(u);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InsyncStatus, OktaStatus};

    fn okta(login: &str, email: &str) -> OktaUser {
        OktaUser {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            login: login.into(),
            email: email.into(),
            second_email: "".into(),
            status: OktaStatus::Active,
            status_text: "ACTIVE".into(),
            employee_number: "".into(),
            display_name: "".into(),
        }
    }

    fn insync(email: &str) -> InsyncUser {
        InsyncUser {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            email: email.into(),
            ad_attribute: "".into(),
            status: InsyncStatus::Active,
            profile: "".into(),
            display_name: "".into(),
        }
    }

    fn inferred(okta_users: &[OktaUser], emails: &[&str]) -> (String, usize, usize) {
        let users: Vec<InsyncUser> = emails.iter().map(|e| insync(e)).collect();
        let i = infer_user_name(okta_users, &users);
        let (login, email) = if i.attribute == "login" {
            (i.matches, i.other_matches)
        } else {
            (i.other_matches, i.matches)
        };
        (i.attribute, login, email)
    }

    fn m365(upn: &str, primary: &str, licensed: Option<bool>) -> M365User {
        M365User {
            at: At {
                file: 0,
                row: 2,
                record: 0,
            },
            upn: upn.into(),
            primary_smtp: primary.into(),
            proxies: Default::default(),
            sign_in_blocked: false,
            licensed,
            shared_mailbox: false,
            display_name: "".into(),
        }
    }

    /// A mailbox export without UPNs merges with the users export by
    /// primary SMTP address, whichever comes first; rows of one file never
    /// merge, and a mailbox matching nothing stays on its own.
    #[test]
    fn m365_records_without_upn_merge_by_primary_address() {
        let table = crate::load::load_bytes(
            "m.csv",
            b"User principal name,Licenses\na@contoso.com,E3\n",
            &Default::default(),
        )
        .unwrap();
        let users = || {
            vec![
                m365("anna.berg@contoso.com", "anna@contoso.co.uk", Some(true)),
                m365("mark.taylor@contoso.com", "", Some(false)),
            ]
        };
        let mailboxes = || {
            vec![
                m365("", "ANNA@contoso.co.uk", None),
                m365("", "anna@contoso.co.uk", None),
                m365("", "info@contoso.co.uk", None),
            ]
        };
        for users_first in [true, false] {
            let parts = if users_first {
                vec![(&table, users()), (&table, mailboxes())]
            } else {
                vec![(&table, mailboxes()), (&table, users())]
            };
            let merged = merge_m365(parts);
            let upns: Vec<(&str, &str, Option<bool>)> = merged
                .iter()
                .map(|m| (&*m.upn, m.subject(), m.licensed))
                .collect();
            assert_eq!(merged.len(), 4, "{upns:?}");
            let anna: Vec<_> = upns
                .iter()
                .filter(|(u, _, _)| *u == "anna.berg@contoso.com")
                .collect();
            assert_eq!(anna.len(), 1, "{upns:?}");
            assert_eq!(anna[0].2, Some(true));
            // The second mailbox row with Anna's address stays a record
            // of its own (rows of one file never merge), keyed by address.
            assert!(
                upns.iter()
                    .any(|(u, s, _)| u.is_empty() && *s == "anna@contoso.co.uk")
            );
            assert!(upns.iter().any(|(_, s, _)| *s == "info@contoso.co.uk"));
        }
    }

    #[test]
    fn the_user_name_is_the_attribute_matching_more_distinct_insync_emails() {
        // Emails match by key (case and spaces aside); an inSync email
        // matched by two Okta users, or listed twice, counts once; empty
        // values match nothing.
        let o = [
            okta("anna@contoso.com", "anna@contoso.co.uk"),
            okta("BEN@contoso.com", "ben@contoso.co.uk"),
            okta("ben@contoso.com ", ""),
            okta("", "carl@contoso.co.uk"),
        ];
        let emails = [
            "anna@contoso.co.uk",
            "ben@contoso.com",
            "Ben@Contoso.com",
            "carl@contoso.co.uk",
            "",
            " ",
        ];
        assert_eq!(inferred(&o, &emails), ("email".into(), 1, 2));
        // A tie goes to login.
        let emails = ["anna@contoso.com", "carl@contoso.co.uk"];
        assert_eq!(inferred(&o, &emails), ("login".into(), 1, 1));
        let emails = ["anna@contoso.com", "ben@contoso.com", "carl@contoso.co.uk"];
        assert_eq!(inferred(&o, &emails), ("login".into(), 2, 1));
        // Nothing to match: login, with no matches.
        assert_eq!(inferred(&o, &[]), ("login".into(), 0, 0));
        assert_eq!(inferred(&[], &["anna@contoso.com"]), ("login".into(), 0, 0));
    }
}
