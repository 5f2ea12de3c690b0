//! Bulk API 2.0 query jobs: validation of what Bulk rejects, the job state machine, and CSV
//! results rendered once (the snapshot) when the job completes, then served in pages.

use crate::error::ApiError;
use crate::ids;
use crate::soql::compile::{compile, Plan};
use crate::soql::eval::{execute, read_output};
use crate::soql::lexer::{tokenize, Tok};
use crate::soql::parser;
use crate::store::Org;
use crate::timeutil;
use crate::value::{RecordRef, Value};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    UploadComplete,
    InProgress,
    JobComplete,
    Aborted,
    Failed,
}

impl JobState {
    pub fn name(self) -> &'static str {
        match self {
            JobState::UploadComplete => "UploadComplete",
            JobState::InProgress => "InProgress",
            JobState::JobComplete => "JobComplete",
            JobState::Aborted => "Aborted",
            JobState::Failed => "Failed",
        }
    }
    /// The form used in JOB_NOT_COMPLETE messages (`IN_PROGRESS`).
    pub fn upper(self) -> &'static str {
        match self {
            JobState::UploadComplete => "UPLOAD_COMPLETE",
            JobState::InProgress => "IN_PROGRESS",
            JobState::JobComplete => "JOB_COMPLETE",
            JobState::Aborted => "ABORTED",
            JobState::Failed => "FAILED",
        }
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::JobComplete | JobState::Aborted | JobState::Failed
        )
    }
}

/// The rendered CSV snapshot: header line, body, and the byte offset of every row
/// (`offsets.len() == rows + 1`).
pub struct Results {
    pub header: Vec<u8>,
    pub body: Vec<u8>,
    pub offsets: Vec<usize>,
}

impl Results {
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }
}

pub struct Job {
    pub id: String,
    pub query_all: bool,
    pub object: String,
    pub created_by: String,
    pub created_ms: i64,
    pub modstamp_ms: i64,
    pub state: JobState,
    pub api_version: String,
    pub line_ending: &'static str,
    pub column_delimiter: &'static str,
    pub query: String,
    pub plan: Arc<Plan>,
    pub started: Instant,
    pub results: Option<Arc<Results>>,
    pub processing_ms: u64,
    /// Time the job waits in the queue (UploadComplete) before processing starts.
    pub queue_ms: u64,
    /// Set by `/__emulator/bulk/fail-next`: the job ends in state Failed with this message.
    pub fail_with: Option<String>,
    pub error_message: Option<String>,
}

impl Job {
    /// UploadComplete while queued and for the first half of the delay, then InProgress
    /// until completion.
    pub fn refresh(&mut self, delay_ms: u64) {
        if self.state == JobState::UploadComplete
            && self.started.elapsed().as_millis() as u64 >= self.queue_ms + delay_ms / 2
        {
            self.state = JobState::InProgress;
        }
    }

    pub fn delimiter(&self) -> u8 {
        delimiter_byte(self.column_delimiter).unwrap_or(b',')
    }

    /// Job info; `full` adds the fields `GET /jobs/query/{id}` returns beyond create.
    pub fn info(&self, full: bool) -> Json {
        let mut v = json!({
            "id": self.id,
            "operation": if self.query_all { "queryAll" } else { "query" },
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": timeutil::format_datetime(self.created_ms),
            "systemModstamp": timeutil::format_datetime(self.modstamp_ms),
            "state": self.state.name(),
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version.parse::<f64>().unwrap_or(0.0),
            "jobType": "V2Query",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        });
        if let Some(m) = &self.error_message {
            v["errorMessage"] = json!(m);
        }
        if full {
            v["numberRecordsProcessed"] = json!(self.results.as_ref().map_or(0, |r| r.rows()));
            v["retries"] = json!(0);
            v["totalProcessingTime"] = json!(self.processing_ms);
            v["isPkChunkingSupported"] = json!(true);
        }
        v
    }
}

#[derive(Default)]
pub struct Jobs {
    pub map: HashMap<String, Job>,
    counter: u32,
    /// `/__emulator/bulk/fail-next`: how many of the next created jobs fail, and how.
    pub fail_next: u64,
    pub fail_message: String,
}

