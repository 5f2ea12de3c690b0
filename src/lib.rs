//! salesforce_fdw: Salesforce objects as PostgreSQL foreign tables. Wiring only.

use pgrx::prelude::*;

pub mod auth;
pub mod bulk;
pub mod client;
pub mod error;
pub mod fdw;
pub mod governor;
pub mod import;
pub mod import_callback;
pub mod naming;
pub mod options;
pub mod pushdown;
pub mod records;
pub mod scan;
pub mod settings;
pub mod soql;
pub mod threads;
pub mod token_store;
pub mod types;

#[cfg(test)]
mod fixture_replay;

pub use error::SfError;

pg_module_magic!();

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::register();
}

// CREATE EXTENSION creates the wrapper itself, as postgres_fdw does.
extension_sql!(
    r#"
CREATE FOREIGN DATA WRAPPER salesforce_fdw
  HANDLER salesforce_fdw_handler
  VALIDATOR salesforce_fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER salesforce_fdw IS 'Salesforce objects as foreign tables (read-only)';
"#,
    name = "create_wrapper",
    finalize
);

// Snapshot tables and the refresh / schedule procedures (DESIGN.md section 7).
extension_sql_file!(
    "../sql/snapshots.sql",
    name = "snapshots",
    requires = ["create_wrapper"]
);
