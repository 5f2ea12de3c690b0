//! The emulated org's objects, with real API names, types and describe attributes taken from
//! real describe responses (see /work/shared/fixtures/salesforce/).

use super::{FieldMeta as F, FieldType as T, ObjectMeta, PicklistValue, Schema};

pub const STAGES: &[(&str, i64, bool, bool, &str)] = &[
    // (StageName, Probability, IsClosed, IsWon, ForecastCategoryName)
    ("Prospecting", 10, false, false, "Pipeline"),
    ("Qualification", 10, false, false, "Pipeline"),
    ("Needs Analysis", 20, false, false, "Pipeline"),
    ("Value Proposition", 50, false, false, "Pipeline"),
    ("Id. Decision Makers", 60, false, false, "Pipeline"),
    ("Perception Analysis", 70, false, false, "Best Case"),
    ("Proposal/Price Quote", 75, false, false, "Best Case"),
    ("Negotiation/Review", 90, false, false, "Commit"),
    ("Closed Won", 100, true, true, "Closed"),
    ("Closed Lost", 0, true, false, "Omitted"),
];

pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "JPY", "CAD", "CHF"];
/// The corporate currency (conversion rate 1).
pub const CORPORATE_CURRENCY: &str = "USD";
/// `CurrencyType` rows: (IsoCode, ConversionRate × 10^9, DecimalPlaces). Rates are units of
/// the currency per 1 unit of the corporate currency, as in Salesforce.
pub const CURRENCY_RATES: &[(&str, i64, i64)] = &[
    ("USD", 1_000_000_000, 2),
    ("EUR", 920_000_000, 2),
    ("GBP", 790_000_000, 2),
    ("JPY", 150_000_000_000, 0),
    ("CAD", 1_360_000_000, 2),
    ("CHF", 880_000_000, 2),
];

/// Conversion rate (× 10^9) of an active currency, by ISO code (case-insensitive).
pub fn currency_rate(code: &str) -> Option<i64> {
    CURRENCY_RATES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, r, _)| *r)
}
pub const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Government",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Not For Profit",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
];
pub const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Phone Inquiry",
    "Partner Referral",
    "Purchased List",
    "Other",
];
pub const GEOCODE_ACCURACY: &[&str] = &[
    "Address",
    "NearAddress",
    "Block",
    "Street",
    "ExtendedZip",
    "Zip",
    "Neighborhood",
    "City",
    "County",
    "State",
    "Unknown",
];
pub const SALUTATIONS: &[&str] = &["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."];
pub const RATINGS: &[&str] = &["Hot", "Warm", "Cold"];
pub const WHAT_TARGETS: &[&str] = &[
    "Account",
    "Asset",
    "Campaign",
    "Case",
    "Contract",
    "Invoice__c",
    "Opportunity",
    "Order",
    "Product2",
    "Solution",
];

/// A country of the state and country/territory picklists: (ISO code, name, states as
/// (code, name)).
pub type Country = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// State and country/territory picklists (SALESFORCE.md 12.12): the countries of the
/// generated addresses, as (ISO code, name, states). Only the United States, Canada and
/// Australia have state picklists here (as in Salesforce's default data, where Germany,
/// Switzerland, France, the United Kingdom and Japan have none).
pub const COUNTRIES: &[Country] = &[
    ("AU", "Australia", AU_STATES),
    ("CA", "Canada", CA_PROVINCES),
    ("CH", "Switzerland", &[]),
    ("DE", "Germany", &[]),
    ("FR", "France", &[]),
    ("GB", "United Kingdom", &[]),
    ("JP", "Japan", &[]),
    ("US", "United States", US_STATES),
];
const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];
const CA_PROVINCES: &[(&str, &str)] = &[
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NT", "Northwest Territories"),
    ("NS", "Nova Scotia"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon Territories"),
];
const AU_STATES: &[(&str, &str)] = &[
    ("ACT", "Australian Capital Territory"),
    ("NSW", "New South Wales"),
    ("NT", "Northern Territory"),
    ("QLD", "Queensland"),
    ("SA", "South Australia"),
    ("TAS", "Tasmania"),
    ("VIC", "Victoria"),
    ("WA", "Western Australia"),
];

/// The ISO code of a country given by name or code (case-insensitive).
pub fn country_code(country: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, n, _)| n.eq_ignore_ascii_case(country) || c.eq_ignore_ascii_case(country))
        .map(|(c, _, _)| *c)
}

