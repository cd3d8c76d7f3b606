//! [`Tenant::build`]: the records of every loaded table, merged, with the
//! settings resolved and the checks that cannot run listed as skipped.

use super::*;

impl Tenant {
    /// Builds the model from loaded tables and settings.
    pub fn build(tables: Vec<Table>, settings: Settings) -> Result<Tenant> {
        // Every table's records at once (and each table's rows in parallel).
        let exports = tables
            .into_par_iter()
            .enumerate()
            .map(|(i, t)| Export::of(t, i as u32, &settings))
            .collect();
        Tenant::of_exports(exports, settings)
    }

    /// Builds the model from the exports of the input files (in the order
    /// given) and the settings they were taken with.
    pub fn of_exports(exports: Vec<Export>, mut settings: Settings) -> Result<Tenant> {
        let mut skipped = Vec::new();
        let mut tables = Vec::with_capacity(exports.len());
        let mut parts = Vec::with_capacity(exports.len());
        let mut values = Vec::with_capacity(exports.len());
        for e in exports {
            tables.push(e.table);
            parts.push(e.records);
            values.push(e.named);
        }
        // Per file, its records (one per row in Okta and AD files), and
        // the Okta and AD files in order, whose records are concatenated.
        let counts: Vec<usize> = parts.iter().map(Records::len).collect();
        let files_of = |source: Source| -> Vec<usize> {
            (0..tables.len())
                .filter(|&f| tables[f].source == source)
                .collect()
        };
        let (okta_files, ad_files) = (files_of(Source::Okta), files_of(Source::Ad));
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
        // Where each named attribute is, per file (an inferred one too);
        // the attributes some file has in a column of their own: each
        // user's value (empty where the user's file has it elsewhere), as
        // the file's export took it.
        let attrs = okta_attributes(&settings);
        let places: Vec<[OktaValue; 4]> = tables
            .iter()
            .map(|t| attrs.each_ref().map(|a| okta_place(t, a.as_deref())))
            .collect();
        let own: [Vec<Box<str>>; 4] = std::array::from_fn(|k| {
            if !places.iter().any(|p| p[k] == OktaValue::Own) {
                return Vec::new();
            }
            joined(
                okta_files
                    .iter()
                    .map(|&f| (counts[f], values[f].okta[k].take())),
            )
        });
        let okta_values = OktaValues { places, own };

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
            ad_uupic = joined(
                ad_files
                    .iter()
                    .map(|&f| (counts[f], values[f].uupic.take())),
            );
        }
        // The same attribute in Okta, when its export has it: a value with
        // leading zeros there shows what AD's value lost.
        let mut okta_uupic = Vec::new();
        if okta_files.iter().any(|&f| values[f].uupic.is_some()) {
            okta_uupic = joined(
                okta_files
                    .iter()
                    .map(|&f| (counts[f], values[f].uupic.take())),
            );
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
                    "{} set aside: it holds a .NET type name instead of the mailbox addresses; OneDrive is judged by UPN alone. Export it again with the values joined: {} in Select-Object",
                    columns.join(", "),
                    crate::model::joined_export(&first.column)
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
                        "{}: column `{}` holds a .NET type name instead of its values and was set aside; export it again with {} in Select-Object",
                        t.file_name(),
                        s.column,
                        crate::model::joined_export(&s.column)
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

/// The values of several files' records, file after file: each file's
/// own (moved, one per record), or empty values for a file without them.
fn joined(files: impl Iterator<Item = (usize, Option<Vec<Box<str>>>)>) -> Vec<Box<str>> {
    let mut all = Vec::new();
    for (records, values) in files {
        match values {
            Some(v) => {
                debug_assert_eq!(v.len(), records, "one value per record");
                all.extend(v);
            }
            None => all.resize_with(all.len() + records, Box::default),
        }
    }
    all
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
pub(super) fn set_aside_checks(source: Source, s: &SetAside) -> String {
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
        (Source::M365, Field::Licenses) => {
            format!(
                "Microsoft 365 licence check (m365-unlicensed on `{}`)",
                s.column
            )
        }
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
