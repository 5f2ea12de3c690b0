//! Row estimates for the planner: the object's record count from `/limits/recordCount`,
//! fetched once per backend, server, user and object. Planning never fails because of it:
//! when Salesforce cannot be asked (no user mapping, unreachable, no permission), a default is
//! used and remembered, so planning does not wait on the network again.

use std::collections::HashMap;
use std::sync::Mutex;

use pgrx::pg_sys;
use pgrx::PgTryBuilder;

use crate::client::SalesforceClient;
use crate::options::{AuthMethod, ServerOptions};
use crate::scan::catalog;

/// Rows assumed when the count is unknown.
pub const DEFAULT_ROWS: f64 = 1000.0;
/// Quick limits for a plan-time call.
const ESTIMATE_TIMEOUT_MS: u64 = 10_000;

/// (server, user, object) -> record count, None when it could not be had.
type CountCache = HashMap<(u32, u32, String), Option<u64>>;

static COUNTS: Mutex<Option<CountCache>> = Mutex::new(None);

/// Estimated rows of `object` before any WHERE clause.
pub fn object_rows(server_oid: pg_sys::Oid, object: &str) -> f64 {
    let user = unsafe { pg_sys::GetUserId() };
    let key = (
        server_oid.to_u32(),
        user.to_u32(),
        object.to_ascii_lowercase(),
    );
    if let Some(known) = COUNTS
        .lock()
        .ok()
        .and_then(|c| c.as_ref()?.get(&key).cloned())
    {
        return known.map(|n| n as f64).unwrap_or(DEFAULT_ROWS);
    }
    let count = fetch_count(server_oid, user, object);
    if let Ok(mut guard) = COUNTS.lock() {
        guard.get_or_insert_with(HashMap::new).insert(key, count);
    }
    count.map(|n| n as f64).unwrap_or(DEFAULT_ROWS)
}

fn fetch_count(server_oid: pg_sys::Oid, user: pg_sys::Oid, object: &str) -> Option<u64> {
    // A missing user mapping raises a Postgres error: here it only means "no estimate".
    let mapping = PgTryBuilder::new(|| Some(catalog::user_mapping_options(user, server_oid)))
        .catch_others(|_| None)
        .execute()?;
    let server = catalog::server(server_oid);
    let mut options = ServerOptions::from_map(&server.options).ok()?;
    options.request_timeout_ms = options.request_timeout_ms.min(ESTIMATE_TIMEOUT_MS);
    let auth = AuthMethod::from_options(&server.options, &mapping).ok()?;
    let mut client = SalesforceClient::new(options, auth).ok()?;
    client.record_count(object).ok().flatten()
}
