//! Bulk API 2.0 query jobs (SALESFORCE.md section 8): create a job, poll it with backoff until
//! JobComplete, read the CSV results page by page through `Sforce-Locator` (the literal `null`
//! ends them), delete the job. Pages are bounded (`maxRecords`), so memory stays flat.

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::client::{pause, SalesforceClient};
use crate::error::{SfError, SfResult};

/// Rows per results page: large enough for few requests, small enough for flat memory.
const MAX_RECORDS_PER_PAGE: u32 = 10_000;

/// A running or finished query job.
pub struct BulkJob {
    pub id: String,
    object: String,
    /// The locator of the next page; None before the first page, Some("null") after the last.
    locator: Option<String>,
    done: bool,
}

impl BulkJob {
    /// Creates the job and waits until Salesforce has its results.
    pub fn start(
        client: &mut SalesforceClient,
        soql: &str,
        all_rows: bool,
        object: &str,
    ) -> SfResult<BulkJob> {
        let path = client.data_path("jobs/query");
        let body = json!({
            "operation": if all_rows { "queryAll" } else { "query" },
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        });
        let answer = client.request(Method::POST, &path, &[], &[], Some(&body))?;
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
        job.wait(client)?;
        Ok(job)
    }

    /// Polls the job with backoff (100 ms doubling to 5 s) until it completes; a cancel
    /// interrupts the wait.
    fn wait(&self, client: &mut SalesforceClient) -> SfResult<()> {
        let path = client.data_path(&format!("jobs/query/{}", self.id));
        let mut delay = Duration::from_millis(100);
        loop {
            let info = client.get_json(&path, &[], &[])?;
            match info["state"].as_str().unwrap_or("") {
                "JobComplete" => return Ok(()),
                "Failed" | "Aborted" => {
                    return Err(SfError::Api {
                        status: 400,
                        code: "BULK_JOB_FAILED".into(),
                        message: format!(
                            "Bulk API query job {} ended {}: {}",
                            self.id,
                            info["state"].as_str().unwrap_or(""),
                            info["errorMessage"].as_str().unwrap_or("no message")
                        ),
                        object: Some(self.object.clone()),
                    })
                }
                _ => {}
            }
            pause(delay, true);
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// The next page of records, as JSON objects keyed by the CSV header (the requested field
    /// names and paths); empty values are NULL (Salesforce stores no empty strings). None when
    /// the last page has been read.
    pub fn next_page(
        &mut self,
        client: &mut SalesforceClient,
    ) -> SfResult<Option<VecDeque<Value>>> {
        if self.done {
            return Ok(None);
        }
        let path = client.data_path(&format!("jobs/query/{}/results", self.id));
        let max_records = MAX_RECORDS_PER_PAGE.to_string();
        let mut params = vec![("maxRecords", max_records.as_str())];
        if let Some(locator) = &self.locator {
            params.push(("locator", locator.as_str()));
        }
        let answer = client.request(Method::GET, &path, &params, &[], None)?;
        let next = answer
            .header("Sforce-Locator")
            .unwrap_or("null")
            .to_string();
        let records = parse_csv(&answer.body).map_err(|reason| SfError::Protocol {
            url: answer.url.clone(),
            reason,
        })?;
        self.done = next == "null" || next.is_empty();
        self.locator = Some(next);
        Ok(Some(records))
    }

    /// Deletes the job (its results stay on Salesforce for 7 days otherwise).
    pub fn delete(&self, client: &mut SalesforceClient) {
        let path = client.data_path(&format!("jobs/query/{}", self.id));
        let _ = client.request(Method::DELETE, &path, &[], &[], None);
    }
}

/// CSV with a header row -> one JSON object per record.
pub fn parse_csv(body: &[u8]) -> Result<VecDeque<Value>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("invalid CSV header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut records = VecDeque::new();
    for row in reader.records() {
        let row = row.map_err(|e| format!("invalid CSV: {e}"))?;
        let mut object = Map::with_capacity(header.len());
        for (name, value) in header.iter().zip(row.iter()) {
            let value = if value.is_empty() {
                Value::Null
            } else {
                Value::String(value.to_string())
            };
            object.insert(name.clone(), value);
        }
        records.push_back(Value::Object(object));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_pages_become_records_with_nulls() {
        let body = b"\"Id\",\"Name\",\"Amount\",\"Owner.Name\"\n\"006A\",\"Acme \"\"Big\"\" Deal\",\"12.50\",\n\"006B\",,\"3\",\"Ada\"\n";
        let records = parse_csv(body).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0]["Name"], json!("Acme \"Big\" Deal"));
        assert_eq!(records[0]["Owner.Name"], Value::Null);
        assert_eq!(records[1]["Name"], Value::Null);
        assert_eq!(records[1]["Amount"], json!("3"));
    }

    #[test]
    fn embedded_newlines_and_commas_survive() {
        let body = b"\"Id\",\"Description\"\n\"1\",\"line one\nline, two\"\n";
        let records = parse_csv(body).unwrap();
        assert_eq!(records[0]["Description"], json!("line one\nline, two"));
    }
}
