//! Pages of records, read by planned column position, built on the prefetch thread so that
//! the executor only reads. A REST query page (JSON) keeps its body, and each requested value
//! is a slot pointing into it (strings without escapes and numbers are never copied; no
//! per-record map is built). A Bulk API 2.0 results page (CSV) keeps each record as the CSV
//! reader's one buffer, with the position of each planned column's field. The executor reads
//! a value as a borrowed `Field`, so strings are copied once, into Postgres memory.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

/// The records of a REST page: `width` slots per record, in plan column order.
#[derive(Debug, Default)]
pub struct RestRecords {
    /// The page's JSON text, which `Slot::Text` points into.
    text: String,
    width: usize,
    /// Records read (a scan may need no column at all: `count(*)`).
    count: usize,
    slots: Vec<Slot>,
    /// Strings that had escapes, decoded; numbers taken out of relationship values.
    strings: Vec<String>,
    /// Objects and arrays (compound fields), and values under a relationship.
    values: Vec<Value>,
}

/// Where one value of a REST record is.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Null,
    Bool(bool),
    /// Bytes of the body: a string's contents (no escapes) or a number's exact text.
    Text {
        start: u32,
        end: u32,
    },
    String(u32),
    Json(u32),
}

impl RestRecords {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn field(&self, record: usize, column: usize) -> Field<'_> {
        match self.slots[record * self.width + column] {
            Slot::Null => Field::Null,
            Slot::Bool(b) => Field::Bool(b),
            Slot::Text { start, end } => {
                // Slots start and end next to ASCII bytes, so this never fails.
                match self.text.get(start as usize..end as usize) {
                    Some(text) => Field::Text(text),
                    None => Field::Null,
                }
            }
            Slot::String(i) => Field::Text(&self.strings[i as usize]),
            Slot::Json(i) => Field::of(&self.values[i as usize]),
        }
    }

    /// The slot of a raw JSON value found at byte `offset` of the body.
    fn slot_of_raw(&mut self, raw: &str, offset: usize) -> Result<Slot, String> {
        let text = |start: usize, end: usize| Slot::Text {
            start: start as u32,
            end: end as u32,
        };
        Ok(match raw.as_bytes().first() {
            Some(b'n') => Slot::Null,
            Some(b't') => Slot::Bool(true),
            Some(b'f') => Slot::Bool(false),
            Some(b'"') if !raw.contains('\\') => text(offset + 1, offset + raw.len() - 1),
            Some(b'"') => {
                let decoded: String = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                self.strings.push(decoded);
                Slot::String(self.strings.len() as u32 - 1)
            }
            Some(b'{' | b'[') => {
                let value: Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
                self.values.push(value);
                Slot::Json(self.values.len() as u32 - 1)
            }
            _ => text(offset, offset + raw.len()),
        })
    }

    fn slot_of_value(&mut self, value: Value) -> Slot {
        match value {
            Value::Null => Slot::Null,
            Value::Bool(b) => Slot::Bool(b),
            Value::String(s) => {
                self.strings.push(s);
                Slot::String(self.strings.len() as u32 - 1)
            }
            Value::Number(n) => {
                self.strings.push(n.as_str().to_string());
                Slot::String(self.strings.len() as u32 - 1)
            }
            other => {
                self.values.push(other);
                Slot::Json(self.values.len() as u32 - 1)
            }
        }
    }
}

/// A page of records, from either API.
#[derive(Debug)]
pub enum Page {
    Rest(RestRecords),
    Csv {
        /// Per planned column, the CSV field it reads (None: the header does not have it).
        positions: Vec<Option<usize>>,
        records: Vec<csv::StringRecord>,
    },
    /// Records put together from the pages of several queries that each read some of the
    /// fields (a field list too long for one request), matched by Id.
    Joined(JoinedRecords),
    /// The answer of `SELECT COUNT() FROM ...`: no records, the count in `totalSize`
    /// (SALESFORCE.md 12.15); one record of one value, the count's text.
    Count(String),
}

/// See `Page::Joined`.
#[derive(Debug)]
pub struct JoinedRecords {
    /// The pages the records come from (shared with the next joined page when a page's
    /// records straddle two of them).
    pub parts: Vec<std::sync::Arc<Page>>,
    /// Per record, per query: (index in `parts`, record in that part).
    pub rows: Vec<Vec<(u32, u32)>>,
    /// Per planned column: (query, column of that query's shape).
    pub columns: std::sync::Arc<Vec<(usize, usize)>>,
}

