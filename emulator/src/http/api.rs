//! `/services/data/...`: versions, resources, describe, query/queryAll and paging, limits,
//! sObject CRUD, getUpdated/getDeleted. Every versioned response carries Sforce-Limit-Info.

use super::{lock, read, write, Req, Resp};
use crate::error::ApiError;
use crate::query::batch_size;
use crate::render::write_full_record;
use crate::schema::describe;
use crate::state::AppState;
use crate::store::RowState;
use crate::timeutil::{self, format_datetime};
use crate::value::RecordRef;
use crate::writes;
use serde_json::{json, Value as Json};
use std::sync::atomic::Ordering;

/// Oldest version ever served (the base of the release labels: v20.0 = Winter '11).
const FIRST_VERSION: u32 = 20;
/// v20.0-v30.0 are retired (Summer '25): requests under them answer 410.
pub const LAST_RETIRED: u32 = 30;
/// Oldest listed and served version.
pub const MIN_VERSION: u32 = LAST_RETIRED + 1;
/// Newest version: v68.0 = Winter '27.
pub const MAX_VERSION: u32 = 68;

fn release_label(major: u32) -> String {
    let k = major - FIRST_VERSION;
    let season = ["Winter", "Spring", "Summer"][(k % 3) as usize];
    format!("{season} '{:02}", 11 + k / 3)
}

/// `GET /services/data`: no auth, no Sforce-Limit-Info.
pub fn versions(_req: &Req) -> Resp {
    let list: Vec<Json> = (MIN_VERSION..=MAX_VERSION)
        .map(|v| json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")}))
        .collect();
    Resp::value(200, &Json::Array(list))
}

/// Parses `vNN.N` → "NN.N" if the version is served.
fn parse_version(seg: &str) -> Option<String> {
    let v = seg.strip_prefix('v')?;
    let (major, minor) = v.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    (minor == "0" && (MIN_VERSION..=MAX_VERSION).contains(&major)).then(|| v.to_string())
}

/// A retired version (`v20.0`..`v30.0`): 410 with a JSON error (code and wording are the
/// emulator's choice; the docs only say retired versions answer 410).
fn retired(seg: &str) -> Option<Resp> {
    let v = seg.strip_prefix('v')?;
    let (major, minor) = v.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    (minor == "0" && (FIRST_VERSION..=LAST_RETIRED).contains(&major)).then(|| {
        Resp::error(&ApiError::new(
            410,
            "UNSUPPORTED_API_VERSION",
            format!("Version v{major}.0 of the API is no longer supported. Use API version {MIN_VERSION}.0 or later."),
        ))
    })
}

pub fn session_user(state: &AppState, req: &Req) -> Option<RecordRef> {
    let h = req.header("authorization")?;
    let token = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("OAuth "))?
        .trim();
    lock(&state.sessions).get(token).map(|s| s.user)
}

pub fn handle(state: &AppState, req: &Req, rest: &str) -> Resp {
    let (vseg, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if let Some(r) = retired(vseg) {
        return r;
    }
    let Some(version) = parse_version(vseg) else {
        return Resp::error(&ApiError::not_found());
    };
    let max = state.cfg.api_limit;
    let Some(user) = session_user(state, req) else {
        let mut r = Resp::error(&ApiError::invalid_session());
        let used = state.api_used.load(Ordering::SeqCst);
        r.headers
            .push(("Sforce-Limit-Info", format!("api-usage={used}/{max}")));
        return r;
    };
    let used = state.api_used.fetch_add(1, Ordering::SeqCst) + 1;
    let mut resp = if used > max {
        Resp::error(&ApiError::new(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ))
    } else {
        let segs: Vec<&str> = tail
            .trim_end_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        dispatch(state, req, &version, &segs, user).unwrap_or_else(Resp::from)
    };
    resp.headers.push((
        "Sforce-Limit-Info",
        format!("api-usage={}/{max}", used.min(max.max(used))),
    ));
    resp
}

fn dispatch(
    state: &AppState,
    req: &Req,
    v: &str,
    segs: &[&str],
    user: RecordRef,
) -> Result<Resp, ApiError> {
    let m = req.method.as_str();
    match (m, segs) {
        ("GET", []) => Ok(resources(v)),
        ("GET", ["sobjects"]) => Ok(Resp::value(
            200,
            &describe::global_describe(&read(&state.org).schema, v),
        )),
        (_, ["sobjects", obj, rest @ ..]) => sobjects(state, req, v, obj, rest, user),
        ("GET", [kind @ ("query" | "queryAll")]) => start_query(state, req, v, *kind == "queryAll"),
        ("GET", ["query" | "queryAll", locator]) => {
            let org = read(&state.org);
            let page = lock(&state.cursors).next(&org, locator, v)?;
            let mut r = Resp::json(200, page.body);
            r.records = Some(page.records);
            Ok(r)
        }
        (_, ["jobs", "query", rest @ ..]) => super::bulk::handle(state, req, v, rest, user),
        ("GET", ["limits"]) => Ok(limits(state)),
        ("GET", ["limits", "recordCount"]) => Ok(record_count(state, req)),
        _ => Err(ApiError::not_found()),
    }
}

fn resources(v: &str) -> Resp {
    let p = |s: &str| format!("/services/data/v{v}/{s}");
    Resp::value(
        200,
        &json!({
            "tooling": p("tooling"),
            "metadata": p("metadata"),
            "eclair": p("eclair"),
            "folders": p("folders"),
            "prechatForms": p("prechatForms"),
            "jobs": p("jobs"),
            "query": p("query"),
            "queryAll": p("queryAll"),
            "sobjects": p("sobjects"),
            "search": p("search"),
            "recent": p("recent"),
            "limits": p("limits"),
            "composite": p("composite"),
        }),
    )
}

fn start_query(state: &AppState, req: &Req, v: &str, all: bool) -> Result<Resp, ApiError> {
    let Some(q) = req.param("q") else {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            "A query string has to be specified",
        ));
    };
    let batch = batch_size(req.header("sforce-query-options"));
    let org = read(&state.org);
    let mut limits = state.cfg.aggregate_limits();
    // Settable at runtime too (PUT /__emulator/faults), like the other faults.
    limits.timeout_rows = lock(&state.faults).settings.aggregate_timeout_rows;
    let result = lock(&state.cursors).start(&org, q, all, batch, v, limits);
    let mut r = match result {
        Ok(page) => {
            let mut r = Resp::json(200, page.body);
            r.records = Some(page.records);
            r
        }
        Err(e) => Resp::error(&e),
    };
    r.soql = Some(q.to_string());
    Ok(r)
}

