//! `users.csv`: one row per person, each source's identifiers side by
//! side and every check today and after the change ([`Users`], each row
//! written out as a [`UserRow`]).

use crate::link::{Linked, Outcome, Person, Persons, View};
use crate::model::{AdUser, InsyncUser, M365User, OktaUser};
use crate::model::{Fields, OktaStatus, be_words, cmp_key, key_prefix_bytes, same_key};
use crate::rules::{Finding, Rule};
use crate::tenant::Tenant;
use rayon::prelude::*;

/// One row of `users.csv`: a person, identifiers side by side.
///
/// Its eleven text cells (the eight identifiers, the planned inSync email,
/// the rules and the display name) are packed in one allocation, and the
/// six outcomes a byte each: a million persons stay one allocation each
/// (they were eleven strings and 390 bytes).
#[derive(Clone, Debug)]
pub struct UserRow {
    text: Fields<11>,
    outcomes: [Outcome; 6],
}

impl UserRow {
    // Where each text cell is among the eleven (see [`UserRow::new`]).
    pub const INSYNC_EMAIL: usize = 0;
    pub const INSYNC_AD_ATTRIBUTE: usize = 1;
    pub const OKTA_LOGIN: usize = 2;
    pub const OKTA_EMAIL: usize = 3;
    pub const AD_UPN: usize = 4;
    pub const AD_MAIL: usize = 5;
    pub const M365_UPN: usize = 6;
    pub const M365_PRIMARY_SMTP: usize = 7;
    pub const PLANNED_INSYNC_EMAIL: usize = 8;
    pub const RULES: usize = 9;
    pub const DISPLAY_NAME: usize = 10;

    pub const HEADER: [&'static str; 17] = [
        "display_name",
        "insync_email",
        "insync_ad_attribute",
        "okta_login",
        "okta_email",
        "ad_upn",
        "ad_mail",
        "m365_upn",
        "m365_primary_smtp",
        "current_onedrive",
        "current_exchange_backup",
        "current_exchange_restore",
        "planned_insync_email",
        "planned_onedrive",
        "planned_exchange_backup",
        "planned_exchange_restore",
        "rules",
    ];

    /// A row of these text cells (in the order of the constants above)
    /// and outcomes (today's OneDrive, Exchange backup and restore, then
    /// the planned ones).
    pub fn new(texts: [&str; 11], outcomes: [Outcome; 6]) -> UserRow {
        UserRow {
            text: Fields::new(texts),
            outcomes,
        }
    }

    fn get(&self, i: usize) -> &str {
        self.text.get(i)
    }

