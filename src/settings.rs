//! The extension's settings (GUCs).

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting};

/// Seconds between progress NOTICEs of a running scan; 0 turns them off (the default, and
/// what cron jobs want).
pub static PROGRESS_INTERVAL: GucSetting<i32> = GucSetting::<i32>::new(0);

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
