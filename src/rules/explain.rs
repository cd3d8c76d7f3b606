//! What each rule means and why it matters, in a few sentences a customer's
//! admin can read in the HTML report. Grounded in the two Druva articles in
//! `shared/reference/` (mapping UPN and SMTP from Okta; UUPIC) and SPEC
//! section 5; the one-line [`Rule::summary`] says when a rule fires, this
//! says why it is a problem.

use super::Rule;

impl Rule {
    /// Two to four sentences: what the finding means and why it matters.
    pub fn explanation(self) -> &'static str {
        match self {
            Rule::OnedriveUserNotFound => {
                "inSync sends Microsoft 365 one identifier per user: the inSync email, or the AD attribute when \
                 \"Access user accounts using\" is set to AD Attribute. OneDrive is found by user principal name \
                 only, so when that identifier is not a Microsoft 365 UPN the OneDrive backup fails with \
                 EUSERNOTFOUND. This is the first requirement of Druva's article: the value inSync sends must \
                 match the Microsoft 365 UPN."
            }
            Rule::ExchangeMailboxNotFound => {
                "Exchange Online backup accepts more than OneDrive: the identifier inSync sends may be the \
                 mailbox's UPN, its primary SMTP address or one of its aliases. When it is none of these, inSync \
                 finds no mailbox and the user's Exchange Online backup fails. It usually points to an old \
                 domain, a typing mistake or a mailbox that no longer exists."
            }
            Rule::ExchangeRestoreMismatch => {
                "Restoring a mailbox from inSync to Microsoft 365 needs the inSync email to be the mailbox's \
                 primary SMTP address; matching the UPN or an alias is not enough. Backups can run for years \
                 while every restore of such a user fails, which is usually found out on the day a restore is \
                 needed. This is why Druva recommends the SMTP address as the inSync email and the UPN as the \
                 AD attribute."
            }
            Rule::AmbiguousM365Match => {
                "The identifier equals addresses of two or more different Microsoft 365 users, for example one \
                 user's UPN and another user's alias. inSync cannot tell which account is meant, so the audit \
                 resolves it to none of them: backups fail or reach the wrong account. Each address must belong \
                 to exactly one Microsoft 365 user."
            }
            Rule::AdAttributeMissing => {
                "With \"Access user accounts using\" set to AD Attribute, inSync sends the AD attribute stored in \
                 its database instead of the inSync email. Druva's article notes that this attribute can only be \
                 set by importing the user from an identity provider (here Okta's userPrincipalName mapping) or \
                 AD/LDAP; an inSync admin cannot type it in. A user without it has nothing to send, so OneDrive \
                 and Exchange backups fail."
            }
            Rule::SharedMailboxAdAttribute => {
                "Shared mailboxes have no user of their own behind them, and inSync backs them up only by the \
                 inSync email. When access is by AD attribute and the identifier resolves to a shared mailbox, \
                 that mailbox's backup fails. Keep shared mailboxes on inSync email access, or leave them out of \
                 the change."
            }
            Rule::M365SignInBlocked => {
                "The identifier resolves to a Microsoft 365 account whose sign-in is blocked or disabled, \
                 typically someone who has left, or a resource account. Backups may still run, but the account \
                 is often about to be removed and a restore to it helps nobody. Decide whether the user is still \
                 to be backed up, and preserve or deactivate the inSync user accordingly."
            }
            Rule::M365Unlicensed => {
                "The Microsoft 365 user the identifier resolves to has no licence, so it may have no OneDrive, \
                 or a mailbox that Microsoft is about to remove. Backups of such users fail or capture nothing. \
                 License the user, or preserve the inSync user if the person has left."
            }
            Rule::M365NoMailbox => {
                "The identifier resolves to a Microsoft 365 user, but the export shows no mailbox address for \
                 that user. Exchange Online backup and restore then have nothing to work on. Check whether the \
                 user should have a mailbox, or whether the mailbox export is incomplete."
            }
            Rule::OnmicrosoftIdentifier => {
                "The identifier is on the tenant's *.onmicrosoft.com domain, the initial domain Microsoft gives \
                 every tenant. It resolves, but it is rarely anyone's real address: it often marks an account \
                 created before the custom domain was added, or a service account. Nothing breaks; check that \
                 this is the address intended."
            }
            Rule::DuplicateOnRemap => {
                "Okta matches inSync users by userName, and today that userName is the inSync email. After the \
                 change Okta sends another value (the SMTP address) as userName; it no longer matches the \
                 existing inSync email, so inSync treats it as a new user and creates a second account. Druva's \
                 article asks to change each user's inSync email to the new value first, and only then to \
                 change the mapping."
            }
            Rule::RemapCollision => {
                "The value Okta will send as userName after the change is already the inSync email of another \
                 person. At the next push Okta matches that existing account and updates it, so this user is \
                 joined to someone else's inSync account and backups. Make every planned userName belong to its \
                 own person before the change."
            }
            Rule::RemapValueMissing => {
                "The Okta attribute that will feed userName (or userPrincipalName, which becomes the inSync AD \
                 attribute) is empty for this user. Okta cannot provision an empty userName, and an empty AD \
                 attribute leaves inSync nothing to send to Microsoft 365 once access is by AD attribute. Fill \
                 the attribute in Okta before the change."
            }
            Rule::RemapSharedValue => {
                "Two or more active Okta users would send the same userName after the change. inSync keys its \
                 users by that value, so they would land on one inSync account, or the second push would fail. \
                 Each active Okta user needs its own value in the attribute that will feed userName."
            }
            Rule::DuplicateAddress => {
                "The same address is on two or more records of one system, for example two Okta users, or a UPN \
                 that is also another user's alias. Okta, inSync and Microsoft 365 link people by address, so a \
                 shared address makes the link ambiguous: provisioning and backups may pick the wrong record. \
                 Keep each address on exactly one record per system."
            }
            Rule::ExistingDuplicateUser => {
                "Two or more active inSync users already belong to one person: they link to the same Okta user or \
                 resolve to the same Microsoft 365 user. It is what the change creates when done blind, and it may \
                 have happened before. Preserve or merge the extra account first, so that Okta's next push updates \
                 one user, not several."
            }
            Rule::InvalidAddress => {
                "An identity field holds a value that is not a valid email address: more or fewer than one @, \
                 white space, double dots, a domain without a dot. Microsoft 365 matches it to no user, and Okta \
                 or inSync may reject it. Correct it in the system the finding names."
            }
            Rule::NonAsciiAddress => {
                "An identity field holds non-ASCII characters, such as accented letters. Microsoft 365 sign-in \
                 names and SMTP addresses are ASCII in practice, so such a value usually matches nothing, or only \
                 once accents are folded. Use the ASCII address the user really has."
            }
            Rule::UntrimmedValue => {
                "The value has white space before or after it. It looks right on screen, but systems that compare \
                 values exactly (SCIM matching, Microsoft 365 lookups) find no match. Trim the value where it is \
                 stored."
            }
            Rule::InactiveInIdp => {
                "The inSync user is active, but its Okta user is deactivated or its AD account disabled: the \
                 person has most likely left. Provisioning no longer updates this inSync account, which keeps a \
                 licence and its old values through the change. Decide whether to preserve or deactivate it in \
                 inSync."
            }
            Rule::InsyncUserWithoutIdp => {
                "This active inSync user is linked to no Okta user, so Okta provisioning will never update it: the \
                 mapping change leaves its inSync email as it is and gives it no AD attribute, which only an import \
                 from an identity provider or AD/LDAP can set. Assign the person to the Druva app in Okta with a \
                 matching userName, or plan to look after this account by hand."
            }
            Rule::IdpUserWithoutInsync => {
                "This active Okta user has no inSync user. If the person is assigned to the Druva app, the next \
                 push creates a new inSync user with the planned userName. That is expected for new starters; for \
                 anyone else it suggests the link by email does not work."
            }
            Rule::RemediatedAhead => {
                "The inSync email of this user was already changed to the value Okta will send as userName after \
                 the change, as the Druva article asks. The change will link this inSync user to its Okta user \
                 again, so no duplicate is created. The window is not safe by itself: until the mapping changes, \
                 Okta still sends the old userName and would create a new inSync user on its next push, and \
                 OneDrive backups may fail until the access setting is switched. Change the Okta mapping in the \
                 same maintenance window (or pause Okta's pushes to inSync), and have the user reset the inSync \
                 password."
            }
            Rule::UnreadableRow => {
                "A row of an input file could not be read (a wrong number of columns, broken quoting) and was \
                 skipped, so the audit knows nothing of that record and its findings are missing from this \
                 report. Re-export the file, or mend the row, and run the audit again."
            }
            Rule::UupicMissing => {
                "With a user identification attribute (UUPIC) such as employeeNumber, inSync identifies and \
                 authorises users by that AD attribute instead of their email address, and reads it from AD at \
                 each import. An enabled user in scope without a value cannot be identified, so SSO sign-in and \
                 import fail for that user. Fill the attribute in AD before Druva Support turns UUPIC on."
            }
            Rule::UupicDuplicate => {
                "The UUPIC is inSync's one identifier of a user, so it must be unique. Two AD users sharing a \
                 value would be taken for the same inSync user, and one could reach the other's data. Give each \
                 user a value of their own (values are compared trimmed and ignoring case, disabled accounts \
                 included)."
            }
            Rule::UupicExcelMangled => {
                "The value looks changed by a spreadsheet: scientific notation (1.2E+05), a trailing .0, or a \
                 zero-padded number that lost its leading zeros. Written back to AD, it no longer matches the \
                 person's real identifier, and inSync cannot identify them. Take the value from the HR system or \
                 AD directly, and format such columns as text in Excel."
            }
            Rule::AdminSsoUnavailable => {
                "Druva's documentation says that once inSync uses a UUPIC, SSO is not available to \
                 administrators: they sign in to the inSync Management Console with their inSync password. Make \
                 sure every administrator has a working inSync password before UUPIC is turned on."
            }
            Rule::CaseOnlyMatch => {
                "The identifier matches a Microsoft 365 address only when upper and lower case are ignored. Email \
                 addresses are normally compared without case, so this usually works, but not every comparison \
                 is lenient. Nothing to do unless a backup fails; aligning the case is the safe choice."
            }
            Rule::DiacriticsOnlyMatch => {
                "The identifier matches a Microsoft 365 address only when accents are removed (josé@ against \
                 jose@). Microsoft 365 does not fold accents, so the lookup fails. Use the address exactly as \
                 Microsoft 365 has it."
            }
            Rule::OtherDomainMatch => {
                "No Microsoft 365 address equals the identifier, but one with the same local part exists on \
                 another domain: typically an old domain after a rename, or an alternate domain. The message \
                 names that address, which is probably the one intended. Change the identifier to it, or add the \
                 identifier as an alias in Microsoft 365."
            }
            Rule::DruvaCharacterRewrite => {
                "The planned userName holds characters (? * / \\ < >) that Druva's SCIM provisioning replaces \
                 with _. The inSync email then differs from the value in Okta and in Microsoft 365, so the next \
                 push and the Microsoft 365 lookup both miss. Remove those characters from the Okta attribute."
            }
            Rule::WaiverExpired => {
                "A waiver in the waivers file is past its expiry date, so it no longer excuses the findings it \
                 matched: they count toward the verdict again. Renew it with a new date if the exception still \
                 holds, or fix the findings."
            }
            Rule::WaiverUnused => {
                "A waiver in the waivers file matched no finding: the problem it excused is gone, or its rule or \
                 subject is misspelt. Remove or correct it, so that the file stays an accurate list of accepted \
                 exceptions."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_two_to_four_sentences() {
        for rule in Rule::ALL {
            let text = rule.explanation();
            let sentences = text.split(". ").filter(|s| !s.trim().is_empty()).count();
            assert!(
                (2..=4).contains(&sentences) && text.ends_with('.'),
                "{}: {sentences} sentences",
                rule.id()
            );
            assert!(!text.contains("  "), "{}: double space", rule.id());
        }
    }
}
