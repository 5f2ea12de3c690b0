//! Work off the backend's thread, so that the backend can wait for the network and still see a
//! cancel, statement_timeout or pg_terminate_backend: the blocking call runs on a thread of its
//! own (every signal blocked there, so Postgres' handlers only run on the backend's thread, and
//! the thread never calls into Postgres), while the backend waits for its answer in short steps
//! with an interrupt check between them. A cancelled wait raises the abort flag of the
//! thread, on which `transport` drops a read in flight (a request that changes something is
//! let finish); the thread's answer is dropped.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{SfError, SfResult};

/// How often a waiting backend looks for a cancel.
const STEP: Duration = Duration::from_millis(50);

/// Runs `f` (which spawns a thread) with every signal blocked, so that the new thread starts
/// with them blocked; the caller's mask is restored afterwards.
pub fn with_signals_blocked<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: pthread_sigmask only changes this thread's signal mask, with sigset_t values
    // initialised by sigfillset / filled in by the call; the previous mask is restored before
    // returning, whatever `f` did.
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

thread_local! {
    /// Set when nobody waits any more for what this thread is doing.
    static ABORT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Makes `flag` this thread's abort flag: once it is set, the thread's reads in flight are
/// dropped and its waits end early.
pub fn set_abort_flag(flag: Arc<AtomicBool>) {
    ABORT.with(|abort| *abort.borrow_mut() = Some(flag));
}

/// This thread's abort flag, if it has one.
pub fn abort_flag() -> Option<Arc<AtomicBool>> {
    ABORT.with(|abort| abort.borrow().clone())
}

/// Whether this thread's work is no longer wanted.
pub fn aborted() -> bool {
    ABORT.with(|abort| {
        abort
            .borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    })
}

/// Raises the flag when dropped: also when a cancel unwinds the waiting backend.
struct RaiseOnDrop(Arc<AtomicBool>);

impl Drop for RaiseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// `work` on a thread of its own while this (the backend's) thread waits, cancellable.
/// `work` must not call into Postgres.
pub fn interruptible<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> SfResult<T> + Send + 'static,
) -> SfResult<T> {
    let (sender, receiver) = sync_channel(1);
    let abort = Arc::new(AtomicBool::new(false));
    let abort_in_thread = abort.clone();
    with_signals_blocked(|| {
        std::thread::Builder::new()
            .name("salesforce_fdw request".into())
            .spawn(move || {
                set_abort_flag(abort_in_thread);
                let _ = sender.send(work());
            })
    })
    .map_err(|e| SfError::Protocol {
        url: what.to_string(),
        reason: format!("cannot start a thread for the request: {e}"),
    })?;
    let _abort_when_done = RaiseOnDrop(abort);
    loop {
        match receiver.recv_timeout(STEP) {
            Ok(answer) => return answer,
            Err(RecvTimeoutError::Timeout) => {
                pgrx::check_for_interrupts!();
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(SfError::Protocol {
                    url: what.to_string(),
                    reason: "the request's thread ended without an answer".into(),
                })
            }
        }
    }
}
