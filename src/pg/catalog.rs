//! Catalog reads the scan needs: option lists, the foreign table's columns, user mappings.

use std::collections::HashMap;
use std::ffi::CStr;

use pgrx::pg_sys;
use pgrx::PgRelation;

use crate::pg::datum::PgKind;

/// A `List` of `DefElem` (catalog options) as a map.
///
/// # Safety
/// `list` must be NULL or a valid List of DefElem.
pub unsafe fn options_map(list: *mut pg_sys::List) -> HashMap<String, String> {
    let mut map = HashMap::new();
    if list.is_null() {
        return map;
    }
    unsafe {
        for i in 0..(*list).length as usize {
            let def = (*(*list).elements.add(i)).ptr_value as *mut pg_sys::DefElem;
            let name = CStr::from_ptr((*def).defname)
                .to_string_lossy()
                .into_owned();
            let value = CStr::from_ptr(pg_sys::defGetString(def))
                .to_string_lossy()
                .into_owned();
            map.insert(name, value);
        }
    }
    map
}

pub fn table_options(table_oid: pg_sys::Oid) -> (pg_sys::Oid, HashMap<String, String>) {
    unsafe {
        let table = pg_sys::GetForeignTable(table_oid);
        ((*table).serverid, options_map((*table).options))
    }
}

/// The role a scan of `rel` acts as, at planning and execution alike: the owner of the view it
/// is read through, else the current user (postgres_fdw: the relation's `userid`, which the
/// planner fills from the range table entry's checkAsUser).
///
/// # Safety
/// `rel` must be a RelOptInfo of the query being planned.
pub unsafe fn acting_user(rel: *mut pg_sys::RelOptInfo) -> pg_sys::Oid {
    // SAFETY: the planner passes a valid RelOptInfo; GetUserId only reads the current user id.
    unsafe {
        if (*rel).userid != pg_sys::InvalidOid {
            (*rel).userid
        } else {
            pg_sys::GetUserId()
        }
    }
}

pub fn server(server_oid: pg_sys::Oid) -> supabase_wrappers::prelude::ForeignServer {
    unsafe {
        let server = pg_sys::GetForeignServer(server_oid);
        let text = |p: *mut std::ffi::c_char| {
            (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
        };
        supabase_wrappers::prelude::ForeignServer {
            server_oid,
            server_name: text((*server).servername).unwrap_or_default(),
            server_type: text((*server).servertype),
            server_version: text((*server).serverversion),
            options: options_map((*server).options),
        }
    }
}

/// The options of `user`'s user mapping for the server (or PUBLIC's); Postgres raises a clear
/// error when there is none.
pub fn user_mapping_options(user: pg_sys::Oid, server_oid: pg_sys::Oid) -> HashMap<String, String> {
    unsafe {
        let mapping = pg_sys::GetUserMapping(user, server_oid);
        options_map((*mapping).options)
    }
}

/// The user mapping's options, or an error naming the role and the server when it has none.
pub fn user_mapping_or_error(
    user: pg_sys::Oid,
    server_oid: pg_sys::Oid,
) -> crate::error::SfResult<HashMap<String, String>> {
    user_mapping_if_any(user, server_oid).ok_or_else(|| crate::error::SfError::NoUserMapping {
        role: role_name(user),
        server: server(server_oid).server_name,
    })
}

/// A role's name (`public` for InvalidOid, as PUBLIC user mappings are written).
pub fn role_name(role: pg_sys::Oid) -> String {
    if role == pg_sys::InvalidOid {
        return "public".into();
    }
    // SAFETY: GetUserNameFromId with noerr = true returns NULL for an unknown role instead of
    // raising; the name is copied before anything else runs.
    unsafe {
        let name = pg_sys::GetUserNameFromId(role, true);
        if name.is_null() {
            format!("oid {}", role.to_u32())
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    }
}

/// The user mapping's options, or None when the role has none (instead of Postgres' error):
/// for work that is optional, such as plan-time metadata or the usage report.
pub fn user_mapping_if_any(
    user: pg_sys::Oid,
    server_oid: pg_sys::Oid,
) -> Option<HashMap<String, String>> {
    // Looked up as GetUserMapping does (the role's own, then PUBLIC's), so that GetUserMapping
    // is only called when it cannot raise "user mapping not found".
    let exists = |role: pg_sys::Oid| {
        // SAFETY: a syscache existence probe with two OID keys; it reads the catalog only.
        unsafe {
            pg_sys::SearchSysCacheExists(
                pg_sys::SysCacheIdentifier::USERMAPPINGUSERSERVER as i32,
                role.into(),
                server_oid.into(),
                pg_sys::Datum::from(0),
                pg_sys::Datum::from(0),
            )
        }
    };
    (exists(user) || exists(pg_sys::InvalidOid)).then(|| user_mapping_options(user, server_oid))
}

/// A column of the foreign table as the catalog describes it.
#[derive(Debug, Clone)]
pub struct TableColumn {
    pub attnum: i16,
    pub name: String,
    pub type_name: String,
    pub type_oid: pgrx::pg_sys::Oid,
    /// The column's type modifier (-1 for none), e.g. the scale of numeric(18,2).
    pub typmod: i32,
    pub kind: Option<PgKind>,
    /// The `field` column option, if any.
    pub field: Option<String>,
    /// All of the column's options (IMPORT's `sf_type`, `filterable`, `sortable`...).
    pub options: std::collections::HashMap<String, String>,
}

/// The live columns of a foreign table with their types and `field` options.
///
/// # Safety
/// The relation must be locked (it is, during planning).
pub unsafe fn table_columns(table_oid: pg_sys::Oid) -> (String, Vec<TableColumn>) {
    unsafe {
        let relation = PgRelation::open(table_oid);
        let name = relation.name().to_string();
        let mut columns = Vec::new();
        for attribute in relation.tuple_desc().iter() {
            if attribute.is_dropped() {
                continue;
            }
            let type_oid = attribute.type_oid().value();
            let options = options_map(pg_sys::GetForeignColumnOptions(table_oid, attribute.attnum));
            let type_name = CStr::from_ptr(pg_sys::format_type_be(type_oid))
                .to_string_lossy()
                .into_owned();
            columns.push(TableColumn {
                attnum: attribute.attnum,
                name: attribute.name().to_string(),
                type_name,
                type_oid,
                typmod: attribute.atttypmod,
                kind: PgKind::from_oid(type_oid),
                field: options.get("field").cloned(),
                options,
            });
        }
        (name, columns)
    }
}
