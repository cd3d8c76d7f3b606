//! Synthetic tenants for benchmarks: the four exports of a Contoso-like
//! company of any size, written byte for byte in the formats of
//! `fixtures/contoso/` (see `fixtures/README.md`).
//!
//! Used by `examples/gen-tenant.rs` (files on disk, streamed through
//! `BufWriter`) and by the criterion bench `benches/audit.rs` (small tenants
//! in memory), both with `#[path = ...] mod tenant;`. Also its own test
//! target (`[[bench]] name = "tenant"`, run by `cargo test`).
//!
//! Person `i` is a pure function of `(seed, i)`: a splitmix64 stream seeded
//! from both, so the output is deterministic per seed, independent of the
//! order records are written in, and never depends on a dependency's PRNG.
//! About 90% of people follow Contoso's normal pattern (login and UPN
//! `first.last.N@contoso.com`, primary SMTP `first.last.N@contoso.co.uk`,
//! inSync email = UPN); about 10% carry one of the anomalies of
//! [`Kind::ANOMALIES`], the situations the rules look for.

#![allow(dead_code)] // each target that includes this module uses a part of it

use std::fmt::Write as _;
use std::io::{self, Write};

/// File names, as in `fixtures/contoso/`.
pub const OKTA: &str = "okta-export-users.csv";
pub const AD: &str = "ad-users.csv";
pub const M365: &str = "m365-active-users.csv";
pub const INSYNC: &str = "insync-user-provisioning.csv";
/// The four files, in the order [`generate`] takes its writers.
pub const FILES: [&str; 4] = [OKTA, AD, M365, INSYNC];

const BOM: &[u8] = "\u{feff}".as_bytes();
const OKTA_HEADER: &str =
    "User Id,Status,Username,First name,Last name,Primary email,Secondary email,Employee number";
const AD_TYPE_LINE: &str = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser";
const AD_HEADER: [&str; 12] = [
    "DistinguishedName",
    "Enabled",
    "GivenName",
    "Name",
    "ObjectGUID",
    "SamAccountName",
    "Surname",
    "UserPrincipalName",
    "mail",
    "proxyAddresses",
    "employeeNumber",
    "employeeID",
];
const M365_HEADER: &str = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Title,Department,City,CountryOrRegion,Office,Usage location,Block credential,Licenses,Password never expires,Proxy addresses";
const INSYNC_HEADER: &str = "User Name,User Email,Profile,User Status,Microsoft 365 License,Backup Data (MB),Created On,Managed By,Mapping,Custom Attribute Name,Custom Attribute Value";

// ---------------------------------------------------------------------------
// PRNG

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed forever.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The splitmix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of person `i`, for one purpose (`salt`).
fn stream(seed: u64, i: u64, salt: u64) -> SplitMix64 {
    SplitMix64::new(mix(mix(seed ^ 0x5EED_0F7E_4A47_D1CE)
        ^ mix(i.wrapping_add(1))
        ^ salt))
}

// ---------------------------------------------------------------------------
// People

