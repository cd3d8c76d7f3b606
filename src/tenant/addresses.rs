//! The tenant's address table ([`Addresses`]): the [`KeyId`] of every
//! address field of every record, numbered once when linking starts (the
//! look-ups keep it while the rules run), so that linking and the rules
//! look up and compare integers.

use super::{OktaValue, Tenant};
use crate::model::{KeyId, Keys, ProxyList};
use rayon::prelude::*;

/// The key ids of the Okta fields and attributes of one Okta user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OktaKeys {
    pub login: KeyId,
    pub email: KeyId,
    pub second_email: KeyId,
    pub current_user_name: KeyId,
    pub current_upn: KeyId,
    pub plan_user_name: KeyId,
    pub plan_upn: KeyId,
}

/// The key ids of one AD user's addresses (its proxies apart:
/// [`Addresses::ad_proxies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdKeys {
    pub upn: KeyId,
    pub mail: KeyId,
}

/// The key ids of one inSync user's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsyncKeys {
    pub email: KeyId,
    pub ad_attribute: KeyId,
}

/// The key ids of one Microsoft 365 user's addresses (its proxies apart:
/// [`Addresses::m365_proxies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct M365Keys {
    pub upn: KeyId,
    /// Of [`crate::model::primary_of`]: the primary-address column, else
    /// the `SMTP:` proxy.
    pub primary: KeyId,
}

/// Per record field, in this order, the values numbered: Okta users'
/// login, email, second email and the four attributes' own columns; AD
/// users' UPN and mail, then every AD proxy; inSync users' email and AD
/// attribute; Microsoft 365 users' UPN and primary address, then every
/// Microsoft 365 proxy.
const OKTA: usize = 7;

/// Where each part of the numbered values starts.
#[derive(Debug, Default)]
struct Layout {
    ad: usize,
    ad_proxies: usize,
    insync: usize,
    m365: usize,
    m365_proxies: usize,
    end: usize,
}

/// The tenant's address table: every address field's [`KeyId`].
#[derive(Debug, Default)]
pub struct Addresses {
    keys: Keys,
    /// The id of every value numbered (see [`OKTA`]); an Okta user's four
    /// attribute places hold the attributes' ids once numbered.
    ids: Vec<KeyId>,
    at: Layout,
    /// Per AD user and one more, where its proxies start among the AD
    /// proxies.
    ad_proxy_starts: Vec<u32>,
    m365_proxy_starts: Vec<u32>,
}

/// Field `f` of Okta user `o`, in [`OKTA`]'s order: login, email, second
/// email, then the four attributes' own columns.
fn okta_field(t: &Tenant, o: usize, f: usize) -> &str {
    let u = &t.okta[o];
    match f {
        0 => u.login(),
        1 => u.email(),
        2 => u.second_email(),
        k => t.okta_values.own[k - 3].get(o).map_or("", |v| &**v),
    }
}

/// Field `f` of AD user `i` (its proxies apart): UPN, mail.
fn ad_field(t: &Tenant, i: usize, f: usize) -> &str {
    if f == 0 {
        t.ad[i].upn()
    } else {
        t.ad[i].mail()
    }
}

/// Field `f` of inSync user `i`: email, AD attribute.
fn insync_field(t: &Tenant, i: usize, f: usize) -> &str {
    if f == 0 {
        t.insync[i].email()
    } else {
        t.insync[i].ad_attribute()
    }
}

/// Field `f` of Microsoft 365 user `i` (its proxies apart): UPN, primary
/// SMTP address.
fn m365_field(t: &Tenant, i: usize, f: usize) -> &str {
    if f == 0 {
        t.m365[i].upn()
    } else {
        t.m365[i].primary_smtp()
    }
}

/// Marks a blank value's place among the entries: no entry has this place
/// ([`Keys::entry`]); these are taken out before numbering.
const BLANK: (u32, u32) = (0, u32::MAX);

/// Writes the entries ([`Keys::entry`]) of `W` fields per record into
/// `out` (`W` places per record), numbered from `base`; a blank value's
/// place gets [`BLANK`].
fn fields<'t, const W: usize>(
    out: &mut [(u32, u32)],
    base: usize,
    values: impl Fn(usize) -> [&'t str; W] + Sync,
) {
    out.par_chunks_mut(W).enumerate().for_each(|(i, out)| {
        let v = values(i);
        for (f, e) in out.iter_mut().enumerate() {
            *e = Keys::entry(v[f], base + W * i + f).unwrap_or(BLANK);
        }
    });
}

/// Record `i`'s part of `all`, the records' parts back to back from
/// `starts`.
fn of_record<'a>(all: &'a [KeyId], starts: &[u32], i: u32) -> &'a [KeyId] {
    let i = i as usize;
    &all[starts[i] as usize..starts[i + 1] as usize]
}

