//! Aggregate pushdown planning (GetForeignUpperPaths, our own; the framework's stays off): a
//! GROUP BY or aggregate query over one foreign table, or over a join `scan::join` shipped,
//! becomes one SOQL aggregate query when every condition is evaluated exactly by Salesforce and
//! `crate::aggregate` shows each group key and aggregate exact. Otherwise the reason is kept
//! for EXPLAIN VERBOSE and Postgres aggregates the rows, as before.
//!
//! Over a join, groups may be keyed by parent columns (`GROUP BY Account.Industry`), the
//! aggregates are of the child's columns, and an inner join's reference clause (which drops
//! children whose parent is null or not visible) goes as `Account.Id != null`.
//!
//! As postgres_fdw's foreign_grouping_ok: the scan's target list (`fdw_scan_tlist`) holds the
//! group keys and the aggregates, what is computed from them is projected above, and HAVING
//! is evaluated here on the scan's output.

use std::ffi::{c_void, CStr, CString};
use std::os::raw::c_int;
use std::ptr;

use pgrx::pg_sys::{self, NodeTag};
use pgrx::prelude::*;

use crate::aggregate::{
    aggregate_refusal, group_key_refusal, AggFunc, AggregateSelect, ColumnFacts, ObjectFacts,
    Output, ValueType,
};
use crate::pg::catalog::{self, TableColumn};
use crate::pg::datum::PgKind;
use crate::pushdown::Cond;
use crate::scan::join::JoinedOn;
use crate::scan::metadata::ObjectMeta;
use crate::scan::plan::{AggregateOutput, AggregateQuery, ScanPlan};
use crate::scan::{deparse, grouped_rows, metadata, plan, ROW_COST, STARTUP_COST};

// rewrite/rewriteManip.h, which pgrx's bindings leave out.
unsafe extern "C-unwind" {
    fn ChangeVarNodes(
        node: *mut pg_sys::Node,
        old_varno: c_int,
        new_varno: c_int,
        sublevels_up: c_int,
    );
}

/// GetForeignUpperPaths: a path that ships the grouping, when it is exact.
#[pg_guard]
pub unsafe extern "C-unwind" fn get_foreign_upper_paths(
    root: *mut pg_sys::PlannerInfo,
    stage: pg_sys::UpperRelationKind::Type,
    input_rel: *mut pg_sys::RelOptInfo,
    output_rel: *mut pg_sys::RelOptInfo,
    extra: *mut c_void,
) {
    // SAFETY: the planner passes valid nodes of the query being planned; for
    // UPPERREL_GROUP_AGG `extra` is its GroupPathExtraData.
    unsafe {
        if stage != pg_sys::UpperRelationKind::UPPERREL_GROUP_AGG
            || !(*output_rel).fdw_private.is_null()
            || (*input_rel).fdw_private.is_null()
            || !crate::settings::AGGREGATE_PUSHDOWN.get()
            || grouped_rows::planning_fallback()
        {
            return;
        }
        let kind = (*input_rel).reloptkind;
        if kind != pg_sys::RelOptKind::RELOPT_BASEREL && kind != pg_sys::RelOptKind::RELOPT_JOINREL
        {
            return;
        }
        let extra = extra as *mut pg_sys::GroupPathExtraData;
        match grouped(root, input_rel, output_rel, extra) {
            Ok(grouped) => add_path(root, input_rel, output_rel, grouped),
            // The scan's EXPLAIN VERBOSE (a table's, or the shipped join's) says why Postgres
            // aggregates its rows.
            Err(reason) if kind == pg_sys::RelOptKind::RELOPT_JOINREL => {
                super::join::edit_joined_plan(input_rel, |joined| {
                    joined.aggregate_note = Some(reason);
                })
            }
            Err(reason) => {
                let mut base = super::plan_from_node((*input_rel).fdw_private);
                base.aggregate_note = Some(reason);
                (*input_rel).fdw_private = super::plan_to_node(&base) as *mut c_void;
            }
        }
    }
}

/// A planned aggregate scan, before it becomes a path.
struct Grouped {
    plan: ScanPlan,
    /// `fdw_scan_tlist`: group keys and aggregates.
    tlist: *mut pg_sys::List,
    /// HAVING, evaluated on the scan's output.
    having: *mut pg_sys::List,
    rows: f64,
}