/// The name of a country code.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, n, _)| *n)
}

/// The state code of a state given by code or name within a country (None when the
/// country has no state picklist or the state is not in it).
pub fn state_code(country_code: &str, state: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == country_code)?
        .2
        .iter()
        .find(|(c, n)| c.eq_ignore_ascii_case(state) || n.eq_ignore_ascii_case(state))
        .map(|(c, _)| *c)
}

/// The name of a state code within a country.
pub fn state_name(country_code: &str, code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == country_code)?
        .2
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// `<prefix>StateCode` and `<prefix>CountryCode`: restricted picklists; the state picklist
/// depends on the country picklist (`validFor` bitmaps over the country values).
fn address_codes(prefix: &str, label: &str, compound: &str) -> Vec<F> {
    let mut country = F::new(
        &format!("{prefix}CountryCode"),
        &format!("{label} Country Code"),
        T::Picklist,
    )
    .len(10)
    .restricted()
    .compound(compound);
    country.picklist = COUNTRIES
        .iter()
        .map(|(c, n, _)| PicklistValue {
            value: c.to_string(),
            label: n.to_string(),
            default: false,
            valid_for: None,
        })
        .collect();
    let mut state = F::new(
        &format!("{prefix}StateCode"),
        &format!("{label} State Code"),
        T::Picklist,
    )
    .len(10)
    .restricted()
    .compound(compound);
    state.controller_name = Some(country.name.clone());
    let bytes = COUNTRIES.len().div_ceil(8);
    for (k, (_, _, states)) in COUNTRIES.iter().enumerate() {
        let mut bits = vec![0u8; bytes];
        bits[k / 8] |= 0x80 >> (k % 8);
        for (c, n) in states.iter() {
            state.picklist.push(PicklistValue {
                value: c.to_string(),
                label: n.to_string(),
                default: false,
                valid_for: Some(crate::bulk::base64_encode(&bits, true)),
            });
        }
    }
    vec![state, country]
}

fn id(label: &str) -> F {
    F::new("Id", label, T::Id)
}

fn is_deleted() -> F {
    F::new("IsDeleted", "Deleted", T::Boolean).readonly()
}

fn owner(targets: &[&str], label: &str) -> F {
    F::new("OwnerId", label, T::Reference)
        .refs(targets, "Owner")
        .required()
        .defaulted()
}

fn currency_iso(label: &str) -> F {
    F::new("CurrencyIsoCode", label, T::Picklist)
        .len(3)
        .picklist(CURRENCIES)
        .default_pick("USD")
        .restricted()
}

fn audit() -> Vec<F> {
    vec![
        F::new("CreatedDate", "Created Date", T::DateTime)
            .readonly()
            .required()
            .defaulted(),
        F::new("CreatedById", "Created By ID", T::Reference)
            .refs(&["User"], "CreatedBy")
            .readonly()
            .required()
            .defaulted(),
        F::new("LastModifiedDate", "Last Modified Date", T::DateTime)
            .readonly()
            .required()
            .defaulted(),
        F::new("LastModifiedById", "Last Modified By ID", T::Reference)
            .refs(&["User"], "LastModifiedBy")
            .readonly()
            .required()
            .defaulted(),
        F::new("SystemModstamp", "System Modstamp", T::DateTime)
            .readonly()
            .required()
            .defaulted(),
    ]
}