/// What a person looks like across the four systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    // Normal pattern and its benign variety.
    /// Okta, AD, Microsoft 365 and inSync, Contoso's pattern.
    Normal,
    /// Active Okta user not yet pushed to inSync (Ella Brooks).
    NewHire,
    /// `STAGED` or `PROVISIONED` in Okta, not in inSync, AD without
    /// employeeNumber (Liam Harris, Maya Patel).
    Staged,
    /// inSync user preserved by an admin (Nina Petrova).
    Preserved,
    /// Fabrikam leaver, a preserved inSync user and nothing else (Peter Olsen).
    Leaver,
    /// Shared mailbox added to inSync by hand; Microsoft 365 only otherwise.
    SharedMailbox,
    // Anomalies.
    /// Okta login and inSync email = the SMTP address, not the UPN (Priya).
    SmtpLogin,
    /// A second inSync user with the SMTP address, created by hand (Sarah).
    HandDuplicate,
    /// Okta login and inSync email differ from the UPN by case (Mark Evans).
    CaseOnly,
    /// Trailing space in the Okta email, or around the inSync email.
    Untrimmed,
    /// Okta email `x@contoso..co.uk` (Anna Berg).
    InvalidOktaEmail,
    /// AD mail `Name <address>` (Peter Novak).
    InvalidAdMail,
    /// Okta email = the previous person's inSync email (remap collision).
    Collision,
    /// An admin account with the same Okta email (Daniel Fischer).
    SharedPlanned,
    /// Empty Okta email and AD mail (Isabel Moreau).
    EmptyOktaEmail,
    /// Okta `SUSPENDED`, inSync active (Noah Williams).
    SuspendedOkta,
    /// AD account disabled, Microsoft 365 sign-in blocked (Grace Thompson).
    DisabledAd,
    /// AD proxy = the previous person's primary SMTP address (James/Jamie).
    DuplicateProxy,
    /// Alias = the previous person's UPN, in AD and Microsoft 365 (Samuel).
    AmbiguousAlias,
    /// Microsoft 365 sign-in blocked (Oscar Lindgren).
    BlockedM365,
    /// Microsoft 365 licence removed (Freya Jensen).
    UnlicensedM365,
    /// Microsoft 365 F1: no mailbox, no proxies (Tomasz Kowalski).
    NoMailbox,
    /// AD employeeNumber empty.
    MissingEmployeeNumber,
    /// AD employeeNumber = the previous person's (Ben Walker/Beth Walsh).
    DuplicateEmployeeNumber,
    /// AD employeeNumber with the zeros dropped or in scientific notation.
    ExcelMangled,
    /// Accented Okta login and inSync email; AD/M365 ASCII (José García).
    Accented,
    /// Fabrikam login never renamed (Lukas Weber).
    OtherDomain,
    /// Cloud-only user on the tenant domain (Kasper Nielsen).
    Onmicrosoft,
    /// Okta email with `/`, which Druva rewrites (Backup Service).
    DruvaRewrite,
}

impl Kind {
    pub const ANOMALIES: [Kind; 23] = [
        Kind::SmtpLogin,
        Kind::HandDuplicate,
        Kind::CaseOnly,
        Kind::Untrimmed,
        Kind::InvalidOktaEmail,
        Kind::InvalidAdMail,
        Kind::Collision,
        Kind::SharedPlanned,
        Kind::EmptyOktaEmail,
        Kind::SuspendedOkta,
        Kind::DisabledAd,
        Kind::DuplicateProxy,
        Kind::AmbiguousAlias,
        Kind::BlockedM365,
        Kind::UnlicensedM365,
        Kind::NoMailbox,
        Kind::MissingEmployeeNumber,
        Kind::DuplicateEmployeeNumber,
        Kind::ExcelMangled,
        Kind::Accented,
        Kind::OtherDomain,
        Kind::Onmicrosoft,
        Kind::DruvaRewrite,
    ];

    /// Anomalies that point at the previous person (who must be `Normal`).
    fn needs_normal_previous(self) -> bool {
        matches!(
            self,
            Kind::Collision
                | Kind::DuplicateProxy
                | Kind::AmbiguousAlias
                | Kind::DuplicateEmployeeNumber
        )
    }

    pub fn is_anomaly(self) -> bool {
        Kind::ANOMALIES.contains(&self)
    }
}

/// Per 10 000 people: anomalies (together), then the benign variety.
const ANOMALY_RATE: u64 = 1000;
const VARIETY: [(Kind, u64); 5] = [
    (Kind::NewHire, 100),
    (Kind::Staged, 50),
    (Kind::Preserved, 100),
    (Kind::Leaver, 30),
    (Kind::SharedMailbox, 20),
];

/// The kind of person `i`, before pair anomalies are checked.
fn raw_kind(seed: u64, i: u64) -> Kind {
    let r = stream(seed, i, 1).below(10_000);
    if r < ANOMALY_RATE {
        return Kind::ANOMALIES[(r * Kind::ANOMALIES.len() as u64 / ANOMALY_RATE) as usize];
    }
    let mut edge = ANOMALY_RATE;
    for (kind, n) in VARIETY {
        edge += n;
        if r < edge {
            return kind;
        }
    }
    Kind::Normal
}

/// The kind of person `i`: an anomaly about the previous person needs that
/// person to be a normal one, else person `i` is normal too.
pub fn kind(seed: u64, i: u64) -> Kind {
    let k = raw_kind(seed, i);
    if k.needs_normal_previous() && (i == 0 || raw_kind(seed, i - 1) != Kind::Normal) {
        Kind::Normal
    } else {
        k
    }
}

