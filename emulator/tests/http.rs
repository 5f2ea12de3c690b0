//! HTTP-level tests: the server runs in-process on port 0; a raw HTTP/1.1 client talks to it.

use serde_json::Value;
use sf_emulator::config::Config;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;

struct Server {
    port: u16,
}

fn spawn(cfg: Config) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (addr, _state) = sf_emulator::start(cfg).await.unwrap();
            tx.send(addr.port()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    Server {
        port: rx.recv().unwrap(),
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

impl Server {
    fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = vec![];
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = lines
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            })
            .collect();
        Reply {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        }
    }

    fn token(&self) -> String {
        let r = self.call(
            "POST",
            "/services/oauth2/token",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "grant_type=refresh_token&client_id=sf-emulator-client&client_secret=sf-emulator-secret&refresh_token=sf-emulator-refresh",
        );
        assert_eq!(r.status, 200);
        r.json()["access_token"].as_str().unwrap().to_string()
    }

    fn get(&self, token: &str, path: &str, extra: &[(&str, &str)]) -> Reply {
        let auth = format!("Bearer {token}");
        let mut h = vec![("Authorization", auth.as_str())];
        h.extend_from_slice(extra);
        self.call("GET", path, &h, "")
    }

    fn query(&self, token: &str, kind: &str, soql: &str, extra: &[(&str, &str)]) -> Reply {
        self.get(
            token,
            &format!("/services/data/v62.0/{kind}?q={}", enc(soql)),
            extra,
        )
    }
}

#[test]
fn oauth_errors_and_success() {
    let s = spawn(Config::default());
    let form = |body: &str| s.call("POST", "/services/oauth2/token", &[], body).json();
    assert_eq!(
        form("grant_type=refresh_token&client_id=nope&refresh_token=x")["error"],
        "invalid_client_id"
    );
    let bad_secret =
        form("grant_type=client_credentials&client_id=sf-emulator-client&client_secret=x");
    assert_eq!(bad_secret["error"], "invalid_client");
    let bad_refresh =
        form("grant_type=refresh_token&client_id=sf-emulator-client&refresh_token=old");
    assert_eq!(
        bad_refresh,
        serde_json::json!({"error":"invalid_grant","error_description":"expired access/refresh token"})
    );
    assert_eq!(form("grant_type=magic")["error"], "unsupported_grant_type");
    let ok = form("grant_type=client_credentials&client_id=sf-emulator-client&client_secret=sf-emulator-secret");
    assert_eq!(ok["token_type"], "Bearer");
    assert_eq!(ok["instance_url"], format!("http://127.0.0.1:{}", s.port));
    assert!(ok["issued_at"].as_str().unwrap().len() >= 13);
    assert!(ok["access_token"].as_str().unwrap().starts_with("00D"));
}