/// Street/City/State/PostalCode/Country/Latitude/Longitude/GeocodeAccuracy + the compound.
fn address(prefix: &str, label: &str, compound: &str) -> Vec<F> {
    let n = |s: &str| format!("{prefix}{s}");
    let l = |s: &str| {
        if label.is_empty() {
            s.to_string()
        } else {
            format!("{label} {s}")
        }
    };
    vec![
        F::new(&n("Street"), &l("Street"), T::Textarea)
            .len(255)
            .compound(compound),
        F::new(&n("City"), &l("City"), T::String)
            .len(40)
            .compound(compound),
        F::new(&n("State"), &l("State/Province"), T::String)
            .len(80)
            .compound(compound),
        F::new(&n("PostalCode"), &l("Zip/Postal Code"), T::String)
            .len(20)
            .compound(compound),
        F::new(&n("Country"), &l("Country"), T::String)
            .len(80)
            .compound(compound),
        F::new(&n("Latitude"), &l("Latitude"), T::Double)
            .num(18, 15)
            .compound(compound),
        F::new(&n("Longitude"), &l("Longitude"), T::Double)
            .num(18, 15)
            .compound(compound),
        F::new(&n("GeocodeAccuracy"), &l("Geocode Accuracy"), T::Picklist)
            .len(40)
            .picklist(GEOCODE_ACCURACY)
            .compound(compound),
        F::new(compound, l("Address").trim(), T::Address),
    ]
}

fn description(label: &str) -> F {
    F::new("Description", label, T::Textarea).len(32000)
}

fn person_name() -> Vec<F> {
    vec![
        F::new("LastName", "Last Name", T::String)
            .len(80)
            .required()
            .compound("Name"),
        F::new("FirstName", "First Name", T::String)
            .len(40)
            .compound("Name"),
        F::new("Salutation", "Salutation", T::Picklist)
            .len(40)
            .picklist(SALUTATIONS)
            .compound("Name"),
        F::new("Name", "Full Name", T::String)
            .len(121)
            .readonly()
            .required()
            .name_field(),
    ]
}

fn user() -> ObjectMeta {
    let mut f = vec![
        id("User ID"),
        F::new("Username", "Username", T::String).len(80).required(),
        F::new("LastName", "Last Name", T::String)
            .len(80)
            .required()
            .compound("Name"),
        F::new("FirstName", "First Name", T::String)
            .len(40)
            .compound("Name"),
        F::new("Name", "Full Name", T::String)
            .len(121)
            .readonly()
            .required()
            .name_field(),
        F::new("CompanyName", "Company Name", T::String).len(80),
        F::new("Division", "Division", T::String).len(80),
        F::new("Department", "Department", T::String).len(80),
        F::new("Title", "Title", T::String).len(80),
    ];
    f.extend(address("", "", "Address"));
    f.extend([
        F::new("Email", "Email", T::Email).len(128).required(),
        F::new("Phone", "Phone", T::Phone),
        F::new("MobilePhone", "Mobile", T::Phone),
        F::new("Alias", "Alias", T::String).len(8).required(),
        F::new("IsActive", "Active", T::Boolean),
        F::new("TimeZoneSidKey", "Time Zone", T::Picklist)
            .len(40)
            .picklist(&[
                "America/Los_Angeles",
                "America/New_York",
                "Europe/London",
                "Europe/Berlin",
                "Asia/Tokyo",
                "Pacific/Auckland",
            ])
            .required()
            .restricted(),
        F::new("LocaleSidKey", "Locale", T::Picklist)
            .len(40)
            .picklist(&["en_US", "en_GB", "de_DE", "fr_FR", "ja_JP"])
            .required()
            .restricted(),
        F::new("LanguageLocaleKey", "Language", T::Picklist)
            .len(40)
            .picklist(&["en_US", "de", "fr", "ja"])
            .required()
            .restricted(),
        F::new("EmailEncodingKey", "Email Encoding", T::Picklist)
            .len(40)
            .picklist(&["UTF-8", "ISO-8859-1"])
            .required()
            .restricted(),
        F::new("ManagerId", "Manager ID", T::Reference).refs(&["User"], "Manager"),
        F::new("LastLoginDate", "Last Login", T::DateTime).readonly(),
        currency_iso("Default Currency ISO Code"),
    ]);
    f.extend(audit());
    f[1].unique = true;
    f[1].id_lookup = true;
    ObjectMeta::new("User", "User", "Users", "005", f)
}

