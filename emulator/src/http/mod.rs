//! HTTP plumbing (hyper, HTTP/1.1): request collection, routing, request log, responses.

pub mod api;
pub mod body;
pub mod bulk;
pub mod oauth;
pub mod testing;

use crate::error::ApiError;
use crate::faults::{self, Decision};
use crate::state::{AppState, LogEntry};
use body::{Cut, EmuBody, RequestGuard};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::net::TcpListener;
use tokio::sync::Notify;

const MAX_BODY: usize = 32 * 1024 * 1024;

/// Lock helpers that survive poisoning (a panicked request must not take the server down).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
pub fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
pub fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

pub struct Req {
    pub method: String,
    pub path: String,
    pub params: HashMap<String, String>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.params.get(k).map(String::as_str)
    }
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers.get(k).and_then(|v| v.to_str().ok())
    }
}

pub struct Resp {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    /// For the request log.
    pub soql: Option<String>,
    pub records: Option<usize>,
}

impl Resp {
    pub fn json(status: u16, body: Vec<u8>) -> Resp {
        Resp {
            status,
            body,
            content_type: "application/json;charset=UTF-8",
            headers: vec![],
            soql: None,
            records: None,
        }
    }
    pub fn value(status: u16, v: &serde_json::Value) -> Resp {
        Resp::json(status, v.to_string().into_bytes())
    }
    pub fn empty(status: u16) -> Resp {
        let mut r = Resp::json(status, vec![]);
        r.content_type = "";
        r
    }
    pub fn error(e: &ApiError) -> Resp {
        Resp::json(e.status, e.body().into_bytes())
    }
    /// An HTML error page as a CDN edge / proxy in front of Salesforce answers it.
    pub fn html(status: u16) -> Resp {
        let title = format!("{status} {}", reason(status));
        let body = format!(
            "<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center><hr><center>edge</center></body></html>\n"
        );
        let mut r = Resp::json(status, body.into_bytes());
        r.content_type = "text/html";
        r
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        403 => "Forbidden",
        406 => "Not Acceptable",
        414 => "Request-URI Too Large",
        420 => "Enhance Your Calm",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// Request line plus headers may not exceed this many bytes (SALESFORCE.md 5 and 12.4).
pub const MAX_REQUEST_HEAD: usize = 16_384;

/// Size of the request line and header block as sent on the wire (`METHOD URI HTTP/1.1\r\n`,
/// `Name: value\r\n` per header, the final `\r\n`).
fn head_size(parts: &hyper::http::request::Parts) -> (usize, usize) {
    let uri = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.to_string().len(), |p| p.as_str().len());
    let line = parts.method.as_str().len() + 1 + uri + 1 + 8 + 2;
    let headers: usize = parts
        .headers
        .iter()
        .map(|(k, v)| k.as_str().len() + 2 + v.len() + 2)
        .sum();
    (line, line + headers + 2)
}

impl From<ApiError> for Resp {
    fn from(e: ApiError) -> Resp {
        Resp::error(&e)
    }
}

fn route(state: &AppState, req: &Req) -> Resp {
    let path = req.path.as_str();
    if path == "/services/oauth2/token" {
        return oauth::token(state, req);
    }
    if let Some(rest) = path.strip_prefix("/__emulator/") {
        return testing::handle(state, req, rest);
    }
    if path == "/services/data" || path == "/services/data/" {
        return api::versions(req);
    }
    if let Some(rest) = path.strip_prefix("/services/data/") {
        return api::handle(state, req, rest);
    }
    if let Some(rest) = path.strip_prefix("/id/") {
        return oauth::identity(state, req, rest);
    }
    Resp::error(&ApiError::not_found())
}

/// Fault knobs apply to `/services/data/<anything>` only (not the versions list, the token
/// endpoint or `/__emulator/*`).
fn faultable(path: &str) -> bool {
    path.strip_prefix("/services/data/")
        .is_some_and(|rest| !rest.trim_matches('/').is_empty())
}

/// Requests counted in `requestsInFlight` / `requestsAbandoned` (`/__emulator/stats`).
fn tracked(path: &str) -> bool {
    path == "/services/data"
        || path.starts_with("/services/data/")
        || path.starts_with("/services/oauth2/")
}

/// `GET /services/data/vXX.X/jobs/query/{id}/results`: a Bulk results page.
fn bulk_results(req: &Req) -> bool {
    req.method == "GET"
        && req
            .path
            .strip_prefix("/services/data/")
            .is_some_and(|rest| {
                matches!(
                    rest.trim_end_matches('/').split('/').collect::<Vec<_>>()[..],
                    [_, "jobs", "query", _, "results"]
                )
            })
}

/// The response with `body` (paced to `rate` bytes/s, 0 = at once; cut off by `cut`) carrying
/// the request's guard until its last byte is handed to the connection.
fn respond(
    b: hyper::http::response::Builder,
    body: Vec<u8>,
    rate: u64,
    guard: Option<RequestGuard>,
    cut: Option<Cut>,
) -> Response<EmuBody> {
    let (head, body) = match b.body(()) {
        Ok(r) => (r, Bytes::from(body)),
        Err(_) => (Response::new(()), Bytes::new()),
    };
    head.map(|()| EmuBody::new(body, rate, guard, cut))
}

fn log_request(state: &AppState, req: &Req, resp: &Resp) {
    log_request_cut(state, req, resp, None);
}

/// Logs a request; `cut`: its answer's body is cut off after that many bytes.
fn log_request_cut(state: &AppState, req: &Req, resp: &Resp, cut: Option<u64>) {
    if !req.path.starts_with("/__emulator/requests") && !req.method.is_empty() {
        lock(&state.log).push(LogEntry {
            method: req.method.clone(),
            path: req.path.clone(),
            soql: resp.soql.clone(),
            status: resp.status,
            records: resp.records,
            locator: req.param("locator").map(str::to_string),
            body_cut_after: cut,
        });
    }
}

/// Applies latency and fault decisions. Returns a response for a faulted request, or None
/// to serve it normally; `Err(())` means: drop the connection.
/// What fault injection decided beyond passing the request on.
enum Injection {
    /// Answer this instead.
    Answer(Resp),
    /// Carry the request out, then close the connection without the answer.
    LoseAnswer,
}

async fn inject_faults(state: &AppState, req: &Req) -> Result<Option<Injection>, ()> {
    let (latency, decision, expire_every) = {
        let mut f = lock(&state.faults);
        let latency = f.settings.latency_ms;
        if latency > 0 {
            f.injected.latency += 1;
        }
        (latency, f.decide(), f.settings.expire_every)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let soql = || req.param("q").map(str::to_string);
    match decision {
        Decision::Drop => {
            let mut r = Resp::empty(0);
            r.soql = soql();
            log_request(state, req, &r);
            Err(())
        }
        Decision::LoseAnswer => Ok(Some(Injection::LoseAnswer)),
        Decision::Fail(status) => {
            let mut r = if faults::is_edge_status(status) {
                Resp::html(status)
            } else {
                Resp::error(&faults::fault_error(status))
            };
            r.soql = soql();
            Ok(Some(Injection::Answer(r)))
        }
        Decision::Concurrent => {
            let mut r = Resp::error(&faults::concurrent_error());
            r.soql = soql();
            Ok(Some(Injection::Answer(r)))
        }
        Decision::Pass => {
            if expire_every > 0
                && api::session_user(state, req).is_some()
                && lock(&state.faults).tick_expire()
            {
                // Query cursors belong to the user, not to the session (SALESFORCE.md section
                // 3): they outlive it, so a client that logs in again can page on.
                lock(&state.sessions).clear();
            }
            Ok(None)
        }
    }
}

async fn handle(
    state: Arc<AppState>,
    req: Request<Incoming>,
    abort: Arc<Notify>,
) -> Response<EmuBody> {
    let (parts, body) = req.into_parts();
    // Counted from here until the answer's last byte is handed to the connection. If the
    // client closes the connection first, hyper drops this future (or, once answered, the
    // body) and the guard counts the request as abandoned. hyper's HTTP/1 server notices the
    // closure while this future is pending (the latency sleep, a slow handler): with the
    // request read and half-close off (its default), its dispatcher keeps reading the socket
    // ("mid_message_detect_eof") and ends the connection with an error on EOF or reset. It
    // does not when the client pipelined further bytes behind this request (they are
    // buffered): such a closure is only seen when the answer is written.
    let guard = tracked(parts.uri.path()).then(|| RequestGuard::new(&state));
    let (line, head) = head_size(&parts);
    if head > MAX_REQUEST_HEAD {
        let status = if line > MAX_REQUEST_HEAD { 414 } else { 431 };
        let resp = Resp::html(status);
        let logged = Req {
            method: parts.method.as_str().to_string(),
            path: percent_encoding::percent_decode_str(parts.uri.path())
                .decode_utf8_lossy()
                .into_owned(),
            params: HashMap::new(),
            headers: Default::default(),
            body: Bytes::new(),
        };
        log_request(&state, &logged, &resp);
        let b = Response::builder()
            .status(resp.status)
            .header("Content-Type", resp.content_type)
            .header("Connection", "close");
        return respond(b, resp.body, 0, guard, None);
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let params = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let req = Req {
        method: parts.method.as_str().to_string(),
        path: percent_encoding::percent_decode_str(parts.uri.path())
            .decode_utf8_lossy()
            .into_owned(),
        params,
        headers: parts.headers,
        body,
    };
    let injected = if faultable(&req.path) {
        match inject_faults(&state, &req).await {
            Ok(r) => r,
            Err(()) => {
                // Close the connection without writing anything: the serving task drops
                // the connection when notified; this future never completes. The server
                // closes it, not the client: not abandoned.
                if let Some(g) = guard {
                    g.finish();
                }
                abort.notify_one();
                return std::future::pending().await;
            }
        }
    } else {
        None
    };
    let lose_answer = matches!(injected, Some(Injection::LoseAnswer));
    let (req, resp) = match injected {
        Some(Injection::Answer(resp)) => (req, resp),
        Some(Injection::LoseAnswer) | None => {
            let st = state.clone();
            // Query execution and rendering are CPU-bound: keep them off the async workers.
            tokio::task::spawn_blocking(move || {
                let resp = route(&st, &req);
                (req, resp)
            })
            .await
            .unwrap_or_else(|_| {
                (
                    Req {
                        method: String::new(),
                        path: String::new(),
                        params: HashMap::new(),
                        headers: Default::default(),
                        body: Bytes::new(),
                    },
                    Resp::error(&ApiError::new(
                        500,
                        "UNKNOWN_EXCEPTION",
                        "An unexpected error occurred",
                    )),
                )
            })
        }
    };
    if lose_answer {
        // Done, but the client never hears of it (logged with status 0, like a drop).
        let mut lost = Resp::empty(0);
        lost.soql = resp.soql.clone();
        log_request(&state, &req, &lost);
        if let Some(g) = guard {
            g.finish();
        }
        abort.notify_one();
        return std::future::pending().await;
    }
    // A Bulk results page may break off partway (drop_results_body_after_bytes).
    let cut = if faultable(&req.path) && resp.status == 200 && bulk_results(&req) {
        lock(&state.faults).results_body_cut(resp.body.len())
    } else {
        None
    };
    log_request_cut(&state, &req, &resp, cut);
    let mut b = Response::builder().status(resp.status);
    if !resp.content_type.is_empty() {
        b = b.header("Content-Type", resp.content_type);
    }
    for (k, v) in &resp.headers {
        b = b.header(*k, v.as_str());
    }
    // Bandwidth is read now (after the latency sleep and the work), like the other settings
    // it applies to faultable requests, error answers included.
    let rate = if faultable(&req.path) {
        lock(&state.faults).settings.bandwidth_bytes_per_sec
    } else {
        0
    };
    let cut = cut.map(|after| Cut {
        after,
        close: abort,
    });
    respond(b, resp.body, rate, guard, cut)
}

/// Serves connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, state: Arc<AppState>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        state
            .connections_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let state = state.clone();
        tokio::spawn(async move {
            // A dropped-connection fault notifies `abort`; dropping the connection future
            // closes the socket without a response.
            let abort = Arc::new(Notify::new());
            let ab = abort.clone();
            let svc = hyper::service::service_fn(move |req| {
                let st = state.clone();
                let ab = ab.clone();
                async move { Ok::<_, Infallible>(handle(st, req, ab).await) }
            });
            // Room for heads well beyond MAX_REQUEST_HEAD, so that the 16,384-byte rule (431 /
            // 414 with an HTML body) is the one a client meets, not hyper's own limits.
            let conn = hyper::server::conn::http1::Builder::new()
                .max_buf_size(1024 * 1024)
                .max_headers(1000)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = abort.notified() => {}
            }
        });
    }
}

/// Binds 127.0.0.1:`port` and records the base URL in the state.
pub async fn bind(state: &AppState, port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    *write(&state.base_url) = format!("http://127.0.0.1:{}", addr.port());
    Ok((listener, addr))
}
