//! Response bodies: sent at once, or paced to a bandwidth (`bandwidth_bytes_per_sec`), and
//! the accounting of requests in flight / abandoned by their client.

use crate::state::AppState;
use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::time::{Instant, Sleep};

/// Largest piece of a paced body handed to the connection at once.
const MAX_CHUNK: usize = 16 * 1024;
/// Pieces of an unpaced body. hyper takes the next piece only when its write buffer (1 MiB,
/// `max_buf_size`) has room, so the last one is handed over only when the rest of the body
/// is on its way: a client that closes the connection during a big answer is seen (the
/// pieces share one allocation: nothing is copied).
const UNPACED_CHUNK: usize = 64 * 1024;

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
/// separate links.
pub struct EmuBody {
    data: Bytes,
    rate: u64,
    chunk: usize,
    sent: u64,
    start: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    guard: Option<RequestGuard>,
}

impl EmuBody {
    pub fn new(data: Bytes, rate: u64, guard: Option<RequestGuard>) -> EmuBody {
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
        let n = this.chunk.min(this.data.len());
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
        let mut body = EmuBody::new(Bytes::from(vec![7u8; 5 * MAX_CHUNK + 100]), rate, None);
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
        let mut body = EmuBody::new(Bytes::from(vec![1u8; 100_000]), 0, None);
        let start = std::time::Instant::now();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first.len(), UNPACED_CHUNK);
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(second.len(), 100_000 - UNPACED_CHUNK);
        assert!(body.frame().await.is_none());
        assert!(start.elapsed().as_millis() < 50);
    }
}
