//! Evaluator tests on a small hand-made org (Salesforce semantics: case-insensitive text,
//! null handling, boolean null quirk, LIKE escapes, null ordering, type checks).

use super::compile::compile;
use super::eval::execute;
use crate::schema::standard::standard_schema;
use crate::store::{Org, Table};
use crate::value::{RecordRef, Value};
use crate::writes;
use serde_json::json;

fn org() -> Org {
    let schema = standard_schema();
    let tables = schema.objects.iter().map(|_| Table::default()).collect();
    let mut org = Org::new(schema, tables, 0);
    let inv = org.schema.object_index("Invoice__c").unwrap();
    let user = RecordRef { obj: 0, row: 0 };
    let rows = [
        json!({"Memo__c": "Zürich office", "Amount__c": 10.5, "Is_Paid__c": true, "Due_Date__c": "2024-01-01", "Tags__c": "Net30;Priority"}),
        json!({"Memo__c": "100% paid", "Amount__c": null, "Paid_At__c": "2024-01-01T00:00:00.000+0000"}),
        json!({"Memo__c": "1000 paid", "Amount__c": 99.99, "Reminder_Time__c": "13:05:30.000Z"}),
        json!({"Memo__c": "under_score", "Amount__c": -5}),
        json!({"Amount__c": 0, "Tags__c": "Recurring"}),
    ];
    for r in rows {
        writes::create(&mut org, inv, &r, user).unwrap();
    }
    org
}

/// Row numbers (1-based) returned by `SELECT Id FROM Invoice__c <tail>`.
fn run(org: &Org, tail: &str) -> Vec<u32> {
    let plan = compile(&format!("SELECT Id FROM Invoice__c {tail}"), org)
        .unwrap_or_else(|e| panic!("{tail}: {e:?}"));
    execute(org, &plan, false)
        .into_iter()
        .map(|r| r + 1)
        .collect()
}

fn err(org: &Org, q: &str) -> (String, String) {
    let e = compile(q, org).unwrap_err();
    (e.code, e.message)
}

#[test]
fn text_comparisons_are_case_insensitive() {
    let o = org();
    assert_eq!(run(&o, "WHERE Memo__c = 'zürich OFFICE'"), vec![1]);
    assert_eq!(
        run(&o, "WHERE Memo__c IN ('ZÜRICH office', 'UNDER_SCORE')"),
        vec![1, 4]
    );
    assert_eq!(run(&o, "WHERE Memo__c LIKE 'zü%'"), vec![1]);
    assert_eq!(run(&o, "WHERE memo__C like '%PAID'"), vec![2, 3]);
}

#[test]
fn null_semantics() {
    let o = org();
    assert_eq!(run(&o, "WHERE Memo__c = null"), vec![5]);
    assert_eq!(run(&o, "WHERE Memo__c != null"), vec![1, 2, 3, 4]);
    // For a null value: != and NOT IN are true; =, <, IN, LIKE are false.
    assert_eq!(run(&o, "WHERE Memo__c != 'under_score'"), vec![1, 2, 3, 5]);
    assert_eq!(
        run(&o, "WHERE Memo__c NOT IN ('under_score')"),
        vec![1, 2, 3, 5]
    );
    assert_eq!(run(&o, "WHERE Amount__c < 100"), vec![1, 3, 4, 5]);
    assert_eq!(run(&o, "WHERE Memo__c LIKE '%'"), vec![1, 2, 3, 4]);
    // NOT is plain negation of the two-valued result.
    assert_eq!(run(&o, "WHERE NOT (Amount__c < 100)"), vec![2]);
    assert_eq!(
        run(&o, "WHERE NOT Memo__c = 'x' AND Amount__c >= 0"),
        vec![1, 3, 5]
    );
}

#[test]
fn boolean_null_quirk() {
    let o = org();
    assert_eq!(run(&o, "WHERE Is_Paid__c = null"), vec![2, 3, 4, 5]);
    assert_eq!(run(&o, "WHERE Is_Paid__c != null"), vec![1]);
    assert_eq!(run(&o, "WHERE Is_Paid__c = TRUE"), vec![1]);
    assert_eq!(run(&o, "WHERE Is_Paid__c != true"), vec![2, 3, 4, 5]);
}

#[test]
fn like_escapes() {
    let o = org();
    assert_eq!(run(&o, r"WHERE Memo__c LIKE '100\%%'"), vec![2]);
    assert_eq!(run(&o, r"WHERE Memo__c LIKE '100%'"), vec![2, 3]);
    assert_eq!(run(&o, r"WHERE Memo__c LIKE 'under\_score'"), vec![4]);
    assert_eq!(run(&o, r"WHERE Memo__c LIKE 'under_score'"), vec![4]);
    assert_eq!(run(&o, r"WHERE Memo__c LIKE 'u_der%'"), vec![4]);
    let (code, _) = err(&o, r"SELECT Id FROM Invoice__c WHERE Memo__c = '100\%'");
    assert_eq!(code, "MALFORMED_QUERY");
}

#[test]
fn order_by_null_placement() {
    let o = org();
    assert_eq!(run(&o, "ORDER BY Amount__c"), vec![2, 4, 5, 1, 3]);
    assert_eq!(run(&o, "ORDER BY Amount__c DESC"), vec![2, 3, 1, 5, 4]);
    assert_eq!(
        run(&o, "ORDER BY Amount__c ASC NULLS LAST"),
        vec![4, 5, 1, 3, 2]
    );
    assert_eq!(
        run(&o, "ORDER BY Memo__c DESC NULLS LAST, Id"),
        vec![1, 4, 3, 2, 5]
    );
}