/// (display, ASCII for addresses). A few display names carry accents that
/// addresses spell in ASCII, as Contoso's Thomas Müller.
const FIRST: &[(&str, &str)] = &[
    ("Oliver", "oliver"),
    ("Amelia", "amelia"),
    ("Harry", "harry"),
    ("Isla", "isla"),
    ("George", "george"),
    ("Emily", "emily"),
    ("Jack", "jack"),
    ("Sophie", "sophie"),
    ("Thomas", "thomas"),
    ("Ben", "ben"),
    ("James", "james"),
    ("Eva", "eva"),
    ("Rory", "rory"),
    ("Peter", "peter"),
    ("Anna", "anna"),
    ("Mark", "mark"),
    ("Priya", "priya"),
    ("Sarah", "sarah"),
    ("Helen", "helen"),
    ("Noah", "noah"),
    ("Grace", "grace"),
    ("Ella", "ella"),
    ("Liam", "liam"),
    ("Maya", "maya"),
    ("Oscar", "oscar"),
    ("Freya", "freya"),
    ("Kasper", "kasper"),
    ("Lukas", "lukas"),
    ("Nina", "nina"),
    ("Marco", "marco"),
    ("Zoë", "zoe"),
    ("Björn", "bjorn"),
    ("Søren", "soren"),
    ("Chloé", "chloe"),
    ("Ana", "ana"),
    ("Li", "li"),
    ("Tom", "tom"),
    ("Ida", "ida"),
    ("Omar", "omar"),
    ("Eli", "eli"),
];
const LAST: &[(&str, &str)] = &[
    ("Bennett", "bennett"),
    ("Hughes", "hughes"),
    ("Wright", "wright"),
    ("Watson", "watson"),
    ("Turner", "turner"),
    ("Martin", "martin"),
    ("Müller", "mueller"),
    ("Dubois", "dubois"),
    ("Walker", "walker"),
    ("Wilson", "wilson"),
    ("Byrne", "byrne"),
    ("Novak", "novak"),
    ("Berg", "berg"),
    ("Evans", "evans"),
    ("Sharma", "sharma"),
    ("Carter", "carter"),
    ("Moreau", "moreau"),
    ("Brooks", "brooks"),
    ("Harris", "harris"),
    ("Patel", "patel"),
    ("Jensen", "jensen"),
    ("Weber", "weber"),
    ("Rossi", "rossi"),
    ("Kim", "kim"),
    ("Lee", "lee"),
    ("Ng", "ng"),
    ("Khan", "khan"),
    ("Ødegaard", "odegaard"),
    ("Nowak", "nowak"),
    ("Shah", "shah"),
];
/// Names whose lower-case form differs from the ASCII one by accents only,
/// for [`Kind::Accented`] (`josé.garcía@` vs `jose.garcia@`).
const ACCENTED_FIRST: &[(&str, &str)] = &[
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Chloé", "chloe"),
    ("Agnès", "agnes"),
    ("Inès", "ines"),
];
const ACCENTED_LAST: &[(&str, &str)] = &[
    ("García", "garcia"),
    ("Côté", "cote"),
    ("Núñez", "nunez"),
    ("Lefèvre", "lefevre"),
];