#[test]
fn auth_versions_and_limit_header() {
    let s = spawn(Config {
        api_limit: 3,
        ..Config::default()
    });
    let v = s.call("GET", "/services/data", &[], "");
    assert_eq!(v.status, 200);
    assert!(v.header("Sforce-Limit-Info").is_none());
    assert!(v
        .json()
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["version"] == "62.0"));
    let r = s.get("bogus", "/services/data/v62.0/sobjects", &[]);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        serde_json::json!([{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}])
    );
    let t = s.token();
    let r = s.get(&t, "/services/data/v62.0/sobjects", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Sforce-Limit-Info"), Some("api-usage=1/3"));
    assert!(r.json()["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "AccountChangeEvent" && o["queryable"] == false));
    let d = s.get(
        &t,
        "/services/data/v62.0/sobjects/opportunity/describe",
        &[],
    );
    assert_eq!(d.json()["name"], "Opportunity");
    assert_eq!(d.header("Sforce-Limit-Info"), Some("api-usage=2/3"));
    let nf = s.get(&t, "/services/data/v62.0/sobjects/Nope/describe", &[]);
    assert_eq!(nf.status, 404);
    assert_eq!(nf.json()[0]["errorCode"], "NOT_FOUND");
    let over = s.get(&t, "/services/data/v62.0/limits", &[]);
    assert_eq!(over.status, 403);
    assert_eq!(over.json()[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED");
    assert_eq!(
        s.call("POST", "/__emulator/expire-sessions", &[], "")
            .status,
        204
    );
}

#[test]
fn paging_with_batch_size() {
    let s = spawn(Config::default());
    let t = s.token();
    let first = s.query(
        &t,
        "query",
        "select id, NAME, amount from opportunity order by Id",
        &[("Sforce-Query-Options", "batchSize=300")],
    );
    assert_eq!(first.status, 200);
    let j = first.json();
    assert_eq!(j["totalSize"], 1000);
    assert_eq!(j["done"], false);
    let recs = j["records"].as_array().unwrap();
    assert_eq!(recs.len(), 300);
    let keys: Vec<&String> = recs[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["attributes", "Id", "Name", "Amount"]);
    let mut seen = recs.len();
    let mut next = j["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with("/services/data/v62.0/query/01g") && next.ends_with("-300"),
        "{next}"
    );
    loop {
        let page = s.get(&t, &next, &[]).json();
        seen += page["records"].as_array().unwrap().len();
        match page["nextRecordsUrl"].as_str() {
            Some(n) => next = n.to_string(),
            None => {
                assert_eq!(page["done"], true);
                break;
            }
        }
    }
    assert_eq!(seen, 1000);
    // The cursor is dropped after the last page.
    let gone = s.get(&t, &next, &[]);
    assert_eq!(gone.status, 400);
    assert_eq!(gone.json()[0]["errorCode"], "INVALID_QUERY_LOCATOR");
    // Request log has the decoded SOQL and record counts.
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    let q = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["soql"].is_string())
        .unwrap();
    assert_eq!(
        q["soql"],
        "select id, NAME, amount from opportunity order by Id"
    );
    assert_eq!(q["records"], 300);
}

#[test]
fn crud_and_query_all_after_delete() {
    let s = spawn(Config::default());
    let t = s.token();
    let auth = format!("Bearer {t}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let missing = s.call(
        "POST",
        "/services/data/v62.0/sobjects/Account",
        &h,
        r#"{"Phone":"1"}"#,
    );
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()[0]["errorCode"], "REQUIRED_FIELD_MISSING");
    let ro = s.call(
        "POST",
        "/services/data/v62.0/sobjects/Account",
        &h,
        r#"{"Name":"X","SystemModstamp":"2024-01-01T00:00:00Z"}"#,
    );
    assert_eq!(ro.json()[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    let created = s.call(
        "POST",
        "/services/data/v62.0/sobjects/Account",
        &h,
        r#"{"Name":"  Emulator Test Co  ","AnnualRevenue":1234}"#,
    );
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let rec = s
        .get(
            &t,
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &[],
        )
        .json();
    assert_eq!(rec["Name"], "Emulator Test Co");
    assert_eq!(rec["IsDeleted"], false);
    let created_at = rec["CreatedDate"].as_str().unwrap().to_string();
    let patch = s.call(
        "PATCH",
        &format!("/services/data/v62.0/sobjects/Account/{id}"),
        &h,
        r#"{"Phone":"555"}"#,
    );
    assert_eq!(patch.status, 204);
    let rec = s
        .get(
            &t,
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &[],
        )
        .json();
    assert!(rec["SystemModstamp"].as_str().unwrap() > created_at.as_str());
    let soql = format!("SELECT Id, IsDeleted FROM Account WHERE Id = '{id}'");
    assert_eq!(s.query(&t, "query", &soql, &[]).json()["totalSize"], 1);
    assert_eq!(
        s.call(
            "DELETE",
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &h,
            ""
        )
        .status,
        204
    );
    assert_eq!(s.query(&t, "query", &soql, &[]).json()["totalSize"], 0);
    let all = s.query(&t, "queryAll", &soql, &[]).json();
    assert_eq!(all["totalSize"], 1);
    assert_eq!(all["records"][0]["IsDeleted"], true);
    assert_eq!(
        s.get(
            &t,
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &[]
        )
        .status,
        404
    );
    let dump = s
        .call(
            "GET",
            "/__emulator/dump/Account?include_deleted=true",
            &[],
            "",
        )
        .json();
    assert!(dump
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["Id"] == id.as_str()));
    assert_eq!(
        s.call(
            "POST",
            "/__emulator/purge-recycle-bin?object=Account",
            &[],
            ""
        )
        .status,
        200
    );
    assert_eq!(s.query(&t, "queryAll", &soql, &[]).json()["totalSize"], 0);
    let unknown = s.call(
        "DELETE",
        &format!("/services/data/v62.0/sobjects/Account/{id}"),
        &h,
        "",
    );
    assert_eq!(unknown.status, 404);
}

#[test]
fn query_errors_and_count() {
    let s = spawn(Config::default());
    let t = s.token();
    let e = s.query(
        &t,
        "query",
        "SELECT Id FROM Opportunity WHERE Name = \"x\"",
        &[],
    );
    assert_eq!(e.status, 400);
    assert_eq!(e.json()[0]["errorCode"], "MALFORMED_QUERY");
    let e = s.query(&t, "query", "SELECT Id FROM Nope__c", &[]);
    assert_eq!(e.json()[0]["errorCode"], "INVALID_TYPE");
    let c = s
        .query(&t, "query", "SELECT COUNT() FROM Opportunity", &[])
        .json();
    assert_eq!(
        c,
        serde_json::json!({"totalSize":1000,"done":true,"records":[]})
    );
    let rc = s
        .get(
            &t,
            "/services/data/v62.0/limits/recordCount?sObjects=Opportunity,Account",
            &[],
        )
        .json();
    assert_eq!(rc["sObjects"][0]["name"], "Account");
    let w = s
        .query(
            &t,
            "query",
            "SELECT What.Type, Who.Name FROM Task WHERE WhatId != null LIMIT 1",
            &[],
        )
        .json();
    let what = &w["records"][0]["What"];
    assert_eq!(what["attributes"]["type"], what["Type"]);
}

// ---------------------------------------------------------------------------------------
// Fault knobs

fn faults(s: &Server, method: &str, path: &str, body: &str) -> Value {
    let r = s.call(
        method,
        &format!("/__emulator/faults{path}"),
        &[("Content-Type", "application/json")],
        body,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// Sends a GET; the response status, or 0 when the connection closed without any bytes.
fn raw_status(port: u16, path: &str, token: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = vec![];
    let _ = s.read_to_end(&mut raw);
    if raw.is_empty() {
        return 0;
    }
    String::from_utf8_lossy(&raw[9..12]).parse().unwrap()
}

fn raw_gets_nothing(port: u16, path: &str, token: &str) -> bool {
    raw_status(port, path, token) == 0
}

#[test]
fn scheduled_faults_and_runtime_settings() {
    let s = spawn(Config::default());
    let t = s.token();
    let lim = "/services/data/v62.0/limits";
    let f = faults(&s, "GET", "", "");
    assert_eq!(f["latency_ms"], 0);
    assert_eq!(f["error_rate"], 0.0);
    assert_eq!(f["drop_rate"], 0.0);
    assert_eq!(f["expire_every"], 0);
    assert_eq!(f["seed"], 0);
    faults(
        &s,
        "POST",
        "/after",
        r#"{"after":1,"status":503,"count":2}"#,
    );
    assert_eq!(s.get(&t, lim, &[]).status, 200);
    for _ in 0..2 {
        let r = s.get(&t, lim, &[]);
        assert_eq!(r.status, 503);
        assert_eq!(
            r.json(),
            serde_json::json!([{"message":"Service Unavailable","errorCode":"SERVER_UNAVAILABLE"}])
        );
    }
    assert_eq!(s.get(&t, lim, &[]).status, 200);
    // Other statuses and their bodies.
    for (status, code) in [
        (401, "INVALID_SESSION_ID"),
        (403, "REQUEST_LIMIT_EXCEEDED"),
        (400, "INVALID_QUERY_LOCATOR"),
    ] {
        faults(
            &s,
            "POST",
            "/after",
            &format!(r#"{{"after":0,"status":{status},"count":1}}"#),
        );
        let r = s.query(&t, "query", "SELECT Id FROM Account", &[]);
        assert_eq!(r.status, status);
        assert_eq!(r.json()[0]["errorCode"], code);
    }
    let r400 = serde_json::json!([{"errorCode":"INVALID_QUERY_LOCATOR","message":"invalid query locator"}]);
    faults(&s, "POST", "/after", r#"{"after":0,"status":400}"#);
    assert_eq!(s.get(&t, lim, &[]).json(), r400);
    // Dropped connection: raw client sees no bytes at all; reqwest sees an error.
    faults(&s, "POST", "/after", r#"{"after":0,"status":0,"count":2}"#);
    assert!(raw_gets_nothing(s.port, lim, &t));
    let client = reqwest::blocking::Client::new();
    let e = client
        .get(format!("http://127.0.0.1:{}{lim}", s.port))
        .bearer_auth(&t)
        .send();
    assert!(e.is_err(), "a dropped connection must be an error: {e:?}");
    let ok = client
        .get(format!("http://127.0.0.1:{}{lim}", s.port))
        .bearer_auth(&t)
        .send()
        .unwrap();
    assert_eq!(ok.status(), 200);
    // Faulted requests are logged with their status (0 = dropped), soql included.
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/services/data/"))
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [200, 503, 503, 200, 401, 403, 400, 400, 0, 0, 200]
    );
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == 401 && e["soql"] == "SELECT Id FROM Account"));
    let stats = s.call("GET", "/__emulator/stats", &[], "").json();
    assert_eq!(stats["faults"]["scheduled"]["503"], 2);
    assert_eq!(stats["faults"]["scheduled"]["0"], 2);
    assert_eq!(stats["faults"]["scheduled"]["401"], 1);
    // Random faults at rate 1: every /services/data/... request; not the token endpoint,
    // /services/data itself or /__emulator/*.
    faults(&s, "PUT", "", r#"{"error_rate":1.0}"#);
    assert_eq!(s.get(&t, lim, &[]).status, 503);
    assert_eq!(s.call("GET", "/services/data", &[], "").status, 200);
    let t2 = s.token();
    assert_eq!(s.get(&t2, "/services/data/v62.0", &[]).status, 503);
    assert_eq!(s.call("GET", "/__emulator/stats", &[], "").status, 200);
    let bad = s.call("PUT", "/__emulator/faults", &[], r#"{"drop_rate":2}"#);
    assert_eq!(bad.status, 400);
    let f = faults(&s, "DELETE", "", "");
    assert_eq!(f["error_rate"], 0.0);
    assert_eq!(s.get(&t, lim, &[]).status, 200);
    // Random drops at rate 1.
    faults(&s, "PUT", "", r#"{"drop_rate":1.0}"#);
    assert!(raw_gets_nothing(s.port, lim, &t));
    let stats = s.call("GET", "/__emulator/stats", &[], "").json();
    assert_eq!(stats["faults"]["drop"], 1);
    faults(&s, "DELETE", "", "");
    // expire_every: every 3rd authenticated request expires all sessions first.
    faults(&s, "PUT", "", r#"{"expire_every":3}"#);
    assert_eq!(s.get(&t, lim, &[]).status, 200);
    assert_eq!(s.get(&t, lim, &[]).status, 200);
    let r = s.get(&t, lim, &[]);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()[0]["errorCode"], "INVALID_SESSION_ID");
    let t3 = s.token();
    assert_eq!(s.get(&t3, lim, &[]).status, 200);
    assert_eq!(s.get(&t, lim, &[]).status, 401, "old tokens stay invalid");
}

#[test]
fn latency_does_not_block_other_connections() {
    let s = spawn(Config {
        latency_ms: 400,
        ..Config::default()
    });
    let t = s.token();
    let port = s.port;
    let start = std::time::Instant::now();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let t = t.clone();
            std::thread::spawn(move || {
                Server { port }
                    .get(&t, "/services/data/v62.0/limits", &[])
                    .status
            })
        })
        .collect();
    // Test endpoints are not delayed.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let quick = std::time::Instant::now();
    assert_eq!(s.call("GET", "/__emulator/faults", &[], "").status, 200);
    assert!(quick.elapsed().as_millis() < 300);
    for th in threads {
        assert_eq!(th.join().unwrap(), 200);
    }
    let took = start.elapsed().as_millis();
    assert!((400..1000).contains(&took), "{took} ms");
    assert_eq!(
        s.call("GET", "/__emulator/faults", &[], "").json()["latency_ms"],
        400
    );
}

#[test]
fn startup_fault_flags_are_deterministic() {
    let run = || {
        let s = spawn(Config {
            fault_503_rate: 0.4,
            fault_drop_rate: 0.2,
            fault_seed: 9,
            ..Config::default()
        });
        let t = s.token();
        (0..40)
            .map(|_| raw_status(s.port, "/services/data/v62.0/limits", &t))
            .collect::<Vec<u16>>()
    };
    let a = run();
    assert_eq!(a, run());
    assert!(
        a.contains(&503) && a.contains(&200) && a.contains(&0),
        "{a:?}"
    );
    let s = spawn(Config {
        expire_sessions_every: 2,
        ..Config::default()
    });
    let t = s.token();
    assert_eq!(s.get(&t, "/services/data/v62.0/limits", &[]).status, 200);
    assert_eq!(s.get(&t, "/services/data/v62.0/limits", &[]).status, 401);
}

// ---------------------------------------------------------------------------------------
// Backdate

#[test]
fn backdate_sets_audit_fields_without_bumping() {
    let s = spawn(Config::default());
    let t = s.token();
    let q = s
        .query(
            &t,
            "query",
            "SELECT Id, SystemModstamp FROM Opportunity ORDER BY SystemModstamp DESC LIMIT 1",
            &[],
        )
        .json();
    let id = q["records"][0]["Id"].as_str().unwrap().to_string();
    let body = format!(
        r#"{{"object":"Opportunity","id":"{id}","fields":{{"SystemModstamp":"2025-01-01T00:00:00.000+0000","LastModifiedDate":"2024-12-31T23:59:59.999+0000","Name":"Late Commit"}}}}"#
    );
    let r = s.call("POST", "/__emulator/backdate", &[], &body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["SystemModstamp"], "2025-01-01T00:00:00.000+0000");
    let rec = s
        .get(
            &t,
            &format!("/services/data/v62.0/sobjects/Opportunity/{id}"),
            &[],
        )
        .json();
    assert_eq!(rec["SystemModstamp"], "2025-01-01T00:00:00.000+0000");
    assert_eq!(rec["LastModifiedDate"], "2024-12-31T23:59:59.999+0000");
    assert_eq!(rec["Name"], "Late Commit");
    let w = s
        .query(
            &t,
            "query",
            &format!("SELECT Id FROM Opportunity WHERE SystemModstamp = 2025-01-01T00:00:00Z AND Id = '{id}'"),
            &[],
        )
        .json();
    assert_eq!(w["totalSize"], 1);
    // Unknown id (valid format, no such row) and unknown object → 404; bad field → 400.
    let mut ghost = id.clone();
    ghost.replace_range(3..15, "5g0zzzzzzzzz");
    let r = s.call(
        "POST",
        "/__emulator/backdate",
        &[],
        &body.replace(&id, &ghost),
    );
    assert_eq!(r.status, 404);
    let r = s.call(
        "POST",
        "/__emulator/backdate",
        &[],
        &body.replace("\"Opportunity\"", "\"Nope\""),
    );
    assert_eq!(r.status, 404);
    let r = s.call(
        "POST",
        "/__emulator/backdate",
        &[],
        &body.replace("\"Name\"", "\"Nope__c\""),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD");
}

// ---------------------------------------------------------------------------------------
// Bulk API 2.0 query jobs

/// Minimal RFC 4180 parser (quoted fields, `""` escapes, newlines inside quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                _ => field.push(c),
            }
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "CSV must end with a newline"
    );
    rows
}

/// How a REST JSON value looks in Bulk CSV.
fn rest_to_csv(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) if s.len() == 28 && s.ends_with("+0000") && s.as_bytes()[10] == b'T' => {
            format!("{}Z", &s[..23])
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn bulk_call(s: &Server, t: &str, method: &str, path: &str, body: &str) -> Reply {
    let auth = format!("Bearer {t}");
    s.call(
        method,
        &format!("/services/data/v62.0/jobs/query{path}"),
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        body,
    )
}

fn create_job(s: &Server, t: &str, soql: &str) -> Reply {
    let body = serde_json::json!({"operation":"query","query":soql,"contentType":"CSV","columnDelimiter":"COMMA","lineEnding":"LF"});
    bulk_call(s, t, "POST", "", &body.to_string())
}

fn wait_complete(s: &Server, t: &str, id: &str) -> Value {
    let mut states = vec![];
    for _ in 0..200 {
        let info = bulk_call(s, t, "GET", &format!("/{id}"), "").json();
        let st = info["state"].as_str().unwrap().to_string();
        if states.last() != Some(&st) {
            states.push(st.clone());
        }
        if st == "JobComplete" {
            assert!(
                states.len() >= 2,
                "the job must not be complete at once: {states:?}"
            );
            return info;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("job {id} did not complete: {states:?}");
}

#[test]
fn bulk_query_job_lifecycle() {
    let s = spawn(Config {
        bulk_delay_ms: 400,
        ..Config::default()
    });
    let t = s.token();
    let soql = "SELECT Id, Name, Amount, CloseDate, IsWon, Probability, Owner.Name, Account.Name, LastModifiedDate FROM Opportunity WHERE Amount > 1000 ORDER BY Id";
    let created = create_job(&s, &t, soql);
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let info = created.json();
    let id = info["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("750") && id.len() == 18, "{id}");
    assert_eq!(info["operation"], "query");
    assert_eq!(info["object"], "Opportunity");
    assert!(info["createdById"].as_str().unwrap().starts_with("005"));
    assert!(info["createdDate"].as_str().unwrap().ends_with(".000+0000"));
    assert_eq!(info["state"], "UploadComplete");
    assert_eq!(info["concurrencyMode"], "Parallel");
    assert_eq!(info["contentType"], "CSV");
    assert_eq!(info["apiVersion"], 62.0);
    assert_eq!(info["jobType"], "V2Query");
    assert_eq!(info["lineEnding"], "LF");
    assert_eq!(info["columnDelimiter"], "COMMA");
    // Results before completion: 412.
    let early = bulk_call(&s, &t, "GET", &format!("/{id}/results"), "");
    assert_eq!(early.status, 412);
    assert_eq!(early.json()[0]["errorCode"], "JOB_NOT_COMPLETE");
    let msg = early.json()[0]["message"].as_str().unwrap().to_string();
    assert!(
        msg.starts_with("can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: "),
        "{msg}"
    );
    let done = wait_complete(&s, &t, &id);
    // REST answer for the same SOQL.
    let mut rest = vec![];
    let mut page = s.query(&t, "query", soql, &[]).json();
    loop {
        rest.extend(page["records"].as_array().unwrap().iter().cloned());
        match page["nextRecordsUrl"].as_str() {
            Some(n) => page = s.get(&t, n, &[]).json(),
            None => break,
        }
    }
    assert!(rest.len() > 300);
    assert_eq!(done["numberRecordsProcessed"], rest.len());
    // Page through the results with locators until "null".
    let mut rows: Vec<Vec<String>> = vec![];
    let mut locator: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &locator {
            Some(l) => format!("/{id}/results?maxRecords=300&locator={l}"),
            None => format!("/{id}/results?maxRecords=300"),
        };
        let r = bulk_call(&s, &t, "GET", &path, "");
        assert_eq!(r.status, 200);
        assert!(r.header("Content-Type").unwrap().starts_with("text/csv"));
        let text = String::from_utf8(r.body.clone()).unwrap();
        assert!(text.starts_with("\"Id\",\"Name\",\"Amount\",\"CloseDate\",\"IsWon\",\"Probability\",\"Owner.Name\",\"Account.Name\",\"LastModifiedDate\"\n"));
        let mut csv = parse_csv(&text);
        let n: usize = r.header("Sforce-NumberOfRecords").unwrap().parse().unwrap();
        assert_eq!(csv.len() - 1, n);
        assert!(n <= 300);
        rows.extend(csv.drain(1..));
        pages += 1;
        match r.header("Sforce-Locator").unwrap() {
            "null" => break,
            l => locator = Some(l.to_string()),
        }
    }
    assert_eq!(pages, rest.len().div_ceil(300));
    assert_eq!(rows.len(), rest.len());
    for (row, rec) in rows.iter().zip(&rest) {
        let expect: Vec<String> = [
            &rec["Id"],
            &rec["Name"],
            &rec["Amount"],
            &rec["CloseDate"],
            &rec["IsWon"],
            &rec["Probability"],
            &rec["Owner"]["Name"],
            &rec["Account"]["Name"],
            &rec["LastModifiedDate"],
        ]
        .iter()
        .map(|v| rest_to_csv(v))
        .collect();
        // Numbers: the same value (serde_json re-prints `1.76577E7` as `17657700.0`).
        let same = |a: &String, b: &String| {
            a == b
                || a.parse::<f64>()
                    .ok()
                    .is_some_and(|x| b.parse::<f64>().ok() == Some(x))
        };
        assert!(
            row.iter().zip(&expect).all(|(a, b)| same(a, b)),
            "{row:?} vs {expect:?}"
        );
    }
    // Locators are stable: re-fetching the first page gives the same bytes.
    let a = bulk_call(&s, &t, "GET", &format!("/{id}/results?maxRecords=300"), "");
    let b = bulk_call(&s, &t, "GET", &format!("/{id}/results?maxRecords=300"), "");
    assert_eq!(a.body, b.body);
    // Default page: everything (< 50000 rows).
    let all = bulk_call(&s, &t, "GET", &format!("/{id}/results"), "");
    assert_eq!(all.header("Sforce-Locator"), Some("null"));
    assert_eq!(
        all.header("Sforce-NumberOfRecords").unwrap(),
        rest.len().to_string()
    );
    // gzip when asked for.
    let auth = format!("Bearer {t}");
    let gz = s.call(
        "GET",
        &format!("/services/data/v62.0/jobs/query/{id}/results"),
        &[
            ("Authorization", auth.as_str()),
            ("Accept-Encoding", "gzip"),
        ],
        "",
    );
    assert_eq!(gz.header("Content-Encoding"), Some("gzip"));
    assert!(gz.body.len() < all.body.len() / 2);
    let mut unzipped = vec![];
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, all.body);
    let via_reqwest = reqwest::blocking::Client::new()
        .get(format!(
            "http://127.0.0.1:{}/services/data/v62.0/jobs/query/{id}/results",
            s.port
        ))
        .bearer_auth(&t)
        .send()
        .unwrap();
    assert_eq!(via_reqwest.bytes().unwrap().to_vec(), all.body);
    // The request log shows the job's SOQL on the create request.
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    assert!(log.as_array().unwrap().iter().any(|e| e["method"] == "POST"
        && e["path"] == "/services/data/v62.0/jobs/query"
        && e["soql"] == soql
        && e["status"] == 200));
    // Delete → 204, then 404.
    assert_eq!(
        bulk_call(&s, &t, "DELETE", &format!("/{id}"), "").status,
        204
    );
    assert_eq!(bulk_call(&s, &t, "GET", &format!("/{id}"), "").status, 404);
}

#[test]
fn bulk_query_rejections_abort_and_snapshot() {
    let s = spawn(Config {
        bulk_delay_ms: 150,
        ..Config::default()
    });
    let t = s.token();
    let compound = create_job(&s, &t, "SELECT Id, BillingAddress FROM Account");
    assert_eq!(compound.status, 400);
    assert_eq!(
        compound.json()[0]["message"],
        "Selecting compound data not supported in Bulk Query"
    );
    for q in [
        "SELECT COUNT() FROM Account",
        "SELECT Industry, SUM(AnnualRevenue) FROM Account GROUP BY Industry",
        "SELECT MAX(CreatedDate) FROM Account",
        "SELECT Id FROM Account LIMIT 5 OFFSET 5",
        "SELECT Id, TYPEOF What WHEN Account THEN Name END FROM Task",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ] {
        let r = create_job(&s, &t, q);
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json()[0]["errorCode"], "FUNCTIONALITY_NOT_ENABLED", "{q}");
    }
    let bad = create_job(&s, &t, "SELECT Nope FROM Account");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()[0]["errorCode"], "INVALID_FIELD");
    let bad = create_job(&s, &t, "SELECT Id FROM Nope");
    assert_eq!(bad.json()[0]["errorCode"], "INVALID_TYPE");
    let bad = bulk_call(
        &s,
        &t,
        "POST",
        "",
        r#"{"operation":"upsert","query":"SELECT Id FROM Account"}"#,
    );
    assert_eq!(bad.json()[0]["errorCode"], "INVALIDJOB");
    // Abort.
    let id = create_job(&s, &t, "SELECT Id FROM Account").json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ab = bulk_call(&s, &t, "PATCH", &format!("/{id}"), r#"{"state":"Aborted"}"#);
    assert_eq!(ab.status, 200);
    assert_eq!(ab.json()["state"], "Aborted");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        bulk_call(&s, &t, "GET", &format!("/{id}"), "").json()["state"],
        "Aborted"
    );
    let r = bulk_call(&s, &t, "GET", &format!("/{id}/results"), "");
    assert_eq!(r.status, 412);
    assert!(r.json()[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("ABORTED"));
    // Snapshot at completion: a later update is not visible; queryAll sees deleted rows;
    // quoting of awkward text; PIPE delimiter, CRLF.
    let body = serde_json::json!({"operation":"queryAll","query":"SELECT Id, Memo__c, IsDeleted FROM Invoice__c ORDER BY Id","columnDelimiter":"PIPE","lineEnding":"CRLF"});
    let job = bulk_call(&s, &t, "POST", "", &body.to_string()).json();
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["operation"], "queryAll");
    assert_eq!(job["columnDelimiter"], "PIPE");
    wait_complete(&s, &t, &id);
    let csv =
        String::from_utf8(bulk_call(&s, &t, "GET", &format!("/{id}/results"), "").body).unwrap();
    assert!(csv.starts_with("\"Id\"|\"Memo__c\"|\"IsDeleted\"\r\n"));
    let n_rows = csv.matches("\r\n").count();
    assert!(n_rows >= 500, "{n_rows}");
    // Update a row after completion: the snapshot does not change.
    let first_id = &csv.split("\r\n").nth(1).unwrap()[1..19];
    let auth = format!("Bearer {t}");
    let upd = s.call(
        "PATCH",
        &format!("/services/data/v62.0/sobjects/Invoice__c/{first_id}"),
        &[("Authorization", auth.as_str())],
        r#"{"Memo__c":"changed after the snapshot"}"#,
    );
    assert_eq!(upd.status, 204, "{}", String::from_utf8_lossy(&upd.body));
    // Results endpoints obey faults too.
    faults(
        &s,
        "POST",
        "/after",
        r#"{"after":0,"status":503,"count":1}"#,
    );
    assert_eq!(
        bulk_call(&s, &t, "GET", &format!("/{id}/results"), "").status,
        503
    );
    let again = bulk_call(&s, &t, "GET", &format!("/{id}/results"), "");
    assert_eq!(again.status, 200);
    assert_eq!(String::from_utf8(again.body).unwrap(), csv);
}

// ---------------------------------------------------------------------------------------
// Real-org behaviours (SALESFORCE.md section 12)

fn rate_of(code: &str) -> f64 {
    match code {
        "USD" => 1.0,
        "EUR" => 0.92,
        "GBP" => 0.79,
        "JPY" => 150.0,
        "CAD" => 1.36,
        "CHF" => 0.88,
        other => panic!("unexpected currency {other}"),
    }
}

fn records(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["records"].as_array().unwrap().clone()
}

#[test]
fn multi_currency() {
    let s = spawn(Config::default());
    let t = s.token();
    let ct = records(&s.query(
        &t,
        "query",
        "SELECT IsoCode, ConversionRate, DecimalPlaces, IsActive, IsCorporate, CreatedDate, LastModifiedDate, SystemModstamp FROM CurrencyType ORDER BY IsoCode",
        &[],
    ));
    let codes: Vec<&str> = ct.iter().map(|r| r["IsoCode"].as_str().unwrap()).collect();
    assert_eq!(codes, ["CAD", "CHF", "EUR", "GBP", "JPY", "USD"]);
    for r in &ct {
        let code = r["IsoCode"].as_str().unwrap();
        assert_eq!(r["ConversionRate"].as_f64().unwrap(), rate_of(code));
        assert_eq!(r["IsCorporate"], code == "USD");
        assert_eq!(r["IsActive"], true);
        assert_eq!(r["DecimalPlaces"], if code == "JPY" { 0 } else { 2 });
    }
    let body = String::from_utf8(
        s.query(
            &t,
            "query",
            "SELECT ConversionRate FROM CurrencyType WHERE IsoCode = 'USD'",
            &[],
        )
        .body,
    )
    .unwrap();
    assert!(body.contains("\"ConversionRate\":1.0"), "{body}");
    // Describe of multi-currency objects has CurrencyIsoCode; CurrencyType is described.
    for obj in ["Opportunity", "Account", "Invoice__c"] {
        let d = s
            .get(
                &t,
                &format!("/services/data/v62.0/sobjects/{obj}/describe"),
                &[],
            )
            .json();
        assert!(d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "CurrencyIsoCode" && f["type"] == "picklist"));
    }
    let d = s
        .get(
            &t,
            "/services/data/v62.0/sobjects/CurrencyType/describe",
            &[],
        )
        .json();
    let rate = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "ConversionRate")
        .unwrap()
        .clone();
    assert_eq!(
        (
            rate["type"].clone(),
            rate["precision"].clone(),
            rate["scale"].clone()
        ),
        ("double".into(), 18.into(), 9.into())
    );

    // ORDER BY a currency field sorts by the converted value.
    let all = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount, CurrencyIsoCode FROM Opportunity WHERE Amount != null ORDER BY Amount",
        &[],
    ));
    let conv =
        |r: &Value| r["Amount"].as_f64().unwrap() / rate_of(r["CurrencyIsoCode"].as_str().unwrap());
    let converted: Vec<f64> = all.iter().map(conv).collect();
    assert!(converted.windows(2).all(|w| w[0] <= w[1] * (1.0 + 1e-12)));
    let raw: Vec<f64> = all.iter().map(|r| r["Amount"].as_f64().unwrap()).collect();
    assert!(
        !raw.windows(2).all(|w| w[0] <= w[1]),
        "raw order must differ"
    );
    let big_jpy: Vec<&Value> = all
        .iter()
        .filter(|r| r["CurrencyIsoCode"] == "JPY" && r["Amount"].as_f64().unwrap() >= 900_000.0)
        .collect();
    assert!(big_jpy.len() >= 5, "{}", big_jpy.len());
    let desc = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount, CurrencyIsoCode FROM Opportunity WHERE Amount != null ORDER BY Amount DESC LIMIT 50",
        &[],
    ));
    assert!(desc
        .iter()
        .map(conv)
        .collect::<Vec<_>>()
        .windows(2)
        .all(|w| w[0] >= w[1]));

    // WHERE without an ISO code compares the raw number, with one the converted value.
    let raw_n = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount FROM Opportunity WHERE Amount > 5000",
        &[],
    ))
    .len();
    assert_eq!(raw_n, raw.iter().filter(|a| **a > 5000.0).count());
    let usd = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount, CurrencyIsoCode FROM Opportunity WHERE Amount > USD5000",
        &[],
    ));
    assert_eq!(usd.len(), converted.iter().filter(|a| **a > 5000.0).count());
    assert!(usd.iter().all(|r| conv(r) > 5000.0));
    assert_ne!(usd.len(), raw_n);
    // EUR100.5 compares the value converted into EUR.
    let eur = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount, CurrencyIsoCode FROM Opportunity WHERE Amount < EUR100000.5",
        &[],
    ));
    assert_eq!(
        eur.len(),
        converted.iter().filter(|a| **a * 0.92 < 100000.5).count()
    );
    let jpy = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Opportunity WHERE Amount >= JPY900000 AND CurrencyIsoCode = 'JPY'",
        &[],
    ));
    assert_eq!(
        jpy.len(),
        all.iter()
            .filter(|r| r["CurrencyIsoCode"] == "JPY" && r["Amount"].as_f64().unwrap() >= 900000.0)
            .count()
    );

    // Errors: mixed IN, unknown ISO code, convertCurrency outside SELECT.
    for (q, code) in [
        (
            "SELECT Id FROM Opportunity WHERE Amount IN (USD100, 200)",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Opportunity WHERE Amount > XYZ100",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Opportunity WHERE convertCurrency(Amount) > 100",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Opportunity ORDER BY convertCurrency(Amount)",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT convertCurrency(Name) FROM Opportunity",
            "INVALID_FIELD",
        ),
        (
            "SELECT Id FROM Opportunity WHERE Probability > USD5",
            "INVALID_FIELD",
        ),
    ] {
        let e = s.query(&t, "query", q, &[]);
        assert_eq!(e.status, 400, "{q}");
        assert_eq!(e.json()[0]["errorCode"], code, "{q}: {}", e.json());
    }
    assert_eq!(
        s.query(
            &t,
            "query",
            "SELECT Id FROM Opportunity WHERE Amount IN (USD100, EUR200)",
            &[]
        )
        .status,
        200
    );

    // convertCurrency: key is the field name unless aliased; value in USD.
    // A plain field cannot be aliased.
    let e = s.query(
        &t,
        "query",
        "SELECT Amount usd_amount FROM Opportunity",
        &[],
    );
    assert_eq!(e.status, 400);
    let c = s.query(
        &t,
        "query",
        "SELECT Id, CurrencyIsoCode, convertCurrency(Amount) FROM Opportunity WHERE CurrencyIsoCode = 'JPY' AND Amount > 900000 ORDER BY Amount LIMIT 5",
        &[],
    );
    for r in records(&c) {
        let id = r["Id"].as_str().unwrap();
        let one = records(&s.query(
            &t,
            "query",
            &format!("SELECT Amount FROM Opportunity WHERE Id = '{id}'"),
            &[],
        ));
        let want = (one[0]["Amount"].as_f64().unwrap() / 150.0 * 100.0).round() / 100.0;
        assert!((r["Amount"].as_f64().unwrap() - want).abs() < 0.005, "{r}");
    }
    let a = records(&s.query(
        &t,
        "query",
        "SELECT Id, Amount, convertCurrency(Amount) usd FROM Opportunity WHERE CurrencyIsoCode = 'EUR' AND Amount != null LIMIT 3",
        &[],
    ));
    for r in a {
        let want = r["Amount"].as_f64().unwrap() / 0.92;
        assert!((r["usd"].as_f64().unwrap() - want).abs() < 0.006, "{r}");
    }
}

