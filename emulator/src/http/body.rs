//! Response bodies: sent at once, or paced to a bandwidth (`bandwidth_bytes_per_sec`), or cut
//! off partway (`drop_results_body_after_bytes`), and the accounting of requests in flight /
//! abandoned by their client.

use crate::state::AppState;
use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// Largest piece of a paced body handed to the connection at once.
const MAX_CHUNK: usize = 16 * 1024;
/// Pieces of an unpaced body. hyper takes the next piece only when its write buffer (1 MiB,
/// `max_buf_size`) has room, so the last one is handed over only when the rest of the body
/// is on its way: a client that closes the connection during a big answer is seen (the
/// pieces share one allocation: nothing is copied).
const UNPACED_CHUNK: usize = 64 * 1024;
/// A body cut off waits this long after its last byte before its connection is closed, so
/// that hyper writes out what it has buffered (also to a client slow to read): the client gets
/// every byte before the cut, then the end of the connection.
const CUT_GRACE: Duration = Duration::from_millis(100);

/// Where a body breaks off: after `after` bytes the connection is closed (`close` is the
/// connection's abort: the serving task drops it).
pub struct Cut {
    pub after: u64,
    pub close: Arc<Notify>,
}

/// One request counted in `requestsInFlight` from its arrival until its answer is handed to
/// the connection. Dropped unfinished (the request future or the response body dropped by
/// hyper because the client closed the connection), it counts in `requestsAbandoned`.
pub struct RequestGuard {
    state: Arc<AppState>,
    finished: bool,
}

impl RequestGuard {
    pub fn new(state: &Arc<AppState>) -> RequestGuard {
        state.requests_in_flight.fetch_add(1, Ordering::SeqCst);
        RequestGuard {
            state: state.clone(),
            finished: false,
        }
    }

    /// The request is over without the client giving up (answered, or the server itself
    /// closed the connection: a dropped-connection or lost-answer fault).
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.state.requests_abandoned.fetch_add(1, Ordering::SeqCst);
        }
        self.state.requests_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body with a known length (hyper sends `Content-Length`, never chunked).
/// Unpaced (`rate` 0) it goes out as fast as the connection takes it, in 64 KiB frames (a
/// small body is one frame, like `Full`). Paced, it is cut into chunks of at most
/// 16 KiB (about a tenth of a second's worth at low rates), and the chunk that ends at byte E
/// is released at `start + E / rate`, `start` being the first poll (hyper polls the body once
/// the head is written): B bytes take B / rate seconds, and a client sees them trickle in.
/// Deadlines are absolute, so timer granularity does not add up over many chunks; each
/// response has its own clock, so concurrent downloads each get the full rate, as on
/// separate links. With a `cut`, no piece crosses its byte; once the bytes before it are
/// handed over the body sends nothing more and, `CUT_GRACE` later, closes the connection:
/// the client has the head and part of the body (fewer bytes than `Content-Length`), then EOF.
pub struct EmuBody {
    data: Bytes,
    rate: u64,
    chunk: usize,
    sent: u64,
    start: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    guard: Option<RequestGuard>,
    cut: Option<Cut>,
    closing: Option<Pin<Box<Sleep>>>,
}

impl EmuBody {
    pub fn new(data: Bytes, rate: u64, guard: Option<RequestGuard>, cut: Option<Cut>) -> EmuBody {
        let chunk = if rate == 0 {
            UNPACED_CHUNK
        } else {
            usize::try_from(rate / 10)
                .unwrap_or(MAX_CHUNK)
                .clamp(1, MAX_CHUNK)
        };
        EmuBody {
            data,
            rate,
            chunk,
            sent: 0,
            start: None,
            sleep: None,
            guard,
            cut,
            closing: None,
        }
    }