/// One value of a record, borrowed from its page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Null,
    /// A string, or a number's exact text.
    Text(&'a str),
    Bool(bool),
    /// Anything else: compound fields (address, location), arrays, objects.
    Json(&'a Value),
}

impl<'a> Field<'a> {
    pub fn of(value: &'a Value) -> Field<'a> {
        match value {
            Value::Null => Field::Null,
            Value::String(s) => Field::Text(s),
            Value::Number(n) => Field::Text(n.as_str()),
            Value::Bool(b) => Field::Bool(*b),
            other => Field::Json(other),
        }
    }
}

impl Page {
    pub fn len(&self) -> usize {
        match self {
            Page::Rest(records) => records.len(),
            Page::Csv { records, .. } => records.len(),
            Page::Joined(joined) => joined.rows.len(),
            Page::Count(_) => 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// About how many bytes the page holds (for keeping pages within work_mem).
    pub fn approx_bytes(&self) -> usize {
        match self {
            Page::Rest(records) => {
                records.text.len()
                    + records.slots.len() * std::mem::size_of::<Slot>()
                    + records.strings.iter().map(|s| s.len() + 24).sum::<usize>()
                    + records.values.len() * 64
            }
            Page::Csv { records, .. } => records.iter().map(|r| r.as_slice().len() + 64).sum(),
            Page::Joined(joined) => {
                joined.parts.iter().map(|p| p.approx_bytes()).sum::<usize>()
                    + joined.rows.len() * 64
            }
            Page::Count(count) => count.len(),
        }
    }

    /// The value of planned column `column` in record `record`. Empty CSV values are NULL:
    /// Salesforce stores no empty strings.
    pub fn field(&self, record: usize, column: usize) -> Field<'_> {
        match self {
            Page::Rest(records) => records.field(record, column),
            Page::Csv { positions, records } => {
                match positions[column].and_then(|at| records[record].get(at)) {
                    None | Some("") => Field::Null,
                    Some(text) => Field::Text(text),
                }
            }
            Page::Joined(joined) => {
                let (query, position) = joined.columns[column];
                let (part, at) = joined.rows[record][query];
                joined.parts[part as usize].field(at as usize, position)
            }
            Page::Count(count) => Field::Text(count),
        }
    }
}

static NULL: Value = Value::Null;

/// Where each planned column's value is found in a record.
#[derive(Debug, Clone)]
pub struct RowShape {
    /// Field name or relationship path (`Owner.Name`) per column.
    paths: Vec<String>,
    /// Each top-level record key the plan names (exact spelling, in plan order) with the
    /// columns read from it, whatever the case of their spelling.
    keys: Vec<(String, Vec<usize>)>,
    /// Index in `keys` by exact spelling.
    by_key: HashMap<String, usize>,
    /// Index in `keys` by lowercased key: SOQL names are case-insensitive.
    by_lower_key: HashMap<String, usize>,
    /// The shape of a `SELECT COUNT()` answer: its one value is `totalSize`.
    counts_rows: bool,
}

/// The first page of a REST query, or the page behind a `nextRecordsUrl`.
#[derive(Debug, Default)]
pub struct RestPage {
    pub total_size: u64,
    pub done: bool,
    pub next_records_url: Option<String>,
    pub records: RestRecords,
}

impl RestPage {
    /// Its records as a page of `shape`, the shape it was parsed with (a `COUNT()` answer's
    /// record is its `totalSize`).
    pub fn into_page(self, shape: &RowShape) -> Page {
        if shape.counts_rows {
            Page::Count(self.total_size.to_string())
        } else {
            Page::Rest(self.records)
        }
    }
}

impl RowShape {
    pub fn new<S: Into<String>>(paths: impl IntoIterator<Item = S>) -> RowShape {
        let paths: Vec<String> = paths.into_iter().map(Into::into).collect();
        let top = |path: &str| path.split('.').next().unwrap_or("").to_string();
        let mut keys: Vec<(String, Vec<usize>)> = Vec::new();
        let mut by_key = HashMap::new();
        for path in &paths {
            let key = top(path);
            if by_key.contains_key(&key) {
                continue;
            }
            let columns = (0..paths.len())
                .filter(|&c| top(&paths[c]).eq_ignore_ascii_case(&key))
                .collect();
            by_key.insert(key.clone(), keys.len());
            keys.push((key, columns));
        }
        let mut by_lower_key = HashMap::new();
        for (index, (key, _)) in keys.iter().enumerate() {
            by_lower_key
                .entry(key.to_ascii_lowercase())
                .or_insert(index);
        }
        RowShape {
            paths,
            keys,
            by_key,
            by_lower_key,
            counts_rows: false,
        }
    }

    /// The shape of the answer of `SELECT COUNT() FROM ...`: one value, the count.
    pub fn row_count() -> RowShape {
        RowShape {
            counts_rows: true,
            ..RowShape::new(["COUNT()"])
        }
    }

    pub fn width(&self) -> usize {
        self.paths.len()
    }

    /// The columns read from a record key. Salesforce sends the fields in the order of the
    /// SELECT list, so the key after the previous one (`expected`) is tried before a lookup.
    fn columns_of_key(&self, key: &str, expected: &mut usize) -> Option<&[usize]> {
        let index = match self.keys.get(*expected) {
            Some((k, _)) if k == key => *expected,
            _ if key == "attributes" => return None,
            _ => *self
                .by_key
                .get(key)
                .or_else(|| self.by_lower_key.get(&key.to_ascii_lowercase()))?,
        };
        *expected = index + 1;
        Some(&self.keys[index].1)
    }

    /// The row of a record already parsed as a JSON object.
    #[cfg(test)]
    pub fn row_of(&self, record: &Value) -> Vec<Value> {
        self.paths
            .iter()
            .map(|path| field_value(record, path).clone())
            .collect()
    }

    /// Parses a REST query answer (`totalSize`, `done`, `nextRecordsUrl`, `records`).
    pub fn rest_page(&self, body: &[u8]) -> Result<RestPage, String> {
        let text = std::str::from_utf8(body).map_err(|e| format!("not a query result: {e}"))?;
        let mut records = RestRecords {
            width: self.width(),
            ..RestRecords::default()
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let seed = PageSeed {
            shape: self,
            records: &mut records,
            base: text.as_ptr() as usize,
        };
        let (total_size, done, next_records_url) = seed
            .deserialize(&mut deserializer)
            .map_err(|e| format!("not a query result: {e}"))?;
        deserializer
            .end()
            .map_err(|e| format!("not a query result: {e}"))?;
        records.text = text.to_string();
        Ok(RestPage {
            total_size,
            done,
            next_records_url,
            records,
        })
    }

    /// Parses a Bulk API 2.0 CSV results page (header row first). Each column is read from
    /// the header naming its field or path (`Owner.Name`), case-insensitively.
    pub fn csv_page(&self, body: &[u8]) -> Result<Page, String> {
        let mut page = None;
        self.csv_chunks(body, &mut 0, usize::MAX, |chunk| {
            page = Some(chunk);
            true
        })
        .map_err(|e| e.reason)?;
        Ok(page.unwrap_or(Page::Csv {
            positions: Vec::new(),
            records: Vec::new(),
        }))
    }

    /// Reads a Bulk API 2.0 CSV results page as it arrives and hands its records to `emit` in
    /// pages of at most `rows_per_chunk` (one empty page for a page without records).
    /// `delivered` counts the page's records handed over: records up to its value on entry
    /// are skipped (they came from an earlier download of the same page that broke off).
    /// Stops early when `emit` answers false.
    pub fn csv_chunks(
        &self,
        body: impl std::io::Read,
        delivered: &mut usize,
        rows_per_chunk: usize,
        mut emit: impl FnMut(Page) -> bool,
    ) -> Result<(), CsvError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(body);
        let header = reader
            .headers()
            .map_err(|e| CsvError::new("invalid CSV header", e))?;
        let positions: Vec<Option<usize>> = self
            .paths
            .iter()
            .map(|path| {
                header
                    .iter()
                    .position(|name| name.eq_ignore_ascii_case(path))
            })
            .collect();
        // A column the header lacks would read as NULL in every row: a wrong result, not data
        // (only a page without records may have an empty header).
        let header_is_empty = header.iter().all(str::is_empty);
        let missing = positions.iter().position(Option::is_none).map(|column| {
            let header_text = header.iter().collect::<Vec<_>>().join(",");
            CsvError {
                reason: format!(
                    "the results have no column \"{}\" (header: {header_text})",
                    self.paths[column]
                ),
                broken_off: false,
            }
        });
        if let (Some(missing), false) = (&missing, header_is_empty) {
            return Err(missing.clone());
        }
        let skip = *delivered;
        let mut records = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| CsvError::new("invalid CSV", e))?;
            if n < skip {
                continue;
            }
            if let Some(missing) = &missing {
                return Err(missing.clone());
            }
            records.push(record);
            if records.len() >= rows_per_chunk {
                *delivered += records.len();
                let chunk = Page::Csv {
                    positions: positions.clone(),
                    records: std::mem::take(&mut records),
                };
                if !emit(chunk) {
                    return Ok(());
                }
            }
        }
        // (Nothing handed over yet in this reading: the page's one, empty, chunk.)
        if !records.is_empty() || *delivered == skip {
            *delivered += records.len();
            emit(Page::Csv { positions, records });
        }
        Ok(())
    }
}

/// Why a CSV results page could not be read.
#[derive(Clone, Debug)]
pub struct CsvError {
    pub reason: String,
    /// The download broke off (the text itself was fine so far): reading the page again can
    /// succeed.
    pub broken_off: bool,
}

impl CsvError {
    fn new(what: &str, error: csv::Error) -> CsvError {
        let broken_off = matches!(error.kind(), csv::ErrorKind::Io(_));
        CsvError {
            // A download that broke off is not bad text: say which it was.
            reason: if broken_off {
                format!("the download broke off: {error}")
            } else {
                format!("{what}: {error}")
            },
            broken_off,
        }
    }
}

/// The value at a field name or relationship path (`Owner.Name`), matching keys
/// case-insensitively as SOQL names are; a null parent gives null.
pub fn field_value<'a>(record: &'a Value, path: &str) -> &'a Value {
    let mut current = record;
    for segment in path.split('.') {
        let Value::Object(map) = current else {
            return &NULL;
        };
        current = match map.get(segment) {
            Some(v) => v,
            None => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(segment))
                .map(|(_, v)| v)
                .unwrap_or(&NULL),
        };
    }
    current
}

