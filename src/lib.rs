//! salesforce_fdw: Salesforce objects as PostgreSQL foreign tables. Wiring only.

use pgrx::prelude::*;

// Layers, each using only those below it: pure Rust (error, options, naming, pushdown, soql,
// aggregate, describe);
// remote (everything that talks to Salesforce); pg (catalog and datums); scan and import (the
// callbacks); fdw (handler, validator, hook) and sql_api (the SQL functions).
pub mod aggregate;
pub mod describe;
pub mod error;
pub mod naming;
pub mod options;
pub mod pushdown;
pub mod soql;

pub mod remote;

pub mod pg;
pub mod settings;

pub mod import;
pub mod scan;

pub mod fdw;
pub mod sql_api;

#[cfg(test)]
mod fixture_replay;

pub use error::SfError;

pg_module_magic!();

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    settings::register();
    scan::invalidation::register();
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
