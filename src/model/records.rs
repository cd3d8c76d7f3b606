//! The records of the four sources. Each keeps its text fields in one
//! allocation ([`Fields`]) and shows them through methods named after the
//! fields; a loader makes a record from the plain values (`OktaText`,
//! `AdText`, ...), and [`OktaUser::text`] and the like give them back.

use super::{At, Fields, InsyncStatus, OktaStatus, Proxies, ProxyList};
use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A record's text fields: the plain struct of their values (`$text`), and
/// on the record one method per field and `text()` for all of them. `$k`
/// is the field's place in the packed form, in the order of the struct.
/// With `+ proxies`, the record's [`Proxies`] are packed after them (place
/// `$n - 1`) and read with `proxies()`.
macro_rules! text_fields {
    ($record:ident, $text:ident, $n:literal, { $($(#[$doc:meta])* $k:literal $name:ident),+ $(,)? }) => {
        text_fields!(@fields $record, $text, { $($(#[$doc])* $k $name),+ });

        impl $text<'_> {
            fn pack(&self) -> Fields<$n> {
                Fields::new([$(self.$name),+])
            }
        }
    };
    ($record:ident, $text:ident, $n:literal + proxies, { $($(#[$doc:meta])* $k:literal $name:ident),+ $(,)? }) => {
        text_fields!(@fields $record, $text, { $($(#[$doc])* $k $name),+ });

        impl $text<'_> {
            fn pack(&self, proxies: &Proxies) -> Fields<$n> {
                Fields::new([$(self.$name,)+ proxies.as_str()])
            }
        }

        impl $record {
            /// The proxy addresses.
            #[inline]
            pub fn proxies(&self) -> ProxyList<'_> {
                ProxyList::new(self.text.get($n - 1))
            }
        }
    };
    (@fields $record:ident, $text:ident, { $($(#[$doc:meta])* $k:literal $name:ident),+ }) => {
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $text<'a> {
            $($(#[$doc])* pub $name: &'a str,)+
        }

        impl $record {
            $($(#[$doc])* #[inline] pub fn $name(&self) -> &str {
                self.text.get($k)
            })+

            /// Every text field, as plain values.
            pub fn text(&self) -> $text<'_> {
                $text { $($name: self.text.get($k)),+ }
            }
        }
    };
}

#[derive(Clone, Debug)]
pub struct OktaUser {
    pub at: At,
    pub status: OktaStatus,
    text: Fields<6>,
}

text_fields!(OktaUser, OktaText, 6, {
    0 login,
    1 email,
    2 second_email,
    /// The status as the export writes it (`SUSPENDED`, `Deactivated`...).
    3 status_text,
    4 employee_number,
    5 display_name,
});

impl OktaUser {
    pub fn new(at: At, status: OktaStatus, text: OktaText<'_>) -> OktaUser {
        OktaUser {
            at,
            status,
            text: text.pack(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AdUser {
    pub at: At,
    pub enabled: bool,
    text: Fields<10>,
}

text_fields!(AdUser, AdText, 10 + proxies, {
    0 upn,
    1 mail,
    2 sam_account_name,
    3 employee_number,
    4 employee_id,
    5 display_name,
    /// `ObjectGUID` as the export writes it (empty without the column):
    /// how `fixes/ad.ps1` names the account.
    6 object_guid,
    /// The column that says the account is disabled (`Enabled`, or
    /// `userAccountControl`); empty when enabled.
    7 disabled_column,
    /// That column's value (`False`, `514`); empty when enabled.
    8 disabled_value,
});

impl AdUser {
    pub fn new(at: At, enabled: bool, proxies: &Proxies, text: AdText<'_>) -> AdUser {
        AdUser {
            at,
            enabled,
            text: text.pack(proxies),
        }
    }
}

#[derive(Clone, Debug)]
pub struct InsyncUser {
    pub at: At,
    pub status: InsyncStatus,
    text: Fields<4>,
}

text_fields!(InsyncUser, InsyncText, 4, {
    0 email,
    1 ad_attribute,
    2 profile,
    3 display_name,
});

impl InsyncUser {
    pub fn new(at: At, status: InsyncStatus, text: InsyncText<'_>) -> InsyncUser {
        InsyncUser {
            at,
            status,
            text: text.pack(),
        }
    }

    /// Fills each blank text field with `other`'s (merging files by email).
    pub fn fill_blanks(&mut self, other: &InsyncUser) {
        self.text.fill_blanks(&other.text);
    }
}

#[derive(Clone, Debug)]
pub struct M365User {
    pub at: At,
    pub sign_in_blocked: bool,
    /// `None` when the export shows no licence column.
    pub licensed: Option<bool>,
    pub shared_mailbox: bool,
    /// Synchronised from AD (`DirSyncEnabled`, `onPremisesSyncEnabled`):
    /// its identifiers are changed in AD, not in the cloud.
    pub synced: bool,
    text: Fields<5>,
}

text_fields!(M365User, M365Text, 5 + proxies, {
    0 upn,
    1 primary_smtp,
    2 display_name,
    /// The object id (empty without the column): how `fixes/m365.ps1`
    /// names the user.
    3 object_id,
});

impl M365User {
    /// A user with its text fields; its flags are set on the value.
    pub fn new(at: At, proxies: &Proxies, text: M365Text<'_>) -> M365User {
        M365User {
            at,
            sign_in_blocked: false,
            licensed: None,
            shared_mailbox: false,
            synced: false,
            text: text.pack(proxies),
        }
    }

    /// Fills each blank text field with `other`'s, and the proxies when
    /// there are none (merging files by UPN).
    pub fn fill_blanks(&mut self, other: &M365User) {
        self.text.fill_blanks(&other.text);
    }
}

// The records as `inspect` and the loaders' tests show them: the fields a
// rule reads, not where the record is.

impl Serialize for OktaUser {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("OktaUser", 7)?;
        s.serialize_field("login", self.login())?;
        s.serialize_field("email", self.email())?;
        s.serialize_field("second_email", self.second_email())?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("status_text", self.status_text())?;
        s.serialize_field("employee_number", self.employee_number())?;
        s.serialize_field("display_name", self.display_name())?;
        s.end()
    }
}

impl Serialize for AdUser {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AdUser", 8)?;
        s.serialize_field("upn", self.upn())?;
        s.serialize_field("mail", self.mail())?;
        s.serialize_field("proxies", &self.proxies())?;
        s.serialize_field("sam_account_name", self.sam_account_name())?;
        s.serialize_field("enabled", &self.enabled)?;
        s.serialize_field("employee_number", self.employee_number())?;
        s.serialize_field("employee_id", self.employee_id())?;
        s.serialize_field("display_name", self.display_name())?;
        s.end()
    }
}

impl Serialize for InsyncUser {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("InsyncUser", 5)?;
        s.serialize_field("email", self.email())?;
        s.serialize_field("ad_attribute", self.ad_attribute())?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("profile", self.profile())?;
        s.serialize_field("display_name", self.display_name())?;
        s.end()
    }
}

impl Serialize for M365User {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("M365User", 7)?;
        s.serialize_field("upn", self.upn())?;
        s.serialize_field("primary_smtp", self.primary_smtp())?;
        s.serialize_field("proxies", &self.proxies())?;
        s.serialize_field("sign_in_blocked", &self.sign_in_blocked)?;
        s.serialize_field("licensed", &self.licensed)?;
        s.serialize_field("shared_mailbox", &self.shared_mailbox)?;
        s.serialize_field("display_name", self.display_name())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each record's fields read back under their own names (the places
    /// in `text_fields!` match the order of the plain struct).
    #[test]
    fn records_read_back_their_fields_by_name() {
        let at = At::default();
        let okta = OktaText {
            login: "l",
            email: "e",
            second_email: "s",
            status_text: "st",
            employee_number: "n",
            display_name: "d",
        };
        let o = OktaUser::new(at, OktaStatus::Active, okta);
        assert_eq!(o.text(), okta);
        assert_eq!((o.login(), o.display_name()), ("l", "d"));
        let ad = AdText {
            upn: "u",
            mail: "m",
            sam_account_name: "s",
            employee_number: "n",
            employee_id: "i",
            display_name: "d",
            object_guid: "g",
            disabled_column: "c",
            disabled_value: "v",
        };
        let proxies = Proxies::parse("SMTP:a@x.com;smtp:b@x.com");
        let a = AdUser::new(at, false, &proxies, ad);
        assert_eq!(a.text(), ad);
        assert_eq!((a.upn(), a.disabled_value()), ("u", "v"));
        assert_eq!(a.proxies(), proxies.list());
        let read: Vec<(bool, &str)> = a.proxies().iter().map(|p| (p.primary, p.address)).collect();
        assert_eq!(read, [(true, "a@x.com"), (false, "b@x.com")]);
        let insync = InsyncText {
            email: "e",
            ad_attribute: "a",
            profile: "p",
            display_name: "d",
        };
        let mut u = InsyncUser::new(at, InsyncStatus::Active, insync);
        assert_eq!(u.text(), insync);
        let m365 = M365Text {
            upn: "u",
            primary_smtp: "p",
            display_name: "d",
            object_id: "o",
        };
        let m = M365User::new(at, &Proxies::default(), m365);
        assert_eq!(m.text(), m365);
        assert_eq!((m.upn(), m.object_id()), ("u", "o"));
        // Merging fills the proxies only where there are none.
        let mut merged = m.clone();
        merged.fill_blanks(&M365User::new(at, &proxies, M365Text::default()));
        assert_eq!((merged.text(), merged.proxies()), (m365, proxies.list()));
        let other = Proxies::parse("smtp:c@x.com");
        merged.fill_blanks(&M365User::new(at, &other, m365));
        assert_eq!(merged.proxies(), proxies.list(), "proxies given stay");
        let blank = InsyncUser::new(at, InsyncStatus::Active, InsyncText::default());
        let mut b = blank.clone();
        b.fill_blanks(&u);
        assert_eq!(b.text(), insync);
        u.fill_blanks(&blank);
        assert_eq!(u.text(), insync, "a filled field stays");
    }
}
