//! Aggregate-query tests on a small hand-made org: grouping (case-insensitive, null group),
//! aggregate values, naming, HAVING, ORDER BY, picklist MIN/MAX, currency conversion,
//! limits and the binding errors of real orgs.

use super::aggregate::{self, AggregateLimits};
use super::compile::compile;
use crate::config::AggregateOverflow;
use crate::error::ApiError;
use crate::render::write_aggregate_result;
use crate::schema::standard::standard_schema;
use crate::store::{Org, Table};
use crate::value::RecordRef;
use crate::writes;
use serde_json::{json, Value as Json};

fn org() -> Org {
    let schema = standard_schema();
    let tables = schema.objects.iter().map(|_| Table::default()).collect();
    let mut org = Org::new(schema, tables, 0);
    let inv = org.schema.object_index("Invoice__c").unwrap();
    let user = RecordRef { obj: 0, row: 0 };
    let rows = [
        json!({"Memo__c": "Acme", "Status__c": "Sent", "Amount__c": 10.5, "Due_Date__c": "2024-03-01", "Quantity__c": 1.5}),
        json!({"Memo__c": "ACME", "Status__c": "Paid", "Amount__c": 20, "CurrencyIsoCode": "EUR", "Due_Date__c": "2024-01-15"}),
        json!({"Memo__c": "acme", "Status__c": "Draft", "Quantity__c": 2.25}),
        json!({"Memo__c": "Beta", "Status__c": "Void", "Amount__c": 100, "CurrencyIsoCode": "JPY"}),
        json!({"Status__c": null, "Amount__c": 5}),
        json!({"Memo__c": "Beta", "Status__c": "Zeta", "Amount__c": 1.25, "Due_Date__c": "2023-12-31"}),
    ];
    for r in rows {
        writes::create(&mut org, inv, &r, user).unwrap();
    }
    org
}

fn run_with(org: &Org, q: &str, limits: AggregateLimits) -> Result<Json, ApiError> {
    let plan = compile(q, org)?;
    let agg = plan.aggregate.as_ref().expect("an aggregate plan");
    let rows = aggregate::run(org, &plan, agg, false, limits)?;
    let mut out = vec![];
    write_aggregate_result(&mut out, org, agg, &rows);
    Ok(serde_json::from_slice(&out).unwrap())
}

/// The records of an aggregate answer, without their (always identical) attributes.
fn records(org: &Org, q: &str) -> Vec<Json> {
    let body = run_with(org, q, AggregateLimits::default()).unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(body["done"], true);
    assert!(body.get("nextRecordsUrl").is_none());
    let recs = body["records"].as_array().unwrap();
    assert_eq!(body["totalSize"], recs.len());
    recs.iter()
        .map(|r| {
            assert_eq!(r["attributes"], json!({"type": "AggregateResult"}));
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("attributes");
            r
        })
        .collect()
}

fn err(org: &Org, q: &str) -> (String, String) {
    let e = compile(q, org)
        .and_then(|_| run_with(org, q, AggregateLimits::default()))
        .expect_err(q);
    (e.code, e.message)
}

#[test]
fn grouping_counts_and_naming() {
    let o = org();
    let cases: &[(&str, Json)] = &[
        // Case-insensitive groups keyed by the first value met; null is a group of its own.
        (
            "SELECT Memo__c, COUNT(Id) FROM Invoice__c GROUP BY Memo__c",
            json!([{"Memo__c": "Acme", "expr0": 3}, {"Memo__c": "Beta", "expr0": 2}, {"Memo__c": null, "expr0": 1}]),
        ),
        // expr numbering counts unaliased aggregates only; aliases for fields and aggregates.
        (
            "SELECT COUNT(Amount__c), memo__c m, COUNT(Id) total, COUNT_DISTINCT(Status__c) FROM Invoice__c WHERE Memo__c != null GROUP BY Memo__c",
            json!([{"expr0": 2, "m": "Acme", "total": 3, "expr1": 3}, {"expr0": 2, "m": "Beta", "total": 2, "expr1": 2}]),
        ),
        // COUNT_DISTINCT of text is case-insensitive; GROUP BY without aggregates.
        (
            "SELECT COUNT_DISTINCT(Memo__c) n, COUNT(Memo__c) c FROM Invoice__c",
            json!([{"n": 2, "c": 5}]),
        ),
        (
            "SELECT Memo__c FROM Invoice__c WHERE Memo__c = 'beta' GROUP BY Memo__c",
            json!([{"Memo__c": "Beta"}]),
        ),
        // A relationship path is keyed by its last segment; a missing parent is the null group.
        (
            "SELECT Account__r.Name, COUNT(Id) FROM Invoice__c GROUP BY Account__r.Name",
            json!([{"Name": null, "expr0": 6}]),
        ),
        // Empty input: one row without GROUP BY, none with it.
        (
            "SELECT COUNT(Id), SUM(Amount__c), MAX(Memo__c) FROM Invoice__c WHERE Memo__c = 'nope'",
            json!([{"expr0": 0, "expr1": null, "expr2": null}]),
        ),
        (
            "SELECT Memo__c, COUNT(Id) FROM Invoice__c WHERE Memo__c = 'nope' GROUP BY Memo__c",
            json!([]),
        ),
    ];
    for (q, want) in cases {
        assert_eq!(&Json::Array(records(&o, q)), want, "{q}");
    }
}