/// The raw JSON texts of every `"key":<number>` in a response body.
fn raw_numbers(body: &[u8], key: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let pat = format!("\"{key}\":");
    text.match_indices(&pat)
        .map(|(i, _)| {
            text[i + pat.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || "-.E".contains(*c))
                .collect::<String>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn bulk_csv(s: &Server, t: &str, soql: &str) -> String {
    let job = create_job(s, t, soql).json();
    let id = job["id"].as_str().unwrap().to_string();
    wait_complete(s, t, &id);
    let r = bulk_call(s, t, "GET", &format!("/{id}/results"), "");
    assert_eq!(r.status, 200);
    String::from_utf8(r.body).unwrap()
}

#[test]
fn decimals_beyond_scale_and_exponent_numbers() {
    let s = spawn(Config::default());
    let t = s.token();
    let q = "SELECT Id, Amount FROM Opportunity ORDER BY Id";
    let rest = s.query(&t, "query", q, &[]);
    let amounts = raw_numbers(&rest.body, "Amount");
    let decimals = |v: &str| v.split_once('.').map_or(0, |(_, f)| f.len());
    let long: Vec<&String> = amounts
        .iter()
        .filter(|a| !a.contains('E') && decimals(a) > 2)
        .collect();
    assert!(long.len() >= 2, "{long:?}");
    assert!(long.iter().all(|a| decimals(a) <= 4), "{long:?}");
    // Exponent form for magnitudes >= 1e7 (yen-sized deals).
    let big: Vec<&String> = amounts.iter().filter(|a| a.contains('E')).collect();
    assert!(!big.is_empty());
    for b in &big {
        let (m, e) = b.split_once('E').unwrap();
        assert!(m.contains('.') && e.parse::<u32>().unwrap() >= 7, "{b}");
        assert!(m
            .trim_start_matches('-')
            .starts_with(|c: char| ('1'..='9').contains(&c)));
    }
    // Bulk CSV carries exactly the same texts.
    let csv = bulk_csv(&s, &t, q);
    let cells: Vec<String> = parse_csv(&csv)[1..].iter().map(|r| r[1].clone()).collect();
    let rest_texts: Vec<String> = records(&rest)
        .iter()
        .zip(
            String::from_utf8_lossy(&rest.body)
                .split("\"attributes\"")
                .skip(1),
        )
        .map(|(r, chunk)| {
            if r["Amount"].is_null() {
                String::new()
            } else {
                raw_numbers(chunk.as_bytes(), "Amount")[0].clone()
            }
        })
        .collect();
    assert_eq!(cells, rest_texts);
    // Equality on a value with extra decimals is exact.
    let v = long[0];
    let hit = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id FROM Opportunity WHERE Amount = {v}"),
        &[],
    ));
    assert_eq!(hit.len(), 1);
    let rounded = &v[..v.find('.').unwrap() + 3];
    let miss = s.query(
        &t,
        "query",
        &format!("SELECT Id FROM Opportunity WHERE Amount = {rounded} AND Amount = {v}"),
        &[],
    );
    assert_eq!(records(&miss).len(), 0);
    // Account.AnnualRevenue (scale 0) in the millions and more: 1.0E7 style.
    let acc = s.query(&t, "query", "SELECT Id, AnnualRevenue FROM Account", &[]);
    let rev = raw_numbers(&acc.body, "AnnualRevenue");
    assert!(rev.iter().any(|r| r.contains('E')), "{rev:?}");
    assert!(rev
        .iter()
        .filter(|r| !r.contains('E'))
        .all(|r| r.parse::<f64>().unwrap() < 1e7));
    let csv = bulk_csv(&s, &t, "SELECT Id, AnnualRevenue FROM Account");
    assert!(csv.contains("E7\"") || csv.contains("E8\""));
    // Filters still see the exact value.
    let n = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Account WHERE AnnualRevenue >= 10000000",
        &[],
    ))
    .len();
    assert_eq!(
        n,
        rev.iter()
            .filter(|r| r.parse::<f64>().unwrap() >= 1e7)
            .count()
    );
}

