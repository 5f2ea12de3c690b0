//! The in-memory org: one table per object, rows as `Vec<Value>` by field position.
//! Row index == id counter - 1, and rows are never physically removed (a purge only marks
//! them), so record pointers stay valid forever.

use crate::ids;
use crate::schema::{ObjectMeta, Schema};
use crate::timeutil;
use crate::value::{RecordRef, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowState {
    Live,
    /// In the recycle bin: visible to queryAll with IsDeleted = true.
    Deleted,
    /// Hard-deleted from the recycle bin: invisible everywhere.
    Purged,
}

pub struct Row {
    pub values: Box<[Value]>,
    pub state: RowState,
}

/// Positions of the system fields the engine maintains, where the object has them.
#[derive(Clone, Debug, Default)]
pub struct SystemFields {
    pub id: usize,
    pub is_deleted: Option<usize>,
    pub created_date: Option<usize>,
    pub created_by: Option<usize>,
    pub last_modified_date: Option<usize>,
    pub last_modified_by: Option<usize>,
    pub system_modstamp: Option<usize>,
    pub owner: Option<usize>,
}

impl SystemFields {
    pub fn of(o: &ObjectMeta) -> SystemFields {
        SystemFields {
            id: o.field_index("Id").unwrap_or(0),
            is_deleted: o.field_index("IsDeleted"),
            created_date: o.field_index("CreatedDate"),
            created_by: o.field_index("CreatedById"),
            last_modified_date: o.field_index("LastModifiedDate"),
            last_modified_by: o.field_index("LastModifiedById"),
            system_modstamp: o.field_index("SystemModstamp"),
            owner: o.field_index("OwnerId"),
        }
    }
}

#[derive(Default)]
pub struct Table {
    pub rows: Vec<Row>,
    /// When the recycle bin of this object was last purged (for getDeleted).
    pub last_purge_ms: Option<i64>,
    /// When each deleted row went to the recycle bin: (row, ms).
    pub deleted_log: Vec<(u32, i64)>,
}

impl Table {
    pub fn live_count(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.state == RowState::Live)
            .count()
    }
}

/// Strictly increasing clock for write timestamps: follows the wall clock but never goes
/// backwards and always stays after every generated timestamp.
pub struct MutationClock {
    last_ms: i64,
}

impl MutationClock {
    pub fn new(floor_ms: i64) -> MutationClock {
        MutationClock { last_ms: floor_ms }
    }
    pub fn tick(&mut self) -> i64 {
        self.last_ms = timeutil::wall_clock_ms().max(self.last_ms + 1);
        self.last_ms
    }
    pub fn now(&self) -> i64 {
        timeutil::wall_clock_ms().max(self.last_ms)
    }
}

/// A formula field that is a plain field path (`Account__r.Name`), resolved to positions:
/// reference fields followed from the record, then the field read on the record reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormulaPath {
    pub hops: Vec<usize>,
    pub leaf: usize,
}

/// Resolves a `calculatedFormula` that is a plain path of relationship names and a final
/// field (`Account__r.Name`, `Owner.Email`); None for any other formula (then the field
/// is not evaluated: it reads its stored value). Chains through other formula fields and
/// polymorphic references are not evaluated either.
pub fn resolve_formula(schema: &Schema, obj: usize, formula: &str) -> Option<FormulaPath> {
    let parts: Vec<&str> = formula.trim().split('.').collect();
    if parts.len() < 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return None;
    }
    let mut o = obj;
    let mut hops = vec![];
    for part in &parts[..parts.len() - 1] {
        let meta = &schema.objects[o];
        let fk = meta.relationship_index(part)?;
        let f = &meta.fields[fk];
        if f.polymorphic {
            return None;
        }
        hops.push(fk);
        o = schema.object_index(f.reference_to.first()?)?;
    }
    let meta = &schema.objects[o];
    let leaf = meta.field_index(parts[parts.len() - 1])?;
    let f = &meta.fields[leaf];
    (f.calculated_formula.is_none() && !f.ftype.is_compound()).then_some(FormulaPath { hops, leaf })
}

pub struct Org {
    pub schema: Schema,
    pub tables: Vec<Table>,
    pub system: Vec<SystemFields>,
    pub clock: MutationClock,
    pub org_id: String,
    /// Per object: the evaluated formula fields by position (None: the object has none).
    formulas: Vec<Option<Box<[Option<FormulaPath>]>>>,
}

