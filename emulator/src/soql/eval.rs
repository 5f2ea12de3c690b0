//! Evaluates a compiled plan: reads field paths, applies Salesforce filter semantics
//! (case-insensitive text, two-valued null handling), sorts, and applies OFFSET/LIMIT.

use super::ast::CmpOp;
use super::compile::{multi_value_set, Accessor, Filter, Leaf, LikeTok, Operand, Plan, Test};
use crate::schema::standard::currency_rate;
use crate::schema::FieldType;
use crate::store::{Org, RowState};
use crate::value::{RecordRef, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Reads a `Name` pseudo-object field (or a field by that name) from a concrete record.
pub fn leaf_value<'o>(org: &'o Org, r: RecordRef, leaf: &Leaf) -> Cow<'o, Value> {
    match leaf {
        Leaf::Field(i) => Cow::Borrowed(org.value(r, *i)),
        Leaf::Poly("Id") => Cow::Owned(Value::Ref(r)),
        Leaf::Poly("Name") => Cow::Borrowed(org.display_name(r)),
        Leaf::Poly("Type") => Cow::Owned(Value::str(&org.schema.objects[r.obj as usize].name)),
        Leaf::Poly(name) => match org.schema.objects[r.obj as usize].field_index(name) {
            Some(i) => Cow::Borrowed(org.value(r, i)),
            None => Cow::Owned(Value::Null),
        },
    }
}

/// The record the accessor's leaf is read from: follows the hops from `root`; None when any
/// lookup on the way is empty.
pub fn leaf_record(org: &Org, root: RecordRef, acc: &Accessor) -> Option<RecordRef> {
    let mut r = root;
    for &fk in &acc.hops {
        match org.value(r, fk) {
            Value::Ref(next)
                if org
                    .row(*next)
                    .is_some_and(|row| row.state != RowState::Purged) =>
            {
                r = *next
            }
            _ => return None,
        }
    }
    Some(r)
}

/// Follows the accessor's hops from `root`; Null when any lookup on the way is empty.
pub fn read<'o>(org: &'o Org, root: RecordRef, acc: &Accessor) -> Cow<'o, Value> {
    match leaf_record(org, root, acc) {
        Some(r) => leaf_value(org, r, &acc.leaf),
        None => Cow::Owned(Value::Null),
    }
}

/// What a SELECT column outputs: the stored value, or for `convertCurrency(f)` the value
/// converted into the user's currency.
pub fn read_output<'o>(org: &'o Org, root: RecordRef, acc: &Accessor) -> Cow<'o, Value> {
    let Some(r) = leaf_record(org, root, acc) else {
        return Cow::Owned(Value::Null);
    };
    let v = leaf_value(org, r, &acc.leaf);
    match (acc.convert, acc.currency) {
        (true, Some(ci)) => Cow::Owned(convert_to_user(org, r, &v, ci, acc.scale)),
        _ => v,
    }
}

/// Conversion rate (× 10^9) of the record's currency; the corporate rate when unknown.
pub fn record_rate(org: &Org, r: RecordRef, currency_field: usize) -> i128 {
    org.value(r, currency_field)
        .as_str()
        .and_then(currency_rate)
        .unwrap_or(RATE_ONE as i64) as i128
}

pub const RATE_ONE: i128 = 1_000_000_000;

/// A number value as (mantissa, scale); None for non-numbers.
pub fn num_parts(v: &Value, field_scale: u32) -> Option<(i128, u32)> {
    match v {
        Value::Num(n) => Some((*n as i128, field_scale)),
        Value::Dec(n, s) => Some((*n as i128, *s as u32)),
        Value::Int(i) => Some((*i as i128, 0)),
        _ => None,
    }
}

/// `convertCurrency`: the value divided by the record currency's rate (the user's currency is
/// the corporate currency, rate 1), rounded half away from zero to the field's scale.
pub fn convert_to_user(org: &Org, r: RecordRef, v: &Value, ci: usize, scale: u32) -> Value {
    let Some((m, s)) = num_parts(v, scale) else {
        return Value::Null;
    };
    let rate = record_rate(org, r, ci);
    let num = m.saturating_mul(RATE_ONE).saturating_mul(10i128.pow(scale));
    let den = rate.saturating_mul(10i128.pow(s));
    let q = num / den;
    let rem = num % den;
    let q = if rem.abs() * 2 >= den {
        q + num.signum()
    } else {
        q
    };
    Value::Num(q as i64)
}

/// Case-insensitive string ordering (Unicode lower-case folding).
pub fn cmp_ci(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y.iter()) {
            let o = p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase());
            if o != Ordering::Equal {
                return o;
            }
        }
        return x.len().cmp(&y.len());
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Compares a field value with an already lower-cased operand.
fn cmp_text_lower(value: &str, lower: &str) -> Ordering {
    value
        .chars()
        .flat_map(char::to_lowercase)
        .cmp(lower.chars())
}