/// Fills `records` while reading a page; answers (totalSize, done, nextRecordsUrl).
struct PageSeed<'a> {
    shape: &'a RowShape,
    records: &'a mut RestRecords,
    /// Address of the body's first byte, to turn borrowed values into offsets.
    base: usize,
}

type PageHead = (u64, bool, Option<String>);

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = PageHead;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PageHead, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = PageHead;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a query result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageHead, A::Error> {
        let mut head: PageHead = (0, false, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "totalSize" => head.0 = map.next_value()?,
                "done" => head.1 = map.next_value()?,
                "nextRecordsUrl" => head.2 = map.next_value()?,
                "records" => map.next_value_seed(RecordsSeed {
                    shape: self.shape,
                    records: &mut *self.records,
                    base: self.base,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct RecordsSeed<'a> {
    shape: &'a RowShape,
    records: &'a mut RestRecords,
    base: usize,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let seed = RecordSeed {
                shape: self.shape,
                records: &mut *self.records,
                base: self.base,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
        }
    }
}

/// Appends one record's slots.
struct RecordSeed<'a> {
    shape: &'a RowShape,
    records: &'a mut RestRecords,
    base: usize,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let shape = self.shape;
        let records = self.records;
        let mut expected = 0;
        let first = records.slots.len();
        records.slots.resize(first + shape.width(), Slot::Null);
        records.count += 1;
        while let Some(columns) = map.next_key_seed(KeySeed {
            shape,
            expected: &mut expected,
        })? {
            let Some(columns) = columns else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if columns.iter().all(|&c| !shape.paths[c].contains('.')) {
                let raw: &'de RawValue = map.next_value()?;
                let offset = raw.get().as_ptr() as usize - self.base;
                let slot = records
                    .slot_of_raw(raw.get(), offset)
                    .map_err(serde::de::Error::custom)?;
                for &column in columns {
                    records.slots[first + column] = slot;
                }
                continue;
            }
            // A relationship (`Owner` for `Owner.Name`): its values are picked out of it.
            let value: Value = map.next_value()?;
            for &column in columns {
                let picked = match shape.paths[column].split_once('.') {
                    Some((_, rest)) => field_value(&value, rest).clone(),
                    None => value.clone(),
                };
                records.slots[first + column] = records.slot_of_value(picked);
            }
        }
        Ok(())
    }
}

