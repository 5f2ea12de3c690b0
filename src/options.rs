//! Options of the wrapper, servers, user mappings, foreign tables and columns: what each level
//! accepts, validation with messages that name the option, and typed views of them.
//! Pure Rust, so it is tested with plain `cargo test`.

use std::collections::HashMap;

use crate::error::{SfError, SfResult};

pub const DEFAULT_LOGIN_URL: &str = "https://login.salesforce.com";
/// A current API version (SALESFORCE.md 12.13: v68.0 is the newest in late 2026; v21-v30 are
/// retired). `api_version 'latest'` asks the org for its newest instead.
pub const DEFAULT_API_VERSION: &str = "v66.0";
/// The `api_version` value that picks the newest version the org offers.
pub const LATEST_API_VERSION: &str = "latest";
/// Bulk API 2.0 pays off from tens of thousands of rows (SALESFORCE.md section 8.5).
pub const DEFAULT_BULK_THRESHOLD: u64 = 50_000;

/// When a table's scans read through Bulk API 2.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BulkMode {
    /// When the estimated rows exceed the server's bulk_threshold.
    Auto,
    On,
    Off,
}

impl BulkMode {
    fn parse(value: &str) -> SfResult<BulkMode> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(BulkMode::Auto),
            "on" | "true" | "always" => Ok(BulkMode::On),
            "off" | "false" | "never" => Ok(BulkMode::Off),
            _ => Err(SfError::invalid_option(
                "bulk",
                format!("\"{value}\" is not one of auto, on, off"),
            )),
        }
    }
}

/// Where an option list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionLevel {
    Wrapper,
    Server,
    UserMapping,
    Table,
    Column,
}

impl OptionLevel {
    pub fn describe(self) -> &'static str {
        match self {
            OptionLevel::Wrapper => "foreign data wrapper",
            OptionLevel::Server => "server",
            OptionLevel::UserMapping => "user mapping",
            OptionLevel::Table => "foreign table",
            OptionLevel::Column => "column",
        }
    }

    fn accepted(self) -> &'static [&'static str] {
        match self {
            OptionLevel::Wrapper => &[],
            OptionLevel::Server => SERVER_OPTIONS,
            OptionLevel::UserMapping => USER_MAPPING_OPTIONS,
            OptionLevel::Table => TABLE_OPTIONS,
            OptionLevel::Column => COLUMN_OPTIONS,
        }
    }
}

const SERVER_OPTIONS: &[&str] = &[
    "login_url",
    "instance_url",
    "api_version",
    "client_id",
    "batch_size",
    "request_timeout_ms",
    "max_retries",
    "api_reserve_pct",
    "bulk_threshold",
    "bulk_timeout_ms",
    "bulk_parallelism",
    "text_may_hold_nul",
];
const USER_MAPPING_OPTIONS: &[&str] = &[
    "auth",
    "client_id",
    "client_secret",
    "refresh_token",
    "username",
    "private_key",
    "access_token",
    "instance_url",
];
const TABLE_OPTIONS: &[&str] = &[
    "object",
    "soql_where",
    "include_deleted",
    "bulk",
    "multi_currency",
    "estimated_rows",
];
/// `sf_type`, `filterable`, `sortable`, `groupable`, `aggregatable`, `restricted_picklist`,
/// `precision`, `reference_to`, `relationship_name`, `polymorphic` (and
/// the table's `multi_currency`, `estimated_rows`) are what describe said at IMPORT FOREIGN
/// SCHEMA: planning reads them instead of asking. `group_exact` is the user's: the text values
/// never differ only in case (nor hold NUL), so GROUP BY on the column may be shipped.
const COLUMN_OPTIONS: &[&str] = &[
    "field",
    "formula",
    "sf_type",
    "filterable",
    "sortable",
    "groupable",
    "aggregatable",
    "restricted_picklist",
    "precision",
    "reference_to",
    "relationship_name",
    "polymorphic",
    "group_exact",
];

/// Options whose values must never leave the user mapping or appear in any message.
pub const SECRET_OPTIONS: &[&str] = &[
    "client_secret",
    "refresh_token",
    "access_token",
    "private_key",
];