unsafe fn add_path(
    root: *mut pg_sys::PlannerInfo,
    input_rel: *mut pg_sys::RelOptInfo,
    output_rel: *mut pg_sys::RelOptInfo,
    grouped: Grouped,
) {
    unsafe {
        // Far cheaper than reading every row: one request, a row per group.
        let total = STARTUP_COST + grouped.rows * ROW_COST;
        let mut private = pg_sys::lappend(
            ptr::null_mut(),
            super::plan_to_node(&grouped.plan) as *mut c_void,
        );
        private = pg_sys::lappend(private, grouped.tlist as *mut c_void);
        private = pg_sys::lappend(private, grouped.having as *mut c_void);
        let path = crate::pg::compat::foreign_upper_path(
            root,
            output_rel,
            (*output_rel).reltarget,
            grouped.rows,
            STARTUP_COST,
            total,
            private,
        );
        (*output_rel).fdw_private = input_rel as *mut c_void;
        pg_sys::add_path(output_rel, path as *mut pg_sys::Path);
    }
}

/// GetForeignPlan of an aggregate path: a scan of no relation (scanrelid 0) whose tuples are
/// `fdw_scan_tlist`, with HAVING as its qual.
///
/// # Safety
/// `best_path` must be a path made by `add_path`.
pub unsafe fn plan(
    best_path: *mut pg_sys::ForeignPath,
    tlist: *mut pg_sys::List,
    outer_plan: *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan {
    unsafe {
        let private = (*best_path).fdw_private;
        let plan_node = super::list_nth(private, 0);
        let scan_tlist = super::list_nth(private, 1) as *mut pg_sys::List;
        let having = super::list_nth(private, 2) as *mut pg_sys::List;
        let fdw_private = pg_sys::lappend(ptr::null_mut(), plan_node);
        pg_sys::make_foreignscan(
            tlist,
            having,
            0,
            ptr::null_mut(),
            fdw_private,
            scan_tlist,
            ptr::null_mut(),
            outer_plan,
        )
    }
}

/// A table of the relation aggregated: the only one, or a member of a shipped join.
struct SourceTable {
    relid: u32,
    oid: pg_sys::Oid,
    name: String,
    columns: Vec<TableColumn>,
    meta: std::sync::Arc<ObjectMeta>,
    /// The relationship path its fields are read through (`""` for the object queried).
    prefix: String,
    joined: Option<JoinedOn>,
    /// Its WHERE conditions, each evaluated exactly by Salesforce (for the fallback SQL).
    quals: Vec<*mut pg_sys::Expr>,
}

/// What is aggregated: its tables (the object queried first) and the scan plan that reads
/// them, with every condition pushed.
struct Source {
    tables: Vec<SourceTable>,
    plan: ScanPlan,
}

impl Source {
    /// The table (an index into `tables`) and column of `node`, when it is a plain column of
    /// one of the tables.
    unsafe fn column(&self, node: *mut pg_sys::Node) -> Option<(usize, &TableColumn)> {
        // SAFETY: an expression node of the query being planned (caller).
        unsafe {
            if node.is_null() || (*node).type_ != NodeTag::T_Var {
                return None;
            }
            let var = node as *mut pg_sys::Var;
            if (*var).varlevelsup != 0 || (*var).varattno <= 0 {
                return None;
            }
            let table = self
                .tables
                .iter()
                .position(|t| t.relid == (*var).varno as u32)?;
            let column = self.tables[table]
                .columns
                .iter()
                .find(|c| c.attnum == (*var).varattno)?;
            Some((table, column))
        }
    }

    /// What `crate::aggregate` decides from about a column of table `table`.
    fn facts(&self, table: usize, column: &TableColumn) -> ColumnFacts {
        let source = &self.tables[table];
        let own_field = plan::field_of(column);
        let info = source.meta.field(&own_field);
        let flag = |name: &str| {
            column
                .options
                .get(name)
                .and_then(|v| crate::options::parse_bool(name, v).ok())
                .unwrap_or(false)
        };
        ColumnFacts {
            name: column.name.clone(),
            value_type: value_type(column),
            sf_type: info.map(|i| i.sf_type.clone()),
            groupable: info.is_some_and(|i| i.groupable),
            aggregatable: info.is_some_and(|i| i.aggregatable),
            restricted_picklist: info.is_some_and(|i| i.restricted_picklist),
            formula: info.is_some_and(|i| i.formula) || flag("formula"),
            group_exact: flag("group_exact"),
            converted_currency: crate::options::converted_currency_field(&own_field).is_some(),
            precision: info.and_then(|i| i.precision),
            field: format!("{}{own_field}", source.prefix),
        }
    }

    /// The column as the fallback SQL names it (`m1.industry`).
    fn sql_column(&self, table: usize, column: &TableColumn) -> String {
        format!("m{table}.{}", quote(&column.name))
    }
}

/// The relation to aggregate, when Salesforce evaluates all its conditions (what Postgres
/// would filter after the scan cannot be filtered after the aggregation); else why not.
unsafe fn source_of(
    root: *mut pg_sys::PlannerInfo,
    input_rel: *mut pg_sys::RelOptInfo,
) -> Result<Source, String> {
    // SAFETY: valid planner nodes (caller); fdw_private is ours (checked by the caller).
    unsafe {
        let user = catalog::acting_user(input_rel);
        let table = |relid: u32, prefix: String, joined: Option<JoinedOn>| {
            let rte = *(*root).simple_rte_array.add(relid as usize);
            let oid = (*rte).relid;
            let (name, columns) = catalog::table_columns(oid);
            SourceTable {
                relid,
                oid,
                name,
                columns,
                meta: metadata::table_meta(oid, user),
                prefix,
                joined,
                quals: Vec::new(),
            }
        };
        if (*input_rel).reloptkind == pg_sys::RelOptKind::RELOPT_BASEREL {
            let relid = (*input_rel).relid;
            let mut plan = super::plan_from_node((*input_rel).fdw_private);
            if plan.wide {
                return Err("the field list is read in several queries".into());
            }
            let mut only = table(relid, String::new(), None);
            let refs = super::column_refs(only.oid, user);
            let mut deparser = deparse::Deparser::new(relid, &refs);
            let conditions = deparser.sort_conditions((*input_rel).baserestrictinfo);
            if conditions.narrowed {
                return Err(
                    "a WHERE condition is only narrowed by Salesforce and rechecked here".into(),
                );
            }
            if !conditions.local.is_empty() {
                return Err("a WHERE condition is evaluated here".into());
            }
            if !deparser.params.is_empty() {
                return Err("a WHERE condition uses a runtime parameter".into());
            }
            plan.pushed.extend(conditions.pushed);
            only.quals = conditions.exact;
            return Ok(Source {
                tables: vec![only],
                plan,
            });
        }
        let shipped =
            super::join::shipped_members(input_rel).ok_or("the join's members are not known")?;
        if !shipped.params.is_empty() {
            return Err("a condition of the join uses a runtime parameter".into());
        }
        // (whether Salesforce groups by a polymorphic relationship's Name fields as by a
        // parent's own is not established)
        if shipped
            .members
            .iter()
            .any(|m| m.joined.as_ref().is_some_and(|j| j.polymorphic))
        {
            return Err("over a join through a polymorphic relationship".into());
        }
        // Each inner join leaves its reference clause to be checked on the joined rows: it
        // goes as `<relationship>.Id != null`. Anything else checked here cannot be.
        let inner_joins = shipped
            .members
            .iter()
            .filter(|m| m.joined.as_ref().is_some_and(|j| j.inner))
            .count();
        if shipped.local.len() != inner_joins {
            return Err("a condition of the join is evaluated here".into());
        }
        let mut plan = shipped.plan;
        let mut tables = Vec::new();
        for member in shipped.members {
            if member.joined.as_ref().is_some_and(|j| j.inner) {
                plan.pushed.push(Cond::Null {
                    field: format!("{}Id", member.prefix),
                    is_null: false,
                });
            }
            let mut source = table(member.relid, member.prefix, member.joined);
            // What the join did not leave to Postgres, Salesforce evaluates (scan::join).
            let rel = *(*root).simple_rel_array.add(member.relid as usize);
            let restrictions = (*rel).baserestrictinfo;
            for i in 0..super::list_len(restrictions) {
                let info = super::list_nth(restrictions, i) as *mut pg_sys::RestrictInfo;
                source.quals.push((*info).clause);
            }
            tables.push(source);
        }
        Ok(Source { tables, plan })
    }
}

/// The aggregate scan for this grouping, or why there is none.
unsafe fn grouped(
    root: *mut pg_sys::PlannerInfo,
    input_rel: *mut pg_sys::RelOptInfo,
    output_rel: *mut pg_sys::RelOptInfo,
    extra: *mut pg_sys::GroupPathExtraData,
) -> Result<Grouped, String> {
    unsafe {
        let parse = (*root).parse;
        if !(*parse).groupingSets.is_null() {
            return Err("GROUPING SETS, ROLLUP and CUBE are computed here".into());
        }
        if (*root).hasPseudoConstantQuals {
            return Err("a condition that does not depend on the table is evaluated here".into());
        }
        if (*extra).patype != pg_sys::PartitionwiseAggregateType::PARTITIONWISE_AGGREGATE_NONE {
            return Err("partitionwise aggregation".into());
        }
        let source = source_of(root, input_rel)?;
        let mut plan = source.plan.clone();
        if plan
            .pushed
            .iter()
            .any(crate::pushdown::Cond::wants_deleted_rows)
        {
            plan.all_rows = true;
        }
        let object = ObjectFacts {
            multi_currency: source.tables[0].meta.multi_currency(),
        };

        // The scan's target list: group keys, then each aggregate that the grouping target,
        // HAVING and anything computed above use (postgres_fdw's foreign_grouping_ok).
        let target = (*output_rel).reltarget;
        let group_clause = (*parse).groupClause;
        let mut tlist: *mut pg_sys::List = ptr::null_mut();
        let mut group_exprs: *mut pg_sys::List = ptr::null_mut();
        let mut grouped_columns: Vec<(usize, &TableColumn)> = Vec::new();
        let mut others: Vec<*mut pg_sys::Node> = Vec::new();
        let exprs = (*target).exprs;
        for i in 0..super::list_len(exprs) {
            let expr = super::list_nth(exprs, i) as *mut pg_sys::Node;
            let sortgroupref = if (*target).sortgrouprefs.is_null() {
                0
            } else {
                *(*target).sortgrouprefs.add(i)
            };
            let is_group_key = sortgroupref != 0
                && !pg_sys::get_sortgroupref_clause_noerr(sortgroupref, group_clause).is_null();
            if !is_group_key {
                others.push(expr);
                continue;
            }
            let (table, column) = source
                .column(expr)
                .ok_or("GROUP BY an expression: computed here")?;
            if let Some(reason) = group_key_refusal(&source.facts(table, column)) {
                return Err(format!("GROUP BY {}: {reason}", column.name));
            }
            grouped_columns.push((table, column));
            group_exprs = pg_sys::lappend(group_exprs, expr as *mut c_void);
            tlist = pg_sys::add_to_flat_tlist(
                tlist,
                pg_sys::lappend(ptr::null_mut(), expr as *mut c_void),
            );
        }
        let having = (*extra).havingQual;
        if !having.is_null() {
            others.push(having);
        }
        for expr in others {
            if pg_sys::contain_subplans(expr) {
                return Err("a subquery over the groups".into());
            }
            // The aggregates and the columns outside them; the rest is computed above.
            let flags = pg_sys::PVC_INCLUDE_AGGREGATES
                | pg_sys::PVC_INCLUDE_WINDOWFUNCS
                | pg_sys::PVC_INCLUDE_PLACEHOLDERS;
            let parts = pg_sys::pull_var_clause(expr, flags as c_int);
            for j in 0..super::list_len(parts) {
                let part = super::list_nth(parts, j) as *mut pg_sys::Node;
                match (*part).type_ {
                    NodeTag::T_Aggref => {
                        check_aggref(part as *mut pg_sys::Aggref, &source, object)?;
                        tlist = pg_sys::add_to_flat_tlist(
                            tlist,
                            pg_sys::lappend(ptr::null_mut(), part as *mut c_void),
                        );
                    }
                    NodeTag::T_Var => {
                        let grouped = source.column(part).is_some_and(|(table, column)| {
                            grouped_columns
                                .iter()
                                .any(|(t, c)| *t == table && c.attnum == column.attnum)
                        });
                        if !grouped {
                            return Err("a column outside GROUP BY and aggregates".into());
                        }
                    }
                    _ => return Err("an expression the grouping cannot ship".into()),
                }
            }
        }

        // The SOQL select list and how each tlist entry is filled from its answer.
        let mut select = AggregateSelect::default();
        let mut outputs = Vec::new();
        let mut group_by = Vec::new();
        let mut fallback_items = Vec::new();
        // Per tlist entry, what a HAVING comparison of it may be shipped as.
        let mut comparable: Vec<Option<(AggFunc, Option<ValueType>, usize)>> = Vec::new();
        for i in 0..super::list_len(tlist) {
            let entry = super::list_nth(tlist, i) as *mut pg_sys::TargetEntry;
            let expr = (*entry).expr as *mut pg_sys::Node;
            if let Some((table, table_column)) = source.column(expr) {
                let column = source.facts(table, table_column);
                if !group_by
                    .iter()
                    .any(|g: &String| g.eq_ignore_ascii_case(&column.field))
                {
                    group_by.push(column.field.clone());
                }
                outputs.push(AggregateOutput {
                    value: select.group_key(&column.field),
                    name: column.name.clone(),
                    kind: table_column.kind.ok_or("a column of an unsupported type")?,
                    typmod: table_column.typmod,
                });
                fallback_items.push(source.sql_column(table, table_column));
                comparable.push(None);
                continue;
            }
            let aggref = expr as *mut pg_sys::Aggref;
            let (func, argument) = check_aggref(aggref, &source, object)?;
            let column = argument.map(|c| (source.facts(0, c), c));
            let field = column.as_ref().map(|(c, _)| c.field.as_str());
            let column_kind = column.as_ref().and_then(|(_, t)| t.kind);
            let result_kind =
                PgKind::from_oid((*aggref).aggtype).ok_or("an aggregate of an unsupported type")?;
            let value = match select.aggregate(func, field, result_kind == PgKind::Numeric) {
                Output::Average { sum, count } if column_kind == Some(PgKind::Numeric) => {
                    Output::NumericAverage {
                        sum,
                        count,
                        decimals: column.as_ref().and_then(|(c, _)| c.precision).unwrap_or(0),
                    }
                }
                other => other,
            };
            let (kind, typmod) = match func {
                // min and max give a value of the column, shown as the column shows it.
                AggFunc::Min | AggFunc::Max => (
                    column_kind.ok_or("an aggregate of an unsupported type")?,
                    column.as_ref().map_or(-1, |(_, t)| t.typmod),
                ),
                _ => (result_kind, -1),
            };
            comparable.push(match value {
                Output::Value(at) | Output::IntegerAsNumeric(at) => {
                    Some((func, column.as_ref().map(|(c, _)| c.value_type), at))
                }
                _ => None,
            });
            let name = func.sql(column.as_ref().map(|(c, _)| c.name.as_str()));
            // pg_catalog's, whatever the search_path when the fallback runs.
            let qualified = argument.map(|c| source.sql_column(0, c));
            fallback_items.push(format!("pg_catalog.{}", func.sql(qualified.as_deref())));
            outputs.push(AggregateOutput {
                value,
                name,
                kind,
                typmod,
            });
        }
        let group_sql: Vec<String> = grouped_columns
            .iter()
            .map(|(table, column)| source.sql_column(*table, column))
            .collect();
        let fallback_sql = fallback_sql(&source, &fallback_items, &group_sql);
        // HAVING comparisons Salesforce evaluates exactly also go to it (fewer groups come
        // back); Postgres still checks all of HAVING on the groups.
        let having_list = implicit_and_list(having);
        let mut having_soql = Vec::new();
        if !group_by.is_empty() {
            for i in 0..super::list_len(having_list) {
                let clause = super::list_nth(having_list, i) as *mut pg_sys::Node;
                if let Some(condition) = having_condition(clause, tlist, &comparable, &select) {
                    having_soql.push(condition);
                }
            }
        }
        plan.limit = None;
        plan.order_by = Vec::new();
        plan.bulk = false;
        plan.bulk_note = None;
        plan.param_count = 0;
        plan.local_clauses = 0;
        plan.join_notes = Vec::new();
        plan.aggregate_note = None;
        plan.check_as_user = Some((*input_rel).userid.to_u32()).filter(|u| *u != 0);
        plan.aggregate = Some(AggregateQuery {
            select,
            group_by,
            having: having_soql,
            outputs,
            fallback_sql,
        });
        let rows = if group_clause.is_null() {
            1.0
        } else {
            pg_sys::estimate_num_groups(
                root,
                group_exprs,
                (*input_rel).rows,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        Ok(Grouped {
            plan,
            tlist,
            having: having_list,
            rows,
        })
    }
}

/// A HAVING clause `aggregate <op> constant` (either way round) as SOQL, when the aggregate is
/// one of the scan's and `aggregate::having_condition` finds the comparison exact.
unsafe fn having_condition(
    clause: *mut pg_sys::Node,
    tlist: *mut pg_sys::List,
    comparable: &[Option<(AggFunc, Option<ValueType>, usize)>],
    select: &AggregateSelect,
) -> Option<String> {
    // SAFETY: a clause of the query being planned (caller).
    unsafe {
        if (*clause).type_ != NodeTag::T_OpExpr {
            return None;
        }
        let op = clause as *mut pg_sys::OpExpr;
        if (*op).opno.to_u32() >= pg_sys::FirstNormalObjectId || super::list_len((*op).args) != 2 {
            return None;
        }
        let (left, right) = (
            super::list_nth((*op).args, 0) as *mut pg_sys::Node,
            super::list_nth((*op).args, 1) as *mut pg_sys::Node,
        );
        let (aggregate, constant, flipped) = if (*right).type_ == NodeTag::T_Const {
            (left, right as *mut pg_sys::Const, false)
        } else if (*left).type_ == NodeTag::T_Const {
            (right, left as *mut pg_sys::Const, true)
        } else {
            return None;
        };
        let entry = (0..super::list_len(tlist)).position(|i| {
            let entry = super::list_nth(tlist, i) as *mut pg_sys::TargetEntry;
            pg_sys::equal((*entry).expr as *const c_void, aggregate as *const c_void)
        })?;
        let (func, column, at) = comparable.get(entry).copied().flatten()?;
        let name = pg_sys::get_opname((*op).opno);
        if name.is_null() {
            return None;
        }
        let name = CStr::from_ptr(name).to_string_lossy();
        let operator = match (flipped, name.as_ref()) {
            (true, "<") => ">",
            (true, "<=") => ">=",
            (true, ">") => "<",
            (true, ">=") => "<=",
            (_, other) => other,
        };
        let value = deparse::datum_to_value(
            (*constant).constvalue,
            (*constant).constisnull,
            (*constant).consttype,
        );
        crate::aggregate::having_condition(func, column, select.expression(at), operator, &value)
    }
}

/// HAVING as the list of ANDed clauses the scan's qual wants.
unsafe fn implicit_and_list(having: *mut pg_sys::Node) -> *mut pg_sys::List {
    unsafe {
        if having.is_null() {
            ptr::null_mut()
        } else if (*having).type_ == NodeTag::T_List {
            having as *mut pg_sys::List
        } else {
            pg_sys::make_ands_implicit(having as *mut pg_sys::Expr)
        }
    }
}

/// The aggregate and its column (None for count(*)), when Salesforce computes it exactly.
unsafe fn check_aggref(
    aggref: *mut pg_sys::Aggref,
    source: &Source,
    object: ObjectFacts,
) -> Result<(AggFunc, Option<&TableColumn>), String> {
    unsafe {
        let plain = (*aggref).aggfilter.is_null()
            && (*aggref).aggorder.is_null()
            && (*aggref).agglevelsup == 0
            && (*aggref).aggkind == b'n' as std::os::raw::c_char // AGGKIND_NORMAL
            && (*aggref).aggsplit == pg_sys::AggSplit::AGGSPLIT_SIMPLE
            && !(*aggref).aggvariadic;
        let name_ptr = pg_sys::get_func_name((*aggref).aggfnoid);
        if name_ptr.is_null() {
            return Err("an aggregate whose function is not found".into());
        }
        let name = CStr::from_ptr(name_ptr).to_string_lossy().into_owned();
        let in_catalog = pg_sys::get_func_namespace((*aggref).aggfnoid)
            == pg_sys::Oid::from(pg_sys::PG_CATALOG_NAMESPACE);
        let func = AggFunc::from_name(&name, (*aggref).aggstar, !(*aggref).aggdistinct.is_null())
            .filter(|_| plain && in_catalog)
            .ok_or_else(|| format!("the aggregate {name}() is computed here"))?;
        if func == AggFunc::CountStar {
            return Ok((func, None));
        }
        let args = (*aggref).args;
        if super::list_len(args) != 1 {
            return Err(format!("{name}() of several arguments"));
        }
        let entry = super::list_nth(args, 0) as *mut pg_sys::TargetEntry;
        let (table, column) = source
            .column((*entry).expr as *mut pg_sys::Node)
            .ok_or_else(|| {
                format!("{name}() of an expression or of a column that is not a field")
            })?;
        // (what a relationship's aggregate means for children without a parent is not
        // established; Postgres computes it)
        if table != 0 {
            return Err(format!("{name}() of a parent table's column"));
        }
        match aggregate_refusal(func, Some(&source.facts(table, column)), object) {
            Some(reason) => Err(reason),
            None => Ok((func, Some(column))),
        }
    }
}

fn value_type(column: &TableColumn) -> ValueType {
    match column.kind {
        Some(PgKind::Int2) => ValueType::SmallInt,
        Some(PgKind::Int4) => ValueType::Integer,
        Some(PgKind::Int8) => ValueType::BigInt,
        Some(PgKind::Numeric) => ValueType::Numeric {
            rounded: column.typmod >= 4,
        },
        Some(PgKind::Date) => ValueType::Date,
        Some(PgKind::Timestamptz) => ValueType::Timestamp,
        Some(PgKind::Time) => ValueType::Time,
        Some(PgKind::Bool) => ValueType::Bool,
        Some(PgKind::Text) => ValueType::Text,
        _ => ValueType::Other,
    }
}

fn quote(identifier: &str) -> String {
    let text = CString::new(identifier).unwrap_or_default();
    // SAFETY: quote_identifier reads a NUL-terminated string and returns it or a palloc'd copy.
    unsafe {
        CStr::from_ptr(pg_sys::quote_identifier(text.as_ptr()))
            .to_string_lossy()
            .into_owned()
    }
}

/// The aggregate as SQL over the foreign tables, for Postgres to compute from the rows when
/// Salesforce cannot answer: the same outputs, joins, conditions and groups, the tables
/// called m0, m1, ...
unsafe fn fallback_sql(source: &Source, items: &[String], group_by: &[String]) -> String {
    unsafe {
        let mut from = String::new();
        let mut conditions = Vec::new();
        for (at, table) in source.tables.iter().enumerate() {
            let namespace = pg_sys::get_namespace_name(pg_sys::get_rel_namespace(table.oid));
            let schema = CStr::from_ptr(namespace).to_string_lossy().into_owned();
            let name = format!("ONLY {}.{} m{at}", quote(&schema), quote(&table.name));
            match &table.joined {
                None => from.push_str(&name),
                Some(joined) => from.push_str(&format!(
                    " {} {name} ON m{}.{} = m{at}.{}",
                    if joined.inner { "JOIN" } else { "LEFT JOIN" },
                    joined.child,
                    quote(&joined.reference_column),
                    quote(&joined.id_column),
                )),
            }
            let alias = CString::new(format!("m{at}")).unwrap_or_default();
            let context = pg_sys::deparse_context_for(alias.as_ptr(), table.oid);
            for qual in &table.quals {
                // The deparse context is a one-table range table: the table is relation 1.
                let copy = pg_sys::copyObjectImpl(*qual as *const c_void) as *mut pg_sys::Node;
                ChangeVarNodes(copy, table.relid as c_int, 1, 0);
                let text = pg_sys::deparse_expression(copy, context, true, false);
                conditions.push(format!("({})", CStr::from_ptr(text).to_string_lossy()));
            }
        }
        let mut sql = format!("SELECT {} FROM {from}", items.join(", "));
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        if !group_by.is_empty() {
            sql.push_str(" GROUP BY ");
            sql.push_str(&group_by.join(", "));
        }
        sql
    }
}