    pub fn insync_email(&self) -> &str {
        self.get(Self::INSYNC_EMAIL)
    }
    pub fn insync_ad_attribute(&self) -> &str {
        self.get(Self::INSYNC_AD_ATTRIBUTE)
    }
    pub fn okta_login(&self) -> &str {
        self.get(Self::OKTA_LOGIN)
    }
    pub fn okta_email(&self) -> &str {
        self.get(Self::OKTA_EMAIL)
    }
    pub fn ad_upn(&self) -> &str {
        self.get(Self::AD_UPN)
    }
    pub fn ad_mail(&self) -> &str {
        self.get(Self::AD_MAIL)
    }
    pub fn m365_upn(&self) -> &str {
        self.get(Self::M365_UPN)
    }
    pub fn m365_primary_smtp(&self) -> &str {
        self.get(Self::M365_PRIMARY_SMTP)
    }
    pub fn planned_insync_email(&self) -> &str {
        self.get(Self::PLANNED_INSYNC_EMAIL)
    }
    /// The ids of the person's rules, `;`-joined.
    pub fn rules(&self) -> &str {
        self.get(Self::RULES)
    }
    /// The person's name as the exports give it (SPEC section 6).
    pub fn display_name(&self) -> &str {
        self.get(Self::DISPLAY_NAME)
    }
    pub fn current_onedrive(&self) -> &'static str {
        self.outcomes[0].id()
    }
    pub fn current_exchange_backup(&self) -> &'static str {
        self.outcomes[1].id()
    }
    pub fn current_exchange_restore(&self) -> &'static str {
        self.outcomes[2].id()
    }
    pub fn planned_onedrive(&self) -> &'static str {
        self.outcomes[3].id()
    }
    pub fn planned_exchange_backup(&self) -> &'static str {
        self.outcomes[4].id()
    }
    pub fn planned_exchange_restore(&self) -> &'static str {
        self.outcomes[5].id()
    }

    /// The first of the inSync email, Okta login, AD and Microsoft 365 UPN
    /// that is not empty: what the rows are sorted by.
    fn first_identifier(&self) -> &str {
        first_identifier(&self.text.all())
    }

    /// The cells of `users.csv` but the first, the display name: what
    /// identifies and describes the person.
    pub fn cells(&self) -> [&str; 16] {
        UserRow::cells_of(&self.text.all(), &self.outcomes)
    }

    /// [`UserRow::cells`] of eleven text cells and six outcomes.
    pub fn cells_of<'a>(texts: &[&'a str; 11], outcomes: &[Outcome; 6]) -> [&'a str; 16] {
        let ids = outcomes.map(Outcome::id);
        let t = |i: usize| texts[i];
        [
            t(Self::INSYNC_EMAIL),
            t(Self::INSYNC_AD_ATTRIBUTE),
            t(Self::OKTA_LOGIN),
            t(Self::OKTA_EMAIL),
            t(Self::AD_UPN),
            t(Self::AD_MAIL),
            t(Self::M365_UPN),
            t(Self::M365_PRIMARY_SMTP),
            ids[0],
            ids[1],
            ids[2],
            t(Self::PLANNED_INSYNC_EMAIL),
            ids[3],
            ids[4],
            ids[5],
            t(Self::RULES),
        ]
    }
}

/// The person's name as the exports give it (SPEC section 6): AD's
/// `DisplayName`, else Okta's first and last name, else Microsoft 365's
/// display name, else the inSync user name; the first record of a kind
/// that has one.
fn display_name<'t>(r: &Records<'_, 't>) -> &'t str {
    let ad = r.ad().map(AdUser::display_name);
    let okta = r.okta().map(OktaUser::display_name);
    let m365 = r.m365().map(M365User::display_name);
    let insync = r.insync().map(InsyncUser::display_name);
    ad.chain(okta)
        .chain(m365)
        .chain(insync)
        .map(str::trim)
        .find(|v| !v.is_empty())
        .unwrap_or("")
}

/// A person's records of each source.
struct Records<'p, 't> {
    t: &'t Tenant,
    person: Person<'p>,
}

impl<'p, 't> Records<'p, 't> {
    fn insync(&self) -> impl Iterator<Item = &'t InsyncUser> + '_ {
        self.person
            .insync
            .iter()
            .map(|&u| &self.t.insync[u as usize])
    }
    fn okta(&self) -> impl Iterator<Item = &'t OktaUser> + '_ {
        self.person.okta.iter().map(|&o| &self.t.okta[o as usize])
    }
    fn ad(&self) -> impl Iterator<Item = &'t AdUser> + '_ {
        self.person.ad.iter().map(|&a| &self.t.ad[a as usize])
    }
    fn m365(&self) -> impl Iterator<Item = &'t M365User> + '_ {
        self.person.m365.iter().map(|&m| &self.t.m365[m as usize])
    }
}

/// Whether a value is set (not empty or white space): a joined cell is
/// empty exactly when none of its values is.
fn set(v: &str) -> bool {
    !v.trim().is_empty()
}

fn outcome(v: Option<&View>, f: fn(&View) -> Outcome) -> Outcome {
    v.map_or(Outcome::NotApplicable, f)
}

/// The persons of `users.csv`, in its order.
///
/// A row keeps what linking knew of its person: its records (in
/// [`Persons`]), the two values its main inSync user's views give, the six
/// outcomes and its rules. The text cells are read from the records when a
/// row is wanted ([`User::row`]), rewritten then when the report is
/// redacted: a million persons are not kept a second time as text.
pub struct Users<'t> {
    t: &'t Tenant,
    persons: Persons,
    rows: Vec<Kept<'t>>,
    /// `--redact`: each text cell's rewrite (its place, its value).
    rewrite: Option<Rewrite<'t>>,
}

