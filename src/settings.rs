//! Settings (SPEC section 2): from `preflight.toml`, overridden by flags,
//! defaulting to the change that the Druva article recommends. Each value
//! remembers whether someone set it, because a column named by a setting
//! that was set and is missing stops the run, while a missing default only
//! skips what depends on it.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// inSync's "Access user accounts using".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// inSync sends the inSync email to Microsoft 365.
    InsyncEmail,
    /// inSync sends the AD attribute (the UPN imported from the IdP).
    AdAttribute,
}

impl Access {
    pub fn id(self) -> &'static str {
        match self {
            Access::InsyncEmail => "insync-email",
            Access::AdAttribute => "ad-attribute",
        }
    }
}

/// A setting's value and whether it was given (by flag or config) or is
/// the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub explicit: bool,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            explicit: false,
        }
    }
    fn given(value: T) -> Self {
        Setting {
            value,
            explicit: true,
        }
    }
}

/// The settings of one audit.
#[derive(Clone, Debug)]
pub struct Settings {
    pub access_using: Setting<Access>,
    pub identification_attribute: Setting<Option<String>>,
    /// `None` until inferred (see [`crate::tenant`]).
    pub current_user_name: Setting<Option<String>>,
    pub current_upn: Setting<Option<String>>,
    pub plan_user_name: Setting<String>,
    /// `None` when unset (`--plan-upn none`): the AD attribute keeps its value.
    pub plan_upn: Setting<Option<String>>,
    pub plan_access_using: Setting<Access>,
    /// The `okta.current.user_name` a `--baseline` run inferred: used instead
    /// of this run's inference when the setting is not given (SPEC section 2).
    pub baseline_user_name: Option<String>,
    /// `[report]` of the config file.
    pub report: ReportSection,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_using: Setting::default(Access::InsyncEmail),
            identification_attribute: Setting::default(None),
            current_user_name: Setting::default(None),
            current_upn: Setting::default(None),
            plan_user_name: Setting::default("email".to_string()),
            plan_upn: Setting::default(Some("login".to_string())),
            plan_access_using: Setting::default(Access::AdAttribute),
            baseline_user_name: None,
            report: ReportSection::default(),
        }
    }
}

/// The settings flags of `audit` (and `explain`).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct SettingsArgs {
    /// Today's inSync "Access user accounts using" [default: insync-email].
    #[arg(long, value_enum)]
    pub access_using: Option<Access>,
    /// The AD attribute inSync identifies users by (UUPIC), e.g. employeeNumber.
    #[arg(long, value_name = "ATTRIBUTE")]
    pub identification_attribute: Option<String>,
    /// Okta attribute that feeds Druva userName (= inSync email) today [default: inferred].
    #[arg(long, value_name = "ATTRIBUTE")]
    pub current_user_name: Option<String>,
    /// Okta attribute that feeds the Druva userPrincipalName attribute today [default: none].
    #[arg(long, value_name = "ATTRIBUTE")]
    pub current_upn: Option<String>,
    /// Okta attribute that will feed userName after the change [default: email].
    #[arg(long, value_name = "ATTRIBUTE")]
    pub plan_user_name: Option<String>,
    /// Okta attribute that will feed userPrincipalName after the change; `none` to unset [default: login].
    #[arg(long, value_name = "ATTRIBUTE")]
    pub plan_upn: Option<String>,
    /// "Access user accounts using" after the change [default: ad-attribute].
    #[arg(long, value_enum)]
    pub plan_access_using: Option<Access>,
}

/// `preflight.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub insync: InsyncSection,
    #[serde(default)]
    pub okta: OktaSection,
    #[serde(default)]
    pub plan: PlanSection,
    #[serde(default)]
    pub report: ReportSection,
    /// `[[waiver]]` entries (see `--waivers`).
    #[serde(default)]
    pub waiver: Vec<Waiver>,
}