fn account() -> ObjectMeta {
    let mut f = vec![
        id("Account ID"),
        is_deleted(),
        F::new("Name", "Account Name", T::String)
            .required()
            .name_field()
            .extra("switchablepersonname"),
        F::new("Type", "Account Type", T::Picklist)
            .len(40)
            .picklist(&[
                "Prospect",
                "Customer - Direct",
                "Customer - Channel",
                "Channel Partner / Reseller",
                "Installation Partner",
                "Technology Partner",
                "Other",
            ]),
        F::new("ParentId", "Parent Account ID", T::Reference).refs(&["Account"], "Parent"),
    ];
    for (prefix, compound) in [
        ("Billing", "BillingAddress"),
        ("Shipping", "ShippingAddress"),
    ] {
        let mut parts = address(prefix, prefix, compound);
        // Real describes list the codes right after <prefix>Country.
        let at = parts
            .iter()
            .position(|p| p.name.ends_with("Country"))
            .map_or(parts.len(), |i| i + 1);
        parts.splice(at..at, address_codes(prefix, prefix, compound));
        f.extend(parts);
    }
    f.extend([
        F::new("Phone", "Account Phone", T::Phone),
        F::new("Fax", "Account Fax", T::Phone),
        F::new("AccountNumber", "Account Number", T::String).len(40),
        F::new("Website", "Website", T::Url),
        F::new("Industry", "Industry", T::Picklist)
            .len(40)
            .picklist(INDUSTRIES),
        F::new("AnnualRevenue", "Annual Revenue", T::Currency).num(18, 0),
        F::new("NumberOfEmployees", "Employees", T::Int).digits(8),
        F::new("Ownership", "Ownership", T::Picklist)
            .len(40)
            .picklist(&["Public", "Private", "Subsidiary", "Other"]),
        F::new("TickerSymbol", "Ticker Symbol", T::String).len(20),
        description("Account Description"),
        F::new("Rating", "Account Rating", T::Picklist)
            .len(40)
            .picklist(RATINGS),
        F::new("Site", "Account Site", T::String).len(80),
        currency_iso("Account Currency"),
        owner(&["User"], "Owner ID"),
    ]);
    f.extend(audit());
    f.extend([
        F::new("LastActivityDate", "Last Activity", T::Date).readonly(),
        F::new("AccountSource", "Account Source", T::Picklist)
            .len(40)
            .picklist(LEAD_SOURCES),
    ]);
    ObjectMeta::new("Account", "Account", "Accounts", "001", f)
}

fn contact() -> ObjectMeta {
    let mut f = vec![
        id("Contact ID"),
        is_deleted(),
        F::new("AccountId", "Account ID", T::Reference).refs(&["Account"], "Account"),
    ];
    f.extend(person_name());
    f.extend(address("Mailing", "Mailing", "MailingAddress"));
    f.extend([
        F::new("Phone", "Business Phone", T::Phone),
        F::new("MobilePhone", "Mobile Phone", T::Phone),
        F::new("ReportsToId", "Reports To ID", T::Reference).refs(&["Contact"], "ReportsTo"),
        F::new("Email", "Email", T::Email),
        F::new("Title", "Title", T::String).len(128),
        F::new("Department", "Department", T::String).len(80),
        F::new("LeadSource", "Lead Source", T::Picklist).picklist(LEAD_SOURCES),
        F::new("Birthdate", "Birthdate", T::Date),
        description("Contact Description"),
        currency_iso("Contact Currency"),
        owner(&["User"], "Owner ID"),
    ]);
    f.extend(audit());
    f.extend([
        F::new("LastActivityDate", "Last Activity", T::Date).readonly(),
        F::new("IsEmailBounced", "Is Email Bounced", T::Boolean).readonly(),
    ]);
    ObjectMeta::new("Contact", "Contact", "Contacts", "003", f)
}