/// How `--redact` rewrites a row's text cell: its place, its value.
pub type Rewrite<'t> = Box<dyn Fn(usize, &str) -> String + Send + Sync + 't>;

/// What a row keeps of its person.
struct Kept<'t> {
    person: u32,
    /// The main inSync user's AD attribute today, and its email after the
    /// change (or the planned userName), both trimmed.
    ad_attribute: &'t str,
    planned_email: &'t str,
    /// One bit per rule (`Rule as u64`).
    rules: u64,
    outcomes: [Outcome; 6],
}

/// One row of [`Users`].
#[derive(Clone, Copy)]
pub struct User<'u, 't> {
    users: &'u Users<'t>,
    index: usize,
}

impl<'t> Users<'t> {
    /// One row per person with an identifier, sorted by its first
    /// identifier (see [`UserRow::first_identifier`]), then every cell.
    pub(super) fn build(l: &Linked<'t>, findings: &[Finding], persons: Persons) -> Users<'t> {
        let t = l.t;
        // The rules of each person, one bit per rule.
        let mut rules_of: Vec<u64> = vec![0; persons.len()];
        for f in findings {
            if let Some(p) = f.person {
                rules_of[p as usize] |= 1 << (f.rule as u64);
            }
        }
        let mut users = Users {
            t,
            persons,
            rows: Vec::new(),
            rewrite: None,
        };
        let mut keyed: Vec<Option<([u64; 3], Kept<'t>)>> = Vec::new();
        (0..users.persons.len())
            .into_par_iter()
            // Each row's first identifier is written into one buffer per
            // thread, to find its key; nothing of it is kept but that.
            .map_init(Cells::default, |cells, p| {
                let kept = users.kept(l, p, rules_of[p]);
                // Records without any identifier (AD's built-in accounts) are
                // no person anyone can act on; they stay counted in the inputs.
                let first = users.first_identifier(&kept, cells)?;
                Some((be_words(key_prefix_bytes::<24>(first)), kept))
            })
            .collect_into_vec(&mut keyed);
        // By the first identifier's key (its first 24 bytes, then the whole),
        // then every cell; persons without a row (`None`) last. Unstable is
        // enough: rows that compare equal are equal in every cell. Rows whose
        // prefixes tie are compared written out (two rows each time: rare,
        // the prefix holds most of a key). Sorted where they were made and
        // taken out in place: no second vector of a million rows.
        keyed.par_sort_unstable_by(|a, b| match (a, b) {
            (Some(a), Some(b)) => a.0.cmp(&b.0).then_with(|| {
                let (a, b) = (users.text_row(&a.1), users.text_row(&b.1));
                cmp_key(a.first_identifier(), b.first_identifier())
                    .then_with(|| a.cells().cmp(&b.cells()))
            }),
            (a, b) => b.is_some().cmp(&a.is_some()),
        });
        users.rows = keyed.into_iter().filter_map(|k| Some(k?.1)).collect();
        users
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `index`.
    pub fn get(&self, index: usize) -> User<'_, 't> {
        assert!(index < self.rows.len(), "no user row {index}");
        User { users: self, index }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = User<'_, 't>> + '_ {
        (0..self.rows.len()).map(|index| User { users: self, index })
    }

    /// From now on every row's text cells are passed through `rewrite`
    /// (`--redact`).
    pub fn set_rewrite(&mut self, rewrite: Rewrite<'t>) {
        self.rewrite = Some(rewrite);
    }

    /// The eleven text cells of a row, written into `cells` as the
    /// records give them (not rewritten).
    fn cells_into(&self, k: &Kept<'t>, cells: &mut Cells) {
        let r = self.records(k);
        cells.clear();
        cells.joined(r.insync().map(InsyncUser::email));
        cells.one(k.ad_attribute);
        cells.joined(r.okta().map(OktaUser::login));
        cells.joined(r.okta().map(OktaUser::email));
        cells.joined(r.ad().map(AdUser::upn));
        cells.joined(r.ad().map(AdUser::mail));
        cells.joined(r.m365().map(M365User::upn));
        cells.joined(r.m365().map(crate::link::primary_of));
        cells.one(k.planned_email);
        let rules = Rule::ALL
            .iter()
            .filter(|r| k.rules & 1 << (**r as u64) != 0)
            .map(|r| r.id());
        cells.listed(rules);
        cells.one(display_name(&r));
    }

    /// The records of a row's person.
    fn records(&self, k: &Kept<'t>) -> Records<'_, 't> {
        Records {
            t: self.t,
            person: self.persons.get(k.person as usize),
        }
    }

    /// What row of person `p` keeps, its rules `rules`.
    fn kept(&self, l: &Linked<'t>, p: usize, rules: u64) -> Kept<'t> {
        let t = self.t;
        let person = self.persons.get(p);
        let main = person
            .insync
            .iter()
            .copied()
            .find(|&u| t.insync[u as usize].status == crate::model::InsyncStatus::Active)
            .or_else(|| person.insync.first().copied());
        let cur = main.map(|u| &l.current[u as usize]);
        let plan = main.and_then(|u| l.planned.as_ref().map(|p| &p[u as usize]));
        let planned_email = match (plan, l.planned.is_some()) {
            (Some(v), _) => v.email.trim(),
            (None, true) => person
                .okta
                .iter()
                .find(|&&o| t.okta[o as usize].status == OktaStatus::Active)
                .map_or("", |&o| t.okta_values(o).plan_user_name.trim()),
            (None, false) => "",
        };
        Kept {
            person: p as u32,
            ad_attribute: cur.map_or("", |v| v.ad_attribute.trim()),
            planned_email,
            rules,
            outcomes: [
                outcome(cur, |v| v.onedrive),
                outcome(cur, |v| v.exchange_backup),
                outcome(cur, |v| v.exchange_restore),
                outcome(plan, |v| v.onedrive),
                outcome(plan, |v| v.exchange_backup),
                outcome(plan, |v| v.exchange_restore),
            ],
        }
    }

    /// The row's first identifier cell ([`UserRow::first_identifier`]),
    /// written into `cells` (the other cells are not written); `None` when
    /// the row has no identifier at all.
    fn first_identifier<'c>(&self, k: &Kept<'t>, cells: &'c mut Cells) -> Option<&'c str> {
        let r = self.records(k);
        // The cells in the order UserRow::first_identifier reads them.
        let candidates: [&dyn Fn(&mut Cells); 4] = [
            &|c| c.joined(r.insync().map(InsyncUser::email)),
            &|c| c.joined(r.okta().map(OktaUser::login)),
            &|c| c.joined(r.ad().map(AdUser::upn)),
            &|c| c.joined(r.m365().map(M365User::upn)),
        ];
        let found = candidates.iter().any(|write| {
            cells.clear();
            write(cells);
            !cells.first().is_empty()
        });
        if !found {
            // The other identifier cells.
            let other = !k.ad_attribute.is_empty()
                || r.okta().any(|o| set(o.email()))
                || r.ad().any(|a| set(a.mail()))
                || r.m365().any(|m| set(crate::link::primary_of(m)));
            if !other {
                return None;
            }
            cells.clear();
            cells.one("");
        }
        Some(cells.first())
    }

    /// A row as the records give it (not rewritten).
    fn text_row(&self, k: &Kept<'t>) -> UserRow {
        let mut cells = Cells::default();
        self.cells_into(k, &mut cells);
        UserRow::new(cells.all(), k.outcomes)
    }
}

impl<'u, 't> User<'u, 't> {
    fn kept(&self) -> &'u Kept<'t> {
        &self.users.rows[self.index]
    }

    /// Its place in `users.csv` (0 for the first row).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The row written out, rewritten when the report is redacted.
    pub fn row(&self) -> UserRow {
        let mut cells = Cells::default();
        let (texts, outcomes) = self.cells_into(&mut cells);
        UserRow::new(texts, outcomes)
    }

    /// [`User::row`] with the text cells written into `cells` (one buffer
    /// for many rows): the eleven text cells, then the six outcomes.
    pub fn cells_into<'c>(&self, cells: &'c mut Cells) -> ([&'c str; 11], [Outcome; 6]) {
        let k = self.kept();
        self.users.cells_into(k, cells);
        if let Some(f) = &self.users.rewrite {
            cells.rewrite(f);
        }
        (cells.all(), k.outcomes)
    }

    /// Today's OneDrive, Exchange backup and restore outcomes, then the
    /// planned ones.
    pub fn outcomes(&self) -> [Outcome; 6] {
        self.kept().outcomes
    }

    /// The rules that found something about the person, in catalogue order.
    pub fn rules(&self) -> impl Iterator<Item = Rule> + 'u {
        let bits = self.kept().rules;
        Rule::ALL
            .iter()
            .copied()
            .filter(move |r| bits & 1 << (*r as u64) != 0)
    }

    /// Whether the person has an Okta login and an inSync email (the
    /// persons the mapping change touches).
    pub fn has_okta_login_and_insync_email(&self) -> bool {
        let r = self.users.records(self.kept());
        r.okta().any(|o| set(o.login())) && r.insync().any(|u| set(u.email()))
    }
}

/// The first of the inSync email, Okta login, AD and Microsoft 365 UPN
/// cells that is not empty: what the rows are sorted by.
fn first_identifier<'a>(texts: &[&'a str; 11]) -> &'a str {
    [
        UserRow::INSYNC_EMAIL,
        UserRow::OKTA_LOGIN,
        UserRow::AD_UPN,
        UserRow::M365_UPN,
    ]
    .into_iter()
    .map(|i| texts[i])
    .find(|v| !v.is_empty())
    .unwrap_or("")
}

