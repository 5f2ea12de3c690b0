//! The HTTP transport under every Salesforce request. Requests run as tasks of one small
//! tokio runtime per backend, whose threads have every signal blocked (Postgres' handlers only
//! run on the backend's own thread), while the calling thread waits for the answer in short
//! steps. When the caller's abort flag is set (`threads::abort_flag`: the statement was
//! cancelled, or the scan needs no more pages) a GET's task is aborted, which drops its
//! connection: the request does not go on running in the background. Requests that change
//! something (a token grant, which can rotate the refresh token; creating or deleting a Bulk
//! job) are never abandoned halfway, since their outcome must be known.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::remote::threads;

/// How often a waiting thread looks at its abort flag.
const STEP: Duration = Duration::from_millis(20);

/// A complete answer: status, headers and the whole (decompressed) body.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

pub enum TransportError {
    /// No answer: connection, TLS, timeout or body errors.
    Http(reqwest::Error),
    /// The caller no longer wanted the answer and the request was dropped.
    Abandoned,
    /// The transport's runtime could not be started.
    NoRuntime(String),
    /// The body stopped before its end without an error from the connection (the download's
    /// task ended).
    BrokenOff,
}

impl TransportError {
    /// The failure as a reason for an error message.
    pub fn describe(&self) -> String {
        match self {
            TransportError::Http(e) => crate::remote::auth::describe_transport_error(e),
            TransportError::Abandoned => {
                "abandoned: the statement no longer needs the answer".into()
            }
            TransportError::NoRuntime(reason) => {
                format!("cannot start the HTTP threads: {reason}")
            }
            TransportError::BrokenOff => "the answer broke off before its end".into(),
        }
    }

    /// Known not to have reached the server (a failed connect): safe to send again.
    pub fn nothing_sent(&self) -> bool {
        matches!(self, TransportError::Http(e) if e.is_connect())
    }
}

/// Whether a request may be dropped halfway when its caller stops waiting.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnAbort {
    /// A read: dropping it loses nothing.
    Abandon,
    /// Changes state on the server: it runs to its end (bounded by the request timeout).
    Finish,
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, TransportError> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            // Built with signals blocked: its worker threads (and the blocking pool they start
            // for name lookups) inherit the mask.
            threads::with_signals_blocked(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("salesforce_fdw http")
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
            })
        })
        .as_ref()
        .map_err(|reason| TransportError::NoRuntime(reason.clone()))
}

