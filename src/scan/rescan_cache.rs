//! What a scan keeps for its rescans, within work_mem (DESIGN.md section 6, cheap rescans):
//! - the whole result of each SOQL it read to the end, so that a rescan asking the same (the
//!   inner side of a nested loop, a parameter value seen before) sends nothing;
//! - for a scan looked up by one key per rescan (a correlated subquery on an id: `where a.id =
//!   o.account_id`), the rows of every key, read once and indexed by the key's value, so that
//!   the outer rows after the first few cost no request at all.
//!
//! The lookup condition stays in the local filter (a parameter makes it inexact at plan time),
//! so the index only has to give a superset of each key's rows: it gives exactly the rows whose
//! field, as the column shows it, equals the key.

use std::collections::HashMap;
use std::sync::Arc;

use crate::remote::records::{Field, Page};

/// Pages of one read, shared by every replay of it.
pub type Pages = Arc<Vec<Arc<Page>>>;

pub struct RescanCache {
    results: HashMap<String, Pages>,
    bytes: usize,
    budget: usize,
    index: Option<KeyIndex>,
    index_failed: bool,
    /// Rescans answered from memory (EXPLAIN ANALYZE).
    pub answered: u64,
}

/// Every row of a lookup scan, by the value of its key field.
struct KeyIndex {
    pages: Pages,
    rows: HashMap<String, Arc<Vec<(u32, u32)>>>,
}

/// Rows served from memory: all records of the pages, or the listed (page, record) pairs.
pub struct Replay {
    pages: Pages,
    rows: Option<Arc<Vec<(u32, u32)>>>,
    /// Next page (all records) or next entry of `rows`.
    position: usize,
    record: usize,
}

impl Replay {
    pub fn next_record(&mut self) -> Option<(&Page, usize)> {
        match &self.rows {
            Some(rows) => {
                let (page, record) = *rows.get(self.position)?;
                self.position += 1;
                Some((&self.pages[page as usize], record as usize))
            }
            None => {
                while self.record >= self.pages.get(self.position)?.len() {
                    self.position += 1;
                    self.record = 0;
                }
                self.record += 1;
                Some((&self.pages[self.position], self.record - 1))
            }
        }
    }
}

impl RescanCache {
    /// A cache of at most `budget` bytes (work_mem).
    pub fn new(budget: usize) -> RescanCache {
        RescanCache {
            results: HashMap::new(),
            bytes: 0,
            budget,
            index: None,
            index_failed: false,
            answered: 0,
        }
    }

    /// Bytes a read may still keep.
    pub fn remaining(&self) -> usize {
        self.budget.saturating_sub(self.bytes)
    }

    /// Keeps the whole result of `soql`.
    pub fn remember(&mut self, soql: String, pages: Vec<Arc<Page>>, bytes: usize) {
        if bytes <= self.remaining() && !self.results.contains_key(&soql) {
            self.bytes += bytes;
            self.results.insert(soql, Arc::new(pages));
        }
    }

    pub fn has_result(&self, soql: &str) -> bool {
        self.results.contains_key(soql)
    }

    /// The rows of `soql`, when a read of it was kept.
    pub fn replay_of(&mut self, soql: &str) -> Option<Replay> {
        let pages = self.results.get(soql)?.clone();
        self.answered += 1;
        Some(Replay {
            pages,
            rows: None,
            position: 0,
            record: 0,
        })
    }

    pub fn has_index(&self) -> bool {
        self.index.is_some()
    }

    /// Whether indexing was tried and the rows did not fit.
    pub fn index_failed(&self) -> bool {
        self.index_failed
    }

    pub fn mark_index_failed(&mut self) {
        self.index_failed = true;
    }

    /// Indexes every row of a lookup scan by the value of its field number `column`.
    pub fn build_index(&mut self, pages: Vec<Arc<Page>>, bytes: usize, column: usize) {
        let mut rows: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        for (p, page) in pages.iter().enumerate() {
            for record in 0..page.len() {
                if let Field::Text(value) = page.field(record, column) {
                    rows.entry(shown_text(value))
                        .or_default()
                        .push((p as u32, record as u32));
                }
            }
        }
        self.bytes += bytes;
        self.index = Some(KeyIndex {
            pages: Arc::new(pages),
            rows: rows.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
        });
    }

    /// The rows whose key field equals `key`, when the index is built.
    pub fn replay_key(&mut self, key: &str) -> Option<Replay> {
        let index = self.index.as_ref()?;
        self.answered += 1;
        Some(Replay {
            pages: index.pages.clone(),
            rows: Some(index.rows.get(key).cloned().unwrap_or_default()),
            position: 0,
            record: 0,
        })
    }
}

/// A text field as its column shows it: without NUL characters (`pg::datum`).
fn shown_text(value: &str) -> String {
    value.replace('\0', "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::records::RowShape;

    fn page(ids: &[&str]) -> Arc<Page> {
        let records: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"attributes":{{"type":"Account"}},"Id":"{id}","Name":"n-{id}"}}"#)
            })
            .collect();
        let body = format!(
            r#"{{"totalSize":{},"done":true,"records":[{}]}}"#,
            ids.len(),
            records.join(",")
        );
        let shape = RowShape::new(["Id", "Name"]);
        Arc::new(Page::Rest(
            shape.rest_page(body.as_bytes()).unwrap().records,
        ))
    }

    fn names(replay: &mut Replay) -> Vec<String> {
        let mut out = Vec::new();
        while let Some((page, record)) = replay.next_record() {
            if let Field::Text(name) = page.field(record, 1) {
                out.push(name.to_string());
            }
        }
        out
    }

    #[test]
    fn a_kept_result_is_replayed_whole() {
        let mut cache = RescanCache::new(1 << 20);
        cache.remember(
            "q".into(),
            vec![page(&["a", "b"]), page(&[]), page(&["c"])],
            100,
        );
        assert!(cache.replay_of("other").is_none());
        let mut replay = cache.replay_of("q").unwrap();
        assert_eq!(names(&mut replay), ["n-a", "n-b", "n-c"]);
        assert_eq!(cache.answered, 1);
    }

    #[test]
    fn results_beyond_the_budget_are_not_kept() {
        let mut cache = RescanCache::new(150);
        cache.remember("q1".into(), vec![page(&["a"])], 100);
        cache.remember("q2".into(), vec![page(&["b"])], 100);
        assert!(cache.replay_of("q1").is_some());
        assert!(cache.replay_of("q2").is_none());
        assert_eq!(cache.remaining(), 50);
    }

    #[test]
    fn the_index_gives_each_keys_rows_in_read_order() {
        let mut cache = RescanCache::new(1 << 20);
        assert!(cache.replay_key("a").is_none());
        cache.build_index(vec![page(&["a", "b"]), page(&["a"])], 10, 0);
        assert_eq!(names(&mut cache.replay_key("a").unwrap()), ["n-a", "n-a"]);
        assert_eq!(names(&mut cache.replay_key("b").unwrap()), ["n-b"]);
        assert!(names(&mut cache.replay_key("A").unwrap()).is_empty());
    }
}
