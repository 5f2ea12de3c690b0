//! Deterministic org data: same seed and scale → identical ids, values and timestamps.
//! Every table has its own ChaCha RNG seeded from (seed, object name), so tables can be
//! generated in parallel; cross-table derived fields are filled in a cheap post-pass.

use crate::schema::standard::{self, CURRENCIES, INDUSTRIES, LEAD_SOURCES, SALUTATIONS, STAGES};
use crate::schema::{FieldMeta, FieldType, ObjectMeta, Schema};
use crate::store::{Org, Row, RowState, Table};
use crate::timeutil::{self, BASE_INSTANT_MS, MS_PER_DAY};
use crate::value::{RecordRef, Value, POW10};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Username of the first generated user (the JWT `sub` the demo uses).
pub const ADMIN_USERNAME: &str = "admin@sf-emulator.example";

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Zoë",
    "José",
    "Ana",
    "Søren",
    "Chloé",
    "Jürgen",
    "Yuki",
    "Priya",
    "Wei",
    "Fatima",
    "Olivia",
    "Liam",
    "Noah",
    "Emma",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "O'Brien",
    "Müller",
    "Dubois",
    "Nakamura",
    "Patel",
    "Nguyen",
    "Kowalski",
    "van der Berg",
    "Rossi",
    "Andersson",
    "Øberg",
    "García-López",
    "Chen",
    "Kim",
    "Wilson",
    "Taylor",
    "Lee",
    "Clark",
    "Lewis",
    "Walker",
    "山田",
];
const COMPANY_A: &[&str] = &[
    "Acme",
    "Global",
    "United",
    "Pinnacle",
    "Summit",
    "Blue Sky",
    "Northwind",
    "Contoso",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Zürich Re",
    "Société Générale",
    "東京",
    "Café Olé",
    "O'Reilly",
];
const COMPANY_B: &[&str] = &[
    "Industries",
    "Systems",
    "Holdings",
    "Partners",
    "Labs",
    "Logistics",
    "Media",
    "Energy",
    "Foods",
    "Bank",
    "Health",
    "Software",
    "Motors",
    "Retail",
    "Consulting",
];
const COMPANY_SUFFIX: &[&str] = &["Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Corp.", "AG", "plc"];
const CITIES: &[(&str, &str, &str, &str, i64, i64)] = &[
    // city, state, country, postal code, latitude and longitude in micro-degrees
    (
        "San Francisco",
        "CA",
        "United States",
        "94105",
        37_789_300,
        -122_401_000,
    ),
    (
        "New York",
        "NY",
        "United States",
        "10001",
        40_750_600,
        -73_997_200,
    ),
    (
        "Austin",
        "TX",
        "United States",
        "73301",
        30_267_200,
        -97_743_100,
    ),
    (
        "Chicago",
        "IL",
        "United States",
        "60601",
        41_886_300,
        -87_618_000,
    ),
    (
        "Anchorage",
        "AK",
        "United States",
        "99501",
        61_217_062,
        -149_863_129,
    ),
    (
        "London",
        "England",
        "United Kingdom",
        "EC1A 1BB",
        51_520_100,
        -97_300,
    ),
    ("Zürich", "ZH", "Switzerland", "8001", 47_376_900, 8_541_700),
    (
        "München", "Bayern", "Germany", "80331", 48_137_200, 11_575_500,
    ),
    (
        "Paris",
        "Île-de-France",
        "France",
        "75001",
        48_860_600,
        2_337_600,
    ),
    (
        "東京",
        "東京都",
        "Japan",
        "100-0001",
        35_685_200,
        139_752_800,
    ),
    (
        "Toronto",
        "ON",
        "Canada",
        "M5H 2N2",
        43_653_200,
        -79_383_200,
    ),
    (
        "Sydney",
        "NSW",
        "Australia",
        "2000",
        -33_868_800,
        151_209_300,
    ),
];
const STREETS: &[&str] = &[
    "Main St",
    "Market Street",
    "Bahnhofstrasse",
    "High Street",
    "Rue de Rivoli",
    "Elm Ave",
    "Broadway",
];
const TITLES: &[&str] = &[
    "CEO",
    "CFO",
    "VP Sales",
    "Director of IT",
    "Buyer",
    "Engineer",
    "Office Manager",
    "Analyst",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Finance",
    "IT",
    "Operations",
    "Marketing",
    "Procurement",
];
const PRODUCTS: &[&str] = &[
    "Platform License",
    "Support Renewal",
    "Implementation",
    "Training",
    "Hardware",
    "Consulting Hours",
];
const NEXT_STEPS: &[&str] = &[
    "Send proposal",
    "Schedule demo",
    "Follow up call",
    "Negotiate terms",
    "Legal review",
];
const MEMOS: &[&str] = &[
    "O'Brien's invoice",
    "Path C:\\temp\\inv.pdf",
    "100% paid",
    "50%_discount applied",
    "under_score_name",
    "Zürich office",
    "Ünïcødé façade",
    "東京 branch",
    "MiXeD CaSe Memo",
    "quote \" inside",
    "back\\slash and 'quote'",
    "Line one\nLine two",
    "tab\tseparated",
    "% leading percent",
    "trailing underscore_",
    "emoji 🚀 launch",
    "a",
    "ASCII only memo",
];

/// Object sizes for a scale factor.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    pub scale: f64,
}

impl Sizes {
    pub fn count(&self, object: &str) -> usize {
        let k = self.scale;
        let n = |base: f64, min: usize| ((base * k).round() as usize).max(min);
        match object {
            "User" => n(20.0, 5),
            "Account" => n(200.0, 1),
            "Contact" => n(500.0, 1),
            "Opportunity" => n(1000.0, 1),
            "Lead" => n(300.0, 1),
            "Task" => n(1000.0, 1),
            "Event" => n(500.0, 1),
            "Invoice__c" => n(500.0, 1),
            "CurrencyType" => standard::CURRENCY_RATES.len(),
            "TaskStatus" => standard::TASK_STATUSES.len(),
            "ContentDocument" => n(10.0, 3),
            "ContentDocumentLink" => n(20.0, 5),
            _ => n(100.0, 1),
        }
    }
}

fn object_seed(seed: u64, name: &str) -> u64 {
    // FNV-1a over the name, mixed with the seed: stable across platforms and runs.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Row counts of every object (known before generation so references can be drawn).
struct Counts {
    by_obj: Vec<usize>,
}

struct Gen<'a> {
    rng: ChaCha8Rng,
    schema: &'a Schema,
    counts: &'a Counts,
    obj: &'a ObjectMeta,
    values: Vec<Value>,
}

const NONE: usize = usize::MAX;