/// A client of the transport: connections are pooled (HTTP keep-alive across statements).
pub fn client(timeout: Duration) -> Result<reqwest::Client, TransportError> {
    // The client must be built inside the runtime (its connector registers with the reactor).
    let runtime = runtime()?;
    let _entered = runtime.enter();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(300))
        .user_agent(concat!("salesforce_fdw/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(TransportError::Http)
}

/// An answer whose body is still arriving.
pub struct Opened {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Body,
}

/// The body of an `Opened` answer, read as it arrives (`std::io::Read`), a few network chunks
/// buffered at most. Dropping it drops the download.
pub struct Body {
    /// Network chunks, then Ok(None) at the end of the body: a channel that closes without it
    /// (the task ended some other way) is a download that broke off, not the end.
    chunks: tokio::sync::mpsc::Receiver<Result<Option<bytes::Bytes>, reqwest::Error>>,
    current: bytes::Bytes,
    abort: Option<Arc<AtomicBool>>,
    task: tokio::task::JoinHandle<()>,
}

/// Network chunks buffered ahead of the reader.
const CHUNKS_AHEAD: usize = 8;

/// Sends `request` and waits for the answer's status and headers, on this thread.
pub fn open(request: reqwest::RequestBuilder, on_abort: OnAbort) -> Result<Opened, TransportError> {
    let abort = match on_abort {
        OnAbort::Abandon => threads::abort_flag(),
        OnAbort::Finish => None,
    };
    let runtime = runtime()?;
    let (head_sender, mut head) = tokio::sync::oneshot::channel();
    let (chunk_sender, chunks) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
    let task = runtime.spawn(async move {
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let _ = head_sender.send(Err(e));
                return;
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if head_sender.send(Ok((status, headers))).is_err() {
            return;
        }
        loop {
            let chunk = response.chunk().await;
            let more = matches!(chunk, Ok(Some(_)));
            if chunk_sender.send(chunk).await.is_err() || !more {
                return;
            }
        }
    });
    let body = Body {
        chunks,
        current: bytes::Bytes::new(),
        abort,
        task,
    };
    let (status, headers) = loop {
        match wait_step(runtime, &mut head, &body.abort, &body.task)? {
            None => continue,
            Some(Ok(Ok(head))) => break head,
            Some(Ok(Err(e))) => return Err(TransportError::Http(e)),
            Some(Err(_task_gone)) => return Err(TransportError::Abandoned),
        }
    };
    Ok(Opened {
        status,
        headers,
        body,
    })
}

/// Sends `request` and reads its whole answer, waiting on this thread.
pub fn send(request: reqwest::RequestBuilder, on_abort: OnAbort) -> Result<Reply, TransportError> {
    let opened = open(request, on_abort)?;
    Ok(Reply {
        status: opened.status,
        headers: opened.headers,
        body: opened.body.into_bytes()?,
    })
}

impl Body {
    /// The whole rest of the body.
    pub fn into_bytes(mut self) -> Result<bytes::Bytes, TransportError> {
        let mut all = bytes::BytesMut::from(std::mem::take(&mut self.current).as_ref());
        while let Some(chunk) = self.next_chunk()? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// The next network chunk, None at the end.
    fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, TransportError> {
        let runtime = runtime()?;
        loop {
            let step = wait_step(
                runtime,
                std::pin::pin!(self.chunks.recv()),
                &self.abort,
                &self.task,
            )?;
            match step {
                None => continue,
                Some(Some(Ok(chunk))) => return Ok(chunk),
                Some(Some(Err(e))) => return Err(TransportError::Http(e)),
                Some(None) => return Err(TransportError::BrokenOff),
            }
        }
    }
}

/// Waits up to one step for `future` on this thread: Some(its output), None when the step
/// passed; Abandoned (and `task` aborted) when the abort flag is up.
fn wait_step<F: std::future::Future + Unpin>(
    runtime: &tokio::runtime::Runtime,
    future: F,
    abort: &Option<Arc<AtomicBool>>,
    task: &tokio::task::JoinHandle<()>,
) -> Result<Option<F::Output>, TransportError> {
    if abort
        .as_ref()
        .is_some_and(|flag| flag.load(Ordering::Relaxed))
    {
        // Dropping the task's future closes its connection mid-request.
        task.abort();
        return Err(TransportError::Abandoned);
    }
    // block_on only polls `future` (a channel) and a timer, made inside it since a timer needs
    // the runtime's context: the request itself runs on the runtime's threads.
    Ok(runtime
        .block_on(async { tokio::time::timeout(STEP, future).await })
        .ok())
}

impl std::io::Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.next_chunk() {
                Ok(Some(chunk)) => self.current = chunk,
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e.describe())),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Instant;

    /// A server that reads one request, then answers with headers and `body_head` and waits
    /// (a slow org). Reports how long after accepting it saw the client close the connection.
    fn slow_server(body_head: &'static [u8]) -> (String, std::sync::mpsc::Receiver<Duration>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (closed, closed_after) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let accepted = Instant::now();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request);
            if !body_head.is_empty() {
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: 1000000\r\n\r\n";
                socket.write_all(head.as_bytes()).unwrap();
                socket.write_all(body_head).unwrap();
            }
            socket
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            // Nothing more is sent; a read returns 0 (or fails) once the client has gone.
            let _ = socket.read(&mut request);
            let _ = closed.send(accepted.elapsed());
        });
        (url, closed_after)
    }

    fn abort_after(flag: Arc<AtomicBool>, after: Duration) {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            flag.store(true, Ordering::Relaxed);
        });
    }

    #[test]
    fn an_aborted_read_closes_its_connection_while_waiting_for_the_answer() {
        let (url, closed_after) = slow_server(b"");
        let flag = Arc::new(AtomicBool::new(false));
        threads::set_abort_flag(flag.clone());
        abort_after(flag, Duration::from_millis(200));
        let http = client(Duration::from_secs(30))
            .map_err(|e| e.describe())
            .unwrap();
        let started = Instant::now();
        let sent = send(http.get(&url), OnAbort::Abandon);
        assert!(matches!(sent, Err(TransportError::Abandoned)));
        assert!(started.elapsed() < Duration::from_secs(2));
        let closed = closed_after.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(closed < Duration::from_secs(2), "closed after {closed:?}");
    }

    #[test]
    fn an_aborted_read_closes_its_connection_in_the_middle_of_the_body() {
        let (url, closed_after) = slow_server(b"\"Id\"\n\"1\"\n");
        let flag = Arc::new(AtomicBool::new(false));
        threads::set_abort_flag(flag.clone());
        let http = client(Duration::from_secs(30))
            .map_err(|e| e.describe())
            .unwrap();
        let opened = open(http.get(&url), OnAbort::Abandon)
            .map_err(|e| e.describe())
            .unwrap();
        assert_eq!(opened.status, 200);
        let mut body = opened.body;
        let mut first = [0u8; 64];
        let n = body.read(&mut first).unwrap();
        assert_eq!(&first[..n], b"\"Id\"\n\"1\"\n");
        abort_after(flag, Duration::from_millis(200));
        let err = body.read(&mut first).unwrap_err();
        assert!(err.to_string().contains("abandoned"), "{err}");
        let closed = closed_after.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(closed < Duration::from_secs(2), "closed after {closed:?}");
    }

    #[test]
    fn a_body_whose_download_stops_without_its_end_is_broken_off_not_complete() {
        let runtime = runtime().map_err(|e| e.describe()).unwrap();
        let (sender, chunks) = tokio::sync::mpsc::channel(1);
        // A download task that ends after one chunk without saying the body is complete.
        let task = runtime.spawn(async move {
            let _ = sender
                .send(Ok(Some(bytes::Bytes::from_static(b"ab"))))
                .await;
        });
        let mut body = Body {
            chunks,
            current: bytes::Bytes::new(),
            abort: None,
            task,
        };
        let mut buf = [0u8; 8];
        assert_eq!(body.read(&mut buf).unwrap(), 2);
        let err = body.read(&mut buf).unwrap_err();
        assert!(err.to_string().contains("broke off"), "{err}");
    }

    #[test]
    fn a_request_that_changes_something_is_not_abandoned() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request);
            std::thread::sleep(Duration::from_millis(400));
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        });
        let flag = Arc::new(AtomicBool::new(false));
        threads::set_abort_flag(flag.clone());
        abort_after(flag, Duration::from_millis(100));
        let http = client(Duration::from_secs(30))
            .map_err(|e| e.describe())
            .unwrap();
        let reply = send(http.post(&url).body("x"), OnAbort::Finish)
            .map_err(|e| e.describe())
            .unwrap();
        assert_eq!((reply.status, &reply.body[..]), (200, &b"ok"[..]));
    }
}