#[test]
fn numbers_dates_times() {
    let o = org();
    assert_eq!(run(&o, "WHERE Amount__c = 10.50"), vec![1]);
    assert_eq!(
        run(&o, "WHERE Amount__c > -5.001 AND Amount__c <= 0"),
        vec![4, 5]
    );
    assert_eq!(run(&o, "WHERE Due_Date__c = 2024-01-01"), vec![1]);
    assert_eq!(
        run(&o, "WHERE Paid_At__c = 2024-01-01T01:00:00+01:00"),
        vec![2]
    );
    assert_eq!(
        run(&o, "WHERE Paid_At__c < 2024-01-01T00:00:00.001Z"),
        vec![2]
    );
    assert_eq!(run(&o, "WHERE Reminder_Time__c > 13:00:00Z"), vec![3]);
    assert_eq!(
        run(&o, "WHERE Tags__c INCLUDES ('priority;net30', 'x')"),
        vec![1]
    );
    assert_eq!(
        run(&o, "WHERE Tags__c EXCLUDES ('Net30')"),
        vec![2, 3, 4, 5]
    );
    assert_eq!(run(&o, "WHERE Tags__c = 'priority;NET30'"), vec![1]);
}

#[test]
fn type_checks() {
    let o = org();
    let (code, msg) = err(
        &o,
        "SELECT Id FROM Invoice__c WHERE Due_Date__c = 2024-01-01T00:00:00Z",
    );
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.contains("must be of type date"), "{msg}");
    let (code, _) = err(
        &o,
        "SELECT Id FROM Invoice__c WHERE Paid_At__c > 2024-01-01",
    );
    assert_eq!(code, "INVALID_FIELD");
    assert_eq!(
        err(&o, "SELECT Id FROM Invoice__c WHERE Amount__c = '5'").0,
        "INVALID_FIELD"
    );
    assert_eq!(
        err(&o, "SELECT Id FROM Invoice__c WHERE Memo__c = 5").0,
        "INVALID_FIELD"
    );
    assert_eq!(
        err(&o, "SELECT Id FROM Invoice__c WHERE Is_Paid__c = 'true'").0,
        "INVALID_FIELD"
    );
    let (code, msg) = err(&o, "SELECT Id FROM Invoice__c WHERE Notes__c = 'x'");
    assert_eq!(code, "INVALID_FIELD");
    assert!(msg.contains("can not be filtered"), "{msg}");
    assert_eq!(
        err(&o, "SELECT Id FROM Account WHERE BillingAddress = null").0,
        "INVALID_FIELD"
    );
    assert_eq!(
        err(&o, "SELECT Id FROM Invoice__c WHERE Id = 'abc'").0,
        "INVALID_QUERY_FILTER_OPERATOR"
    );
    let (code, msg) = err(&o, "select count() from XYZZY");
    assert_eq!(code, "INVALID_TYPE");
    assert!(msg.starts_with("\nselect count() from XYZZY\n                    ^\nERROR at Row:1:Column:21\nsObject type 'XYZZY' is not supported."), "{msg}");
    assert_eq!(
        err(&o, "SELECT Id FROM AccountChangeEvent").0,
        "INVALID_TYPE"
    );
    assert_eq!(err(&o, "SELECT Nope__c FROM Invoice__c").0, "INVALID_FIELD");
    assert_eq!(
        err(&o, "SELECT Foo.Name FROM Invoice__c").0,
        "INVALID_FIELD"
    );
}

#[test]
fn limit_offset_count_and_ids() {
    let o = org();
    assert_eq!(run(&o, "ORDER BY Id DESC LIMIT 2"), vec![5, 4]);
    assert_eq!(run(&o, "ORDER BY Id LIMIT 2 OFFSET 1"), vec![2, 3]);
    assert_eq!(run(&o, "OFFSET 10"), Vec::<u32>::new());
    let plan = compile("SELECT COUNT() FROM Invoice__c WHERE Amount__c != null", &o).unwrap();
    assert!(plan.count_only);
    assert_eq!(execute(&o, &plan, false).len(), 4);
    let id = o.id_string(RecordRef {
        obj: o.schema.object_index("Invoice__c").unwrap() as u16,
        row: 2,
    });
    assert_eq!(run(&o, &format!("WHERE Id = '{id}'")), vec![3]);
    assert_eq!(run(&o, &format!("WHERE Id IN ('{}')", &id[..15])), vec![3]);
    assert_eq!(
        run(&o, "WHERE Id = 'a015g0000000zzzAAA'"),
        Vec::<u32>::new()
    );
    // Written text is trimmed; '' is stored as null.
    assert!(matches!(
        o.tables[o.schema.object_index("Invoice__c").unwrap()].rows[4].values[1],
        Value::Ref(_)
    ));
}

#[test]
fn order_by_mixes_field_scale_and_extra_decimals() {
    // A stored value with more decimals than the field's scale (Value::Dec) sorts by value
    // among plain values (Value::Num at the field's scale 4).
    let mut o = org();
    let inv = o.schema.object_index("Invoice__c").unwrap();
    let q = o.schema.objects[inv].field_index("Quantity__c").unwrap();
    for (row, v) in [
        (0, Value::Num(15_000)),
        (1, Value::Dec(300_000, 5)),
        (2, Value::Num(20_000)),
    ] {
        o.tables[inv].rows[row].values[q] = v;
    }
    assert_eq!(
        run(&o, "ORDER BY Quantity__c NULLS LAST, Id"),
        vec![1, 3, 2, 4, 5]
    );
}
