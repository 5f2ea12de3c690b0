//! The executor side of a scan: a lazy, page-at-a-time stream of records (memory bounded by one
//! page), and the mapping of one record onto the planned columns.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::Value;
use supabase_wrappers::prelude::Cell;

use crate::bulk::BulkJob;
use crate::client::SalesforceClient;
use crate::error::{SfError, SfResult};
use crate::scan::plan::PlannedColumn;
use crate::scan::prefetch::Prefetch;
use crate::types::json_to_cell;

static NULL: Value = Value::Null;

pub struct RecordStream {
    /// None while a prefetch thread has it.
    client: Option<SalesforceClient>,
    /// None: no row can match, nothing is sent.
    soql: Option<String>,
    all_rows: bool,
    object: String,
    page: VecDeque<Value>,
    /// The thread fetching REST query pages ahead.
    prefetch: Option<Prefetch>,
    started: bool,
    progress: Progress,
    /// Read through a Bulk API 2.0 query job instead of REST query pages.
    bulk: bool,
    job: Option<BulkJob>,
}

/// Rows read so far, reported as a NOTICE every `salesforce_fdw.progress_interval` seconds.
struct Progress {
    rows: u64,
    started_at: Instant,
    last_report: Instant,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Progress {
            rows: 0,
            started_at: now,
            last_report: now,
        }
    }

    fn add(&mut self, rows: usize, object: &str) {
        self.rows += rows as u64;
        let interval = crate::settings::PROGRESS_INTERVAL.get();
        if interval <= 0 || self.last_report.elapsed() < Duration::from_secs(interval as u64) {
            return;
        }
        self.last_report = Instant::now();
        let seconds = self.started_at.elapsed().as_secs_f64().max(0.001);
        pgrx::notice!(
            "salesforce_fdw: {} rows of {object} read in {:.0} s ({:.0} rows/s)",
            self.rows,
            seconds,
            self.rows as f64 / seconds
        );
    }
}

impl RecordStream {
    pub fn new(
        client: SalesforceClient,
        soql: Option<String>,
        all_rows: bool,
        object: String,
    ) -> Self {
        RecordStream {
            client: Some(client),
            soql,
            all_rows,
            object,
            page: VecDeque::new(),
            prefetch: None,
            started: false,
            progress: Progress::new(),
            bulk: false,
            job: None,
        }
    }

    /// Reads through Bulk API 2.0 rather than REST query pages.
    pub fn with_bulk(mut self, bulk: bool) -> Self {
        self.bulk = bulk;
        self
    }

    /// Stops the prefetch thread, and deletes a Bulk job that was not read to its end (the
    /// end of a completed one deletes it).
    pub fn finish(&mut self) {
        if let Some(prefetch) = self.prefetch.take() {
            if let Ok(client) = prefetch.stop() {
                self.client = Some(client);
            }
        }
        if let Some(job) = self.job.take() {
            if let Some(client) = self.client.as_mut() {
                job.delete(client);
            }
        }
    }

    fn client(&mut self) -> SfResult<&mut SalesforceClient> {
        self.client.as_mut().ok_or_else(|| SfError::Protocol {
            url: "scan".into(),
            reason: "the connection of this scan was lost after an earlier error".into(),
        })
    }

    /// Starts over from the first page (a rescan), possibly with another SOQL.
    pub fn restart(&mut self, soql: Option<String>) {
        self.finish();
        self.soql = soql;
        self.page.clear();
        self.started = false;
    }

    pub fn soql(&self) -> Option<&str> {
        self.soql.as_deref()
    }