/// Validates one option list (as CREATE/ALTER give it to the validator).
pub fn validate(level: OptionLevel, options: &[(String, String)]) -> SfResult<()> {
    for (name, value) in options {
        if level != OptionLevel::UserMapping && SECRET_OPTIONS.contains(&name.as_str()) {
            return Err(SfError::SecretOutsideUserMapping {
                option: name.clone(),
                level: level.describe(),
            });
        }
        if !level.accepted().contains(&name.as_str()) {
            let accepted = level.accepted();
            return Err(SfError::UnknownOption {
                option: name.clone(),
                level: level.describe(),
                accepted: if accepted.is_empty() {
                    "none".into()
                } else {
                    accepted.join(", ")
                },
            });
        }
        validate_value(name, value)?;
    }
    if level == OptionLevel::UserMapping && !options.is_empty() {
        // client_id may live on the server, which the validator cannot see: stand in for it.
        let server: HashMap<String, String> =
            [("client_id".to_string(), "(server)".to_string())].into();
        let map: HashMap<String, String> = options.iter().cloned().collect();
        AuthMethod::from_options(&server, &map)?;
    }
    Ok(())
}

fn validate_value(name: &str, value: &str) -> SfResult<()> {
    match name {
        "login_url" | "instance_url" => parse_base_url(name, value).map(|_| ()),
        "api_version" => parse_api_version(value).map(|_| ()),
        "batch_size" => parse_int_in(name, value, 200, 2000).map(|_| ()),
        "request_timeout_ms" => parse_int_in(name, value, 1000, 3_600_000).map(|_| ()),
        "max_retries" => parse_int_in(name, value, 0, 20).map(|_| ()),
        "api_reserve_pct" => parse_int_in(name, value, 0, 100).map(|_| ()),
        "object" => {
            if is_api_name(value) {
                Ok(())
            } else {
                Err(SfError::invalid_option(
                    name,
                    format!("\"{value}\" is not a Salesforce object API name (letters, digits and underscores, e.g. Opportunity or Invoice__c)"),
                ))
            }
        }
        "field" => {
            let path = converted_currency_field(value).unwrap_or(value);
            if !path.is_empty() && path.split('.').all(is_api_name) {
                Ok(())
            } else {
                Err(SfError::invalid_option(
                    name,
                    format!("\"{value}\" is not a field API name or relationship path (e.g. StageName, Owner.Name, What.Type), or convertCurrency(<field>)"),
                ))
            }
        }
        "formula"
        | "filterable"
        | "sortable"
        | "groupable"
        | "aggregatable"
        | "restricted_picklist"
        | "group_exact"
        | "polymorphic"
        | "multi_currency" => parse_bool(name, value).map(|_| ()),
        "precision" => parse_int_in(name, value, 1, 100).map(|_| ()),
        // (a polymorphic reference's objects: a comma-separated list)
        "reference_to" => {
            if value.split(',').all(is_api_name) {
                Ok(())
            } else {
                Err(SfError::invalid_option(
                    name,
                    format!("\"{value}\" is not a Salesforce object API name or a comma-separated list of them (e.g. Account, or Account,Opportunity)"),
                ))
            }
        }
        "relationship_name" => {
            if is_api_name(value) {
                Ok(())
            } else {
                Err(SfError::invalid_option(
                    name,
                    format!("\"{value}\" is not a Salesforce API name (e.g. Account, Account__r)"),
                ))
            }
        }
        "sf_type" => {
            if is_api_name(value) {
                Ok(())
            } else {
                Err(SfError::invalid_option(
                    name,
                    format!("\"{value}\" is not a Salesforce field type (as describe gives it, e.g. currency, picklist, datetime)"),
                ))
            }
        }
        "estimated_rows" => parse_int_in(name, value, 0, i64::MAX).map(|_| ()),
        "soql_where" | "client_id" | "username" | "refresh_token" | "client_secret"
        | "access_token" | "private_key" => {
            if value.trim().is_empty() {
                Err(SfError::invalid_option(name, "must not be empty"))
            } else {
                Ok(())
            }
        }
        "auth" => AuthKind::parse(value).map(|_| ()),
        "include_deleted" => parse_bool(name, value).map(|_| ()),
        "bulk" => BulkMode::parse(value).map(|_| ()),
        "bulk_threshold" => parse_int_in(name, value, 0, i64::MAX).map(|_| ()),
        "bulk_timeout_ms" => parse_int_in(name, value, 100, 86_400_000).map(|_| ()),
        "bulk_parallelism" => parse_int_in(name, value, 1, 25).map(|_| ()),
        "text_may_hold_nul" => parse_bool(name, value).map(|_| ()),
        _ => Ok(()),
    }
}

