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
use crate::scan::rescan_cache::{Replay, RescanCache};
use crate::scan::rows::{fill_datums, RecordStream};
use crate::scan::split::SplitQueries;

pub struct ScanSession {
    server: ForeignServer,
    columns: Vec<PlannedColumn>,
    stream: Option<RecordStream>,
    /// What rescans can be answered with from memory, and the replay in progress.
    cache: RescanCache,
    replay: Option<Replay>,
}

impl ScanSession {
    /// A session on `server`; a bad server option is reported before any network call.
    pub fn new(server: ForeignServer) -> SfResult<ScanSession> {
        ServerOptions::from_map(&server.options)?;
        Ok(ScanSession {
            server,
            columns: Vec::new(),
            stream: None,
            cache: RescanCache::new(work_mem_bytes()),
            replay: None,
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
                    Some(aggregate) if aggregate.counts_rows() => RowShape::row_count(),
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
            .with_split(split)
            .keeping(self.cache.remaining()),
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
        let columns = &self.columns;
        match next_of(&mut self.replay, &mut self.stream, &mut self.cache)? {
            Some((page, record)) => {
                fill_datums(page, record, columns, values, nulls)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The next record and the page holding it (which tells how many records came with it),
    /// or None at the end.
    pub fn next_record(&mut self) -> SfResult<Option<(&Page, usize)>> {
        next_of(&mut self.replay, &mut self.stream, &mut self.cache)
    }

    /// Restarts the scan, with a new SOQL when parameters changed (nested-loop rescans),
    /// from memory when it can: the same SOQL read before, or the rows of `key` once a lookup
    /// scan is indexed.
    pub fn restart(
        &mut self,
        soql: Option<String>,
        split: Option<SplitQueries>,
        key: Option<&str>,
    ) {
        self.replay = soql
            .as_deref()
            .and_then(|soql| self.cache.replay_of(soql))
            .or_else(|| key.and_then(|key| self.cache.replay_key(key)));
        if let Some(stream) = self.stream.as_mut() {
            stream.set_keep_budget(self.cache.remaining());
            stream.restart(soql, split);
        }
    }

    /// Whether the whole result of `soql` is kept.
    pub fn has_result(&self, soql: &str) -> bool {
        self.cache.has_result(soql)
    }

    /// Whether a lookup scan may still be indexed (not yet done, not failed).
    pub fn may_index(&self) -> bool {
        !self.cache.has_index() && !self.cache.index_failed()
    }

    /// Reads every row of a lookup scan (`soql`: its conditions without the key's; through a
    /// Bulk API 2.0 job with `bulk`, REST pages if the job cannot serve it) and indexes them
    /// by their field number `column`, if they fit in work_mem; stops reading as soon as they
    /// do not. Later reads by key are REST queries again.
    pub fn build_index(&mut self, soql: String, column: usize, bulk: bool) -> SfResult<()> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        stream.set_keep_budget(self.cache.remaining());
        let by_key = stream.set_bulk(bulk, true);
        stream.restart(Some(soql), None);
        let read = read_to_end_kept(stream);
        stream.set_bulk(by_key.0, by_key.1);
        if !read? {
            self.cache.mark_index_failed();
            stream.finish();
            return Ok(());
        }
        match stream.take_kept() {
            Some((_, pages, bytes)) => self.cache.build_index(pages, bytes, column),
            None => self.cache.mark_index_failed(),
        }
        Ok(())
    }

    /// Rescans answered from memory so far.
    pub fn rescans_from_memory(&self) -> u64 {
        self.cache.answered
    }

    /// Frees the HTTP client and the buffered page as soon as the scan ends (and deletes a
    /// Bulk job that was not read to its end).
    pub fn finish(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            stream.finish();
        }
    }
}

/// Reads the stream to its end while it keeps what it reads: false as soon as it does not
/// (too big for work_mem).
fn read_to_end_kept(stream: &mut RecordStream) -> SfResult<bool> {
    while stream.next_record()?.is_some() {
        if !stream.is_keeping() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// work_mem, in bytes: what a scan may keep for its rescans.
pub fn work_mem_bytes() -> usize {
    // SAFETY: work_mem is a GUC variable of this backend, read on its thread.
    (unsafe { pg_sys::work_mem }).max(64) as usize * 1024
}

/// The next record: from the replay in progress, else from the stream (whose whole result, once
/// read to its end, is kept for rescans asking the same, if it fits).
fn next_of<'a>(
    replay: &'a mut Option<Replay>,
    stream: &'a mut Option<RecordStream>,
    cache: &mut RescanCache,
) -> SfResult<Option<(&'a Page, usize)>> {
    if let Some(replay) = replay.as_mut() {
        return Ok(replay.next_record());
    }
    let Some(stream) = stream.as_mut() else {
        return Ok(None);
    };
    if stream.next_record()?.is_none() {
        if let Some((soql, pages, bytes)) = stream.take_kept() {
            cache.remember(soql, pages, bytes);
        }
        return Ok(None);
    }
    Ok(stream.current_record())
}
