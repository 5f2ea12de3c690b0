//! sObject create/update/delete with Salesforce-style validation, audit fields from the
//! mutation clock, derived fields recomputed, and a recycle bin for deletes.

use crate::error::ApiError;
use crate::generator::derive_opportunity;
use crate::ids;
use crate::schema::{standard, FieldMeta, FieldType};
use crate::store::{Org, Row, RowState};
use crate::timeutil;
use crate::value::{RecordRef, Value, POW10};
use serde_json::Value as Json;

fn json_error(msg: String) -> ApiError {
    ApiError::bad_request("JSON_PARSER_ERROR", msg)
}

/// Converts a JSON value from a request body to a stored value for `f`.
fn convert(org: &Org, f: &FieldMeta, v: &Json) -> Result<Value, ApiError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let cannot = |ty: &str| {
        json_error(format!("Cannot deserialize instance of {ty} from {} value {v} or request may be missing a required field", json_kind(v)))
    };
    Ok(match f.ftype {
        t if t.is_text() => {
            let s = v.as_str().ok_or_else(|| cannot("string"))?;
            // Salesforce never stores '' or leading/trailing whitespace.
            let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
            if s.is_empty() {
                return Ok(Value::Null);
            }
            if s.chars().count() > f.length as usize && f.length > 0 {
                return Err(ApiError::bad_request(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {} (max length={})",
                        f.label, s, f.length
                    ),
                )
                .with_fields(vec![f.name.clone()]));
            }
            if f.restricted_picklist && !f.picklist.iter().any(|p| p.value == s) {
                return Err(ApiError::bad_request(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!(
                        "{}: bad value for restricted picklist field: {}",
                        f.label, s
                    ),
                )
                .with_fields(vec![f.name.clone()]));
            }
            Value::str(s)
        }
        FieldType::Boolean => Value::Bool(v.as_bool().ok_or_else(|| cannot("boolean"))?),
        FieldType::Int => Value::Int(
            v.as_i64()
                .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64))
                .ok_or_else(|| cannot("int"))?,
        ),
        t if t.is_decimal() => {
            let x = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| cannot("double"))?;
            let scaled = (x * POW10[f.scale.min(18) as usize] as f64).round();
            if !scaled.is_finite() || scaled.abs() >= 9.0e18 {
                return Err(ApiError::bad_request(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    format!(
                        "{}: value outside of valid range on numeric field: {x}",
                        f.label
                    ),
                ));
            }
            Value::Num(scaled as i64)
        }
        FieldType::Date => {
            let s = v.as_str().ok_or_else(|| cannot("date"))?;
            let d = timeutil::parse_date(s.get(..10).unwrap_or(s)).ok_or_else(|| cannot("date"))?;
            Value::Date(d)
        }
        FieldType::DateTime => {
            let s = v.as_str().ok_or_else(|| cannot("datetime"))?;
            Value::DateTime(timeutil::parse_datetime(s).ok_or_else(|| cannot("datetime"))?)
        }
        FieldType::Time => {
            let s = v.as_str().ok_or_else(|| cannot("time"))?;
            Value::Time(timeutil::parse_time(s).ok_or_else(|| cannot("time"))?)
        }
        FieldType::Reference => {
            let s = v.as_str().ok_or_else(|| cannot("id"))?;
            if !ids::is_valid_format(s) {
                return Err(ApiError::bad_request(
                    "MALFORMED_ID",
                    format!("{}: id value of incorrect type: {s}", f.label),
                )
                .with_fields(vec![f.name.clone()]));
            }
            let r = org
                .resolve_id(s)
                .filter(|r| {
                    f.reference_to
                        .iter()
                        .any(|t| t == &org.schema.objects[r.obj as usize].name)
                })
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "INVALID_CROSS_REFERENCE_KEY",
                        format!("{}: id value of incorrect type: {s}", f.label),
                    )
                    .with_fields(vec![f.name.clone()])
                })?;
            Value::Ref(r)
        }
        _ => return Err(cannot(f.ftype.api_name())),
    })
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "VALUE_STRING",
        Json::Number(_) => "VALUE_NUMBER",
        Json::Bool(_) => "VALUE_TRUE",
        Json::Array(_) => "START_ARRAY",
        Json::Object(_) => "START_OBJECT",
        Json::Null => "VALUE_NULL",
    }
}

