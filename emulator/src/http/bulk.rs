//! `/services/data/vXX.X/jobs/query[/{id}[/results]]`: Bulk API 2.0 query jobs.

use super::{lock, read, Req, Resp};
use crate::bulk::{self, Job, JobState};
use crate::error::ApiError;
use crate::state::AppState;
use crate::value::RecordRef;
use serde_json::{json, Value as Json};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// First API version with Bulk API 2.0 query jobs.
const MIN_BULK_QUERY_VERSION: f64 = 47.0;

fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

pub fn handle(
    state: &AppState,
    req: &Req,
    v: &str,
    segs: &[&str],
    user: RecordRef,
) -> Result<Resp, ApiError> {
    if v.parse::<f64>().unwrap_or(0.0) < MIN_BULK_QUERY_VERSION {
        return Err(ApiError::not_found());
    }
    match (req.method.as_str(), segs) {
        ("POST", []) => create(state, req, v, user),
        ("GET", []) => {
            let delay = state.cfg.bulk_delay_ms;
            let mut jobs = lock(&state.bulk);
            let mut list: Vec<&mut Job> = jobs.map.values_mut().collect();
            list.sort_by(|a, b| a.id.cmp(&b.id));
            let records: Vec<Json> = list
                .into_iter()
                .map(|j| {
                    j.refresh(delay);
                    j.info(false)
                })
                .collect();
            Ok(Resp::value(
                200,
                &json!({"done": true, "records": records, "nextRecordsUrl": null}),
            ))
        }
        ("GET", [id]) => {
            poll(state, id);
            let mut jobs = lock(&state.bulk);
            let job = jobs.map.get_mut(*id).ok_or_else(ApiError::not_found)?;
            job.refresh(state.cfg.bulk_delay_ms);
            Ok(Resp::value(200, &job.info(true)))
        }
        ("PATCH", [id]) => {
            let body: Json = serde_json::from_slice(&req.body)
                .map_err(|e| ApiError::bad_request("JSON_PARSER_ERROR", e.to_string()))?;
            let mut jobs = lock(&state.bulk);
            let job = jobs.map.get_mut(*id).ok_or_else(ApiError::not_found)?;
            job.refresh(state.cfg.bulk_delay_ms);
            if body["state"] != "Aborted" {
                return Err(ApiError::bad_request(
                    "INVALIDJOBSTATE",
                    format!("Invalid job state: {}", body["state"]),
                ));
            }
            if job.state.is_terminal() {
                return Err(ApiError::bad_request(
                    "INVALIDJOBSTATE",
                    format!("Job is already in state {}", job.state.name()),
                ));
            }
            job.state = JobState::Aborted;
            job.modstamp_ms = read(&state.org).clock.now() / 1000 * 1000;
            Ok(Resp::value(200, &job.info(false)))
        }
        ("DELETE", [id]) => {
            lock(&state.bulk)
                .map
                .remove(*id)
                .ok_or_else(ApiError::not_found)?;
            Ok(Resp::empty(204))
        }
        ("GET", [id, "results"]) => results(state, req, id),
        ("GET", [id, "resultPages"])
            if !state.cfg.no_result_pages && v.parse::<f64>().unwrap_or(0.0) >= 58.0 =>
        {
            result_pages(state, req, v, id)
        }
        _ => Err(ApiError::not_found()),
    }
}

const DELIMITERS: [&str; 6] = ["COMMA", "TAB", "PIPE", "SEMICOLON", "CARET", "BACKQUOTE"];

fn create(state: &AppState, req: &Req, v: &str, user: RecordRef) -> Result<Resp, ApiError> {
    let body: Json = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request("JSON_PARSER_ERROR", e.to_string()))?;
    let query = body["query"].as_str().map(str::to_string);
    let mut resp = create_job(state, &body, query.as_deref(), v, user)
        .map(|info| Resp::value(200, &info))
        .unwrap_or_else(|e| Resp::error(&e));
    resp.soql = query;
    Ok(resp)
}