    /// The next record, fetching the next page when the current one is used up.
    pub fn next_record(&mut self) -> SfResult<Option<Value>> {
        if self.bulk {
            return self.next_bulk_record();
        }
        loop {
            if let Some(record) = self.page.pop_front() {
                return Ok(Some(record));
            }
            if !self.started {
                self.started = true;
                let Some(soql) = self.soql.clone() else {
                    return Ok(None);
                };
                self.client()?;
                let client = self.client.take().expect("checked just above");
                self.prefetch = Some(Prefetch::start(client, soql, self.all_rows)?);
            }
            let Some(prefetch) = self.prefetch.as_mut() else {
                return Ok(None);
            };
            match prefetch
                .next_page()
                .map_err(|e| e.for_object(&self.object))?
            {
                Some(records) => {
                    self.progress.add(records.len(), &self.object);
                    self.page = records.into();
                }
                None => {
                    self.finish();
                    return Ok(None);
                }
            }
        }
    }
}

impl RecordStream {
    fn next_bulk_record(&mut self) -> SfResult<Option<Value>> {
        loop {
            if let Some(record) = self.page.pop_front() {
                return Ok(Some(record));
            }
            if !self.started {
                self.started = true;
                let Some(soql) = &self.soql else {
                    return Ok(None);
                };
                let (soql, all_rows, object) = (soql.clone(), self.all_rows, self.object.clone());
                let job = BulkJob::start(self.client()?, &soql, all_rows, &object)
                    .map_err(|e| e.for_object(&object))?;
                self.job = Some(job);
            }
            if self.job.is_none() {
                return Ok(None);
            }
            // Between pages is where a cancel or statement_timeout takes effect.
            pgrx::check_for_interrupts!();
            let client = self.client.as_mut().ok_or_else(|| SfError::Protocol {
                url: "scan".into(),
                reason: "the connection of this scan was lost after an earlier error".into(),
            })?;
            let job = self.job.as_mut().expect("checked just above");
            match job
                .next_page(client)
                .map_err(|e| e.for_object(&self.object))?
            {
                Some(records) => {
                    self.progress.add(records.len(), &self.object);
                    self.page = records;
                }
                None => {
                    self.finish();
                    return Ok(None);
                }
            }
        }
    }
}

/// The value at a field name or relationship path (`Owner.Name`), matching keys
/// case-insensitively as SOQL names are; a null parent gives null.
pub fn field_value<'a>(record: &'a Value, path: &str) -> &'a Value {
    // Bulk API CSV records are flat: a path is a key of its own ("Owner.Name").
    if path.contains('.') {
        if let Some(value) = record.get(path) {
            return value;
        }
    }
    let mut current = record;
    for segment in path.split('.') {
        let Value::Object(map) = current else {
            return &NULL;
        };
        current = match map.get(segment) {
            Some(v) => v,
            None => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(segment))
                .map(|(_, v)| v)
                .unwrap_or(&NULL),
        };
    }
    current
}

/// Appends the cells of the planned columns of one record, in plan order.
pub fn fill_cells(
    record: &Value,
    columns: &[PlannedColumn],
    cells: &mut Vec<Option<Cell>>,
) -> SfResult<()> {
    for column in columns {
        let value = field_value(record, &column.field);
        let cell = json_to_cell(column.kind, column.typmod, value).map_err(|reason| {
            SfError::Conversion {
                field: column.field.clone(),
                column: column.name.clone(),
                type_name: format!("{:?}", column.kind).to_lowercase(),
                reason,
            }
        })?;
        cells.push(cell);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_nested_objects_case_insensitively() {
        let record = json!({
            "attributes": {"type": "Task"},
            "Subject": "Call",
            "Owner": {"attributes": {"type": "User"}, "Name": "Ada"},
            "What": null
        });
        assert_eq!(field_value(&record, "Subject"), &json!("Call"));
        assert_eq!(field_value(&record, "subject"), &json!("Call"));
        assert_eq!(field_value(&record, "Owner.Name"), &json!("Ada"));
        assert_eq!(field_value(&record, "owner.name"), &json!("Ada"));
        assert_eq!(field_value(&record, "What.Type"), &Value::Null);
        assert_eq!(field_value(&record, "Missing"), &Value::Null);
        let flat = json!({"Id": "1", "Owner.Name": "Ada"});
        assert_eq!(field_value(&flat, "Owner.Name"), &json!("Ada"));
    }
}
