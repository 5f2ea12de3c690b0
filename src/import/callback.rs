//! The ImportForeignSchema callback: reads the statement, lets `import::statements` build the
//! CREATE FOREIGN TABLE statements, and hands them to Postgres.
//!
//! We apply LIMIT TO / EXCEPT ourselves, matching API names and snake_case names
//! case-insensitively; core's own filter compares table names exactly and would silently drop
//! `LIMIT TO ("Invoice__c")` (table `invoice__c`), so after filtering we lift it by marking
//! the statement as importing everything. (Core copies a cached statement before running it,
//! so the change does not outlive this execution.)

use std::collections::HashMap;
use std::ffi::{c_void, CStr, CString};

use crate::import::ListType;
use crate::pg::catalog;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// Installs the callback over the framework's.
pub fn install(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
    routine.ImportForeignSchema = Some(import_foreign_schema);
}

#[pg_guard]
pub unsafe extern "C-unwind" fn import_foreign_schema(
    stmt: *mut pg_sys::ImportForeignSchemaStmt,
    server_oid: pg_sys::Oid,
) -> *mut pg_sys::List {
    use pgrx::pg_sys::panic::{ErrorReport, ErrorReportable};
    unsafe {
        let list = match (*stmt).list_type {
            pg_sys::ImportForeignSchemaType::FDW_IMPORT_SCHEMA_LIMIT_TO => ListType::LimitTo,
            pg_sys::ImportForeignSchemaType::FDW_IMPORT_SCHEMA_EXCEPT => ListType::Except,
            _ => ListType::All,
        };
        let mut names = Vec::new();
        let table_list = (*stmt).table_list;
        if !table_list.is_null() {
            for i in 0..(*table_list).length as usize {
                let range_var = (*(*table_list).elements.add(i)).ptr_value as *mut pg_sys::RangeVar;
                names.push(
                    CStr::from_ptr((*range_var).relname)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
        let options: HashMap<String, String> = catalog::options_map((*stmt).options);
        let server = catalog::server(server_oid);
        let statements = catalog::user_mapping_or_error(pg_sys::GetUserId(), server_oid)
            .and_then(|mapping| {
                crate::options::ServerOptions::from_map(&server.options)?;
                crate::import::statements(&server, list, &names, &options, &mapping)
            })
            .map_err(ErrorReport::from)
            .unwrap_or_report();

        (*stmt).list_type = pg_sys::ImportForeignSchemaType::FDW_IMPORT_SCHEMA_ALL;

        let mut result: *mut pg_sys::List = std::ptr::null_mut();
        for statement in statements {
            let text = CString::new(statement).unwrap_or_default();
            result = pg_sys::lappend(result, pg_sys::pstrdup(text.as_ptr()) as *mut c_void);
        }
        result
    }
}
