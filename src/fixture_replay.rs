//! Replay of real Salesforce responses (issue 10 item 4): bodies recorded from real orgs by
//! other projects (see SOURCES.md of the fixture directory) go through the FDW's own decoders,
//! and the decoded values are asserted exactly. The recordings are read at test time from
//! `$SF_FIXTURES` or `<crate>/../shared/fixtures/salesforce`; when neither exists, every test
//! says so on stderr and returns.

use std::path::{Path, PathBuf};

use pgrx::PgSqlErrorCode;
use serde_json::Value;

use crate::error::SfError;
use crate::import::{columns, pg_type, ImportColumn, ImportOptions};
use crate::pg::datum::{parse_date_days, parse_datetime_micros, parse_integer, parse_time_micros};
use crate::remote::auth::token_answer;
use crate::remote::client::parse_api_error;
use crate::remote::governor;
use crate::remote::records::{Field, Page, RestPage, RowShape};

fn fixtures_dir() -> PathBuf {
    match std::env::var_os("SF_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/salesforce"
        )),
    }
}

/// The fixture directory, or None after saying (visibly with --nocapture) that `test` skips.
fn fixtures(test: &str) -> Option<PathBuf> {
    let dir = fixtures_dir();
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("{test}: fixtures not found at {}: skipping", dir.display());
        None
    }
}

/// A fixture's text; the directory exists, so a missing file is a failure.
fn text(dir: &Path, relative: &str) -> String {
    let path = dir.join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(dir: &Path, relative: &str) -> Value {
    serde_json::from_str(&text(dir, relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Part `index` of a recorded composite response: (HTTP status, body as Salesforce sent it).
fn composite_part(dir: &Path, relative: &str, index: usize) -> (u16, Vec<u8>) {
    let composite = json(dir, relative);
    let part = &composite["compositeResponse"][index];
    let status = part["httpStatusCode"].as_u64().unwrap() as u16;
    (status, serde_json::to_vec(&part["body"]).unwrap())
}

/// The SOQL a recording answered, from cumulusci/INDEX.tsv (its `q` parameter, decoded).
fn recorded_soql(dir: &Path, file: &str) -> String {
    let index = text(dir, "cumulusci/INDEX.tsv");
    let uri = index
        .lines()
        .find_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns[0] == file).then(|| columns[2].to_string())
        })
        .unwrap_or_else(|| panic!("{file} is not in INDEX.tsv"));
    let query = uri.split_once("?q=").unwrap().1;
    let bytes = query.as_bytes();
    let mut decoded = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).unwrap();
                decoded.push(u8::from_str_radix(hex, 16).unwrap());
                at += 2;
            }
            other => decoded.push(other),
        }
        at += 1;
    }
    String::from_utf8(decoded).unwrap()
}

/// The field list of a plain `SELECT a, b FROM X ...`.
fn select_list(soql: &str) -> Vec<String> {
    let rest = soql.strip_prefix("SELECT ").unwrap();
    let (list, _) = rest.split_once(" FROM ").unwrap();
    list.split(", ").map(str::to_string).collect()
}

fn rest(shape: &RowShape, body: &[u8]) -> RestPage {
    shape.rest_page(body).unwrap()
}

fn row<'a>(page: &'a Page, record: usize, width: usize) -> Vec<Field<'a>> {
    (0..width)
        .map(|column| page.field(record, column))
        .collect()
}

fn snake() -> ImportOptions {
    ImportOptions::default()
}

fn column<'a>(columns: &'a [ImportColumn], name: &str) -> &'a ImportColumn {
    columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// (name, type, field) of a column, for one-line comparisons.
fn described<'a>(columns: &'a [ImportColumn], name: &str) -> (&'a str, &'a str, &'a str) {
    let c = column(columns, name);
    (c.name.as_str(), c.pg_type.as_str(), c.field.as_str())
}