fn opportunity() -> ObjectMeta {
    let stage_names: Vec<&str> = STAGES.iter().map(|s| s.0).collect();
    let mut f = vec![
        id("Opportunity ID"),
        is_deleted(),
        F::new("AccountId", "Account ID", T::Reference).refs(&["Account"], "Account"),
        F::new("IsPrivate", "Private", T::Boolean),
        F::new("Name", "Name", T::String)
            .len(120)
            .required()
            .name_field(),
        description("Description"),
        F::new("StageName", "Stage", T::Picklist)
            .picklist(&stage_names)
            .required(),
        F::new("Amount", "Amount", T::Currency).num(18, 2),
        F::new("Probability", "Probability (%)", T::Percent)
            .num(3, 0)
            .defaulted(),
        F::new("ExpectedRevenue", "Expected Amount", T::Currency)
            .num(18, 2)
            .readonly(),
        F::new("TotalOpportunityQuantity", "Quantity", T::Double).num(18, 2),
        F::new("CloseDate", "Close Date", T::Date).required(),
        F::new("Type", "Opportunity Type", T::Picklist).picklist(&[
            "Existing Customer - Upgrade",
            "Existing Customer - Replacement",
            "Existing Customer - Downgrade",
            "New Customer",
        ]),
        F::new("NextStep", "Next Step", T::String),
        F::new("LeadSource", "Lead Source", T::Picklist).picklist(LEAD_SOURCES),
        F::new("IsClosed", "Closed", T::Boolean).readonly(),
        F::new("IsWon", "Won", T::Boolean).readonly(),
        F::new("ForecastCategory", "Forecast Category", T::Picklist)
            .len(40)
            .picklist(&["Omitted", "Pipeline", "BestCase", "Forecast", "Closed"])
            .readonly()
            .required(),
        F::new("ForecastCategoryName", "Forecast Category", T::Picklist)
            .picklist(&["Omitted", "Pipeline", "Best Case", "Commit", "Closed"])
            .defaulted(),
        currency_iso("Opportunity Currency"),
        owner(&["User"], "Owner ID"),
    ];
    f.extend(audit());
    f.extend([
        F::new("LastActivityDate", "Last Activity", T::Date).readonly(),
        F::new("FiscalQuarter", "Fiscal Quarter", T::Int)
            .digits(8)
            .readonly()
            .compound("Fiscal"),
        F::new("FiscalYear", "Fiscal Year", T::Int)
            .digits(8)
            .readonly()
            .compound("Fiscal"),
        F::new("Fiscal", "Fiscal Period", T::String)
            .len(6)
            .readonly(),
    ]);
    ObjectMeta::new("Opportunity", "Opportunity", "Opportunities", "006", f)
}

fn lead() -> ObjectMeta {
    let mut f = vec![id("Lead ID"), is_deleted()];
    f.extend(person_name());
    f.extend([
        F::new("Title", "Title", T::String).len(128),
        F::new("Company", "Company", T::String).required(),
    ]);
    f.extend(address("", "", "Address"));
    f.extend([
        F::new("Phone", "Phone", T::Phone),
        F::new("MobilePhone", "Mobile Phone", T::Phone),
        F::new("Email", "Email", T::Email),
        F::new("Website", "Website", T::Url),
        description("Description"),
        F::new("LeadSource", "Lead Source", T::Picklist).picklist(LEAD_SOURCES),
        F::new("Status", "Status", T::Picklist)
            .picklist(&[
                "Open - Not Contacted",
                "Working - Contacted",
                "Closed - Converted",
                "Closed - Not Converted",
            ])
            .default_pick("Open - Not Contacted")
            .required(),
        F::new("Industry", "Industry", T::Picklist).picklist(INDUSTRIES),
        F::new("Rating", "Rating", T::Picklist).picklist(RATINGS),
        F::new("AnnualRevenue", "Annual Revenue", T::Currency).num(18, 0),
        F::new("NumberOfEmployees", "Employees", T::Int).digits(8),
        currency_iso("Lead Currency"),
        owner(&["Group", "User"], "Owner ID"),
        F::new("IsConverted", "Converted", T::Boolean).create_only(),
        F::new("ConvertedDate", "Converted Date", T::Date).readonly(),
        F::new("ConvertedAccountId", "Converted Account ID", T::Reference)
            .refs(&["Account"], "ConvertedAccount")
            .readonly(),
        F::new("ConvertedContactId", "Converted Contact ID", T::Reference)
            .refs(&["Contact"], "ConvertedContact")
            .readonly(),
        F::new(
            "ConvertedOpportunityId",
            "Converted Opportunity ID",
            T::Reference,
        )
        .refs(&["Opportunity"], "ConvertedOpportunity")
        .readonly(),
        F::new("IsUnreadByOwner", "Unread By Owner", T::Boolean),
    ]);
    f.extend(audit());
    f.push(F::new("LastActivityDate", "Last Activity", T::Date).readonly());
    ObjectMeta::new("Lead", "Lead", "Leads", "00Q", f)
}

