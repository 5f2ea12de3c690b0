//! Overlapped fetching: a thread downloads and parses the next page (of a REST query or of a
//! Bulk API 2.0 query job, whose CSV pages a second thread parses) while Postgres consumes
//! the current one. Each channel holds one page, so memory stays flat. The thread never calls into Postgres (its client is marked off
//! the main thread, and all signals are blocked in it, so Postgres' handlers only run on the
//! backend's own thread). A cancel is noticed by the backend between waits; stopping (or
//! dropping) the prefetch tells the thread to end after its current request, and a Bulk job
//! it created is deleted on the way out, also when the scan ended in an error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::bulk::{BulkJob, CsvPage};
use crate::client::SalesforceClient;
use crate::error::{SfError, SfResult};
use crate::records::{Page, RowShape};

/// What the thread reads.
pub struct PageSource {
    pub soql: String,
    /// queryAll: deleted and archived rows too.
    pub all_rows: bool,
    /// Through a Bulk API 2.0 query job rather than REST query pages.
    pub bulk: bool,
    pub object: String,
}

type PageResult = SfResult<Page>;

pub struct Prefetch {
    pages: Option<Receiver<PageResult>>,
    /// Set when the scan no longer wants pages.
    stopped: Arc<AtomicBool>,
    /// Gives the client back when the pages are done.
    worker: Option<JoinHandle<SalesforceClient>>,
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
        client.set_off_main_thread(true);
        let worker = with_signals_blocked(move || {
            std::thread::Builder::new()
                .name("salesforce_fdw prefetch".into())
                .spawn(move || {
                    if source.bulk {
                        read_bulk(&mut client, &source, &shape, &sender, &stopped_in_thread);
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
        })
    }

    /// The next page, or None after the last one. Waits in short steps so that a cancel or
    /// statement_timeout takes effect while a page is on its way.
    pub fn next_page(&mut self) -> SfResult<Option<Page>> {
        let Some(pages) = &self.pages else {
            return Ok(None);
        };
        loop {
            match pages.recv_timeout(Duration::from_millis(50)) {
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
    let mut page = client.query(&source.soql, source.all_rows, shape);
    loop {
        match page {
            Ok(p) => {
                let next = if p.done { None } else { p.next_records_url };
                if sender.send(Ok(Page::Rest(p.records))).is_err() {
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

/// Bulk pages are downloaded here and parsed on a thread of their own, so that the next
/// download (latency, then transfer) overlaps the parsing of the page before.
fn read_bulk(
    client: &mut SalesforceClient,
    source: &PageSource,
    shape: &RowShape,
    sender: &SyncSender<PageResult>,
    stopped: &AtomicBool,
) {
    let mut job = match BulkJob::start(
        client,
        &source.soql,
        source.all_rows,
        &source.object,
        stopped,
    ) {
        Ok(job) => job,
        Err(e) => {
            let _ = sender.send(Err(e.for_object(&source.object)));
            return;
        }
    };
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
}

/// Runs `f` (which spawns a thread) with every signal blocked, so that the new thread starts
/// with them blocked; the caller's mask is restored afterwards.
fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut previous);
        let result = f();
        libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut());
        result
    }
}