#[test]
fn typeof_event_with_a_null_what_reads_null_through_it() {
    let Some(dir) = fixtures("typeof_event_with_a_null_what_reads_null_through_it") else {
        return;
    };
    let file = "cumulusci/TestSelect.test_select_similarity_select_and_insert_strategy__10.json";
    assert!(
        recorded_soql(&dir, file.strip_prefix("cumulusci/").unwrap())
            .starts_with("SELECT Id, TYPEOF Who WHEN Contact THEN LastName, Email")
    );
    let shape = RowShape::new([
        "Id",
        "Who.LastName",
        "Who.Email",
        "What",
        "What.Name",
        "What.Description",
        "What.Phone",
        "What.AccountNumber",
        "What.Type",
        "Subject",
        "DurationInMinutes",
        "ActivityDateTime",
    ]);
    let body = text(&dir, file);
    let answer = rest(&shape, body.as_bytes());
    assert_eq!(answer.total_size, 3);
    assert!(answer.done);
    assert_eq!(answer.next_records_url, None);
    let page = Page::Rest(answer.records);
    assert_eq!(page.len(), 3);

    // What is null: every path through it is NULL, the rest of the record decodes.
    assert_eq!(
        row(&page, 0, 12),
        [
            Field::Text("00U9H000000RzvRUAS"),
            Field::Text("Contact"),
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Null,
            Field::Text("Test Event 2"),
            Field::Text("60"),
            Field::Text("2024-11-07T07:00:00.000+0000"),
        ]
    );
    let account: Value = serde_json::from_str(&body).unwrap();
    let account = &account["records"][1]["What"];
    assert_eq!(
        row(&page, 1, 12),
        [
            Field::Text("00U9H000000RzvSUAS"),
            Field::Text("Contact"),
            Field::Null,
            Field::Json(account),
            Field::Text("Tom Cruise"),
            Field::Text("Some Description"),
            Field::Text("123456"),
            Field::Text("123"),
            // A TYPEOF answer names the type only in `attributes`; the FDW selects What.Type
            // itself, so this column is filled from a `Type` key, absent here.
            Field::Null,
            Field::Text("Test Event 1"),
            Field::Text("60"),
            Field::Text("2024-11-07T07:00:00.000+0000"),
        ]
    );
    assert_eq!(page.field(2, 0), Field::Text("00U9H000000RzvTUAS"));
    assert_eq!(page.field(2, 4), Field::Text("Tom Cruise"));
    assert_eq!(page.field(2, 9), Field::Text("Test Event 3"));
    assert_eq!(
        page.field(2, 11),
        Field::Text("3156-11-12T13:00:00.000+0000")
    );

    // The values as the column types take them.
    assert_eq!(parse_integer(page.field(0, 10)), Ok(60));
    assert_eq!(
        parse_datetime_micros("2024-11-07T07:00:00.000+0000"),
        Ok(784_278_000_000_000)
    );
    // Year 3156 is a real value of this org, well inside timestamptz.
    assert_eq!(
        parse_datetime_micros("3156-11-12T13:00:00.000+0000"),
        Ok(36_507_157_200_000_000)
    );
}

#[test]
fn imported_event_columns_replay_the_typeof_answer() {
    let Some(dir) = fixtures("imported_event_columns_replay_the_typeof_answer") else {
        return;
    };
    let event = json(&dir, "cumulusci/GET_sobjects_Event_describe.json");
    let cols = columns(&event, &snake()).unwrap();
    let what_id = cols.iter().position(|c| c.name == "what_id").unwrap();
    assert_eq!(described(&cols, "what_id"), ("what_id", "text", "WhatId"));
    assert_eq!(
        described(&cols, "what_type"),
        ("what_type", "text", "What.Type")
    );
    assert_eq!(cols[what_id + 1].name, "what_type");
    assert_eq!(
        described(&cols, "duration_in_minutes"),
        ("duration_in_minutes", "integer", "DurationInMinutes")
    );
    assert_eq!(
        described(&cols, "activity_date_time"),
        ("activity_date_time", "timestamptz", "ActivityDateTime")
    );

    // The shape a scan of every imported column has, over the recorded answer.
    let shape = RowShape::new(cols.iter().map(|c| c.field.clone()));
    let body = text(
        &dir,
        "cumulusci/TestSelect.test_select_similarity_select_and_insert_strategy__10.json",
    );
    let page = Page::Rest(rest(&shape, body.as_bytes()).records);
    let at = |name: &str| cols.iter().position(|c| c.name == name).unwrap();
    assert_eq!(page.len(), 3);
    assert_eq!(page.field(0, at("id")), Field::Text("00U9H000000RzvRUAS"));
    assert_eq!(page.field(0, at("what_type")), Field::Null);
    assert_eq!(page.field(0, at("what_id")), Field::Null);
    assert_eq!(page.field(0, at("subject")), Field::Text("Test Event 2"));
    assert_eq!(page.field(2, at("subject")), Field::Text("Test Event 3"));
    assert_eq!(page.field(0, at("duration_in_minutes")), Field::Text("60"));
    assert_eq!(
        page.field(2, at("activity_date_time")),
        Field::Text("3156-11-12T13:00:00.000+0000")
    );
    // Fields the recorded query did not select are NULL, not errors.
    assert_eq!(page.field(0, at("location")), Field::Null);
}