/// Applies body fields onto `values`. `creating` selects createable vs updateable checks.
fn apply_body(
    org: &Org,
    obj: usize,
    values: &mut [Value],
    body: &Json,
    creating: bool,
) -> Result<Vec<usize>, ApiError> {
    let meta = &org.schema.objects[obj];
    let map = body.as_object().ok_or_else(|| {
        json_error("Cannot deserialize instance of sObject from non-object value".into())
    })?;
    let mut touched = vec![];
    for (k, v) in map {
        if k == "attributes" {
            continue;
        }
        let i = meta.field_index(k).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{k}' on sobject of type {}", meta.name),
            )
        })?;
        let f = &meta.fields[i];
        let allowed = if creating { f.createable } else { f.updateable };
        if !allowed {
            return Err(ApiError::bad_request(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!("Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", f.name),
            )
            .with_fields(vec![f.name.clone()]));
        }
        values[i] = convert(org, f, v)?;
        touched.push(i);
    }
    Ok(touched)
}

/// Recomputes fields Salesforce derives from others (names, opportunity stage data).
fn derive(org: &Org, obj: usize, values: &mut [Value], touched: &[usize]) {
    let meta = &org.schema.objects[obj];
    let name_of = |n: &str| meta.field_index(n);
    if let (Some(first), Some(last), Some(name)) =
        (name_of("FirstName"), name_of("LastName"), name_of("Name"))
    {
        if !meta.fields[name].createable {
            let full = match (values[first].as_str(), values[last].as_str()) {
                (Some(f), Some(l)) => format!("{f} {l}"),
                (None, Some(l)) => l.to_string(),
                (Some(f), None) => f.to_string(),
                (None, None) => String::new(),
            };
            values[name] = if full.is_empty() {
                Value::Null
            } else {
                Value::Str(full.into())
            };
        }
    }
    // State and country picklists: a written code sets the name, a written name the code.
    for parts in meta.compounds.values() {
        let t = |i: usize| touched.contains(&i);
        let str_or_null = |v: Option<&'static str>| v.map_or(Value::Null, Value::str);
        let (Some(c), Some(cc)) = (parts.country, parts.country_code) else {
            continue;
        };
        let country_changed = t(c) || t(cc);
        if t(cc) && !t(c) {
            values[c] = str_or_null(values[cc].as_str().and_then(standard::country_name));
        } else if t(c) && !t(cc) {
            values[cc] = str_or_null(values[c].as_str().and_then(standard::country_code));
        }
        let (Some(st), Some(sc)) = (parts.state, parts.state_code) else {
            continue;
        };
        let code = values[cc].as_str().and_then(standard::country_code);
        if t(sc) && !t(st) {
            let state = values[sc].as_str().map(str::to_string);
            values[st] = str_or_null(
                code.zip(state)
                    .and_then(|(c, s)| standard::state_name(c, &s)),
            );
        } else if !t(sc) && (t(st) || country_changed) {
            let state = values[st].as_str().map(str::to_string);
            values[sc] = str_or_null(
                code.zip(state)
                    .and_then(|(c, s)| standard::state_code(c, &s)),
            );
        }
    }
    if meta.name == "Opportunity" {
        let stage_changed = name_of("StageName").is_some_and(|s| touched.contains(&s));
        let prob_given = name_of("Probability").is_some_and(|p| touched.contains(&p));
        derive_opportunity(meta, values, stage_changed && !prob_given);
    }
    if meta.name == "Task" {
        if let (Some(s), Some(c)) = (name_of("Status"), name_of("IsClosed")) {
            values[c] = Value::Bool(values[s].as_str() == Some("Completed"));
        }
        if let (Some(p), Some(h)) = (name_of("Priority"), name_of("IsHighPriority")) {
            values[h] = Value::Bool(values[p].as_str() == Some("High"));
        }
    }
}