/// (city, country, office)
const SITES: &[(&str, &str, &str)] = &[
    ("London", "United Kingdom", "London HQ"),
    ("Manchester", "United Kingdom", "Manchester"),
    ("Dublin", "Ireland", "Dublin"),
    ("Berlin", "Germany", "Berlin"),
    ("Copenhagen", "Denmark", "Copenhagen"),
];
/// (title, department)
const JOBS: &[(&str, &str)] = &[
    ("Analyst", "Finance"),
    ("Engineer", "IT"),
    ("Designer", "Marketing"),
    ("Recruiter", "Human Resources"),
    ("Operative", "Operations"),
    ("Sales Manager, Ireland", "Sales"),
    ("Account Manager", "Sales"),
    ("Legal Counsel", "Legal"),
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const TEAMS: &[&str] = &["support", "accounts.payable", "sales", "reception", "hr"];

/// What every person has, derived from `(seed, i)` alone, so another person
/// can refer to it.
struct Base {
    first: &'static str,
    last: &'static str,
    /// `first.last.N` in ASCII, lower case.
    local: String,
    upn: String,
    smtp: String,
    employee_number: String,
}

/// Width of the zero-padded employee numbers.
const EMPLOYEE_NUMBER_WIDTH: usize = 7;

fn base(seed: u64, i: u64, accented: bool) -> Base {
    let mut r = stream(seed, i, 2);
    let (first, fa) = *r.pick(if accented { ACCENTED_FIRST } else { FIRST });
    let (last, la) = *r.pick(if accented { ACCENTED_LAST } else { LAST });
    let local = format!("{fa}.{la}.{i}");
    Base {
        first,
        last,
        upn: format!("{local}@contoso.com"),
        smtp: format!("{local}@contoso.co.uk"),
        local,
        employee_number: format!("{:0w$}", i + 1, w = EMPLOYEE_NUMBER_WIDTH),
    }
}

/// The records of one person, each a row of cells in header order.
#[derive(Default)]
pub struct Person {
    pub kind: Option<Kind>,
    pub okta: Vec<[String; 8]>,
    pub ad: Vec<[String; 12]>,
    pub m365: Vec<[String; 17]>,
    pub insync: Vec<[String; 11]>,
}

fn guid(r: &mut SplitMix64) -> String {
    let a = r.next_u64();
    let b = r.next_u64();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn okta_id(r: &mut SplitMix64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut s = String::with_capacity(20);
    s.push_str("00u");
    for _ in 0..17 {
        s.push(*r.pick(ALPHABET) as char);
    }
    s
}

/// A time stamp: (year, month 1-12, day, hour 0-23, minute, second).
fn when(r: &mut SplitMix64) -> (u64, u64, u64, u64, u64, u64) {
    (
        2016 + r.below(10),
        1 + r.below(12),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
    )
}

/// `9/15/2023 9:17:18 AM`, as the admin center writes it.
fn m365_date((y, mo, d, h, mi, s): (u64, u64, u64, u64, u64, u64)) -> String {
    let (h12, ampm) = twelve(h);
    format!("{mo}/{d}/{y} {h12}:{mi:02}:{s:02} {ampm}")
}

/// `Jul 15, 2020, 8:31 AM`, as in the inSync fixture.
fn insync_date((y, mo, d, h, mi, _): (u64, u64, u64, u64, u64, u64)) -> String {
    let (h12, ampm) = twelve(h);
    format!(
        "{} {d:02}, {y}, {h12}:{mi:02} {ampm}",
        MONTHS[mo as usize - 1]
    )
}

fn twelve(h: u64) -> (u64, &'static str) {
    let ampm = if h < 12 { "AM" } else { "PM" };
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    (h12, ampm)
}

fn s(v: &str) -> String {
    v.to_string()
}

fn capitalise(local: &str) -> String {
    local
        .split('.')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(".")
}

/// The records of person `i`.
pub fn person(seed: u64, i: u64) -> Person {
    let kind = kind(seed, i);
    let b = base(seed, i, kind == Kind::Accented);
    let mut r = stream(seed, i, 3);
    let mut p = Person {
        kind: Some(kind),
        ..Person::default()
    };
    let display = format!("{} {}", b.first, b.last);
    let (city, country, office) = *r.pick(SITES);
    let (title, dept) = *r.pick(JOBS);
    let onms = format!("{}@contoso.onmicrosoft.com", b.local);
    let employee_id = format!("E-{}", i + 1);

    match kind {
        Kind::Leaver => {
            p.insync.push([
                display,
                format!("{}@fabrikam.com", b.local),
                s("Default"),
                s("Preserved"),
                s("Preserve"),
                format!("{}.{:02}", r.below(60_000), r.below(100)),
                insync_date(when(&mut r)),
                s("AD/LDAP"),
                s("Fabrikam Users"),
                String::new(),
                String::new(),
            ]);
            return p;
        }
        Kind::SharedMailbox => {
            let team = format!("{}.{i}", r.pick(TEAMS));
            let name = format!("Shared Mailbox {i}");
            let addr = format!("{team}@contoso.co.uk");
            p.insync.push([
                name.clone(),
                addr.clone(),
                s("Shared Mailboxes"),
                s("Active"),
                s("Active"),
                format!("{}.{:02}", r.below(200_000), r.below(100)),
                insync_date(when(&mut r)),
                String::new(),
                s("Manual"),
                String::new(),
                String::new(),
            ]);
            p.m365.push([
                name,
                String::new(),
                format!("{team}@contoso.onmicrosoft.com"),
                guid(&mut r),
                String::new(),
                String::new(),
                m365_date(when(&mut r)),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                s("True"),
                s("Unlicensed"),
                s("True"),
                format!("SMTP:{addr}+smtp:{team}@contoso.onmicrosoft.com"),
            ]);
            return p;
        }
        _ => {}
    }

    let prev = kind
        .needs_normal_previous()
        .then(|| base(seed, i - 1, false));
    let prev = prev.as_ref();

    // Okta.
    let status = match kind {
        Kind::SuspendedOkta => "SUSPENDED",
        Kind::Staged => {
            if r.chance(500) {
                "STAGED"
            } else {
                "PROVISIONED"
            }
        }
        _ => match r.below(100) {
            0 | 1 => "RECOVERY",
            2 => "LOCKED_OUT",
            3 => "PASSWORD_EXPIRED",
            _ => "ACTIVE",
        },
    };
    let login = match kind {
        Kind::SmtpLogin => b.smtp.clone(),
        Kind::CaseOnly => format!("{}@contoso.com", capitalise(&b.local)),
        Kind::Accented => format!(
            "{}.{}.{i}@contoso.com",
            b.first.to_lowercase(),
            b.last.to_lowercase()
        ),
        Kind::OtherDomain => format!("{}@fabrikam.com", b.local),
        Kind::Onmicrosoft => onms.clone(),
        _ => b.upn.clone(),
    };
    let email = match kind {
        Kind::Untrimmed => format!("{} ", b.smtp),
        Kind::InvalidOktaEmail => format!("{}@contoso..co.uk", b.local),
        Kind::Collision => prev.expect("previous person").upn.clone(),
        Kind::EmptyOktaEmail => String::new(),
        Kind::NoMailbox => b.upn.clone(),
        Kind::DruvaRewrite => b.smtp.replacen('.', "/", 1),
        _ => b.smtp.clone(),
    };
    let second = if r.chance(50) {
        format!("{}{}@outlook.com", b.local, r.below(100))
    } else {
        String::new()
    };
    p.okta.push([
        okta_id(&mut r),
        s(status),
        login.clone(),
        s(b.first),
        s(b.last),
        email.clone(),
        second,
        if kind == Kind::Staged {
            String::new()
        } else {
            b.employee_number.clone()
        },
    ]);
    if kind == Kind::SharedPlanned {
        p.okta.push([
            okta_id(&mut r),
            s("ACTIVE"),
            format!("adm.{}", b.upn),
            s(b.first),
            s(b.last),
            email.clone(),
            String::new(),
            String::new(),
        ]);
    }

    // Addresses of the mailbox: primary, then aliases, as both AD and
    // Microsoft 365 list them.
    let primary = match kind {
        Kind::DruvaRewrite => email.clone(),
        Kind::NoMailbox => String::new(),
        _ => b.smtp.clone(),
    };
    // Exchange Online adds the tenant-domain alias; on-premises AD has the
    // rest (and keeps what Microsoft 365 dropped, and legacy X500s).
    let mut ad: Vec<String> = Vec::new();
    let mut m365: Vec<String> = Vec::new();
    if !primary.is_empty() {
        let smtp = format!("SMTP:{primary}");
        ad.push(smtp.clone());
        m365.push(smtp);
        if kind != Kind::Onmicrosoft {
            let upn = format!("smtp:{}", b.upn);
            ad.push(upn.clone());
            m365.push(upn);
        }
        m365.push(format!("smtp:{onms}"));
        if r.chance(300) {
            let sip = format!("SIP:{primary}");
            ad.push(sip.clone());
            m365.push(sip);
        }
        if kind == Kind::AmbiguousAlias {
            let alias = format!("smtp:{}", prev.expect("previous person").upn);
            ad.push(alias.clone());
            m365.push(alias);
        }
        if r.chance(20) {
            let cn: String = display.chars().take(11).collect();
            ad.push(format!(
                "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={:016x}{:016x}-{cn}",
                r.next_u64(),
                r.next_u64()
            ));
        }
    }
    if kind == Kind::OtherDomain {
        ad.push(format!("smtp:{}@fabrikam.com", b.local));
    }
    if kind == Kind::DuplicateProxy {
        ad.push(format!("smtp:{}", prev.expect("previous person").smtp));
    }
    let m365_proxies = m365.join("+");
    let ad_proxies = ad.join(";");

    // Active Directory (not for cloud-only users).
    if kind != Kind::Onmicrosoft {
        let disabled = kind == Kind::DisabledAd;
        let ou = if disabled {
            "OU=Disabled Users".to_string()
        } else {
            format!("OU={city}")
        };
        let mail = match kind {
            Kind::InvalidAdMail => format!("{display} <{primary}>"),
            Kind::EmptyOktaEmail => String::new(),
            _ => primary.clone(),
        };
        let (number, id) = match kind {
            Kind::Staged | Kind::MissingEmployeeNumber => (String::new(), String::new()),
            Kind::DuplicateEmployeeNumber => (
                prev.expect("previous person").employee_number.clone(),
                employee_id.clone(),
            ),
            Kind::ExcelMangled => {
                let trimmed = b.employee_number.trim_start_matches('0');
                if trimmed.len() < b.employee_number.len() && r.chance(500) {
                    (trimmed.to_string(), employee_id.clone())
                } else {
                    let n = (i + 1) as f64;
                    let exp = n.log10().floor();
                    (
                        format!("{:.1}E+{:02}", n / 10f64.powf(exp), exp as i32),
                        employee_id.clone(),
                    )
                }
            }
            _ => (b.employee_number.clone(), employee_id.clone()),
        };
        let fa = b.local.split('.').next().unwrap_or("");
        let la = b.local.split('.').nth(1).unwrap_or("");
        let sam = format!("{}{la}{i}", &fa[..1]);
        p.ad.push([
            format!("CN={display},{ou},DC=corp,DC=contoso,DC=com"),
            s(if disabled { "False" } else { "True" }),
            s(b.first),
            display.clone(),
            guid(&mut r),
            sam.clone(),
            s(b.last),
            b.upn.clone(),
            mail,
            ad_proxies,
            number,
            id,
        ]);
        if kind == Kind::SharedPlanned {
            p.ad.push([
                format!(
                    "CN={display} (Admin),OU=Admin Accounts,OU=Tier 0,DC=corp,DC=contoso,DC=com"
                ),
                s("True"),
                s(b.first),
                format!("{display} (Admin)"),
                guid(&mut r),
                format!("adm-{sam}"),
                s(b.last),
                format!("adm.{}", b.upn),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
    }

    // Microsoft 365.
    let cloud = kind == Kind::Onmicrosoft;
    p.m365.push([
        display.clone(),
        s(if cloud { "" } else { "True" }),
        if cloud { onms.clone() } else { b.upn.clone() },
        guid(&mut r),
        s(b.first),
        s(b.last),
        m365_date(when(&mut r)),
        s(title),
        s(dept),
        s(city),
        s(country),
        s(office),
        s(country),
        s(if matches!(kind, Kind::DisabledAd | Kind::BlockedM365) {
            "True"
        } else {
            "False"
        }),
        s(match kind {
            Kind::UnlicensedM365 => "Unlicensed",
            Kind::NoMailbox => "Microsoft 365 F1",
            _ if r.chance(100) => "Microsoft 365 E3+Power BI Pro",
            _ => "Microsoft 365 E3",
        }),
        s("False"),
        m365_proxies,
    ]);
    if kind == Kind::SharedPlanned {
        p.m365.push([
            format!("{display} (Admin)"),
            s("True"),
            format!("adm.{}", b.upn),
            guid(&mut r),
            s(b.first),
            s(b.last),
            m365_date(when(&mut r)),
            String::new(),
            s("IT"),
            s(city),
            s(country),
            s(office),
            s(country),
            s("False"),
            s("Unlicensed"),
            s("False"),
            String::new(),
        ]);
    }

    // inSync.
    if !matches!(kind, Kind::NewHire | Kind::Staged) {
        let insync_email = match kind {
            Kind::Untrimmed if r.chance(500) => format!(" {login}"),
            _ => login.clone(),
        };
        let preserved = kind == Kind::Preserved;
        p.insync.push([
            display.clone(),
            insync_email,
            s(if r.chance(30) {
                "Executives"
            } else {
                "Default"
            }),
            s(if preserved { "Preserved" } else { "Active" }),
            s(if preserved { "Preserve" } else { "Active" }),
            format!("{}.{:02}", r.below(50_000), r.below(100)),
            insync_date(when(&mut r)),
            s("Okta"),
            s("Manual"),
            s("EmployeeID"),
            employee_id.clone(),
        ]);
        if kind == Kind::HandDuplicate {
            p.insync.push([
                display,
                b.smtp.clone(),
                s("Default"),
                s("Active"),
                s("Active"),
                format!("{}.{:02}", r.below(50_000), r.below(100)),
                insync_date(when(&mut r)),
                String::new(),
                s("Manual"),
                String::new(),
                String::new(),
            ]);
        }
    }
    p
}

// ---------------------------------------------------------------------------
// Writing

/// Rows and bytes written per file, in the order of [`FILES`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub persons: u64,
    pub anomalies: u64,
    pub rows: [u64; 4],
    pub bytes: [u64; 4],
}

/// A writer that counts bytes.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Counting<W> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.bytes += b.len() as u64;
        self.inner.write_all(b)
    }

    /// Every field double-quoted, `"` doubled (Okta, PowerShell).
    fn quoted<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        for (n, c) in cells.iter().enumerate() {
            if n > 0 {
                self.put(b",")?;
            }
            self.quote(c.as_ref())?;
        }
        Ok(())
    }

    fn quote(&mut self, c: &str) -> io::Result<()> {
        self.put(b"\"")?;
        if c.contains('"') {
            self.put(c.replace('"', "\"\"").as_bytes())?;
        } else {
            self.put(c.as_bytes())?;
        }
        self.put(b"\"")
    }

    /// Quoted only where needed (admin center, inSync).
    fn minimal<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        for (n, c) in cells.iter().enumerate() {
            if n > 0 {
                self.put(b",")?;
            }
            let c = c.as_ref();
            if c.contains([',', '"', '\r', '\n']) {
                self.quote(c)?;
            } else {
                self.put(c.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// Writes a tenant of `persons` people to the four writers (in the order of
/// [`FILES`]), one person at a time: nothing but one person is held in
/// memory. Give buffered writers.
pub fn generate<W: Write>(persons: u64, seed: u64, writers: [W; 4]) -> io::Result<Counts> {
    let [okta, ad, m365, insync] = writers;
    let mut okta = Counting {
        inner: okta,
        bytes: 0,
    };
    let mut ad = Counting {
        inner: ad,
        bytes: 0,
    };
    let mut m365 = Counting {
        inner: m365,
        bytes: 0,
    };
    let mut insync = Counting {
        inner: insync,
        bytes: 0,
    };
    let mut counts = Counts {
        persons,
        ..Counts::default()
    };

    // Okta: no BOM, LF, no newline after the last record.
    okta.put(OKTA_HEADER.as_bytes())?;
    // Windows PowerShell 5.1: BOM, #TYPE, all quoted, CRLF.
    ad.put(BOM)?;
    ad.put(AD_TYPE_LINE.as_bytes())?;
    ad.put(b"\r\n")?;
    ad.quoted(&AD_HEADER)?;
    ad.put(b"\r\n")?;
    // Admin center: BOM, CRLF.
    m365.put(BOM)?;
    m365.put(M365_HEADER.as_bytes())?;
    m365.put(b"\r\n")?;
    // inSync: no BOM, CRLF.
    insync.put(INSYNC_HEADER.as_bytes())?;
    insync.put(b"\r\n")?;

    for i in 0..persons {
        let p = person(seed, i);
        if p.kind.is_some_and(Kind::is_anomaly) {
            counts.anomalies += 1;
        }
        for row in &p.okta {
            okta.put(b"\n")?;
            okta.quoted(row)?;
        }
        for row in &p.ad {
            ad.quoted(row)?;
            ad.put(b"\r\n")?;
        }
        for row in &p.m365 {
            m365.minimal(row)?;
            m365.put(b"\r\n")?;
        }
        for row in &p.insync {
            insync.minimal(row)?;
            insync.put(b"\r\n")?;
        }
        counts.rows[0] += p.okta.len() as u64;
        counts.rows[1] += p.ad.len() as u64;
        counts.rows[2] += p.m365.len() as u64;
        counts.rows[3] += p.insync.len() as u64;
    }
    for w in [&mut okta, &mut ad, &mut m365, &mut insync] {
        w.inner.flush()?;
    }
    counts.bytes = [okta.bytes, ad.bytes, m365.bytes, insync.bytes];
    Ok(counts)
}

/// A tenant in memory: `(file name, bytes)` for the four files.
pub fn in_memory(persons: u64, seed: u64) -> Vec<(&'static str, Vec<u8>)> {
    let mut bufs: [Vec<u8>; 4] = Default::default();
    {
        let [a, b, c, d] = &mut bufs;
        generate(persons, seed, [a, b, c, d]).expect("writing to memory cannot fail");
    }
    FILES.into_iter().zip(bufs).collect()
}

/// A one-line description of the counts.
pub fn describe(c: &Counts) -> String {
    let mut out = format!(
        "{} persons ({} with an anomaly), {} rows, {} bytes:",
        c.persons,
        c.anomalies,
        c.rows.iter().sum::<u64>(),
        c.bytes.iter().sum::<u64>()
    );
    for (n, name) in FILES.iter().enumerate() {
        let _ = write!(out, " {name} {} rows {} bytes;", c.rows[n], c.bytes[n]);
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    // Imports live in the tests: this module is also compiled, without its
    // #[test] functions, into the targets that include `tenant.rs`.

    #[test]
    fn deterministic_per_seed() {
        use super::in_memory;
        assert_eq!(in_memory(500, 7), in_memory(500, 7));
        assert_ne!(in_memory(500, 7), in_memory(500, 8));
        // Person i does not depend on how many are written.
        let small = in_memory(100, 7);
        let large = in_memory(200, 7);
        for ((_, s), (_, l)) in small.iter().zip(&large) {
            assert!(l.starts_with(s));
        }
    }

    #[test]
    fn formats_are_contosos() {
        use super::*;
        let files = in_memory(300, 1);
        let okta = &files[0].1;
        assert!(okta.starts_with(format!("{OKTA_HEADER}\n\"00u").as_bytes()));
        assert!(okta.ends_with(b"\"") && !okta.contains(&b'\r'));
        let ad = &files[1].1;
        assert!(
            ad.starts_with(format!("\u{feff}{AD_TYPE_LINE}\r\n\"DistinguishedName\",").as_bytes())
        );
        assert!(ad.ends_with(b"\"\r\n"));
        let m365 = &files[2].1;
        assert!(m365.starts_with(format!("\u{feff}{M365_HEADER}\r\n").as_bytes()));
        let insync = &files[3].1;
        assert!(insync.starts_with(format!("{INSYNC_HEADER}\r\n").as_bytes()));
        for (_, bytes) in &files {
            std::str::from_utf8(bytes).expect("UTF-8");
        }
    }

    #[test]
    fn rates() {
        use super::*;
        let kinds: Vec<Kind> = (0..20_000).map(|i| kind(3, i)).collect();
        for k in Kind::ANOMALIES {
            assert!(kinds.contains(&k), "{k:?} never drawn");
        }
        let anomalies = kinds.iter().filter(|k| k.is_anomaly()).count();
        let rate = anomalies as f64 / kinds.len() as f64;
        assert!((0.08..0.11).contains(&rate), "anomaly rate {rate}");
    }

    /// The files load as their sources, every row read, and the audit finds
    /// what the anomalies are there for.
    #[test]
    fn audit_finds_the_anomalies() {
        use super::*;
        use preflight::load::{LoadOptions, load_bytes};
        use preflight::model::Source;
        use std::collections::BTreeSet;
        let files = in_memory(3000, 11);
        let mut expected = generate(3000, 11, [io::sink(), io::sink(), io::sink(), io::sink()])
            .unwrap()
            .rows
            .into_iter();
        let mut tables = Vec::new();
        for ((name, bytes), source) in
            files
                .iter()
                .zip([Source::Okta, Source::Ad, Source::M365, Source::Insync])
        {
            let t = load_bytes(name, bytes, &LoadOptions::default()).unwrap();
            assert_eq!(t.source, source, "{name}");
            assert!(t.problems.is_empty(), "{name}: {:?}", t.problems);
            assert_eq!(t.rows.len() as u64, expected.next().unwrap(), "{name}");
            tables.push(t);
        }
        let opts = preflight::audit::Options::default();
        let tenant =
            preflight::audit::tenant(tables, preflight::audit::demo_settings(), &opts).unwrap();
        let audit = preflight::audit::audit(&tenant, &opts);
        let found: BTreeSet<&str> = audit.report.findings.iter().map(|f| f.rule.id()).collect();
        for rule in [
            "exchange-restore-mismatch",
            "duplicate-on-remap",
            "onedrive-user-not-found",
            "exchange-mailbox-not-found",
            "ambiguous-m365-match",
            "remap-collision",
            "remap-value-missing",
            "remap-shared-value",
            "duplicate-address",
            "existing-duplicate-user",
            "invalid-address",
            "m365-sign-in-blocked",
            "m365-unlicensed",
            "m365-no-mailbox",
            "non-ascii-address",
            "untrimmed-value",
            "inactive-in-idp",
            "insync-user-without-idp",
            "diacritics-only-match",
            "other-domain-match",
            "druva-character-rewrite",
            "case-only-match",
            "onmicrosoft-identifier",
            "idp-user-without-insync",
            "uupic-missing",
            "uupic-duplicate",
            "uupic-excel-mangled",
        ] {
            assert!(found.contains(rule), "no {rule} finding");
        }
    }
}