#[test]
fn values_having_and_order() {
    let o = org();
    let cases: &[(&str, Json)] = &[
        // Without GROUP BY / HAVING currency values are summed raw; SUM exact, AVG a double,
        // MIN/MAX in the field's own form.
        (
            "SELECT SUM(Amount__c), AVG(Amount__c), MIN(Amount__c), MAX(Amount__c), MIN(Due_Date__c), MAX(Memo__c), SUM(Quantity__c) FROM Invoice__c",
            json!([{"expr0": 136.75, "expr1": 27.35, "expr2": 1.25, "expr3": 100.0, "expr4": "2023-12-31", "expr5": "Beta", "expr6": 3.75}]),
        ),
        // With GROUP BY every currency value is converted to USD first (rounded to the
        // field's scale like convertCurrency): 20 EUR = 21.74 USD, 100 JPY = 0.67 USD.
        (
            "SELECT Memo__c, SUM(Amount__c), MAX(Amount__c), AVG(Amount__c) FROM Invoice__c GROUP BY Memo__c",
            json!([
                {"Memo__c": "Acme", "expr0": 32.24, "expr1": 21.74, "expr2": 16.12},
                {"Memo__c": "Beta", "expr0": 1.92, "expr1": 1.25, "expr2": 0.96},
                {"Memo__c": null, "expr0": 5.0, "expr1": 5.0, "expr2": 5.0}
            ]),
        ),
        // HAVING without GROUP BY converts too, and filters the single row.
        (
            "SELECT SUM(Amount__c) FROM Invoice__c HAVING SUM(Amount__c) > 30",
            json!([{"expr0": 39.16}]),
        ),
        (
            "SELECT SUM(Amount__c) FROM Invoice__c HAVING SUM(Amount__c) > 40",
            json!([]),
        ),
        // HAVING over aggregates (also ones not selected) and grouped fields, AND/OR/NOT.
        (
            "SELECT Memo__c FROM Invoice__c GROUP BY Memo__c HAVING COUNT(Id) > 1 AND NOT Memo__c = 'BETA'",
            json!([{"Memo__c": "Acme"}]),
        ),
        (
            "SELECT Memo__c, MIN(Due_Date__c) FROM Invoice__c GROUP BY Memo__c HAVING (MIN(Due_Date__c) < 2024-01-01 OR Memo__c = null)",
            json!([{"Memo__c": "Beta", "expr0": "2023-12-31"}, {"Memo__c": null, "expr0": null}]),
        ),
        // ORDER BY aggregates and grouped fields, nulls first by default, NULLS LAST, LIMIT.
        (
            "SELECT Memo__c, COUNT(Id) c FROM Invoice__c GROUP BY Memo__c ORDER BY COUNT(Id), Memo__c",
            json!([{"Memo__c": null, "c": 1}, {"Memo__c": "Beta", "c": 2}, {"Memo__c": "Acme", "c": 3}]),
        ),
        (
            "SELECT Memo__c FROM Invoice__c GROUP BY Memo__c ORDER BY Memo__c DESC NULLS LAST LIMIT 2",
            json!([{"Memo__c": "Beta"}, {"Memo__c": "Acme"}]),
        ),
        (
            "SELECT Memo__c FROM Invoice__c GROUP BY Memo__c ORDER BY SUM(Quantity__c) DESC NULLS LAST",
            json!([{"Memo__c": "Acme"}, {"Memo__c": "Beta"}, {"Memo__c": null}]),
        ),
        // Picklist MIN/MAX follow the describe order (Draft, Sent, Paid, Overdue, Void),
        // values outside the list come after it.
        (
            "SELECT MIN(Status__c), MAX(Status__c) FROM Invoice__c WHERE Status__c IN ('Sent', 'Paid')",
            json!([{"expr0": "Sent", "expr1": "Paid"}]),
        ),
        (
            "SELECT MIN(Status__c), MAX(Status__c) FROM Invoice__c",
            json!([{"expr0": "Draft", "expr1": "Zeta"}]),
        ),
    ];
    for (q, want) in cases {
        assert_eq!(&Json::Array(records(&o, q)), want, "{q}");
    }
}

