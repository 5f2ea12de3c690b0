//! Our scan callbacks, installed over supabase-wrappers' own (DESIGN.md section 6):
//! - the plan keeps only a copyable string node (the serialised `ScanPlan`) in `fdw_private`,
//!   never a pointer, so cached plans can be executed again and again;
//! - BeginForeignScan builds fresh executor state, owned by a reset callback of the query's
//!   memory context, so it is freed on success, error or cancel alike;
//! - each row's datums live in a per-row memory context that is reset before the next row.

pub mod analyze;
pub mod bulk;
pub mod deparse;
pub mod grouped_rows;
pub mod invalidation;
pub mod join;
pub mod limit;
pub mod metadata;
pub mod plan;
pub mod prefetch;
pub mod rescan_cache;
pub mod rows;
pub mod session;
pub mod sort;
pub mod split;
pub mod upper;

use std::ffi::{c_void, CStr, CString};
use std::os::raw::c_int;
use std::ptr;

use pgrx::memcxt::PgMemoryContexts;
use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::error::SfError;
use crate::options::TableOptions;
use crate::options::{BulkMode, ServerOptions};
use crate::pg::{catalog, compat};
use crate::pushdown::{Cond, Value};
use plan::ScanPlan;
use session::ScanSession;

/// Cost of starting a scan: a token check and a round trip.
const STARTUP_COST: f64 = 100.0;
/// Per-row cost: JSON over HTTP is far dearer than a local tuple.
const ROW_COST: f64 = 0.05;
/// Bytes a record of a lookup scan takes in memory, about (its JSON): objects whose rows fit in
/// work_mem at this size are read whole once for a lookup scan rescanned with new keys,
/// instead of one request per key (`SET work_mem` lets bigger objects be indexed).
const LOOKUP_ROW_BYTES: f64 = 100.0;
/// Requests of a Bulk API 2.0 read of one results page: create, poll, resultPages, the page,
/// delete.
const BULK_READ_REQUESTS: u64 = 5;

pub fn install(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
    routine.GetForeignRelSize = Some(get_foreign_rel_size);
    routine.GetForeignPaths = Some(get_foreign_paths);
    routine.GetForeignPlan = Some(get_foreign_plan);
    routine.BeginForeignScan = Some(begin_foreign_scan);
    routine.IterateForeignScan = Some(iterate_foreign_scan);
    routine.ReScanForeignScan = Some(rescan_foreign_scan);
    routine.EndForeignScan = Some(end_foreign_scan);
    routine.ExplainForeignScan = Some(explain_foreign_scan);
    routine.AnalyzeForeignTable = Some(analyze::analyze_foreign_table);
    // Ours, not the framework's (which ignores WHERE clauses it cannot translate).
    routine.GetForeignUpperPaths = Some(upper::get_foreign_upper_paths);
    routine.GetForeignJoinPaths = Some(join::get_foreign_join_paths);
    // Read-only: Postgres then refuses INSERT/UPDATE/DELETE on our tables by itself.
    routine.AddForeignUpdateTargets = None;
    routine.PlanForeignModify = None;
    routine.BeginForeignModify = None;
    routine.ExecForeignInsert = None;
    routine.ExecForeignUpdate = None;
    routine.ExecForeignDelete = None;
    routine.EndForeignModify = None;
}

pub(crate) fn report<T>(result: Result<T, SfError>) -> T {
    use pgrx::pg_sys::panic::{ErrorReport, ErrorReportable};
    result.map_err(ErrorReport::from).unwrap_or_report()
}

/// Attribute numbers the query reads from this relation (0 means the whole row).
unsafe fn needed_attnums(baserel: *mut pg_sys::RelOptInfo, all: &[i16]) -> Vec<i16> {
    unsafe {
        let relid = (*baserel).relid;
        let mut attrs: *mut pg_sys::Bitmapset = ptr::null_mut();
        pg_sys::pull_varattnos(
            (*(*baserel).reltarget).exprs as *mut pg_sys::Node,
            relid,
            &mut attrs,
        );
        let restrictions = (*baserel).baserestrictinfo;
        if !restrictions.is_null() {
            for i in 0..(*restrictions).length as usize {
                let info =
                    (*(*restrictions).elements.add(i)).ptr_value as *mut pg_sys::RestrictInfo;
                pg_sys::pull_varattnos((*info).clause as *mut pg_sys::Node, relid, &mut attrs);
            }
        }
        let attnums = attnums_of(attrs);
        if attnums.contains(&0) {
            return all.to_vec();
        }
        attnums.into_iter().filter(|&attnum| attnum > 0).collect()
    }
}

