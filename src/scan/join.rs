//! Parent-join pushdown (GetForeignJoinPaths): a join of a child table to its parent table on
//! a reference field (`o.account_id = a.id`) becomes one SOQL query that reads the parent's
//! columns through the relationship (`SELECT Name, Account.Name FROM Opportunity`), as
//! postgres_fdw ships joins (its foreign_join_ok), with these rules for exact results:
//! - the reference points to the parent table's object, and the parent column is its `Id`;
//!   chains (a parent's parent...) up to Salesforce's five levels;
//! - a polymorphic reference (`Task.WhatId`) joins by an inner join only, restricted to the
//!   parent's object (`What.Type = 'Opportunity'`, without which other objects' records would
//!   pass as parents), and reads only the parent's Id and Name (all SOQL reads through a
//!   polymorphic relationship without TYPEOF);
//! - inner join: Postgres still checks the join clauses on each row, so children whose parent is
//!   null or not visible (a null relationship) are dropped here, and the parent's conditions are
//!   sent as relationship conditions (`Account.Industry = 'Energy'`) where they translate;
//! - left join: a child whose relationship is null keeps nulls for the parent's columns, which
//!   is what the join computes when no parent row matches; only the reference clause may join,
//!   and the parent may have no condition of its own;
//! - both tables of the same server and user mapping (the planner only asks then), neither with
//!   `soql_where` on the parent, deleted rows (queryAll), whole-row or system columns, nor a
//!   converted-currency parent column.
//!
//! What the join's relation knows is kept in its `fdw_private`: a List of the scan plan (a
//! string node), `fdw_scan_tlist`, the clauses Postgres evaluates on the joined rows, the
//! runtime parameters (`fdw_exprs`) and the member tables (a string node).

use std::ffi::{c_void, CStr, CString};
use std::ptr;

use pgrx::pg_sys::{self, NodeTag};
use pgrx::prelude::*;
use serde::{Deserialize, Serialize};

use crate::pg::catalog::{self, TableColumn};
use crate::pg::compat;
use crate::pushdown::Cond;
use crate::scan::plan::{select_list, ScanPlan};
use crate::scan::{deparse, list_len, list_nth, metadata, ROW_COST, STARTUP_COST};

/// Salesforce reads parent fields up to five relationships up.
const MAX_RELATIONSHIP_DEPTH: usize = 5;

/// A table of the joined scan and the relationship path its fields are read through.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub relid: u32,
    pub table_oid: u32,
    /// `""` for the child (the object queried), `Account.` for its parent, ...
    pub prefix: String,
    /// How a parent joins the member below it (None for the child).
    pub joined: Option<JoinedOn>,
}

/// The join of a parent member: `members[child].reference_column = parent.id_column`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinedOn {
    /// The member holding the reference (an index into the members).
    pub child: usize,
    pub reference_column: String,
    pub id_column: String,
    /// An inner join (children without a parent dropped), else a left join.
    pub inner: bool,
    /// Through a polymorphic relationship, restricted to the parent's object by `What.Type`.
    #[serde(default)]
    pub polymorphic: bool,
}

/// A reference clause found: the parent's relationship path and the columns it joins.
struct Reference {
    prefix: String,
    child: usize,
    reference_column: String,
    id_column: String,
    /// Through a polymorphic relationship (`What.`): only the parent's Id and Name are read.
    polymorphic: bool,
}

/// What a relation of ours (a table, or a join already shipped) brings to a bigger join.
struct Side {
    plan: ScanPlan,
    members: Vec<Member>,
    /// Clauses Postgres evaluates on the scan's rows.
    local: Vec<*mut pg_sys::Expr>,
    /// Runtime parameters of the pushed conditions.
    params: Vec<*mut pg_sys::Expr>,
    /// Rows the scan returns (estimated).
    rows: f64,
}

