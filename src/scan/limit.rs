//! When a query's LIMIT may go to Salesforce: the scan must be the query's only relation,
//! nothing may be filtered locally (checked by the caller), and nothing may come between the
//! scan and the LIMIT (grouping, aggregates, window functions, DISTINCT, set-returning
//! functions, or a sort Salesforce does not do).

use pgrx::pg_sys;

/// The number of rows to ask for (LIMIT + OFFSET), if the LIMIT can be pushed.
///
/// # Safety
/// `root` must be the planner info of the query being planned.
/// `sorted_by_us`: the scan returns rows already in the query's ORDER BY (pushed to SOQL).
pub unsafe fn pushable_limit(root: *mut pg_sys::PlannerInfo, sorted_by_us: bool) -> Option<u64> {
    unsafe {
        let parse = (*root).parse;
        if (*parse).commandType != pg_sys::CmdType::CMD_SELECT
            || pg_sys::bms_membership((*root).all_baserels) != pg_sys::BMS_Membership::BMS_SINGLETON
            || !(*parse).groupClause.is_null()
            || !(*parse).groupingSets.is_null()
            || (*parse).hasAggs
            || (*parse).hasWindowFuncs
            || (*parse).hasTargetSRFs
            || !(*parse).havingQual.is_null()
            || !(*parse).distinctClause.is_null()
            || (!(*parse).sortClause.is_null() && !sorted_by_us)
            || !(*parse).setOperations.is_null()
            || !(*parse).rowMarks.is_null()
            || (*parse).limitOption != pg_sys::LimitOption::LIMIT_OPTION_COUNT
        {
            return None;
        }
        let count = const_i64((*parse).limitCount)?;
        let offset = if (*parse).limitOffset.is_null() {
            0
        } else {
            const_i64((*parse).limitOffset)?
        };
        u64::try_from(count.checked_add(offset)?).ok()
    }
}

/// The value of a non-null int8 constant (LIMIT and OFFSET are coerced to bigint).
unsafe fn const_i64(node: *mut pg_sys::Node) -> Option<i64> {
    unsafe {
        if node.is_null() || (*node).type_ != pg_sys::NodeTag::T_Const {
            return None;
        }
        let c = node as *mut pg_sys::Const;
        if (*c).constisnull || (*c).consttype != pg_sys::INT8OID {
            return None;
        }
        Some((*c).constvalue.value() as i64)
    }
}