fn task() -> ObjectMeta {
    let mut f = vec![
        id("Activity ID"),
        F::new("WhoId", "Name ID", T::Reference).refs(&["Contact", "Lead"], "Who"),
        F::new("WhatId", "Related To ID", T::Reference).refs(WHAT_TARGETS, "What"),
        F::new("Subject", "Subject", T::Combobox)
            .picklist(&["Call", "Send Letter", "Send Quote", "Other", "Email"])
            .name_field(),
        F::new("ActivityDate", "Due Date Only", T::Date),
        F::new("Status", "Status", T::Picklist)
            .len(40)
            .picklist(&[
                "Not Started",
                "In Progress",
                "Completed",
                "Waiting on someone else",
                "Deferred",
            ])
            .default_pick("Not Started")
            .required(),
        F::new("Priority", "Priority", T::Picklist)
            .len(40)
            .picklist(&["High", "Normal", "Low"])
            .default_pick("Normal")
            .required(),
        F::new("IsHighPriority", "High Priority", T::Boolean).readonly(),
        owner(&["User"], "Assigned To ID"),
        description("Description"),
        is_deleted(),
        F::new("AccountId", "Account ID", T::Reference)
            .refs(&["Account"], "Account")
            .readonly(),
        F::new("IsClosed", "Closed", T::Boolean).readonly(),
        currency_iso("Activity Currency"),
    ];
    f.extend(audit());
    f.extend([
        F::new("CallDurationInSeconds", "Call Duration", T::Int).digits(8),
        F::new("CallType", "Call Type", T::Picklist)
            .len(40)
            .picklist(&["Internal", "Inbound", "Outbound"]),
    ]);
    f[1].polymorphic = true;
    f[2].polymorphic = true;
    ObjectMeta::new("Task", "Task", "Tasks", "00T", f)
}

fn event() -> ObjectMeta {
    let mut f = vec![
        id("Activity ID"),
        F::new("WhoId", "Name ID", T::Reference).refs(&["Contact", "Lead"], "Who"),
        F::new("WhatId", "Related To ID", T::Reference).refs(WHAT_TARGETS, "What"),
        F::new("Subject", "Subject", T::Combobox)
            .picklist(&["Call", "Email", "Meeting", "Send Letter/Quote", "Other"])
            .name_field(),
        F::new("Location", "Location", T::String),
        F::new("IsAllDayEvent", "All-Day Event", T::Boolean),
        F::new("ActivityDateTime", "Due Date Time", T::DateTime),
        F::new("ActivityDate", "Due Date Only", T::Date),
        F::new("DurationInMinutes", "Duration", T::Int).digits(8),
        F::new("StartDateTime", "Start Date Time", T::DateTime),
        F::new("EndDateTime", "End Date Time", T::DateTime),
        F::new("EndDate", "End Date", T::Date).readonly(),
        description("Description"),
        F::new("AccountId", "Account ID", T::Reference)
            .refs(&["Account"], "Account")
            .readonly(),
        owner(&["Calendar", "User"], "Assigned To ID"),
        F::new("IsPrivate", "Private", T::Boolean),
        F::new("ShowAs", "Show Time As", T::Picklist)
            .len(40)
            .picklist(&["Busy", "OutOfOffice", "Free"])
            .default_pick("Busy"),
        is_deleted(),
        currency_iso("Activity Currency"),
    ];
    f.extend(audit());
    ObjectMeta::new("Event", "Event", "Events", "00U", f)
}