fn create_job(
    state: &AppState,
    body: &Json,
    query: Option<&str>,
    v: &str,
    user: RecordRef,
) -> Result<Json, ApiError> {
    let query_all = match body["operation"].as_str() {
        Some("query") => false,
        Some("queryAll") => true,
        Some(op) => return Err(invalid_job(format!("Invalid operation: {op}"))),
        None => return Err(invalid_job("Operation is required")),
    };
    let query = query.ok_or_else(|| invalid_job("Query is required"))?;
    if let Some(ct) = body.get("contentType").filter(|c| !c.is_null()) {
        if ct != "CSV" {
            return Err(invalid_job(format!(
                "Invalid contentType: {ct}. Only CSV is supported"
            )));
        }
    }
    let column_delimiter = match body.get("columnDelimiter").and_then(Json::as_str) {
        None => "COMMA",
        Some(d) => DELIMITERS
            .iter()
            .copied()
            .find(|x| *x == d)
            .ok_or_else(|| invalid_job(format!("Invalid columnDelimiter: {d}")))?,
    };
    let line_ending = match body.get("lineEnding").and_then(Json::as_str) {
        None | Some("LF") => "LF",
        Some("CRLF") => "CRLF",
        Some(x) => return Err(invalid_job(format!("Invalid lineEnding: {x}"))),
    };
    let (plan, object, created_by, now) = {
        let org = read(&state.org);
        let plan = bulk::compile_bulk(query, &org)?;
        let object = org.schema.objects[plan.object].name.clone();
        (
            plan,
            object,
            org.id_string(user),
            org.clock.now() / 1000 * 1000,
        )
    };
    let mut jobs = lock(&state.bulk);
    let id = jobs.next_id();
    let fail_with = (jobs.fail_next > 0).then(|| {
        jobs.fail_next -= 1;
        jobs.fail_message.clone()
    });
    let job = Job {
        id: id.clone(),
        query_all,
        object,
        created_by,
        created_ms: now,
        modstamp_ms: now,
        state: JobState::UploadComplete,
        api_version: v.to_string(),
        line_ending,
        column_delimiter,
        query: query.to_string(),
        plan: Arc::new(plan),
        started: Instant::now(),
        results: None,
        processing_ms: 0,
        queue_ms: state.cfg.bulk_queue_ms,
        fail_with,
        error_message: None,
    };
    let info = job.info(false);
    jobs.map.insert(id.clone(), job);
    drop(jobs);
    // Complete the job in the background when its delay has passed (the snapshot is taken
    // then). Without a state handle (not started via `start`), polling completes it.
    if let Some(st) = state.self_ref.get().and_then(|w| w.upgrade()) {
        let delay = state.cfg.bulk_delay_ms + state.cfg.bulk_queue_ms;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(delay));
            complete(&st, &id);
        });
    }
    Ok(info)
}

/// Fallback completion when no background thread could be started.
fn poll(state: &AppState, id: &str) {
    if state.self_ref.get().and_then(|w| w.upgrade()).is_some() {
        return;
    }
    let due = lock(&state.bulk).map.get(id).is_some_and(|j| {
        j.results.is_none()
            && !j.state.is_terminal()
            && j.started.elapsed()
                >= Duration::from_millis(state.cfg.bulk_delay_ms + state.cfg.bulk_queue_ms)
    });
    if due {
        complete(state, id);
    }
}

/// Runs the job's query, renders the CSV snapshot and marks the job JobComplete.
pub fn complete(state: &AppState, id: &str) {
    {
        let now = read(&state.org).clock.now() / 1000 * 1000;
        let mut jobs = lock(&state.bulk);
        if let Some(j) = jobs.map.get_mut(id) {
            if let (false, Some(m)) = (j.state.is_terminal(), j.fail_with.take()) {
                j.state = JobState::Failed;
                j.error_message = Some(m);
                j.modstamp_ms = now;
                return;
            }
        }
    }
    let Some((plan, query_all, delim, crlf)) = lock(&state.bulk).map.get(id).and_then(|j| {
        (!j.state.is_terminal()).then(|| {
            (
                j.plan.clone(),
                j.query_all,
                j.delimiter(),
                j.line_ending == "CRLF",
            )
        })
    }) else {
        return;
    };
    let t0 = Instant::now();
    let (results, now) = {
        let org = read(&state.org);
        (
            bulk::render(&org, &plan, query_all, delim, crlf),
            org.clock.now() / 1000 * 1000,
        )
    };
    let mut jobs = lock(&state.bulk);
    if let Some(j) = jobs.map.get_mut(id) {
        if !j.state.is_terminal() {
            j.results = Some(Arc::new(results));
            j.state = JobState::JobComplete;
            j.modstamp_ms = now;
            j.processing_ms = t0.elapsed().as_millis() as u64;
        }
    }
}