/// `POST /sobjects/{Object}`: returns the new record.
pub fn create(
    org: &mut Org,
    obj: usize,
    body: &Json,
    user: RecordRef,
) -> Result<RecordRef, ApiError> {
    let meta = &org.schema.objects[obj];
    if !meta.createable {
        return Err(ApiError::bad_request(
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", meta.name),
        ));
    }
    let mut values = vec![Value::Null; meta.fields.len()];
    for (i, f) in meta.fields.iter().enumerate() {
        if f.ftype == FieldType::Boolean {
            values[i] = Value::Bool(
                f.default_value
                    .as_ref()
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
            );
        } else if let Some(d) = f.default_picklist_value() {
            values[i] = Value::str(d);
        }
    }
    let touched = apply_body(org, obj, &mut values, body, true)?;
    let meta = &org.schema.objects[obj];
    let sys = org.system[obj].clone();
    if let Some(o) = sys.owner {
        if values[o].is_null() {
            values[o] = Value::Ref(user);
        }
    }
    let row = org.tables[obj].rows.len() as u32;
    let me = RecordRef {
        obj: obj as u16,
        row,
    };
    values[sys.id] = Value::Ref(me);
    for (i, f) in meta.fields.iter().enumerate() {
        if f.auto_number {
            values[i] = Value::Str(format!("INV-{:07}", row + 1).into());
        }
    }
    derive(org, obj, &mut values, &touched);
    let missing: Vec<String> = meta
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            !f.nillable && f.createable && !f.defaulted_on_create && values[*i].is_null()
        })
        .map(|(_, f)| f.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::bad_request(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", missing.join(", ")),
        )
        .with_fields(missing));
    }
    let now = org.clock.tick();
    for (slot, v) in [
        (sys.created_date, Value::DateTime(now)),
        (sys.last_modified_date, Value::DateTime(now)),
        (sys.system_modstamp, Value::DateTime(now)),
        (sys.created_by, Value::Ref(user)),
        (sys.last_modified_by, Value::Ref(user)),
        (sys.is_deleted, Value::Bool(false)),
    ] {
        if let Some(i) = slot {
            values[i] = v;
        }
    }
    org.tables[obj].rows.push(Row {
        values: values.into_boxed_slice(),
        state: RowState::Live,
    });
    Ok(me)
}

/// Finds a live record of `obj` by id (deleted or unknown → NOT_FOUND / ENTITY_IS_DELETED).
pub fn find_live(org: &Org, obj: usize, id: &str) -> Result<RecordRef, ApiError> {
    let r = org
        .resolve_id(id)
        .filter(|r| r.obj as usize == obj)
        .ok_or_else(ApiError::not_found)?;
    match org.row(r).map(|row| row.state) {
        Some(RowState::Live) => Ok(r),
        Some(RowState::Deleted) => {
            Err(ApiError::new(404, "ENTITY_IS_DELETED", "entity is deleted"))
        }
        _ => Err(ApiError::not_found()),
    }
}

fn touch(org: &mut Org, r: RecordRef, user: RecordRef) {
    let sys = org.system[r.obj as usize].clone();
    let now = org.clock.tick();
    let values = &mut org.tables[r.obj as usize].rows[r.row as usize].values;
    for (slot, v) in [
        (sys.last_modified_date, Value::DateTime(now)),
        (sys.system_modstamp, Value::DateTime(now)),
        (sys.last_modified_by, Value::Ref(user)),
    ] {
        if let Some(i) = slot {
            values[i] = v;
        }
    }
}