fn object_index(state: &AppState, name: &str) -> Result<usize, ApiError> {
    read(&state.org)
        .schema
        .object_index(name)
        .ok_or_else(ApiError::not_found)
}

fn sobjects(
    state: &AppState,
    req: &Req,
    v: &str,
    obj_name: &str,
    rest: &[&str],
    user: RecordRef,
) -> Result<Resp, ApiError> {
    let obj = object_index(state, obj_name)?;
    let m = req.method.as_str();
    match (m, rest) {
        ("GET", []) => {
            let org = read(&state.org);
            Ok(Resp::value(
                200,
                &json!({"objectDescribe": describe::global_entry(&org.schema.objects[obj], v), "recentItems": []}),
            ))
        }
        ("POST", []) => {
            let body: Json = serde_json::from_slice(&req.body)
                .map_err(|e| ApiError::bad_request("JSON_PARSER_ERROR", e.to_string()))?;
            let mut org = write(&state.org);
            let r = writes::create(&mut org, obj, &body, user)?;
            Ok(Resp::value(
                201,
                &json!({"id": org.id_string(r), "success": true, "errors": []}),
            ))
        }
        ("GET", ["describe"]) => {
            let org = read(&state.org);
            Ok(Resp::value(
                200,
                &describe::describe(&org.schema, &org.schema.objects[obj], v),
            ))
        }
        ("GET", [kind @ ("updated" | "deleted")]) => {
            replication(state, req, obj, *kind == "deleted")
        }
        ("GET", [id]) => {
            let org = read(&state.org);
            let r = writes::find_live(&org, obj, id)?;
            let only: Option<Vec<usize>> = match req.param("fields") {
                Some(list) => {
                    let meta = &org.schema.objects[obj];
                    let mut v = vec![];
                    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        v.push(meta.field_index(name).ok_or_else(|| {
                            ApiError::bad_request(
                                "INVALID_FIELD",
                                format!("No such column '{name}' on sobject of type {}", meta.name),
                            )
                        })?);
                    }
                    Some(v)
                }
                None => None,
            };
            let mut out = Vec::new();
            write_full_record(&mut out, &org, r, v, only.as_deref());
            Ok(Resp::json(200, out))
        }
        ("PATCH", [id]) => {
            let body: Json = serde_json::from_slice(&req.body)
                .map_err(|e| ApiError::bad_request("JSON_PARSER_ERROR", e.to_string()))?;
            writes::update(&mut write(&state.org), obj, id, &body, user)?;
            Ok(Resp::empty(204))
        }
        ("DELETE", [id]) => {
            writes::delete(&mut write(&state.org), obj, id, user)?;
            Ok(Resp::empty(204))
        }
        _ => Err(ApiError::not_found()),
    }
}

fn truncate_to_minute(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

fn replication_param(req: &Req, name: &str) -> Result<i64, ApiError> {
    let raw = req.param(name).ok_or_else(|| {
        ApiError::bad_request("MISSING_ARGUMENT", format!("{name} not specified"))
    })?;
    // An unencoded '+' in the offset arrives as a space.
    let fixed = raw.trim().replace(' ', "+");
    timeutil::parse_datetime(&fixed).ok_or_else(|| {
        ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!("{name} is not a valid dateTime: {raw}"),
        )
    })
}

