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

pub struct Org {
    pub schema: Schema,
    pub tables: Vec<Table>,
    pub system: Vec<SystemFields>,
    pub clock: MutationClock,
    pub org_id: String,
}

impl Org {
    pub fn new(schema: Schema, tables: Vec<Table>, max_generated_ms: i64) -> Org {
        let system = schema.objects.iter().map(SystemFields::of).collect();
        Org {
            schema,
            tables,
            system,
            clock: MutationClock::new(max_generated_ms.max(timeutil::BASE_INSTANT_MS)),
            org_id: ids::encode("00D", 0),
        }
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

    pub fn value(&self, r: RecordRef, field: usize) -> &Value {
        static NULL: Value = Value::Null;
        self.row(r)
            .and_then(|row| row.values.get(field))
            .unwrap_or(&NULL)
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
