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

/// Daily API requests per Salesforce server the current role has a user mapping for, asked
/// live from `/limits` (one API call per server); also what the governor then knows.
// pgrx needs the column names (name!) spelled in the signature itself, so no type alias.
#[allow(clippy::type_complexity)]
#[pg_extern]
fn api_usage() -> TableIterator<
    'static,
    (
        name!(server, String),
        name!(used, Option<i64>),
        name!(max, Option<i64>),
        name!(remaining_pct, Option<f64>),
        name!(checked_at, TimestampWithTimeZone),
        name!(error, Option<String>),
    ),
> {
    let servers: Vec<(pgrx::pg_sys::Oid, String)> = Spi::connect(|client| {
        client
            .select(
                "SELECT s.oid, s.srvname::text FROM pg_foreign_server s \
                 JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw \
                 WHERE w.fdwname = 'salesforce_fdw' ORDER BY s.srvname",
                None,
                &[],
            )?
            .map(|row| {
                Ok((
                    row.get::<pgrx::pg_sys::Oid>(1)?.unwrap_or_default(),
                    row.get::<String>(2)?.unwrap_or_default(),
                ))
            })
            .collect::<Result<Vec<_>, pgrx::spi::Error>>()
    })
    .unwrap_or_default();
    let now = || {
        TimestampWithTimeZone::try_from(unsafe { pgrx::pg_sys::GetCurrentTimestamp() })
            .unwrap_or(TimestampWithTimeZone::negative_infinity())
    };
    let rows: Vec<_> = servers
        .into_iter()
        .map(
            |(oid, name)| match crate::fdw::SalesforceFdw::daily_api_usage(oid) {
                Ok((used, max)) => {
                    let remaining = if max > 0 {
                        Some(100.0 * (max.saturating_sub(used)) as f64 / max as f64)
                    } else {
                        None
                    };
                    (
                        name,
                        Some(used as i64),
                        Some(max as i64),
                        remaining,
                        now(),
                        None,
                    )
                }
                Err(e) => (name, None, None, None, now(), Some(e.to_string())),
            },
        )
        .collect();
    TableIterator::new(rows)
}