/// Reads a record key and answers the columns it feeds, without allocating it.
struct KeySeed<'a, 'b> {
    shape: &'a RowShape,
    expected: &'b mut usize,
}

impl<'de, 'a> DeserializeSeed<'de> for KeySeed<'a, '_> {
    type Value = Option<&'a [usize]>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'a> Visitor<'de> for KeySeed<'a, '_> {
    type Value = Option<&'a [usize]>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.shape.columns_of_key(key, self.expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape() -> RowShape {
        RowShape::new(["Id", "name", "Amount", "Owner.Name", "What.Type", "Missing"])
    }

    fn rest(shape: &RowShape, body: &[u8]) -> RestPage {
        shape.rest_page(body).unwrap()
    }

    #[test]
    fn rest_pages_are_read_by_column() {
        let body = r#"{"totalSize": 2, "done": false, "nextRecordsUrl": "/services/data/v62.0/query/01g-2000",
            "records": [
              {"attributes": {"type": "Task", "url": "/x"}, "Id": "00T1", "Name": "Call \"A\" \u00e9",
               "Amount": 12345678901234.57, "Owner": {"attributes": {"type": "User"}, "Name": "Ada"},
               "What": null, "Extra": [1, {"a": 2}]},
              {"Id": "00T2", "NAME": "bé", "Amount": -1e3, "Owner": null, "What": {"Type": 7}}
            ]}"#;
        let page = rest(&shape(), body.as_bytes());
        assert_eq!(page.total_size, 2);
        assert!(!page.done);
        assert_eq!(
            page.next_records_url.as_deref(),
            Some("/services/data/v62.0/query/01g-2000")
        );
        let page = Page::Rest(page.records);
        assert_eq!(page.len(), 2);
        assert_eq!(
            fields(&page, 0),
            [
                Field::Text("00T1"),
                Field::Text("Call \"A\" é"),
                // Exact digits, as sent.
                Field::Text("12345678901234.57"),
                Field::Text("Ada"),
                Field::Null,
                Field::Null
            ]
        );
        assert_eq!(
            fields(&page, 1),
            [
                Field::Text("00T2"),
                Field::Text("bé"),
                Field::Text("-1e3"),
                Field::Null,
                Field::Text("7"),
                Field::Null
            ]
        );
    }

    #[test]
    fn rest_fields_agree_with_reading_the_parsed_record() {
        let record = json!({"attributes": {"type": "Task"}, "Id": "1", "Name": "x\ny", "Amount": 3,
                            "Owner": {"Name": "Ada"}, "What": {"Type": "Account"}, "Missing": {"a": [1]}});
        let body = serde_json::to_vec(&json!({"done": true, "records": [record.clone()]})).unwrap();
        let page = rest(&shape(), &body);
        assert!(page.done);
        let page = Page::Rest(page.records);
        let expected = shape().row_of(&record);
        let expected: Vec<Field> = expected.iter().map(Field::of).collect();
        assert_eq!(fields(&page, 0), expected);
    }

    #[test]
    fn a_field_read_by_two_columns_fills_both() {
        let shape = RowShape::new(["Id", "id", "Owner.Name", "Owner.Id"]);
        let page = rest(
            &shape,
            br#"{"done": true, "records": [{"Id": "1", "Owner": {"Name": "Ada", "Id": "005"}}]}"#,
        );
        let page = Page::Rest(page.records);
        let row: Vec<Field> = (0..4).map(|c| page.field(0, c)).collect();
        assert_eq!(
            row,
            [
                Field::Text("1"),
                Field::Text("1"),
                Field::Text("Ada"),
                Field::Text("005")
            ]
        );
    }

    #[test]
    fn a_one_column_csv_loses_its_null_records_which_is_why_bulk_selects_id_too() {
        // (ScanPlan::query adds Id to a Bulk query of one field)
        let one = RowShape::new(["Industry"]);
        assert_eq!(
            one.csv_page(b"Industry\nEnergy\n\nRetail\n").unwrap().len(),
            2
        );
        let two = RowShape::new(["Industry"]);
        let page = two
            .csv_page(b"Industry,Id\nEnergy,1\n,2\nRetail,3\n")
            .unwrap();
        assert_eq!(page.len(), 3);
        assert_eq!(page.field(1, 0), Field::Null);
    }

    #[test]
    fn malformed_pages_are_errors() {
        let parse = |body: &'static [u8]| shape().rest_page(body);
        assert!(parse(b"[1, 2]").is_err());
        assert!(parse(br#"{"records": [1]}"#).is_err());
        assert!(parse(br#"{"done": true} trailing"#).is_err());
        assert!(parse(b"{\"done\": true, \"records\": [{\"Id\": \"\xff\"}]}").is_err());
    }

    fn page_width(page: &Page) -> usize {
        match page {
            Page::Rest(records) => records.width,
            Page::Csv { positions, .. } => positions.len(),
            Page::Joined(joined) => joined.columns.len(),
            Page::Count(_) => 1,
        }
    }

    #[test]
    fn a_count_answer_is_one_record_of_its_total_size() {
        // SELECT COUNT() answers no records, the count in totalSize (SALESFORCE.md 12.15).
        let shape = RowShape::row_count();
        let body = br#"{"totalSize": 4321, "done": true, "records": []}"#;
        let page = shape.rest_page(body).unwrap().into_page(&shape);
        assert_eq!(page.len(), 1);
        assert_eq!(page.field(0, 0), Field::Text("4321"));
        // Any other shape keeps the records as they came.
        let other = RowShape::new(["a0"]);
        let page = other.rest_page(body).unwrap().into_page(&other);
        assert!(page.is_empty());
    }

    fn fields(page: &Page, record: usize) -> Vec<Field<'_>> {
        (0..page_width(page))
            .map(|column| page.field(record, column))
            .collect()
    }

    #[test]
    fn csv_pages_read_by_column_with_nulls() {
        let body = b"\"Id\",\"NAME\",\"Amount\",\"Owner.Name\",\"Other\"\n\"006A\",\"Acme \"\"Big\"\" Deal\",\"12.50\",,\"x\"\n\"006B\",,\"3\",\"Ada\",\n";
        let shape = RowShape::new(["Id", "name", "Amount", "Owner.Name"]);
        let page = shape.csv_page(body).unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(
            fields(&page, 0),
            [
                Field::Text("006A"),
                Field::Text("Acme \"Big\" Deal"),
                Field::Text("12.50"),
                Field::Null,
            ]
        );
        assert_eq!(
            fields(&page, 1),
            [
                Field::Text("006B"),
                Field::Null,
                Field::Text("3"),
                Field::Text("Ada"),
            ]
        );
    }

    #[test]
    fn a_column_missing_from_the_csv_header_is_an_error() {
        let body = b"\"Id\",\"NAME\"\n\"006A\",\"Acme\"\n";
        let err = shape().csv_page(body).unwrap_err();
        assert!(err.contains("no column \"Amount\""), "{err}");
        assert!(err.contains("header: Id,NAME"), "{err}");
        // An empty answer (no header, no rows) is just an empty page.
        assert_eq!(shape().csv_page(b"").unwrap().len(), 0);
    }

    /// A reader that gives `good` and then fails, as a download that breaks off does.
    struct BreaksOff<'a> {
        good: &'a [u8],
    }

    impl std::io::Read for BreaksOff<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.good.is_empty() {
                return Err(std::io::Error::other("connection reset"));
            }
            let n = buf.len().min(self.good.len()).min(7);
            buf[..n].copy_from_slice(&self.good[..n]);
            self.good = &self.good[n..];
            Ok(n)
        }
    }

    #[test]
    fn csv_pages_stream_in_chunks_and_resume_after_a_broken_download() {
        let shape = RowShape::new(["Id"]);
        let body = b"\"Id\"\n\"1\"\n\"2\"\n\"3\"\n\"4\"\n\"5\"\n";
        let ids = |chunks: &[Page]| -> Vec<Vec<String>> {
            chunks
                .iter()
                .map(|c| {
                    (0..c.len())
                        .map(|r| match c.field(r, 0) {
                            Field::Text(t) => t.to_string(),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect()
        };
        // Reads `from` in chunks of 2 records into `chunks`.
        let read = |from: &mut dyn std::io::Read, delivered: &mut usize, chunks: &mut Vec<Page>| {
            shape.csv_chunks(from, delivered, 2, |c| {
                chunks.push(c);
                true
            })
        };
        let mut chunks = Vec::new();
        let mut delivered = 0;
        read(&mut &body[..], &mut delivered, &mut chunks).unwrap();
        assert_eq!(ids(&chunks), [vec!["1", "2"], vec!["3", "4"], vec!["5"]]);
        assert_eq!(delivered, 5);

        // Broken off after record 3 (the chunk of 1 and 2 was handed over): the error says
        // so, and reading the page again skips what was delivered.
        let mut chunks = Vec::new();
        let mut delivered = 0;
        let cut = body.len() - "\"4\"\n\"5\"\n".len();
        let mut broken = BreaksOff { good: &body[..cut] };
        let err = read(&mut broken, &mut delivered, &mut chunks).unwrap_err();
        assert!(err.broken_off, "{err:?}");
        assert!(err.reason.contains("connection reset"), "{err:?}");
        assert!(err.reason.starts_with("the download broke off"), "{err:?}");
        assert_eq!(delivered, 2);
        read(&mut &body[..], &mut delivered, &mut chunks).unwrap();
        assert_eq!(ids(&chunks), [vec!["1", "2"], vec!["3", "4"], vec!["5"]]);
        assert_eq!(delivered, 5);

        // Bad text is not a broken download; a consumer that stops ends the reading.
        let err = shape
            .csv_chunks(&b"\"Id\"\n\"1\",\"2\"\n"[..], &mut 0, 2, |_| true)
            .unwrap_err();
        assert!(!err.broken_off, "{err:?}");
        assert!(err.reason.starts_with("invalid CSV"), "{err:?}");
        let mut seen = 0;
        shape
            .csv_chunks(&body[..], &mut 0, 2, |_| {
                seen += 1;
                false
            })
            .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn csv_newlines_and_commas_survive() {
        let shape = RowShape::new(["Id", "Description", "id"]);
        let page = shape
            .csv_page(b"\"Id\",\"Description\"\n\"1\",\"line one\nline, two\"\n")
            .unwrap();
        assert_eq!(page.field(0, 1), Field::Text("line one\nline, two"));
        assert_eq!(page.field(0, 2), Field::Text("1"));
        assert!(shape.csv_page(b"\"Id\"\n\"1\",\"2\"\n").is_err());
    }

    #[test]
    fn records_are_counted_when_no_column_is_read() {
        let page = rest(
            &RowShape::new(Vec::<String>::new()),
            br#"{"done": true, "records": [{"Id": "1"}, {"Id": "2"}]}"#,
        );
        assert_eq!(Page::Rest(page.records).len(), 2);
        let page = RowShape::new(Vec::<String>::new())
            .csv_page(b"\"Id\"\n\"1\"\n\"2\"\n")
            .unwrap();
        assert_eq!(page.len(), 2);
    }

    #[test]
    fn rest_values_of_every_json_kind() {
        let shape = RowShape::new(["A", "B", "C", "D", "E", "F"]);
        let body = br#"{"done": true, "records": [
            {"A": "a", "B": true, "C": null, "D": {"city": "X"}, "E": false, "F": ["x", 1]}]}"#;
        let page = Page::Rest(rest(&shape, body).records);
        assert_eq!(page.field(0, 0), Field::Text("a"));
        assert_eq!(page.field(0, 1), Field::Bool(true));
        assert_eq!(page.field(0, 2), Field::Null);
        assert_eq!(page.field(0, 3), Field::Json(&json!({"city": "X"})));
        assert_eq!(page.field(0, 4), Field::Bool(false));
        assert_eq!(page.field(0, 5), Field::Json(&json!(["x", 1])));
        let number: Value = serde_json::from_str("12345678901234.57").unwrap();
        assert_eq!(Field::of(&number), Field::Text("12345678901234.57"));
    }

    #[test]
    fn paths_read_nested_objects_case_insensitively() {
        let record = json!({
            "attributes": {"type": "Task"},
            "Subject": "Call",
            "Owner": {"attributes": {"type": "User"}, "Name": "Ada"},
            "What": null
        });
        assert_eq!(field_value(&record, "Subject"), &json!("Call"));
        assert_eq!(field_value(&record, "subject"), &json!("Call"));
        assert_eq!(field_value(&record, "Owner.Name"), &json!("Ada"));
        assert_eq!(field_value(&record, "owner.name"), &json!("Ada"));
        assert_eq!(field_value(&record, "What.Type"), &Value::Null);
        assert_eq!(field_value(&record, "Missing"), &Value::Null);
    }
}
