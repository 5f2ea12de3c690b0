//! One error type for the whole extension, turned into a Postgres error report with a fitting
//! SQLSTATE, a message naming what is wrong, and a hint where we know what to do about it.
//! No variant ever carries a secret: callers pass option names, never option values of secrets.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum SfError {
    #[error("invalid option \"{option}\": {reason}")]
    InvalidOption { option: String, reason: String },

    #[error("unknown option \"{option}\" for {level}")]
    UnknownOption {
        option: String,
        level: &'static str,
        accepted: String,
    },

    #[error(
        "option \"{option}\" is a secret and is accepted only in a user mapping, not on a {level}"
    )]
    SecretOutsideUserMapping { option: String, level: &'static str },

    #[error("required option \"{option}\" is missing on {level}")]
    MissingOption {
        option: String,
        level: &'static str,
        hint: String,
    },

    #[error("no user mapping for role \"{role}\" on server \"{server}\"")]
    NoUserMapping { role: String, server: String },

    #[error("column \"{column}\" has type {type_name}, which salesforce_fdw cannot fill")]
    UnsupportedColumnType { column: String, type_name: String },

    #[error("cannot convert Salesforce field \"{field}\" to column \"{column}\" ({type_name}): {reason}")]
    Conversion {
        field: String,
        column: String,
        type_name: String,
        reason: String,
    },

    #[error("Salesforce authentication failed at {login_url}: {error}: {description}")]
    Auth {
        login_url: String,
        error: String,
        description: String,
    },

    #[error("cannot reach Salesforce at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    #[error("Salesforce rejected the request ({status} {code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        object: Option<String>,
    },

    #[error("Salesforce API requests of server \"{server}\" are nearly used up: {used} of {max} daily requests used, and this server keeps {reserve_pct}% in reserve")]
    ApiReserve {
        server: String,
        used: u64,
        max: u64,
        reserve_pct: u32,
    },

    #[error("cannot import {object}: {reason}")]
    ImportObject { object: String, reason: String },

    #[error("unexpected response from Salesforce at {url}: {reason}")]
    Protocol { url: String, reason: String },
}

pub type SfResult<T> = Result<T, SfError>;

impl SfError {
    pub fn invalid_option(option: &str, reason: impl Into<String>) -> Self {
        SfError::InvalidOption {
            option: option.to_string(),
            reason: reason.into(),
        }
    }

    /// A Salesforce API error, marked with the object it concerns (for the hint).
    pub fn for_object(self, object: &str) -> Self {
        match self {
            SfError::Api {
                status,
                code,
                message,
                ..
            } => SfError::Api {
                status,
                code,
                message,
                object: Some(object.to_string()),
            },
            other => other,
        }
    }

    /// A Bulk API 2.0 job that could not give results where REST pages can: the object is not
    /// supported by Bulk (INVALIDENTITY), the job failed or did not complete in time, or Bulk
    /// queries are not available to this org or version.
    pub fn is_bulk_refusal(&self) -> bool {
        matches!(self, SfError::Api { code, .. } if matches!(
            code.as_str(),
            "INVALIDENTITY" | "BULK_JOB_FAILED" | "BULK_JOB_TIMEOUT" | "FUNCTIONALITY_NOT_ENABLED"
                | "API_DISABLED_FOR_ORG" | "INVALIDJOB" | "NOT_FOUND"
        ))
    }

    /// A REQUEST_LIMIT_EXCEEDED about concurrent long-running requests, not the daily
    /// allowance ("ConcurrentRequests (Concurrent API Requests) Limit exceeded.").
    pub fn is_concurrency_limit(&self) -> bool {
        matches!(self, SfError::Api { message, .. } if message.to_ascii_lowercase().contains("concurrent"))
    }

