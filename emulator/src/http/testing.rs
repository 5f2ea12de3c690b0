//! Test-only endpoints under `/__emulator/` (no auth): request log, session expiry,
//! recycle-bin purge, data dumps, counters.

use super::{lock, read, write, Req, Resp};
use crate::error::ApiError;
use crate::faults::{FaultSettings, Scheduled};
use crate::render::write_dump_record;
use crate::state::AppState;
use crate::store::RowState;
use crate::value::RecordRef;
use crate::writes;
use serde_json::json;
use std::sync::atomic::Ordering;

pub fn handle(state: &AppState, req: &Req, rest: &str) -> Resp {
    let m = req.method.as_str();
    let rest = rest.trim_end_matches('/');
    match (m, rest) {
        ("GET", "requests") => {
            let log = lock(&state.log);
            Resp::json(200, serde_json::to_vec(&*log).unwrap_or_default())
        }
        ("DELETE", "requests") => {
            lock(&state.log).clear();
            Resp::empty(204)
        }
        ("POST", "expire-sessions") => {
            // Cursors belong to the user and outlive the session.
            lock(&state.sessions).clear();
            Resp::empty(204)
        }
        ("POST", "purge-recycle-bin") => {
            let mut org = write(&state.org);
            let obj = match req.param("object") {
                Some(name) => match org.schema.object_index(name) {
                    Some(i) => Some(i),
                    None => return Resp::error(&ApiError::not_found()),
                },
                None => None,
            };
            let purged = writes::purge(&mut org, obj);
            Resp::value(200, &json!({"purged": purged}))
        }
        ("POST", "api-usage") => {
            // Sets the API request counter (to test limit exhaustion).
            let used = req.param("used").and_then(|v| v.parse().ok()).unwrap_or(0);
            state.api_used.store(used, Ordering::SeqCst);
            Resp::value(200, &json!({"used": used, "max": state.cfg.api_limit}))
        }
        ("GET", "faults") => Resp::value(200, &lock(&state.faults).to_json()),
        ("PUT", "faults") => {
            let settings: FaultSettings = match serde_json::from_slice(&req.body) {
                Ok(s) => s,
                Err(e) => return bad_json(e.to_string()),
            };
            if let Err(e) = settings.validate() {
                return bad_json(e);
            }
            let mut f = lock(&state.faults);
            f.replace(settings);
            Resp::value(200, &f.to_json())
        }
        ("DELETE", "faults") => {
            let mut f = lock(&state.faults);
            f.reset();
            Resp::value(200, &f.to_json())
        }
        ("POST", "faults/after") => {
            let s: Scheduled = match serde_json::from_slice(&req.body) {
                Ok(s) => s,
                Err(e) => return bad_json(e.to_string()),
            };
            if s.status != 0 && !(100..=599).contains(&s.status) {
                return bad_json("status must be 0 (drop) or an HTTP status".into());
            }
            match (s.kind.as_deref(), s.status) {
                (None, _) | (Some("concurrent"), 403) | (Some("lost_answer"), 0) => {}
                _ => {
                    return bad_json(
                        "kind \"concurrent\" needs status 403, \"lost_answer\" status 0".into(),
                    )
                }
            }
            let mut f = lock(&state.faults);
            if s.count > 0 {
                f.scheduled.push_back(s);
            }
            Resp::value(200, &f.to_json())
        }
        ("POST", "backdate") => backdate(state, req),
        ("POST", "bulk/fail-next") => {
            let body: serde_json::Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(e) => return bad_json(e.to_string()),
            };
            let mut jobs = lock(&state.bulk);
            jobs.fail_next = body["count"].as_u64().unwrap_or(1);
            jobs.fail_message = body["error_message"]
                .as_str()
                .unwrap_or("InternalServerError : Failed to process query")
                .to_string();
            Resp::value(
                200,
                &json!({"count": jobs.fail_next, "error_message": jobs.fail_message}),
            )
        }
        ("GET", "stats") => {
            let org = read(&state.org);
            let records: serde_json::Map<String, serde_json::Value> = org
                .schema
                .objects
                .iter()
                .zip(org.tables.iter())
                .map(|(o, t)| (o.name.clone(), json!(t.live_count())))
                .collect();
            Resp::value(
                200,
                &json!({
                    "apiCalls": state.api_used.load(Ordering::SeqCst),
                    "apiLimit": state.cfg.api_limit,
                    "sessions": lock(&state.sessions).len(),
                    "openCursors": lock(&state.cursors).open_count(),
                    "requests": lock(&state.log).len(),
                    "records": records,
                    "faults": lock(&state.faults).injected,
                    "bulkJobs": lock(&state.bulk).len(),
                    "refreshGrants": lock(&state.refresh_tokens).grants,
                    "connectionsAccepted": state.connections_accepted.load(Ordering::Relaxed),
                    "requestsInFlight": state.requests_in_flight.load(Ordering::SeqCst),
                    "requestsAbandoned": state.requests_abandoned.load(Ordering::SeqCst),
                    "validRefreshTokens": lock(&state.refresh_tokens).valid.len(),
                }),
            )
        }
        ("GET", r) if r.starts_with("dump/") => {
            let org = read(&state.org);
            let Some(obj) = org.schema.object_index(&r["dump/".len()..]) else {
                return Resp::error(&ApiError::not_found());
            };
            let include_deleted = req.param("include_deleted").is_some_and(|v| v == "true");
            let mut out = Vec::with_capacity(org.tables[obj].rows.len() * 300);
            out.push(b'[');
            let mut first = true;
            for (row, r) in org.tables[obj].rows.iter().enumerate() {
                let visible = match r.state {
                    RowState::Live => true,
                    RowState::Deleted => include_deleted,
                    RowState::Purged => false,
                };
                if !visible {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                write_dump_record(
                    &mut out,
                    &org,
                    RecordRef {
                        obj: obj as u16,
                        row: row as u32,
                    },
                );
            }
            out.push(b']');
            Resp::json(200, out)
        }
        _ => Resp::error(&ApiError::not_found()),
    }
}

fn bad_json(msg: String) -> Resp {
    Resp::error(&ApiError::bad_request("JSON_PARSER_ERROR", msg))
}

/// `POST /__emulator/backdate` `{"object","id","fields":{...}}`: sets any fields (audit
/// fields included) without touching timestamps, to simulate a late commit.
fn backdate(state: &AppState, req: &Req) -> Resp {
    let body: serde_json::Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return bad_json(e.to_string()),
    };
    let (Some(obj), Some(id), Some(fields)) = (
        body["object"].as_str(),
        body["id"].as_str(),
        body.get("fields"),
    ) else {
        return bad_json("expected {\"object\":..,\"id\":..,\"fields\":{..}}".into());
    };
    let mut org = write(&state.org);
    let Some(obj) = org.schema.object_index(obj) else {
        return Resp::error(&ApiError::not_found());
    };
    match writes::backdate(&mut org, obj, id, fields) {
        Ok(r) => {
            let mut out = Vec::new();
            write_dump_record(&mut out, &org, r);
            Resp::json(200, out)
        }
        Err(e) => Resp::error(&e),
    }
}