/// A List of the expressions (in planner memory).
///
/// # Safety
/// Each pointer must be a valid expression node.
pub(crate) unsafe fn expr_list(exprs: &[*mut pg_sys::Expr]) -> *mut pg_sys::List {
    // SAFETY: lappend copies the pointers into a new List (caller: valid nodes).
    unsafe {
        exprs.iter().fold(ptr::null_mut(), |list, expr| {
            pg_sys::lappend(list, *expr as *mut c_void)
        })
    }
}

/// The members of a Bitmapset, in order.
///
/// # Safety
/// `set` must be a valid Bitmapset or null (the empty set).
pub(crate) unsafe fn bitmapset_members(set: *const pg_sys::Bitmapset) -> Vec<i32> {
    // SAFETY: bms_next_member only reads the set (caller).
    unsafe {
        let mut members = Vec::new();
        let mut member = -1;
        loop {
            member = pg_sys::bms_next_member(set, member);
            if member < 0 {
                return members;
            }
            members.push(member);
        }
    }
}

/// The attribute numbers of a set `pull_varattnos` made (it offsets them so that system
/// columns fit; 0 is the whole row).
///
/// # Safety
/// As `bitmapset_members`.
pub(crate) unsafe fn attnums_of(set: *const pg_sys::Bitmapset) -> Vec<i16> {
    // SAFETY: as bitmapset_members (caller).
    unsafe {
        bitmapset_members(set)
            .into_iter()
            .map(|member| (member + pg_sys::FirstLowInvalidHeapAttributeNumber) as i16)
            .collect()
    }
}

fn plan_to_node(plan: &ScanPlan) -> *mut pg_sys::Node {
    let text = CString::new(plan.to_text()).expect("JSON has no NUL bytes");
    unsafe { pg_sys::makeString(pg_sys::pstrdup(text.as_ptr())) as *mut pg_sys::Node }
}