/// The field of a `convertCurrency(Field)` column option (the amount in the Salesforce user's
/// currency), if the option has that form.
pub fn converted_currency_field(value: &str) -> Option<&str> {
    let value = value.trim();
    let inner = value
        .get(..16)
        .filter(|head| head.eq_ignore_ascii_case("convertCurrency("))
        .and(value.get(16..))?
        .strip_suffix(')')?;
    Some(inner.trim())
}

/// A Salesforce API name: a letter first, then letters, digits and underscores.
pub fn is_api_name(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `true`/`on`/`yes`/`1` or `false`/`off`/`no`/`0`, naming the option otherwise.
pub fn parse_bool(name: &str, value: &str) -> SfResult<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        _ => Err(SfError::invalid_option(
            name,
            format!("\"{value}\" is not a boolean (true or false)"),
        )),
    }
}

fn parse_int_in(name: &str, value: &str, min: i64, max: i64) -> SfResult<i64> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(SfError::invalid_option(
            name,
            format!("\"{value}\" is not an integer between {min} and {max}"),
        )),
    }
}

/// `http(s)://host[:port]`, without a trailing slash or path. Plain `http://` only to a
/// loopback address: credentials and tokens never cross a network unencrypted.
fn parse_base_url(name: &str, value: &str) -> SfResult<String> {
    let url = parse_base_url_syntax(name, value)?;
    check_transport(name, &url)?;
    Ok(url)
}

/// Refuses a plain-http URL whose host is not a loopback address (127.0.0.0/8, ::1,
/// localhost): an access token or a client secret sent there would travel in clear text.
pub fn check_transport(name: &str, url: &str) -> SfResult<()> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(SfError::invalid_option(
            name,
            format!("\"{url}\" uses plain http to a host that is not this machine; credentials are sent only over https (plain http is allowed for loopback addresses, e.g. a local emulator)"),
        ))
    }
}

fn parse_base_url_syntax(name: &str, value: &str) -> SfResult<String> {
    let trimmed = value.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_string())
        }
        _ => Err(SfError::invalid_option(
            name,
            format!("\"{value}\" is not a base URL such as https://login.salesforce.com, https://test.salesforce.com or https://mydomain.my.salesforce.com"),
        )),
    }
}

/// Accepts `v66.0`, `66.0`, `66` or `latest`; returns the `vNN.N` form used in URLs (or
/// `latest`, resolved by the client from the org's version list).
pub fn parse_api_version(value: &str) -> SfResult<String> {
    if value.trim().eq_ignore_ascii_case(LATEST_API_VERSION) {
        return Ok(LATEST_API_VERSION.to_string());
    }
    let digits = value.trim().trim_start_matches(['v', 'V']);
    let (major, minor) = digits.split_once('.').unwrap_or((digits, "0"));
    match (major.parse::<u32>(), minor.parse::<u32>()) {
        (Ok(major), Ok(minor)) if (20..=99).contains(&major) => Ok(format!("v{major}.{minor}")),
        _ => Err(SfError::invalid_option(
            "api_version",
            format!("\"{value}\" is not an API version such as v66.0, or latest"),
        )),
    }
}