/// GetForeignJoinPaths: one path reading both tables in one query, when that is exact; else
/// why not, for the EXPLAIN VERBOSE of both sides.
#[pg_guard]
pub unsafe extern "C-unwind" fn get_foreign_join_paths(
    root: *mut pg_sys::PlannerInfo,
    joinrel: *mut pg_sys::RelOptInfo,
    outerrel: *mut pg_sys::RelOptInfo,
    innerrel: *mut pg_sys::RelOptInfo,
    jointype: pg_sys::JoinType::Type,
    extra: *mut pg_sys::JoinPathExtraData,
) {
    // SAFETY: the planner passes valid nodes of the query being planned.
    unsafe {
        // Another pair of inputs may already have shipped this join (the result is the same).
        if !(*joinrel).fdw_private.is_null() {
            return;
        }
        if let Err(reason) = join_paths(root, joinrel, outerrel, innerrel, jointype, extra) {
            note_join(root, outerrel, innerrel, &reason);
            note_join(root, innerrel, outerrel, &reason);
        }
    }
}

/// Why no join clause could carry the join, when none is a reference to the other's Id.
const NO_REFERENCE_CLAUSE: &str =
    "no join clause compares a reference field of one table with the Id of the other";

unsafe fn join_paths(
    root: *mut pg_sys::PlannerInfo,
    joinrel: *mut pg_sys::RelOptInfo,
    outerrel: *mut pg_sys::RelOptInfo,
    innerrel: *mut pg_sys::RelOptInfo,
    jointype: pg_sys::JoinType::Type,
    extra: *mut pg_sys::JoinPathExtraData,
) -> Result<(), String> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        if !crate::settings::JOIN_PUSHDOWN.get() {
            return Err("salesforce_fdw.join_pushdown is off".into());
        }
        query_allows_join_pushdown(root, joinrel)?;
        if compat::is_semi_join(jointype) {
            return Err("a semi-join (EXISTS or IN of a subquery)".into());
        }
        if compat::is_anti_join(jointype) {
            return Err("an anti-join (NOT EXISTS of a subquery)".into());
        }
        // (child, parent, kept when the parent is missing)
        let orientations: &[(*mut pg_sys::RelOptInfo, *mut pg_sys::RelOptInfo, bool)] =
            match jointype {
                pg_sys::JoinType::JOIN_INNER => {
                    &[(outerrel, innerrel, false), (innerrel, outerrel, false)]
                }
                pg_sys::JoinType::JOIN_LEFT => &[(outerrel, innerrel, true)],
                pg_sys::JoinType::JOIN_RIGHT => &[(innerrel, outerrel, true)],
                pg_sys::JoinType::JOIN_FULL => return Err("a full join".into()),
                _ => return Err("a join of this kind".into()),
            };
        let mut reason: Option<String> = None;
        for &(child, parent, keep_orphans) in orientations {
            match join(root, joinrel, child, parent, keep_orphans, extra)
                .and_then(|joined| add_path(root, joinrel, joined))
            {
                Ok(()) => return Ok(()),
                // The orientation that found its reference clause says the most.
                Err(why) => {
                    if reason.as_deref().is_none_or(|r| r == NO_REFERENCE_CLAUSE) {
                        reason = Some(why);
                    }
                }
            }
        }
        Err(reason.unwrap_or_else(|| NO_REFERENCE_CLAUSE.to_string()))
    }
}

/// Keeps why `rel`'s join with `other` is computed here in `rel`'s plan (a table's, or a
/// shipped join's), which its EXPLAIN VERBOSE shows.
unsafe fn note_join(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    other: *mut pg_sys::RelOptInfo,
    reason: &str,
) {
    // SAFETY: valid planner nodes (caller); fdw_private is ours when set (a plan node, or the
    // List `add_path` made, whose first cell is the plan node).
    unsafe {
        let private = (*rel).fdw_private;
        if private.is_null() {
            return;
        }
        let note = format!("with {}: {reason}", rel_name(root, other));
        match (*rel).reloptkind {
            pg_sys::RelOptKind::RELOPT_BASEREL => {
                let mut plan = super::plan_from_node(private);
                if !plan.join_notes.contains(&note) {
                    plan.join_notes.push(note);
                    (*rel).fdw_private = super::plan_to_node(&plan) as *mut c_void;
                }
            }
            pg_sys::RelOptKind::RELOPT_JOINREL => edit_joined_plan(rel, |plan| {
                if !plan.join_notes.contains(&note) {
                    plan.join_notes.push(note);
                }
            }),
            _ => {}
        }
    }
}