/// `[report]`: who the report is for and who made it (`--customer` and
/// `--author` override them).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    pub customer: Option<String>,
    pub author: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsyncSection {
    pub access_using: Option<Access>,
    pub identification_attribute: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OktaSection {
    #[serde(default)]
    pub current: CurrentSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurrentSection {
    pub user_name: Option<String>,
    pub upn: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSection {
    pub user_name: Option<String>,
    pub upn: Option<String>,
    pub access_using: Option<Access>,
}

impl ConfigFile {
    /// Parses a config file's text; `name` is used in messages.
    pub fn parse(name: &str, text: &str) -> Result<ConfigFile> {
        toml::from_str(text).with_context(|| {
            format!("{name}: not a valid preflight config. Run `preflight init` to see every key with its meaning.")
        })
    }
}

/// An attribute name, `None` when empty or `none`.
fn attribute(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && !v.eq_ignore_ascii_case("none")).then(|| v.to_string())
}

impl Settings {
    /// The attributes the settings name (the columns, besides those mapped
    /// to fields, that an audit reads).
    pub fn attributes(&self) -> Vec<String> {
        [
            self.identification_attribute.value.as_ref(),
            self.current_user_name.value.as_ref(),
            self.current_upn.value.as_ref(),
            Some(&self.plan_user_name.value),
            self.plan_upn.value.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }

    /// Defaults, then the config file, then the flags.
    pub fn resolve(config: Option<&ConfigFile>, flags: &SettingsArgs) -> Result<Settings> {
        let mut s = Settings::default();
        if let Some(c) = config {
            s.report = c.report.clone();
            s.apply(
                c.insync.access_using,
                c.insync.identification_attribute.as_deref(),
                c.okta.current.user_name.as_deref(),
                c.okta.current.upn.as_deref(),
                c.plan.user_name.as_deref(),
                c.plan.upn.as_deref(),
                c.plan.access_using,
            )?;
        }
        s.apply(
            flags.access_using,
            flags.identification_attribute.as_deref(),
            flags.current_user_name.as_deref(),
            flags.current_upn.as_deref(),
            flags.plan_user_name.as_deref(),
            flags.plan_upn.as_deref(),
            flags.plan_access_using,
        )?;
        Ok(s)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        access_using: Option<Access>,
        identification_attribute: Option<&str>,
        current_user_name: Option<&str>,
        current_upn: Option<&str>,
        plan_user_name: Option<&str>,
        plan_upn: Option<&str>,
        plan_access_using: Option<Access>,
    ) -> Result<()> {
        if let Some(a) = access_using {
            self.access_using = Setting::given(a);
        }
        if let Some(v) = identification_attribute {
            self.identification_attribute = Setting::given(attribute(v));
        }
        if let Some(v) = current_user_name {
            self.current_user_name = Setting::given(attribute(v));
        }
        if let Some(v) = current_upn {
            self.current_upn = Setting::given(attribute(v));
        }
        if let Some(v) = plan_user_name {
            match attribute(v) {
                Some(v) => self.plan_user_name = Setting::given(v),
                None => bail!(
                    "plan.user_name cannot be empty: name the Okta attribute that will feed userName (for example `email`)."
                ),
            }
        }
        if let Some(v) = plan_upn {
            self.plan_upn = Setting::given(attribute(v));
        }
        if let Some(a) = plan_access_using {
            self.plan_access_using = Setting::given(a);
        }
        Ok(())
    }
}

/// The commented `preflight.toml` that `preflight init` writes.
pub const INIT_TEMPLATE: &str = r#"# preflight settings. Flags override these; delete a line to use its default.
# Attribute names are the column names of your exports, compared without
# regard to case, spaces, `_`, `-` and `.`; an Okta `profile.` prefix is
# ignored, and API names equal console titles (login = Username,
# email = Primary email).

[insync]
# Today's inSync "Access user accounts using" (Microsoft 365 > Overview >
# Settings): "insync-email" (the default) or "ad-attribute".
access_using = "insync-email"

# The AD attribute inSync identifies users by (UUPIC), when Druva Support has
# enabled it, e.g. "employeeNumber". Leave commented out when not in use.
# identification_attribute = "employeeNumber"

[okta.current]
# The Okta attribute that feeds Druva userName (= the inSync email) today.
# Commented out: inferred from the exports (login or email, whichever
# matches more inSync emails).
# user_name = "login"

# The Okta attribute that feeds Druva's userPrincipalName (the inSync
# "AD attribute") today, if any.
# upn = "login"

[plan]
# After the change (the Druva article's recommendation):
# userName (the inSync email) from the SMTP address...
user_name = "email"
# ...userPrincipalName (the AD attribute) from the UPN ("" to leave it as is)...
upn = "login"
# ...and inSync accessing Microsoft 365 by the AD attribute.
access_using = "ad-attribute"

[report]
# Shown in the report's header and print footer (--customer, --author).
# customer = "Contoso Ltd"
# author = "Jane Consultant, Example Consulting"
"#;

/// One waiver as written, in a waivers file or a config file's
/// `[[waiver]]` (checked by [`crate::waivers::check`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: String,
    pub subject: String,
    pub reason: String,
    /// `YYYY-MM-DD` (a TOML date or a string).
    pub expires: Option<toml::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_articles_change() {
        let s = Settings::resolve(None, &SettingsArgs::default()).unwrap();
        assert_eq!(s.access_using.value, Access::InsyncEmail);
        assert_eq!(s.plan_user_name.value, "email");
        assert_eq!(s.plan_upn.value.as_deref(), Some("login"));
        assert_eq!(s.plan_access_using.value, Access::AdAttribute);
        assert!(!s.plan_upn.explicit && s.current_user_name.value.is_none());
    }

    #[test]
    fn flags_override_config_and_none_unsets() {
        let config = ConfigFile::parse(
            "p.toml",
            "[insync]\nidentification_attribute = \"employeeNumber\"\n[plan]\nupn = \"\"\nuser_name = \"mail\"\n",
        )
        .unwrap();
        let flags = SettingsArgs {
            plan_user_name: Some("email".into()),
            ..Default::default()
        };
        let s = Settings::resolve(Some(&config), &flags).unwrap();
        assert_eq!(
            s.identification_attribute.value.as_deref(),
            Some("employeeNumber")
        );
        assert_eq!(s.plan_upn.value, None);
        assert!(s.plan_upn.explicit);
        assert_eq!(s.plan_user_name.value, "email");
        let flags = SettingsArgs {
            plan_upn: Some("none".into()),
            ..Default::default()
        };
        assert_eq!(
            Settings::resolve(None, &flags).unwrap().plan_upn.value,
            None
        );
    }

    #[test]
    fn the_init_template_parses_to_the_defaults() {
        let config = ConfigFile::parse("init", INIT_TEMPLATE).unwrap();
        let s = Settings::resolve(Some(&config), &SettingsArgs::default()).unwrap();
        let d = Settings::default();
        assert_eq!(s.access_using.value, d.access_using.value);
        assert_eq!(s.plan_user_name.value, d.plan_user_name.value);
        assert_eq!(s.plan_upn.value, d.plan_upn.value);
        assert_eq!(s.plan_access_using.value, d.plan_access_using.value);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(ConfigFile::parse("p.toml", "[plan]\nusername = \"email\"\n").is_err());
    }
}