#[test]
fn binding_errors() {
    let o = org();
    let cases = [
        ("SELECT Name, COUNT(Id) FROM Invoice__c", "MALFORMED_QUERY", "Field must be grouped or aggregated: Name"),
        ("SELECT Memo__c, Status__c FROM Invoice__c GROUP BY Memo__c", "MALFORMED_QUERY", "Field must be grouped or aggregated: Status__c"),
        ("SELECT Amount__c, COUNT(Id) FROM Invoice__c GROUP BY Amount__c", "MALFORMED_QUERY", "field 'Amount__c' can not be grouped in a query call"),
        ("SELECT Account_Name__c FROM Invoice__c GROUP BY Account_Name__c", "MALFORMED_QUERY", "field 'Account_Name__c' can not be grouped"),
        ("SELECT COUNT(Id) FROM Invoice__c GROUP BY Notes__c", "MALFORMED_QUERY", "can not be grouped"),
        ("SELECT SUM(Memo__c) FROM Invoice__c", "INVALID_FIELD", "field Memo__c does not support aggregate operator SUM"),
        ("SELECT AVG(Due_Date__c) FROM Invoice__c", "INVALID_FIELD", "aggregate operator AVG"),
        ("SELECT MAX(Is_Paid__c) FROM Invoice__c", "INVALID_FIELD", "aggregate operator MAX"),
        ("SELECT COUNT(Notes__c) FROM Invoice__c", "INVALID_FIELD", "aggregate operator COUNT"),
        ("SELECT MIN(Location__c) FROM Invoice__c", "INVALID_FIELD", "aggregate operator MIN"),
        ("SELECT MAX(Due_Date__c) FROM Invoice__c LIMIT 1", "MALFORMED_QUERY", "without GROUP BY can not use LIMIT"),
        ("SELECT COUNT() FROM Invoice__c GROUP BY Memo__c", "MALFORMED_QUERY", "COUNT() can not be used with GROUP BY"),
        ("SELECT COUNT(), COUNT(Id) FROM Invoice__c", "MALFORMED_QUERY", "COUNT() cannot be combined"),
        ("SELECT Memo__c FROM Invoice__c GROUP BY Memo__c ORDER BY Status__c", "MALFORMED_QUERY", "Ordered field must be grouped or aggregated: Status__c"),
        ("SELECT Memo__c FROM Invoice__c GROUP BY Memo__c HAVING Status__c = 'Sent'", "MALFORMED_QUERY", "Field must be grouped or aggregated: Status__c"),
        ("SELECT Memo__c FROM Invoice__c GROUP BY Memo__c HAVING COUNT(Id) > 'x'", "INVALID_FIELD", "must be of type integer"),
        ("SELECT Id FROM Invoice__c WHERE COUNT(Id) > 1", "MALFORMED_QUERY", "not allowed in the WHERE clause"),
        ("SELECT Id FROM Invoice__c ORDER BY COUNT(Id)", "MALFORMED_QUERY", "need an aggregate query"),
        ("SELECT Account__r.Name, Owner.Name, COUNT(Id) FROM Invoice__c GROUP BY Account__r.Name, Owner.Name", "MALFORMED_QUERY", "duplicate alias: Name"),
        ("SELECT SUM() FROM Invoice__c", "MALFORMED_QUERY", "SUM() needs a field"),
        ("SELECT CALENDAR_YEAR(Due_Date__c) FROM Invoice__c", "MALFORMED_QUERY", "not supported by sf-emulator"),
        // Aliases stay invalid outside aggregate queries.
        ("SELECT Memo__c m FROM Invoice__c", "MALFORMED_QUERY", "unexpected token: 'm'"),
    ];
    for (q, code, fragment) in cases {
        let (c, m) = err(&o, q);
        assert_eq!((c.as_str(), m.contains(fragment)), (code, true), "{q}: {m}");
    }
}

#[test]
fn row_limits_and_timeout() {
    let o = org();
    let q = "SELECT Id FROM Invoice__c GROUP BY Id";
    let limits = |overflow, timeout_rows| AggregateLimits {
        overflow,
        timeout_rows,
    };
    assert_eq!(
        run_with(&o, q, limits(AggregateOverflow::Error, 0)).unwrap()["totalSize"],
        6
    );
    // Over the limit (here: a timeout after 5 rows) the query answers QUERY_TIMEOUT.
    let e = run_with(&o, q, limits(AggregateOverflow::Error, 5)).unwrap_err();
    assert_eq!(
        (e.status, e.code.as_str(), e.message.as_str()),
        (
            400,
            "QUERY_TIMEOUT",
            "Your query request was running for too long."
        )
    );
    let narrowed = "SELECT Id FROM Invoice__c WHERE Memo__c != null GROUP BY Id";
    assert!(run_with(&o, narrowed, limits(AggregateOverflow::Error, 5)).is_ok());
}
