//! [`Lookups`]: the indexes linking builds over the tenant, which the rules
//! borrow. They are the largest part of linking at a million persons;
//! the caller drops them once the rules have run, and what the report reads
//! ([`Linked`]: views, persons, the links found) lives without them.

use super::*;

/// The look-ups over a tenant's records: the address table (every address
/// field's key id), Microsoft 365 addresses, inSync users by email, Okta
/// users by planned userName, and the Okta ↔ inSync links of today's
/// mapping.
pub struct Lookups<'t> {
    pub(super) t: &'t Tenant,
    /// The key id of every address field of the tenant's records.
    pub addresses: Addresses,
    pub m365: M365Index,
    pub insync_by_email: KeyIndex,
    /// Active Okta users by the userName they will send after the change.
    pub okta_by_plan_user_name: KeyIndex,
    /// The Okta users of each inSync user, back to back: `insync_okta`
    /// holds each one's span. The ids of the Okta-by-userName index, kept
    /// when its starts are freed after linking.
    pub(super) insync_okta_ids: Vec<u32>,
    /// Okta users linked to each inSync user (by today's userName).
    pub(super) insync_okta: Vec<(u32, u32)>,
    /// inSync users linked to each Okta user.
    pub(super) okta_insync: Vec<(u32, u32)>,
    /// The Okta user each inSync user is linked to ([`Lookups::okta_of`]),
    /// found once: every scenario, the persons and the rules ask.
    pub(super) okta_of: Vec<Option<u32>>,
}

impl<'t> Lookups<'t> {
    /// The key id of any value among the tenant's addresses, if some
    /// address field of a record has its key.
    pub fn key_of(&self, value: &str) -> Option<KeyId> {
        self.addresses.find(self.t, value)
    }

    /// [`M365Index::resolve`] of any identifier: one that no address of
    /// the tenant has resolves to none.
    pub fn resolve_value(&self, id: &str) -> Resolution {
        if !self.m365.present || id.trim().is_empty() {
            return Resolution::NotJudged;
        }
        match self.key_of(id) {
            Some(k) => self.m365.resolve(k),
            None => Resolution::None,
        }
    }

    /// [`M365Index::matches`] of any value.
    pub fn m365_matches_value(&self, value: &str) -> impl Iterator<Item = (u32, MatchKind)> + '_ {
        self.m365.matches(self.key_of(value).unwrap_or(KeyId::NONE))
    }

    /// The Okta users linked to an inSync user (by today's userName).
    pub fn insync_okta(&self, insync: u32) -> &[u32] {
        let (start, len) = self.insync_okta[insync as usize];
        &self.insync_okta_ids[start as usize..(start + len) as usize]
    }

    /// The inSync users linked to an Okta user.
    pub fn okta_insync(&self, okta: u32) -> &[u32] {
        self.insync_by_email.ids(self.okta_insync[okta as usize])
    }

    /// The Okta user an inSync user is linked to: the first active one,
    /// else the first.
    pub fn okta_of(&self, insync: u32) -> Option<u32> {
        self.okta_of[insync as usize]
    }

    /// [`Lookups::okta_of`] of every inSync user, from the links.
    pub(super) fn find_okta_of(&mut self) {
        self.okta_of = (0..self.t.insync.len() as u32)
            .into_par_iter()
            .map(|insync| {
                let linked = self.insync_okta(insync);
                linked
                    .iter()
                    .copied()
                    .find(|&o| self.t.okta[o as usize].status == OktaStatus::Active)
                    .or_else(|| linked.first().copied())
            })
            .collect();
    }

    /// The active Okta user an inSync user is linked to.
    pub fn active_okta_of(&self, insync: u32) -> Option<u32> {
        self.okta_of(insync)
            .filter(|&o| self.t.okta[o as usize].status == OktaStatus::Active)
    }

    /// The links made *ahead* (SPEC section 4): an active inSync user that no
    /// Okta user links to, whose email is the planned userName of exactly one
    /// active Okta user that links to no inSync user today, and that Okta
    /// user's only such inSync user; where both the email and the Okta login
    /// resolve in Microsoft 365, to the same user. Returns the Okta user of
    /// each inSync user and the inSync user of each Okta user.
    pub(super) fn ahead_links(&self) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
        let t = self.t;
        let active_unlinked_insync = |u: u32| {
            t.insync[u as usize].status == InsyncStatus::Active && self.insync_okta(u).is_empty()
        };
        let insync_ahead: Vec<Option<u32>> = (0..t.insync.len() as u32)
            .into_par_iter()
            .map(|u| {
                if !active_unlinked_insync(u) {
                    return None;
                }
                let email = self.addresses.insync(u).email;
                // Active Okta users by planned userName, unlinked today.
                let mut candidates = self
                    .okta_by_plan_user_name
                    .get(email)
                    .iter()
                    .copied()
                    .filter(|&o| self.okta_insync(o).is_empty());
                let (Some(o), None) = (candidates.next(), candidates.next()) else {
                    return None;
                };
                // This inSync user is the only active unlinked one with it.
                let mut peers = self
                    .insync_by_email
                    .get(email)
                    .iter()
                    .copied()
                    .filter(|&v| active_unlinked_insync(v));
                if (peers.next(), peers.next()) != (Some(u), None) {
                    return None;
                }
                let by_email = self.m365.resolve(email).user();
                let by_login = self.m365.resolve(self.addresses.okta(o).login).user();
                match (by_email, by_login) {
                    (Some(a), Some(b)) if a != b => None,
                    _ => Some(o),
                }
            })
            .collect();
        let mut okta_ahead = vec![None; t.okta.len()];
        for (u, o) in insync_ahead.iter().enumerate() {
            if let Some(o) = o {
                okta_ahead[*o as usize] = Some(u as u32);
            }
        }
        (insync_ahead, okta_ahead)
    }
}
