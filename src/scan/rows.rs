//! The executor side of a scan: a lazy, page-at-a-time stream of records (memory bounded by the
//! few pages in flight, see `prefetch`), and the mapping of one record onto the slot's datums.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pgrx::pg_sys::Datum;

use crate::error::{SfError, SfResult};
use crate::pg::datum::field_to_datum;
use crate::remote::client::SalesforceClient;
use crate::remote::records::{Page, RowShape};
use crate::scan::plan::PlannedColumn;
use crate::scan::prefetch::{PageSource, Prefetch};
use crate::scan::split::SplitQueries;

pub struct RecordStream {
    /// None while a prefetch thread has it.
    client: Option<SalesforceClient>,
    /// None: no row can match, nothing is sent.
    soql: Option<String>,
    all_rows: bool,
    object: String,
    /// Where the planned columns are in a record.
    shape: RowShape,
    /// The page being read, and the position of its next record.
    page: Option<Arc<Page>>,
    next: usize,
    /// The thread fetching pages ahead.
    prefetch: Option<Prefetch>,
    started: bool,
    progress: Progress,
    /// Read through a Bulk API 2.0 query job instead of REST query pages.
    bulk: bool,
    /// REST pages when the job cannot serve the scan (bulk 'auto').
    bulk_fallback: bool,
    bulk_timeout: Duration,
    bulk_parallelism: usize,
    /// REST queries of a read too wide for one request.
    split: Option<SplitQueries>,
    /// The pages read so far, kept while they fit in `keep_budget` bytes, so that a rescan
    /// asking the same can be answered from memory (`session`).
    kept: Vec<Arc<Page>>,
    kept_bytes: usize,
    keep_budget: usize,
    /// Every page of the SOQL was read and kept.
    kept_all: bool,
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
        shape: RowShape,
    ) -> Self {
        RecordStream {
            client: Some(client),
            soql,
            all_rows,
            object,
            shape,
            page: None,
            next: 0,
            prefetch: None,
            started: false,
            progress: Progress::new(),
            bulk: false,
            bulk_fallback: false,
            bulk_timeout: Duration::from_secs(600),
            bulk_parallelism: 1,
            split: None,
            kept: Vec::new(),
            kept_bytes: 0,
            keep_budget: 0,
            kept_all: false,
        }
    }

    /// Keeps the pages read, up to `bytes` in all (0: keeps none).
    pub fn keeping(mut self, bytes: usize) -> Self {
        self.keep_budget = bytes;
        self
    }

    /// The whole result of the SOQL just read to its end, when all of it was kept: its pages
    /// and their size. Taken once.
    pub fn take_kept(&mut self) -> Option<(String, Vec<Arc<Page>>, usize)> {
        if !self.kept_all {
            return None;
        }
        self.kept_all = false;
        let soql = self.soql.clone()?;
        let bytes = std::mem::replace(&mut self.kept_bytes, 0);
        Some((soql, std::mem::take(&mut self.kept), bytes))
    }

    /// Whether the read still keeps its pages (it has not outgrown its budget).
    pub fn is_keeping(&self) -> bool {
        self.keep_budget > 0
    }

    /// The record `next_record` returned last.
    pub fn current_record(&self) -> Option<(&Page, usize)> {
        self.page.as_deref().map(|page| (page, self.next - 1))
    }

    /// Sets how many bytes of pages the next read may keep.
    pub fn set_keep_budget(&mut self, bytes: usize) {
        self.keep_budget = bytes;
    }

    /// Reads REST pages through these split queries (a field list too long for one request).
    pub fn with_split(mut self, split: Option<SplitQueries>) -> Self {
        self.split = split;
        self
    }

    /// Reads through Bulk API 2.0 rather than REST query pages; with `fallback`, REST pages
    /// when the job fails, is refused or takes longer than `timeout`.
    pub fn with_bulk(
        mut self,
        bulk: bool,
        fallback: bool,
        timeout: Duration,
        parallelism: usize,
    ) -> Self {
        self.bulk = bulk;
        self.bulk_fallback = fallback;
        self.bulk_timeout = timeout;
        self.bulk_parallelism = parallelism.max(1);
        self
    }

    /// Whether the next reads go through Bulk API 2.0 (with REST pages as the fallback), as
    /// `with_bulk` set it; answers the previous setting.
    pub fn set_bulk(&mut self, bulk: bool, fallback: bool) -> (bool, bool) {
        let previous = (self.bulk, self.bulk_fallback);
        self.bulk = bulk;
        self.bulk_fallback = fallback;
        previous
    }

    /// Stops the prefetch thread (which deletes a Bulk job it created) and takes the client
    /// back.
    pub fn finish(&mut self) {
        if let Some(prefetch) = self.prefetch.take() {
            if let Ok(client) = prefetch.stop() {
                self.client = Some(client);
            }
        }
    }

    /// Starts over from the first page (a rescan), possibly with another SOQL.
    pub fn restart(&mut self, soql: Option<String>, split: Option<SplitQueries>) {
        self.finish();
        self.soql = soql;
        self.split = split;
        self.page = None;
        self.started = false;
        self.kept.clear();
        self.kept_bytes = 0;
        self.kept_all = false;
    }

    pub fn soql(&self) -> Option<&str> {
        self.soql.as_deref()
    }

    pub fn split(&self) -> Option<&SplitQueries> {
        self.split.as_ref()
    }

    /// The next record (a page and its position in it), waiting for the next page when the
    /// current one is used up.
    pub fn next_record(&mut self) -> SfResult<Option<(&Page, usize)>> {
        while self
            .page
            .as_ref()
            .is_none_or(|page| self.next >= page.len())
        {
            // The page read is freed before waiting for the next: at most one page here.
            self.page = None;
            if !self.started {
                self.started = true;
                let Some(soql) = self.soql.clone() else {
                    return Ok(None);
                };
                let client = self.client.take().ok_or_else(|| SfError::Protocol {
                    url: "scan".into(),
                    reason: "the connection of this scan was lost after an earlier error".into(),
                })?;
                let source = PageSource {
                    soql,
                    all_rows: self.all_rows,
                    bulk: self.bulk,
                    bulk_fallback: self.bulk_fallback,
                    bulk_timeout: self.bulk_timeout,
                    bulk_parallelism: self.bulk_parallelism,
                    object: self.object.clone(),
                    split: self.split.clone(),
                };
                self.prefetch = Some(Prefetch::start(client, source, self.shape.clone())?);
            }
            let Some(prefetch) = self.prefetch.as_mut() else {
                return Ok(None);
            };
            match prefetch.next_page()? {
                Some(page) => {
                    self.progress.add(page.len(), &self.object);
                    let page = Arc::new(page);
                    if self.keep_budget > 0 {
                        self.kept_bytes += page.approx_bytes();
                        if self.kept_bytes <= self.keep_budget {
                            self.kept.push(page.clone());
                        } else {
                            // Too big to keep: nothing is kept of this read.
                            self.keep_budget = 0;
                            self.kept.clear();
                        }
                    }
                    self.page = Some(page);
                    self.next = 0;
                }
                None => {
                    self.kept_all = self.keep_budget > 0;
                    self.finish();
                    return Ok(None);
                }
            }
        }
        let record = self.next;
        self.next += 1;
        Ok(self.page.as_deref().map(|page| (page, record)))
    }
}

/// Sets the datums of the planned columns of one record (slot arrays, by attribute number);
/// the caller has set every null flag beforehand. Allocates in the current memory context.
pub fn fill_datums(
    page: &Page,
    record: usize,
    columns: &[PlannedColumn],
    values: &mut [Datum],
    nulls: &mut [bool],
) -> SfResult<()> {
    for (position, column) in columns.iter().enumerate() {
        let field = page.field(record, position);
        let datum = field_to_datum(column.kind, column.typmod, field).map_err(|reason| {
            SfError::Conversion {
                field: column.field.clone(),
                column: column.name.clone(),
                type_name: format!("{:?}", column.kind).to_lowercase(),
                reason,
            }
        })?;
        if let Some(datum) = datum {
            let index = column.attnum as usize - 1;
            values[index] = datum;
            nulls[index] = false;
        }
    }
    Ok(())
}
