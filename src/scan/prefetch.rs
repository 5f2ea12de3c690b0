//! Overlapped fetching: a thread downloads and parses the next page (of a REST query or of a
//! Bulk API 2.0 query job, whose CSV pages a second thread parses) while Postgres consumes
//! the current one. Each channel holds one page, so memory stays flat. The thread never calls into Postgres (its client is marked off
//! the main thread, and all signals are blocked in it, so Postgres' handlers only run on the
//! backend's own thread). A cancel is noticed by the backend between waits; stopping (or
//! dropping) the prefetch tells the thread to end at once, dropping a page download in flight
//! (`transport`), and a Bulk job it created is deleted on the way out, also when the scan
//! ended in an error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{SfError, SfResult};
use crate::remote::bulk_job::{BulkJob, CsvPage};
use crate::remote::client::SalesforceClient;
use crate::remote::records::{Page, RowShape};
use crate::remote::threads::with_signals_blocked;
use crate::scan::split::{Joiner, SplitQueries};

/// What the thread reads.
pub struct PageSource {
    pub soql: String,
    /// queryAll: deleted and archived rows too.
    pub all_rows: bool,
    /// Through a Bulk API 2.0 query job rather than REST query pages.
    pub bulk: bool,
    /// When the job fails, is refused or outlasts `bulk_timeout`, read REST pages instead
    /// (table option bulk 'auto'); otherwise that is the scan's error (bulk 'on').
    pub bulk_fallback: bool,
    /// How long a Bulk job may take to complete.
    pub bulk_timeout: Duration,
    pub object: String,
    /// REST queries too wide for one request: several, joined by Id.
    pub split: Option<SplitQueries>,
    /// Bulk results pages downloaded at once (the server's bulk_parallelism).
    pub bulk_parallelism: usize,
}

type PageResult = SfResult<Page>;

pub struct Prefetch {
    pages: Option<Receiver<PageResult>>,
    /// Set when the scan no longer wants pages.
    stopped: Arc<AtomicBool>,
    /// Gives the client back when the pages are done.
    worker: Option<JoinHandle<SalesforceClient>>,
    /// Messages for the user from the thread (which cannot raise a NOTICE itself).
    notices: Arc<Mutex<Vec<String>>>,
}

impl Prefetch {
    /// Starts fetching the pages of `source` on a new thread.
    pub fn start(
        mut client: SalesforceClient,
        source: PageSource,
        shape: RowShape,
    ) -> SfResult<Prefetch> {
        let (sender, receiver) = sync_channel::<PageResult>(1);
        let stopped = Arc::new(AtomicBool::new(false));
        let stopped_in_thread = stopped.clone();
        let notices = Arc::new(Mutex::new(Vec::new()));
        let notices_in_thread = notices.clone();
        client.set_off_main_thread(true);
        let worker = with_signals_blocked(move || {
            std::thread::Builder::new()
                .name("salesforce_fdw prefetch".into())
                .spawn(move || {
                    // A stopped scan drops the read in flight (transport).
                    crate::remote::threads::set_abort_flag(stopped_in_thread.clone());
                    if source.bulk {
                        let fell_back =
                            read_bulk(&mut client, &source, &shape, &sender, &stopped_in_thread);
                        if let Some(reason) = fell_back {
                            if let Ok(mut notices) = notices_in_thread.lock() {
                                notices.push(format!(
                                    "salesforce_fdw: reading {} through REST query pages: {reason}",
                                    source.object
                                ));
                            }
                            read_rest(&mut client, &source, &shape, &sender);
                        }
                    } else {
                        read_rest(&mut client, &source, &shape, &sender);
                    }
                    client.set_off_main_thread(false);
                    client
                })
        })
        .map_err(|e| SfError::Protocol {
            url: "prefetch".into(),
            reason: format!("cannot start the prefetch thread: {e}"),
        })?;
        Ok(Prefetch {
            pages: Some(receiver),
            stopped,
            worker: Some(worker),
            notices,
        })
    }

    /// The next page, or None after the last one. Waits in short steps so that a cancel or
    /// statement_timeout takes effect while a page is on its way.
    pub fn next_page(&mut self) -> SfResult<Option<Page>> {
        let Some(pages) = &self.pages else {
            return Ok(None);
        };
        loop {
            let received = pages.recv_timeout(Duration::from_millis(50));
            self.raise_notices();
            match received {
                Ok(page) => return page.map(Some),
                Err(RecvTimeoutError::Timeout) => {
                    pgrx::check_for_interrupts!();
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.pages = None;
                    return Ok(None);
                }
            }
        }
    }