impl<'a> Gen<'a> {
    fn f(&self, name: &str) -> usize {
        self.obj.field_index(name).unwrap_or(NONE)
    }
    fn set(&mut self, idx: usize, v: Value) {
        if let Some(slot) = self.values.get_mut(idx) {
            *slot = v;
        }
    }
    fn get(&self, idx: usize) -> &Value {
        self.values.get(idx).unwrap_or(&Value::Null)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..hi)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }
    fn text(&mut self, xs: &[&str]) -> Value {
        Value::str(self.pick(xs))
    }
    /// A random existing record of `object`, or Null when it has no rows.
    fn reference(&mut self, object: &str) -> Value {
        match self.schema.object_index(object) {
            Some(i) if self.counts.by_obj[i] > 0 => {
                let row = self.rng.random_range(0..self.counts.by_obj[i]) as u32;
                Value::Ref(RecordRef { obj: i as u16, row })
            }
            _ => Value::Null,
        }
    }
    fn maybe(&mut self, p_null: f64, v: impl FnOnce(&mut Self) -> Value) -> Value {
        if self.chance(p_null) {
            Value::Null
        } else {
            v(self)
        }
    }
    /// A datetime in 2024–2025 with a bias towards day boundaries (time-zone tests).
    fn datetime(&mut self) -> i64 {
        let start = timeutil::days_from_civil(2024, 1, 1) as i64 * MS_PER_DAY;
        let day = start + self.range(0, 731) * MS_PER_DAY;
        match self.range(0, 20) {
            0 => day,                                         // exactly midnight UTC
            1 => day + MS_PER_DAY - 1,                        // 23:59:59.999
            2 => day + self.range(0, 60_000),                 // first minute of the day
            3 => day + MS_PER_DAY - self.range(1, 3_600_000), // last hour
            4 => day + self.range(0, 86_400) * 1000,          // whole seconds
            _ => day + self.range(0, MS_PER_DAY),
        }
    }
    fn date_between(&mut self, from: (i32, u32, u32), to: (i32, u32, u32)) -> Value {
        let a = timeutil::days_from_civil(from.0, from.1, from.2);
        let b = timeutil::days_from_civil(to.0, to.1, to.2);
        Value::Date(self.range(a as i64, b as i64 + 1) as i32)
    }
    fn money(&mut self, lo: i64, hi: i64, scale: u32) -> Value {
        let whole = self.range(lo, hi);
        let cents = if self.chance(0.3) {
            0
        } else {
            self.range(0, POW10[scale as usize])
        };
        Value::Num(whole * POW10[scale as usize] + cents)
    }
    fn phone(&mut self) -> Value {
        let (a, b) = (self.range(200, 990), self.range(0, 10000));
        Value::Str(format!("({a}) 555-{b:04}").into())
    }
    /// Audit fields: CreatedDate <= LastModifiedDate <= SystemModstamp < base instant.
    fn audit(&mut self) -> i64 {
        let created = self.datetime();
        let modified = if self.chance(0.3) {
            created
        } else {
            created + self.range(0, (BASE_INSTANT_MS - created).max(1))
        };
        let modstamp = if self.chance(0.7) {
            modified
        } else {
            (modified + self.range(1, 3_600_000))
                .min(BASE_INSTANT_MS - 1)
                .max(modified)
        };
        let (c, m, s) = (
            self.f("CreatedDate"),
            self.f("LastModifiedDate"),
            self.f("SystemModstamp"),
        );
        self.set(c, Value::DateTime(created));
        self.set(m, Value::DateTime(modified));
        self.set(s, Value::DateTime(modstamp));
        let (cb, mb) = (self.f("CreatedById"), self.f("LastModifiedById"));
        let creator = self.reference("User");
        let modifier = if self.chance(0.5) {
            creator.clone()
        } else {
            self.reference("User")
        };
        self.set(cb, creator);
        self.set(mb, modifier);
        let d = self.f("IsDeleted");
        self.set(d, Value::Bool(false));
        modstamp
    }
    fn address(&mut self, prefix: &str, p_null: f64) {
        if self.chance(p_null) {
            return;
        }
        let (city, state, country, postal, lat, lon) = self.pick(CITIES);
        let street = if self.chance(0.1) {
            format!(
                "{} {}\nSuite {}",
                self.range(1, 9999),
                self.pick(STREETS),
                self.range(100, 999)
            )
        } else {
            format!("{} {}", self.range(1, 9999), self.pick(STREETS))
        };
        let fields = [
            ("Street", Value::Str(street.into())),
            ("City", Value::str(city)),
            ("State", Value::str(state)),
            ("PostalCode", Value::str(postal)),
            ("Country", Value::str(country)),
        ];
        for (suffix, v) in fields {
            let i = self.f(&format!("{prefix}{suffix}"));
            self.set(i, v);
        }
        // State and country picklist codes, where the object has them (no random draw).
        let cc = standard::country_code(country);
        let sc = cc.and_then(|c| standard::state_code(c, state));
        for (suffix, v) in [("CountryCode", cc), ("StateCode", sc)] {
            let i = self.f(&format!("{prefix}{suffix}"));
            self.set(i, v.map_or(Value::Null, Value::str));
        }
        if self.chance(0.7) {
            // micro-degrees → scale 15
            let jitter = self.range(-5000, 5000);
            let lat_i = self.f(&format!("{prefix}Latitude"));
            let lon_i = self.f(&format!("{prefix}Longitude"));
            self.set(lat_i, Value::Num((lat + jitter) * 1_000_000_000));
            self.set(lon_i, Value::Num((lon - jitter) * 1_000_000_000));
            let acc = self.f(&format!("{prefix}GeocodeAccuracy"));
            let a = self.text(&["Address", "Street", "Zip", "City"]);
            self.set(acc, a);
        }
    }
    fn person(&mut self) -> (String, Option<String>) {
        let last = self.pick(LAST_NAMES).to_string();
        let first = if self.chance(0.1) {
            None
        } else {
            Some(self.pick(FIRST_NAMES).to_string())
        };
        let name = match &first {
            Some(f) => format!("{f} {last}"),
            None => last.clone(),
        };
        let (fi, li, ni) = (self.f("FirstName"), self.f("LastName"), self.f("Name"));
        self.set(
            fi,
            first.clone().map_or(Value::Null, |s| Value::Str(s.into())),
        );
        self.set(li, Value::Str(last.clone().into()));
        self.set(ni, Value::Str(name.into()));
        (last, first)
    }
    fn email_for(&mut self, first: &Option<String>, last: &str, n: usize) -> Value {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let local = match first {
            Some(f) => format!("{}.{}", clean(f), clean(last)),
            None => clean(last),
        };
        let local = if local.is_empty() || local == "." {
            "user".to_string()
        } else {
            local
        };
        let domain = self.pick(&["example.com", "example.org", "Example.net"]);
        Value::Str(format!("{local}{n}@{domain}").into())
    }
}