/// Changes the scan plan of a join this module shipped (the first cell of the List its
/// relation keeps, `add_path`).
///
/// # Safety
/// `joinrel` must be a join relation whose fdw_private `add_path` set.
pub unsafe fn edit_joined_plan(joinrel: *mut pg_sys::RelOptInfo, edit: impl FnOnce(&mut ScanPlan)) {
    // SAFETY: the List `add_path` made (caller), a List of pointers.
    unsafe {
        let list = (*joinrel).fdw_private as *mut pg_sys::List;
        let mut plan = super::plan_from_node(list_nth(list, 0));
        edit(&mut plan);
        (*(*list).elements.add(0)).ptr_value = super::plan_to_node(&plan) as *mut c_void;
    }
}

/// A relation as EXPLAIN's notes name it: its table, or the tables of a join.
unsafe fn rel_name(root: *mut pg_sys::PlannerInfo, rel: *mut pg_sys::RelOptInfo) -> String {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let mut names = Vec::new();
        for member in super::bitmapset_members((*rel).relids) {
            let rte = *(*root).simple_rte_array.add(member as usize);
            if !rte.is_null() && (*rte).rtekind == pg_sys::RTEKind::RTE_RELATION {
                names.push(catalog::table_columns((*rte).relid).0);
            }
        }
        match names.len() {
            1 => names.remove(0),
            _ => format!("the join of {}", names.join(", ")),
        }
    }
}

/// Joins the planner could plan around us: a plain SELECT (no row locks, whose EvalPlanQual
/// rechecks would need the join's local form), no placeholders or pseudo-constant conditions
/// (which a joined scan would not evaluate where the planner expects), no lateral references.
unsafe fn query_allows_join_pushdown(
    root: *mut pg_sys::PlannerInfo,
    joinrel: *mut pg_sys::RelOptInfo,
) -> Result<(), String> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let why = if (*(*root).parse).commandType != pg_sys::CmdType::CMD_SELECT {
            "not a SELECT"
        } else if !(*root).rowMarks.is_null() {
            "the query locks rows (FOR UPDATE or FOR SHARE)"
        } else if !(*root).placeholder_list.is_null() {
            "the query has placeholder expressions above an outer join"
        } else if (*root).hasPseudoConstantQuals {
            "a condition that does not depend on the tables"
        } else if !(*joinrel).lateral_relids.is_null() {
            "a lateral reference"
        } else {
            return Ok(());
        };
        Err(why.into())
    }
}