unsafe fn plan_from_node(node: *mut c_void) -> ScanPlan {
    unsafe {
        let string = node as *mut pg_sys::String;
        ScanPlan::from_text(&CStr::from_ptr((*string).sval).to_string_lossy())
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_rel_size(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    unsafe {
        let (server_oid, table_options) = catalog::table_options(foreigntableid);
        let (table_name, columns) = catalog::table_columns(foreigntableid);
        let options = report(TableOptions::from_map(&table_options, &table_name));
        let all: Vec<i16> = columns.iter().map(|c| c.attnum).collect();
        let needed = needed_attnums(baserel, &all);
        let mut plan = report(ScanPlan::build(
            server_oid.to_u32(),
            &table_name,
            &options,
            &columns,
            &needed,
        ));
        // A view's owner, when the table is read through one: execution uses the same mapping.
        plan.check_as_user = Some((*baserel).userid.to_u32()).filter(|u| *u != 0);
        let user = catalog::acting_user(baserel);
        plan.text_may_hold_nul = report(ServerOptions::from_map(
            &catalog::server(server_oid).options,
        ))
        .text_may_hold_nul;
        let selectivity = pg_sys::clauselist_selectivity(
            root,
            (*baserel).baserestrictinfo,
            0,
            pg_sys::JoinType::JOIN_INNER,
            ptr::null_mut(),
        );
        // ANALYZE stores Salesforce's row count in reltuples (-1: never analyzed).
        let object_rows = if (*baserel).tuples >= 0.0 {
            (*baserel).tuples
        } else {
            metadata::table_meta(foreigntableid, user).rows()
        };
        (*baserel).rows = (object_rows * selectivity).max(1.0).round();
        // (the planner raises `tuples` to `rows` afterwards: the object's rows are kept here)
        plan.object_rows = object_rows;
        (*baserel).fdw_private = plan_to_node(&plan) as *mut c_void;
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_paths(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
) {
    unsafe {
        let rows = (*baserel).rows;
        let total = STARTUP_COST + rows * ROW_COST;
        let path = compat::foreignscan_path(
            root,
            baserel,
            rows,
            STARTUP_COST,
            total,
            ptr::null_mut(),
            ptr::null_mut(),
        );
        pg_sys::add_path(baserel, path as *mut pg_sys::Path);

        // A second path sorted by Salesforce, when the query's order can be pushed: a little
        // dearer than the unsorted one, far cheaper than sorting locally.
        let pathkeys = (*root).query_pathkeys;
        let refs = column_refs(foreigntableid, catalog::acting_user(baserel));
        let wide = plan_from_node((*baserel).fdw_private).wide;
        let order_by = if wide {
            None
        } else {
            sort::order_by_for_pathkeys(pathkeys, baserel, &refs)
        };
        if let Some(order_by) = order_by {
            let order = CString::new(serde_json::to_string(&order_by).unwrap_or_default())
                .unwrap_or_default();
            let private = pg_sys::lappend(
                ptr::null_mut(),
                pg_sys::makeString(pg_sys::pstrdup(order.as_ptr())) as *mut c_void,
            );
            let sorted = compat::foreignscan_path(
                root,
                baserel,
                rows,
                STARTUP_COST,
                total * 1.05,
                pathkeys,
                private,
            );
            pg_sys::add_path(baserel, sorted as *mut pg_sys::Path);
        }
    }
}

/// The table's columns as the deparser and sort pushdown see them, with what describe says of
/// their fields.
unsafe fn column_refs(table_oid: pg_sys::Oid, user: pg_sys::Oid) -> Vec<deparse::ColumnRef> {
    let (_, columns) = unsafe { catalog::table_columns(table_oid) };
    let meta = Some(unsafe { metadata::table_meta(table_oid, user) });
    columns
        .iter()
        .map(|c| {
            let field = plan::field_of(c);
            let info = meta.as_ref().and_then(|m| m.field(&field)).cloned();
            // A multi-currency org sorts currency fields by their value converted to the
            // corporate currency, not by the number the column shows (SALESFORCE.md 12.1).
            let converted_order = info.as_ref().is_some_and(|i| i.sf_type == "currency")
                && meta.as_ref().is_some_and(|m| m.multi_currency());
            deparse::ColumnRef {
                attnum: c.attnum,
                type_oid: c.type_oid,
                class: deparse::column_class(c.type_oid, c.typmod, &field, info.as_ref()),
                sortable: info.as_ref().is_some_and(|i| i.sortable) && !converted_order,
                field,
            }
        })
        .collect()
}

#[pg_guard]
unsafe extern "C-unwind" fn get_foreign_plan(
    root: *mut pg_sys::PlannerInfo,
    baserel: *mut pg_sys::RelOptInfo,
    foreigntableid: pg_sys::Oid,
    best_path: *mut pg_sys::ForeignPath,
    tlist: *mut pg_sys::List,
    scan_clauses: *mut pg_sys::List,
    outer_plan: *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan {
    unsafe {
        if (*baserel).reloptkind == pg_sys::RelOptKind::RELOPT_UPPER_REL {
            return upper::plan(best_path, tlist, outer_plan);
        }
        if (*baserel).reloptkind == pg_sys::RelOptKind::RELOPT_JOINREL {
            return join::plan(baserel, tlist, outer_plan);
        }
        let mut plan = plan_from_node((*baserel).fdw_private);
        let user = catalog::acting_user(baserel);
        let refs = column_refs(foreigntableid, user);
        // The sorted path carries its SOQL ORDER BY items.
        let path_private = (*best_path).fdw_private;
        if !path_private.is_null() {
            let text = CStr::from_ptr((*(list_nth(path_private, 0) as *mut pg_sys::String)).sval);
            plan.order_by = serde_json::from_str(&text.to_string_lossy()).unwrap_or_default();
        }

        // Each clause is shipped exactly (evaluated by Salesforce only), shipped as a superset
        // (and rechecked here), or kept local.
        let mut deparser = deparse::Deparser::new((*baserel).relid, &refs);
        let conditions = deparser.sort_conditions(scan_clauses);
        plan.pushed.extend(conditions.pushed);
        let local_clauses = expr_list(&conditions.local);
        // What Salesforce alone evaluates, for EvalPlanQual rechecks (as postgres_fdw does).
        let recheck_clauses = expr_list(&conditions.exact);
        plan.param_count = deparser.params.len();
        if plan.pushed.iter().any(Cond::wants_deleted_rows) {
            plan.all_rows = true;
        }
        plan.local_clauses = list_len(local_clauses);
        if local_clauses.is_null() && !plan.wide {
            let sorted_by_us = !(*best_path).path.pathkeys.is_null()
                && pg_sys::pathkeys_contained_in((*root).sort_pathkeys, (*best_path).path.pathkeys);
            plan.limit = limit::pushable_limit(root, sorted_by_us);
        }
        choose_bulk(&mut plan, (*baserel).rows, || {
            metadata::table_meta(foreigntableid, user)
        });
        // A correlated lookup by key on an object small enough to read whole once.
        let object_rows = plan.object_rows;
        let work_mem_bytes = session::work_mem_bytes() as f64;
        if !plan.bulk && !plan.wide && object_rows * LOOKUP_ROW_BYTES <= work_mem_bytes {
            let server = catalog::server(pg_sys::Oid::from(plan.server_oid));
            let batch = ServerOptions::from_map(&server.options).map_or(2000, |o| o.batch_size);
            let pages = (object_rows / batch as f64).ceil().max(1.0) as u64;
            // A Bulk job reads them all in a handful of requests, however many pages.
            let bulk = pages > BULK_READ_REQUESTS
                && plan.bulk_mode != BulkMode::Off
                && bulk::obstacle(&plan, &metadata::table_meta(foreigntableid, user)).is_none();
            let requests = if bulk { BULK_READ_REQUESTS } else { pages };
            plan.lookup = plan.find_lookup(requests, bulk);
        }
        let fdw_exprs = expr_list(&deparser.params);

        let fdw_private = pg_sys::lappend(ptr::null_mut(), plan_to_node(&plan) as *mut c_void);
        pg_sys::make_foreignscan(
            tlist,
            local_clauses,
            (*baserel).relid,
            fdw_exprs,
            fdw_private,
            ptr::null_mut(),
            recheck_clauses,
            outer_plan,
        )
    }
}

/// Whether the scan reads through a Bulk API 2.0 job: as its table's `bulk` option says, with
/// 'auto' when more rows are expected than the server's bulk_threshold; when Bulk is wanted but
/// cannot serve the scan, the reason is kept for EXPLAIN.
fn choose_bulk(
    plan: &mut ScanPlan,
    rows: f64,
    meta: impl FnOnce() -> std::sync::Arc<metadata::ObjectMeta>,
) {
    let wanted = match plan.bulk_mode {
        BulkMode::On => true,
        BulkMode::Off => false,
        BulkMode::Auto => {
            let server = catalog::server(pg_sys::Oid::from(plan.server_oid));
            ServerOptions::from_map(&server.options)
                .map(|o| rows > o.bulk_threshold as f64)
                .unwrap_or(false)
        }
    };
    if wanted {
        match bulk::obstacle(plan, &meta()) {
            None => plan.bulk = true,
            Some(reason) => plan.bulk_note = Some(reason),
        }
    }
}

unsafe fn list_len(list: *mut pg_sys::List) -> usize {
    if list.is_null() {
        0
    } else {
        unsafe { (*list).length as usize }
    }
}

unsafe fn list_nth(list: *mut pg_sys::List, n: usize) -> *mut c_void {
    unsafe { (*(*list).elements.add(n)).ptr_value }
}

/// Executor state of one scan node.
struct ExecState {
    plan: ScanPlan,
    session: Option<ScanSession>,
    row_context: pg_sys::MemoryContext,
    /// Runtime parameters of the pushed conditions (`fdw_exprs`), evaluated per (re)scan.
    params: Vec<(*mut pg_sys::ExprState, pg_sys::Oid)>,
    /// The SOQL of the current scan, for EXPLAIN ANALYZE.
    soql: Option<String>,
    /// Its split into several REST queries, when it is too wide for one request.
    split: Option<split::SplitQueries>,
    /// An aggregate Postgres computes after all, and why (EXPLAIN ANALYZE).
    fallback: Option<grouped_rows::Fallback>,
    fallback_reason: Option<String>,
    /// Rescans of a lookup scan before its index is built.
    new_keys: u64,
    /// The row of an aggregate over no rows has been returned (this scan sent nothing).
    empty_answer_given: bool,
}

/// Evaluates the runtime parameters in the per-row context (their values are copied out).
unsafe fn evaluate_params(node: *mut pg_sys::ForeignScanState, state: &ExecState) -> Vec<Value> {
    unsafe {
        let econtext = (*node).ss.ps.ps_ExprContext;
        PgMemoryContexts::For(state.row_context).switch_to(|_| {
            state
                .params
                .iter()
                .map(|(expr_state, type_oid)| {
                    let mut is_null = false;
                    let datum = match (**expr_state).evalfunc {
                        // SAFETY: the expression state was built by ExecInitExpr for this
                        // node; evaluating it can raise an ERROR (a bad parameter), which the
                        // FFI boundary turns into a panic instead of a longjmp across these
                        // frames, and the callback's #[pg_guard] re-raises it. Backend thread.
                        Some(eval) => pg_sys::ffi::pg_guard_ffi_boundary(|| {
                            eval(*expr_state, econtext, &mut is_null)
                        }),
                        None => return Value::Unrenderable,
                    };
                    deparse::datum_to_value(datum, is_null, *type_oid)
                })
                .collect()
        })
    }
}

unsafe fn exec_state<'a>(node: *mut pg_sys::ForeignScanState) -> Option<&'a mut ExecState> {
    unsafe { ((*node).fdw_state as *mut ExecState).as_mut() }
}

/// Runs when the query's memory context goes away: after EndForeignScan, or on error/cancel
/// when EndForeignScan never runs.
#[pg_guard]
unsafe extern "C-unwind" fn drop_exec_state(arg: *mut c_void) {
    unsafe {
        drop(Box::from_raw(arg as *mut ExecState));
    }
}

unsafe fn scan_plan(node: *mut pg_sys::ForeignScanState) -> ScanPlan {
    unsafe {
        let plan = (*node).ss.ps.plan as *mut pg_sys::ForeignScan;
        let private = (*plan).fdw_private;
        plan_from_node((*(*private).elements.add(0)).ptr_value)
    }
}

/// The role whose user mapping this scan uses: the view owner planning saw, else the caller
/// (the same rule as `catalog::acting_user` at planning).
fn scan_user(plan: &ScanPlan) -> pg_sys::Oid {
    match plan.check_as_user {
        Some(user) => pg_sys::Oid::from(user),
        // SAFETY: GetUserId only reads the backend's current user id.
        None => unsafe { pg_sys::GetUserId() },
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn begin_foreign_scan(node: *mut pg_sys::ForeignScanState, eflags: c_int) {
    unsafe {
        let plan = scan_plan(node);
        let estate = (*node).ss.ps.state;
        let query_context = (*estate).es_query_cxt;
        let explain_only = eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0;

        let row_context = pg_sys::AllocSetContextCreateExtended(
            query_context,
            c"salesforce_fdw per-row".as_ptr(),
            pg_sys::ALLOCSET_DEFAULT_MINSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_INITSIZE as usize,
            pg_sys::ALLOCSET_DEFAULT_MAXSIZE as usize,
        );
        let foreign_scan = (*node).ss.ps.plan as *mut pg_sys::ForeignScan;
        let fdw_exprs = (*foreign_scan).fdw_exprs;
        let mut params = Vec::new();
        for i in 0..list_len(fdw_exprs) {
            let expr = list_nth(fdw_exprs, i) as *mut pg_sys::Expr;
            let expr_state = pg_sys::ExecInitExpr(expr, node as *mut pg_sys::PlanState);
            params.push((expr_state, pg_sys::exprType(expr as *mut pg_sys::Node)));
        }
        let state = Box::into_raw(Box::new(ExecState {
            plan,
            session: None,
            row_context,
            params,
            soql: None,
            split: None,
            fallback: None,
            fallback_reason: None,
            new_keys: 0,
            empty_answer_given: false,
        }));
        // Registered before any network call, so the state is freed even if that call fails.
        let callback = pg_sys::MemoryContextAllocZero(
            query_context,
            std::mem::size_of::<pg_sys::MemoryContextCallback>(),
        ) as *mut pg_sys::MemoryContextCallback;
        (*callback).func = Some(drop_exec_state);
        (*callback).arg = state as *mut c_void;
        pg_sys::MemoryContextRegisterResetCallback(query_context, callback);
        (*node).fdw_state = state as *mut c_void;

        if !explain_only {
            let state = &mut *state;
            let values = evaluate_params(node, state);
            state.soql = state.plan.soql(&values);
            state.split = state.plan.split(&values);
            let server = catalog::server(pg_sys::Oid::from(state.plan.server_oid));
            let mapping = report(catalog::user_mapping_or_error(
                scan_user(&state.plan),
                server.server_oid,
            ));
            let mut session = report(ScanSession::new(server));
            report(session.start(
                &state.plan,
                state.soql.clone(),
                state.split.clone(),
                &mapping,
            ));
            state.session = Some(session);
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn iterate_foreign_scan(
    node: *mut pg_sys::ForeignScanState,
) -> *mut pg_sys::TupleTableSlot {
    unsafe {
        let slot = (*node).ss.ss_ScanTupleSlot;
        if let Some(clear) = (*(*slot).tts_ops).clear {
            clear(slot);
        }
        let Some(state) = exec_state(node) else {
            return slot;
        };
        if state.plan.aggregate.is_some() {
            if next_grouped_row(node, state, slot) {
                pg_sys::ExecStoreVirtualTuple(slot);
            }
            return slot;
        }
        let Some(session) = state.session.as_mut() else {
            return slot;
        };
        // The previous row's datums are no longer referenced once we are asked for the next.
        pg_sys::MemoryContextReset(state.row_context);
        let found = PgMemoryContexts::For(state.row_context).switch_to(|_| {
            let natts = (*(*slot).tts_tupleDescriptor).natts as usize;
            let values = std::slice::from_raw_parts_mut((*slot).tts_values, natts);
            let nulls = std::slice::from_raw_parts_mut((*slot).tts_isnull, natts);
            nulls.fill(true);
            report(session.fill_next_row(values, nulls))
        });
        if found {
            pg_sys::ExecStoreVirtualTuple(slot);
        }
        slot
    }
}

/// The next row of a shipped aggregate into the slot's arrays: from Salesforce's answer, or
/// from the fallback once that answer cannot be used.
unsafe fn next_grouped_row(
    node: *mut pg_sys::ForeignScanState,
    state: &mut ExecState,
    slot: *mut pg_sys::TupleTableSlot,
) -> bool {
    unsafe {
        pg_sys::MemoryContextReset(state.row_context);
        if let Some(fallback) = state.fallback.as_mut() {
            return fallback.fill_next(slot);
        }
        let Some(aggregate) = state.plan.aggregate.as_ref() else {
            return false;
        };
        let Some(session) = state.session.as_mut() else {
            return false;
        };
        let grouped = !aggregate.group_by.is_empty();
        let natts = (*(*slot).tts_tupleDescriptor).natts as usize;
        let values = std::slice::from_raw_parts_mut((*slot).tts_values, natts);
        let nulls = std::slice::from_raw_parts_mut((*slot).tts_isnull, natts);
        nulls.fill(true);
        if state.soql.is_none() && !grouped {
            if state.empty_answer_given {
                return false;
            }
            state.empty_answer_given = true;
            grouped_rows::fill_empty_input_row(aggregate, values, nulls);
            return true;
        }
        let reason =
            PgMemoryContexts::For(state.row_context).switch_to(|_| match session.next_record() {
                Ok(Some((page, record))) => {
                    if record == 0 {
                        if let Some(reason) =
                            grouped_rows::unusable_answer(page, &aggregate.outputs, grouped)
                        {
                            return Some(reason);
                        }
                    }
                    report(grouped_rows::fill_row(
                        page,
                        record,
                        &aggregate.outputs,
                        values,
                        nulls,
                    ));
                    None
                }
                Ok(None) => Some(String::new()),
                Err(error) => match grouped_rows::fallback_reason(&error) {
                    Some((reason, notice)) => {
                        if notice {
                            pgrx::notice!(
                                "salesforce_fdw: {reason}; aggregating the rows here instead"
                            );
                        }
                        Some(reason.to_string())
                    }
                    None => report(Err(error)),
                },
            });
        match reason {
            None => true,
            Some(reason) if reason.is_empty() => false,
            Some(reason) => {
                if let Some(mut session) = state.session.take() {
                    session.finish();
                }
                let mut fallback = open_fallback(node, &aggregate.fallback_sql);
                state.fallback_reason = Some(reason);
                let found = fallback.fill_next(slot);
                state.fallback = Some(fallback);
                found
            }
        }
    }
}

/// The aggregate's fallback SQL, opened for this scan's tuples in the query's memory.
unsafe fn open_fallback(node: *mut pg_sys::ForeignScanState, sql: &str) -> grouped_rows::Fallback {
    unsafe {
        let query_context = (*(*node).ss.ps.state).es_query_cxt;
        let natts = (*(*(*node).ss.ss_ScanTupleSlot).tts_tupleDescriptor).natts;
        grouped_rows::Fallback::open(sql, query_context, natts)
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn rescan_foreign_scan(node: *mut pg_sys::ForeignScanState) {
    unsafe {
        let Some(state) = exec_state(node) else {
            return;
        };
        // An aggregate Postgres computes itself is computed again; Salesforce could not
        // answer it the first time.
        if let Some(mut fallback) = state.fallback.take() {
            fallback.close();
            if let Some(aggregate) = &state.plan.aggregate {
                state.fallback = Some(open_fallback(node, &aggregate.fallback_sql));
            }
            return;
        }
        state.empty_answer_given = false;
        // Parameters from an outer nested loop may have changed.
        let values = evaluate_params(node, state);
        state.soql = state.plan.soql(&values);
        state.split = state.plan.split(&values);
        let key = state.plan.lookup_key(&values);
        if let Some(session) = state.session.as_mut() {
            // A lookup scan reads its rows whole once its keys not seen before have cost as
            // many requests as that read will.
            if let (Some(lookup), Some(soql)) = (&state.plan.lookup, &state.soql) {
                if key.is_some() && session.may_index() && !session.has_result(soql) {
                    state.new_keys += 1;
                    // (the scan's first key, at its start, counts too)
                    if state.new_keys + 1 >= lookup.full_read_requests {
                        if let Some(all) = state.plan.soql_without_lookup() {
                            report(session.build_index(all, lookup.column, lookup.bulk));
                        }
                    }
                }
            }
            session.restart(state.soql.clone(), state.split.clone(), key.as_deref());
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn end_foreign_scan(node: *mut pg_sys::ForeignScanState) {
    unsafe {
        // The state itself is freed by the memory-context callback; drop the client and its
        // buffered page now.
        if let Some(state) = exec_state(node) {
            if let Some(mut session) = state.session.take() {
                session.finish();
            }
            if let Some(fallback) = state.fallback.as_mut() {
                fallback.close();
            }
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn explain_foreign_scan(
    node: *mut pg_sys::ForeignScanState,
    es: *mut pg_sys::ExplainState,
) {
    unsafe {
        let (plan, executed_soql, fallback_reason, from_memory) = match exec_state(node) {
            Some(state) => (
                state.plan.clone(),
                (state.session.is_some() || state.fallback.is_some()).then(|| state.soql.clone()),
                state.fallback_reason.clone(),
                state
                    .session
                    .as_ref()
                    .map_or(0, |s| s.rescans_from_memory()),
            ),
            None => (scan_plan(node), None, None, 0),
        };
        let soql = match executed_soql {
            Some(soql) => soql,
            None => plan.soql_for_explain(),
        };
        let property = |label: &CStr, value: &str| {
            let value = CString::new(value).unwrap_or_default();
            pg_sys::ExplainPropertyText(label.as_ptr(), value.as_ptr(), es);
        };
        property(c"Salesforce object", &plan.object);
        if !plan.parents.is_empty() {
            property(c"Parent tables", &plan.parents.join(", "));
        }
        property(
            c"Salesforce endpoint",
            match (plan.bulk, plan.all_rows) {
                (false, false) => "query",
                (false, true) => "queryAll",
                (true, false) => "Bulk API 2.0 query job",
                (true, true) => "Bulk API 2.0 queryAll job",
            },
        );
        if let Some(note) = &plan.bulk_note {
            property(c"Bulk API", &format!("not used: {note}"));
        }
        if plan.wide {
            property(
                c"REST requests",
                "split: the field list is too long for one request (16 KB), so REST reads run several queries ordered by Id and join them by Id; ORDER BY and LIMIT are evaluated here",
            );
        }
        property(
            c"SOQL",
            soql.as_deref()
                .unwrap_or("(none: no row can match, nothing is sent)"),
        );
        if from_memory > 0 {
            property(c"Rescans answered from memory", &from_memory.to_string());
        }
        if let Some(reason) = fallback_reason {
            property(c"Aggregates", &format!("computed here: {reason}"));
        } else if (*es).verbose {
            if let Some(note) = &plan.aggregate_note {
                property(c"Aggregates", &format!("computed here: {note}"));
            }
        }
        if (*es).verbose && !plan.join_notes.is_empty() {
            property(
                c"Joins",
                &format!("computed here: {}", plan.join_notes.join("; ")),
            );
        }
    }
}
