//! The ForeignDataWrapper implementation: thin glue between Postgres (through
//! supabase-wrappers' trait and macro, and our own scan callbacks) and the modules that talk to
//! Salesforce. Read-only: no modify callbacks are installed.

use std::collections::HashMap;

use pgrx::pg_sys;
use supabase_wrappers::prelude::*;

use crate::client::SalesforceClient;
use crate::error::{SfError, SfResult};
use crate::governor;
use crate::import::{self, ListType};
use crate::options::{self, AuthMethod, OptionLevel, ServerOptions};
use crate::records::RowShape;
use crate::scan::plan::{PlannedColumn, ScanPlan};
use crate::scan::rows::{fill_datums, RecordStream};
use crate::scan::split::SplitQueries;

#[wrappers_fdw(
    version = "0.1.0",
    author = "salesforce_fdw developers",
    website = "https://github.com/salesforce-fdw/salesforce_fdw",
    error_type = "SfError"
)]
pub struct SalesforceFdw {
    server: ForeignServer,
    columns: Vec<PlannedColumn>,
    stream: Option<RecordStream>,
}

impl SalesforceFdw {
    /// Starts reading the rows of a planned scan as the given user mapping; `soql` None
    /// means no row can match, and nothing is sent.
    pub fn start_scan(
        &mut self,
        plan: &ScanPlan,
        soql: Option<String>,
        split: Option<SplitQueries>,
        mapping: &HashMap<String, String>,
    ) -> SfResult<()> {
        let client = self.client(mapping)?;
        let bulk_timeout = std::time::Duration::from_millis(
            ServerOptions::from_map(&self.server.options)?.bulk_timeout_ms,
        );
        self.columns = plan.columns.clone();
        self.stream = Some(
            RecordStream::new(
                client,
                soql,
                plan.all_rows,
                plan.object.clone(),
                RowShape::new(plan.columns.iter().map(|c| c.field.clone())),
            )
            .with_bulk(
                plan.bulk,
                plan.bulk_mode == crate::options::BulkMode::Auto,
                bulk_timeout,
            )
            .with_split(split),
        );
        Ok(())
    }

    /// A client for this server as the user mapping's Salesforce user, once the governor
    /// agrees: when the last usage this backend saw is below the server's reserve, the usage is
    /// asked again (the daily window rolls) and work starts only if it is still fine.
    fn client(&self, mapping: &HashMap<String, String>) -> SfResult<SalesforceClient> {
        let options = ServerOptions::from_map(&self.server.options)?;
        let reserve = options.api_reserve_pct;
        let server_oid = self.server.server_oid.to_u32();
        let name = &self.server.server_name;
        let auth = AuthMethod::from_options(&self.server.options, mapping)?;
        let mut client = SalesforceClient::new(options, auth)?.track_usage(server_oid);
        if governor::check(server_oid, name, reserve).is_err() {
            client = crate::threads::interruptible("Salesforce limits", move || {
                client.set_off_main_thread(true);
                client.limits()?;
                client.set_off_main_thread(false);
                Ok(client)
            })?;
            governor::check(server_oid, name, reserve)?;
        }
        Ok(client)
    }

