//! Objects too wide for one request (SALESFORCE.md 12.4): Salesforce's edge refuses a request
//! line plus headers over 16,384 bytes (431/414 with an HTML page), and a `SELECT *` of an
//! Account with hundreds of fields is longer than that. Such a read is split into queries
//! that each select `Id` and some of the fields, with the same WHERE clause, all ordered by
//! Id; their records are joined by Id (as Airbyte's and Estuary's Salesforce connectors do).
//!
//! The queries run one after another, so a record changed in between may be missing from one
//! of them: the joiner keeps only records every query returned (each one as it was at some
//! moment of the read), looking a bounded number of records ahead for a match, whatever
//! order Salesforce gives to Ids.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::error::SfResult;
use crate::pushdown::encoded_len;
use crate::remote::records::{Field, JoinedRecords, Page, RowShape};
use crate::soql::SoqlQuery;

/// Longest `q=` we send, URL-encoded: the rest of the 16,384 bytes is the path, the headers
/// (a bearer token, batch size) and a margin.
pub const MAX_QUERY_ENCODED: usize = 12_000;
/// A SELECT list (with `soql_where`) longer than this is planned as a split read: ORDER BY and
/// LIMIT are then evaluated locally, since split queries are ordered by Id.
pub const WIDE_SELECT_ENCODED: usize = 9_000;
/// Records of a later query buffered while looking for the match of a record of the first.
const LOOKAHEAD: usize = 4_000;

/// The queries of a split read and where each planned column is found.
#[derive(Debug, Clone)]
pub struct SplitQueries {
    pub soqls: Vec<String>,
    /// The fields each query selects (`Id` first).
    pub shapes: Vec<RowShape>,
    /// Per planned column: (query, position in that query's fields).
    pub columns: Arc<Vec<(usize, usize)>>,
}

/// Whether a SELECT list (with the table's `soql_where`) is too long to be sure to fit in one
/// request with its conditions.
pub fn is_wide(fields: &[String], soql_where: Option<&str>) -> bool {
    let select: usize = fields.iter().map(|f| encoded_len(f) + 6).sum();
    select + soql_where.map_or(0, encoded_len) > WIDE_SELECT_ENCODED
}

/// The split of `query` when it is too long for one request, for the planned columns'
/// fields; None when it fits, when it is ordered or limited (split queries are ordered by
/// Id), or when not even `Id` alone fits beside its conditions.
pub fn split(query: &SoqlQuery, column_fields: &[String]) -> Option<SplitQueries> {
    if encoded_len(&query.render()) <= MAX_QUERY_ENCODED
        || !query.order_by.is_empty()
        || query.limit.is_some()
    {
        return None;
    }
    let mut base = query.clone();
    base.fields = vec!["Id".to_string()];
    base.order_by = vec!["Id ASC".to_string()];
    let overhead = encoded_len(&base.render());
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut current = vec!["Id".to_string()];
    let mut length = overhead;
    for field in query
        .fields
        .iter()
        .filter(|f| !f.eq_ignore_ascii_case("Id"))
    {
        let cost = encoded_len(field) + encoded_len(", ");
        if overhead + cost > MAX_QUERY_ENCODED {
            return None;
        }
        if length + cost > MAX_QUERY_ENCODED {
            chunks.push(std::mem::replace(&mut current, vec!["Id".to_string()]));
            length = overhead;
        }
        current.push(field.clone());
        length += cost;
    }
    chunks.push(current);
    let columns = column_fields
        .iter()
        .map(|field| {
            chunks
                .iter()
                .enumerate()
                .find_map(|(chunk, fields)| {
                    fields
                        .iter()
                        .position(|f| key_of(f).eq_ignore_ascii_case(field))
                        .map(|position| (chunk, position))
                })
                // Every planned field is in the SELECT list.
                .unwrap_or((0, 0))
        })
        .collect();
    let soqls = chunks
        .iter()
        .map(|fields| {
            let mut part = base.clone();
            part.fields = fields.clone();
            part.render()
        })
        .collect();
    let shapes = chunks
        .iter()
        .map(|fields| RowShape::new(fields.clone()))
        .collect();
    Some(SplitQueries {
        soqls,
        shapes,
        columns: Arc::new(columns),
    })
}

/// The key a SELECT item's value comes back under: its alias (`convertCurrency(Amount) cvt0`),
/// else the field itself.
fn key_of(select_item: &str) -> &str {
    select_item.rsplit(' ').next().unwrap_or(select_item)
}

/// Puts records of the split queries together, page by page of the first query.
pub struct Joiner {
    columns: Arc<Vec<(usize, usize)>>,
    /// Per later query: records fetched but not yet matched.
    pending: Vec<Pending>,
}

#[derive(Default)]
struct Pending {
    records: VecDeque<(Arc<Page>, u32, String)>,
    exhausted: bool,
}

impl Joiner {
    pub fn new(split: &SplitQueries) -> Joiner {
        Joiner {
            columns: split.columns.clone(),
            pending: (1..split.soqls.len()).map(|_| Pending::default()).collect(),
        }
    }

