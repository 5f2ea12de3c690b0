//! What differs between the server versions this extension builds for (features pg15, pg17 and
//! pg18; pg13, pg14 and pg16 are not offered, untested):
//! planner calls that gained arguments and fields that changed, behind one signature each.

use std::ptr::null_mut;

use pgrx::pg_sys;

/// The "POSIX" collation (pg_collation.dat: oid 951 in every version; PG 18 dropped its
/// symbol).
pub const POSIX_COLLATION_OID: pg_sys::Oid = pg_sys::Oid::from_u32(951);

/// A ForeignPath over a base relation (no outer relations, no outer plan).
///
/// # Safety
/// Planner arguments of the query being planned.
pub unsafe fn foreignscan_path(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    rows: f64,
    startup_cost: f64,
    total_cost: f64,
    pathkeys: *mut pg_sys::List,
    fdw_private: *mut pg_sys::List,
) -> *mut pg_sys::ForeignPath {
    // SAFETY: the caller's planner arguments; the added arguments are "null_mut()" (no disabled
    // nodes, no restriction clauses the path owns).
    unsafe {
        #[cfg(feature = "pg15")]
        return pg_sys::create_foreignscan_path(
            root,
            rel,
            null_mut(),
            rows,
            startup_cost,
            total_cost,
            pathkeys,
            null_mut(),
            null_mut(),
            fdw_private,
        );
        #[cfg(feature = "pg17")]
        return pg_sys::create_foreignscan_path(
            root,
            rel,
            null_mut(),
            rows,
            startup_cost,
            total_cost,
            pathkeys,
            null_mut(),
            null_mut(),
            null_mut(),
            fdw_private,
        );
        #[cfg(feature = "pg18")]
        return pg_sys::create_foreignscan_path(
            root,
            rel,
            null_mut(),
            rows,
            0,
            startup_cost,
            total_cost,
            pathkeys,
            null_mut(),
            null_mut(),
            null_mut(),
            fdw_private,
        );
    }
}

/// A ForeignPath over an upper relation (grouping) with this target.
///
/// # Safety
/// Planner arguments of the query being planned.
pub unsafe fn foreign_upper_path(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    target: *mut pg_sys::PathTarget,
    rows: f64,
    startup_cost: f64,
    total_cost: f64,
    fdw_private: *mut pg_sys::List,
) -> *mut pg_sys::ForeignPath {
    // SAFETY: as in `foreignscan_path`.
    unsafe {
        #[cfg(feature = "pg15")]
        return pg_sys::create_foreign_upper_path(
            root,
            rel,
            target,
            rows,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            fdw_private,
        );
        #[cfg(feature = "pg17")]
        return pg_sys::create_foreign_upper_path(
            root,
            rel,
            target,
            rows,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            null_mut(),
            fdw_private,
        );
        #[cfg(feature = "pg18")]
        return pg_sys::create_foreign_upper_path(
            root,
            rel,
            target,
            rows,
            0,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            null_mut(),
            fdw_private,
        );
    }
}

/// A ForeignPath over a join relation (unsorted, unparameterized, no outer plan).
///
/// # Safety
/// Planner arguments of the query being planned.
pub unsafe fn foreign_join_path(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    rows: f64,
    startup_cost: f64,
    total_cost: f64,
) -> *mut pg_sys::ForeignPath {
    // SAFETY: as in `foreignscan_path`.
    unsafe {
        let target = (*rel).reltarget;
        #[cfg(feature = "pg15")]
        return pg_sys::create_foreign_join_path(
            root,
            rel,
            target,
            rows,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
        #[cfg(feature = "pg17")]
        return pg_sys::create_foreign_join_path(
            root,
            rel,
            target,
            rows,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
        #[cfg(feature = "pg18")]
        return pg_sys::create_foreign_join_path(
            root,
            rel,
            target,
            rows,
            0,
            startup_cost,
            total_cost,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
    }
}

/// The SOQL direction of a path key's ordering, when it is plain ascending or descending (PG 18
/// replaced pk_strategy by pk_cmptype).
///
/// # Safety
/// `key` must be a valid PathKey.
pub unsafe fn pathkey_direction(key: *const pg_sys::PathKey) -> Option<&'static str> {
    // SAFETY: the caller's valid PathKey.
    unsafe {
        #[cfg(not(feature = "pg18"))]
        return match (*key).pk_strategy as u32 {
            pg_sys::BTLessStrategyNumber => Some("ASC"),
            pg_sys::BTGreaterStrategyNumber => Some("DESC"),
            _ => None,
        };
        #[cfg(feature = "pg18")]
        return match (*key).pk_cmptype {
            pg_sys::CompareType::COMPARE_LT => Some("ASC"),
            pg_sys::CompareType::COMPARE_GT => Some("DESC"),
            _ => None,
        };
    }
}

/// Whether `jointype` is a semi-join in any of its forms (PG 18 added JOIN_RIGHT_SEMI, the
/// same join with its sides swapped).
pub fn is_semi_join(jointype: pg_sys::JoinType::Type) -> bool {
    #[cfg(feature = "pg18")]
    if jointype == pg_sys::JoinType::JOIN_RIGHT_SEMI {
        return true;
    }
    matches!(
        jointype,
        pg_sys::JoinType::JOIN_SEMI
            | pg_sys::JoinType::JOIN_UNIQUE_INNER
            | pg_sys::JoinType::JOIN_UNIQUE_OUTER
    )
}

/// Whether `jointype` is an anti-join in any of its forms (PG 16 added JOIN_RIGHT_ANTI).
pub fn is_anti_join(jointype: pg_sys::JoinType::Type) -> bool {
    #[cfg(any(feature = "pg17", feature = "pg18"))]
    if jointype == pg_sys::JoinType::JOIN_RIGHT_ANTI {
        return true;
    }
    jointype == pg_sys::JoinType::JOIN_ANTI
}