/// `GET /sobjects/X/updated` and `/deleted` (windows of 30 and 15 days back from now).
fn replication(state: &AppState, req: &Req, obj: usize, deleted: bool) -> Result<Resp, ApiError> {
    let start = truncate_to_minute(replication_param(req, "start")?);
    let end = truncate_to_minute(replication_param(req, "end")?);
    let org = read(&state.org);
    let now = org.clock.now();
    if end <= start {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than one minute",
        ));
    }
    let window_days = if deleted { 15 } else { 30 };
    if start < now - window_days * timeutil::MS_PER_DAY {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!("startDate cannot be more than {window_days} days ago"),
        ));
    }
    let latest = truncate_to_minute(end.min(now));
    let table = &org.tables[obj];
    if deleted {
        let records: Vec<Json> = table
            .deleted_log
            .iter()
            .filter(|(row, when)| *when >= start && *when < end && table.rows[*row as usize].state == RowState::Deleted)
            .map(|(row, when)| {
                json!({"id": org.id_string(RecordRef { obj: obj as u16, row: *row }), "deletedDate": format_datetime(*when)})
            })
            .collect();
        let earliest = table.last_purge_ms.map_or(
            timeutil::BASE_INSTANT_MS - 2 * 365 * timeutil::MS_PER_DAY,
            truncate_to_minute,
        );
        return Ok(Resp::value(
            200,
            &json!({"deletedRecords": records, "earliestDateAvailable": format_datetime(earliest), "latestDateCovered": format_datetime(latest)}),
        ));
    }
    let stamp = org.system[obj].system_modstamp;
    let ids: Vec<String> = table
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.state == RowState::Live)
        .filter(|(_, r)| {
            stamp
                .and_then(|i| r.values[i].as_datetime())
                .is_some_and(|t| t >= start && t < end)
        })
        .map(|(row, _)| {
            org.id_string(RecordRef {
                obj: obj as u16,
                row: row as u32,
            })
        })
        .collect();
    Ok(Resp::value(
        200,
        &json!({"ids": ids, "latestDateCovered": format_datetime(latest)}),
    ))
}

fn limits(state: &AppState) -> Resp {
    let max = state.cfg.api_limit;
    let used = state.api_used.load(Ordering::SeqCst).min(max);
    let org = read(&state.org);
    let records: usize = org
        .tables
        .iter()
        .map(|t| {
            t.rows
                .iter()
                .filter(|r| r.state != RowState::Purged)
                .count()
        })
        .sum();
    let data_max = 1024u64;
    let data_used = (records as u64 * 2 / 1024).min(data_max);
    let l = |max: u64, remaining: u64| json!({"Max": max, "Remaining": remaining});
    Resp::value(
        200,
        &json!({
            "ActiveScratchOrgs": l(3, 3),
            "AnalyticsExternalDataSizeMB": l(40960, 40960),
            "ConcurrentAsyncGetReportInstances": l(200, 200),
            "ConcurrentSyncReportRuns": l(20, 20),
            "DailyAnalyticsDataflowJobExecutions": l(60, 60),
            "DailyApiRequests": l(max, max - used),
            "DailyAsyncApexExecutions": l(250000, 250000),
            "DailyBulkApiBatches": l(15000, 15000),
            "DailyBulkV2QueryFileStorageMB": l(976562, 976562),
            "DailyBulkV2QueryJobs": l(10000, 10000),
            "DailyDurableGenericStreamingApiEvents": l(10000, 10000),
            "DailyDurableStreamingApiEvents": l(10000, 10000),
            "DailyGenericStreamingApiEvents": l(10000, 10000),
            "DailyScratchOrgs": l(6, 6),
            "DailyStandardVolumePlatformEvents": l(10000, 10000),
            "DailyStreamingApiEvents": l(10000, 10000),
            "DailyWorkflowEmails": l(390, 390),
            "DataStorageMB": l(data_max, data_max - data_used),
            "FileStorageMB": l(20, 20),
            "HourlyAsyncReportRuns": l(1200, 1200),
            "HourlyDashboardRefreshes": l(200, 200),
            "HourlyDashboardResults": l(5000, 5000),
            "HourlyDashboardStatuses": l(999999999, 999999999),
            "HourlyODataCallout": l(10000, 10000),
            "HourlySyncReportRuns": l(500, 500),
            "HourlyTimeBasedWorkflow": l(50, 50),
            "MassEmail": l(10, 10),
            "PermissionSets": {"Max": 1500, "Remaining": 1500, "CreateCustom": {"Max": 1000, "Remaining": 1000}},
            "SingleEmail": l(15, 15),
            "StreamingApiConcurrentClients": l(20, 20),
        }),
    )
}

fn record_count(state: &AppState, req: &Req) -> Resp {
    let org = read(&state.org);
    let wanted: Option<Vec<String>> = req.param("sObjects").map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    });
    let mut list = vec![];
    for (i, o) in org.schema.objects.iter().enumerate() {
        if !o.queryable {
            continue;
        }
        if let Some(w) = &wanted {
            if !w.iter().any(|n| n.eq_ignore_ascii_case(&o.name)) {
                continue;
            }
        }
        list.push(json!({"count": org.tables[i].live_count(), "name": o.name}));
    }
    Resp::value(200, &json!({"sObjects": list}))
}
