//! Merging the files of one source (inSync by email, Microsoft 365 by UPN
//! or primary address) and inferring the attribute Okta sends as userName.

use super::*;

/// Infers `okta.current.user_name`: the attribute of `login`, `email` whose
/// values match more distinct inSync emails (a tie goes to `login`).
pub(super) fn infer_user_name(okta: &[OktaUser], insync: &[InsyncUser]) -> Inference {
    use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
    // Each distinct inSync email once, numbered; per email, which of the
    // two attributes has a value that matches it (bit 1 login, bit 2
    // email), marked from the Okta users in parallel. One set, sized once:
    // a million users' sets, grown and built on one thread, took a second.
    let mut emails: HashMap<Keyed, u32> =
        HashMap::with_capacity_and_hasher(insync.len(), Default::default());
    for u in insync {
        if !u.email().trim().is_empty() {
            let next = emails.len() as u32;
            emails.entry(Keyed(u.email())).or_insert(next);
        }
    }
    let matched: Vec<AtomicU8> = (0..emails.len()).map(|_| AtomicU8::new(0)).collect();
    okta.par_iter().for_each(|o| {
        for (bit, value) in [(1, o.login()), (2, o.email())] {
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
pub(super) fn merge_insync(mut parts: Vec<(&Table, Vec<InsyncUser>)>) -> Vec<InsyncUser> {
    if parts.len() == 1 {
        // One file: nothing to merge (rows of one file are never merged).
        return parts.pop().map(|(_, users)| users).unwrap_or_default();
    }
    let mut out: Vec<InsyncUser> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::default();
    for (_, users) in parts {
        let mut this_file: HashMap<String, usize> = HashMap::default();
        for u in users {
            let k = key(u.email());
            match by_email.get(&k) {
                Some(&i) if !k.is_empty() && !this_file.contains_key(&k) => {
                    let m = &mut out[i];
                    // The email is this key: not blank.
                    m.fill_blanks(&u);
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
pub(super) fn merge_m365(mut parts: Vec<(&Table, Vec<M365User>)>) -> Vec<M365User> {
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
            let upn = key(u.upn());
            let primary = key(crate::model::primary_of(&u));
            let found = if upn.is_empty() {
                by_primary.get(&primary).copied()
            } else {
                by_upn.get(&upn).copied().or_else(|| {
                    // An earlier record without a UPN, by primary address.
                    by_primary
                        .get(&primary)
                        .copied()
                        .filter(|&i| out[i].upn().trim().is_empty())
                })
            };
            match found {
                Some(i) if !this_file.contains(&i) => {
                    let m = &mut out[i];
                    if m.upn().trim().is_empty() && !upn.is_empty() {
                        by_upn.entry(upn).or_insert(i);
                    }
                    // UPN, primary address, display name, object id,
                    // proxies.
                    m.fill_blanks(&u);
                    m.sign_in_blocked |= u.sign_in_blocked;
                    if m.licensed.is_none() {
                        m.licensed = u.licensed;
                    }
                    m.shared_mailbox |= u.shared_mailbox;
                    m.synced |= u.synced;
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