/// The joined scan of `child` and `parent`, or why it would not be exact.
unsafe fn join(
    root: *mut pg_sys::PlannerInfo,
    joinrel: *mut pg_sys::RelOptInfo,
    child: *mut pg_sys::RelOptInfo,
    parent: *mut pg_sys::RelOptInfo,
    keep_orphans: bool,
    extra: *mut pg_sys::JoinPathExtraData,
) -> Result<Side, String> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let user = catalog::acting_user(joinrel);
        let mut side = side_of(root, child, user).ok_or("a join below it is computed here")?;
        if (*parent).reloptkind != pg_sys::RelOptKind::RELOPT_BASEREL
            || (*parent).fdw_private.is_null()
        {
            return Err(NO_REFERENCE_CLAUSE.into());
        }
        let parent_plan = super::plan_from_node((*parent).fdw_private);
        if parent_plan.soql_where.is_some() {
            return Err("the parent table has a soql_where option".into());
        }
        if parent_plan.all_rows || side.plan.all_rows {
            return Err("deleted rows (queryAll) are read".into());
        }
        let parent_relid = (*parent).relid;
        let parent_oid = table_oid(root, parent_relid);

        // The reference clause, and whatever else joins the two.
        let restrictions = (*extra).restrictlist;
        let mut reference = None;
        let mut refusal = None;
        let mut other_clauses = Vec::new();
        for i in 0..list_len(restrictions) {
            let info = list_nth(restrictions, i) as *mut pg_sys::RestrictInfo;
            let clause = (*info).clause;
            if reference.is_none() {
                match reference_path(
                    root,
                    clause,
                    &side.members,
                    parent_relid,
                    &parent_plan,
                    user,
                ) {
                    Ok(Some(found)) => {
                        reference = Some(found);
                        if !keep_orphans {
                            // Checked on each row: a null relationship fails it.
                            side.local.push(clause);
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(why) => refusal = refusal.or(Some(why)),
                }
            }
            other_clauses.push(clause);
        }
        let reference =
            reference.ok_or_else(|| refusal.unwrap_or_else(|| NO_REFERENCE_CLAUSE.to_string()))?;
        let prefix = reference.prefix.clone();
        if reference.polymorphic {
            // Other objects' records the relationship points to would show their Id and Name
            // as the parent's: only the type condition keeps them out, which a left join
            // cannot have.
            if keep_orphans {
                return Err(format!(
                    "a left join through the polymorphic {}",
                    reference.reference_column
                ));
            }
            side.plan.pushed.push(Cond::PointsTo {
                relationship: prefix.trim_end_matches('.').to_string(),
                object: parent_plan.object.clone(),
            });
        }
        if prefix.matches('.').count() > MAX_RELATIONSHIP_DEPTH {
            return Err(format!(
                "more than {MAX_RELATIONSHIP_DEPTH} relationships up, which SOQL cannot read"
            ));
        }
        if keep_orphans && !other_clauses.is_empty() {
            return Err("a left join on more than its reference clause".into());
        }
        side.local.extend(other_clauses);

        // The parent's own conditions, as relationship conditions.
        let parent_restrictions = (*parent).baserestrictinfo;
        if keep_orphans && !parent_restrictions.is_null() {
            return Err("a left join with a condition on the parent table".into());
        }
        let refs: Vec<deparse::ColumnRef> = super::column_refs(parent_oid, user)
            .into_iter()
            .map(|r| deparse::ColumnRef {
                field: format!("{prefix}{}", r.field),
                ..r
            })
            .collect();
        push_conditions(&mut side, parent_relid, &refs, parent_restrictions);

        // Each child row meets one parent at most (the parent's Id is unique), which the
        // planner cannot know without statistics: it would expect many more rows.
        if !keep_orphans {
            let kept = (*parent).rows / parent_plan.object_rows.max(1.0);
            side.rows *= kept.clamp(0.0, 1.0);
        }
        let (parent_name, _) = catalog::table_columns(parent_oid);
        side.plan.parents.push(format!(
            "{parent_name} as {} ({} join)",
            prefix.trim_end_matches('.'),
            if keep_orphans { "left" } else { "inner" }
        ));
        side.members.push(Member {
            relid: parent_relid,
            table_oid: parent_oid.to_u32(),
            prefix,
            joined: Some(JoinedOn {
                child: reference.child,
                reference_column: reference.reference_column,
                id_column: reference.id_column,
                inner: !keep_orphans,
                polymorphic: reference.polymorphic,
            }),
        });
        Ok(side)
    }
}

/// A table of ours, or a join of ours already shipped, as the child side of a join.
unsafe fn side_of(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    user: pg_sys::Oid,
) -> Option<Side> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let private = (*rel).fdw_private;
        if private.is_null() {
            return None;
        }
        match (*rel).reloptkind {
            pg_sys::RelOptKind::RELOPT_BASEREL => {
                let mut side = Side {
                    plan: super::plan_from_node(private),
                    members: vec![Member {
                        relid: (*rel).relid,
                        table_oid: table_oid(root, (*rel).relid).to_u32(),
                        prefix: String::new(),
                        joined: None,
                    }],
                    local: Vec::new(),
                    params: Vec::new(),
                    rows: (*rel).rows,
                };
                let refs = super::column_refs(table_oid(root, (*rel).relid), user);
                push_conditions(&mut side, (*rel).relid, &refs, (*rel).baserestrictinfo);
                Some(side)
            }
            pg_sys::RelOptKind::RELOPT_JOINREL => {
                let shipped = shipped_members(rel)?;
                Some(Side {
                    plan: shipped.plan,
                    members: shipped.members,
                    local: shipped.local,
                    params: shipped.params,
                    rows: (*rel).rows,
                })
            }
            _ => None,
        }
    }
}