#[test]
fn account_rows_with_forty_nulls_decode() {
    let Some(dir) = fixtures("account_rows_with_forty_nulls_decode") else {
        return;
    };
    let file = "TestDatasetsE2E.test_datasets_extract_standard_objects__02.json";
    let fields = select_list(&recorded_soql(&dir, file));
    assert_eq!(fields.len(), 43);
    let shape = RowShape::new(fields.clone());
    let answer = rest(&shape, text(&dir, &format!("cumulusci/{file}")).as_bytes());
    assert_eq!((answer.total_size, answer.done), (6, true));
    let page = Page::Rest(answer.records);
    assert_eq!(page.len(), 6);
    let at = |name: &str| fields.iter().position(|f| f == name).unwrap();
    let ids = [
        "001Da00000xnAiyIAE",
        "001Da00000xnAijIAE",
        "001Da00000xnAhlIAE",
        "001Da00000xnAioIAE",
        "001Da00000xnAitIAE",
        "001Da00000xnAj3IAE",
    ];
    let names = [
        "Account 4",
        "Account 0",
        "Account 2",
        "Account 1",
        "Account 3",
        "Account 5",
    ];
    for record in 0..6 {
        let values = row(&page, record, fields.len());
        for (column, value) in values.iter().enumerate() {
            let expected = match fields[column].as_str() {
                "Id" => Field::Text(ids[record]),
                "Name" => Field::Text(names[record]),
                "CleanStatus" => Field::Text("Pending"),
                _ => Field::Null,
            };
            assert_eq!(*value, expected, "record {record}, {}", fields[column]);
        }
        assert_eq!(values.iter().filter(|v| **v == Field::Null).count(), 40);
        assert_eq!(page.field(record, at("AnnualRevenue")), Field::Null);
    }

    // The recorded empty answers (no Contact, no Opportunity).
    for file in ["__05", "__07"] {
        let file =
            format!("cumulusci/TestDatasetsE2E.test_datasets_extract_standard_objects{file}.json");
        let answer = rest(&RowShape::new(["Id"]), text(&dir, &file).as_bytes());
        assert_eq!((answer.total_size, answer.done), (0, true), "{file}");
        assert!(Page::Rest(answer.records).is_empty());
    }
}

#[test]
fn recorded_queries_select_only_columns_import_creates() {
    let Some(dir) = fixtures("recorded_queries_select_only_columns_import_creates") else {
        return;
    };
    for (query, describe) in [
        ("__02", "Account"),
        ("__05", "Contact"),
        ("__07", "Opportunity"),
    ] {
        let soql = recorded_soql(
            &dir,
            &format!("TestDatasetsE2E.test_datasets_extract_standard_objects{query}.json"),
        );
        let describe = json(
            &dir,
            &format!("cumulusci/GET_sobjects_{describe}_describe.json"),
        );
        let cols = columns(&describe, &snake()).unwrap();
        for field in select_list(&soql) {
            assert!(
                cols.iter().any(|c| c.field == field),
                "{query}: {field} has no imported column"
            );
        }
    }
    let account = json(&dir, "cumulusci/GET_sobjects_Account_describe.json");
    let cols = columns(&account, &snake()).unwrap();
    assert_eq!(
        described(&cols, "annual_revenue"),
        ("annual_revenue", "numeric", "AnnualRevenue")
    );
    assert_eq!(
        described(&cols, "year_started"),
        ("year_started", "text", "YearStarted")
    );
    assert_eq!(
        described(&cols, "billing_geocode_accuracy"),
        ("billing_geocode_accuracy", "text", "BillingGeocodeAccuracy")
    );
}

#[test]
fn child_subquery_is_json_or_null_and_its_siblings_decode() {
    let Some(dir) = fixtures("child_subquery_is_json_or_null_and_its_siblings_decode") else {
        return;
    };
    let file = "TestUpsert.test_upsert__rest__07.json";
    assert_eq!(
        recorded_soql(&dir, file),
        "select FirstName,(select Name from Opportunities) from Contact"
    );
    let body = text(&dir, &format!("cumulusci/{file}"));
    let parsed: Value = serde_json::from_str(&body).unwrap();
    let shape = RowShape::new(["FirstName", "Opportunities", "Opportunities.totalSize"]);
    let answer = rest(&shape, body.as_bytes());
    assert_eq!((answer.total_size, answer.done), (17, true));
    let page = Page::Rest(answer.records);
    assert_eq!(page.len(), 17);
    let names: Vec<Field> = (0..17).map(|r| page.field(r, 0)).collect();
    let expected: Vec<Field> = [
        "Lindsay",
        "Audrey",
        "Micheal",
        "Chloe",
        "Rose",
        "Brent",
        "Julia",
        "Benjamin",
        "Christy",
        "Sabrina",
        "Nichael",
        "Javier",
        "George Oscar",
        "Kaitlyn",
        "Jerry",
        "Gabrielle",
        "Annyong",
    ]
    .into_iter()
    .map(Field::Text)
    .collect();
    assert_eq!(names, expected);
    for record in 0..17 {
        let nested = &parsed["records"][record]["Opportunities"];
        match record {
            // The nested query result comes whole, as a jsonb column would hold it.
            12 | 16 => {
                assert_eq!(page.field(record, 1), Field::Json(nested));
                assert_eq!(page.field(record, 2), Field::Text("1"));
            }
            _ => {
                assert_eq!(page.field(record, 1), Field::Null, "record {record}");
                assert_eq!(page.field(record, 2), Field::Null, "record {record}");
            }
        }
    }
    let Field::Json(nested) = page.field(12, 1) else {
        panic!("not json");
    };
    assert_eq!(nested["records"][0]["Name"], "Illusional Opportunity");
    let Field::Json(nested) = page.field(16, 1) else {
        panic!("not json");
    };
    assert_eq!(nested["records"][0]["Name"], "Espionage Opportunity");
    assert_eq!(nested["done"], true);
    // A subquery result is no integer, and says so.
    assert!(parse_integer(page.field(12, 1)).is_err());
}

