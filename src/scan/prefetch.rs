//! Overlapped fetching: a thread downloads and parses the next page of a REST query while
//! Postgres consumes the current one. The buffer holds one page, so memory stays flat. The
//! thread never calls into Postgres (its client is marked off the main thread, and all
//! signals are blocked in it, so Postgres' handlers only run on the backend's own thread).
//! Dropping the receiver stops it after its current request; a cancel is noticed by the
//! backend between waits.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::client::SalesforceClient;
use crate::error::{SfError, SfResult};

pub struct Prefetch {
    pages: Option<Receiver<SfResult<Vec<Value>>>>,
    /// Gives the client back when the pages are done.
    worker: Option<JoinHandle<SalesforceClient>>,
}

impl Prefetch {
    /// Starts fetching the pages of `soql` on a new thread.
    pub fn start(mut client: SalesforceClient, soql: String, all_rows: bool) -> SfResult<Prefetch> {
        let (sender, receiver) = sync_channel::<SfResult<Vec<Value>>>(1);
        client.set_off_main_thread(true);
        let worker = with_signals_blocked(move || {
            std::thread::Builder::new()
                .name("salesforce_fdw prefetch".into())
                .spawn(move || {
                    let mut page = client.query(&soql, all_rows);
                    loop {
                        match page {
                            Ok(p) => {
                                let next = if p.done { None } else { p.next_records_url };
                                if sender.send(Ok(p.records)).is_err() {
                                    break;
                                }
                                match next {
                                    Some(url) => page = client.query_more(&url),
                                    None => break,
                                }
                            }
                            Err(e) => {
                                let _ = sender.send(Err(e));
                                break;
                            }
                        }
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
            worker: Some(worker),
        })
    }

    /// The next page, or None after the last one. Waits in short steps so that a cancel or
    /// statement_timeout takes effect while a page is on its way.
    pub fn next_page(&mut self) -> SfResult<Option<Vec<Value>>> {
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
        self.pages = None;
        let worker = self.worker.take().expect("a prefetch is stopped once");
        worker.join().map_err(|_| SfError::Protocol {
            url: "prefetch".into(),
            reason: "the prefetch thread failed".into(),
        })
    }
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
