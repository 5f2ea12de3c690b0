//! HTTP-level tests: the server runs in-process on port 0; a raw HTTP/1.1 client talks to it.

use serde_json::Value;
use sf_emulator::config::Config;
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
