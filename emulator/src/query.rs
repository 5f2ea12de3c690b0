//! REST query execution and server-side cursors (`nextRecordsUrl` paging).
//! The matching row indices are snapshotted when the query starts; pages render from them.

use crate::error::ApiError;
use crate::ids;
use crate::render::{write_aggregate_result, write_query_record};
use crate::soql::aggregate::{self, AggregateLimits};
use crate::soql::compile::{compile, Plan};
use crate::soql::eval::execute;
use crate::store::Org;
use crate::value::RecordRef;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEFAULT_BATCH: usize = 2000;
pub const MIN_BATCH: usize = 200;
/// Wide records get smaller pages: with more than this many selected fields...
pub const WIDE_FIELDS: usize = 100;
/// ...a page holds at most max(MIN_BATCH, FIELD_BUDGET / fields) records.
pub const FIELD_BUDGET: usize = 200_000;

/// The page size for a query selecting `fields` columns with the requested `batch`: real orgs
/// return fewer records than batchSize when records are wide (SALESFORCE.md 12.9).
pub fn page_size(batch: usize, fields: usize) -> usize {
    if fields > WIDE_FIELDS {
        batch.min((FIELD_BUDGET / fields).max(MIN_BATCH))
    } else {
        batch
    }
}
const CURSOR_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

pub struct Cursor {
    plan: Arc<Plan>,
    rows: Arc<Vec<u32>>,
    batch: usize,
    query_all: bool,
    last_used: Instant,
}

#[derive(Default)]
pub struct Cursors {
    map: HashMap<String, Cursor>,
    counter: u32,
}

/// One page of a query response.
pub struct Page {
    pub body: Vec<u8>,
    pub records: usize,
}

/// Parses `Sforce-Query-Options: batchSize=N` and clamps it to Salesforce's 200..2000.
pub fn batch_size(header: Option<&str>) -> usize {
    header
        .and_then(|h| {
            h.split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        })
        .map_or(DEFAULT_BATCH, |n| n.clamp(MIN_BATCH, DEFAULT_BATCH))
}

impl Cursors {
    fn expire_idle(&mut self) {
        let now = Instant::now();
        self.map
            .retain(|_, c| now.duration_since(c.last_used) < CURSOR_IDLE_TIMEOUT);
    }

    /// Starts a query; returns its first page (aggregate queries: the whole answer).
    pub fn start(
        &mut self,
        org: &Org,
        soql: &str,
        query_all: bool,
        batch: usize,
        version: &str,
        limits: AggregateLimits,
    ) -> Result<Page, ApiError> {
        let plan = compile(soql, org)?;
        if let Some(agg) = &plan.aggregate {
            let rows = aggregate::run(org, &plan, agg, query_all, limits)?;
            let mut body = Vec::with_capacity(64 + rows.len() * 96);
            write_aggregate_result(&mut body, org, agg, &rows);
            return Ok(Page {
                body,
                records: rows.len(),
            });
        }
        let rows = execute(org, &plan, query_all);
        if plan.count_only {
            // A big COUNT() can time out too (SALESFORCE.md 12.15).
            if limits.times_out(rows.len() as u64) {
                return Err(aggregate::query_timeout());
            }
            let body = format!(
                "{{\"totalSize\":{},\"done\":true,\"records\":[]}}",
                rows.len()
            )
            .into_bytes();
            return Ok(Page { body, records: 0 });
        }
        let batch = page_size(batch, plan.columns.len());
        let cursor = Cursor {
            plan: Arc::new(plan),
            rows: Arc::new(rows),
            batch,
            query_all,
            last_used: Instant::now(),
        };
        self.expire_idle();
        self.counter = self.counter.wrapping_add(1);
        let id = ids::encode("01g", self.counter);
        let page = render_page(org, &cursor, &id, 0, version);
        if !page_is_last(&cursor, 0) {
            self.map.insert(id, cursor);
        }
        Ok(page)
    }

    /// Serves `GET /query/<cursor>-<offset>`. The last page drops the cursor.
    pub fn next(&mut self, org: &Org, locator: &str, version: &str) -> Result<Page, ApiError> {
        let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
        let (id, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
        let offset: usize = offset.parse().map_err(|_| invalid())?;
        self.expire_idle();
        let cursor = self.map.get_mut(id).ok_or_else(invalid)?;
        if offset >= cursor.rows.len() {
            return Err(invalid());
        }
        cursor.last_used = Instant::now();
        let page = render_page(org, cursor, id, offset, version);
        if page_is_last(cursor, offset) {
            self.map.remove(id);
        }
        Ok(page)
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }

    pub fn open_count(&self) -> usize {
        self.map.len()
    }
}

fn page_is_last(c: &Cursor, offset: usize) -> bool {
    offset + c.batch >= c.rows.len()
}

fn render_page(org: &Org, c: &Cursor, id: &str, offset: usize, version: &str) -> Page {
    let end = (offset + c.batch).min(c.rows.len());
    let done = end >= c.rows.len();
    let mut out = Vec::with_capacity(256 + (end - offset) * 200);
    out.extend_from_slice(format!("{{\"totalSize\":{},\"done\":{}", c.rows.len(), done).as_bytes());
    if !done {
        // queryAll cursors are continued through /query/ as real Salesforce does.
        let _ = c.query_all;
        out.extend_from_slice(
            format!(",\"nextRecordsUrl\":\"/services/data/v{version}/query/{id}-{end}\"")
                .as_bytes(),
        );
    }
    out.extend_from_slice(b",\"records\":[");
    let obj = c.plan.object as u16;
    for (k, &row) in c.rows[offset..end].iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_query_record(
            &mut out,
            org,
            RecordRef { obj, row },
            &c.plan.render,
            version,
        );
    }
    out.extend_from_slice(b"]}");
    Page {
        body: out,
        records: end - offset,
    }
}
