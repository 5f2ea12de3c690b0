//! IMPORT FOREIGN SCHEMA: the callback (`callback`), what it asks Salesforce (`statements`), and
//! the pure translation of describes into CREATE FOREIGN TABLE statements (`ddl`).

pub mod callback;
pub mod ddl;

pub use ddl::*;

use std::collections::HashMap;

use supabase_wrappers::prelude::ForeignServer;

use crate::error::SfResult;
use crate::remote::connection;

/// CREATE FOREIGN TABLE statements for IMPORT FOREIGN SCHEMA, from the org's describes,
/// as the given user mapping sees them.
pub fn statements(
    server: &ForeignServer,
    list: ListType,
    names: &[String],
    options: &HashMap<String, String>,
    mapping: &HashMap<String, String>,
) -> SfResult<Vec<String>> {
    let import_options = ddl::parse_import_options(options)?;
    let mut client = connection::connect(server, mapping)?;
    let names = names.to_vec();
    let naming = import_options.naming;
    // The describes are asked on a thread of their own, so a cancel ends the wait.
    let described = crate::remote::threads::interruptible("Salesforce describe", move || {
        client.set_off_main_thread(true);
        let global = client.describe_global()?;
        let targets = ddl::import_targets(&global, list, &names, naming)?;
        // One call for every object's row count (stored as the estimate planning uses).
        let objects: Vec<&str> = targets.iter().map(|t| t.object.as_str()).collect();
        let counts = client.record_counts(&objects).unwrap_or_default();
        Ok(targets
            .into_iter()
            .map(|target| {
                let describe = client.describe(&target.object);
                let count = counts.get(&target.object.to_ascii_lowercase()).copied();
                (target, describe, count)
            })
            .collect::<Vec<_>>())
    })?;
    let mut statements = Vec::with_capacity(described.len());
    for (target, describe, count) in described {
        match describe {
            Ok(describe) => {
                if let Some(filter) = ddl::required_filter(&target.object) {
                    pgrx::notice!(
                        "salesforce_fdw: table {} (object {}) can only be read with a filter: {filter}",
                        target.table,
                        target.object
                    );
                }
                statements.push(ddl::foreign_table_sql_named(
                    &describe,
                    &target.table,
                    &server.server_name,
                    &import_options,
                    count,
                )?)
            }
            // Importing a whole org, an object this user may not describe is skipped with a
            // warning; one named in LIMIT TO is an error.
            Err(e) if list != ListType::LimitTo => {
                pgrx::warning!("salesforce_fdw: skipping {}: {e}", target.object)
            }
            Err(e) => return Err(e),
        }
    }
    Ok(statements)
}