fn company(g: &mut Gen, n: usize) -> String {
    format!(
        "{} {} {} {}",
        g.pick(COMPANY_A),
        g.pick(COMPANY_B),
        n,
        g.pick(COMPANY_SUFFIX)
    )
}

fn currency(g: &mut Gen) -> Value {
    let r = g.range(0, 100);
    Value::str(match r {
        0..=49 => CURRENCIES[0],
        50..=69 => CURRENCIES[1],
        70..=79 => CURRENCIES[2],
        80..=89 => CURRENCIES[3],
        90..=94 => CURRENCIES[4],
        _ => CURRENCIES[5],
    })
}

fn gen_user(g: &mut Gen, i: usize) {
    let (last, first) = g.person();
    let username = if i == 0 {
        ADMIN_USERNAME.to_string()
    } else {
        match g.email_for(&first, &last, i) {
            Value::Str(s) => format!("{}.emu", s.to_ascii_lowercase()),
            _ => format!("user{i}@sf-emulator.example"),
        }
    };
    let email = if i == 0 {
        Value::str(ADMIN_USERNAME)
    } else {
        g.email_for(&first, &last, i)
    };
    let alias: String = first
        .as_deref()
        .unwrap_or("x")
        .chars()
        .take(1)
        .chain(last.chars().take(4))
        .collect();
    let sets = [
        ("Username", Value::Str(username.into())),
        ("Email", email),
        ("Alias", Value::Str(alias.into())),
        ("IsActive", Value::Bool(i == 0 || g.chance(0.9))),
        (
            "TimeZoneSidKey",
            g.text(&[
                "America/Los_Angeles",
                "America/New_York",
                "Europe/London",
                "Europe/Berlin",
                "Asia/Tokyo",
                "Pacific/Auckland",
            ]),
        ),
        (
            "LocaleSidKey",
            g.text(&["en_US", "en_GB", "de_DE", "ja_JP"]),
        ),
        ("LanguageLocaleKey", g.text(&["en_US", "de", "ja"])),
        ("EmailEncodingKey", Value::str("UTF-8")),
        ("CurrencyIsoCode", currency(g)),
    ];
    for (n, v) in sets {
        let f = g.f(n);
        g.set(f, v);
    }
    let title = g.maybe(0.2, |g| g.text(TITLES));
    let dept = g.maybe(0.3, |g| g.text(DEPARTMENTS));
    let phone = g.maybe(0.3, |g| g.phone());
    let company = Value::str("SF Emulator Inc.");
    let manager = if i > 0 && g.chance(0.7) {
        Value::Ref(RecordRef {
            obj: g.f_obj(),
            row: 0,
        })
    } else {
        Value::Null
    };
    let last_login = g.maybe(0.2, |g| Value::DateTime(g.datetime()));
    for (n, v) in [
        ("Title", title),
        ("Department", dept),
        ("Phone", phone),
        ("CompanyName", company),
        ("ManagerId", manager),
        ("LastLoginDate", last_login),
    ] {
        let f = g.f(n);
        g.set(f, v);
    }
    g.address("", 0.4);
}

impl Gen<'_> {
    fn f_obj(&self) -> u16 {
        self.schema.object_index(&self.obj.name).unwrap_or(0) as u16
    }
}