    pub(crate) fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            SfError::InvalidOption { .. } => ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE,
            SfError::UnknownOption { .. } => ERRCODE_FDW_INVALID_OPTION_NAME,
            SfError::SecretOutsideUserMapping { .. } => ERRCODE_FDW_INVALID_OPTION_NAME,
            SfError::MissingOption { .. } => ERRCODE_FDW_OPTION_NAME_NOT_FOUND,
            SfError::NoUserMapping { .. } => ERRCODE_UNDEFINED_OBJECT,
            SfError::UnsupportedColumnType { .. } => ERRCODE_FDW_INVALID_DATA_TYPE,
            SfError::Conversion { .. } => ERRCODE_FDW_INVALID_DATA_TYPE_DESCRIPTORS,
            SfError::Auth { .. } => ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
            SfError::Unreachable { .. } => ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION,
            SfError::Api { code, status, .. } => match code.as_str() {
                "INVALID_FIELD" => ERRCODE_FDW_COLUMN_NAME_NOT_FOUND,
                "INVALID_TYPE" | "NOT_FOUND" => ERRCODE_FDW_TABLE_NOT_FOUND,
                "INVALID_SESSION_ID" => ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
                "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
                    ERRCODE_INSUFFICIENT_PRIVILEGE
                }
                "REQUEST_LIMIT_EXCEEDED" => ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
                _ if *status >= 500 => ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION,
                _ => ERRCODE_FDW_ERROR,
            },
            SfError::ImportObject { .. } => ERRCODE_FDW_TABLE_NOT_FOUND,
            SfError::ApiReserve { .. } => ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            SfError::Protocol { .. } => ERRCODE_FDW_ERROR,
        }
    }

    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            SfError::UnknownOption { accepted, .. } => {
                Some(format!("Valid options here are: {accepted}."))
            }
            SfError::SecretOutsideUserMapping { option, .. } => Some(format!(
                "Put \"{option}\" in CREATE USER MAPPING ... SERVER ... OPTIONS (...), so each role keeps its own credentials."
            )),
            SfError::MissingOption { hint, .. } if !hint.is_empty() => Some(hint.clone()),
            SfError::NoUserMapping { role, server } => Some(format!(
                "CREATE USER MAPPING FOR {role} SERVER {server} OPTIONS (...) with that role's Salesforce credentials (or one FOR PUBLIC)."
            )),
            SfError::UnsupportedColumnType { .. } => Some(
                "Use text, varchar, integer, bigint, numeric, double precision, boolean, date, time, timestamp, timestamptz, jsonb, json or text[].".into(),
            ),
            SfError::Auth { error, description, .. } => Some(auth_hint(error, description)),
            SfError::ApiReserve { .. } => Some(
                "The org's daily API allocation is a rolling 24-hour window: wait, raise the allocation, or lower the server's api_reserve_pct option.".into(),
            ),
            SfError::ImportObject { .. } => Some(
                "LIMIT TO takes API names (\"Invoice__c\") or snake_case names (invoice__c); IMPORT FOREIGN SCHEMA without LIMIT TO imports every object this Salesforce user can query.".into(),
            ),
            SfError::Unreachable { .. } => Some(
                "Check the server's login_url / instance_url options and that the host is reachable from the database server.".into(),
            ),
            SfError::Api { message, object, .. }
                if message.contains("Implementation restriction") =>
            {
                Some(format!(
                    "{} can only be read with the filter Salesforce names: add it to the query's WHERE clause (for example WHERE linked_entity_id = '...') or to the foreign table's soql_where option.",
                    object.as_deref().unwrap_or("This object")
                ))
            }
            SfError::Api { code, object, .. } => match code.as_str() {
                "INVALID_FIELD" => Some(format!(
                    "Check the column names or their \"field\" options against the describe of {}; custom fields end in __c. Salesforce also reports a field the user may not read (field-level security) as missing.",
                    object.as_deref().unwrap_or("the object")
                )),
                "INVALID_TYPE" | "NOT_FOUND" => Some(
                    "Check the foreign table's \"object\" option: it takes the object's API name, e.g. Opportunity or Invoice__c. Salesforce also reports an object the user may not read as unknown: check the user's profile and permission sets.".into(),
                ),
                "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => Some(
                    "The Salesforce user of this user mapping lacks access; grant it in Salesforce (profile or permission set).".into(),
                ),
                "REQUEST_LIMIT_EXCEEDED" if self.is_concurrency_limit() => Some(
                    "Too many long-running requests run at once in this org (25 in production and sandboxes, 5 in Developer Edition): run fewer scans or refreshes at the same time, or retry later. This is not the daily allowance.".into(),
                ),
                "REQUEST_LIMIT_EXCEEDED" => Some(
                    "The org's daily API request allowance is used up; wait for the rolling 24-hour window or raise the limit.".into(),
                ),
                "INVALIDENTITY" | "BULK_JOB_FAILED" | "BULK_JOB_TIMEOUT" => Some(
                    "Set the foreign table's bulk option to 'auto' (REST query pages when a Bulk job cannot serve the scan) or 'off'; the server's bulk_timeout_ms bounds the wait for a job.".into(),
                ),
                "HTTP_431" | "HTTP_414" => Some(
                    "The request was larger than Salesforce's 16,384-byte limit on the request line and headers: shorten long IN lists or the soql_where option.".into(),
                ),
                _ => None,
            },
            _ => None,
        }
    }
}

fn auth_hint(error: &str, description: &str) -> String {
    let description = description.to_ascii_lowercase();
    if error == "invalid_grant" && description.contains("expired") {
        "The refresh token is expired or revoked, or belongs to another environment (production login.salesforce.com vs sandbox test.salesforce.com): check login_url, then get a new refresh token and ALTER USER MAPPING ... OPTIONS (SET refresh_token '...').".into()
    } else if description.contains("app must be installed")
        || description.contains("not admin approved")
        || error == "OAUTH_APPROVAL_ERROR_GENERIC"
        || error == "invalid_app_access"
    {
        "The connected app is not installed or not approved in this org: install it (Setup > Connected Apps OAuth Usage > Install) or set its policy to 'Admin approved users are pre-authorized' and assign it to the integration user's profile or permission set.".into()
    } else if error == "invalid_client_id" || error == "invalid_client" {
        "Check client_id (the consumer key) and client_secret of the connected app, and that login_url points to the org where the app lives.".into()
    } else if error == "invalid_grant" {
        "Check the credentials in the user mapping and that login_url matches the org (production, sandbox, or My Domain).".into()
    } else {
        "Check the server's login_url and the user mapping's credentials.".into()
    }
}

impl From<SfError> for ErrorReport {
    fn from(err: SfError) -> Self {
        let code = err.sqlstate();
        let hint = err.hint();
        let report = ErrorReport::new(code, err.to_string(), "salesforce_fdw");
        match hint {
            Some(hint) => report.set_hint(hint),
            None => report,
        }
    }
}
