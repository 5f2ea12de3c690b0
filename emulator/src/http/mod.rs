//! HTTP plumbing (hyper, HTTP/1.1): request collection, routing, request log, responses.

pub mod api;
pub mod oauth;
pub mod testing;

use crate::error::ApiError;
use crate::state::{AppState, LogEntry};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::net::TcpListener;

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

async fn handle(state: Arc<AppState>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
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
    let st = state.clone();
    // Query execution and rendering are CPU-bound: keep them off the async workers.
    let (req, resp) = tokio::task::spawn_blocking(move || {
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
    });
    if !req.path.starts_with("/__emulator/requests") && !req.method.is_empty() {
        lock(&state.log).push(LogEntry {
            method: req.method.clone(),
            path: req.path.clone(),
            soql: resp.soql.clone(),
            status: resp.status,
            records: resp.records,
        });
    }
    let mut b = Response::builder().status(resp.status);
    if !resp.content_type.is_empty() {
        b = b.header("Content-Type", resp.content_type);
    }
    for (k, v) in &resp.headers {
        b = b.header(*k, v.as_str());
    }
    b.body(Full::new(Bytes::from(resp.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Serves connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, state: Arc<AppState>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let st = state.clone();
                async move { Ok::<_, Infallible>(handle(st, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
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