impl Jobs {
    pub fn next_id(&mut self) -> String {
        self.counter = self.counter.wrapping_add(1);
        ids::encode("750", self.counter)
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

pub fn delimiter_byte(name: &str) -> Option<u8> {
    Some(match name {
        "COMMA" => b',',
        "TAB" => b'\t',
        "PIPE" => b'|',
        "SEMICOLON" => b';',
        "CARET" => b'^',
        "BACKQUOTE" => b'`',
        _ => return None,
    })
}

fn unsupported(message: &str) -> ApiError {
    ApiError::bad_request("FUNCTIONALITY_NOT_ENABLED", message)
}

/// Queryable objects the Bulk API refuses (SALESFORCE.md 6 and 12.7).
pub const BULK_REFUSED: &[&str] = &["TaskStatus"];

pub const COMPOUND_MESSAGE: &str = "Selecting compound data not supported in Bulk Query";

/// Compiles a query for Bulk 2.0: the REST SOQL errors (MALFORMED_QUERY, INVALID_TYPE,
/// INVALID_FIELD, ...) plus 400 FUNCTIONALITY_NOT_ENABLED for what Bulk does not support
/// (compound fields and FIELDS(), COUNT()/aggregates, GROUP BY, OFFSET, TYPEOF, nested
/// queries).
pub fn compile_bulk(q: &str, org: &Org) -> Result<Plan, ApiError> {
    if let Ok(toks) = tokenize(q) {
        let kw = |i: usize, k: &str| toks.get(i).is_some_and(|t| t.is_kw(k));
        let lparen = |i: usize| toks.get(i).is_some_and(|t| t.tok == Tok::LParen);
        for (i, t) in toks.iter().enumerate() {
            if t.is_kw("TYPEOF") {
                return Err(unsupported("TYPEOF is not supported in Bulk Query"));
            }
            if t.is_kw("GROUP") && kw(i + 1, "BY") {
                return Err(unsupported("GROUP BY is not supported in Bulk Query"));
            }
            if t.is_kw("OFFSET") {
                return Err(unsupported("OFFSET is not supported in Bulk Query"));
            }
            if t.is_kw("FIELDS") && lparen(i + 1) {
                return Err(unsupported(COMPOUND_MESSAGE));
            }
            if ["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"]
                .iter()
                .any(|k| t.is_kw(k))
                && lparen(i + 1)
            {
                return Err(unsupported(
                    "Aggregate functions such as COUNT() are not supported in Bulk Query",
                ));
            }
            if t.tok == Tok::LParen && kw(i + 1, "SELECT") {
                return Err(unsupported(
                    "Nested queries are not supported in Bulk Query",
                ));
            }
        }
    }
    // Parse first so that syntax errors are reported as in REST.
    parser::parse(q)?;
    let plan = compile(q, org)?;
    let object = &org.schema.objects[plan.object].name;
    if BULK_REFUSED.iter().any(|o| o == object) {
        return Err(ApiError::bad_request(
            "INVALIDENTITY",
            format!("Entity '{object}' is not supported by the Bulk API."),
        ));
    }
    if plan.count_only || plan.aggregate.is_some() {
        return Err(unsupported(
            "Aggregate functions such as COUNT() are not supported in Bulk Query",
        ));
    }
    if plan.columns.iter().any(|c| c.ftype.is_compound()) {
        return Err(unsupported(COMPOUND_MESSAGE));
    }
    Ok(plan)
}

/// Writes one CSV cell: null is empty, everything else double-quoted with `""` escapes.
fn write_cell(out: &mut Vec<u8>, v: &Value, scale: u32, org: &Org) {
    match v {
        Value::Null => {}
        Value::Str(s) => {
            out.push(b'"');
            let b = s.as_bytes();
            let mut start = 0;
            for (i, &c) in b.iter().enumerate() {
                if c == b'"' {
                    out.extend_from_slice(&b[start..=i]);
                    out.push(b'"');
                    start = i + 1;
                }
            }
            out.extend_from_slice(&b[start..]);
            out.push(b'"');
        }
        Value::DateTime(ms) => {
            // Bulk CSV datetimes end in `Z`: 2024-01-31T12:00:00.000Z
            out.push(b'"');
            timeutil::write_date(out, ms.div_euclid(timeutil::MS_PER_DAY) as i32);
            out.push(b'T');
            timeutil::write_time_of_day(out, ms.rem_euclid(timeutil::MS_PER_DAY) as u32);
            out.extend_from_slice(b"Z\"");
        }
        Value::Date(d) => {
            out.push(b'"');
            timeutil::write_date(out, *d);
            out.push(b'"');
        }
        Value::Time(t) => {
            out.push(b'"');
            timeutil::write_time(out, *t);
            out.push(b'"');
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b"\"true\"" } else { b"\"false\"" }),
        Value::Int(i) => {
            out.push(b'"');
            out.extend_from_slice(i.to_string().as_bytes());
            out.push(b'"');
        }
        Value::Num(raw) => {
            out.push(b'"');
            crate::value::write_decimal(out, *raw, scale);
            out.push(b'"');
        }
        Value::Dec(raw, s) => {
            out.push(b'"');
            crate::value::write_decimal(out, *raw, *s as u32);
            out.push(b'"');
        }
        Value::Ref(r) => {
            let mut id = [0u8; 18];
            ids::encode_into(org.prefix(r.obj), r.row, &mut id);
            out.push(b'"');
            out.extend_from_slice(&id);
            out.push(b'"');
        }
    }
}

/// Runs the plan and renders the whole result as CSV (the job's snapshot).
pub fn render(org: &Org, plan: &Plan, query_all: bool, delim: u8, crlf: bool) -> Results {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let rows = execute(org, plan, query_all);
    let mut header = Vec::new();
    for (k, c) in plan.columns.iter().enumerate() {
        if k > 0 {
            header.push(delim);
        }
        let name = c.alias.clone().unwrap_or_else(|| c.names.join("."));
        write_cell(&mut header, &Value::str(&name), 0, org);
    }
    header.extend_from_slice(eol);
    let mut body = Vec::with_capacity(rows.len() * (plan.columns.len() * 16 + 2));
    let mut offsets = Vec::with_capacity(rows.len() + 1);
    let obj = plan.object as u16;
    for &row in &rows {
        offsets.push(body.len());
        let root = RecordRef { obj, row };
        for (k, c) in plan.columns.iter().enumerate() {
            if k > 0 {
                body.push(delim);
            }
            write_cell(&mut body, &read_output(org, root, c), c.scale, org);
        }
        body.extend_from_slice(eol);
    }
    offsets.push(body.len());
    Results {
        header,
        body,
        offsets,
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Locator for a row offset: unpadded base64 of the decimal offset (10000 → `MTAwMDA`,
/// as in Salesforce's examples).
pub fn encode_locator(offset: usize) -> String {
    base64_encode(offset.to_string().as_bytes(), false)
}

/// Standard base64, with or without `=` padding.
pub fn base64_encode(bytes: &[u8], pad: bool) -> String {
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..=c.len() {
            out.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
        if pad {
            for _ in c.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

pub fn decode_locator(s: &str) -> Option<usize> {
    let s = s.trim_end_matches('=');
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits & 0xff) as u8);
        }
    }
    let text = String::from_utf8(out).ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_round_trip() {
        assert_eq!(encode_locator(10000), "MTAwMDA");
        for n in [1, 12, 123, 5000, 50000, 1234567] {
            assert_eq!(decode_locator(&encode_locator(n)), Some(n));
        }
        assert_eq!(decode_locator("null"), None);
        assert_eq!(decode_locator("!!"), None);
    }

    #[test]
    fn csv_cells() {
        let org = crate::generator::generate(
            crate::schema::standard::standard_schema(),
            1,
            crate::generator::Sizes { scale: 0.01 },
        );
        let mut out = vec![];
        write_cell(&mut out, &Value::str("a \"b\", c\nd"), 0, &org);
        assert_eq!(out, b"\"a \"\"b\"\", c\nd\"");
        out.clear();
        write_cell(&mut out, &Value::Null, 0, &org);
        assert!(out.is_empty());
        write_cell(&mut out, &Value::DateTime(1_706_702_400_000), 0, &org);
        assert_eq!(out, b"\"2024-01-31T12:00:00.000Z\"");
        out.clear();
        write_cell(&mut out, &Value::Num(1234500), 2, &org);
        write_cell(&mut out, &Value::Bool(false), 0, &org);
        write_cell(&mut out, &Value::Date(0), 0, &org);
        assert_eq!(out, b"\"12345.0\"\"false\"\"1970-01-01\"");
    }
}