/// `PATCH /sobjects/{Object}/{id}`.
pub fn update(
    org: &mut Org,
    obj: usize,
    id: &str,
    body: &Json,
    user: RecordRef,
) -> Result<(), ApiError> {
    let r = find_live(org, obj, id)?;
    let mut values = org.tables[obj].rows[r.row as usize].values.to_vec();
    let touched = apply_body(org, obj, &mut values, body, false)?;
    derive(org, obj, &mut values, &touched);
    let meta = &org.schema.objects[obj];
    if let Some((_, f)) = meta
        .fields
        .iter()
        .enumerate()
        .find(|(i, f)| !f.nillable && f.updateable && values[*i].is_null())
    {
        return Err(ApiError::bad_request(
            "REQUIRED_FIELD_MISSING",
            format!("Required fields are missing: [{}]", f.name),
        )
        .with_fields(vec![f.name.clone()]));
    }
    org.tables[obj].rows[r.row as usize].values = values.into_boxed_slice();
    touch(org, r, user);
    Ok(())
}

/// `DELETE /sobjects/{Object}/{id}`: moves the record to the recycle bin.
pub fn delete(org: &mut Org, obj: usize, id: &str, user: RecordRef) -> Result<(), ApiError> {
    if org.system[obj].is_deleted.is_none() {
        return Err(ApiError::bad_request(
            "DELETE_FAILED",
            format!(
                "Records of type {} cannot be deleted",
                org.schema.objects[obj].name
            ),
        ));
    }
    let r = find_live(org, obj, id)?;
    touch(org, r, user);
    let sys = org.system[obj].clone();
    let row = &mut org.tables[obj].rows[r.row as usize];
    row.state = RowState::Deleted;
    if let Some(i) = sys.is_deleted {
        row.values[i] = Value::Bool(true);
    }
    let when = sys
        .system_modstamp
        .and_then(|i| row.values[i].as_datetime())
        .unwrap_or_else(|| org.clock.now());
    org.tables[obj].deleted_log.push((r.row, when));
    Ok(())
}

/// Hard-deletes recycle-bin rows of one object (or all objects).
pub fn purge(org: &mut Org, obj: Option<usize>) -> usize {
    let now = org.clock.tick();
    let mut n = 0;
    for (i, t) in org.tables.iter_mut().enumerate() {
        if obj.is_some_and(|o| o != i) {
            continue;
        }
        for row in t.rows.iter_mut().filter(|r| r.state == RowState::Deleted) {
            row.state = RowState::Purged;
            n += 1;
        }
        t.deleted_log.clear();
        t.last_purge_ms = Some(now);
    }
    n
}

/// Test hook: sets fields of an existing (live or recycle-bin) record directly, read-only
/// and audit fields included, without validation of updateability and without bumping
/// any timestamp. `Id`, compound and evaluated formula fields cannot be set.
pub fn backdate(org: &mut Org, obj: usize, id: &str, fields: &Json) -> Result<RecordRef, ApiError> {
    let r = org
        .resolve_id(id)
        .filter(|r| r.obj as usize == obj)
        .ok_or_else(ApiError::not_found)?;
    let map = fields
        .as_object()
        .ok_or_else(|| json_error("fields must be an object".into()))?;
    let meta = &org.schema.objects[obj];
    let mut values = org.tables[obj].rows[r.row as usize].values.to_vec();
    for (k, v) in map {
        let i = meta.field_index(k).ok_or_else(|| {
            ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{k}' on sobject of type {}", meta.name),
            )
        })?;
        let f = &meta.fields[i];
        if i == org.system[obj].id || f.ftype.is_compound() || org.formula(obj, i).is_some() {
            return Err(ApiError::bad_request(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!("Unable to create/update fields: {}.", f.name),
            )
            .with_fields(vec![f.name.clone()]));
        }
        values[i] = match f.ftype {
            FieldType::Id => return Err(json_error(format!("cannot set {}", f.name))),
            _ => convert(org, f, v)?,
        };
    }
    org.tables[obj].rows[r.row as usize].values = values.into_boxed_slice();
    Ok(r)
}