impl Org {
    pub fn new(schema: Schema, tables: Vec<Table>, max_generated_ms: i64) -> Org {
        let system = schema.objects.iter().map(SystemFields::of).collect();
        let formulas = (0..schema.objects.len())
            .map(|o| {
                let paths: Box<[Option<FormulaPath>]> = schema.objects[o]
                    .fields
                    .iter()
                    .map(|f| {
                        f.calculated_formula
                            .as_deref()
                            .and_then(|x| resolve_formula(&schema, o, x))
                    })
                    .collect();
                paths.iter().any(Option::is_some).then_some(paths)
            })
            .collect();
        Org {
            schema,
            tables,
            system,
            clock: MutationClock::new(max_generated_ms.max(timeutil::BASE_INSTANT_MS)),
            org_id: ids::encode("00D", 0),
            formulas,
        }
    }

    /// The evaluated formula at this field position, if it is one.
    pub fn formula(&self, obj: usize, field: usize) -> Option<&FormulaPath> {
        self.formulas.get(obj)?.as_ref()?.get(field)?.as_ref()
    }

    pub fn prefix(&self, obj: u16) -> &str {
        &self.schema.objects[obj as usize].key_prefix
    }

    pub fn id_string(&self, r: RecordRef) -> String {
        ids::encode(self.prefix(r.obj), r.row)
    }

    /// Resolves an id string to an existing (non-purged) record.
    pub fn resolve_id(&self, id: &str) -> Option<RecordRef> {
        let (prefix, row) = ids::decode(id)?;
        let obj = self.schema.object_by_prefix(prefix)?;
        let row_ref = self.tables[obj].rows.get(row as usize)?;
        (row_ref.state != RowState::Purged).then_some(RecordRef {
            obj: obj as u16,
            row,
        })
    }

    pub fn row(&self, r: RecordRef) -> Option<&Row> {
        self.tables.get(r.obj as usize)?.rows.get(r.row as usize)
    }

    /// A field's value; formula fields are evaluated now, from the current parent values
    /// (their stored value is ignored, and writing a parent moves no timestamp of the child).
    #[inline]
    pub fn value(&self, r: RecordRef, field: usize) -> &Value {
        static NULL: Value = Value::Null;
        if let Some(Some(_)) = self.formulas.get(r.obj as usize) {
            return self.value_with_formulas(r, field);
        }
        self.row(r)
            .and_then(|row| row.values.get(field))
            .unwrap_or(&NULL)
    }

    #[inline(never)]
    fn value_with_formulas(&self, r: RecordRef, field: usize) -> &Value {
        static NULL: Value = Value::Null;
        match self.formula(r.obj as usize, field) {
            Some(p) => self.formula_value(r, p),
            None => self
                .row(r)
                .and_then(|row| row.values.get(field))
                .unwrap_or(&NULL),
        }
    }

    fn formula_value(&self, r: RecordRef, p: &FormulaPath) -> &Value {
        static NULL: Value = Value::Null;
        let stored = |r: RecordRef, i: usize| self.row(r).and_then(|row| row.values.get(i));
        let mut cur = r;
        for &fk in &p.hops {
            match stored(cur, fk) {
                Some(Value::Ref(next))
                    if self
                        .row(*next)
                        .is_some_and(|row| row.state != RowState::Purged) =>
                {
                    cur = *next
                }
                _ => return &NULL,
            }
        }
        stored(cur, p.leaf).unwrap_or(&NULL)
    }

    /// The record's display name (its name field), used for polymorphic `Who.Name` etc.
    pub fn display_name(&self, r: RecordRef) -> &Value {
        match self.schema.objects[r.obj as usize].name_field {
            Some(f) => self.value(r, f),
            None => &Value::Null,
        }
    }

    /// The user that API calls act as when no other user is known (the first User row).
    pub fn default_user(&self) -> Option<RecordRef> {
        let obj = self.schema.object_index("User")?;
        (!self.tables[obj].rows.is_empty()).then_some(RecordRef {
            obj: obj as u16,
            row: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::standard::standard_schema;

    #[test]
    fn formula_paths() {
        let s = standard_schema();
        let inv = s.object_index("Invoice__c").unwrap();
        let acc = s.object_index("Account").unwrap();
        let p = resolve_formula(&s, inv, "Account__r.Name").unwrap();
        assert_eq!(
            p.hops,
            vec![s.objects[inv].field_index("Account__c").unwrap()]
        );
        assert_eq!(p.leaf, s.objects[acc].field_index("Name").unwrap());
        let p = resolve_formula(&s, inv, " account__r.owner.email ").unwrap();
        assert_eq!(p.hops.len(), 2);
        for no in [
            "Name",
            "Account__r.Name & 'x'",
            "Account__r.Nope",
            "Nope__r.Name",
            "Account__r.BillingAddress",
            "Account__r..Name",
        ] {
            assert!(resolve_formula(&s, inv, no).is_none(), "{no}");
        }
        let task = s.object_index("Task").unwrap();
        assert!(resolve_formula(&s, task, "What.Name").is_none());
    }
}