    /// Fills the slot arrays (by attribute number) with the next record's planned columns;
    /// false at the end. The caller has set every null flag.
    pub fn fill_next_row(
        &mut self,
        values: &mut [pg_sys::Datum],
        nulls: &mut [bool],
    ) -> SfResult<bool> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        match stream.next_record()? {
            Some((page, record)) => {
                fill_datums(page, record, &self.columns, values, nulls)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Restarts the scan, with a new SOQL when parameters changed (nested-loop rescans).
    pub fn restart_scan(&mut self, soql: Option<String>, split: Option<SplitQueries>) {
        if let Some(stream) = self.stream.as_mut() {
            stream.restart(soql, split);
        }
    }

    /// CREATE FOREIGN TABLE statements for IMPORT FOREIGN SCHEMA, from the org's describes,
    /// as the given user mapping sees them.
    pub fn import(
        &mut self,
        list: ListType,
        names: &[String],
        options: &HashMap<String, String>,
        mapping: &HashMap<String, String>,
    ) -> SfResult<Vec<String>> {
        let import_options = import::parse_import_options(options)?;
        let mut client = self.client(mapping)?;
        let names = names.to_vec();
        let naming = import_options.naming;
        // The describes are asked on a thread of their own, so a cancel ends the wait.
        let described = crate::threads::interruptible("Salesforce describe", move || {
            client.set_off_main_thread(true);
            let global = client.describe_global()?;
            let targets = import::import_targets(&global, list, &names, naming)?;
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
                    if let Some(filter) = import::required_filter(&target.object) {
                        pgrx::notice!(
                            "salesforce_fdw: table {} (object {}) can only be read with a filter: {filter}",
                            target.table,
                            target.object
                        );
                    }
                    statements.push(import::foreign_table_sql_named(
                        &describe,
                        &target.table,
                        &self.server.server_name,
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

    /// (used, max) daily API requests of a server as the current role sees them, from
    /// `/limits`; the response also updates the governor.
    pub fn daily_api_usage(server_oid: pg_sys::Oid) -> SfResult<(u64, u64)> {
        let server = crate::scan::catalog::server(server_oid);
        // SAFETY: GetUserId only reads the backend's current user id.
        let mapping = crate::scan::catalog::user_mapping_or_error(
            unsafe { pg_sys::GetUserId() },
            server_oid,
        )?;
        let server_options = ServerOptions::from_map(&server.options)?;
        let auth = AuthMethod::from_options(&server.options, &mapping)?;
        let mut client =
            SalesforceClient::new(server_options, auth)?.track_usage(server_oid.to_u32());
        let limits = crate::threads::interruptible("Salesforce limits", move || {
            client.set_off_main_thread(true);
            client.limits()
        })?;
        let daily = &limits["DailyApiRequests"];
        let max = daily["Max"].as_u64().unwrap_or(0);
        let remaining = daily["Remaining"].as_u64().unwrap_or(0);
        Ok((max.saturating_sub(remaining), max))
    }

    /// Frees the HTTP client and the buffered page as soon as the scan ends (and deletes a
    /// Bulk job that was not read to its end).
    pub fn finish_scan(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            stream.finish();
        }
    }
}

impl ForeignDataWrapper<SfError> for SalesforceFdw {
    fn new(server: ForeignServer) -> Result<Self, SfError> {
        // Validate early so a bad server option is reported before any network call.
        ServerOptions::from_map(&server.options)?;
        Ok(SalesforceFdw {
            server,
            columns: Vec::new(),
            stream: None,
        })
    }

    /// The framework's scan entry points are not used: `fdw_routine_hook` installs our own
    /// scan callbacks (see `scan`), which plan at plan time and fill slots directly.
    fn begin_scan(
        &mut self,
        _quals: &[Qual],
        _columns: &[Column],
        _sorts: &[Sort],
        _limit: &Option<Limit>,
        _options: &HashMap<String, String>,
    ) -> Result<(), SfError> {
        Err(SfError::Protocol {
            url: "scan".into(),
            reason: "scans run through salesforce_fdw's own callbacks".into(),
        })
    }

    fn iter_scan(&mut self, _row: &mut Row) -> Result<Option<()>, SfError> {
        Ok(None)
    }

    fn re_scan(&mut self) -> Result<(), SfError> {
        if let Some(stream) = self.stream.as_mut() {
            let soql = stream.soql().map(str::to_string);
            let split = stream.split().cloned();
            stream.restart(soql, split);
        }
        Ok(())
    }

    fn end_scan(&mut self) -> Result<(), SfError> {
        self.finish_scan();
        Ok(())
    }

    fn fdw_routine_hook(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
        crate::scan::install(routine);
        routine.ImportForeignSchema = Some(crate::import_callback::import_foreign_schema);
    }

    fn validator(
        options: Vec<Option<String>>,
        catalog: Option<pg_sys::Oid>,
    ) -> Result<(), SfError> {
        let Some(catalog) = catalog else {
            return Ok(());
        };
        let level = match catalog {
            pg_sys::ForeignDataWrapperRelationId => OptionLevel::Wrapper,
            pg_sys::ForeignServerRelationId => OptionLevel::Server,
            pg_sys::UserMappingRelationId => OptionLevel::UserMapping,
            pg_sys::ForeignTableRelationId => OptionLevel::Table,
            pg_sys::AttributeRelationId => OptionLevel::Column,
            _ => return Ok(()),
        };
        let pairs: Vec<(String, String)> = options
            .into_iter()
            .flatten()
            .map(|entry| match entry.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (entry, String::new()),
            })
            .collect();
        options::validate(level, &pairs)
    }
}