    /// When the chunk ending `sent + n` bytes into the body may go out.
    fn due(&self, start: Instant, n: usize) -> Instant {
        let bytes = u128::from(self.sent) + n as u128;
        let nanos = bytes * 1_000_000_000 / u128::from(self.rate);
        start + std::time::Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn finish(&mut self) {
        if let Some(g) = self.guard.take() {
            g.finish();
        }
    }
}

impl Drop for EmuBody {
    fn drop(&mut self) {
        // Every byte handed to the connection (or there were none: hyper drops an empty body
        // without polling it): answered. Otherwise hyper gave up on the connection.
        if self.data.is_empty() {
            self.finish();
        }
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.data.is_empty() {
            this.finish();
            return Poll::Ready(None);
        }
        let mut n = this.chunk.min(this.data.len());
        if let Some(cut) = &this.cut {
            if this.sent >= cut.after {
                // The server closes the connection, not the client: not abandoned.
                if let Some(g) = this.guard.take() {
                    g.finish();
                }
                let closing = this
                    .closing
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(CUT_GRACE)));
                if closing.as_mut().poll(cx).is_ready() {
                    cut.close.notify_one();
                }
                return Poll::Pending;
            }
            n = n.min(usize::try_from(cut.after - this.sent).unwrap_or(usize::MAX));
        }
        if this.rate > 0 {
            let start = *this.start.get_or_insert_with(Instant::now);
            let due = this.due(start, n);
            if Instant::now() < due {
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            // The timer (if any) was for this chunk: the next one needs its own (the deadline
            // may also have passed before the timer was polled again, e.g. woken by the socket).
            this.sleep = None;
        }
        let piece = this.data.split_to(n);
        this.sent += n as u64;
        if this.data.is_empty() {
            this.finish();
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn each_chunk_waits_for_its_own_deadline() {
        let rate = 200_000;
        let mut body = EmuBody::new(
            Bytes::from(vec![7u8; 5 * MAX_CHUNK + 100]),
            rate,
            None,
            None,
        );
        assert_eq!(body.size_hint().exact(), Some(5 * MAX_CHUNK as u64 + 100));
        let start = std::time::Instant::now();
        let mut end = 0u64;
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            assert!(data.len() <= MAX_CHUNK);
            end += data.len() as u64;
            // Chunk ending at byte E no earlier than E / rate (timer slack: 1 ms).
            let due = end as f64 / rate as f64 - 0.001;
            let at = start.elapsed().as_secs_f64();
            assert!(at >= due, "byte {end} at {at} s, due {due} s");
        }
        assert_eq!(end, 5 * MAX_CHUNK as u64 + 100);
        assert!(body.is_end_stream());
        // Unpaced: at once, in 64 KiB frames.
        let mut body = EmuBody::new(Bytes::from(vec![1u8; 100_000]), 0, None, None);
        let start = std::time::Instant::now();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first.len(), UNPACED_CHUNK);
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(second.len(), 100_000 - UNPACED_CHUNK);
        assert!(body.frame().await.is_none());
        assert!(start.elapsed().as_millis() < 50);
    }

    #[tokio::test]
    async fn a_cut_body_stops_at_its_byte_then_closes_the_connection() {
        for rate in [0, 1_000_000] {
            let close = Arc::new(Notify::new());
            let cut = Cut {
                after: 70_000,
                close: close.clone(),
            };
            let mut body = EmuBody::new(Bytes::from(vec![3u8; 200_000]), rate, None, Some(cut));
            assert_eq!(body.size_hint().exact(), Some(200_000), "the whole length");
            let mut got = 0;
            let start = std::time::Instant::now();
            loop {
                tokio::select! {
                    frame = body.frame() => {
                        let data = frame.unwrap().unwrap().into_data().unwrap();
                        got += data.len();
                        assert!(got <= 70_000, "past the cut: {got}");
                    }
                    () = close.notified() => break,
                }
            }
            assert_eq!(got, 70_000, "rate {rate}");
            assert!(start.elapsed() >= CUT_GRACE, "closed before the grace time");
            assert!(!body.is_end_stream());
        }
    }
}