pub fn cmp_scaled(a: i128, sa: u32, b: i128, sb: u32) -> Ordering {
    let s = sa.max(sb);
    let scale = |v: i128, from: u32| v.saturating_mul(10i128.saturating_pow(s - from));
    scale(a, sa).cmp(&scale(b, sb))
}

fn id15(org: &Org, r: RecordRef) -> String {
    let mut s = org.id_string(r);
    s.truncate(15);
    s
}

/// Compares a non-null field value with a non-null operand; None when incomparable.
/// `rate` is the conversion rate (× 10^9) of the record's currency (currency fields).
fn compare(org: &Org, v: &Value, acc: &Accessor, op: &Operand, rate: i128) -> Option<Ordering> {
    Some(match (v, op) {
        (Value::Str(s), Operand::Text(t)) => cmp_text_lower(s, t),
        (Value::Str(s), Operand::Multi(set)) => multi_value_set(s).cmp(set),
        (Value::Int(_) | Value::Num(_) | Value::Dec(..), Operand::Num { mantissa, scale }) => {
            let (m, s) = num_parts(v, acc.scale)?;
            cmp_scaled(m, s, *mantissa, *scale)
        }
        // value × rate(literal) / rate(record) compared with the literal.
        (
            Value::Num(_) | Value::Dec(..),
            Operand::Money {
                rate: lit_rate,
                mantissa,
                scale,
            },
        ) => {
            let (m, s) = num_parts(v, acc.scale)?;
            cmp_scaled(
                m.saturating_mul(*lit_rate),
                s,
                mantissa.saturating_mul(rate),
                *scale,
            )
        }
        (Value::Date(a), Operand::Date(b)) => a.cmp(b),
        (Value::DateTime(a), Operand::DateTime(b)) => a.cmp(b),
        (Value::Time(a), Operand::Time(b)) => a.cmp(b),
        (Value::Bool(a), Operand::Bool(b)) => a.cmp(b),
        (Value::Ref(r), Operand::Id(target, text)) => match target {
            Some(t) if t == r => Ordering::Equal,
            _ => id15(org, *r)
                .as_str()
                .cmp(text.as_str())
                .then(Ordering::Less),
        },
        _ => return None,
    })
}

fn like(value: &str, pat: &[LikeTok]) -> bool {
    let chars: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
    // Iterative wildcard matching with backtracking to the last `%`.
    let (mut s, mut p) = (0usize, 0usize);
    let (mut star_p, mut star_s) = (None::<usize>, 0usize);
    while s < chars.len() {
        match pat.get(p) {
            Some(LikeTok::AnyMany) => {
                star_p = Some(p);
                star_s = s;
                p += 1;
            }
            Some(LikeTok::AnyOne) => {
                s += 1;
                p += 1;
            }
            Some(LikeTok::Char(c)) if *c == chars[s] => {
                s += 1;
                p += 1;
            }
            _ => match star_p {
                Some(sp) => {
                    p = sp + 1;
                    star_s += 1;
                    s = star_s;
                }
                None => return false,
            },
        }
    }
    pat[p.min(pat.len())..]
        .iter()
        .all(|t| matches!(t, LikeTok::AnyMany))
}

/// Whether a value passes a test (`acc` types the comparison, `rate` is the conversion rate
/// of the record's currency for ISO-prefixed literals).
pub fn test_value(org: &Org, v: &Value, acc: &Accessor, t: &Test, rate: i128) -> bool {
    let null = v.is_null();
    match t {
        Test::IsNull => null,
        Test::NotNull => !null,
        Test::BoolIs(b) => v.as_bool() == *b,
        // For a null value `!=` is true and every other comparison false.
        Test::Cmp(op, operand) => {
            if null {
                return *op == CmpOp::Ne;
            }
            if matches!(operand, Operand::Null) {
                return false;
            }
            match compare(org, v, acc, operand, rate) {
                None => *op == CmpOp::Ne,
                Some(o) => match op {
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                },
            }
        }
        Test::In { values, negated } => {
            let hit = values.iter().any(|o| match o {
                Operand::Null => null,
                _ => !null && compare(org, v, acc, o, rate) == Some(Ordering::Equal),
            });
            hit != *negated
        }
        Test::Like(p) => match v {
            Value::Str(s) => like(s, p),
            Value::Ref(r) => like(&org.id_string(*r), p),
            _ => false,
        },
        Test::Includes { sets, excludes } => {
            let Value::Str(s) = v else { return *excludes };
            let have = multi_value_set(s);
            let hit = sets
                .iter()
                .any(|need| need.iter().all(|n| have.contains(n)));
            hit != *excludes
        }
    }
}