#[test]
fn count_answer_has_a_total_and_no_records() {
    let Some(dir) = fixtures("count_answer_has_a_total_and_no_records") else {
        return;
    };
    let (status, body) = composite_part(
        &dir,
        "cumulusci/TestCountSObjects.test_count_sobjects__errors.json",
        0,
    );
    assert_eq!(status, 200);
    for shape in [RowShape::new(Vec::<String>::new()), RowShape::new(["Id"])] {
        let answer = rest(&shape, &body);
        assert_eq!(answer.total_size, 17);
        assert!(answer.done);
        assert_eq!(answer.next_records_url, None);
        assert!(Page::Rest(answer.records).is_empty());
    }
}

#[test]
fn invalid_type_error_body() {
    let Some(dir) = fixtures("invalid_type_error_body") else {
        return;
    };
    let (status, body) = composite_part(
        &dir,
        "cumulusci/TestCountSObjects.test_count_sobjects__errors.json",
        1,
    );
    assert_eq!(status, 400);
    let error = parse_api_error(status, &body);
    let message = "select count() from XYZZY\n                    ^\nERROR at Row:1:Column:21\nsObject type 'XYZZY' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.";
    match &error {
        SfError::Api {
            status,
            code,
            message: text,
            object,
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code, "INVALID_TYPE");
            assert_eq!(text, message);
            assert_eq!(*object, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!("Salesforce rejected the request (400 INVALID_TYPE): {message}")
    );
    assert_eq!(
        error.sqlstate(),
        PgSqlErrorCode::ERRCODE_FDW_TABLE_NOT_FOUND
    );
    assert!(error
        .hint()
        .unwrap()
        .starts_with("Check the foreign table's \"object\" option"));
}

#[test]
fn not_found_error_bodies() {
    let Some(dir) = fixtures("not_found_error_bodies") else {
        return;
    };
    let composite = composite_part(
        &dir,
        "cumulusci/TestCompositeParallelSalesforce.test_errors.json",
        0,
    );
    let describe = (
        404,
        text(
            &dir,
            "restforce/sobject__sobject_describe_error_response.json",
        )
        .into_bytes(),
    );
    for (status, body) in [composite, describe] {
        assert_eq!(status, 404);
        // What `describe` makes of it: the error marked with the object asked for.
        let error = parse_api_error(status, &body).for_object("Whizbang");
        match &error {
            SfError::Api {
                status,
                code,
                message,
                object,
            } => {
                assert_eq!(
                    (*status, code.as_str(), message.as_str()),
                    (404, "NOT_FOUND", "The requested resource does not exist")
                );
                assert_eq!(object.as_deref(), Some("Whizbang"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            error.to_string(),
            "Salesforce rejected the request (404 NOT_FOUND): The requested resource does not exist"
        );
        assert_eq!(
            error.sqlstate(),
            PgSqlErrorCode::ERRCODE_FDW_TABLE_NOT_FOUND
        );
        assert!(error
            .hint()
            .unwrap()
            .contains("e.g. Opportunity or Invoice__c"));
    }
    let error = parse_api_error(
        400,
        text(&dir, "restforce/sobject__query_error_response.json").as_bytes(),
    )
    .for_object("Whizbang");
    assert_eq!(
        error.to_string(),
        "Salesforce rejected the request (400 INVALID_FIELD): error_message"
    );
    assert_eq!(
        error.sqlstate(),
        PgSqlErrorCode::ERRCODE_FDW_COLUMN_NAME_NOT_FOUND
    );
    assert!(error.hint().unwrap().contains("the describe of Whizbang;"));
}

#[test]
fn expired_session_is_invalid_session_id() {
    let Some(dir) = fixtures("expired_session_is_invalid_session_id") else {
        return;
    };
    let body = text(&dir, "restforce/expired_session_response.json");
    let error = parse_api_error(401, body.as_bytes());
    // `request` re-logs in once on exactly this code.
    match &error {
        SfError::Api { code, message, .. } => {
            assert_eq!(code, "INVALID_SESSION_ID");
            assert_eq!(message, "Session expired or invalid");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "Salesforce rejected the request (401 INVALID_SESSION_ID): Session expired or invalid"
    );
    assert_eq!(
        error.sqlstate(),
        PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION
    );
    assert_eq!(error.hint(), None);
}

const LOGIN: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

#[test]
fn token_responses_give_the_session() {
    let Some(dir) = fixtures("token_responses_give_the_session") else {
        return;
    };
    for (file, token) in [
        (
            "restforce/auth_success_response.json",
            "00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmxOtvxjTrKW19ye6PE3Ds1eQz3z8jr3W7_VbWmEu4Q8TVGSTHxs",
        ),
        ("restforce/refresh_success_response.json", "refreshed_access_token"),
        ("restforce/reauth_success_response.json", "new_access_token"),
    ] {
        let body = text(&dir, file);
        let Ok((session, rotated)) = token_answer(LOGIN, TOKEN_URL, reqwest::StatusCode::OK, &body)
        else {
            panic!("{file}: no session");
        };
        // These apps do not rotate refresh tokens: no new one in the answer.
        assert_eq!(rotated, None, "{file}");
        assert_eq!(session.access_token, token, "{file}");
        assert_eq!(session.instance_url, "https://na1.salesforce.com", "{file}");
    }
    // An error body answered with 200 is no session.
    let body = text(&dir, "restforce/refresh_error_response.json");
    match token_answer(LOGIN, TOKEN_URL, reqwest::StatusCode::OK, &body) {
        Err(error @ SfError::Protocol { .. }) => assert_eq!(
            error.to_string(),
            "unexpected response from Salesforce at https://login.salesforce.com/services/oauth2/token: the token response has no access_token/instance_url"
        ),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a session from an error body"),
    }
}

#[test]
fn token_errors_keep_the_grant_error_and_description() {
    let Some(dir) = fixtures("token_errors_keep_the_grant_error_and_description") else {
        return;
    };
    for (file, description, hint) in [
        (
            "restforce/refresh_error_response.json",
            "expired access/refresh token",
            "The refresh token is expired or revoked",
        ),
        (
            "restforce/auth_error_response.json",
            "authentication failure - Invalid Password",
            "Check the credentials in the user mapping",
        ),
    ] {
        let body = text(&dir, file);
        let error = match token_answer(LOGIN, TOKEN_URL, reqwest::StatusCode::BAD_REQUEST, &body) {
            Err(error) => error,
            Ok(_) => panic!("{file}: a session from an error"),
        };
        match &error {
            SfError::Auth {
                login_url,
                error,
                description: text,
            } => {
                assert_eq!(login_url, LOGIN);
                assert_eq!(error, "invalid_grant");
                assert_eq!(text, description);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            error.to_string(),
            format!(
                "Salesforce authentication failed at https://login.salesforce.com: invalid_grant: {description}"
            )
        );
        assert!(error.hint().unwrap().starts_with(hint), "{file}");
        assert_eq!(
            error.sqlstate(),
            PgSqlErrorCode::ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION
        );
    }
}

#[test]
fn nifi_date_datetime_and_time_are_exact_instants() {
    let Some(dir) = fixtures("nifi_date_datetime_and_time_are_exact_instants") else {
        return;
    };
    let shape = RowShape::new(["id__c", "date__c", "datetime__c", "time__c"]);
    let answer = rest(
        &shape,
        text(&dir, "misc/nifi__query_sobject.json").as_bytes(),
    );
    assert_eq!((answer.total_size, answer.done), (1, true));
    let page = Page::Rest(answer.records);
    assert_eq!(
        row(&page, 0, 4),
        [
            Field::Text("1"),
            Field::Text("2025-12-16"),
            Field::Text("2025-12-16T13:05:30.000+0000"),
            Field::Text("13:05:30.000Z"),
        ]
    );
    let Field::Text(date) = page.field(0, 1) else {
        unreachable!()
    };
    let Field::Text(datetime) = page.field(0, 2) else {
        unreachable!()
    };
    let Field::Text(time) = page.field(0, 3) else {
        unreachable!()
    };
    // Days and microseconds since 2000-01-01 (UTC), Postgres' epoch.
    assert_eq!(parse_date_days(date), Ok(9_481));
    assert_eq!(parse_datetime_micros(datetime), Ok(819_205_530_000_000));
    assert_eq!(parse_time_micros(time), Ok(47_130_000_000));
    // The same instant three ways: the datetime's UTC day is the date, its time of day the time.
    let micros = parse_datetime_micros(datetime).unwrap();
    assert_eq!(micros.div_euclid(86_400_000_000), 9_481);
    assert_eq!(micros.rem_euclid(86_400_000_000), 47_130_000_000);
    assert_eq!(parse_integer(page.field(0, 0)), Ok(1));
}

#[test]
fn compound_address_comes_whole_with_exact_numbers() {
    let Some(dir) = fixtures("compound_address_comes_whole_with_exact_numbers") else {
        return;
    };
    // IMPORT maps the compound field to jsonb.
    let describe = json(
        &dir,
        "swiftlysalesforce/Example__Tests__DescribeAccountResult.json",
    );
    let billing = describe["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "BillingAddress")
        .unwrap();
    assert_eq!(pg_type(billing, &snake()).as_deref(), Some("jsonb"));

    // The address as it sits in a record (the recording is the value alone).
    let address = text(&dir, "swiftlysalesforce/Example__Tests__MockAddress.json");
    let body = format!(
        r#"{{"totalSize": 1, "done": true, "records": [{{"BillingAddress": {address}}}]}}"#
    );
    let shape = RowShape::new(["BillingAddress", "ShippingAddress"]);
    let page = Page::Rest(rest(&shape, body.as_bytes()).records);
    let expected: Value = serde_json::from_str(&address).unwrap();
    assert_eq!(page.field(0, 0), Field::Json(&expected));
    assert_eq!(page.field(0, 1), Field::Null);
    let Field::Json(value) = page.field(0, 0) else {
        unreachable!()
    };
    let object = value.as_object().unwrap();
    assert_eq!(object.len(), 10);
    assert_eq!(object["countryCode"], Value::Null);
    assert_eq!(object["stateCode"], Value::Null);
    assert_eq!(object["city"], "Burlington");
    assert_eq!(object["street"], "525 S. Lexington Ave.");
    // The text jsonb is built from keeps the digits as sent, and the null codes.
    let serialized = value.to_string();
    assert!(
        serialized.contains(r#""latitude":36.090709"#),
        "{serialized}"
    );
    assert!(
        serialized.contains(r#""longitude":-79.437266"#),
        "{serialized}"
    );
    assert!(serialized.contains(r#""countryCode":null"#), "{serialized}");
    assert!(serialized.contains(r#""stateCode":null"#), "{serialized}");
}

#[test]
fn a_whole_account_record_decodes() {
    let Some(dir) = fixtures("a_whole_account_record_decodes") else {
        return;
    };
    let record = text(
        &dir,
        "swiftlysalesforce/Tests__SwiftlySalesforceTests__MockAccount.json",
    );
    let body = format!(r#"{{"totalSize": 1, "done": true, "records": [{record}]}}"#);
    let shape = RowShape::new([
        "Id",
        "IsDeleted",
        "Name",
        "BillingLatitude",
        "BillingAddress",
        "ShippingAddress",
        "AnnualRevenue",
        "CreatedDate",
        "playgroundorg__Custom_Date_Field__c",
        "namespace2__Is_Covered__c",
        "playgroundorg__Owners_Manager_Name__c",
    ]);
    let page = Page::Rest(rest(&shape, body.as_bytes()).records);
    let parsed: Value = serde_json::from_str(&record).unwrap();
    assert_eq!(
        row(&page, 0, 11),
        [
            Field::Text("0011Y00003HVMu4QAH"),
            Field::Bool(false),
            Field::Text("Alaska Center for Performing Arts"),
            Field::Text("61.217062"),
            Field::Json(&parsed["BillingAddress"]),
            Field::Null,
            Field::Null,
            Field::Text("2021-04-08T18:39:16.000+0000"),
            Field::Text("2021-04-08"),
            Field::Bool(true),
            Field::Text("User, Test"),
        ]
    );
    // The compound value and its component disagree in the last digit, as recorded.
    assert!(parsed["BillingAddress"]
        .to_string()
        .contains(r#""latitude":61.217061"#));
    assert_eq!(
        parse_datetime_micros("2021-04-08T18:39:16.000+0000"),
        Ok(671_222_356_000_000)
    );
    assert_eq!(parse_date_days("2021-04-08"), Ok(7_768));

    // The older recording has a trailing comma: an error, not a panic or a partial row.
    let broken = text(&dir, "swiftlysalesforce/Example__Tests__MockAccount.json");
    let body = format!(r#"{{"done": true, "records": [{broken}]}}"#);
    let error = shape.rest_page(body.as_bytes()).unwrap_err();
    assert!(error.starts_with("not a query result: "), "{error}");
}

#[test]
fn limits_feed_the_governor() {
    let Some(dir) = fixtures("limits_feed_the_governor") else {
        return;
    };
    // Server OIDs no other test uses: the governor's table is per process.
    for (oid, file, used) in [
        (4_100_000_001u32, "Example__Tests__MockLimits.json", 43),
        (
            4_100_000_002,
            "Tests__SwiftlySalesforceTests__MockLimits.json",
            47,
        ),
    ] {
        let limits = json(&dir, &format!("swiftlysalesforce/{file}"));
        governor::record_limits(oid, &limits);
        let usage = governor::last_seen(oid).unwrap();
        assert_eq!((usage.used, usage.max), (used, 15_000), "{file}");
        // Some 14950 of 15000 remain: a 99% reserve is kept, 100% is not.
        assert!(governor::check(oid, "sf", 99).is_ok(), "{file}");
        let error = governor::check(oid, "sf", 100).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Salesforce API requests of server \"sf\" are nearly used up: {used} of 15000 daily requests used, and this server keeps 100% in reserve")
        );
    }
}

#[test]
fn real_describes_give_the_expected_columns() {
    let Some(dir) = fixtures("real_describes_give_the_expected_columns") else {
        return;
    };
    let cols = |file: &str| columns(&json(&dir, file), &snake()).unwrap();

    let opportunity = cols("cumulusci/GET_sobjects_Opportunity_describe.json");
    for expected in [
        ("amount", "numeric", "Amount"),
        ("expected_revenue", "numeric", "ExpectedRevenue"),
        (
            "total_opportunity_quantity",
            "numeric",
            "TotalOpportunityQuantity",
        ),
        ("probability", "numeric", "Probability"),
        ("fiscal", "text", "Fiscal"),
        ("fiscal_year", "integer", "FiscalYear"),
        ("fiscal_quarter", "integer", "FiscalQuarter"),
        ("is_private", "boolean", "IsPrivate"),
        ("close_date", "date", "CloseDate"),
        ("account_id", "text", "AccountId"),
    ] {
        assert_eq!(described(&opportunity, expected.0), expected);
    }
    assert!(opportunity.iter().all(|c| c.name != "account_type"));

    // Lead and Case owners are a User or a Group: polymorphic.
    for file in [
        "cumulusci/GET_sobjects_Lead_describe.json",
        "cumulusci/GET_sobjects_Case_describe.json",
    ] {
        let cols = cols(file);
        let owner = cols.iter().position(|c| c.name == "owner_id").unwrap();
        assert_eq!(
            described(&cols, "owner_id"),
            ("owner_id", "text", "OwnerId")
        );
        assert_eq!(
            (
                cols[owner + 1].name.as_str(),
                cols[owner + 1].field.as_str()
            ),
            ("owner_type", "Owner.Type"),
            "{file}"
        );
    }
    let lead = cols("cumulusci/GET_sobjects_Lead_describe.json");
    assert_eq!(described(&lead, "address"), ("address", "jsonb", "Address"));
    assert_eq!(
        described(&lead, "latitude"),
        ("latitude", "numeric", "Latitude")
    );
    assert_eq!(
        described(&lead, "annual_revenue"),
        ("annual_revenue", "numeric", "AnnualRevenue")
    );
    let case = cols("cumulusci/GET_sobjects_Case_describe.json");
    assert_eq!(
        described(&case, "closed_date"),
        ("closed_date", "timestamptz", "ClosedDate")
    );

    let contact = cols("cumulusci/GET_sobjects_Contact_describe.json");
    for expected in [
        ("mailing_address", "jsonb", "MailingAddress"),
        ("other_address", "jsonb", "OtherAddress"),
        ("mailing_latitude", "numeric", "MailingLatitude"),
        ("birthdate", "date", "Birthdate"),
        ("email_bounced_date", "timestamptz", "EmailBouncedDate"),
        ("reports_to_id", "text", "ReportsToId"),
    ] {
        assert_eq!(described(&contact, expected.0), expected);
    }
    assert!(contact.iter().all(|c| c.name != "reports_to_type"));

    let custom = cols("cumulusci/GET_sobjects_Custom__c_describe.json");
    let all: Vec<(&str, &str, &str)> = custom
        .iter()
        .map(|c| (c.name.as_str(), c.pg_type.as_str(), c.field.as_str()))
        .collect();
    assert_eq!(
        all,
        [
            ("id", "text", "Id"),
            ("name", "text", "Name"),
            ("custom_field__c", "text", "CustomField__c")
        ]
    );

    let role = cols("cumulusci/GET_sobjects_OpportunityContactRole_describe.json");
    assert_eq!(
        described(&role, "is_primary"),
        ("is_primary", "boolean", "IsPrimary")
    );
    assert_eq!(described(&role, "role"), ("role", "text", "Role"));
    assert!(role.iter().all(|c| !c.name.ends_with("_type")));

    // SwiftlySalesforce's v37 describes: no polymorphicForeignKey key at all.
    let account = cols("swiftlysalesforce/Example__Tests__DescribeAccountResult.json");
    assert_eq!(
        described(&account, "billing_address"),
        ("billing_address", "jsonb", "BillingAddress")
    );
    assert_eq!(
        described(&account, "annual_revenue"),
        ("annual_revenue", "numeric", "AnnualRevenue")
    );
    assert_eq!(
        described(&account, "photo_url"),
        ("photo_url", "text", "PhotoUrl")
    );
    assert!(account.iter().all(|c| c.name != "owner_type"));
    let task = cols("swiftlysalesforce/Example__Tests__DescribeTaskResult.json");
    for expected in [
        ("what_type", "text", "What.Type"),
        ("who_type", "text", "Who.Type"),
        (
            "call_duration_in_seconds",
            "integer",
            "CallDurationInSeconds",
        ),
        (
            "recurrence_day_of_week_mask",
            "integer",
            "RecurrenceDayOfWeekMask",
        ),
        ("activity_date", "date", "ActivityDate"),
        ("is_closed", "boolean", "IsClosed"),
    ] {
        assert_eq!(described(&task, expected.0), expected);
    }
}

#[test]
fn bulk_1_result_csvs_decode_with_empty_as_null() {
    let Some(dir) = fixtures("bulk_1_result_csvs_decode_with_empty_as_null") else {
        return;
    };
    let shape = RowShape::new(["Id", "Success", "Created", "Error"]);
    for (file, rows, first, created) in [
        ("01", 16, "003P000001avB5GIAU", "true"),
        ("02", 4, "003P000001avB5QIAU", "false"),
        ("03", 2, "006P000000FNGuLIAX", "true"),
    ] {
        let file =
            format!("cumulusci/TestUpsert.test_upsert_complex_fields__bulk__batchresult{file}.csv");
        let page = shape.csv_page(text(&dir, &file).as_bytes()).unwrap();
        assert_eq!(page.len(), rows, "{file}");
        assert_eq!(
            row(&page, 0, 4),
            [
                Field::Text(first),
                Field::Text("true"),
                Field::Text(created),
                Field::Null
            ],
            "{file}"
        );
        assert_eq!(
            row(&page, rows - 1, 4)[1..],
            [Field::Text("true"), Field::Text("true"), Field::Null],
            "{file}"
        );
    }
}

#[test]
fn restforce_query_pages_decode_every_kind_of_value() {
    let Some(dir) = fixtures("restforce_query_pages_decode_every_kind_of_value") else {
        return;
    };
    let shape = RowShape::new([
        "Checkbox_Label",
        "Text_Label",
        "Date_Label",
        "DateTime_Label",
        "Picklist_Multiselect_Label",
        "ParentWhizbang__r.Name",
        "ParentWhizbang__r.Text_Label",
        "Whizbangs__r",
    ]);
    let body = text(&dir, "restforce/sobject__query_success_response.json");
    let parsed: Value = serde_json::from_str(&body).unwrap();
    let page = Page::Rest(rest(&shape, body.as_bytes()).records);
    assert_eq!(
        row(&page, 0, 8),
        [
            Field::Bool(false),
            Field::Text("Hi there!"),
            Field::Text("2010-01-01"),
            Field::Text("2011-07-07T00:37:00.000+0000"),
            Field::Text("four;six"),
            Field::Text("Parent Whizbang"),
            Field::Text("Hello"),
            Field::Json(&parsed["records"][0]["Whizbangs__r"]),
        ]
    );
    assert_eq!(parse_date_days("2010-01-01"), Ok(3_653));
    assert_eq!(
        parse_datetime_micros("2011-07-07T00:37:00.000+0000"),
        Ok(363_314_220_000_000)
    );

    // Paging: the first page names the next, the last does not.
    let shape = RowShape::new(["Text_Label"]);
    let first = text(
        &dir,
        "restforce/sobject__query_paginated_first_page_response.json",
    );
    let first = rest(&shape, first.as_bytes());
    assert_eq!((first.total_size, first.done), (2, false));
    assert_eq!(
        first.next_records_url.as_deref(),
        Some("/services/data/v26.0/query/01gD")
    );
    assert_eq!(
        Page::Rest(first.records).field(0, 0),
        Field::Text("First Page")
    );
    let last = text(
        &dir,
        "restforce/sobject__query_paginated_last_page_response.json",
    );
    let last = rest(&shape, last.as_bytes());
    assert_eq!((last.total_size, last.done), (2, true));
    assert_eq!(last.next_records_url, None);
    assert_eq!(
        Page::Rest(last.records).field(0, 0),
        Field::Text("Last Page")
    );

    // Aggregate results: numbers keep the text sent (300.0), which integers accept.
    let shape = RowShape::new(["CampaignId", "expr0"]);
    let body = text(
        &dir,
        "restforce/sobject__query_aggregate_success_response.json",
    );
    let page = Page::Rest(rest(&shape, body.as_bytes()).records);
    assert_eq!(page.len(), 3);
    assert_eq!(
        row(&page, 0, 2),
        [Field::Text("701E0000000JuFHIA0"), Field::Text("300.0")]
    );
    assert_eq!(row(&page, 2, 2), [Field::Null, Field::Text("400")]);
    assert_eq!(parse_integer(page.field(0, 1)), Ok(300));
    assert_eq!(parse_integer(page.field(2, 1)), Ok(400));
}

#[test]
fn other_error_bodies_keep_their_code_or_fall_back_to_the_status() {
    let Some(dir) = fixtures("other_error_bodies_keep_their_code_or_fall_back_to_the_status")
    else {
        return;
    };
    let search = text(&dir, "restforce/sobject__search_error_response.json");
    let error = parse_api_error(400, search.as_bytes());
    assert_eq!(
        error.to_string(),
        "Salesforce rejected the request (400 MALFORMED_SEARCH): No search term found. The search term must be enclosed in braces."
    );
    assert_eq!(error.sqlstate(), PgSqlErrorCode::ERRCODE_FDW_ERROR);
    assert_eq!(error.hint(), None);

    let write = text(&dir, "restforce/sobject__write_error_response.json");
    match parse_api_error(400, write.as_bytes()) {
        SfError::Api { code, message, .. } => {
            assert_eq!(code, "INVALID_FIELD");
            assert_eq!(message, "No such column 'foo' on sobject of type Bar");
        }
        other => panic!("{other:?}"),
    }

    // 300 Multiple Choices answers a list of URLs, no error objects: the status names it.
    let choices = text(
        &dir,
        "restforce/sobject__upsert_multiple_error_response.json",
    );
    match parse_api_error(300, choices.as_bytes()) {
        SfError::Api { code, message, .. } => {
            assert_eq!(code, "HTTP_300");
            assert_eq!(
                message,
                r#"["/services/data/v23.0/sobjects/Whizbang/foo","/services/data/v23.0/sobjects/Whizbang/bar"]"#
            );
        }
        other => panic!("{other:?}"),
    }
}
