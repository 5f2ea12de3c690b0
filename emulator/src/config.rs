//! Command-line configuration.

use clap::Parser;
use std::path::PathBuf;

pub const DEMO_CLIENT_ID: &str = "sf-emulator-client";
pub const DEMO_CLIENT_SECRET: &str = "sf-emulator-secret";
pub const DEMO_REFRESH_TOKEN: &str = "sf-emulator-refresh";
pub const UNINSTALLED_CLIENT_ID: &str = "sf-emulator-uninstalled-app";

/// What a GROUP BY query with more than 2,000 result rows gets (SALESFORCE.md 12.15).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AggregateOverflow {
    /// 400 MALFORMED_QUERY "Aggregate query does not support queryMore(), ...".
    #[default]
    Error,
    /// The first 2,000 rows, `done: true`.
    Truncate,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "sf-emulator",
    version,
    about = "Local, deterministic emulator of the Salesforce REST API"
)]
pub struct Config {
    /// TCP port on 127.0.0.1 (0 = pick a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed of the generated org data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Size factor: 1000·K opportunities, 200·K accounts, ...
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Daily API request allocation reported in Sforce-Limit-Info and /limits.
    #[arg(long, default_value_t = 100_000)]
    pub api_limit: u64,
    /// PEM public key that verifies JWT-bearer assertions (RS256).
    #[arg(long)]
    pub jwt_public_key: Option<PathBuf>,
    /// OAuth client id (consumer key) the org accepts.
    #[arg(long, default_value = DEMO_CLIENT_ID)]
    pub client_id: String,
    /// OAuth client secret the org accepts.
    #[arg(long, default_value = DEMO_CLIENT_SECRET)]
    pub client_secret: String,
    /// Refresh token the org accepts.
    #[arg(long, default_value = DEMO_REFRESH_TOKEN)]
    pub refresh_token: String,
    /// A client id whose app exists but is not installed (approved) in the org: its token
    /// requests get OAUTH_APPROVAL_ERROR_GENERIC, "app must be installed into org".
    #[arg(long, default_value = UNINSTALLED_CLIENT_ID)]
    pub uninstalled_client_id: String,
    /// Load extra object metadata from real describe JSON files in this directory
    /// (values are generated per field type).
    #[arg(long)]
    pub describe_dir: Option<PathBuf>,
    /// Sleep this many ms before answering each /services/data/... request.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Send each /services/data/... response body at most N bytes per second (per response,
    /// so per connection; counted after gzip; 0 = unlimited).
    #[arg(long, default_value_t = 0)]
    pub bandwidth_bytes_per_sec: u64,
    /// Fraction (0..1) of /services/data/... requests answered 503 SERVER_UNAVAILABLE.
    #[arg(long = "fault-503-rate", default_value_t = 0.0)]
    pub fault_503_rate: f64,
    /// Fraction (0..1) of /services/data/... requests whose connection is dropped.
    #[arg(long, default_value_t = 0.0)]
    pub fault_drop_rate: f64,
    /// Every Nth authenticated API request first invalidates all issued tokens (0 = off).
    #[arg(long, default_value_t = 0)]
    pub expire_sessions_every: u64,
    /// Seed of the random fault sequence.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Bulk API 2.0 query jobs: time from creation to JobComplete (ms).
    #[arg(long, default_value_t = 300)]
    pub bulk_delay_ms: u64,
    /// Adds the custom object Wide__c with this many custom fields (0 = no such object).
    #[arg(long, default_value_t = 0)]
    pub wide_object_fields: usize,
    /// Refresh-token rotation: each refresh grant returns a new refresh_token and
    /// invalidates the one used.
    #[arg(long, default_value_t = false)]
    pub rotate_refresh_tokens: bool,
    /// Bulk results requests whose Accept header does not admit text/csv get 406 (HTML).
    #[arg(long, default_value_t = false)]
    pub bulk_strict_accept: bool,
    /// Fraction (0..1) of /services/data/... requests answered 420 (edge HTML body).
    #[arg(long = "fault-420-rate", default_value_t = 0.0)]
    pub fault_420_rate: f64,
    /// Fraction (0..1) of /services/data/... requests answered 406 (edge HTML body).
    #[arg(long = "fault-406-rate", default_value_t = 0.0)]
    pub fault_406_rate: f64,
    /// Bulk query jobs wait this many ms in UploadComplete (the queue) before processing
    /// starts (on top of --bulk-delay-ms).
    #[arg(long, default_value_t = 0)]
    pub bulk_queue_ms: u64,
    /// Records per results page when the client does not say (results without maxRecords,
    /// and each resultUrl of resultPages).
    #[arg(long, default_value_t = 50_000)]
    pub bulk_page_records: usize,
    /// No `GET .../jobs/query/{id}/resultPages` (as before API v58.0): 404.
    #[arg(long)]
    pub no_result_pages: bool,
    /// Leaves out the formula field Invoice__c.Account_Name__c.
    #[arg(long, default_value_t = false)]
    pub no_formula_fields: bool,
    /// Leaves out the state and country picklist code fields (Account BillingStateCode,
    /// BillingCountryCode, ShippingStateCode, ShippingCountryCode).
    #[arg(long, default_value_t = false)]
    pub no_address_codes: bool,
    /// GROUP BY answers of more than 2,000 rows: `error` (400) or `truncate` (first 2,000).
    #[arg(long, value_enum, default_value_t = AggregateOverflow::Error)]
    pub aggregate_overflow: AggregateOverflow,
    /// Aggregate queries (and COUNT()) over more than N rows after WHERE answer 400
    /// QUERY_TIMEOUT (0 = off).
    #[arg(long, default_value_t = 0)]
    pub aggregate_timeout_rows: u64,
}

impl Config {
    /// The fault settings given on the command line.
    pub fn fault_settings(&self) -> crate::faults::FaultSettings {
        crate::faults::FaultSettings {
            latency_ms: self.latency_ms,
            error_rate: self.fault_503_rate,
            drop_rate: self.fault_drop_rate,
            expire_every: self.expire_sessions_every,
            seed: self.fault_seed,
            rate_420: self.fault_420_rate,
            rate_406: self.fault_406_rate,
            aggregate_timeout_rows: self.aggregate_timeout_rows,
            bandwidth_bytes_per_sec: self.bandwidth_bytes_per_sec,
            ..Default::default()
        }
    }

    /// The limits of aggregate queries given on the command line.
    pub fn aggregate_limits(&self) -> crate::soql::aggregate::AggregateLimits {
        crate::soql::aggregate::AggregateLimits {
            overflow: self.aggregate_overflow,
            timeout_rows: self.aggregate_timeout_rows,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            seed: 42,
            scale: 1.0,
            api_limit: 100_000,
            jwt_public_key: None,
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            refresh_token: DEMO_REFRESH_TOKEN.into(),
            uninstalled_client_id: UNINSTALLED_CLIENT_ID.into(),
            describe_dir: None,
            latency_ms: 0,
            bandwidth_bytes_per_sec: 0,
            fault_503_rate: 0.0,
            fault_drop_rate: 0.0,
            expire_sessions_every: 0,
            fault_seed: 0,
            bulk_delay_ms: 300,
            wide_object_fields: 0,
            rotate_refresh_tokens: false,
            bulk_strict_accept: false,
            fault_420_rate: 0.0,
            fault_406_rate: 0.0,
            bulk_queue_ms: 0,
            bulk_page_records: 50_000,
            no_result_pages: false,
            no_formula_fields: false,
            no_address_codes: false,
            aggregate_overflow: AggregateOverflow::Error,
            aggregate_timeout_rows: 0,
        }
    }
}