#[test]
fn request_head_limit() {
    let s = spawn(Config::default());
    let t = s.token();
    let soql = |n: usize| {
        let mut q = String::from("SELECT Id FROM Account WHERE Name IN ('x'");
        // n = length of the percent-encoded query in the request line.
        while enc(&q).len() < n - 120 {
            q.push_str(",'abcdefghijklmnopqrstuvwxyz'");
        }
        q + ")"
    };
    // ~16,000 bytes of request line: served normally.
    let r = s.query(&t, "query", &soql(16_000), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // ~17,000 bytes of request line: 414 with an HTML body, logged.
    let r = s.query(&t, "query", &soql(17_000), &[]);
    assert_eq!(r.status, 414);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.starts_with("<html><head><title>414"), "{body}");
    // Headers: 16,000 bytes pass, 17,000 bytes get 431.
    let pad = |n: usize| "a".repeat(n);
    let ok = pad(16_000 - 300);
    let r = s.get(&t, "/services/data/v62.0/limits", &[("X-Pad", &ok)]);
    assert_eq!(r.status, 200);
    let big = pad(17_000);
    let r = s.get(&t, "/services/data/v62.0/limits", &[("X-Pad", &big)]);
    assert_eq!(r.status, 431);
    assert!(String::from_utf8_lossy(&r.body).contains("431 Request Header Fields Too Large"));
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert!(
        statuses.contains(&414) && statuses.contains(&431),
        "{statuses:?}"
    );
}

#[test]
fn wide_object_and_small_pages() {
    let s = spawn(Config {
        wide_object_fields: 500,
        scale: 20.0,
        ..Config::default()
    });
    let t = s.token();
    let d = s
        .get(&t, "/services/data/v62.0/sobjects/Wide__c/describe", &[])
        .json();
    let fields = d["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for n in [
        "Id",
        "Name",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
        "IsDeleted",
        "OwnerId",
        "CurrencyIsoCode",
        "Field_0001__c",
        "Field_0500__c",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let types: std::collections::BTreeSet<&str> = fields
        .iter()
        .filter(|f| f["name"].as_str().unwrap().starts_with("Field_"))
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 7, "{types:?}");
    // 500 selected fields: pages of max(200, 200000/500) = 400 records.
    let list: Vec<String> = (1..=500).map(|i| format!("Field_{i:04}__c")).collect();
    let soql = format!("SELECT Id, {} FROM Wide__c", list[..499].join(", "));
    // Too long for a GET URI? 500 names ≈ 7.5 kB: fits.
    let r = s.query(
        &t,
        "query",
        &soql,
        &[("Sforce-Query-Options", "batchSize=2000")],
    );
    assert_eq!(r.status, 200, "{}", r.status);
    let v = r.json();
    assert_eq!(v["totalSize"], 2000);
    assert_eq!(v["records"].as_array().unwrap().len(), 400);
    assert!(v["nextRecordsUrl"].is_string());
    // 150 fields: 1333 records; 50 fields: batchSize.
    let soql = format!("SELECT {} FROM Wide__c", list[..150].join(", "));
    let v = s.query(&t, "query", &soql, &[]).json();
    assert_eq!(v["records"].as_array().unwrap().len(), 1333);
    let soql = format!("SELECT {} FROM Wide__c", list[..50].join(", "));
    let v = s
        .query(
            &t,
            "query",
            &soql,
            &[("Sforce-Query-Options", "batchSize=500")],
        )
        .json();
    assert_eq!(v["records"].as_array().unwrap().len(), 500);
    // Without the flag there is no Wide__c.
    let s2 = spawn(Config::default());
    let t2 = s2.token();
    assert_eq!(
        s2.query(&t2, "query", "SELECT Id FROM Wide__c", &[]).status,
        400
    );
}

#[test]
fn refresh_token_rotation() {
    let s = spawn(Config {
        rotate_refresh_tokens: true,
        ..Config::default()
    });
    let grant = |rt: &str| {
        s.call(
            "POST",
            "/services/oauth2/token",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &format!("grant_type=refresh_token&client_id=sf-emulator-client&client_secret=sf-emulator-secret&refresh_token={}", enc(rt)),
        )
    };
    let a = grant("sf-emulator-refresh");
    assert_eq!(a.status, 200);
    let a = a.json();
    let rt1 = a["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, "sf-emulator-refresh");
    // The used token is gone.
    let again = grant("sf-emulator-refresh");
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json(),
        serde_json::json!({"error":"invalid_grant","error_description":"expired access/refresh token"})
    );
    let b = grant(&rt1).json();
    let rt2 = b["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(grant(&rt1).status, 400);
    // Access tokens issued earlier stay valid.
    let old = a["access_token"].as_str().unwrap();
    assert_eq!(s.get(old, "/services/data/v62.0/limits", &[]).status, 200);
    let st = s.call("GET", "/__emulator/stats", &[], "").json();
    assert_eq!(st["refreshGrants"], 2);
    assert_eq!(st["validRefreshTokens"], 1);
    assert!(
        !String::from_utf8_lossy(&s.call("GET", "/__emulator/stats", &[], "").body).contains(&rt2)
    );
    // Without the flag: no refresh_token in the response, the token stays valid.
    let s2 = spawn(Config::default());
    for _ in 0..2 {
        let r = s2.call(
            "POST",
            "/services/oauth2/token",
            &[],
            "grant_type=refresh_token&client_id=sf-emulator-client&refresh_token=sf-emulator-refresh",
        );
        assert_eq!(r.status, 200);
        assert!(r.json().get("refresh_token").is_none());
    }
}

#[test]
fn accept_strictness_and_edge_faults() {
    let s = spawn(Config {
        bulk_strict_accept: true,
        ..Config::default()
    });
    let t = s.token();
    let job = create_job(&s, &t, "SELECT Id FROM Account LIMIT 5").json();
    let id = job["id"].as_str().unwrap().to_string();
    wait_complete(&s, &t, &id);
    let path = format!("/services/data/v62.0/jobs/query/{id}/results");
    let r = s.get(&t, &path, &[("Accept", "application/json")]);
    assert_eq!(r.status, 406);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8_lossy(&r.body).contains("<title>406 Not Acceptable</title>"));
    for ok in ["text/csv", "*/*", "application/json, text/*;q=0.5", ""] {
        let h: Vec<(&str, &str)> = if ok.is_empty() {
            vec![]
        } else {
            vec![("Accept", ok)]
        };
        assert_eq!(s.get(&t, &path, &h).status, 200, "{ok}");
    }
    assert_eq!(s.get(&t, &path, &[("Accept", "text/csv;q=0")]).status, 406);

    // Scheduled edge statuses answer HTML; the concurrent-limit 403 is JSON.
    for st in [420, 406, 414, 431] {
        faults(&s, "POST", "/after", &format!("{{\"status\":{st}}}"));
        let r = s.get(&t, "/services/data/v62.0/limits", &[]);
        assert_eq!(r.status, st);
        assert_eq!(r.header("Content-Type"), Some("text/html"));
        let body = String::from_utf8_lossy(&r.body).to_string();
        assert!(
            body.starts_with("<html><head><title>") && body.contains("</body></html>"),
            "{body}"
        );
    }
    faults(
        &s,
        "POST",
        "/after",
        r#"{"status":403,"kind":"concurrent"}"#,
    );
    let r = s.get(&t, "/services/data/v62.0/limits", &[]);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        serde_json::json!([{"message":"ConcurrentRequests (Concurrent API Requests) Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}])
    );
    let bad = s.call(
        "POST",
        "/__emulator/faults/after",
        &[],
        r#"{"status":500,"kind":"concurrent"}"#,
    );
    assert_eq!(bad.status, 400);

    // Random 420/406 rates.
    let f = faults(&s, "PUT", "", r#"{"rate_420":0.3,"rate_406":0.2,"seed":3}"#);
    assert_eq!(f["rate_420"], 0.3);
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..100 {
        *seen
            .entry(s.get(&t, "/services/data/v62.0/limits", &[]).status)
            .or_insert(0) += 1;
    }
    assert!(
        seen[&420] > 15 && seen[&406] > 8 && seen[&200] > 30,
        "{seen:?}"
    );
    let f = faults(&s, "GET", "", "");
    assert_eq!(f["injected"]["error_420"], seen[&420]);
    assert_eq!(f["injected"]["error_406"], seen[&406]);
    let bad = s.call("PUT", "/__emulator/faults", &[], r#"{"rate_420":1.5}"#);
    assert_eq!(bad.status, 400);
    // CLI flags.
    let s2 = spawn(Config {
        fault_420_rate: 1.0,
        ..Config::default()
    });
    let t2 = s2.token();
    assert_eq!(s2.get(&t2, "/services/data/v62.0/limits", &[]).status, 420);
}

#[test]
fn bulk_refused_failed_and_queued_jobs() {
    let s = spawn(Config {
        bulk_delay_ms: 100,
        bulk_queue_ms: 500,
        ..Config::default()
    });
    let t = s.token();
    // TaskStatus: queryable over REST, refused by Bulk.
    let rows = records(&s.query(
        &t,
        "query",
        "SELECT Id, MasterLabel, ApiName, SortOrder, IsDefault, IsClosed, CreatedDate, LastModifiedDate, SystemModstamp FROM TaskStatus ORDER BY SortOrder",
        &[],
    ));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["MasterLabel"], "Not Started");
    assert_eq!(rows[0]["IsDefault"], true);
    assert_eq!(rows[2]["IsClosed"], true);
    let r = create_job(&s, &t, "SELECT Id, MasterLabel FROM TaskStatus");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!([{"message":"Entity 'TaskStatus' is not supported by the Bulk API.","errorCode":"INVALIDENTITY"}])
    );
    // A queued job stays UploadComplete for --bulk-queue-ms.
    let job = create_job(&s, &t, "SELECT Id FROM Account LIMIT 3").json();
    let id = job["id"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(350));
    let info = bulk_call(&s, &t, "GET", &format!("/{id}"), "").json();
    assert_eq!(info["state"], "UploadComplete");
    let info = wait_complete(&s, &t, &id);
    assert_eq!(info["numberRecordsProcessed"], 3);
    // fail-next: the next N jobs end Failed with errorMessage.
    let f = s.call(
        "POST",
        "/__emulator/bulk/fail-next",
        &[],
        r#"{"count":1,"error_message":"InternalServerError: boom"}"#,
    );
    assert_eq!(f.status, 200);
    let bad = create_job(&s, &t, "SELECT Id FROM Account").json();
    let good = create_job(&s, &t, "SELECT Id FROM Account LIMIT 1").json();
    let bad_id = bad["id"].as_str().unwrap().to_string();
    let mut last = Value::Null;
    for _ in 0..100 {
        last = bulk_call(&s, &t, "GET", &format!("/{bad_id}"), "").json();
        if last["state"] == "Failed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(last["state"], "Failed");
    assert_eq!(last["errorMessage"], "InternalServerError: boom");
    let r = bulk_call(&s, &t, "GET", &format!("/{bad_id}/results"), "");
    assert_eq!(r.status, 412);
    assert!(r.json()[0]["message"].as_str().unwrap().ends_with("FAILED"));
    let good_id = good["id"].as_str().unwrap().to_string();
    for _ in 0..100 {
        last = bulk_call(&s, &t, "GET", &format!("/{good_id}"), "").json();
        if last["state"] == "JobComplete" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(last["state"], "JobComplete");
    assert!(last.get("errorMessage").is_none());
}

#[test]
fn content_document_link_needs_a_filter() {
    let s = spawn(Config::default());
    let t = s.token();
    let msg = "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.";
    for q in [
        "SELECT Id FROM ContentDocumentLink",
        "SELECT Id FROM ContentDocumentLink WHERE ShareType = 'V'",
        "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId != null",
        "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '001000000000000AAA' OR ShareType = 'V'",
    ] {
        let r = s.query(&t, "query", q, &[]);
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json(), serde_json::json!([{"message": msg, "errorCode": "MALFORMED_QUERY"}]), "{q}");
        let b = create_job(&s, &t, q);
        assert_eq!(b.status, 400);
        assert_eq!(b.json()[0]["message"], msg);
    }
    let docs = records(&s.query(&t, "query", "SELECT Id, Title FROM ContentDocument", &[]));
    assert!(docs.len() >= 3);
    // Find links through the dump, then query them by a single id and by IN.
    let links = s
        .call("GET", "/__emulator/dump/ContentDocumentLink", &[], "")
        .json();
    let links = links.as_array().unwrap();
    assert!(links.len() >= 5);
    let acc = links[0]["LinkedEntityId"].as_str().unwrap();
    let doc = links[0]["ContentDocumentId"].as_str().unwrap();
    let by_acc = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id, ContentDocumentId, LinkedEntityId, ShareType, Visibility, IsDeleted, SystemModstamp FROM ContentDocumentLink WHERE LinkedEntityId = '{acc}'"),
        &[],
    ));
    assert_eq!(
        by_acc.len(),
        links.iter().filter(|l| l["LinkedEntityId"] == acc).count()
    );
    let ids: Vec<String> = docs
        .iter()
        .map(|d| format!("'{}'", d["Id"].as_str().unwrap()))
        .collect();
    let by_docs = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN ({}) AND ShareType != null", ids.join(",")),
        &[],
    ));
    assert_eq!(
        by_docs.len(),
        links.iter().filter(|l| !l["ShareType"].is_null()).count()
    );
    let one = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '{doc}'"),
        &[],
    ));
    assert!(!one.is_empty());
    let b = create_job(
        &s,
        &t,
        &format!("SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = '{doc}'"),
    );
    assert_eq!(b.status, 200);
}