/// Server-level settings with defaults applied.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub login_url: String,
    pub instance_url: Option<String>,
    pub api_version: String,
    pub client_id: Option<String>,
    pub batch_size: u32,
    pub request_timeout_ms: u64,
    pub max_retries: u32,
    pub api_reserve_pct: u32,
    /// Estimated rows above which a scan reads through Bulk API 2.0 (table option bulk 'auto').
    pub bulk_threshold: u64,
    /// How long a Bulk API 2.0 job may take to complete before the scan gives up on it.
    pub bulk_timeout_ms: u64,
    /// Results pages of a Bulk job downloaded at once (each download is a long-running
    /// request of the org's 25, or 5 in Developer Edition).
    pub bulk_parallelism: u32,
    /// Whether the org's text may hold NUL characters (text pushdown then takes such values).
    pub text_may_hold_nul: bool,
}

impl ServerOptions {
    pub fn from_map(map: &HashMap<String, String>) -> SfResult<Self> {
        let get = |k: &str| map.get(k).map(|v| v.trim().to_string());
        Ok(ServerOptions {
            login_url: match get("login_url") {
                Some(v) => parse_base_url("login_url", &v)?,
                None => DEFAULT_LOGIN_URL.to_string(),
            },
            instance_url: get("instance_url")
                .map(|v| parse_base_url("instance_url", &v))
                .transpose()?,
            api_version: match get("api_version") {
                Some(v) => parse_api_version(&v)?,
                None => DEFAULT_API_VERSION.to_string(),
            },
            client_id: get("client_id"),
            batch_size: match get("batch_size") {
                Some(v) => parse_int_in("batch_size", &v, 200, 2000)? as u32,
                None => 2000,
            },
            request_timeout_ms: match get("request_timeout_ms") {
                Some(v) => parse_int_in("request_timeout_ms", &v, 1000, 3_600_000)? as u64,
                None => 120_000,
            },
            max_retries: match get("max_retries") {
                Some(v) => parse_int_in("max_retries", &v, 0, 20)? as u32,
                None => 5,
            },
            api_reserve_pct: match get("api_reserve_pct") {
                Some(v) => parse_int_in("api_reserve_pct", &v, 0, 100)? as u32,
                None => 10,
            },
            bulk_threshold: match get("bulk_threshold") {
                Some(v) => parse_int_in("bulk_threshold", &v, 0, i64::MAX)? as u64,
                None => DEFAULT_BULK_THRESHOLD,
            },
            bulk_timeout_ms: match get("bulk_timeout_ms") {
                Some(v) => parse_int_in("bulk_timeout_ms", &v, 100, 86_400_000)? as u64,
                None => 600_000,
            },
            bulk_parallelism: match get("bulk_parallelism") {
                Some(v) => parse_int_in("bulk_parallelism", &v, 1, 25)? as u32,
                None => 4,
            },
            text_may_hold_nul: match get("text_may_hold_nul") {
                Some(v) => parse_bool("text_may_hold_nul", &v)?,
                None => true,
            },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    RefreshToken,
    ClientCredentials,
    JwtBearer,
    AccessToken,
}

impl AuthKind {
    fn parse(value: &str) -> SfResult<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "refresh_token" => Ok(AuthKind::RefreshToken),
            "client_credentials" => Ok(AuthKind::ClientCredentials),
            "jwt_bearer" => Ok(AuthKind::JwtBearer),
            "access_token" => Ok(AuthKind::AccessToken),
            _ => Err(SfError::invalid_option(
                "auth",
                format!("\"{value}\" is not one of refresh_token, client_credentials, jwt_bearer, access_token"),
            )),
        }
    }
}

/// How one user mapping logs in. Holds secrets: never format it into a message.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthMethod {
    RefreshToken {
        client_id: String,
        client_secret: Option<String>,
        refresh_token: String,
    },
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    JwtBearer {
        client_id: String,
        username: String,
        private_key: String,
    },
    AccessToken {
        access_token: String,
        instance_url: Option<String>,
    },
}

impl std::fmt::Debug for AuthMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of every Debug output.
        let kind = match self {
            AuthMethod::RefreshToken { .. } => "RefreshToken",
            AuthMethod::ClientCredentials { .. } => "ClientCredentials",
            AuthMethod::JwtBearer { .. } => "JwtBearer",
            AuthMethod::AccessToken { .. } => "AccessToken",
        };
        write!(f, "AuthMethod::{kind}(..)")
    }
}

