//! ORDER BY pushdown: a query's sort keys go to Salesforce only where SOQL orders exactly as
//! Postgres does (numbers, dates, datetimes, booleans; never text, which SOQL orders
//! case-insensitively), always with explicit NULLS FIRST/LAST.

use pgrx::pg_sys;

use crate::pushdown::FieldClass;
use crate::scan::deparse::ColumnRef;

/// SOQL ORDER BY items for the query's pathkeys, or None when any key cannot be pushed.
///
/// # Safety
/// `root` and `baserel` must be the planner structures of the scan being planned.
pub unsafe fn order_by_for_pathkeys(
    pathkeys: *mut pg_sys::List,
    baserel: *mut pg_sys::RelOptInfo,
    columns: &[ColumnRef],
) -> Option<Vec<String>> {
    unsafe {
        if pathkeys.is_null() {
            return None;
        }
        let mut items = Vec::new();
        for i in 0..(*pathkeys).length as usize {
            let key = (*(*pathkeys).elements.add(i)).ptr_value as *mut pg_sys::PathKey;
            items.push(order_item(key, baserel, columns)?);
        }
        Some(items)
    }
}

unsafe fn order_item(
    key: *mut pg_sys::PathKey,
    baserel: *mut pg_sys::RelOptInfo,
    columns: &[ColumnRef],
) -> Option<String> {
    unsafe {
        let class = (*key).pk_eclass;
        if (*class).ec_has_volatile {
            return None;
        }
        let members = (*class).ec_members;
        for i in 0..(*members).length as usize {
            let member = (*(*members).elements.add(i)).ptr_value as *mut pg_sys::EquivalenceMember;
            if (*member).em_is_const || (*member).em_is_child {
                continue;
            }
            let expr = (*member).em_expr as *mut pg_sys::Node;
            if (*expr).type_ != pg_sys::NodeTag::T_Var {
                continue;
            }
            let var = expr as *mut pg_sys::Var;
            if (*var).varno as u32 != (*baserel).relid || (*var).varlevelsup != 0 {
                continue;
            }
            let column = columns.iter().find(|c| c.attnum == (*var).varattno)?;
            if !column.sortable || matches!(column.class?, FieldClass::Text | FieldClass::Id) {
                return None;
            }
            // Only the type's own default ordering.
            let opclass = pg_sys::GetDefaultOpClass(column.type_oid, pg_sys::BTREE_AM_OID);
            if opclass == pg_sys::InvalidOid
                || pg_sys::get_opclass_family(opclass) != (*key).pk_opfamily
            {
                return None;
            }
            let direction = crate::pg::compat::pathkey_direction(key)?;
            let nulls = if (*key).pk_nulls_first {
                "NULLS FIRST"
            } else {
                "NULLS LAST"
            };
            return Some(format!("{} {direction} {nulls}", column.field));
        }
        None
    }
}
