//! The SQL functions of the extension (besides the snapshot procedures in sql/):
//! `salesforce_fdw.api_calls()`, `salesforce_fdw.api_usage()`, and the column-to-field naming
//! rule the snapshot procedures use (`field_of_column`).

use pgrx::prelude::*;

use crate::error::SfResult;
use crate::pg::catalog;
use crate::remote::connection;

/// (used, max) daily API requests of a server as the current role sees them.
fn daily_api_usage(server_oid: pgrx::pg_sys::Oid) -> SfResult<(u64, u64)> {
    let server = catalog::server(server_oid);
    // SAFETY: GetUserId only reads the backend's current user id.
    let mapping = catalog::user_mapping_or_error(unsafe { pgrx::pg_sys::GetUserId() }, server_oid)?;
    connection::daily_api_usage(&server, &mapping)
}

/// The Salesforce field a column without a `field` option reads (`stage_name` -> `StageName`
/// matched case-insensitively, `tax_rate__c` as it is): the scan's own rule.
#[pg_extern(immutable, parallel_safe)]
fn field_of_column(column: &str) -> String {
    crate::naming::default_field_for_column(column)
}

/// The number of Salesforce API calls this session has made so far.
#[pg_extern]
fn api_calls() -> i64 {
    crate::remote::client::api_calls_made() as i64
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
        .map(|(oid, name)| match daily_api_usage(oid) {
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
        })
        .collect();
    TableIterator::new(rows)
}