unsafe fn exprs(list: *mut pg_sys::List) -> Vec<*mut pg_sys::Expr> {
    // SAFETY: a List of expressions built by `add_path`.
    unsafe {
        (0..list_len(list))
            .map(|i| list_nth(list, i) as *mut pg_sys::Expr)
            .collect()
    }
}

unsafe fn table_oid(root: *mut pg_sys::PlannerInfo, relid: u32) -> pg_sys::Oid {
    // SAFETY: relid is a base relation of the query being planned.
    unsafe { (**(*root).simple_rte_array.add(relid as usize)).relid }
}

/// Ships what translates of a member's WHERE conditions (the rest, and what Salesforce only
/// narrows, are checked on the joined rows).
unsafe fn push_conditions(
    side: &mut Side,
    relid: u32,
    refs: &[deparse::ColumnRef],
    restrictions: *mut pg_sys::List,
) {
    // SAFETY: a List of RestrictInfo of the query being planned (caller).
    unsafe {
        let mut deparser = deparse::Deparser::new(relid, refs);
        // Parameter numbers go on from the other members'.
        deparser.params = std::mem::take(&mut side.params);
        let conditions = deparser.sort_conditions(restrictions);
        side.plan.pushed.extend(conditions.pushed);
        side.local.extend(conditions.local);
        side.params = deparser.params;
    }
}

