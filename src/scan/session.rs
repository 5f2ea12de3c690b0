//! One scan's reading side, owned by the executor state: the stream of records of the planned
//! columns, started as the scan's user mapping, restarted by rescans, finished at the end.

use std::collections::HashMap;

use pgrx::pg_sys;
use supabase_wrappers::prelude::ForeignServer;

use crate::error::SfResult;
use crate::options::{BulkMode, ServerOptions};
use crate::remote::connection;
use crate::remote::records::{Page, RowShape};
use crate::scan::plan::{PlannedColumn, ScanPlan};
use crate::scan::rows::{fill_datums, RecordStream};
use crate::scan::split::SplitQueries;

pub struct ScanSession {
    server: ForeignServer,
    columns: Vec<PlannedColumn>,
    stream: Option<RecordStream>,
}

impl ScanSession {
    /// A session on `server`; a bad server option is reported before any network call.
    pub fn new(server: ForeignServer) -> SfResult<ScanSession> {
        ServerOptions::from_map(&server.options)?;
        Ok(ScanSession {
            server,
            columns: Vec::new(),
            stream: None,
        })
    }

    /// Starts reading the rows of a planned scan as the given user mapping; `soql` None
    /// means no row can match, and nothing is sent.
    pub fn start(
        &mut self,
        plan: &ScanPlan,
        soql: Option<String>,
        split: Option<SplitQueries>,
        mapping: &HashMap<String, String>,
    ) -> SfResult<()> {
        let client = connection::connect(&self.server, mapping)?;
        let server_options = ServerOptions::from_map(&self.server.options)?;
        let bulk_timeout = std::time::Duration::from_millis(server_options.bulk_timeout_ms);
        self.columns = plan.columns.clone();
        self.stream = Some(
            RecordStream::new(
                client,
                soql,
                plan.all_rows,
                plan.object.clone(),
                match &plan.aggregate {
                    // An aggregate's record keys: group fields and aggregate aliases.
                    Some(aggregate) => RowShape::new(aggregate.select.keys.clone()),
                    None => RowShape::new(plan.columns.iter().map(|c| c.field.clone())),
                },
            )
            .with_bulk(
                plan.bulk,
                plan.bulk_mode == BulkMode::Auto,
                bulk_timeout,
                server_options.bulk_parallelism as usize,
            )
            .with_split(split),
        );
        Ok(())
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

    /// The next record and the page holding it (which tells how many records came with it),
    /// or None at the end.
    pub fn next_record(&mut self) -> SfResult<Option<(&Page, usize)>> {
        match self.stream.as_mut() {
            Some(stream) => stream.next_record(),
            None => Ok(None),
        }
    }

    /// Restarts the scan, with a new SOQL when parameters changed (nested-loop rescans).
    pub fn restart(&mut self, soql: Option<String>, split: Option<SplitQueries>) {
        if let Some(stream) = self.stream.as_mut() {
            stream.restart(soql, split);
        }
    }

    /// Frees the HTTP client and the buffered page as soon as the scan ends (and deletes a
    /// Bulk job that was not read to its end).
    pub fn finish(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            stream.finish();
        }
    }
}