#[test]
fn nul_bytes_in_text() {
    let s = spawn(Config::default());
    let t = s.token();
    for (obj, field) in [("Invoice__c", "Memo__c"), ("Account", "Description")] {
        let q = format!("SELECT Id, {field} FROM {obj} ORDER BY Id");
        let r = s.query(&t, "query", &q, &[]);
        let body = String::from_utf8_lossy(&r.body).to_string();
        assert!(body.contains("\\u0000"), "{obj}");
        let recs = records(&r);
        let with: Vec<&str> = recs
            .iter()
            .filter_map(|r| r[field].as_str())
            .filter(|v| v.contains('\0'))
            .collect();
        assert!(with.len() >= 2, "{obj}: {}", with.len());
        assert!(with
            .iter()
            .all(|v| !v.starts_with('\0') && !v.ends_with('\0')));
        // Bulk CSV: the raw 0x00 byte.
        let csv = bulk_csv(&s, &t, &q);
        let zeros = csv.bytes().filter(|b| *b == 0).count();
        assert_eq!(
            zeros,
            with.iter().map(|v| v.matches('\0').count()).sum::<usize>()
        );
    }
}

#[test]
fn versions_up_to_68_and_retired_ones() {
    let s = spawn(Config::default());
    let t = s.token();
    let v = s.call("GET", "/services/data", &[], "").json();
    let list = v.as_array().unwrap();
    assert_eq!(list.first().unwrap()["version"], "31.0");
    let last = list.last().unwrap();
    assert_eq!(last["version"], "68.0");
    assert_eq!(last["label"], "Winter '27");
    assert_eq!(last["url"], "/services/data/v68.0");
    assert!(list
        .iter()
        .any(|x| x["version"] == "62.0" && x["label"] == "Winter '25"));
    assert!(!list.iter().any(|x| x["version"] == "30.0"));
    for ver in ["v20.0", "v25.0", "v30.0"] {
        let r = s.get(&t, &format!("/services/data/{ver}/sobjects"), &[]);
        assert_eq!(r.status, 410);
        assert_eq!(r.json()[0]["errorCode"], "UNSUPPORTED_API_VERSION");
        assert!(r.json()[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Version {ver} of the API is no longer supported")));
    }
    assert_eq!(s.get(&t, "/services/data/v31.0/sobjects", &[]).status, 200);
    assert_eq!(s.get(&t, "/services/data/v68.0/limits", &[]).status, 200);
    assert_eq!(s.get(&t, "/services/data/v69.0/limits", &[]).status, 404);
}

#[test]
fn formula_field_follows_the_parent_without_timestamps() {
    let s = spawn(Config::default());
    let t = s.token();
    let auth = format!("Bearer {t}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    // Describe: a cross-object string formula, shaped like the real calculated fields.
    let d = s
        .get(&t, "/services/data/v62.0/sobjects/Invoice__c/describe", &[])
        .json();
    let f = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Account_Name__c")
        .unwrap()
        .clone();
    for (k, v) in [
        ("type", Value::from("string")),
        ("calculated", true.into()),
        ("calculatedFormula", "Account__r.Name".into()),
        ("createable", false.into()),
        ("updateable", false.into()),
        ("filterable", true.into()),
        ("sortable", true.into()),
        ("groupable", false.into()),
        ("nillable", true.into()),
        ("custom", true.into()),
        ("formulaTreatNullNumberAsZero", true.into()),
        ("soapType", "xsd:string".into()),
        ("length", 1300.into()),
        ("byteLength", 3900.into()),
    ] {
        assert_eq!(f[k], v, "{k}");
    }

    let q = "SELECT Id, Account__c, Account_Name__c, Account__r.Name, SystemModstamp, LastModifiedDate FROM Invoice__c WHERE Account__c != null ORDER BY Id LIMIT 1";
    let before = records(&s.query(&t, "query", q, &[]))[0].clone();
    let inv = before["Id"].as_str().unwrap().to_string();
    let acc = before["Account__c"].as_str().unwrap().to_string();
    assert!(before["Account_Name__c"].is_string());
    assert_eq!(before["Account_Name__c"], before["Account__r"]["Name"]);

    let renamed = "Formula Parent Renamed Ltd";
    let patch = s.call(
        "PATCH",
        &format!("/services/data/v62.0/sobjects/Account/{acc}"),
        &h,
        &serde_json::json!({ "Name": renamed }).to_string(),
    );
    assert_eq!(patch.status, 204);
    let after = records(&s.query(&t, "query", q, &[]))[0].clone();
    assert_eq!(after["Id"], inv.as_str());
    assert_eq!(after["Account_Name__c"], renamed);
    assert_eq!(after["SystemModstamp"], before["SystemModstamp"]);
    assert_eq!(after["LastModifiedDate"], before["LastModifiedDate"]);
    // The record resource, queryAll and the dump show the current value too.
    let rec = s
        .get(
            &t,
            &format!("/services/data/v62.0/sobjects/Invoice__c/{inv}"),
            &[],
        )
        .json();
    assert_eq!(rec["Account_Name__c"], renamed);
    assert_eq!(rec["SystemModstamp"], before["SystemModstamp"]);
    let all = records(&s.query(&t, "queryAll", q, &[]));
    assert_eq!(all[0]["Account_Name__c"], renamed);
    let dump = s.call("GET", "/__emulator/dump/Invoice__c", &[], "").json();
    let row = dump
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Id"] == inv.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["Account_Name__c"], renamed);
    // Bulk: the value at job completion.
    let csv = bulk_csv(
        &s,
        &t,
        &format!("SELECT Id, Account_Name__c FROM Invoice__c WHERE Id = '{inv}'"),
    );
    assert_eq!(
        parse_csv(&csv),
        vec![
            vec!["Id".to_string(), "Account_Name__c".to_string()],
            vec![inv.clone(), renamed.to_string()]
        ]
    );
    // Invoices without a parent account: null.
    let orphans = records(&s.query(
        &t,
        "query",
        "SELECT Id, Account_Name__c FROM Invoice__c WHERE Account__c = null",
        &[],
    ));
    assert!(orphans.iter().all(|r| r["Account_Name__c"].is_null()));
    let null_count = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Invoice__c WHERE Account_Name__c = null",
        &[],
    ))
    .len();
    assert_eq!(null_count, orphans.len());

    // Writes are refused like any read-only field; backdating it too.
    for (method, path) in [
        (
            "PATCH",
            format!("/services/data/v62.0/sobjects/Invoice__c/{inv}"),
        ),
        (
            "POST",
            "/services/data/v62.0/sobjects/Invoice__c".to_string(),
        ),
    ] {
        let r = s.call(method, &path, &h, r#"{"Account_Name__c":"x"}"#);
        assert_eq!(r.status, 400);
        assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
        assert_eq!(r.json()[0]["fields"][0], "Account_Name__c");
    }
    let b = s.call(
        "POST",
        "/__emulator/backdate",
        &[("Content-Type", "application/json")],
        &serde_json::json!({"object":"Invoice__c","id":inv,"fields":{"Account_Name__c":"x"}})
            .to_string(),
    );
    assert_eq!(b.status, 400);

    // Reparenting the child (a write of the child) changes the value and the timestamps.
    let other = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id, Name FROM Account WHERE Id != '{acc}' ORDER BY Id LIMIT 1"),
        &[],
    ))[0]
        .clone();
    let r = s.call(
        "PATCH",
        &format!("/services/data/v62.0/sobjects/Invoice__c/{inv}"),
        &h,
        &serde_json::json!({ "Account__c": other["Id"] }).to_string(),
    );
    assert_eq!(r.status, 204);
    let moved = records(&s.query(
        &t,
        "query",
        &format!("SELECT Account_Name__c, SystemModstamp FROM Invoice__c WHERE Id = '{inv}'"),
        &[],
    ))[0]
        .clone();
    assert_eq!(moved["Account_Name__c"], other["Name"]);
    assert_ne!(moved["SystemModstamp"], before["SystemModstamp"]);

    // Off with --no-formula-fields.
    let off = spawn(Config {
        no_formula_fields: true,
        ..Default::default()
    });
    let t2 = off.token();
    let r = off.query(&t2, "query", "SELECT Account_Name__c FROM Invoice__c", &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()[0]["errorCode"], "INVALID_FIELD");
}

#[test]
fn formula_field_in_where_and_order_by() {
    let s = spawn(Config::default());
    let t = s.token();
    let auth = format!("Bearer {t}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    // ORDER BY the formula = ORDER BY the parent's name (nulls first, case-insensitive).
    let by_formula = records(&s.query(
        &t,
        "query",
        "SELECT Id, Account_Name__c, Account__r.Name FROM Invoice__c ORDER BY Account_Name__c, Id",
        &[],
    ));
    let by_path = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Invoice__c ORDER BY Account__r.Name, Id",
        &[],
    ));
    assert_eq!(by_formula.len(), 500);
    let ids = |v: &[Value]| v.iter().map(|r| r["Id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&by_formula), ids(&by_path));
    for r in &by_formula {
        let parent = if r["Account__r"].is_null() {
            Value::Null
        } else {
            r["Account__r"]["Name"].clone()
        };
        assert_eq!(r["Account_Name__c"], parent);
    }
    let desc = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Invoice__c ORDER BY Account_Name__c DESC NULLS LAST, Id LIMIT 5",
        &[],
    ));
    assert!(desc.len() == 5);

    // Rename a parent: WHERE and ORDER BY see the new name at once.
    let acc = by_formula
        .iter()
        .find_map(|r| r["Account__r"]["attributes"]["url"].as_str())
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let children = records(&s.query(
        &t,
        "query",
        &format!("SELECT Id FROM Invoice__c WHERE Account__c = '{acc}' ORDER BY Id"),
        &[],
    ));
    assert!(!children.is_empty());
    let r = s.call(
        "PATCH",
        &format!("/services/data/v62.0/sobjects/Account/{acc}"),
        &h,
        r#"{"Name":"aaa Formula First"}"#,
    );
    assert_eq!(r.status, 204);
    let hit = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Invoice__c WHERE Account_Name__c = 'AAA FORMULA FIRST' ORDER BY Id",
        &[],
    ));
    assert_eq!(ids(&hit), ids(&children));
    let like = records(&s.query(
        &t,
        "query",
        "SELECT Id FROM Invoice__c WHERE Account_Name__c LIKE 'aaa formula%' ORDER BY Id",
        &[],
    ));
    assert_eq!(ids(&like), ids(&children));
    let first = records(&s.query(
        &t,
        "query",
        "SELECT Id, Account_Name__c FROM Invoice__c WHERE Account_Name__c != null ORDER BY Account_Name__c, Id",
        &[],
    ));
    assert_eq!(
        ids(&first[..children.len()]),
        ids(&children),
        "the renamed parent's children sort first"
    );
    let csv = bulk_csv(
        &s,
        &t,
        "SELECT Id FROM Invoice__c WHERE Account_Name__c = 'aaa formula first' ORDER BY Id",
    );
    assert_eq!(parse_csv(&csv).len(), children.len() + 1);
}