/// The relationship path of the parent (`Account.` after a child at prefix ``) and the
/// columns joined, when `clause` is `child.reference = parent.id` for a reference to the
/// parent's object; None when the clause is not an equality of a child column with the
/// parent's Id, and why not when it is one that cannot be read through a relationship.
unsafe fn reference_path(
    root: *mut pg_sys::PlannerInfo,
    clause: *mut pg_sys::Expr,
    members: &[Member],
    parent_relid: u32,
    parent_plan: &ScanPlan,
    user: pg_sys::Oid,
) -> Result<Option<Reference>, String> {
    // SAFETY: a clause of the query being planned (caller).
    unsafe {
        if (*clause).type_ != NodeTag::T_OpExpr {
            return Ok(None);
        }
        let op = clause as *mut pg_sys::OpExpr;
        if (*op).opno != pg_sys::Oid::from(pg_sys::TextEqualOperator) || list_len((*op).args) != 2 {
            return Ok(None);
        }
        let (Some(left), Some(right)) = (
            plain_var(list_nth((*op).args, 0)),
            plain_var(list_nth((*op).args, 1)),
        ) else {
            return Ok(None);
        };
        let (reference, id) = if (*right).varno as u32 == parent_relid {
            (left, right)
        } else {
            (right, left)
        };
        if (*id).varno as u32 != parent_relid {
            return Ok(None);
        }
        let Some(child) = members
            .iter()
            .position(|m| m.relid == (*reference).varno as u32)
        else {
            return Ok(None);
        };
        let member = &members[child];
        let parent_oid = table_oid(root, parent_relid);
        let (_, parent_columns) = catalog::table_columns(parent_oid);
        let Some(id_column) = column_at(&parent_columns, (*id).varattno)
            .filter(|c| super::plan::field_of(c).eq_ignore_ascii_case("Id"))
        else {
            return Ok(None);
        };
        let member_oid = pg_sys::Oid::from(member.table_oid);
        let (_, member_columns) = catalog::table_columns(member_oid);
        let Some(reference_column) = column_at(&member_columns, (*reference).varattno) else {
            return Ok(None);
        };
        let reference_field = super::plan::field_of(reference_column);
        let column = &reference_column.name;
        if reference_field.contains(['.', '(']) {
            return Err(format!(
                "{column} reads {reference_field}, not a reference field of its own object"
            ));
        }
        let meta = metadata::table_meta(member_oid, user);
        let info = meta
            .field(&reference_field)
            .ok_or_else(|| format!("what Salesforce says of {column} is not known"))?;
        if info.sf_type != "reference" {
            return Err(format!(
                "{column} is not a reference field ({})",
                info.sf_type
            ));
        }
        let targets = info.reference_targets();
        let Some(relationship) = info
            .relationship_name
            .as_deref()
            .filter(|_| !targets.is_empty())
        else {
            return Err(format!(
                "{column} does not reference an object through a relationship (no relationship name known)"
            ));
        };
        if !targets
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&parent_plan.object))
        {
            // (a polymorphic What lists some 80 objects: the first few say enough)
            let named = match targets.len() {
                n if n > 4 => format!("{} and {} other objects", targets[..3].join(", "), n - 3),
                _ => targets.join(", "),
            };
            return Err(format!(
                "{column} references {named}, not {}",
                parent_plan.object
            ));
        }
        // Parent columns must be plain fields or paths (no convertCurrency()).
        let needed: Vec<i16> = vars_of_rel(root, parent_relid);
        if info.polymorphic {
            // Through a polymorphic relationship SOQL reads only the Name pseudo-object's
            // fields (without TYPEOF): of the parent's, its Id and Name.
            let mut read = needed.clone();
            read.extend(restriction_attnums(root, parent_relid));
            if let Some(other) = read.iter().find_map(|&attnum| {
                column_at(&parent_columns, attnum).filter(|c| {
                    !matches!(
                        super::plan::field_of(c).to_ascii_lowercase().as_str(),
                        "id" | "name"
                    )
                })
            }) {
                return Err(format!(
                    "{column} is polymorphic: through {relationship} Salesforce reads only a parent's Id and Name, not {}",
                    other.name
                ));
            }
        }
        if let Some(converted) = needed.iter().find_map(|&attnum| {
            column_at(&parent_columns, attnum).filter(|c| super::plan::field_of(c).contains('('))
        }) {
            return Err(format!(
                "{} is a converted currency, which SOQL cannot read through a relationship",
                converted.name
            ));
        }
        // A whole-row or system column of the parent is not a field.
        if needed
            .iter()
            .any(|&attnum| column_at(&parent_columns, attnum).is_none())
        {
            return Err("the parent's whole row or a system column is read".into());
        }
        Ok(Some(Reference {
            prefix: format!("{}{relationship}.", member.prefix),
            child,
            reference_column: column.clone(),
            id_column: id_column.name.clone(),
            polymorphic: info.polymorphic,
        }))
    }
}

/// The Var under binary-compatible relabelling (varchar -> text), of a user column.
unsafe fn plain_var(node: *mut c_void) -> Option<*mut pg_sys::Var> {
    // SAFETY: an expression node (caller).
    unsafe {
        let mut node = node as *mut pg_sys::Node;
        while !node.is_null() && (*node).type_ == NodeTag::T_RelabelType {
            node = (*(node as *mut pg_sys::RelabelType)).arg as *mut pg_sys::Node;
        }
        if node.is_null() || (*node).type_ != NodeTag::T_Var {
            return None;
        }
        let var = node as *mut pg_sys::Var;
        ((*var).varlevelsup == 0 && (*var).varattno > 0).then_some(var)
    }
}

fn column_at(columns: &[TableColumn], attnum: i16) -> Option<&TableColumn> {
    columns.iter().find(|c| c.attnum == attnum)
}