fn gen_account(g: &mut Gen, i: usize) {
    let name = company(g, i + 1);
    let domain: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect::<String>()
        .to_ascii_lowercase();
    let v = [
        ("Name", Value::Str(name.into())),
        (
            "Type",
            g.maybe(0.2, |g| {
                g.text(&[
                    "Prospect",
                    "Customer - Direct",
                    "Customer - Channel",
                    "Channel Partner / Reseller",
                    "Other",
                ])
            }),
        ),
        (
            "ParentId",
            if i > 0 && g.chance(0.1) {
                Value::Ref(RecordRef {
                    obj: g.f_obj(),
                    row: g.range(0, i as i64) as u32,
                })
            } else {
                Value::Null
            },
        ),
        ("Phone", g.maybe(0.15, |g| g.phone())),
        ("Fax", g.maybe(0.7, |g| g.phone())),
        (
            "AccountNumber",
            g.maybe(0.3, |_| Value::Str(format!("ACC-{:06}", i + 1).into())),
        ),
        (
            "Website",
            g.maybe(0.2, |_| {
                Value::Str(format!("https://www.{domain}.example.com").into())
            }),
        ),
        ("Industry", g.maybe(0.15, |g| g.text(INDUSTRIES))),
        (
            "AnnualRevenue",
            g.maybe(0.3, |g| Value::Num(g.range(1, 5000) * 100_000)),
        ),
        (
            "NumberOfEmployees",
            g.maybe(0.25, |g| Value::Int(g.range(1, 250_000))),
        ),
        (
            "Ownership",
            g.maybe(0.4, |g| {
                g.text(&["Public", "Private", "Subsidiary", "Other"])
            }),
        ),
        (
            "TickerSymbol",
            g.maybe(0.8, |g| {
                Value::Str(
                    format!("{}{}", g.pick(&["AC", "GL", "NW", "ZR"]), g.range(0, 99)).into(),
                )
            }),
        ),
        (
            "Description",
            g.maybe(0.6, |g| {
                Value::Str(
                    format!(
                        "Key account in {}.\nRenewal due {}.",
                        g.pick(INDUSTRIES),
                        g.range(2026, 2030)
                    )
                    .into(),
                )
            }),
        ),
        ("Rating", g.maybe(0.4, |g| g.text(standard::RATINGS))),
        (
            "Site",
            g.maybe(0.7, |g| g.text(&["HQ", "Branch", "Warehouse"])),
        ),
        ("CurrencyIsoCode", currency(g)),
        ("OwnerId", g.reference("User")),
        (
            "LastActivityDate",
            g.maybe(0.4, |g| g.date_between((2024, 1, 1), (2025, 12, 31))),
        ),
        ("AccountSource", g.maybe(0.3, |g| g.text(LEAD_SOURCES))),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
    g.address("Billing", 0.15);
    g.address("Shipping", 0.5);
}

fn gen_contact(g: &mut Gen, i: usize) {
    let (last, first) = g.person();
    let email = g.maybe(0.15, |g| g.email_for(&first, &last, i));
    let v = [
        ("AccountId", g.maybe(0.1, |g| g.reference("Account"))),
        ("Salutation", g.maybe(0.4, |g| g.text(SALUTATIONS))),
        ("Email", email),
        ("Phone", g.maybe(0.2, |g| g.phone())),
        ("MobilePhone", g.maybe(0.5, |g| g.phone())),
        ("Title", g.maybe(0.25, |g| g.text(TITLES))),
        ("Department", g.maybe(0.4, |g| g.text(DEPARTMENTS))),
        ("LeadSource", g.maybe(0.3, |g| g.text(LEAD_SOURCES))),
        (
            "Birthdate",
            g.maybe(0.4, |g| g.date_between((1950, 1, 1), (2004, 12, 31))),
        ),
        (
            "Description",
            g.maybe(0.8, |_| Value::str("Met at conference.\nPrefers email.")),
        ),
        ("CurrencyIsoCode", currency(g)),
        ("OwnerId", g.reference("User")),
        (
            "LastActivityDate",
            g.maybe(0.5, |g| g.date_between((2024, 1, 1), (2025, 12, 31))),
        ),
        ("IsEmailBounced", Value::Bool(g.chance(0.03))),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
    if i > 0 && g.chance(0.1) {
        let f = g.f("ReportsToId");
        let row = g.range(0, i as i64) as u32;
        let obj = g.f_obj();
        g.set(f, Value::Ref(RecordRef { obj, row }));
    }
    g.address("Mailing", 0.2);
}

/// Fills StageName-derived and CloseDate-derived Opportunity fields (also used on writes).
pub fn derive_opportunity(o: &ObjectMeta, values: &mut [Value], stage_changed: bool) {
    let f = |n: &str| o.field_index(n).unwrap_or(NONE);
    let stage = values
        .get(f("StageName"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    if let Some(info) = stage
        .as_deref()
        .and_then(|s| STAGES.iter().find(|x| x.0.eq_ignore_ascii_case(s)))
    {
        let put = |values: &mut [Value], i: usize, v: Value| {
            if let Some(s) = values.get_mut(i) {
                *s = v;
            }
        };
        put(values, f("IsClosed"), Value::Bool(info.2));
        put(values, f("IsWon"), Value::Bool(info.3));
        if stage_changed || values.get(f("Probability")).is_some_and(Value::is_null) {
            put(values, f("Probability"), Value::Num(info.1));
        }
        if stage_changed
            || values
                .get(f("ForecastCategoryName"))
                .is_some_and(Value::is_null)
        {
            put(values, f("ForecastCategoryName"), Value::str(info.4));
        }
        let api = match values
            .get(f("ForecastCategoryName"))
            .and_then(Value::as_str)
        {
            Some("Best Case") => "BestCase",
            Some("Commit") => "Forecast",
            Some(other) => other,
            None => "Omitted",
        }
        .to_string();
        put(values, f("ForecastCategory"), Value::Str(api.into()));
    }
    let amount = values.get(f("Amount")).cloned();
    let prob = values.get(f("Probability")).cloned();
    let expected = match (amount, prob) {
        (Some(Value::Num(a)), Some(Value::Num(p))) => {
            Value::Num((a as i128 * p as i128 / 100) as i64)
        }
        // An amount with more decimals than the field's scale: exact product.
        (Some(Value::Dec(a, s)), Some(Value::Num(p))) if s <= 16 => {
            Value::Dec((a as i128 * p as i128) as i64, s + 2)
        }
        _ => Value::Null,
    };
    if let Some(s) = values.get_mut(f("ExpectedRevenue")) {
        *s = expected;
    }
    if let Some(Value::Date(d)) = values.get(f("CloseDate")).cloned() {
        let (y, m, _) = timeutil::civil_from_days(d);
        let q = (m - 1) / 3 + 1;
        let sets = [
            (f("FiscalYear"), Value::Int(y as i64)),
            (f("FiscalQuarter"), Value::Int(q as i64)),
            (f("Fiscal"), Value::Str(format!("{y} {q}").into())),
        ];
        for (i, v) in sets {
            if let Some(s) = values.get_mut(i) {
                *s = v;
            }
        }
    }
}

fn gen_opportunity(g: &mut Gen, i: usize) {
    let stage = {
        let r = g.range(0, 100);
        let idx = match r {
            0..=9 => 0,
            10..=17 => 1,
            18..=25 => 2,
            26..=33 => 3,
            34..=39 => 4,
            40..=45 => 5,
            46..=53 => 6,
            54..=59 => 7,
            60..=84 => 8,
            _ => 9,
        };
        STAGES[idx].0
    };
    let v = [
        ("AccountId", g.maybe(0.05, |g| g.reference("Account"))),
        ("IsPrivate", Value::Bool(g.chance(0.05))),
        (
            "Name",
            Value::Str(format!("{} - {} #{}", g.pick(COMPANY_A), g.pick(PRODUCTS), i + 1).into()),
        ),
        (
            "Description",
            g.maybe(0.75, |g| {
                Value::Str(
                    format!(
                        "Opportunity for {}.\nBudget approved: {}",
                        g.pick(PRODUCTS),
                        g.pick(&["yes", "no", "pending"])
                    )
                    .into(),
                )
            }),
        ),
        ("StageName", Value::str(stage)),
        ("Amount", g.maybe(0.15, |g| g.money(100, 500_000, 2))),
        (
            "TotalOpportunityQuantity",
            g.maybe(0.5, |g| Value::Num(g.range(1, 1000) * 100)),
        ),
        ("CloseDate", g.date_between((2024, 1, 1), (2026, 12, 31))),
        (
            "Type",
            g.maybe(0.25, |g| {
                g.text(&[
                    "Existing Customer - Upgrade",
                    "Existing Customer - Replacement",
                    "Existing Customer - Downgrade",
                    "New Customer",
                ])
            }),
        ),
        ("NextStep", g.maybe(0.5, |g| g.text(NEXT_STEPS))),
        ("LeadSource", g.maybe(0.3, |g| g.text(LEAD_SOURCES))),
        ("CurrencyIsoCode", currency(g)),
        ("OwnerId", g.reference("User")),
        (
            "LastActivityDate",
            g.maybe(0.6, |g| g.date_between((2024, 1, 1), (2025, 12, 31))),
        ),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
    derive_opportunity(g.obj, &mut g.values, true);
    if g.chance(0.05) {
        // A few reps overrode the stage's default probability.
        let p = g.f("Probability");
        let val = Value::Num(g.range(0, 101));
        g.set(p, val);
        derive_opportunity(g.obj, &mut g.values, false);
    }
}

fn gen_lead(g: &mut Gen, i: usize) {
    let (last, first) = g.person();
    let status = g.text(&[
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Converted",
        "Closed - Not Converted",
    ]);
    let converted = status.as_str() == Some("Closed - Converted");
    let email = g.maybe(0.2, |g| g.email_for(&first, &last, i));
    let v = [
        ("Salutation", g.maybe(0.5, |g| g.text(SALUTATIONS))),
        ("Title", g.maybe(0.3, |g| g.text(TITLES))),
        ("Company", Value::Str(company(g, i + 1).into())),
        ("Phone", g.maybe(0.2, |g| g.phone())),
        ("MobilePhone", g.maybe(0.6, |g| g.phone())),
        ("Email", email),
        (
            "Website",
            g.maybe(0.5, |_| {
                Value::Str(format!("https://lead{}.example.com", i + 1).into())
            }),
        ),
        (
            "Description",
            g.maybe(0.8, |_| Value::str("Downloaded whitepaper.")),
        ),
        ("LeadSource", g.maybe(0.2, |g| g.text(LEAD_SOURCES))),
        ("Status", status),
        ("Industry", g.maybe(0.3, |g| g.text(INDUSTRIES))),
        ("Rating", g.maybe(0.5, |g| g.text(standard::RATINGS))),
        (
            "AnnualRevenue",
            g.maybe(0.5, |g| Value::Num(g.range(1, 1000) * 10_000)),
        ),
        (
            "NumberOfEmployees",
            g.maybe(0.4, |g| Value::Int(g.range(1, 10_000))),
        ),
        ("CurrencyIsoCode", currency(g)),
        ("OwnerId", g.reference("User")),
        ("IsConverted", Value::Bool(converted)),
        ("IsUnreadByOwner", Value::Bool(g.chance(0.2))),
        (
            "LastActivityDate",
            g.maybe(0.5, |g| g.date_between((2024, 1, 1), (2025, 12, 31))),
        ),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
    if converted {
        let sets = [
            (
                "ConvertedDate",
                g.date_between((2024, 1, 1), (2025, 12, 31)),
            ),
            ("ConvertedAccountId", g.reference("Account")),
            ("ConvertedContactId", g.reference("Contact")),
            (
                "ConvertedOpportunityId",
                g.maybe(0.3, |g| g.reference("Opportunity")),
            ),
        ];
        for (n, val) in sets {
            let f = g.f(n);
            g.set(f, val);
        }
    }
    g.address("", 0.3);
}

fn who_what(g: &mut Gen) {
    let who = if g.chance(0.3) {
        Value::Null
    } else if g.chance(0.8) {
        g.reference("Contact")
    } else {
        g.reference("Lead")
    };
    let who_is_lead =
        matches!(&who, Value::Ref(r) if g.schema.objects[r.obj as usize].name == "Lead");
    // Salesforce forbids WhatId on activities whose WhoId is a Lead.
    let what = if who_is_lead || g.chance(0.4) {
        Value::Null
    } else {
        let target = g.pick(&[
            "Account",
            "Account",
            "Opportunity",
            "Opportunity",
            "Invoice__c",
        ]);
        g.reference(target)
    };
    let (wi, hi) = (g.f("WhoId"), g.f("WhatId"));
    g.set(wi, who);
    g.set(hi, what);
}

fn gen_task(g: &mut Gen, _i: usize) {
    who_what(g);
    let status = g.text(&[
        "Not Started",
        "In Progress",
        "Completed",
        "Completed",
        "Waiting on someone else",
        "Deferred",
    ]);
    let priority = g.text(&["High", "Normal", "Normal", "Low"]);
    let v = [
        (
            "Subject",
            g.maybe(0.05, |g| {
                g.text(&[
                    "Call",
                    "Send Letter",
                    "Send Quote",
                    "Other",
                    "Email",
                    "Follow-up: pricing",
                ])
            }),
        ),
        (
            "ActivityDate",
            g.maybe(0.2, |g| g.date_between((2024, 1, 1), (2026, 6, 30))),
        ),
        (
            "IsClosed",
            Value::Bool(status.as_str() == Some("Completed")),
        ),
        (
            "IsHighPriority",
            Value::Bool(priority.as_str() == Some("High")),
        ),
        ("Status", status),
        ("Priority", priority),
        ("OwnerId", g.reference("User")),
        (
            "Description",
            g.maybe(0.8, |_| Value::str("Discussed next steps.")),
        ),
        ("CurrencyIsoCode", currency(g)),
        (
            "CallDurationInSeconds",
            g.maybe(0.7, |g| Value::Int(g.range(10, 3600))),
        ),
        (
            "CallType",
            g.maybe(0.7, |g| g.text(&["Internal", "Inbound", "Outbound"])),
        ),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
}

fn gen_event(g: &mut Gen, _i: usize) {
    who_what(g);
    let all_day = g.chance(0.1);
    let start = if all_day {
        let d = g.datetime();
        d - d.rem_euclid(MS_PER_DAY)
    } else {
        let d = g.datetime();
        d - d.rem_euclid(15 * 60_000)
    };
    let duration = if all_day {
        1440
    } else {
        g.pick(&[15i64, 30, 45, 60, 90, 120])
    };
    let end = start + duration * 60_000;
    let v = [
        (
            "Subject",
            g.maybe(0.05, |g| {
                g.text(&[
                    "Call",
                    "Email",
                    "Meeting",
                    "Send Letter/Quote",
                    "Other",
                    "Lunch @ Café",
                ])
            }),
        ),
        (
            "Location",
            g.maybe(0.5, |g| {
                g.text(&[
                    "Zoom",
                    "HQ Room 1",
                    "Zürich office",
                    "東京 office",
                    "Client site",
                ])
            }),
        ),
        ("IsAllDayEvent", Value::Bool(all_day)),
        ("ActivityDateTime", Value::DateTime(start)),
        (
            "ActivityDate",
            Value::Date(start.div_euclid(MS_PER_DAY) as i32),
        ),
        ("DurationInMinutes", Value::Int(duration)),
        ("StartDateTime", Value::DateTime(start)),
        ("EndDateTime", Value::DateTime(end)),
        (
            "EndDate",
            Value::Date((end - 1).div_euclid(MS_PER_DAY) as i32),
        ),
        (
            "Description",
            g.maybe(0.7, |_| Value::str("Agenda:\n1. Intro\n2. Demo")),
        ),
        ("OwnerId", g.reference("User")),
        ("IsPrivate", Value::Bool(g.chance(0.05))),
        ("ShowAs", g.text(&["Busy", "Busy", "OutOfOffice", "Free"])),
        ("CurrencyIsoCode", currency(g)),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
}

fn gen_invoice(g: &mut Gen, i: usize) {
    let paid = g.chance(0.4);
    let tags = {
        let all = [
            "Priority",
            "Recurring",
            "Discounted",
            "International",
            "Net30",
            "Net60",
        ];
        let chosen: Vec<&str> = all.iter().copied().filter(|_| g.chance(0.25)).collect();
        if chosen.is_empty() {
            Value::Null
        } else {
            Value::Str(chosen.join(";").into())
        }
    };
    let memo = g.maybe(0.2, |g| {
        let base = g.pick(MEMOS);
        Value::Str(
            if g.chance(0.5) {
                base.to_string()
            } else {
                format!("{base} #{}", i + 1)
            }
            .into(),
        )
    });
    let v = [
        ("Name", Value::Str(format!("INV-{:07}", i + 1).into())),
        ("CurrencyIsoCode", currency(g)),
        ("OwnerId", g.reference("User")),
        ("Account__c", g.maybe(0.1, |g| g.reference("Account"))),
        (
            "Opportunity__c",
            g.maybe(0.3, |g| g.reference("Opportunity")),
        ),
        ("Amount__c", g.maybe(0.1, |g| g.money(1, 100_000, 2))),
        (
            "Tax_Rate__c",
            g.maybe(0.2, |g| {
                Value::Num(g.pick(&[0i64, 5_000, 7_250, 8_875, 19_000, 20_000, 10_125]))
            }),
        ),
        (
            "Quantity__c",
            g.maybe(0.2, |g| Value::Num(g.range(0, 10_000_000))),
        ),
        (
            "Line_Count__c",
            g.maybe(0.2, |g| Value::Num(g.range(1, 200))),
        ),
        ("Is_Paid__c", Value::Bool(paid)),
        (
            "Due_Date__c",
            g.maybe(0.1, |g| g.date_between((2024, 1, 1), (2026, 12, 31))),
        ),
        (
            "Paid_At__c",
            if paid {
                g.maybe(0.1, |g| Value::DateTime(g.datetime()))
            } else {
                Value::Null
            },
        ),
        (
            "Reminder_Time__c",
            g.maybe(0.4, |g| {
                let ms = if g.chance(0.5) {
                    g.range(0, 24 * 60) * 60_000
                } else {
                    g.range(0, MS_PER_DAY)
                };
                Value::Time(ms as u32)
            }),
        ),
        (
            "Status__c",
            if paid {
                Value::str("Paid")
            } else {
                g.maybe(0.1, |g| g.text(&["Draft", "Sent", "Overdue", "Void"]))
            },
        ),
        ("Tags__c", tags),
        (
            "Notes__c",
            g.maybe(0.7, |g| {
                Value::Str(
                    format!(
                        "Notes for invoice {}:\n- {}\n- Terms: {}",
                        i + 1,
                        g.pick(MEMOS),
                        g.pick(&["Net30", "Net60", "Due on receipt"])
                    )
                    .into(),
                )
            }),
        ),
        (
            "Contact_Email__c",
            g.maybe(0.3, |g| {
                Value::Str(
                    format!(
                        "billing{}@{}",
                        i + 1,
                        g.pick(&["example.com", "Example.org"])
                    )
                    .into(),
                )
            }),
        ),
        ("Phone__c", g.maybe(0.4, |g| g.phone())),
        (
            "Website__c",
            g.maybe(0.5, |_| {
                Value::Str(format!("https://pay.example.com/inv/{}", i + 1).into())
            }),
        ),
        (
            "LastActivityDate",
            g.maybe(0.7, |g| g.date_between((2024, 1, 1), (2025, 12, 31))),
        ),
        ("Memo__c", memo),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
    if g.chance(0.6) {
        let (_, _, _, _, lat, lon) = g.pick(CITIES);
        let (la, lo) = (g.f("Location__Latitude__s"), g.f("Location__Longitude__s"));
        g.set(la, Value::Num(lat * 1_000_000_000));
        g.set(lo, Value::Num(lon * 1_000_000_000));
    }
}

fn gen_task_status(g: &mut Gen, i: usize) {
    let (label, default, closed) = standard::TASK_STATUSES[i % standard::TASK_STATUSES.len()];
    let v = [
        ("MasterLabel", Value::str(label)),
        ("ApiName", Value::str(label)),
        ("SortOrder", Value::Int(i as i64 + 1)),
        ("IsDefault", Value::Bool(default)),
        ("IsClosed", Value::Bool(closed)),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
}

fn gen_currency_type(g: &mut Gen, i: usize) {
    let (code, rate, places) = standard::CURRENCY_RATES[i % standard::CURRENCY_RATES.len()];
    let v = [
        ("IsoCode", Value::str(code)),
        ("ConversionRate", Value::Num(rate)),
        ("DecimalPlaces", Value::Int(places)),
        ("IsActive", Value::Bool(true)),
        (
            "IsCorporate",
            Value::Bool(code == standard::CORPORATE_CURRENCY),
        ),
    ];
    for (n, val) in v {
        let f = g.f(n);
        g.set(f, val);
    }
}

/// Value for a field of an object loaded from a describe file (no object-specific rules).
fn generic_value(g: &mut Gen, f: &FieldMeta, i: usize) -> Value {
    if f.ftype == FieldType::Boolean {
        return Value::Bool(g.chance(0.3));
    }
    if f.ftype.is_compound() || f.ftype == FieldType::Id {
        return Value::Null;
    }
    if f.nillable && g.chance(0.25) {
        return Value::Null;
    }
    let pick_list = |g: &mut Gen| -> Value {
        if f.picklist.is_empty() {
            Value::str("Value")
        } else {
            let k = g.range(0, f.picklist.len() as i64) as usize;
            Value::Str(f.picklist[k].value.as_str().into())
        }
    };
    let max_len = f.length.max(1) as usize;
    let clip = |s: String| -> Value {
        let t: String = s.chars().take(max_len).collect();
        Value::Str(t.trim().to_string().into())
    };
    match f.ftype {
        FieldType::Picklist | FieldType::Combobox => pick_list(g),
        FieldType::MultiPicklist => pick_list(g),
        FieldType::String | FieldType::Textarea => clip(format!("{} {}", f.label, i + 1)),
        FieldType::Email => clip(format!("user{}@example.com", i + 1)),
        FieldType::Url => clip(format!("https://example.com/{}", i + 1)),
        FieldType::Phone => g.phone(),
        FieldType::Reference => {
            let targets: Vec<String> = f.reference_to.clone();
            let existing: Vec<&String> = targets
                .iter()
                .filter(|t| g.schema.object_index(t).is_some())
                .collect();
            if existing.is_empty() {
                Value::Null
            } else {
                let t = existing[g.range(0, existing.len() as i64) as usize].clone();
                g.reference(&t)
            }
        }
        FieldType::Int => Value::Int(g.range(0, 10i64.pow(f.digits.clamp(1, 9)))),
        FieldType::Double | FieldType::Currency | FieldType::Percent => {
            let int_digits = f.precision.saturating_sub(f.scale).clamp(1, 9);
            let max = 10i64.pow(int_digits) * POW10[f.scale.min(9) as usize];
            Value::Num(g.range(0, max) * POW10[(f.scale.saturating_sub(9)) as usize])
        }
        FieldType::Date => g.date_between((2024, 1, 1), (2025, 12, 31)),
        FieldType::DateTime => Value::DateTime(g.datetime()),
        FieldType::Time => Value::Time(g.range(0, MS_PER_DAY) as u32),
        _ => Value::Null,
    }
}

fn generate_table(schema: &Schema, counts: &Counts, obj_idx: usize, seed: u64) -> (Table, i64) {
    let obj = &schema.objects[obj_idx];
    let n = counts.by_obj[obj_idx];
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(object_seed(seed, &obj.name)),
        schema,
        counts,
        obj,
        values: vec![],
    };
    let mut rows = Vec::with_capacity(n);
    let mut max_ts = 0;
    let filler: Option<fn(&mut Gen, usize)> = match obj.name.as_str() {
        "User" => Some(gen_user),
        "Account" => Some(gen_account),
        "Contact" => Some(gen_contact),
        "Opportunity" => Some(gen_opportunity),
        "Lead" => Some(gen_lead),
        "Task" => Some(gen_task),
        "Event" => Some(gen_event),
        "Invoice__c" => Some(gen_invoice),
        "CurrencyType" => Some(gen_currency_type),
        "TaskStatus" => Some(gen_task_status),
        _ => None,
    };
    let id_idx = obj.field_index("Id").unwrap_or(0);
    for i in 0..n {
        g.values = vec![Value::Null; obj.fields.len()];
        g.values[id_idx] = Value::Ref(RecordRef {
            obj: obj_idx as u16,
            row: i as u32,
        });
        match filler {
            Some(fill) => fill(&mut g, i),
            None => {
                for f in &obj.fields {
                    if f.createable || f.name_field {
                        let v = generic_value(&mut g, f, i);
                        let k = g.f(&f.name);
                        g.set(k, v);
                    }
                }
                let owner = g.f("OwnerId");
                if owner != NONE && g.get(owner).is_null() {
                    let u = g.reference("User");
                    g.set(owner, u);
                }
            }
        }
        max_ts = max_ts.max(g.audit());
        rows.push(Row {
            values: std::mem::take(&mut g.values).into_boxed_slice(),
            state: RowState::Live,
        });
    }
    (
        Table {
            rows,
            ..Default::default()
        },
        max_ts,
    )
}

/// Cross-table derived fields: activity AccountId from What/Who, invoice account from its
/// opportunity.
fn post_pass(schema: &Schema, tables: &mut [Table]) {
    let idx = |o: &str| schema.object_index(o);
    let (Some(opp), Some(con), Some(acc)) = (idx("Opportunity"), idx("Contact"), idx("Account"))
    else {
        return;
    };
    let opp_account = schema.objects[opp].field_index("AccountId");
    let con_account = schema.objects[con].field_index("AccountId");
    let account_of = |tables: &[Table], r: RecordRef| -> Value {
        let o = r.obj as usize;
        let field = if o == acc {
            return Value::Ref(r);
        } else if o == opp {
            opp_account
        } else if o == con {
            con_account
        } else {
            None
        };
        field.map_or(Value::Null, |f| {
            tables[o].rows[r.row as usize].values[f].clone()
        })
    };
    for name in ["Task", "Event"] {
        let Some(t) = idx(name) else { continue };
        let o = &schema.objects[t];
        let (Some(what), Some(who), Some(account)) = (
            o.field_index("WhatId"),
            o.field_index("WhoId"),
            o.field_index("AccountId"),
        ) else {
            continue;
        };
        for r in 0..tables[t].rows.len() {
            let row = &tables[t].rows[r].values;
            let target = row[what].as_ref().or(row[who].as_ref());
            let v = target.map_or(Value::Null, |x| account_of(tables, x));
            tables[t].rows[r].values[account] = v;
        }
    }
    if let Some(inv) = idx("Invoice__c") {
        let o = &schema.objects[inv];
        if let (Some(of), Some(af)) = (o.field_index("Opportunity__c"), o.field_index("Account__c"))
        {
            for r in 0..tables[inv].rows.len() {
                if let Some(x) = tables[inv].rows[r].values[of].as_ref() {
                    let v = account_of(tables, x);
                    if !v.is_null() {
                        tables[inv].rows[r].values[af] = v;
                    }
                }
            }
        }
    }
}

/// Real-org value shapes (SALESFORCE.md section 12), applied after generation with their own
/// random streams so that every other generated value stays as it was.
fn realism_pass(schema: &Schema, tables: &mut [Table], seed: u64) {
    if let Some(opp) = schema.object_index("Opportunity") {
        big_foreign_amounts(&schema.objects[opp], &mut tables[opp], seed);
    }
    for name in ["Opportunity", "Invoice__c", "Account", "Lead"] {
        if let Some(i) = schema.object_index(name) {
            extra_decimals(&schema.objects[i], &mut tables[i], seed);
        }
    }
    for (name, field) in [("Invoice__c", "Memo__c"), ("Account", "Description")] {
        if let Some(i) = schema.object_index(name) {
            nul_bytes(&schema.objects[i], &mut tables[i], field, seed);
        }
    }
    // The demo user's currency is the corporate currency (convertCurrency converts to it).
    if let Some(user) = schema.object_index("User") {
        let cur = schema.objects[user].field_index("CurrencyIsoCode");
        if let (Some(c), Some(row)) = (cur, tables[user].rows.first_mut()) {
            row.values[c] = Value::str(standard::CORPORATE_CURRENCY);
        }
    }
}

/// Decimals beyond the field's scale (SALESFORCE.md 12.2): in about one record in 40, one
/// currency/percent/double field (not a compound part, not read-only) keeps 1-2 more decimals
/// than describe's `scale`, within the field's precision (e.g. Amount 237.631 with scale 2).
fn extra_decimals(o: &ObjectMeta, t: &mut Table, seed: u64) {
    let mut rng =
        ChaCha8Rng::seed_from_u64(object_seed(seed, &format!("realism:decimals:{}", o.name)));
    let fields: Vec<usize> = o
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ftype.is_decimal() && f.compound_field_name.is_none() && f.updateable)
        .map(|(i, _)| i)
        .collect();
    if fields.is_empty() {
        return;
    }
    for row in &mut t.rows {
        if rng.random_range(0..40) != 0 {
            continue;
        }
        let f = fields[rng.random_range(0..fields.len())];
        let k: u32 = rng.random_range(1..=2);
        let mut extra = rng.random_range(1..POW10[k as usize]);
        if extra % 10 == 0 {
            extra += 1;
        }
        let meta = &o.fields[f];
        let Value::Num(raw) = row.values[f] else {
            continue;
        };
        let scale = meta.scale + k;
        let int_digits = (raw.unsigned_abs() / POW10[meta.scale as usize] as u64)
            .checked_ilog10()
            .map_or(1, |d| d + 1);
        if int_digits + scale > meta.precision || scale > 18 {
            continue;
        }
        let v = raw * POW10[k as usize] + raw.signum().max(0) * extra - (raw < 0) as i64 * extra;
        row.values[f] = Value::Dec(v, scale as u8);
        if meta.name == "Amount" {
            derive_opportunity(o, &mut row.values, false);
        }
    }
}

/// NUL bytes (SALESFORCE.md 12.10): about one non-null value in 25 of the field gets a U+0000
/// in the middle (after its first word).
fn nul_bytes(o: &ObjectMeta, t: &mut Table, field: &str, seed: u64) {
    let Some(f) = o.field_index(field) else {
        return;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(object_seed(seed, &format!("realism:nul:{}", o.name)));
    for row in &mut t.rows {
        if rng.random_range(0..25) != 0 {
            continue;
        }
        let Value::Str(s) = &row.values[f] else {
            continue;
        };
        let at = s
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_whitespace())
            .map_or(s.chars().next().map_or(0, char::len_utf8), |(i, _)| i);
        if at == 0 || at >= s.len() {
            continue;
        }
        let v = format!("{}\u{0}{}", &s[..at], &s[at..]);
        row.values[f] = Value::Str(v.into());
    }
}

/// Multi-currency: about one JPY deal in three gets an amount 150 times larger (a realistic
/// yen amount such as 900,000 JPY ≈ 6,000 USD, up to 75,000,000 JPY), so that the raw and
/// the converted order of `Amount` differ visibly. ExpectedRevenue follows.
fn big_foreign_amounts(o: &ObjectMeta, t: &mut Table, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(object_seed(seed, "realism:jpy-amounts"));
    let (Some(amount), Some(cur)) = (o.field_index("Amount"), o.field_index("CurrencyIsoCode"))
    else {
        return;
    };
    for row in &mut t.rows {
        let pick = rng.random_range(0..3) == 0;
        if !pick || row.values[cur].as_str() != Some("JPY") {
            continue;
        }
        if let Value::Num(a) = row.values[amount] {
            // Whole yen: JPY has no decimal places.
            row.values[amount] = Value::Num(a / 100 * 150 * 100);
            derive_opportunity(o, &mut row.values, false);
        }
    }
}

/// Generates the whole org. Tables are generated on up to two threads.
pub fn generate(schema: Schema, seed: u64, sizes: Sizes) -> Org {
    let counts = Counts {
        by_obj: schema
            .objects
            .iter()
            .map(|o| if o.queryable { sizes.count(&o.name) } else { 0 })
            .collect(),
    };
    let n = schema.objects.len();
    let mut results: Vec<Option<(Table, i64)>> = (0..n).map(|_| None).collect();
    // Largest tables first, alternating between two workers.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(counts.by_obj[i] * schema.objects[i].fields.len()));
    #[allow(clippy::type_complexity)]
    let (a, b): (Vec<(usize, usize)>, Vec<(usize, usize)>) = order
        .iter()
        .copied()
        .enumerate()
        .partition(|(k, _)| k % 2 == 0);
    let work = |list: Vec<(usize, usize)>| -> Vec<(usize, (Table, i64))> {
        list.into_iter()
            .map(|(_, i)| (i, generate_table(&schema, &counts, i, seed)))
            .collect()
    };
    let (ra, rb) = std::thread::scope(|s| {
        let h = s.spawn(|| work(b));
        let ra = work(a);
        (ra, h.join().unwrap_or_default())
    });
    for (i, t) in ra.into_iter().chain(rb) {
        results[i] = Some(t);
    }
    let mut max_ts = 0;
    let mut tables: Vec<Table> = results
        .into_iter()
        .map(|r| {
            let (t, m) = r.unwrap_or_default();
            max_ts = max_ts.max(m);
            t
        })
        .collect();
    post_pass(&schema, &mut tables);
    realism_pass(&schema, &mut tables, seed);
    Org::new(schema, tables, max_ts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::standard::standard_schema;

    fn fingerprint(org: &Org) -> Vec<String> {
        let mut out = vec![];
        for (i, t) in org.tables.iter().enumerate() {
            let o = &org.schema.objects[i];
            for row in t.rows.iter().step_by(37) {
                let mut buf = Vec::new();
                for (f, v) in o.fields.iter().zip(row.values.iter()) {
                    crate::value::write_value(&mut buf, v, f.scale, &org.schema);
                    buf.push(b',');
                }
                out.push(String::from_utf8(buf).unwrap());
            }
        }
        out
    }

    #[test]
    fn same_seed_same_org() {
        let a = generate(standard_schema(), 7, Sizes { scale: 0.2 });
        let b = generate(standard_schema(), 7, Sizes { scale: 0.2 });
        let c = generate(standard_schema(), 8, Sizes { scale: 0.2 });
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn sizes_and_invariants() {
        let org = generate(standard_schema(), 42, Sizes { scale: 1.0 });
        let s = &org.schema;
        assert_eq!(
            org.tables[s.object_index("Opportunity").unwrap()]
                .rows
                .len(),
            1000
        );
        assert!(org.tables[s.object_index("User").unwrap()].rows.len() >= 5);
        for (i, t) in org.tables.iter().enumerate() {
            let o = &s.objects[i];
            let sys = &org.system[i];
            for row in &t.rows {
                for (f, v) in o.fields.iter().zip(row.values.iter()) {
                    if let Value::Str(text) = v {
                        assert!(
                            !text.is_empty() && text.trim() == &**text,
                            "{}.{}: {text:?}",
                            o.name,
                            f.name
                        );
                    }
                    if f.ftype == FieldType::Boolean {
                        assert!(
                            matches!(v, Value::Bool(_)),
                            "{}.{} null boolean",
                            o.name,
                            f.name
                        );
                    }
                    if !f.nillable && !f.ftype.is_compound() && f.name != "Fiscal" {
                        assert!(!v.is_null(), "{}.{} is null", o.name, f.name);
                    }
                }
                if let (Some(c), Some(m), Some(sm)) = (
                    sys.created_date,
                    sys.last_modified_date,
                    sys.system_modstamp,
                ) {
                    let (c, m, sm) = (
                        row.values[c].as_datetime(),
                        row.values[m].as_datetime(),
                        row.values[sm].as_datetime(),
                    );
                    assert!(c <= m && m <= sm && sm < Some(BASE_INSTANT_MS));
                }
            }
        }
    }
}