/// Whether an Accept header admits `text/csv` (absent: anything goes).
pub fn accepts_csv(accept: Option<&str>) -> bool {
    let Some(h) = accept else { return true };
    h.split(',').any(|range| {
        let mut parts = range.split(';');
        let mt = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q_zero = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f64>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        !q_zero && matches!(mt.as_str(), "text/csv" | "text/*" | "*/*")
    })
}

/// The results of a completed job, or 412 JOB_NOT_COMPLETE.
fn completed_results(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<bulk::Results>, ApiError> {
    poll(state, id);
    let mut jobs = lock(&state.bulk);
    let job = jobs.map.get_mut(id).ok_or_else(ApiError::not_found)?;
    job.refresh(state.cfg.bulk_delay_ms);
    match (&job.results, job.state) {
        (Some(r), JobState::JobComplete) => Ok(r.clone()),
        (_, s) => Err(ApiError::new(
            412,
            "JOB_NOT_COMPLETE",
            format!("can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: {}", s.upper()),
        )),
    }
}

/// Parallel results (v58.0+): up to five `resultUrl`s of pages of `--bulk-page-records`
/// records, with `nextRecordsUrl` to the next five and `done` (SALESFORCE.md 12.14).
fn result_pages(state: &AppState, req: &Req, v: &str, id: &str) -> Result<Resp, ApiError> {
    let rows = completed_results(state, id)?.rows();
    let page = state.cfg.bulk_page_records.max(1);
    let first_page = match req.param("locator") {
        None | Some("") => 0,
        Some(l) => bulk::decode_locator(l).ok_or_else(|| {
            ApiError::bad_request("INVALID_LOCATOR", format!("Invalid locator: {l}"))
        })?,
    };
    let pages = rows.div_ceil(page).max(1);
    let last = (first_page + 5).min(pages);
    let urls: Vec<Json> = (first_page..last)
        .map(|p| {
            let locator = if p == 0 {
                String::new()
            } else {
                format!("?locator={}", bulk::encode_locator(p * page))
            };
            json!({"resultUrl": format!("/services/data/v{v}/jobs/query/{id}/results{locator}")})
        })
        .collect();
    let done = last >= pages;
    let next = (!done).then(|| {
        format!(
            "/services/data/v{v}/jobs/query/{id}/resultPages?locator={}",
            bulk::encode_locator(last)
        )
    });
    Ok(Resp::value(
        200,
        &json!({"resultPages": urls, "nextRecordsUrl": next, "done": done}),
    ))
}

fn results(state: &AppState, req: &Req, id: &str) -> Result<Resp, ApiError> {
    if state.cfg.bulk_strict_accept && !accepts_csv(req.header("accept")) {
        return Ok(Resp::html(406));
    }
    let res = completed_results(state, id)?;
    let invalid_locator =
        |l: &str| ApiError::bad_request("INVALID_LOCATOR", format!("Invalid locator: {l}"));
    let offset = match req.param("locator") {
        None | Some("") => 0,
        Some(l) => bulk::decode_locator(l)
            .filter(|&o| o <= res.rows())
            .ok_or_else(|| invalid_locator(l))?,
    };
    let max = match req.param("maxRecords") {
        None | Some("") => state.cfg.bulk_page_records.max(1),
        Some(m) => m.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
            ApiError::bad_request(
                "INVALIDURL",
                format!("maxRecords must be a positive integer: {m}"),
            )
        })?,
    };
    let end = offset.saturating_add(max).min(res.rows());
    let slice = &res.body[res.offsets[offset]..res.offsets[end]];
    let gzip = req
        .header("accept-encoding")
        .is_some_and(|h| h.split(',').any(|e| e.trim().starts_with("gzip")));
    let body = if gzip {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(slice.len() / 4 + 64),
            flate2::Compression::fast(),
        );
        let _ = enc.write_all(&res.header);
        let _ = enc.write_all(slice);
        enc.finish().unwrap_or_default()
    } else {
        let mut b = Vec::with_capacity(res.header.len() + slice.len());
        b.extend_from_slice(&res.header);
        b.extend_from_slice(slice);
        b
    };
    let mut r = Resp::json(200, body);
    r.content_type = "text/csv";
    r.records = Some(end - offset);
    r.headers
        .push(("Sforce-NumberOfRecords", (end - offset).to_string()));
    r.headers.push((
        "Sforce-Locator",
        if end < res.rows() {
            bulk::encode_locator(end)
        } else {
            "null".to_string()
        },
    ));
    if gzip {
        r.headers.push(("Content-Encoding", "gzip".to_string()));
    }
    Ok(r)
}