/// Attribute numbers of `relid` its own WHERE conditions read.
unsafe fn restriction_attnums(root: *mut pg_sys::PlannerInfo, relid: u32) -> Vec<i16> {
    // SAFETY: relid is a base relation of the query being planned.
    unsafe {
        let rel = *(*root).simple_rel_array.add(relid as usize);
        let mut attrs: *mut pg_sys::Bitmapset = ptr::null_mut();
        let restrictions = (*rel).baserestrictinfo;
        for i in 0..list_len(restrictions) {
            let info = list_nth(restrictions, i) as *mut pg_sys::RestrictInfo;
            pg_sys::pull_varattnos((*info).clause as *mut pg_sys::Node, relid, &mut attrs);
        }
        super::attnums_of(attrs)
    }
}

/// Attribute numbers of `relid` the query reads anywhere above its scan (0: the whole row).
unsafe fn vars_of_rel(root: *mut pg_sys::PlannerInfo, relid: u32) -> Vec<i16> {
    // SAFETY: relid is a base relation of the query being planned.
    unsafe {
        let rel = *(*root).simple_rel_array.add(relid as usize);
        let mut attrs: *mut pg_sys::Bitmapset = ptr::null_mut();
        pg_sys::pull_varattnos(
            (*(*rel).reltarget).exprs as *mut pg_sys::Node,
            relid,
            &mut attrs,
        );
        super::attnums_of(attrs)
    }
}

/// Makes the scan's tuple (every Var the join's output and its local clauses read), plans it,
/// and adds the path.
unsafe fn add_path(
    root: *mut pg_sys::PlannerInfo,
    joinrel: *mut pg_sys::RelOptInfo,
    side: Side,
) -> Result<(), String> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let mut vars =
            pg_sys::pull_var_clause((*(*joinrel).reltarget).exprs as *mut pg_sys::Node, 0);
        for clause in &side.local {
            vars = pg_sys::list_concat(
                vars,
                pg_sys::pull_var_clause(*clause as *mut pg_sys::Node, 0),
            );
        }
        let tlist = pg_sys::add_to_flat_tlist(ptr::null_mut(), vars);
        // (as postgres_fdw does, the join's estimate becomes ours)
        let rows = side.rows.max(1.0).round();
        let plan = planned(joinrel, &side, tlist, rows)?;
        (*joinrel).rows = rows;
        let total = STARTUP_COST + rows * ROW_COST;

        let local = super::expr_list(&side.local);
        let params = super::expr_list(&side.params);
        let members = CString::new(serde_json::to_string(&side.members).unwrap_or_default())
            .unwrap_or_default();
        let mut private =
            pg_sys::lappend(ptr::null_mut(), super::plan_to_node(&plan) as *mut c_void);
        private = pg_sys::lappend(private, tlist as *mut c_void);
        private = pg_sys::lappend(private, local as *mut c_void);
        private = pg_sys::lappend(private, params as *mut c_void);
        private = pg_sys::lappend(
            private,
            pg_sys::makeString(pg_sys::pstrdup(members.as_ptr())) as *mut c_void,
        );
        (*joinrel).fdw_private = private as *mut c_void;
        let path = crate::pg::compat::foreign_join_path(root, joinrel, rows, STARTUP_COST, total);
        pg_sys::add_path(joinrel, path as *mut pg_sys::Path);
        Ok(())
    }
}