pub fn matches(org: &Org, root: RecordRef, f: &Filter) -> bool {
    match f {
        Filter::And(v) => v.iter().all(|f| matches(org, root, f)),
        Filter::Or(v) => v.iter().any(|f| matches(org, root, f)),
        Filter::Not(f) => !matches(org, root, f),
        Filter::Pred(acc, t) => {
            let Some(r) = leaf_record(org, root, acc) else {
                return test_value(org, &Value::Null, acc, t, RATE_ONE);
            };
            let rate = acc.currency.map_or(RATE_ONE, |ci| record_rate(org, r, ci));
            test_value(org, &leaf_value(org, r, &acc.leaf), acc, t, rate)
        }
    }
}

/// Total order of two non-null values of one field type (text case-insensitively);
/// `scale` is the field's scale (that of `Value::Num`).
pub fn cmp_values(org: &Org, a: &Value, b: &Value, ftype: FieldType, scale: u32) -> Ordering {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) if ftype.is_text() || ftype == FieldType::String => {
            cmp_ci(x, y).then_with(|| x.cmp(y))
        }
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Num(x), Value::Num(y)) => x.cmp(y),
        (Value::Num(_) | Value::Dec(..), Value::Num(_) | Value::Dec(..)) => {
            // Different scales only when a value carries more decimals than the field.
            let (Some((x, sx)), Some((y, sy))) = (num_parts(a, scale), num_parts(b, scale)) else {
                return Ordering::Equal;
            };
            cmp_scaled(x, sx, y, sy)
        }
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::Time(x), Value::Time(y)) => x.cmp(y),
        (Value::Ref(x), Value::Ref(y)) => {
            let px = &org.schema.objects[x.obj as usize].key_prefix;
            let py = &org.schema.objects[y.obj as usize].key_prefix;
            px.cmp(py).then(x.row.cmp(&y.row))
        }
        _ => Ordering::Equal,
    }
}

/// Orders two non-null currency values by value / rate of each record's currency.
fn cmp_converted(
    org: &Org,
    (ra, va): (RecordRef, &Value),
    (rb, vb): (RecordRef, &Value),
    acc: &Accessor,
    ci: usize,
) -> Ordering {
    let (Some((x, sx)), Some((y, sy))) = (num_parts(va, acc.scale), num_parts(vb, acc.scale))
    else {
        return Ordering::Equal;
    };
    let rate =
        |root: RecordRef| leaf_record(org, root, acc).map_or(RATE_ONE, |r| record_rate(org, r, ci));
    // x / rate_a <=> y / rate_b  ⇔  x · rate_b <=> y · rate_a (rates are positive).
    cmp_scaled(
        x.saturating_mul(rate(rb)),
        sx,
        y.saturating_mul(rate(ra)),
        sy,
    )
}

/// The rows the plan's WHERE clause selects, in row order (recycle-bin rows for queryAll).
pub fn scan<'a>(
    org: &'a Org,
    plan: &'a Plan,
    include_deleted: bool,
) -> impl Iterator<Item = u32> + 'a {
    let obj = plan.object as u16;
    org.tables[plan.object]
        .rows
        .iter()
        .enumerate()
        .filter(move |(_, r)| match r.state {
            RowState::Live => true,
            RowState::Deleted => include_deleted,
            RowState::Purged => false,
        })
        .map(|(i, _)| i as u32)
        .filter(move |&i| {
            plan.filter
                .as_ref()
                .is_none_or(|f| matches(org, RecordRef { obj, row: i }, f))
        })
}

/// Runs the plan and returns the matching row indices, in result order.
pub fn execute(org: &Org, plan: &Plan, include_deleted: bool) -> Vec<u32> {
    let obj = plan.object as u16;
    let mut rows: Vec<u32> = scan(org, plan, include_deleted).collect();
    if !plan.order.is_empty() {
        rows.sort_by(|&a, &b| {
            for key in &plan.order {
                let va = read(org, RecordRef { obj, row: a }, &key.acc);
                let vb = read(org, RecordRef { obj, row: b }, &key.acc);
                let o = match (va.is_null(), vb.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if key.nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if key.nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, false) => {
                        let o = match key.acc.currency {
                            // Ordering is by the value converted to the corporate currency.
                            Some(ci) => cmp_converted(
                                org,
                                (RecordRef { obj, row: a }, &va),
                                (RecordRef { obj, row: b }, &vb),
                                &key.acc,
                                ci,
                            ),
                            None => cmp_values(org, &va, &vb, key.acc.ftype, key.acc.scale),
                        };
                        if key.descending {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let offset = (plan.offset as usize).min(rows.len());
    rows.drain(..offset);
    if let Some(limit) = plan.limit {
        rows.truncate(limit.min(usize::MAX as u64) as usize);
    }
    rows
}