    /// The next joined page, from the next page of the first query (None after its last);
    /// `fetch(q)` gives the next page of query `q`, None after its last.
    pub fn next_page(
        &mut self,
        fetch: &mut dyn FnMut(usize) -> SfResult<Option<Page>>,
    ) -> SfResult<Option<Page>> {
        let Some(first) = fetch(0)? else {
            return Ok(None);
        };
        let first = Arc::new(first);
        let mut parts = vec![first.clone()];
        let mut rows = Vec::with_capacity(first.len());
        'records: for record in 0..first.len() {
            let id = id_of(&first, record);
            let mut row = vec![(0u32, record as u32)];
            for (index, pending) in self.pending.iter_mut().enumerate() {
                match pending.take(&id, &mut |()| fetch(index + 1))? {
                    Some((page, at)) => {
                        let part = match parts.iter().position(|p| Arc::ptr_eq(p, &page)) {
                            Some(part) => part,
                            None => {
                                parts.push(page);
                                parts.len() - 1
                            }
                        };
                        row.push((part as u32, at));
                    }
                    // Not in this query (changed or deleted in between): left out.
                    None => continue 'records,
                }
            }
            rows.push(row);
        }
        Ok(Some(Page::Joined(JoinedRecords {
            parts,
            rows,
            columns: self.columns.clone(),
        })))
    }
}

impl Pending {
    /// The record with this Id: records before it are dropped (they are not in the first
    /// query's answer); None when it is not found within the lookahead.
    fn take(
        &mut self,
        id: &str,
        fetch: &mut dyn FnMut(()) -> SfResult<Option<Page>>,
    ) -> SfResult<Option<(Arc<Page>, u32)>> {
        loop {
            if let Some(position) = self.records.iter().position(|(_, _, i)| i == id) {
                self.records.drain(..position);
                return Ok(self.records.pop_front().map(|(page, at, _)| (page, at)));
            }
            if self.exhausted || self.records.len() >= LOOKAHEAD {
                return Ok(None);
            }
            match fetch(())? {
                None => self.exhausted = true,
                Some(page) => {
                    let page = Arc::new(page);
                    for record in 0..page.len() {
                        let id = id_of(&page, record);
                        self.records.push_back((page.clone(), record as u32, id));
                    }
                }
            }
        }
    }
}

/// The Id of a record (the first field of every split query).
fn id_of(page: &Page, record: usize) -> String {
    match page.field(record, 0) {
        Field::Text(id) => id.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide_query(fields: usize) -> SoqlQuery {
        let mut query = SoqlQuery::new("Wide__c");
        query.add_field("Id");
        for i in 0..fields {
            query.add_field(&format!("Field_{i:04}__c"));
        }
        query.conditions.push("IsDeleted = false".into());
        query
    }

    #[test]
    fn narrow_queries_are_not_split() {
        let query = wide_query(20);
        let fields = query.fields.clone();
        assert!(split(&query, &fields).is_none());
        assert!(!is_wide(&fields, None));
    }

    #[test]
    fn wide_queries_split_into_requests_that_fit_and_cover_every_field() {
        let query = wide_query(700);
        let fields = query.fields.clone();
        assert!(is_wide(&fields, None));
        let split = split(&query, &fields).unwrap();
        assert!(split.soqls.len() >= 2);
        for soql in &split.soqls {
            assert!(
                encoded_len(soql) <= MAX_QUERY_ENCODED,
                "{}",
                encoded_len(soql)
            );
            assert!(soql.starts_with("SELECT Id, "), "{soql}");
            assert!(
                soql.ends_with("WHERE IsDeleted = false ORDER BY Id ASC"),
                "{soql}"
            );
        }
        // Every field is selected exactly once, besides Id.
        let selected: usize = split.soqls.iter().map(|s| s.matches("__c").count()).sum();
        assert_eq!(selected, 700 + split.soqls.len());
        assert_eq!(split.columns[0], (0, 0));
        let (chunk, position) = split.columns[700];
        assert_eq!(chunk, split.soqls.len() - 1);
        assert!(position > 0);
    }

    #[test]
    fn ordered_or_limited_queries_are_not_split() {
        let mut query = wide_query(700);
        query.limit = Some(5);
        assert!(split(&query, &query.fields.clone()).is_none());
    }

    fn page(shape: &RowShape, records: &[(&str, &str)]) -> Page {
        let body = serde_json::json!({
            "done": true,
            "records": records.iter().map(|(id, v)| serde_json::json!({"Id": id, "V": v})).collect::<Vec<_>>(),
        });
        Page::Rest(
            shape
                .rest_page(body.to_string().as_bytes())
                .unwrap()
                .records,
        )
    }

    #[test]
    fn records_join_by_id_and_those_missing_from_a_query_are_left_out() {
        let shape = RowShape::new(["Id", "V"]);
        let split = SplitQueries {
            soqls: vec!["q0".into(), "q1".into()],
            shapes: vec![shape.clone(), shape.clone()],
            columns: Arc::new(vec![(0, 0), (0, 1), (1, 1)]),
        };
        // Query 1 lost "b" (deleted in between) and gained "x"; its pages break elsewhere.
        let mut first = vec![
            page(&shape, &[("a", "a0"), ("b", "b0")]),
            page(&shape, &[("c", "c0")]),
        ]
        .into_iter();
        let mut second = vec![
            page(&shape, &[("a", "a1")]),
            page(&shape, &[("x", "x1"), ("c", "c1")]),
        ]
        .into_iter();
        let mut joiner = Joiner::new(&split);
        let mut fetch = |q: usize| -> SfResult<Option<Page>> {
            Ok(if q == 0 { first.next() } else { second.next() })
        };
        let mut rows = Vec::new();
        while let Some(joined) = joiner.next_page(&mut fetch).unwrap() {
            for r in 0..joined.len() {
                rows.push(
                    (0..3)
                        .map(|c| format!("{:?}", joined.field(r, c)))
                        .collect::<Vec<_>>(),
                );
            }
        }
        let text = |s: &str| format!("{:?}", Field::Text(s));
        assert_eq!(
            rows,
            vec![
                vec![text("a"), text("a0"), text("a1")],
                vec![text("c"), text("c0"), text("c1")],
            ]
        );
    }
}
