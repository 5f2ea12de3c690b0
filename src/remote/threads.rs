//! Work off the backend's thread, so that the backend can wait for the network and still see a
//! cancel, statement_timeout or pg_terminate_backend: the blocking call runs on a thread of its
//! own (every signal blocked there, so Postgres' handlers only run on the backend's thread, and
//! the thread never calls into Postgres), while the backend waits for its answer in short steps
//! with an interrupt check between them. A cancelled wait leaves the thread to finish its
//! request on its own (bounded by the request timeout); its answer is dropped.

use std::sync::mpsc::{sync_channel, RecvTimeoutError};
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

/// `work` on a thread of its own while this (the backend's) thread waits, cancellable.
/// `work` must not call into Postgres.
pub fn interruptible<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> SfResult<T> + Send + 'static,
) -> SfResult<T> {
    let (sender, receiver) = sync_channel(1);
    with_signals_blocked(|| {
        std::thread::Builder::new()
            .name("salesforce_fdw request".into())
            .spawn(move || {
                let _ = sender.send(work());
            })
    })
    .map_err(|e| SfError::Protocol {
        url: what.to_string(),
        reason: format!("cannot start a thread for the request: {e}"),
    })?;
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
