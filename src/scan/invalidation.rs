//! Forgetting what was cached for a server or user mapping when it changes, as postgres_fdw's
//! connection.c does: ALTER/DROP SERVER or USER MAPPING (in this backend or any other) sends a
//! syscache invalidation, and the next statement logs in again and asks describe again with the
//! new options instead of reusing a token or metadata obtained with the old ones.

use std::os::raw::c_int;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::remote::auth;
use crate::scan::metadata;

// utils/inval.h, which pgrx's bindings leave out.
unsafe extern "C-unwind" {
    fn CacheRegisterSyscacheCallback(
        cacheid: c_int,
        func: unsafe extern "C-unwind" fn(pg_sys::Datum, c_int, u32),
        arg: pg_sys::Datum,
    );
}

/// Registers the callbacks; once per backend (from _PG_init).
pub fn register() {
    for cache in [
        pg_sys::SysCacheIdentifier::FOREIGNSERVEROID,
        pg_sys::SysCacheIdentifier::USERMAPPINGOID,
    ] {
        // SAFETY: called from _PG_init on the backend thread; the callback is a static
        // function that lives as long as the backend.
        unsafe {
            CacheRegisterSyscacheCallback(cache as c_int, forget_cached, pg_sys::Datum::from(0))
        };
    }
}

/// Any change of a server or user mapping drops every cached session and all metadata: which
/// entry a catalog row belongs to is not worth tracking for a cache this small.
#[pg_guard]
unsafe extern "C-unwind" fn forget_cached(_arg: pg_sys::Datum, _cache: c_int, _hash: u32) {
    auth::forget_all_sessions();
    metadata::forget_all();
}