/// Writes the entries of `values` into `out`, numbered from `base`.
fn listed(out: &mut [(u32, u32)], base: usize, values: &[&str]) {
    out.par_iter_mut()
        .zip(values.par_iter())
        .enumerate()
        .for_each(|(k, (e, v))| *e = Keys::entry(v, base + k).unwrap_or(BLANK));
}

/// Every record's proxy addresses, back to back (record `i`'s from
/// `starts[i]`): their entries are made from them, and numbering reads a
/// proxy by its place here (finding one in its record's list took a search
/// and a parse for each look). Written in place, in parallel by blocks of
/// records.
fn proxy_values<'t>(starts: &[u32], list: impl Fn(usize) -> ProxyList<'t> + Sync) -> Vec<&'t str> {
    const BLOCK: usize = 1 << 14;
    let n = starts.len() - 1;
    let mut all = vec![""; starts[n] as usize];
    let mut blocks = Vec::with_capacity(n.div_ceil(BLOCK));
    let mut rest = all.as_mut_slice();
    for first in (0..n).step_by(BLOCK) {
        let last = (first + BLOCK).min(n);
        let (block, after) = rest.split_at_mut((starts[last] - starts[first]) as usize);
        blocks.push((first..last, block));
        rest = after;
    }
    blocks.into_par_iter().for_each(|(records, block)| {
        let mut at = 0;
        for i in records {
            for p in list(i).iter() {
                block[at] = p.address;
                at += 1;
            }
        }
    });
    all
}

impl Addresses {
    /// Numbers the addresses of a tenant's records.
    pub fn number(t: &Tenant) -> Addresses {
        let proxy_starts = |lens: Vec<usize>| -> Vec<u32> {
            let mut starts = Vec::with_capacity(lens.len() + 1);
            let mut at = 0usize;
            starts.push(0);
            for n in lens {
                at += n;
                starts.push(u32::try_from(at).expect("fewer than 2^32 proxies"));
            }
            starts
        };
        let ad_proxy_starts = proxy_starts(t.ad.par_iter().map(|a| a.proxies().len()).collect());
        let m365_proxy_starts =
            proxy_starts(t.m365.par_iter().map(|m| m.proxies().len()).collect());
        let mut at = Layout {
            ad: OKTA * t.okta.len(),
            ..Layout::default()
        };
        at.ad_proxies = at.ad + 2 * t.ad.len();
        at.insync = at.ad_proxies + *ad_proxy_starts.last().unwrap_or(&0) as usize;
        at.m365 = at.insync + 2 * t.insync.len();
        at.m365_proxies = at.m365 + 2 * t.m365.len();
        at.end = at.m365_proxies + *m365_proxy_starts.last().unwrap_or(&0) as usize;

        // One entry per place (allocated zeroed, written in parallel), the
        // blanks taken out after.
        let mut entries = vec![(0u32, 0u32); at.end];
        let (okta, rest) = entries.split_at_mut(at.ad);
        let (ad, rest) = rest.split_at_mut(at.ad_proxies - at.ad);
        let (ad_proxy_entries, rest) = rest.split_at_mut(at.insync - at.ad_proxies);
        let (insync, rest) = rest.split_at_mut(at.m365 - at.insync);
        let (m365, m365_proxy_entries) = rest.split_at_mut(at.m365_proxies - at.m365);
        fields::<OKTA>(okta, 0, |o| std::array::from_fn(|f| okta_field(t, o, f)));
        fields(ad, at.ad, |i| [ad_field(t, i, 0), ad_field(t, i, 1)]);
        let ad_proxies = proxy_values(&ad_proxy_starts, |i| t.ad[i].proxies());
        listed(ad_proxy_entries, at.ad_proxies, &ad_proxies);
        fields(insync, at.insync, |i| {
            [insync_field(t, i, 0), insync_field(t, i, 1)]
        });
        fields(m365, at.m365, |i| {
            [m365_field(t, i, 0), m365_field(t, i, 1)]
        });
        let m365_proxies = proxy_values(&m365_proxy_starts, |i| t.m365[i].proxies());
        listed(m365_proxy_entries, at.m365_proxies, &m365_proxies);
        entries.retain(|&e| e != BLANK);
        let end = at.end;
        let mut addresses = Addresses {
            keys: Keys::default(),
            ids: Vec::new(),
            at,
            ad_proxy_starts,
            m365_proxy_starts,
        };
        let (keys, mut ids) = {
            let a = &addresses;
            let at = &a.at;
            Keys::number_entries(entries, end, |place| {
                let place = place as usize;
                if (at.ad_proxies..at.insync).contains(&place) {
                    ad_proxies[place - at.ad_proxies]
                } else if place >= at.m365_proxies {
                    m365_proxies[place - at.m365_proxies]
                } else {
                    a.value_at(t, place)
                }
            })
        };
        drop((ad_proxies, m365_proxies));
        let at = &addresses.at;
        let m365_proxy_starts = &addresses.m365_proxy_starts;
        // Each Okta user's attributes, where its file has them.
        ids[..at.ad]
            .par_chunks_mut(OKTA)
            .zip(t.okta.par_iter())
            .for_each(|(ids, u)| {
                let places = &t.okta_values.places[u.at.file as usize];
                for (k, place) in places.iter().enumerate() {
                    ids[3 + k] = match place {
                        OktaValue::Empty => KeyId::NONE,
                        OktaValue::Login => ids[0],
                        OktaValue::Email => ids[1],
                        OktaValue::SecondEmail => ids[2],
                        OktaValue::Own => ids[3 + k],
                    };
                }
            });
        // A Microsoft 365 user's primary address: the column, else the
        // `SMTP:` proxy (its place holds the column's id).
        let (pairs, proxy_ids) = ids.split_at_mut(at.m365_proxies);
        pairs[at.m365..]
            .par_chunks_mut(2)
            .zip(t.m365.par_iter())
            .zip(m365_proxy_starts.par_iter())
            .for_each(|((pair, user), &first)| {
                if user.primary_smtp().trim().is_empty() {
                    pair[1] = user
                        .proxies()
                        .iter()
                        .position(|p| p.primary)
                        .map_or(KeyId::NONE, |k| proxy_ids[first as usize + k]);
                }
            });
        addresses.keys = keys;
        addresses.ids = ids;
        addresses
    }

