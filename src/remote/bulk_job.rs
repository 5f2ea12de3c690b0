//! Bulk API 2.0 query jobs (SALESFORCE.md section 8): create a job, poll it with backoff until
//! JobComplete, read the CSV results page by page through `Sforce-Locator` (the literal `null`
//! ends them), delete the job. Pages are bounded (`maxRecords`), so memory stays flat.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::error::{SfError, SfResult};
use crate::remote::client::{SalesforceClient, StreamAnswer};
use crate::remote::records::{Page, RowShape};

/// Rows per results page: large enough that a latency of a few hundred ms per request is
/// hidden behind the work on the previous page, small enough for flat memory (the scan holds
/// at most three pages: consumed, queued, downloading).
const MAX_RECORDS_PER_PAGE: u32 = 25_000;

/// One results page as downloaded.
pub struct CsvPage {
    pub url: String,
    pub body: bytes::Bytes,
}

impl CsvPage {
    /// The page's records as rows of `shape`.
    pub fn parse(&self, shape: &RowShape) -> SfResult<Page> {
        shape
            .csv_page(&self.body)
            .map_err(|reason| SfError::Protocol {
                url: self.url.clone(),
                reason,
            })
    }
}

/// Creates a job. A creation whose outcome is unknown (a server error, a connection lost
/// after the request went out) may have made a job nobody would read or delete: before trying
/// again, jobs of this Salesforce user on this object that are still waiting and were created
/// since the first attempt are deleted (another scan of the same user and object starting in
/// the same moment would lose its job too, and fail or fall back to REST).
fn create_once(
    client: &mut SalesforceClient,
    path: &str,
    body: &Value,
    object: &str,
) -> SfResult<crate::remote::client::Answer> {
    let since = chrono::Utc::now() - chrono::Duration::minutes(5);
    let mut attempt = 0;
    loop {
        match client.request_once(Method::POST, path, &[], Some(body)) {
            Ok(answer) => return Ok(answer),
            Err(e) if attempt < client.max_retries() && outcome_unknown(&e) => {
                attempt += 1;
                delete_lost_jobs(client, object, since)?;
                std::thread::sleep(Duration::from_millis(200 << attempt.min(5)));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A failure after which the request may or may not have been carried out.
fn outcome_unknown(error: &SfError) -> bool {
    match error {
        SfError::Unreachable { .. } => true,
        SfError::Api { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Deletes waiting jobs on `object` created by this session's user since `since`.
fn delete_lost_jobs(
    client: &mut SalesforceClient,
    object: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> SfResult<()> {
    let Some(user) = client.user_id()? else {
        // Without knowing whose jobs they are, none is touched.
        return Ok(());
    };
    let mut path = client.data_path("jobs/query")?;
    for _page in 0..10 {
        let listed = client.get_json(&path, &[], &[])?;
        for job in listed["records"].as_array().into_iter().flatten() {
            // `2024-04-25T15:50:37.000+0000`
            let created = job["createdDate"]
                .as_str()
                .and_then(|d| chrono::DateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
                .map(|at| at.timestamp_micros());
            let lost = job["object"]
                .as_str()
                .is_some_and(|o| o.eq_ignore_ascii_case(object))
                && job["createdById"].as_str() == Some(user.as_str())
                && matches!(job["state"].as_str(), Some("UploadComplete" | "InProgress"))
                && created.is_some_and(|c| c >= since.timestamp_micros());
            if let (true, Some(id)) = (lost, job["id"].as_str()) {
                let job_path = client.data_path(&format!("jobs/query/{id}"))?;
                let _ = client.request(Method::DELETE, &job_path, &[], &[], None);
            }
        }
        match listed["nextRecordsUrl"].as_str() {
            Some(next) if !next.is_empty() && listed["done"] != Value::Bool(true) => {
                path = next.to_string()
            }
            _ => break,
        }
    }
    Ok(())
}

/// A running or finished query job.
pub struct BulkJob {
    pub id: String,
    object: String,
    /// The locator of the next page; None before the first page, Some("null") after the last.
    locator: Option<String>,
    done: bool,
}

impl BulkJob {
    /// Creates the job and waits until Salesforce has its results, or until `stopped` is set
    /// (then the job is returned unfinished, for deletion).
    pub fn start(
        client: &mut SalesforceClient,
        soql: &str,
        all_rows: bool,
        object: &str,
        timeout: Duration,
        stopped: &AtomicBool,
    ) -> SfResult<BulkJob> {
        let path = client.data_path("jobs/query")?;
        let body = json!({
            "operation": if all_rows { "queryAll" } else { "query" },
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        });
        let answer = create_once(client, &path, &body, object)?;
        let info: Value = serde_json::from_slice(&answer.body).map_err(|e| SfError::Protocol {
            url: answer.url.clone(),
            reason: format!("invalid job info: {e}"),
        })?;
        let id = info["id"]
            .as_str()
            .ok_or_else(|| SfError::Protocol {
                url: answer.url.clone(),
                reason: "the job info has no id".into(),
            })?
            .to_string();
        let job = BulkJob {
            id,
            object: object.to_string(),
            locator: None,
            done: false,
        };
        if let Err(e) = job.wait(client, timeout, stopped) {
            job.delete(client);
            return Err(e);
        }
        Ok(job)
    }

    /// Polls the job with backoff (100 ms growing by half to 5 s: a short job is not waited
    /// for long, a long one costs few API calls) until it completes, `stopped`, or `timeout`
    /// has passed (a job can wait in the org's queue for long: SALESFORCE.md 12.7).
    fn wait(
        &self,
        client: &mut SalesforceClient,
        timeout: Duration,
        stopped: &AtomicBool,
    ) -> SfResult<()> {
        let path = client.data_path(&format!("jobs/query/{}", self.id))?;
        let mut delay = Duration::from_millis(100);
        let give_up_at = Instant::now() + timeout;
        while !stopped.load(Ordering::Relaxed) {
            if Instant::now() >= give_up_at {
                return Err(SfError::Api {
                    status: 408,
                    code: "BULK_JOB_TIMEOUT".into(),
                    message: format!(
                        "the Bulk API query job did not complete within {} ms (the server's bulk_timeout_ms)",
                        timeout.as_millis()
                    ),
                    object: Some(self.object.clone()),
                });
            }
            let info = client.get_json(&path, &[], &[])?;
            match info["state"].as_str().unwrap_or("") {
                "JobComplete" => return Ok(()),
                "Failed" | "Aborted" => {
                    return Err(SfError::Api {
                        status: 400,
                        code: "BULK_JOB_FAILED".into(),
                        message: format!(
                            "the Bulk API query job ended {}: {}",
                            info["state"].as_str().unwrap_or(""),
                            info["errorMessage"].as_str().unwrap_or("no message")
                        ),
                        object: Some(self.object.clone()),
                    })
                }
                _ => {}
            }
            let deadline = (Instant::now() + delay).min(give_up_at);
            while Instant::now() < deadline && !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            delay = (delay * 3 / 2).min(Duration::from_secs(5));
        }
        Ok(())
    }

    /// The URLs of every results page, from `GET .../resultPages` (v58.0+: five a call, and
    /// `nextRecordsUrl` to the next five), for parallel downloads; None where the resource is
    /// absent (an older API version: the pages are then read one after another by locator).
    pub fn result_urls(&self, client: &mut SalesforceClient) -> SfResult<Option<Vec<String>>> {
        let mut path = client.data_path(&format!("jobs/query/{}/resultPages", self.id))?;
        let mut urls = Vec::new();
        loop {
            let listed = match client.get_json(&path, &[], &[]) {
                Ok(listed) => listed,
                Err(SfError::Api { status: 404, .. }) if urls.is_empty() => return Ok(None),
                Err(e) => return Err(e),
            };
            for page in listed["resultPages"].as_array().into_iter().flatten() {
                if let Some(url) = page["resultUrl"].as_str() {
                    urls.push(url.to_string());
                }
            }
            // The documentation spells it both ways.
            let next = listed["nextRecordsUrl"]
                .as_str()
                .or_else(|| listed["nextRecordUrl"].as_str())
                .filter(|n| !n.is_empty());
            match next {
                Some(next) if listed["done"] != Value::Bool(true) => path = next.to_string(),
                _ => return Ok(Some(urls)),
            }
        }
    }

    /// One results page by the URL `result_urls` gave, its body still arriving.
    pub fn open_page(client: &mut SalesforceClient, url: &str) -> SfResult<StreamAnswer> {
        client.open_stream(url, &[("Accept", "text/csv".to_string())])
    }

    /// The next results page, as CSV text (`RowShape::csv_page` reads it), with its URL for
    /// error messages. None when the last page has been read.
    pub fn next_page(&mut self, client: &mut SalesforceClient) -> SfResult<Option<CsvPage>> {
        if self.done {
            return Ok(None);
        }
        let path = client.data_path(&format!("jobs/query/{}/results", self.id))?;
        let max_records = MAX_RECORDS_PER_PAGE.to_string();
        let mut params = vec![("maxRecords", max_records.as_str())];
        if let Some(locator) = &self.locator {
            params.push(("locator", locator.as_str()));
        }
        // Results are CSV: an org that checks Accept refuses application/json (SALESFORCE.md 12.6).
        let accept = [("Accept", "text/csv".to_string())];
        let answer = client.request(Method::GET, &path, &params, &accept, None)?;
        let next = answer
            .header("Sforce-Locator")
            .unwrap_or("null")
            .to_string();
        self.done = next == "null" || next.is_empty();
        self.locator = Some(next);
        Ok(Some(CsvPage {
            url: answer.url,
            body: answer.body,
        }))
    }

    /// Deletes the job (its results stay on Salesforce for 7 days otherwise).
    pub fn delete(&self, client: &mut SalesforceClient) {
        let Ok(path) = client.data_path(&format!("jobs/query/{}", self.id)) else {
            return;
        };
        let _ = client.request(Method::DELETE, &path, &[], &[], None);
    }
}