#[test]
fn state_and_country_codes() {
    let s = spawn(Config::default());
    let t = s.token();
    let auth = format!("Bearer {t}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let d = s
        .get(&t, "/services/data/v62.0/sobjects/Account/describe", &[])
        .json();
    let fields = d["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for p in ["Billing", "Shipping"] {
        let at = names
            .iter()
            .position(|n| *n == format!("{p}Country"))
            .unwrap();
        assert_eq!(names[at + 1], format!("{p}StateCode"));
        assert_eq!(names[at + 2], format!("{p}CountryCode"));
        let field = |n: &str| fields.iter().find(|f| f["name"] == n).unwrap().clone();
        let (sc, cc) = (
            field(&format!("{p}StateCode")),
            field(&format!("{p}CountryCode")),
        );
        for f in [&sc, &cc] {
            assert_eq!(f["type"], "picklist");
            assert_eq!(f["compoundFieldName"], format!("{p}Address"));
            assert_eq!(f["restrictedPicklist"], true);
            assert_eq!(f["createable"], true);
            assert_eq!(f["updateable"], true);
            assert_eq!(f["filterable"], true);
            assert_eq!(f["nillable"], true);
        }
        assert_eq!(cc["dependentPicklist"], false);
        assert_eq!(sc["dependentPicklist"], true);
        assert_eq!(sc["controllerName"], format!("{p}CountryCode"));
        let countries: Vec<&str> = cc["picklistValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap())
            .collect();
        for c in ["US", "CA", "DE", "GB", "JP", "CH", "FR", "AU"] {
            assert!(countries.contains(&c), "{c}");
        }
        let us = cc["picklistValues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["value"] == "US")
            .unwrap();
        assert_eq!(us["label"], "United States");
        // validFor: the bit of the controlling value's index, most significant bit first.
        let us_index = countries.iter().position(|c| *c == "US").unwrap();
        let ny = sc["picklistValues"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["value"] == "NY")
            .unwrap();
        assert_eq!(ny["label"], "New York");
        let bits = ny["validFor"].as_str().unwrap();
        assert_eq!(us_index, 7);
        assert_eq!(bits, "AQ==");
    }

    // Query: compound values carry countryCode / stateCode, consistent with the components.
    let recs = records(&s.query(
        &t,
        "query",
        "SELECT Id, BillingAddress, BillingCountry, BillingState, BillingCountryCode, BillingStateCode, ShippingAddress, ShippingCountryCode, ShippingStateCode FROM Account",
        &[],
    ));
    let expected = |country: &str| match country {
        "United States" => "US",
        "Canada" => "CA",
        "Australia" => "AU",
        "Germany" => "DE",
        "United Kingdom" => "GB",
        "Japan" => "JP",
        "Switzerland" => "CH",
        "France" => "FR",
        other => panic!("unexpected country {other}"),
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut with_state = 0;
    for r in &recs {
        for p in ["Billing", "Shipping"] {
            let a = &r[format!("{p}Address").as_str()];
            if a.is_null() {
                assert!(r[format!("{p}CountryCode").as_str()].is_null());
                continue;
            }
            let keys: Vec<&str> = a.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            assert_eq!(
                keys,
                [
                    "city",
                    "country",
                    "countryCode",
                    "geocodeAccuracy",
                    "latitude",
                    "longitude",
                    "postalCode",
                    "state",
                    "stateCode",
                    "street"
                ]
            );
            let code = expected(a["country"].as_str().unwrap());
            assert_eq!(a["countryCode"], code);
            assert_eq!(r[format!("{p}CountryCode").as_str()], code);
            assert_eq!(r[format!("{p}StateCode").as_str()], a["stateCode"]);
            seen.insert(code);
            if ["US", "CA", "AU"].contains(&code) {
                // Generated states of these countries are the codes themselves.
                assert_eq!(a["stateCode"], a["state"]);
                with_state += 1;
            } else {
                assert!(a["stateCode"].is_null(), "{code}");
            }
        }
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
    assert!(with_state > 0);
    // Other objects' addresses have the keys, null (no code fields).
    let c = records(&s.query(
        &t,
        "query",
        "SELECT MailingAddress FROM Contact WHERE MailingCountry != null LIMIT 1",
        &[],
    ));
    let m = &c[0]["MailingAddress"];
    assert!(m["country"].is_string());
    assert!(m.get("countryCode").unwrap().is_null() && m.get("stateCode").unwrap().is_null());

    // Component fields filter and sort.
    let count = |q: &str| records(&s.query(&t, "query", q, &[])).len();
    let de = count("SELECT Id FROM Account WHERE BillingCountryCode = 'de'");
    assert!(de > 0);
    assert_eq!(
        de,
        count("SELECT Id FROM Account WHERE BillingCountry = 'Germany'")
    );
    let ca_ny = count("SELECT Id FROM Account WHERE BillingStateCode IN ('CA', 'NY')");
    assert_eq!(
        ca_ny,
        count("SELECT Id FROM Account WHERE BillingCountry = 'United States' AND (BillingState = 'CA' OR BillingState = 'NY')")
    );
    assert_eq!(
        count("SELECT Id FROM Account WHERE BillingStateCode != null"),
        count("SELECT Id FROM Account WHERE BillingCountryCode IN ('US','CA','AU')")
    );
    let sorted = records(&s.query(
        &t,
        "query",
        "SELECT ShippingCountryCode FROM Account WHERE ShippingCountryCode != null ORDER BY ShippingCountryCode",
        &[],
    ));
    let codes: Vec<&str> = sorted
        .iter()
        .map(|r| r["ShippingCountryCode"].as_str().unwrap())
        .collect();
    assert!(codes.windows(2).all(|w| w[0] <= w[1]));
    // Bulk CSV has the component codes (not the compound).
    let csv = bulk_csv(
        &s,
        &t,
        "SELECT Id, BillingCountryCode, BillingStateCode FROM Account WHERE BillingCountryCode = 'US' LIMIT 3",
    );
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], ["Id", "BillingCountryCode", "BillingStateCode"]);
    assert!(rows[1..].iter().all(|r| r[1] == "US" && !r[2].is_empty()));

    // Writes: a code sets the name, a name sets the code; bad codes are refused.
    let created = s.call(
        "POST",
        "/services/data/v62.0/sobjects/Account",
        &h,
        r#"{"Name":"Codes Co","BillingCountryCode":"JP","ShippingCountry":"Canada","ShippingState":"Ontario"}"#,
    );
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let get = || {
        s.get(
            &t,
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &[],
        )
        .json()
    };
    let rec = get();
    assert_eq!(rec["BillingCountry"], "Japan");
    assert_eq!(rec["BillingAddress"]["countryCode"], "JP");
    assert_eq!(rec["ShippingCountryCode"], "CA");
    assert_eq!(rec["ShippingStateCode"], "ON");
    let patch = |body: &str| {
        s.call(
            "PATCH",
            &format!("/services/data/v62.0/sobjects/Account/{id}"),
            &h,
            body,
        )
    };
    assert_eq!(
        patch(r#"{"BillingCountryCode":"US","BillingStateCode":"TX"}"#).status,
        204
    );
    let rec = get();
    assert_eq!(rec["BillingCountry"], "United States");
    assert_eq!(rec["BillingState"], "Texas");
    assert_eq!(rec["BillingAddress"]["stateCode"], "TX");
    let bad = patch(r#"{"BillingCountryCode":"XX"}"#);
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.json()[0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );

    // Off with --no-address-codes: no code fields, the keys stay (null).
    let off = spawn(Config {
        no_address_codes: true,
        ..Default::default()
    });
    let t2 = off.token();
    let r = off.query(&t2, "query", "SELECT BillingCountryCode FROM Account", &[]);
    assert_eq!(r.status, 400);
    let a = records(&off.query(
        &t2,
        "query",
        "SELECT BillingAddress FROM Account WHERE BillingCountry != null LIMIT 1",
        &[],
    ));
    assert!(a[0]["BillingAddress"]["countryCode"].is_null());
}

#[test]
fn lost_answer_carries_the_request_out_but_sends_nothing() {
    let s = spawn(Config::default());
    let t = s.token();
    faults(
        &s,
        "POST",
        "/after",
        r#"{"after":0,"status":0,"kind":"lost_answer"}"#,
    );
    let body = serde_json::json!({"operation":"query","query":"SELECT Id FROM Account","contentType":"CSV"})
        .to_string();
    let mut raw = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let req = format!(
        "POST /services/data/v62.0/jobs/query HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {t}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw.write_all(req.as_bytes()).unwrap();
    let mut answer = vec![];
    let _ = raw.read_to_end(&mut answer);
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // The job was created all the same.
    let jobs = bulk_call(&s, &t, "GET", "", "").json();
    let records = jobs["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{jobs}");
    assert_eq!(records[0]["object"], "Account");
    // A kind that does not fit its status is refused.
    let r = s.call(
        "POST",
        "/__emulator/faults/after",
        &[("Content-Type", "application/json")],
        r#"{"after":0,"status":500,"kind":"lost_answer"}"#,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn result_pages_list_every_page_five_at_a_time() {
    let s = spawn(Config {
        bulk_page_records: 150,
        ..Config::default()
    });
    let t = s.token();
    let job = create_job(&s, &t, "SELECT Id FROM Opportunity").json();
    let id = job["id"].as_str().unwrap().to_string();
    wait_complete(&s, &t, &id);
    let mut urls = Vec::new();
    let mut next = Some(format!("/services/data/v62.0/jobs/query/{id}/resultPages"));
    let mut calls = 0;
    while let Some(path) = next {
        let listed = s.get(&t, &path, &[]).json();
        calls += 1;
        for page in listed["resultPages"].as_array().unwrap() {
            urls.push(page["resultUrl"].as_str().unwrap().to_string());
        }
        next = listed["nextRecordsUrl"].as_str().map(str::to_string);
        assert_eq!(listed["done"].as_bool(), Some(next.is_none()));
    }
    // 1000 opportunities in pages of 150: 7 pages, listed five at a time.
    assert_eq!(urls.len(), 7);
    assert_eq!(calls, 2);
    let mut ids = std::collections::BTreeSet::new();
    for url in &urls {
        let page = s.get(&t, url, &[("Accept", "text/csv")]);
        assert_eq!(page.status, 200);
        let text = String::from_utf8_lossy(&page.body).to_string();
        for line in text.lines().skip(1) {
            assert!(ids.insert(line.to_string()), "{line} twice");
        }
    }
    assert_eq!(ids.len(), 1000);
    // Before v58.0 there is no such resource.
    let old = s.get(
        &t,
        &format!("/services/data/v57.0/jobs/query/{id}/resultPages"),
        &[],
    );
    assert_eq!(old.status, 404);
}

// ---------------------------------------------------------------------------------------
// Aggregate queries (SALESFORCE.md 2.4, 12.1, 12.15). Expected values are computed from the
// records the equivalent non-aggregate query returns.

type Row = serde_json::Map<String, Value>;

impl Server {
    /// Creates a record through `POST /sobjects/{object}`; returns its id.
    fn create(&self, token: &str, object: &str, body: &Value) -> String {
        let auth = format!("Bearer {token}");
        let r = self.call(
            "POST",
            &format!("/services/data/v62.0/sobjects/{object}"),
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            &body.to_string(),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["id"].as_str().unwrap().to_string()
    }

    /// The records of an aggregate answer, once its shape is checked (done, no
    /// nextRecordsUrl, totalSize = records, attributes `{"type":"AggregateResult"}` only);
    /// attributes removed, keys in response order.
    fn aggregate(&self, token: &str, soql: &str) -> Vec<Row> {
        let r = self.query(token, "query", soql, &[]);
        assert_eq!(
            r.status,
            200,
            "{soql}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let body = r.json();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["totalSize", "done", "records"], "{soql}");
        assert_eq!(body["done"], true);
        let recs = body["records"].as_array().unwrap();
        assert_eq!(body["totalSize"], recs.len(), "{soql}");
        recs.iter()
            .map(|rec| {
                let mut rec = rec.as_object().unwrap().clone();
                let attributes = rec.shift_remove("attributes");
                assert_eq!(
                    attributes,
                    Some(serde_json::json!({"type": "AggregateResult"}))
                );
                rec
            })
            .collect()
    }

    /// (status, errorCode, message) of a refused query; the body is Salesforce's error array.
    fn query_error(&self, token: &str, soql: &str) -> (u16, String, String) {
        let r = self.query(token, "query", soql, &[]);
        let body = r.json();
        let e = body.as_array().filter(|a| a.len() == 1).map(|a| &a[0]);
        let e = e.unwrap_or_else(|| panic!("{soql}: {body}"));
        let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
        (r.status, s("errorCode"), s("message"))
    }
}

fn json_rows(rows: &[Row]) -> Value {
    rows.iter().cloned().map(Value::Object).collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Records counted by a key (null included, keys as JSON text), as `COUNT(Id) ... GROUP BY`.
fn count_by(recs: &[Value], key: impl Fn(&Value) -> Value) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for r in recs {
        *m.entry(key(r).to_string()).or_insert(0) += 1;
    }
    m
}

#[derive(Default)]
struct Stats {
    count: u64,
    amounts: Vec<f64>,
    usd: Vec<f64>,
    max_close: String,
}

#[test]
fn aggregate_queries_match_record_arithmetic() {
    let s = spawn(Config::default());
    let t = s.token();
    let recs = records(&s.query(
        &t,
        "query",
        "SELECT StageName, Amount, convertCurrency(Amount) usd, CloseDate, Type, Account.Industry FROM Opportunity",
        &[],
    ));
    assert_eq!(recs.len(), 1000);
    let mut stages: BTreeMap<String, Stats> = BTreeMap::new();
    for r in &recs {
        let st = stages
            .entry(r["StageName"].as_str().unwrap().to_string())
            .or_default();
        st.count += 1;
        if !r["Amount"].is_null() {
            st.amounts.push(num(&r["Amount"]));
            st.usd.push(num(&r["usd"]));
        }
        st.max_close = st
            .max_close
            .clone()
            .max(r["CloseDate"].as_str().unwrap().into());
    }
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n_amounts: usize = stages.values().map(|s| s.amounts.len()).sum();

    // COUNT() alone: totalSize, no records.
    let c = s.query(
        &t,
        "query",
        "select count() from Opportunity where Amount != null",
        &[],
    );
    assert_eq!(
        c.json(),
        serde_json::json!({"totalSize": n_amounts, "done": true, "records": []})
    );

    // GROUP BY a picklist; keys in SELECT order, expr numbering skips aliased aggregates;
    // currency aggregates in the corporate currency (like convertCurrency per record).
    let q = "SELECT StageName, COUNT(Id), COUNT(Amount), SUM(Amount) total, AVG(Amount), MIN(Amount), MAX(Amount), MAX(CloseDate) FROM Opportunity GROUP BY StageName";
    let rows = s.aggregate(&t, q);
    assert_eq!(rows.len(), stages.len());
    let mut raw_differs = false;
    for row in &rows {
        let keys: Vec<&str> = row.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "StageName",
                "expr0",
                "expr1",
                "total",
                "expr2",
                "expr3",
                "expr4",
                "expr5"
            ]
        );
        let st = &stages[row["StageName"].as_str().unwrap()];
        assert_eq!(row["expr0"], st.count);
        assert_eq!(row["expr1"], st.usd.len());
        assert!(close(num(&row["total"]), sum(&st.usd)), "{row:?}");
        assert!(close(
            num(&row["expr2"]),
            sum(&st.usd) / st.usd.len() as f64
        ));
        assert_eq!(
            (num(&row["expr3"]), num(&row["expr4"])),
            (min(&st.usd), max(&st.usd))
        );
        assert_eq!(row["expr5"], st.max_close.as_str());
        raw_differs |= !close(sum(&st.amounts), sum(&st.usd));
    }
    assert!(
        raw_differs,
        "JPY amounts must make raw and converted sums differ"
    );
    // Big sums in Java's exponent form, like stored numbers.
    let body = s.query(&t, "query", q, &[]).body;
    for text in raw_numbers(&body, "total") {
        assert_eq!(
            text.contains('E'),
            text.parse::<f64>().unwrap() >= 1e7,
            "{text}"
        );
    }

    // Without GROUP BY: one row of raw sums; MIN/MAX of a picklist follow describe order.
    let d = s
        .get(
            &t,
            "/services/data/v62.0/sobjects/Opportunity/describe",
            &[],
        )
        .json();
    let order: Vec<String> = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "StageName")
        .unwrap()["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap().to_string())
        .filter(|v| stages.contains_key(v))
        .collect();
    let all: Vec<f64> = stages.values().flat_map(|s| s.amounts.clone()).collect();
    let q = "SELECT COUNT(Id), SUM(Amount), AVG(Amount), MIN(Amount), MAX(Amount), MIN(StageName), MAX(StageName) FROM Opportunity";
    let row = &s.aggregate(&t, q)[0];
    assert_eq!(row["expr0"], 1000);
    assert!(close(num(&row["expr1"]), sum(&all)));
    assert!(close(num(&row["expr2"]), sum(&all) / all.len() as f64));
    assert_eq!(
        (num(&row["expr3"]), num(&row["expr4"])),
        (min(&all), max(&all))
    );
    let (first, last) = (&order[0], &order[order.len() - 1]);
    assert_eq!(
        (&row["expr5"], &row["expr6"]),
        (&first.as_str().into(), &last.as_str().into())
    );
    assert_ne!(
        row["expr5"],
        *stages.keys().next().unwrap(),
        "alphabetical order must differ"
    );
    let sum_text = &raw_numbers(&s.query(&t, "query", q, &[]).body, "expr1")[0];
    assert!(sum_text.contains('E'), "{sum_text}");

    // Null groups and relationship paths (keyed by the last segment), counted from records.
    let counts = |q: &str, key: &str| -> BTreeMap<String, u64> {
        let rows = s.aggregate(&t, q);
        rows.iter()
            .map(|r| (r[key].to_string(), r["expr0"].as_u64().unwrap()))
            .collect()
    };
    for (q, key, pointer) in [
        (
            "SELECT Type, COUNT(Id) FROM Opportunity GROUP BY Type",
            "Type",
            "/Type",
        ),
        (
            "SELECT Account.Industry, COUNT(Id) FROM Opportunity GROUP BY Account.Industry",
            "Industry",
            "/Account/Industry",
        ),
    ] {
        let want = count_by(&recs, |r| {
            r.pointer(pointer).cloned().unwrap_or(Value::Null)
        });
        let got = counts(q, key);
        assert_eq!(got, want, "{q}");
        assert!(got.contains_key("null"), "{q}: a null group");
    }

    // HAVING; ORDER BY an aggregate with LIMIT; empty input with and without GROUP BY.
    let by_stage = count_by(&recs, |r| r["StageName"].clone());
    let mut sizes: Vec<u64> = by_stage.values().copied().collect();
    sizes.sort();
    let median = sizes[sizes.len() / 2];
    let having = format!(
        "SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > {median}"
    );
    let mut want = by_stage.clone();
    want.retain(|_, n| *n > median);
    assert!(!want.is_empty() && want.len() < by_stage.len());
    assert_eq!(counts(&having, "StageName"), want);
    let mut top: Vec<(f64, &str)> = stages
        .iter()
        .map(|(k, s)| (sum(&s.usd), k.as_str()))
        .collect();
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    let ordered = "SELECT StageName, SUM(Amount) s FROM Opportunity GROUP BY StageName ORDER BY SUM(Amount) DESC LIMIT 3";
    let got: Vec<Value> = s
        .aggregate(&t, ordered)
        .iter()
        .map(|r| r["StageName"].clone())
        .collect();
    assert_eq!(got, top[..3].iter().map(|x| x.1).collect::<Vec<_>>());
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["soql"].as_str(), last["records"].as_u64()),
        (Some(ordered), Some(3))
    );
    for (q, want) in [
        (
            "SELECT COUNT(Id), SUM(Amount), MIN(CloseDate) FROM Opportunity WHERE Name = 'nope'",
            serde_json::json!([{"expr0": 0, "expr1": null, "expr2": null}]),
        ),
        (
            "SELECT StageName, COUNT(Id) FROM Opportunity WHERE Name = 'nope' GROUP BY StageName",
            serde_json::json!([]),
        ),
    ] {
        assert_eq!(json_rows(&s.aggregate(&t, q)), want, "{q}");
    }

    // Refusals of real orgs: 400 with Salesforce's error array.
    for (q, code, fragment) in [
        (
            "SELECT Amount, COUNT(Id) FROM Opportunity GROUP BY Amount",
            "MALFORMED_QUERY",
            "field 'Amount' can not be grouped in a query call",
        ),
        (
            "SELECT COUNT(Id) FROM Opportunity GROUP BY Description",
            "MALFORMED_QUERY",
            "field 'Description' can not be grouped",
        ),
        (
            "SELECT Account_Name__c FROM Invoice__c GROUP BY Account_Name__c",
            "MALFORMED_QUERY",
            "can not be grouped",
        ),
        (
            "SELECT SUM(Name) FROM Opportunity",
            "INVALID_FIELD",
            "field Name does not support aggregate operator SUM",
        ),
        (
            "SELECT MAX(IsWon) FROM Opportunity",
            "INVALID_FIELD",
            "aggregate operator MAX",
        ),
        (
            "SELECT Name, COUNT(Id) FROM Opportunity",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: Name",
        ),
        (
            "SELECT MAX(CreatedDate) FROM Account LIMIT 1",
            "MALFORMED_QUERY",
            "without GROUP BY can not use LIMIT",
        ),
        (
            "SELECT StageName, COUNT() FROM Opportunity GROUP BY StageName",
            "MALFORMED_QUERY",
            "COUNT() can not be used with GROUP BY",
        ),
    ] {
        let (status, c, m) = s.query_error(&t, q);
        assert_eq!((status, c.as_str()), (400, code), "{q}: {m}");
        assert!(
            m.starts_with(&format!("\n{q}\n")) && m.contains(fragment),
            "{q}: {m}"
        );
    }

    // Text groups are case-insensitive, keyed by the first value met; COUNT_DISTINCT too.
    // A picklist value outside the describe list sorts after the listed ones.
    for memo in ["Agg Case Test", "AGG CASE TEST", "agg case test"] {
        s.create(&t, "Invoice__c", &serde_json::json!({"Memo__c": memo}));
    }
    assert_eq!(
        json_rows(&s.aggregate(&t, "SELECT Memo__c, COUNT(Id), COUNT_DISTINCT(Memo__c) FROM Invoice__c WHERE Memo__c LIKE 'agg case%' GROUP BY Memo__c")),
        serde_json::json!([{"Memo__c": "Agg Case Test", "expr0": 3, "expr1": 1}])
    );
    s.create(
        &t,
        "Opportunity",
        &serde_json::json!({"Name": "Agg Stage", "StageName": "Aardvark", "CloseDate": "2025-01-01"}),
    );
    let row = &s.aggregate(&t, "SELECT MIN(StageName), MAX(StageName) FROM Opportunity")[0];
    assert_eq!(
        (&row["expr0"], &row["expr1"]),
        (&first.as_str().into(), &"Aardvark".into())
    );
}

#[test]
fn aggregate_row_limit_truncation_and_timeout() {
    let q = "SELECT Id, COUNT(Name) FROM Opportunity GROUP BY Id";
    // 2,500 opportunities: a GROUP BY Id answer of 2,500 rows cannot be sent in one batch.
    let s = spawn(Config {
        scale: 2.5,
        ..Config::default()
    });
    let t = s.token();
    let e = s.query(&t, "query", q, &[]);
    assert_eq!(e.status, 400);
    assert_eq!(
        e.json(),
        serde_json::json!([{"message": "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch", "errorCode": "MALFORMED_QUERY"}])
    );
    assert_eq!(s.aggregate(&t, &format!("{q} LIMIT 2000")).len(), 2000);
    assert_eq!(
        s.query_error(&t, &format!("{q} LIMIT 2001")).1,
        "MALFORMED_QUERY"
    );
    // --aggregate-overflow truncate: the first 2,000 rows, still done.
    let s = spawn(Config {
        scale: 2.5,
        aggregate_overflow: sf_emulator::config::AggregateOverflow::Truncate,
        ..Config::default()
    });
    let t = s.token();
    let rows = s.aggregate(&t, q);
    assert_eq!(rows.len(), 2000);
    assert!(rows.iter().all(|r| r["expr0"] == 1));
    // --aggregate-timeout-rows: aggregates (and COUNT()) over more rows time out.
    let s = spawn(Config {
        aggregate_timeout_rows: 500,
        ..Config::default()
    });
    let t = s.token();
    for q in [
        "SELECT COUNT(Id) FROM Opportunity",
        "SELECT COUNT() FROM Opportunity",
        "SELECT StageName, SUM(Amount) FROM Opportunity GROUP BY StageName",
    ] {
        assert_eq!(
            s.query_error(&t, q),
            (
                400,
                "QUERY_TIMEOUT".into(),
                "Your query request was running for too long.".into()
            ),
            "{q}"
        );
    }
    let few = "SELECT StageName, COUNT(Id) FROM Opportunity WHERE StageName = 'Closed Won' GROUP BY StageName";
    assert_eq!(s.aggregate(&t, few).len(), 1);
    assert_eq!(
        records(&s.query(&t, "query", "SELECT Id FROM Opportunity", &[])).len(),
        1000
    );
}

// ---------------------------------------------------------------------------------------
// Bandwidth and abandoned requests

const RATE: u64 = 200_000;
/// Every Opportunity (1000 at scale 1) in one REST page: about 270 KB, 1.4 s at RATE.
const BIG_PAGE: &str =
    "SELECT Id, Name, Amount, StageName, CloseDate, Description FROM Opportunity";

fn stats(s: &Server) -> Value {
    s.call("GET", "/__emulator/stats", &[], "").json()
}

fn stat(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in stats: {v}"))
}

/// Polls the stats for up to 1 s until `ok` holds; the last stats either way.
fn stats_within_1s(s: &Server, ok: impl Fn(&Value) -> bool) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let v = stats(s);
        if ok(&v) || std::time::Instant::now() > until {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The seconds `bytes` take at RATE.
fn at_rate(bytes: usize) -> f64 {
    bytes as f64 / RATE as f64
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = std::time::Instant::now();
    let v = f();
    (v, start.elapsed().as_secs_f64())
}

/// Sends a GET on a raw socket and returns it without reading anything.
fn send_get(port: u16, path: &str, token: &str) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s
}

fn query_path(soql: &str) -> String {
    format!("/services/data/v62.0/query?q={}", enc(soql))
}

/// Reads `sock` until the head and at least one body byte arrived; (head end, bytes read).
fn read_head_and_some_body(sock: &mut TcpStream) -> (usize, Vec<u8>) {
    let mut raw = vec![];
    let mut buf = [0u8; 4096];
    loop {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "EOF before the body");
        raw.extend_from_slice(&buf[..n]);
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            if raw.len() > p + 4 {
                return (p + 4, raw);
            }
        }
    }
}

#[test]
fn bandwidth_paces_each_response_body() {
    let s = spawn(Config::default());
    let t = s.token();
    // Unlimited (0): fast.
    let (plain, fast) = timed(|| s.query(&t, "query", BIG_PAGE, &[]));
    assert_eq!(plain.status, 200);
    let size = plain.body.len();
    assert!(size > 200_000, "{size}");
    assert!(fast < 0.5 * at_rate(size), "{fast} s unlimited");
    // Runtime setting, shown by GET /__emulator/faults.
    let f = faults(
        &s,
        "PUT",
        "",
        &format!(r#"{{"bandwidth_bytes_per_sec":{RATE}}}"#),
    );
    assert_eq!(f["bandwidth_bytes_per_sec"], RATE);
    let (paced, took) = timed(|| s.query(&t, "query", BIG_PAGE, &[]));
    assert_eq!(paced.status, 200);
    assert_eq!(paced.body, plain.body, "same answer, only slower");
    assert_eq!(
        paced.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert!(took >= 0.8 * at_rate(size), "{took} s for {size} bytes");
    // A stream, not one sleep: the head and the first body bytes come at once (wide margin),
    // half the body takes about half the time.
    let start = std::time::Instant::now();
    let mut sock = send_get(s.port, &query_path(BIG_PAGE), &t);
    let (head_end, mut raw) = read_head_and_some_body(&mut sock);
    let first = start.elapsed().as_secs_f64();
    assert!(
        first < 0.5 * at_rate(size),
        "first body bytes after {first} s"
    );
    let mut buf = [0u8; 8192];
    while raw.len() - head_end < size / 2 {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0);
        raw.extend_from_slice(&buf[..n]);
    }
    let half = start.elapsed().as_secs_f64();
    assert!(
        half >= 0.8 * at_rate(size / 2),
        "half the body after {half} s"
    );
    sock.read_to_end(&mut raw).unwrap();
    assert_eq!(&raw[head_end..], &plain.body[..]);
    // Two concurrent downloads each get the full rate (per connection, as separate links):
    // each takes about size / RATE, not twice that. Lower bounds, and one generous upper
    // bound on the slower of the two (a shared limit would need 2 x size / RATE).
    let port = s.port;
    let start = std::time::Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let t = t.clone();
            std::thread::spawn(move || timed(|| Server { port }.query(&t, "query", BIG_PAGE, &[])))
        })
        .collect();
    for th in threads {
        let (r, took) = th.join().unwrap();
        assert_eq!(r.body.len(), size);
        assert!(took >= 0.8 * at_rate(size), "{took} s concurrent");
    }
    let both = start.elapsed().as_secs_f64();
    assert!(
        both < 1.75 * at_rate(size),
        "two concurrent downloads took {both} s"
    );
    // Test endpoints are never paced.
    let (dump, quick) = timed(|| s.call("GET", "/__emulator/dump/Opportunity", &[], ""));
    assert!(dump.body.len() > size);
    assert!(
        quick < 0.5 * at_rate(dump.body.len()),
        "{quick} s for a dump"
    );
    // Bulk results pages, counted on the bytes sent: gzipped they are smaller, so faster.
    let job = create_job(&s, &t, BIG_PAGE).json();
    let id = job["id"].as_str().unwrap().to_string();
    wait_complete(&s, &t, &id);
    let results = format!("/services/data/v62.0/jobs/query/{id}/results");
    let (csv, csv_took) = timed(|| s.get(&t, &results, &[]));
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("Sforce-NumberOfRecords"), Some("1000"));
    assert!(csv.body.len() > 50_000, "{}", csv.body.len());
    assert!(
        csv_took >= 0.8 * at_rate(csv.body.len()),
        "{csv_took} s CSV"
    );
    let (gz, gz_took) = timed(|| s.get(&t, &results, &[("Accept-Encoding", "gzip")]));
    assert_eq!(gz.header("Content-Encoding"), Some("gzip"));
    assert!(gz.body.len() * 2 < csv.body.len());
    assert!(
        gz_took >= 0.8 * at_rate(gz.body.len()),
        "{gz_took} s gzip, {} bytes",
        gz.body.len()
    );
    assert!(gz_took < csv_took, "gzip {gz_took} s, plain {csv_took} s");
    let mut unzipped = vec![];
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, csv.body);
    // Back to unlimited.
    faults(&s, "DELETE", "", "");
    let (_, fast) = timed(|| s.query(&t, "query", BIG_PAGE, &[]));
    assert!(fast < 0.5 * at_rate(size), "{fast} s after reset");
}