fn invoice() -> ObjectMeta {
    let mut f = vec![
        id("Record ID"),
        owner(&["Group", "User"], "Owner ID"),
        is_deleted(),
        F::new("Name", "Invoice Number", T::String)
            .len(30)
            .name_field()
            .auto_number(),
        currency_iso("Currency ISO Code"),
    ];
    f.extend(audit());
    f.extend([
        F::new("LastActivityDate", "Last Activity Date", T::Date).readonly(),
        F::new("Account__c", "Account", T::Reference).refs(&["Account"], "Account__r"),
        F::new("Opportunity__c", "Opportunity", T::Reference)
            .refs(&["Opportunity"], "Opportunity__r"),
        F::new("Amount__c", "Amount", T::Currency).num(16, 2),
        F::new("Tax_Rate__c", "Tax Rate", T::Percent).num(5, 3),
        F::new("Quantity__c", "Quantity", T::Double).num(14, 4),
        // Custom "Number" fields are always type double in describe, even with scale 0.
        F::new("Line_Count__c", "Line Count", T::Double).num(18, 0),
        F::new("Is_Paid__c", "Is Paid", T::Boolean),
        F::new("Due_Date__c", "Due Date", T::Date),
        F::new("Paid_At__c", "Paid At", T::DateTime),
        F::new("Reminder_Time__c", "Reminder Time", T::Time),
        F::new("Status__c", "Status", T::Picklist)
            .picklist(&["Draft", "Sent", "Paid", "Overdue", "Void"]),
        F::new("Tags__c", "Tags", T::MultiPicklist)
            .len(4099)
            .picklist(&[
                "Priority",
                "Recurring",
                "Discounted",
                "International",
                "Net30",
                "Net60",
            ]),
        F::new("Notes__c", "Notes", T::Textarea).len(32768),
        F::new("Contact_Email__c", "Contact Email", T::Email),
        F::new("Phone__c", "Phone", T::Phone),
        F::new("Website__c", "Website", T::Url),
        F::new("Location__Latitude__s", "Location (Latitude)", T::Double)
            .num(18, 15)
            .compound("Location__c"),
        F::new("Location__Longitude__s", "Location (Longitude)", T::Double)
            .num(18, 15)
            .compound("Location__c"),
        F::new("Location__c", "Location", T::Location),
        F::new("Memo__c", "Memo", T::String),
        // Cross-object formula: evaluated at read time from the parent's current Name.
        F::new("Account_Name__c", "Account Name", T::String)
            .len(1300)
            .formula("Account__r.Name"),
    ]);
    ObjectMeta::new("Invoice__c", "Invoice", "Invoices", "a01", f)
}

fn account_change_event() -> ObjectMeta {
    let f = vec![
        id("Change Event ID"),
        F::new("ReplayId", "Replay ID", T::String).readonly(),
        F::new("Name", "Account Name", T::String)
            .readonly()
            .name_field(),
    ];
    ObjectMeta::new(
        "AccountChangeEvent",
        "Change Event: Account",
        "Change Event: Account",
        "1CE",
        f,
    )
    .not_queryable()
}

fn currency_type() -> ObjectMeta {
    let mut f = vec![
        id("Currency Type ID"),
        F::new("IsoCode", "Currency ISO Code", T::Picklist)
            .len(3)
            .picklist(CURRENCIES)
            .required()
            .create_only()
            .restricted(),
        F::new("ConversionRate", "Conversion Rate", T::Double)
            .num(18, 9)
            .required(),
        F::new("DecimalPlaces", "Decimal Places", T::Int)
            .digits(9)
            .required(),
        F::new("IsActive", "Active", T::Boolean),
        F::new("IsCorporate", "Corporate", T::Boolean).readonly(),
    ];
    f.extend(audit());
    let mut o = ObjectMeta::new("CurrencyType", "Currency Type", "Currency Types", "02s", f);
    o.createable = false;
    o
}

/// Rows of `TaskStatus`: (MasterLabel/ApiName, IsDefault, IsClosed).
pub const TASK_STATUSES: &[(&str, bool, bool)] = &[
    ("Not Started", true, false),
    ("In Progress", false, false),
    ("Completed", false, true),
    ("Waiting on someone else", false, false),
    ("Deferred", false, false),
];

