//! The backup checks of one inSync user in one scenario ([`View`]).

use super::*;

/// The outcome of one backup check for one user and scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Fail,
    NotApplicable,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "n/a",
        }
    }
}

/// One inSync user as a scenario sees it (values borrowed from the
/// tenant's records).
#[derive(Clone, Debug)]
pub struct View<'t> {
    pub email: &'t str,
    pub ad_attribute: &'t str,
    /// Which of the two inSync sends to Microsoft 365 ([`View::id`]).
    pub access: Access,
    pub resolution: Resolution,
    pub onedrive: Outcome,
    pub exchange_backup: Outcome,
    pub exchange_restore: Outcome,
}

impl<'t> View<'t> {
    /// The identifier inSync sends to Microsoft 365.
    pub fn id(&self) -> &'t str {
        match self.access {
            Access::AdAttribute => self.ad_attribute,
            Access::InsyncEmail => self.email,
        }
    }

    /// `email` or `ad_attribute`: which field [`View::id`] is.
    pub fn id_field(&self) -> &'static str {
        match self.access {
            Access::AdAttribute => "ad_attribute",
            Access::InsyncEmail => "email",
        }
    }
}