#[test]
fn bandwidth_flag() {
    let s = spawn(Config {
        bandwidth_bytes_per_sec: RATE,
        ..Config::default()
    });
    assert_eq!(
        s.call("GET", "/__emulator/faults", &[], "").json()["bandwidth_bytes_per_sec"],
        RATE
    );
    let t = s.token();
    let (d, took) = timed(|| {
        s.get(
            &t,
            "/services/data/v62.0/sobjects/Opportunity/describe",
            &[],
        )
    });
    assert_eq!(d.status, 200);
    assert!(d.body.len() > 20_000, "{}", d.body.len());
    assert!(took >= 0.8 * at_rate(d.body.len()), "{took} s describe");
}

#[test]
fn abandoned_requests_are_counted() {
    let s = spawn(Config::default());
    let t = s.token();
    let base = stats(&s);
    assert_eq!(stat(&base, "requestsInFlight"), 0);
    assert_eq!(stat(&base, "requestsAbandoned"), 0);
    faults(&s, "PUT", "", r#"{"latency_ms":3000}"#);
    // The client gives up during the latency sleep.
    let sock = send_get(s.port, &query_path("SELECT Id FROM Account"), &t);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(stat(&stats(&s), "requestsInFlight"), 1);
    drop(sock);
    let after = stats_within_1s(&s, |v| {
        stat(v, "requestsAbandoned") == 1 && stat(v, "requestsInFlight") == 0
    });
    assert_eq!(stat(&after, "requestsAbandoned"), 1, "{after}");
    assert_eq!(stat(&after, "requestsInFlight"), 0, "{after}");
    // A request answered in full is not abandoned, latency or not.
    faults(&s, "PUT", "", r#"{"latency_ms":100}"#);
    let r = s.query(&t, "query", "SELECT Id FROM Account", &[]);
    assert_eq!(r.status, 200);
    faults(&s, "DELETE", "", "");
    // The token endpoint is counted too (answered: not abandoned).
    assert_eq!(s.token().len(), t.len());
    // Nor is a connection the server closed itself (dropped-connection faults).
    faults(&s, "POST", "/after", r#"{"status":0}"#);
    assert!(raw_gets_nothing(s.port, "/services/data/v62.0/limits", &t));
    faults(&s, "POST", "/after", r#"{"status":0,"kind":"lost_answer"}"#);
    assert!(raw_gets_nothing(s.port, "/services/data/v62.0/limits", &t));
    let end = stats_within_1s(&s, |v| stat(v, "requestsInFlight") == 0);
    assert_eq!(stat(&end, "requestsAbandoned"), 1, "{end}");
    assert_eq!(stat(&end, "requestsInFlight"), 0, "{end}");
}

#[test]
fn abandoned_paced_body_is_counted() {
    let s = spawn(Config::default());
    let t = s.token();
    faults(
        &s,
        "PUT",
        "",
        &format!(r#"{{"bandwidth_bytes_per_sec":{RATE}}}"#),
    );
    // Closed mid-body: the page (about 1.4 s at RATE) is still being sent.
    let mut sock = send_get(s.port, &query_path(BIG_PAGE), &t);
    let (head_end, raw) = read_head_and_some_body(&mut sock);
    let head = String::from_utf8_lossy(&raw[..head_end]).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let during = stats(&s);
    assert_eq!(stat(&during, "requestsInFlight"), 1, "{during}");
    assert_eq!(stat(&during, "requestsAbandoned"), 0, "{during}");
    drop(sock);
    let after = stats_within_1s(&s, |v| {
        stat(v, "requestsAbandoned") == 1 && stat(v, "requestsInFlight") == 0
    });
    assert_eq!(stat(&after, "requestsAbandoned"), 1, "{after}");
    assert_eq!(stat(&after, "requestsInFlight"), 0, "{after}");
    // The same page read to the end is not abandoned.
    assert_eq!(s.query(&t, "query", BIG_PAGE, &[]).status, 200);
    let end = stats(&s);
    assert_eq!(stat(&end, "requestsAbandoned"), 1, "{end}");
    assert_eq!(stat(&end, "requestsInFlight"), 0, "{end}");
}

/// A GET on a kept-alive connection, read until the server closes it (at most 10 s): the
/// head, the `Content-Length` it announced, and the body bytes that came.
fn read_until_closed(port: u16, path: &str, token: &str, extra: &str) -> (String, usize, Vec<u8>) {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n{extra}\r\n"
    );
    sock.write_all(req.as_bytes()).unwrap();
    let mut raw = vec![];
    sock.read_to_end(&mut raw)
        .expect("the server closes the connection");
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap();
    (head, length, raw[end..].to_vec())
}

#[test]
fn results_bodies_break_off_after_n_bytes() {
    let s = spawn(Config {
        bulk_page_records: 400,
        ..Config::default()
    });
    let t = s.token();
    let job = create_job(&s, &t, BIG_PAGE).json();
    let id = job["id"].as_str().unwrap().to_string();
    wait_complete(&s, &t, &id);
    let page = |locator: &str| format!("/services/data/v62.0/jobs/query/{id}/results{locator}");
    let whole = s.get(&t, &page("?locator=NDAw"), &[]);
    assert_eq!(whole.status, 200);
    assert!(whole.body.len() > 20_000, "{}", whole.body.len());
    let gz_whole = s.get(&t, &page(""), &[("Accept-Encoding", "gzip")]);
    assert!(gz_whole.body.len() > 5_000, "{}", gz_whole.body.len());
    let f = faults(
        &s,
        "PUT",
        "",
        r#"{"drop_results_body_after_bytes":5000,"drop_results_body_count":2}"#,
    );
    assert_eq!(f["drop_results_body_after_bytes"], 5000);
    assert_eq!(f["drop_results_body_left"], 2);
    let before = stats(&s);
    // Status, headers and the first 5,000 bytes of the page, then the connection closes (the
    // client asked to keep it alive): a truncated body, not a refused connection.
    let (head, length, body) = read_until_closed(s.port, &page("?locator=NDAw"), &t, "");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("sforce-locator: odaw"), "{head}");
    assert_eq!(length, whole.body.len(), "the whole length is announced");
    assert_eq!(body, whole.body[..5000], "the page's first 5,000 bytes");
    // Gzipped: cut in the compressed stream, which then does not decompress to its end.
    let (head, length, body) =
        read_until_closed(s.port, &page(""), &t, "Accept-Encoding: gzip\r\n");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert_eq!(length, gz_whole.body.len());
    assert_eq!(body, gz_whole.body[..5000]);
    let mut unzipped = vec![];
    let err = flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut unzipped)
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    assert!(!unzipped.is_empty(), "part of the CSV came");
    // Counted, in the stats and the request log; the server closed those connections itself:
    // nothing in flight, nothing abandoned.
    let after = stats_within_1s(&s, |v| stat(v, "requestsInFlight") == 0);
    assert_eq!(after["faults"]["results_body_drop"], 2, "{after}");
    assert_eq!(stat(&after, "requestsInFlight"), 0, "{after}");
    assert_eq!(
        stat(&after, "requestsAbandoned"),
        stat(&before, "requestsAbandoned")
    );
    let log = s.call("GET", "/__emulator/requests", &[], "").json();
    let cut: Vec<(Value, Value)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("body_cut_after").is_some())
        .map(|e| (e["locator"].clone(), e["body_cut_after"].clone()))
        .collect();
    assert_eq!(
        cut,
        [
            (Value::from("NDAw"), Value::from(5000)),
            (Value::Null, Value::from(5000))
        ]
    );
    // Spent: the same page comes whole again, and so does everything else.
    assert_eq!(s.get(&t, &page("?locator=NDAw"), &[]).body, whole.body);
    let last = s.get(&t, &page("?locator=ODAw"), &[]);
    assert_eq!(last.header("Sforce-NumberOfRecords"), Some("200"));
    // Without a count every results body breaks off, and only those: a REST page, as long,
    // comes whole.
    faults(&s, "PUT", "", r#"{"drop_results_body_after_bytes":5000}"#);
    for _ in 0..3 {
        let (_, _, body) = read_until_closed(s.port, &page("?locator=NDAw"), &t, "");
        assert_eq!(body.len(), 5000);
    }
    let rest = s.query(&t, "query", BIG_PAGE, &[]);
    assert_eq!(rest.status, 200);
    assert!(rest.body.len() > 5000);
    assert!(rest.json()["records"].as_array().unwrap().len() > 100);
    // A page no longer than the cut comes whole and is not counted (the last page, from
    // record 800 on: 200 records).
    faults(
        &s,
        "PUT",
        "",
        &format!(r#"{{"drop_results_body_after_bytes":{}}}"#, last.body.len()),
    );
    assert_eq!(s.get(&t, &page("?locator=ODAw"), &[]).body, last.body);
    assert_eq!(stats(&s)["faults"]["results_body_drop"], 5);
    faults(&s, "DELETE", "", "");
}