fn task_status() -> ObjectMeta {
    let mut f = vec![
        id("Task Status Value ID"),
        F::new("MasterLabel", "Master Label", T::String)
            .len(255)
            .readonly()
            .name_field(),
        F::new("ApiName", "Api Name", T::String).len(255).readonly(),
        F::new("SortOrder", "Sort Order", T::Int)
            .digits(9)
            .readonly(),
        F::new("IsDefault", "Is Default", T::Boolean).readonly(),
        F::new("IsClosed", "Is Closed", T::Boolean).readonly(),
    ];
    f.extend(audit());
    let mut o = ObjectMeta::new(
        "TaskStatus",
        "Task Status Value",
        "Task Status Values",
        "01J",
        f,
    );
    o.createable = false;
    o
}

fn content_document() -> ObjectMeta {
    let mut f = vec![
        id("ContentDocument ID"),
        is_deleted(),
        F::new("Title", "Title", T::String)
            .len(255)
            .required()
            .name_field(),
        F::new("FileType", "File Type", T::String)
            .len(20)
            .readonly(),
        owner(&["User"], "Owner ID"),
    ];
    f.extend(audit());
    let mut o = ObjectMeta::new(
        "ContentDocument",
        "Content Document",
        "Content Documents",
        "069",
        f,
    );
    o.createable = false;
    o
}

fn content_document_link() -> ObjectMeta {
    let f = vec![
        id("ContentDocumentLink ID"),
        F::new("LinkedEntityId", "Linked Entity ID", T::Reference)
            .refs(&["Account"], "LinkedEntity")
            .required()
            .create_only(),
        F::new("ContentDocumentId", "ContentDocument ID", T::Reference)
            .refs(&["ContentDocument"], "ContentDocument")
            .required()
            .create_only(),
        is_deleted(),
        F::new("SystemModstamp", "System Modstamp", T::DateTime)
            .readonly()
            .required()
            .defaulted(),
        F::new("ShareType", "Share Type", T::Picklist)
            .len(40)
            .picklist(&["V", "C", "I"])
            .restricted(),
        F::new("Visibility", "Visibility", T::Picklist)
            .len(40)
            .picklist(&["AllUsers", "InternalUsers", "SharedUsers"])
            .restricted(),
    ];
    let mut o = ObjectMeta::new(
        "ContentDocumentLink",
        "Content Document Link",
        "Content Document Link",
        "06A",
        f,
    );
    o.createable = false;
    o
}

/// `Wide__c`: a wide custom object (real Accounts often have 300-800 fields) with `n` custom
/// fields `Field_0001__c`… cycling through string, double, date, datetime, boolean, picklist
/// and currency.
pub fn wide_object(n: usize) -> ObjectMeta {
    let mut f = vec![
        id("Record ID"),
        owner(&["Group", "User"], "Owner ID"),
        is_deleted(),
        F::new("Name", "Wide Name", T::String).len(80).name_field(),
        currency_iso("Currency ISO Code"),
    ];
    f.extend(audit());
    for i in 1..=n {
        let name = format!("Field_{i:04}__c");
        let label = format!("Field {i:04}");
        f.push(match i % 7 {
            1 => F::new(&name, &label, T::String).len(100),
            2 => F::new(&name, &label, T::Double).num(16, 2),
            3 => F::new(&name, &label, T::Date),
            4 => F::new(&name, &label, T::DateTime),
            5 => F::new(&name, &label, T::Boolean),
            6 => F::new(&name, &label, T::Picklist).picklist(&["Red", "Green", "Blue", "Ünïcødé"]),
            _ => F::new(&name, &label, T::Currency).num(16, 2),
        });
    }
    ObjectMeta::new("Wide__c", "Wide", "Wides", "a02", f)
}

/// The built-in org schema.
pub fn standard_schema() -> Schema {
    Schema::new(vec![
        user(),
        account(),
        contact(),
        opportunity(),
        lead(),
        task(),
        event(),
        invoice(),
        account_change_event(),
        currency_type(),
        task_status(),
        content_document(),
        content_document_link(),
    ])
}
