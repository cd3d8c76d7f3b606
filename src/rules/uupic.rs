//! UUPIC (scenario `any`, source `ad`): when inSync identifies users by an
//! AD attribute such as `employeeNumber`, every user in scope needs a
//! distinct value that a spreadsheet has not mangled.
//!
//! In scope: enabled AD users that link to an active Okta user or to an
//! inSync user; every enabled AD user when neither Okta nor inSync input is
//! given. Values compare trimmed and case-insensitively, across disabled
//! accounts too.

use super::{Ctx, Finding, Rule, Scenario, list, subject};
use crate::model::{OktaStatus, Source, key};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

pub(crate) fn check(ctx: &Ctx<'_, '_>) -> Vec<Finding<'static>> {
    let l = ctx.l;
    let t = l.t;
    let mut out = Vec::new();
    let Some(attr) = t.settings.identification_attribute.value.as_deref() else {
        return out;
    };
    let any = Scenario::Any;
    out.push(Finding::new(
        Rule::AdminSsoUnavailable,
        any,
        Source::Ad,
        "*",
        "".into(),
        0,
        "identification_attribute",
        attr,
        format!("With `{attr}` as inSync's User Identification Attribute (UUPIC), SSO is not available to inSync administrators"),
        "Make sure every inSync administrator knows their inSync password before UUPIC is turned on",
        None,
    ));
    if !t.has(Source::Ad) {
        return out;
    }
    let scope = in_scope(ctx);
    let values = &t.ad_uupic;
    let common = common_padded_length(values);
    // The Okta value of the same attribute for each AD account, where the
    // Okta export has the column.
    let mut okta_value: Vec<&str> = Vec::new();
    if !t.okta_uupic.is_empty() {
        okta_value = vec![""; t.ad.len()];
        for (o, a) in l.okta_ad.iter().enumerate() {
            if let Some(a) = a
                && okta_value[*a as usize].is_empty()
            {
                okta_value[*a as usize] = t.okta_uupic[o].trim();
            }
        }
    }
    for (a, ad) in t.ad.iter().enumerate() {
        if !scope[a] {
            continue;
        }
        let value = values[a].trim();
        let upn = subject(ad.upn(), ad.at.row);
        if value.is_empty() {
            out.push(ctx.record(Source::Ad,
                a as u32,
                Rule::UupicMissing,
                any,
                attr,
                "",
                format!("AD user `{upn}` has no `{attr}`: with UUPIC on, inSync cannot identify this user and SSO fails"),
                format!("Set `{attr}` on this account in Active Directory (Set-ADUser -Replace @{{{attr}='...'}}) before inSync's next AD/LDAP import"),
            ));
            continue;
        }
        let why = mangled(value, common).or_else(|| {
            let okta = okta_value.get(a).copied().unwrap_or("");
            zeros_lost(okta, value).then(|| format!("the Okta export has `{okta}` for the same person, with the leading zeros. Either the AD export went through a spreadsheet, or AD itself lost them (inSync reads the value from AD): check the value in Active Directory"))
        });
        if let Some(why) = why {
            out.push(ctx.record(Source::Ad,
                a as u32,
                Rule::UupicExcelMangled,
                any,
                attr,
                value,
                format!("`{attr}` of `{upn}` is `{value}`, which looks changed by a spreadsheet: {why}"),
                format!("Take `{attr}` from Active Directory itself (re-export with Export-Csv, do not round-trip through Excel) and correct the source record if it holds the damaged value"),
            ));
        }
    }
    // Duplicates: across all AD users, reported when one of them is in scope.
    let mut by_value: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (a, v) in values.iter().enumerate() {
        let k = key(v);
        if !k.is_empty() {
            by_value.entry(k).or_default().push(a as u32);
        }
    }
    for members in by_value.values().filter(|m| m.len() > 1) {
        if !members.iter().any(|&a| scope[a as usize]) {
            continue;
        }
        for &a in members {
            let ad = &t.ad[a as usize];
            let others: Vec<String> = members
                .iter()
                .filter(|&&b| b != a)
                .map(|&b| {
                    let o = &t.ad[b as usize];
                    let s = subject(o.upn(), o.at.row);
                    if o.enabled {
                        s
                    } else {
                        format!("{s} (disabled)")
                    }
                })
                .collect();
            let value = values[a as usize].trim();
            out.push(ctx.record(Source::Ad,
                a,
                Rule::UupicDuplicate,
                any,
                attr,
                value,
                format!("`{attr}` `{value}` of `{}` is also on {}: inSync would take them for one user", subject(ad.upn(), ad.at.row), list(&others)),
                format!("Give each account its own `{attr}` in Active Directory (a disabled leaver's value too, or clear it)"),
            ));
        }
    }
    out
}