    /// The id of `value`'s key among tenant `t`'s addresses (numbered
    /// here), if some address field of a record has that key.
    pub fn find(&self, t: &Tenant, value: &str) -> Option<KeyId> {
        self.keys
            .find(value, |place| self.value_at(t, place as usize))
    }

    /// How many distinct addresses the tenant has.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The value numbered at `place` (see [`OKTA`] for the order).
    fn value_at<'t>(&self, t: &'t Tenant, place: usize) -> &'t str {
        let at = &self.at;
        let nth_proxy = |starts: &[u32], rel: usize| {
            let r = starts.partition_point(|&s| s as usize <= rel) - 1;
            (r, rel - starts[r] as usize)
        };
        if place < at.ad {
            okta_field(t, place / OKTA, place % OKTA)
        } else if place < at.ad_proxies {
            ad_field(t, (place - at.ad) / 2, (place - at.ad) % 2)
        } else if place < at.insync {
            let (a, k) = nth_proxy(&self.ad_proxy_starts, place - at.ad_proxies);
            t.ad[a].proxies().iter().nth(k).map_or("", |p| p.address)
        } else if place < at.m365 {
            insync_field(t, (place - at.insync) / 2, (place - at.insync) % 2)
        } else if place < at.m365_proxies {
            m365_field(t, (place - at.m365) / 2, (place - at.m365) % 2)
        } else {
            let (m, k) = nth_proxy(&self.m365_proxy_starts, place - at.m365_proxies);
            t.m365[m].proxies().iter().nth(k).map_or("", |p| p.address)
        }
    }

    pub fn okta(&self, o: u32) -> OktaKeys {
        let k = &self.ids[OKTA * o as usize..][..OKTA];
        OktaKeys {
            login: k[0],
            email: k[1],
            second_email: k[2],
            current_user_name: k[3],
            current_upn: k[4],
            plan_user_name: k[5],
            plan_upn: k[6],
        }
    }

    pub fn ad(&self, a: u32) -> AdKeys {
        let [upn, mail] = self.two(self.at.ad, a);
        AdKeys { upn, mail }
    }

    /// The ids of an AD user's proxies, in the order of its proxy list.
    pub fn ad_proxies(&self, a: u32) -> &[KeyId] {
        let all = &self.ids[self.at.ad_proxies..self.at.insync];
        of_record(all, &self.ad_proxy_starts, a)
    }

    pub fn insync(&self, i: u32) -> InsyncKeys {
        let [email, ad_attribute] = self.two(self.at.insync, i);
        InsyncKeys {
            email,
            ad_attribute,
        }
    }

    pub fn m365(&self, m: u32) -> M365Keys {
        let [upn, primary] = self.two(self.at.m365, m);
        M365Keys { upn, primary }
    }

    /// The ids of a Microsoft 365 user's proxies, in the order of its
    /// proxy list.
    pub fn m365_proxies(&self, m: u32) -> &[KeyId] {
        let all = &self.ids[self.at.m365_proxies..self.at.end];
        of_record(all, &self.m365_proxy_starts, m)
    }

    /// The two ids of record `i` of a source whose records' pairs start
    /// at `base`.
    fn two(&self, base: usize, i: u32) -> [KeyId; 2] {
        let at = base + 2 * i as usize;
        [self.ids[at], self.ids[at + 1]]
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{KeyId, key, primary_of};
    use crate::tenant::Tenant;
    use std::collections::HashMap;

    /// Every address field of every record has the id of its key: the
    /// same id for the same key across fields and sources, none for a
    /// blank value, and [`Tenant::key_of`] finds it from the text.
    fn check(t: &Tenant) {
        let a = &crate::tenant::Addresses::number(t);
        let mut by_key: HashMap<String, KeyId> = HashMap::new();
        let mut seen = |value: &str, id: KeyId| {
            let k = key(value);
            if k.is_empty() {
                assert!(id.is_none(), "{value:?}");
                return;
            }
            assert_eq!(*by_key.entry(k).or_insert(id), id, "{value:?}");
            assert_eq!(a.find(t, value), Some(id), "{value:?}");
        };
        for o in 0..t.okta.len() as u32 {
            let (u, k, v) = (&t.okta[o as usize], a.okta(o), t.okta_values(o));
            seen(u.login(), k.login);
            seen(u.email(), k.email);
            seen(u.second_email(), k.second_email);
            seen(v.current_user_name, k.current_user_name);
            seen(v.current_upn, k.current_upn);
            seen(v.plan_user_name, k.plan_user_name);
            seen(v.plan_upn, k.plan_upn);
        }
        for i in 0..t.ad.len() as u32 {
            let (u, k) = (&t.ad[i as usize], a.ad(i));
            seen(u.upn(), k.upn);
            seen(u.mail(), k.mail);
            let proxies = a.ad_proxies(i);
            assert_eq!(proxies.len(), u.proxies().len());
            for (p, &id) in u.proxies().iter().zip(proxies) {
                seen(p.address, id);
            }
        }
        for i in 0..t.insync.len() as u32 {
            let (u, k) = (&t.insync[i as usize], a.insync(i));
            seen(u.email(), k.email);
            seen(u.ad_attribute(), k.ad_attribute);
        }
        for i in 0..t.m365.len() as u32 {
            let (m, k) = (&t.m365[i as usize], a.m365(i));
            seen(m.upn(), k.upn);
            seen(primary_of(m), k.primary);
            let proxies = a.m365_proxies(i);
            assert_eq!(proxies.len(), m.proxies().len());
            for (p, &id) in m.proxies().iter().zip(proxies) {
                seen(p.address, id);
            }
        }
        assert_eq!(a.len(), by_key.len());
        assert_eq!(a.find(t, "nobody@nowhere.example"), None);
        assert_eq!(a.find(t, " "), None);
    }

    #[test]
    fn every_address_field_has_its_keys_id() {
        let t = crate::audit::demo_tenant().unwrap();
        assert!(crate::tenant::Addresses::number(&t).len() > 100);
        check(&t);
        // Okta attributes in columns of their own, in two files.
        let opts = Default::default();
        let okta_a = crate::load::load_bytes(
            "okta-a.csv",
            b"login,email,workEmail,upnAttr\nanna@x.com,Anna@Y.com,anna@work.com,anna@upn.com\nben@x.com,ben@y.com,,\n",
            &opts,
        )
        .unwrap();
        let okta_b = crate::load::load_bytes(
            "okta-b.csv",
            b"upnAttr,workEmail,email,login\ncarl@upn.com,ANNA@work.com,carl@y.com,carl@x.com\n",
            &opts,
        )
        .unwrap();
        let m365 = crate::load::load_bytes(
            "m365.csv",
            b"UserPrincipalName,PrimarySmtpAddress,EmailAddresses\nanna@x.com,,smtp:anna@upn.com;SMTP:anna@y.com\nben@x.com,ben@y.com,SMTP:ben@y.com\n",
            &opts,
        )
        .unwrap();
        let mut settings = crate::settings::Settings::default();
        settings.current_user_name.value = Some("email".into());
        settings.current_upn.value = Some("login".into());
        settings.plan_user_name.value = "workEmail".into();
        settings.plan_upn.value = Some("upnAttr".into());
        let t = Tenant::build(vec![okta_a, okta_b, m365], settings).unwrap();
        check(&t);
        let a = crate::tenant::Addresses::number(&t);
        let (anna, carl) = (a.okta(0), a.okta(2));
        assert_eq!(anna.plan_user_name, carl.plan_user_name);
        assert_eq!(anna.current_user_name, a.m365(0).primary);
    }
}
