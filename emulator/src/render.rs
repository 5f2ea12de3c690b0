//! Writes records as REST JSON straight into a byte buffer (no intermediate JSON tree):
//! query records with nested relationship objects, compound fields, full records and dumps.

use crate::schema::{FieldType, ObjectMeta};
use crate::soql::aggregate::AggPlan;
use crate::soql::compile::{Leaf, RenderNode};
use crate::soql::eval::{convert_to_user, leaf_value};
use crate::store::{Org, RowState};
use crate::value::{
    decimal_to_string, write_double, write_json_str, write_value, RecordRef, Value,
};

pub fn write_attributes(out: &mut Vec<u8>, org: &Org, r: RecordRef, version: &str) {
    let name = &org.schema.objects[r.obj as usize].name;
    out.extend_from_slice(b"\"attributes\":{\"type\":");
    write_json_str(out, name);
    out.extend_from_slice(b",\"url\":\"/services/data/v");
    out.extend_from_slice(version.as_bytes());
    out.extend_from_slice(b"/sobjects/");
    out.extend_from_slice(name.as_bytes());
    out.push(b'/');
    let mut id = [0u8; 18];
    crate::ids::encode_into(org.prefix(r.obj), r.row, &mut id);
    out.extend_from_slice(&id);
    out.extend_from_slice(b"\"}");
}

fn write_key(out: &mut Vec<u8>, key: &str) {
    out.push(b',');
    write_json_str(out, key);
    out.push(b':');
}

/// Writes an address or location compound value from its component fields.
fn write_compound(out: &mut Vec<u8>, org: &Org, r: RecordRef, meta: &ObjectMeta, field: usize) {
    let Some(parts) = meta.compounds.get(&field) else {
        out.extend_from_slice(b"null");
        return;
    };
    let get = |i: Option<usize>| i.map(|i| (org.value(r, i), meta.fields[i].scale));
    let entries: Vec<(&str, Option<(&Value, u32)>)> =
        if meta.fields[field].ftype == FieldType::Location {
            vec![
                ("latitude", get(parts.latitude)),
                ("longitude", get(parts.longitude)),
            ]
        } else {
            vec![
                ("city", get(parts.city)),
                ("country", get(parts.country)),
                ("countryCode", get(parts.country_code)),
                ("geocodeAccuracy", get(parts.geocode_accuracy)),
                ("latitude", get(parts.latitude)),
                ("longitude", get(parts.longitude)),
                ("postalCode", get(parts.postal_code)),
                ("state", get(parts.state)),
                ("stateCode", get(parts.state_code)),
                ("street", get(parts.street)),
            ]
        };
    if entries
        .iter()
        .all(|(_, v)| v.is_none_or(|(v, _)| v.is_null()))
    {
        out.extend_from_slice(b"null");
        return;
    }
    out.push(b'{');
    for (k, (key, v)) in entries.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        match v {
            Some((v, scale)) => write_value(out, v, *scale, &org.schema),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
}

fn write_field_value(
    out: &mut Vec<u8>,
    org: &Org,
    r: RecordRef,
    leaf: &Leaf,
    ftype: FieldType,
    scale: u32,
) {
    match leaf {
        Leaf::Field(i) if ftype.is_compound() => {
            write_compound(out, org, r, &org.schema.objects[r.obj as usize], *i)
        }
        _ => write_value(out, &leaf_value(org, r, leaf), scale, &org.schema),
    }
}

/// One query record: `{"attributes":{...},"Field":value,"Rel":{...}|null,...}`.
pub fn write_query_record(
    out: &mut Vec<u8>,
    org: &Org,
    r: RecordRef,
    nodes: &[RenderNode],
    version: &str,
) {
    out.push(b'{');
    write_attributes(out, org, r, version);
    for node in nodes {
        match node {
            RenderNode::Field {
                key,
                leaf,
                ftype,
                scale,
                convert,
            } => {
                write_key(out, key);
                match convert {
                    Some(ci) => {
                        let v = convert_to_user(org, r, &leaf_value(org, r, leaf), *ci, *scale);
                        write_value(out, &v, *scale, &org.schema);
                    }
                    None => write_field_value(out, org, r, leaf, *ftype, *scale),
                }
            }
            RenderNode::Relationship {
                key,
                fk_field,
                children,
            } => {
                write_key(out, key);
                match org.value(r, *fk_field) {
                    Value::Ref(target)
                        if org
                            .row(*target)
                            .is_some_and(|row| row.state != RowState::Purged) =>
                    {
                        write_query_record(out, org, *target, children, version)
                    }
                    _ => out.extend_from_slice(b"null"),
                }
            }
        }
    }
    out.push(b'}');
}

/// A whole record (`GET /sobjects/X/id`): attributes and every field, compounds included.
/// `only` restricts to the given field positions (the `fields` parameter).
pub fn write_full_record(
    out: &mut Vec<u8>,
    org: &Org,
    r: RecordRef,
    version: &str,
    only: Option<&[usize]>,
) {
    let meta = &org.schema.objects[r.obj as usize];
    out.push(b'{');
    write_attributes(out, org, r, version);
    for (i, f) in meta.fields.iter().enumerate() {
        if only.is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        write_key(out, &f.name);
        write_field_value(out, org, r, &Leaf::Field(i), f.ftype, f.scale);
    }
    out.push(b'}');
}

/// A dump record: every non-compound field by API name, no attributes.
pub fn write_dump_record(out: &mut Vec<u8>, org: &Org, r: RecordRef) {
    let meta = &org.schema.objects[r.obj as usize];
    out.push(b'{');
    let mut first = true;
    for (i, f) in meta.fields.iter().enumerate() {
        if f.ftype.is_compound() {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str(out, &f.name);
        out.push(b':');
        write_value(out, org.value(r, i), f.scale, &org.schema);
    }
    out.push(b'}');
}

/// The whole answer of an aggregate query: `AggregateResult` records (attributes carry only
/// the type, no url) keyed by grouped field name, alias or exprN; always `done` (aggregate
/// answers cannot page).
pub fn write_aggregate_result(out: &mut Vec<u8>, org: &Org, agg: &AggPlan, rows: &[Box<[Value]>]) {
    out.extend_from_slice(
        format!("{{\"totalSize\":{},\"done\":true,\"records\":[", rows.len()).as_bytes(),
    );
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"attributes\":{\"type\":\"AggregateResult\"}");
        for c in &agg.columns {
            write_key(out, &c.key);
            match (c.double, agg.value(row, c.slot)) {
                // AVG is a double: its exact quotient, rounded to the nearest one.
                (true, Value::Dec(m, s)) => write_double(
                    out,
                    decimal_to_string(*m, *s as u32).parse().unwrap_or(f64::NAN),
                ),
                (_, v) => write_value(out, v, c.scale, &org.schema),
            }
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
}