impl AuthMethod {
    /// Reads the auth method from the user mapping, with client_id possibly on the server.
    pub fn from_options(
        server: &HashMap<String, String>,
        mapping: &HashMap<String, String>,
    ) -> SfResult<Self> {
        let get = |k: &str| {
            mapping
                .get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let client_id = || {
            get("client_id")
                .or_else(|| server.get("client_id").map(|v| v.trim().to_string()))
                .ok_or_else(|| missing("client_id", "Set client_id (the connected app's consumer key) on the server or the user mapping."))
        };
        let kind = match get("auth") {
            Some(v) => AuthKind::parse(&v)?,
            None if get("access_token").is_some() => AuthKind::AccessToken,
            None => AuthKind::RefreshToken,
        };
        Ok(match kind {
            AuthKind::RefreshToken => AuthMethod::RefreshToken {
                client_id: client_id()?,
                client_secret: get("client_secret"),
                refresh_token: get("refresh_token").ok_or_else(|| {
                    missing("refresh_token", "Add OPTIONS (refresh_token '...', client_secret '...') to the user mapping, or choose another flow with the auth option.")
                })?,
            },
            AuthKind::ClientCredentials => AuthMethod::ClientCredentials {
                client_id: client_id()?,
                client_secret: get("client_secret").ok_or_else(|| {
                    missing("client_secret", "The client credentials flow needs client_secret in the user mapping.")
                })?,
            },
            AuthKind::JwtBearer => AuthMethod::JwtBearer {
                client_id: client_id()?,
                username: get("username").ok_or_else(|| {
                    missing("username", "The JWT bearer flow needs the Salesforce username in the user mapping.")
                })?,
                private_key: get("private_key").ok_or_else(|| {
                    missing("private_key", "The JWT bearer flow needs private_key (RSA key in PEM) in the user mapping.")
                })?,
            },
            AuthKind::AccessToken => AuthMethod::AccessToken {
                access_token: get("access_token").ok_or_else(|| {
                    missing("access_token", "auth 'access_token' needs access_token in the user mapping.")
                })?,
                instance_url: get("instance_url")
                    .or_else(|| server.get("instance_url").cloned())
                    .map(|v| parse_base_url("instance_url", &v))
                    .transpose()?,
            },
        })
    }
}

fn missing(option: &str, hint: &str) -> SfError {
    SfError::MissingOption {
        option: option.to_string(),
        level: "user mapping",
        hint: hint.to_string(),
    }
}

/// Foreign-table options.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct TableOptions {
    pub object: String,
    pub soql_where: Option<String>,
    /// Read through queryAll: deleted (recycle bin) and archived rows too.
    pub include_deleted: bool,
    pub bulk: BulkMode,
}