/// The cells of one row as they are written: one buffer and where each
/// cell ends.
#[derive(Default)]
pub struct Cells {
    text: String,
    ends: Vec<usize>,
    /// Where the values of the cell being joined are in `text`.
    seen: Vec<(usize, usize)>,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn start(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    fn one(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// The values of several records in one cell: trimmed, the empty ones
    /// left out, each key once (its first spelling), `; ` between them.
    fn joined<'v>(&mut self, values: impl Iterator<Item = &'v str>) {
        let start = self.start();
        self.seen.clear();
        for v in values.map(str::trim).filter(|v| !v.is_empty()) {
            let text = &self.text;
            if !self.seen.iter().any(|&(a, b)| same_key(&text[a..b], v)) {
                if self.text.len() > start {
                    self.text.push_str("; ");
                }
                self.seen.push((self.text.len(), self.text.len() + v.len()));
                self.text.push_str(v);
            }
        }
        self.ends.push(self.text.len());
    }

    /// Ids in one cell, `;` between them.
    fn listed<'v>(&mut self, ids: impl Iterator<Item = &'v str>) {
        let start = self.start();
        for id in ids {
            if self.text.len() > start {
                self.text.push(';');
            }
            self.text.push_str(id);
        }
        self.ends.push(self.text.len());
    }

