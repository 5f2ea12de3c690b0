//! Settings (GUCs) and per-backend counters exposed to SQL.

use std::sync::atomic::{AtomicU64, Ordering};

use pgrx::prelude::*;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// Seconds between progress NOTICEs of a running scan; 0 turns them off (the default, and
/// what cron jobs want).
pub static PROGRESS_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(0);

/// REST calls made by this backend (token requests excluded).
static API_CALLS: AtomicU64 = AtomicU64::new(0);

pub fn register() {
    GucRegistry::define_int_guc(
        c"salesforce_fdw.progress_interval",
        c"Seconds between progress notices of long Salesforce scans (0 = none).",
        c"Each notice gives the rows read so far and the rate. Snapshot refreshes turn it on unless quiet.",
        &PROGRESS_INTERVAL,
        0,
        3600,
        GucContext::Userset,
        GucFlags::UNIT_S,
    );
}

pub fn count_api_call() {
    API_CALLS.fetch_add(1, Ordering::Relaxed);
}

/// The number of Salesforce API calls this session has made so far.
#[pg_extern]
fn api_calls() -> i64 {
    API_CALLS.load(Ordering::Relaxed) as i64
}