impl TableOptions {
    pub fn from_map(map: &HashMap<String, String>, table: &str) -> SfResult<Self> {
        let object = map.get("object").map(|v| v.trim().to_string()).ok_or_else(|| {
            SfError::MissingOption {
                option: "object".into(),
                level: "foreign table",
                hint: format!(
                    "ALTER FOREIGN TABLE {table} OPTIONS (ADD object 'Opportunity') with the Salesforce object's API name, or create tables with IMPORT FOREIGN SCHEMA."
                ),
            }
        })?;
        validate_value("object", &object)?;
        Ok(TableOptions {
            object,
            soql_where: map
                .get("soql_where")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            include_deleted: match map.get("include_deleted") {
                Some(v) => parse_bool("include_deleted", v)?,
                None => false,
            },
            bulk: match map.get("bulk") {
                Some(v) => BulkMode::parse(v)?,
                None => BulkMode::Auto,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn secrets_are_rejected_outside_user_mappings_by_name() {
        let err = validate(OptionLevel::Server, &opts(&[("client_secret", "s3cr3t")])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"client_secret\""), "{msg}");
        assert!(msg.contains("server"), "{msg}");
        assert!(!msg.contains("s3cr3t"), "{msg}");
        assert!(validate(OptionLevel::Table, &opts(&[("refresh_token", "x")])).is_err());
    }

    #[test]
    fn unknown_options_name_the_option_and_the_accepted_ones() {
        let err = validate(OptionLevel::Table, &opts(&[("objcet", "Account")])).unwrap_err();
        assert!(err.to_string().contains("\"objcet\""));
        assert!(err
            .hint()
            .unwrap()
            .contains("object, soql_where, include_deleted"));
    }

    #[test]
    fn values_are_checked() {
        assert!(validate(OptionLevel::Server, &opts(&[("batch_size", "100")])).is_err());
        assert!(validate(OptionLevel::Server, &opts(&[("batch_size", "500")])).is_ok());
        assert!(validate(
            OptionLevel::Server,
            &opts(&[("login_url", "login.salesforce.com")])
        )
        .is_err());
        assert!(validate(
            OptionLevel::Server,
            &opts(&[("login_url", "https://test.salesforce.com/")])
        )
        .is_ok());
        assert!(validate(OptionLevel::Table, &opts(&[("object", "Invoice__c")])).is_ok());
        assert!(validate(OptionLevel::Table, &opts(&[("object", "Bad Name")])).is_err());
        assert!(validate(OptionLevel::Column, &opts(&[("field", "Owner.Name")])).is_ok());
        assert!(validate(OptionLevel::Column, &opts(&[("field", "Owner..Name")])).is_err());
        assert!(validate(OptionLevel::UserMapping, &opts(&[("auth", "password")])).is_err());
    }

    #[test]
    fn api_version_forms() {
        assert_eq!(parse_api_version("v62.0").unwrap(), "v62.0");
        assert_eq!(parse_api_version("61").unwrap(), "v61.0");
        assert_eq!(parse_api_version("Latest").unwrap(), "latest");
        assert!(parse_api_version("newest").is_err());
        assert_eq!(DEFAULT_API_VERSION, "v66.0");
    }

    #[test]
    fn converted_currency_fields() {
        assert_eq!(
            converted_currency_field("convertCurrency(Amount)"),
            Some("Amount")
        );
        assert_eq!(
            converted_currency_field("CONVERTCURRENCY( Total__c )"),
            Some("Total__c")
        );
        assert_eq!(converted_currency_field("Amount"), None);
        assert!(validate(
            OptionLevel::Column,
            &opts(&[("field", "convertCurrency(Amount)")])
        )
        .is_ok());
        assert!(validate(
            OptionLevel::Column,
            &opts(&[("field", "convertCurrency(Amount")])
        )
        .is_err());
        assert!(validate(OptionLevel::Column, &opts(&[("formula", "true")])).is_ok());
        assert!(validate(OptionLevel::Column, &opts(&[("formula", "maybe")])).is_err());
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://login.salesforce.com",
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://localhost:99",
            "http://[::1]:8080",
        ] {
            assert!(check_transport("login_url", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://login.salesforce.com",
            "http://10.0.0.5:8080",
            "http://[fe80::1]:80",
            "http://localhost.example.com",
        ] {
            let err = check_transport("login_url", bad).unwrap_err().to_string();
            assert!(
                err.contains("\"login_url\"") && err.contains("https"),
                "{err}"
            );
        }
        assert!(validate(
            OptionLevel::Server,
            &opts(&[("login_url", "http://my.salesforce.com")])
        )
        .is_err());
    }

    #[test]
    fn auth_method_defaults_to_refresh_token_with_server_client_id() {
        let server: HashMap<String, String> = [("client_id".to_string(), "cid".to_string())].into();
        let mapping: HashMap<String, String> = [
            ("client_secret".to_string(), "sec".to_string()),
            ("refresh_token".to_string(), "rt".to_string()),
        ]
        .into();
        let method = AuthMethod::from_options(&server, &mapping).unwrap();
        assert_eq!(
            method,
            AuthMethod::RefreshToken {
                client_id: "cid".into(),
                client_secret: Some("sec".into()),
                refresh_token: "rt".into()
            }
        );
        assert!(!format!("{method:?}").contains("sec"));
    }

    #[test]
    fn missing_refresh_token_is_named() {
        let server: HashMap<String, String> = [("client_id".to_string(), "cid".to_string())].into();
        let err = AuthMethod::from_options(&server, &HashMap::new()).unwrap_err();
        assert!(err.to_string().contains("\"refresh_token\""));
    }
}
