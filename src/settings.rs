//! The extension's settings (GUCs).

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// Seconds between progress NOTICEs of a running scan; 0 turns them off (the default, and
/// what cron jobs want).
pub static PROGRESS_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(0);

/// Whether GROUP BY and aggregates may be computed by Salesforce (when the result is exact).
pub static AGGREGATE_PUSHDOWN: GucSetting<bool> = GucSetting::<bool>::new(true);

/// Whether a join of a child table to its parent on a reference may be read as one query.
pub static JOIN_PUSHDOWN: GucSetting<bool> = GucSetting::<bool>::new(true);

pub fn register() {
    GucRegistry::define_bool_guc(
        c"salesforce_fdw.join_pushdown",
        c"Lets Salesforce answer a join of a child table to its parent table on a reference field (o.account_id = a.id) as one query with relationship fields.",
        c"Off: Postgres joins the rows of both tables. Only inner and left joins on a reference to one object are shipped.",
        &JOIN_PUSHDOWN,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"salesforce_fdw.aggregate_pushdown",
        c"Lets Salesforce compute GROUP BY and aggregates of a foreign table when the result is exactly Postgres's.",
        c"Off: Postgres aggregates the rows it reads. EXPLAIN VERBOSE says why an aggregate was not shipped.",
        &AGGREGATE_PUSHDOWN,
        GucContext::Userset,
        GucFlags::default(),
    );
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