/// Which AD users are in scope.
fn in_scope(ctx: &Ctx<'_, '_>) -> Vec<bool> {
    let l = ctx.l;
    let t = l.t;
    let (has_okta, has_insync) = (t.has(Source::Okta), t.has(Source::Insync));
    let mut scope = vec![false; t.ad.len()];
    if !has_okta && !has_insync {
        for (a, ad) in t.ad.iter().enumerate() {
            scope[a] = ad.enabled;
        }
        return scope;
    }
    for (o, okta) in t.okta.iter().enumerate() {
        if let Some(a) = l.okta_ad[o]
            && (okta.status == OktaStatus::Active || !ctx.lk.okta_insync(o as u32).is_empty())
        {
            scope[a as usize] = true;
        }
    }
    for a in l.insync_ad.iter().flatten() {
        scope[*a as usize] = true;
    }
    for (a, ad) in t.ad.iter().enumerate() {
        scope[a] &= ad.enabled;
    }
    scope
}

/// The most common length of the zero-padded numeric values (a tie goes to
/// the longer length).
fn common_padded_length<S: AsRef<str>>(values: &[S]) -> Option<usize> {
    let mut counts: HashMap<usize, usize> = HashMap::default();
    for v in values {
        let v = v.as_ref().trim();
        if v.len() > 1 && v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()) {
            *counts.entry(v.len()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(len, n)| (*n, *len))
        .map(|(len, _)| len)
}

/// Whether `stripped` is `padded` without its leading zeros (`01017` and
/// `1017`): digits only, and at least one zero lost.
fn zeros_lost(padded: &str, stripped: &str) -> bool {
    let digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    digits(padded)
        && digits(stripped)
        && padded.len() > stripped.len()
        && padded.trim_start_matches('0') == stripped.trim_start_matches('0')
        && padded.ends_with(stripped)
}

/// Why a value looks changed by a spreadsheet, if it does.
fn mangled(value: &str, common: Option<usize>) -> Option<String> {
    let v = value.trim();
    let upper = v.to_ascii_uppercase();
    if let Some((mantissa, exp)) = upper.split_once('E') {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        let mantissa_ok = !mantissa.is_empty()
            && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && mantissa.bytes().filter(|b| *b == b'.').count() <= 1;
        if mantissa_ok && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit()) {
            return Some(
                "it is in scientific notation (Excel shows long numbers so and loses their digits)"
                    .into(),
            );
        }
    }
    if let Some((int, frac)) = v.split_once('.')
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        return Some("it ends in `.0` (a number re-saved by a spreadsheet)".into());
    }
    if let Some(len) = common
        && v.bytes().all(|b| b.is_ascii_digit())
        && v.len() < len
    {
        return Some(format!(
            "it is shorter than the {len} digits of the zero-padded values (Excel drops leading zeros)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_damage_is_recognised() {
        let common = Some(6);
        assert!(mangled("1.2E+05", common).is_some());
        assert!(mangled("1.20e5", common).is_some());
        assert!(mangled("4711.0", common).is_some());
        assert!(mangled("4711", common).is_some());
        assert!(mangled("004711", common).is_none());
        assert!(mangled("E-4711", common).is_none());
        assert!(mangled("4711", None).is_none());
        assert!(mangled("123456", common).is_none());
    }

    #[test]
    fn zeros_lost_between_sources_is_recognised() {
        assert!(zeros_lost("01017", "1017"));
        assert!(zeros_lost("0001017", "01017"));
        assert!(!zeros_lost("01017", "01017"));
        assert!(!zeros_lost("1017", "1017"));
        assert!(!zeros_lost("01017", "2017"));
        assert!(!zeros_lost("A01017", "1017"));
        assert!(!zeros_lost("01017", ""));
        assert!(!zeros_lost("", "1017"));
    }

    #[test]
    fn most_common_padded_length_ties_go_longer() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_padded_length(&v(&["004711", "000001", "0123", "42"])),
            Some(6)
        );
        assert_eq!(common_padded_length(&v(&["0047", "000001"])), Some(6));
        assert_eq!(common_padded_length(&v(&["4711", "42"])), None);
    }
}
