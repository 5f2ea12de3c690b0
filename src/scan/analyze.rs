//! ANALYZE of a foreign table: the row count Salesforce reports (`/limits/recordCount`) becomes
//! pg_class.reltuples, which planning then uses instead of asking Salesforce. No rows are
//! sampled (column statistics would mean reading the object), so ANALYZE costs one API call.

use std::os::raw::c_int;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::pg::catalog;
use crate::scan::{metadata, report};

/// AnalyzeForeignTable: every salesforce_fdw table can be analyzed.
#[pg_guard]
pub unsafe extern "C-unwind" fn analyze_foreign_table(
    _relation: pg_sys::Relation,
    func: *mut pg_sys::AcquireSampleRowsFunc,
    totalpages: *mut pg_sys::BlockNumber,
) -> bool {
    // SAFETY: ANALYZE passes valid out-pointers for the sampling function and the page count.
    unsafe {
        *func = Some(acquire_sample_rows);
        *totalpages = 1;
    }
    true
}

/// The row count as the number of live rows, and no sample.
#[pg_guard]
unsafe extern "C-unwind" fn acquire_sample_rows(
    relation: pg_sys::Relation,
    _elevel: c_int,
    _rows: *mut pg_sys::HeapTuple,
    _targrows: c_int,
    totalrows: *mut f64,
    totaldeadrows: *mut f64,
) -> c_int {
    // SAFETY: ANALYZE passes the open relation being analyzed and valid out-pointers.
    unsafe {
        let (server_oid, options) = catalog::table_options((*relation).rd_id);
        let object = options
            .get("object")
            .map(|o| o.trim().to_string())
            .unwrap_or_default();
        let count = report(metadata::record_count_now(server_oid, &object));
        *totalrows = count as f64;
        *totaldeadrows = 0.0;
    }
    0
}