/// The scan plan of the joined tuple `tlist`, or why its columns cannot be read this way.
unsafe fn planned(
    joinrel: *mut pg_sys::RelOptInfo,
    side: &Side,
    tlist: *mut pg_sys::List,
    rows: f64,
) -> Result<ScanPlan, String> {
    // SAFETY: valid planner nodes (caller).
    unsafe {
        let mut tables: Vec<(u32, Vec<TableColumn>)> = Vec::new();
        for member in &side.members {
            let (_, columns) = catalog::table_columns(pg_sys::Oid::from(member.table_oid));
            tables.push((member.relid, columns));
        }
        let mut wanted: Vec<(&TableColumn, &str, i16)> = Vec::new();
        for i in 0..list_len(tlist) {
            let entry = list_nth(tlist, i) as *mut pg_sys::TargetEntry;
            let not_a_field = || "a whole row or a system column is read".to_string();
            let var = plain_var((*entry).expr as *mut c_void).ok_or_else(not_a_field)?;
            let relid = (*var).varno as u32;
            let member = side
                .members
                .iter()
                .position(|m| m.relid == relid)
                .ok_or_else(not_a_field)?;
            let column = column_at(&tables[member].1, (*var).varattno).ok_or_else(not_a_field)?;
            wanted.push((column, side.members[member].prefix.as_str(), (i + 1) as i16));
        }
        let (fields, columns) = select_list(wanted.into_iter()).map_err(|e| e.to_string())?;
        let mut plan = side.plan.clone();
        plan.wide = crate::scan::split::is_wide(&fields, plan.soql_where.as_deref());
        if plan.wide {
            return Err("the joined field list is too long for one request (16 KB)".into());
        }
        if plan.pushed.iter().any(Cond::wants_deleted_rows) {
            return Err("deleted rows (queryAll) are read".into());
        }
        plan.fields = fields;
        plan.columns = columns;
        plan.param_count = side.params.len();
        plan.local_clauses = side.local.len();
        plan.order_by = Vec::new();
        plan.limit = None;
        plan.lookup = None;
        plan.aggregate = None;
        plan.aggregate_note = None;
        plan.bulk = false;
        plan.bulk_note = None;
        plan.join_notes = Vec::new();
        let child_oid = pg_sys::Oid::from(side.members[0].table_oid);
        super::choose_bulk(&mut plan, rows, || {
            metadata::table_meta(child_oid, catalog::acting_user(joinrel))
        });
        Ok(plan)
    }
}

/// The members of a join this module shipped, and the clauses Postgres checks on its rows.
///
/// # Safety
/// `joinrel` must be a join relation whose fdw_private `add_path` set.
pub unsafe fn shipped_members(joinrel: *mut pg_sys::RelOptInfo) -> Option<ShippedJoin> {
    // SAFETY: the List `add_path` made (caller).
    unsafe {
        let list = (*joinrel).fdw_private as *mut pg_sys::List;
        let members = CStr::from_ptr((*(list_nth(list, 4) as *mut pg_sys::String)).sval);
        Some(ShippedJoin {
            plan: super::plan_from_node(list_nth(list, 0)),
            members: serde_json::from_str(&members.to_string_lossy()).ok()?,
            local: exprs(list_nth(list, 2) as *mut pg_sys::List),
            params: exprs(list_nth(list, 3) as *mut pg_sys::List),
        })
    }
}

/// What a shipped join's relation keeps (`add_path`).
pub struct ShippedJoin {
    pub plan: ScanPlan,
    pub members: Vec<Member>,
    /// Clauses Postgres evaluates on the joined rows.
    pub local: Vec<*mut pg_sys::Expr>,
    /// Runtime parameters of the pushed conditions.
    pub params: Vec<*mut pg_sys::Expr>,
}

/// GetForeignPlan of a joined path: a scan of no relation (scanrelid 0) whose tuple is
/// `fdw_scan_tlist`, with the clauses Postgres checks as its qual.
///
/// # Safety
/// `joinrel` must be a join relation whose path `add_path` made.
pub unsafe fn plan(
    joinrel: *mut pg_sys::RelOptInfo,
    tlist: *mut pg_sys::List,
    outer_plan: *mut pg_sys::Plan,
) -> *mut pg_sys::ForeignScan {
    // SAFETY: the List `add_path` left in the relation's fdw_private.
    unsafe {
        let private = (*joinrel).fdw_private as *mut pg_sys::List;
        let fdw_private = pg_sys::lappend(ptr::null_mut(), list_nth(private, 0));
        pg_sys::make_foreignscan(
            tlist,
            list_nth(private, 2) as *mut pg_sys::List,
            0,
            list_nth(private, 3) as *mut pg_sys::List,
            fdw_private,
            list_nth(private, 1) as *mut pg_sys::List,
            ptr::null_mut(),
            outer_plan,
        )
    }
}