    /// Raises the thread's messages as NOTICEs, on the backend's own thread.
    fn raise_notices(&self) {
        let pending = match self.notices.lock() {
            Ok(mut notices) => std::mem::take(&mut *notices),
            Err(_) => return,
        };
        for notice in pending {
            pgrx::notice!("{notice}");
        }
    }

    /// Stops the thread (after its current request) and takes the client back.
    pub fn stop(mut self) -> SfResult<SalesforceClient> {
        self.stopped.store(true, Ordering::Relaxed);
        self.pages = None;
        let worker = self.worker.take().expect("a prefetch is stopped once");
        worker.join().map_err(|_| SfError::Protocol {
            url: "prefetch".into(),
            reason: "the prefetch thread failed".into(),
        })
    }
}

impl Drop for Prefetch {
    /// Without `stop` (an error ended the scan): the thread is told to end and left to finish
    /// on its own, since waiting for the network here would delay the error.
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

fn read_rest(
    client: &mut SalesforceClient,
    source: &PageSource,
    shape: &RowShape,
    sender: &SyncSender<PageResult>,
) {
    if let Some(split) = &source.split {
        return read_split(client, source, split, sender);
    }
    let mut page = client.query(&source.soql, source.all_rows, shape);
    loop {
        match page {
            Ok(mut p) => {
                let next = if p.done {
                    None
                } else {
                    p.next_records_url.take()
                };
                if sender.send(Ok(p.into_page(shape))).is_err() {
                    return;
                }
                match next {
                    Some(url) => page = client.query_more(&url, shape),
                    None => return,
                }
            }
            Err(e) => {
                let _ = sender.send(Err(e.for_object(&source.object)));
                return;
            }
        }
    }
}

/// The pages of split queries (one cursor each), joined by Id.
fn read_split(
    client: &mut SalesforceClient,
    source: &PageSource,
    split: &SplitQueries,
    sender: &SyncSender<PageResult>,
) {
    // Per query: None before its first page, Some(next page's URL) after, Some(None) at the end.
    let mut cursors: Vec<Option<Option<String>>> = vec![None; split.soqls.len()];
    let mut fetch = |query: usize| -> SfResult<Option<Page>> {
        let shape = &split.shapes[query];
        let mut page = match &cursors[query] {
            None => client.query(&split.soqls[query], source.all_rows, shape)?,
            Some(Some(url)) => client.query_more(url, shape)?,
            Some(None) => return Ok(None),
        };
        cursors[query] = Some(if page.done {
            None
        } else {
            page.next_records_url.take()
        });
        Ok(Some(page.into_page(shape)))
    };
    let mut joiner = Joiner::new(split);
    loop {
        match joiner.next_page(&mut fetch) {
            Ok(Some(page)) => {
                if sender.send(Ok(page)).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = sender.send(Err(e.for_object(&source.object)));
                return;
            }
        }
    }
}

/// Records handed to the backend at a time from a streamed results page.
const CSV_ROWS_PER_CHUNK: usize = 1_000;

/// Bulk results pages downloaded `bulk_parallelism` at a time: each worker streams a page,
/// parses it as it arrives and hands it on in chunks of records, so that round trips overlap
/// and the backend starts on the first records while the rest are still on the wire. Memory
/// holds about one chunk per worker plus the one being consumed, whatever the pages' size.
/// Chunks come in whatever order they arrive (a Bulk scan has no order). The first error stops
/// the workers.
fn read_pages_in_parallel(
    client: &SalesforceClient,
    urls: Vec<String>,
    source: &PageSource,
    shape: &RowShape,
    sender: &SyncSender<PageResult>,
    stopped: &AtomicBool,
) {
    let queue = Mutex::new(urls.into_iter().collect::<std::collections::VecDeque<_>>());
    let failed = AtomicBool::new(false);
    let workers = source
        .bulk_parallelism
        .min(queue.lock().map_or(1, |q| q.len()));
    let abort = crate::remote::threads::abort_flag();
    std::thread::scope(|scope| {
        for n in 0..workers {
            let mut client = client.clone();
            let abort = abort.clone();
            let (queue, failed, page_sender) = (&queue, &failed, sender.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("salesforce_fdw page {n}"))
                .spawn_scoped(scope, move || {
                    if let Some(flag) = abort {
                        crate::remote::threads::set_abort_flag(flag);
                    }
                    while !stopped.load(Ordering::Relaxed) && !failed.load(Ordering::Relaxed) {
                        let Some(url) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                            return;
                        };
                        let streamed = stream_page(&mut client, &url, shape, &page_sender);
                        if let Err(e) = streamed {
                            failed.store(true, Ordering::Relaxed);
                            let _ = page_sender.send(Err(e.for_object(&source.object)));
                        }
                    }
                });
            if let Err(e) = spawned {
                failed.store(true, Ordering::Relaxed);
                let _ = sender.send(Err(SfError::Protocol {
                    url: "prefetch".into(),
                    reason: format!("cannot start a page download thread: {e}"),
                }));
                return;
            }
        }
    });
}