    /// Each cell passed through `f` (its place, its value).
    fn rewrite(&mut self, f: impl Fn(usize, &str) -> String) {
        let all = self.all();
        let texts: [String; 11] = std::array::from_fn(|i| f(i, all[i]));
        self.clear();
        for t in &texts {
            self.one(t);
        }
    }

    /// The first cell.
    fn first(&self) -> &str {
        &self.text[..self.ends[0]]
    }

    /// The eleven cells.
    fn all(&self) -> [&str; 11] {
        std::array::from_fn(|k| {
            let start = if k == 0 { 0 } else { self.ends[k - 1] };
            &self.text[start..self.ends[k]]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a row's text cells hold no identifier at all (what
    /// [`Users::first_identifier`] answers `None` for).
    fn anonymous(texts: &[&str; 11]) -> bool {
        texts[..=UserRow::M365_PRIMARY_SMTP]
            .iter()
            .all(|c| c.is_empty())
    }

    #[test]
    fn cells_join_each_key_once_and_list_ids() {
        let mut c = Cells::default();
        c.joined(["a@x", " A@X ", "", "b; c", "c", "B; C"].into_iter());
        c.one(" kept as given ");
        c.listed(["duplicate-address", "invalid-address"].into_iter());
        c.joined(std::iter::empty());
        c.listed(std::iter::empty());
        (5..11).for_each(|_| c.one(""));
        assert_eq!(
            &c.all()[..5],
            [
                "a@x; b; c; c",
                " kept as given ",
                "duplicate-address;invalid-address",
                "",
                ""
            ]
        );
        c.clear();
        c.joined([" z "].into_iter());
        (1..11).for_each(|_| c.one(""));
        assert_eq!(c.all()[0], "z");
    }

    /// The key a row is sorted by is the first identifier of the row as
    /// written, and the rows left out are those written without any
    /// identifier: on the sample tenant and on an AD export of an account
    /// with a UPN, one with a mail only and a built-in one with neither.
    #[test]
    fn a_rows_key_is_the_first_identifier_it_is_written_with() {
        use crate::load::{LoadOptions, load_bytes};
        let ad = "DistinguishedName,Enabled,SamAccountName,UserPrincipalName,mail\r\n\
                  \"CN=Anna,DC=x\",True,anna,anna@x.com,anna.berg@x.com\r\n\
                  \"CN=Bo,DC=x\",True,bo,,bo@x.com\r\n\
                  \"CN=krbtgt,DC=x\",False,krbtgt,,\r\n";
        let table = load_bytes("ad.csv", ad.as_bytes(), &LoadOptions::default()).unwrap();
        let settings = crate::settings::Settings::resolve(None, &Default::default()).unwrap();
        let small = crate::audit::tenant(vec![table], settings, &Default::default()).unwrap();
        let mut seen = [0; 3];
        for tenant in [&crate::audit::demo_tenant().unwrap(), &small] {
            let (l, _lk) = Linked::build(tenant);
            let users = Users {
                t: tenant,
                persons: l.persons.clone(),
                rows: Vec::new(),
                rewrite: None,
            };
            let (mut written, mut key) = (Cells::default(), Cells::default());
            for p in 0..users.persons.len() {
                let k = users.kept(&l, p, 0);
                users.cells_into(&k, &mut written);
                let texts = written.all();
                let want = (!anonymous(&texts)).then(|| first_identifier(&texts));
                assert_eq!(users.first_identifier(&k, &mut key), want, "person {p}");
                seen[match want {
                    None => 0,
                    Some("") => 1,
                    Some(_) => 2,
                }] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    }

    proptest::proptest! {
        /// A row reads back every cell as given, in `users.csv` order, and
        /// a rewrite of its cells changes the identifiers but not the rules.
        #[test]
        fn user_rows_read_back_as_given(
            texts: [String; 11],
            outcomes in proptest::array::uniform6(0u8..3),
        ) {
            let outcomes = outcomes.map(|o| [Outcome::Ok, Outcome::Fail, Outcome::NotApplicable][o as usize]);
            let row = UserRow::new(texts.each_ref().map(String::as_str), outcomes);
            let ids = outcomes.map(Outcome::id);
            let t = |i: usize| texts[i].as_str();
            let want = [
                t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7),
                ids[0], ids[1], ids[2],
                t(8),
                ids[3], ids[4], ids[5],
                t(9),
            ];
            proptest::prop_assert_eq!(row.cells(), want);
            proptest::prop_assert_eq!(row.display_name(), t(10));
            proptest::prop_assert_eq!(anonymous(&row.text.all()), texts[..8].iter().all(String::is_empty));
            let first = [0, 2, 4, 6].into_iter().map(t).find(|v| !v.is_empty()).unwrap_or("");
            proptest::prop_assert_eq!(row.first_identifier(), first);
            let mut cells = Cells::default();
            texts.iter().for_each(|v| cells.one(v));
            cells.rewrite(|i, v| if i == UserRow::RULES { v.into() } else { v.to_uppercase() });
            let upper = UserRow::new(cells.all(), outcomes);
            proptest::prop_assert_eq!(upper.rules(), t(9));
            proptest::prop_assert_eq!(upper.insync_email(), t(0).to_uppercase());
            proptest::prop_assert_eq!(upper.planned_insync_email(), t(8).to_uppercase());
            proptest::prop_assert_eq!(upper.current_onedrive(), ids[0]);
        }
    }
}