/// Streams one results page to `sender`. A download that breaks off is resumed by asking for
/// the page again (its locator stays valid while the job exists: SALESFORCE.md 8.3) and
/// skipping the records already handed over.
fn stream_page(
    client: &mut SalesforceClient,
    url: &str,
    shape: &RowShape,
    sender: &SyncSender<PageResult>,
) -> SfResult<()> {
    let mut delivered = 0;
    let mut attempt = 0;
    loop {
        let answer = BulkJob::open_page(client, url)?;
        let read = shape.csv_chunks(answer.body, &mut delivered, CSV_ROWS_PER_CHUNK, |chunk| {
            sender.send(Ok(chunk)).is_ok()
        });
        match read {
            Ok(()) => return Ok(()),
            Err(e)
                if e.broken_off
                    && attempt < client.max_retries()
                    && !crate::remote::threads::aborted() =>
            {
                attempt += 1;
            }
            Err(e) if e.broken_off => {
                return Err(SfError::Unreachable {
                    url: answer.url,
                    reason: format!(
                        "{} (readings of the page, each broken off: {})",
                        e.reason,
                        attempt + 1
                    ),
                })
            }
            Err(e) => {
                return Err(SfError::Protocol {
                    url: answer.url,
                    reason: e.reason,
                })
            }
        }
    }
}

/// Bulk pages are downloaded here and parsed on a thread of their own, so that the next
/// download (latency, then transfer) overlaps the parsing of the page before. Returns why
/// the caller should read REST pages instead, when the job could not give results and the
/// source allows that (nothing has been sent then).
fn read_bulk(
    client: &mut SalesforceClient,
    source: &PageSource,
    shape: &RowShape,
    sender: &SyncSender<PageResult>,
    stopped: &AtomicBool,
) -> Option<String> {
    let mut job = match BulkJob::start(
        client,
        &source.soql,
        source.all_rows,
        &source.object,
        source.bulk_timeout,
        stopped,
    ) {
        Ok(job) => job,
        Err(e) if source.bulk_fallback && e.is_bulk_refusal() => {
            return Some(format!("Bulk API 2.0 could not serve it ({e})"));
        }
        Err(e) => {
            let _ = sender.send(Err(e.for_object(&source.object)));
            return None;
        }
    };
    // The scan ended (a cancel, an error, a LIMIT reached) while the job ran: nobody will read
    // its results, so it goes at once.
    if stopped.load(Ordering::Relaxed) {
        job.delete(client);
        return None;
    }
    // One page at a time is what the locator loop does, in larger pages and fewer requests.
    if source.bulk_parallelism > 1 {
        match job.result_urls(client) {
            Ok(Some(urls)) if !urls.is_empty() => {
                read_pages_in_parallel(client, urls, source, shape, sender, stopped);
                job.delete(client);
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                let _ = sender.send(Err(e.for_object(&source.object)));
                job.delete(client);
                return None;
            }
        }
    }
    let (downloaded, to_parse) = sync_channel::<SfResult<CsvPage>>(1);
    let parser = {
        let (shape, sender, object) = (shape.clone(), sender.clone(), source.object.clone());
        std::thread::Builder::new()
            .name("salesforce_fdw csv".into())
            .spawn(move || {
                for page in to_parse {
                    let parsed = page.and_then(|p| p.parse(&shape));
                    let failed = parsed.is_err();
                    if sender
                        .send(parsed.map_err(|e| e.for_object(&object)))
                        .is_err()
                        || failed
                    {
                        break;
                    }
                }
            })
    };
    match parser {
        Ok(parser) => {
            while !stopped.load(Ordering::Relaxed) {
                match job.next_page(client) {
                    Ok(Some(page)) => {
                        if downloaded.send(Ok(page)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = downloaded.send(Err(e));
                        break;
                    }
                }
            }
            drop(downloaded);
            let _ = parser.join();
        }
        Err(e) => {
            let _ = sender.send(Err(SfError::Protocol {
                url: "prefetch".into(),
                reason: format!("cannot start the CSV parsing thread: {e}"),
            }));
        }
    }
    // Its results would stay on Salesforce for 7 days otherwise.
    job.delete(client);
    None
}
