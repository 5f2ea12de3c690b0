//! Aggregate queries: GROUP BY, HAVING and COUNT / COUNT_DISTINCT / SUM / AVG / MIN / MAX.
//! `bind` applies the rules of real orgs (SALESFORCE.md 12.15 and 12.1, the SOQL docs on
//! aggregate functions and GROUP BY); `run` is one pass over the rows the WHERE clause
//! selects, with a hash table of groups, then HAVING, ORDER BY, OFFSET / LIMIT and the
//! 2,000-row rule. Rows come out as `AggregateResult` records (`render::write_aggregate_result`).

use super::ast::{self, AggCall, AggFn, Expr, SelectItem};
use super::compile::{Accessor, Binder, Filter, Leaf, Plan, Typed};
use super::eval::{
    self, cmp_ci, cmp_scaled, cmp_values, convert_to_user, leaf_record, leaf_value, num_parts,
    read, RATE_ONE,
};
use crate::config::AggregateOverflow;
use crate::error::ApiError;
use crate::schema::FieldType;
use crate::store::Org;
use crate::value::{RecordRef, Value};
use std::borrow::{Borrow, Cow};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A GROUP BY answer cannot be paged (no query locator): it holds at most this many rows.
pub const MAX_ROWS: usize = 2000;

/// Documented in Salesforce help article 000386516; the errorCode that goes with it is the
/// emulator's inference (MALFORMED_QUERY).
pub const OVERFLOW_MESSAGE: &str =
    "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch";

/// What limits aggregate queries (command-line flags).
#[derive(Clone, Copy, Debug, Default)]
pub struct AggregateLimits {
    pub overflow: AggregateOverflow,
    /// More rows than this after WHERE → QUERY_TIMEOUT (0 = no limit).
    pub timeout_rows: u64,
}

impl AggregateLimits {
    /// Whether scanning `rows` rows "runs for too long".
    pub fn times_out(&self, rows: u64) -> bool {
        self.timeout_rows > 0 && rows > self.timeout_rows
    }
}

pub fn query_timeout() -> ApiError {
    ApiError::bad_request(
        "QUERY_TIMEOUT",
        "Your query request was running for too long.",
    )
}

/// A value of a result row: a grouped field or an aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Key(usize),
    Agg(usize),
}

#[derive(Clone, Debug)]
pub struct AggSpec {
    pub func: AggFn,
    pub acc: Accessor,
    /// MIN/MAX of a picklist: the describe position of each value (the docs: MIN/MAX use the
    /// picklist's sort order, not the alphabet).
    pub picklist: Option<HashMap<String, u32>>,
    /// SUM/AVG/MIN/MAX of a currency field in a query with GROUP BY or HAVING: the position
    /// of CurrencyIsoCode; every value is converted to the corporate currency first.
    pub convert: Option<usize>,
}

/// A HAVING operand: a slot of the result row, typed for literal checks.
#[derive(Clone, Debug)]
pub struct GroupOperand {
    pub slot: Slot,
    pub acc: Accessor,
}

impl Typed for GroupOperand {
    fn acc(&self) -> &Accessor {
        &self.acc
    }
}

#[derive(Clone, Debug)]
pub struct GroupOrder {
    pub slot: Slot,
    pub ftype: FieldType,
    pub scale: u32,
    pub descending: bool,
    pub nulls_first: bool,
}

/// One key of the `AggregateResult` records, in SELECT order.
#[derive(Clone, Debug)]
pub struct Column {
    pub key: String,
    pub slot: Slot,
    /// The scale `Value::Num` values of this column have (the field's).
    pub scale: u32,
    /// AVG: written as a double.
    pub double: bool,
}

#[derive(Clone, Debug)]
pub struct AggPlan {
    /// GROUP BY fields (empty: one row over all input).
    pub keys: Vec<Accessor>,
    /// Aggregates of SELECT, HAVING and ORDER BY (each distinct call once).
    pub aggs: Vec<AggSpec>,
    pub columns: Vec<Column>,
    pub having: Option<Filter<GroupOperand>>,
    pub order: Vec<GroupOrder>,
    pub limit: Option<u64>,
    pub offset: u64,
}

impl AggPlan {
    pub fn grouped(&self) -> bool {
        !self.keys.is_empty()
    }
    /// The value of `slot` in a result row (keys first, then aggregates).
    pub fn value<'r>(&self, row: &'r [Value], slot: Slot) -> &'r Value {
        match slot {
            Slot::Key(k) => &row[k],
            Slot::Agg(j) => &row[self.keys.len() + j],
        }
    }
}

fn same_path(a: &Accessor, b: &Accessor) -> bool {
    a.names.len() == b.names.len()
        && a.names
            .iter()
            .zip(&b.names)
            .all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// Binds an aggregate query (one with GROUP BY, HAVING or aggregate functions in SELECT).
pub(super) fn bind(b: &Binder, object: usize, q: &ast::Query) -> Result<AggPlan, ApiError> {
    let grouped = !q.group_by.is_empty();
    let mut keys: Vec<Accessor> = vec![];
    for path in &q.group_by {
        let acc = b.resolve(object, path)?;
        if !acc.groupable {
            // errorCode inferred; the message follows the "can not be sorted/filtered" ones.
            return Err(b.err(
                path.pos,
                "MALFORMED_QUERY",
                &format!(
                    "field '{}' can not be grouped in a query call",
                    acc.names.join(".")
                ),
            ));
        }
        keys.push(acc);
    }
    let aggs = RefCell::new(Vec::<AggSpec>::new());
    // A plain field outside an aggregate must be one of the GROUP BY fields.
    let key_slot = |path: &ast::Path, what: &str| -> Result<(usize, Accessor), ApiError> {
        let acc = b.resolve(object, path)?;
        match keys.iter().position(|k| same_path(k, &acc)) {
            Some(k) => Ok((k, acc)),
            None => Err(b.err(
                path.pos,
                "MALFORMED_QUERY",
                &format!(
                    "{what} must be grouped or aggregated: {}",
                    acc.names.join(".")
                ),
            )),
        }
    };
    let agg_slot = |call: &AggCall| bind_call(b, object, call, &mut aggs.borrow_mut());

    let mut columns: Vec<Column> = vec![];
    let mut unnamed = 0;
    for item in &q.select {
        let (key, slot, pos, scale, double) = match item {
            SelectItem::CountAll(pos) => {
                let detail = if grouped || q.having.is_some() {
                    "COUNT() can not be used with GROUP BY or HAVING: use COUNT(fieldName)"
                } else {
                    "COUNT() cannot be combined with other fields"
                };
                return Err(b.err(*pos, "MALFORMED_QUERY", detail));
            }
            SelectItem::Field { path, alias } => {
                let (k, acc) = key_slot(path, "Field")?;
                // A grouped relationship path is keyed by its last segment (`Account.Name`
                // → `Name`), as clients report from real orgs (soql-parser-js issues 98, 113).
                let key = alias.as_ref().map_or_else(
                    || acc.names.last().cloned().unwrap_or_default(),
                    |a| a.text.clone(),
                );
                (key, Slot::Key(k), path.pos, acc.scale, false)
            }
            SelectItem::Convert { path, .. } => {
                let acc = b.resolve(object, path)?;
                return Err(b.err(
                    path.pos,
                    "MALFORMED_QUERY",
                    &format!(
                        "Field must be grouped or aggregated: {}",
                        acc.names.join(".")
                    ),
                ));
            }
            SelectItem::Aggregate { call, alias } => {
                let j = agg_slot(call)?;
                // Unaliased aggregates are expr0, expr1, ... in SELECT order (SALESFORCE.md 2.4).
                let key = match alias {
                    Some(a) => a.text.clone(),
                    None => {
                        unnamed += 1;
                        format!("expr{}", unnamed - 1)
                    }
                };
                let (scale, double) = {
                    let aggs = aggs.borrow();
                    (aggs[j].acc.scale, aggs[j].func == AggFn::Avg)
                };
                (key, Slot::Agg(j), call.pos, scale, double)
            }
        };
        // Two columns with one key (`Account.Name, Owner.Name` are both `Name`): refused,
        // the emulator's reading (a real org's answer is unknown); alias one of them.
        if columns.iter().any(|c| c.key.eq_ignore_ascii_case(&key)) {
            return Err(b.err(pos, "MALFORMED_QUERY", &format!("duplicate alias: {key}")));
        }
        columns.push(Column {
            key,
            slot,
            scale,
            double,
        });
    }
    if let (Some((_, pos)), false) = (q.limit, grouped) {
        // Documented: "SELECT MAX(CreatedDate) FROM Account LIMIT 1" is invalid.
        return Err(b.err(
            pos,
            "MALFORMED_QUERY",
            "An aggregate query without GROUP BY can not use LIMIT",
        ));
    }

    let having = q
        .having
        .as_ref()
        .map(|c| {
            b.filter(c, &|e: &Expr| match e {
                Expr::Field(path) => {
                    let (k, acc) = key_slot(path, "Field")?;
                    Ok((
                        GroupOperand {
                            slot: Slot::Key(k),
                            acc,
                        },
                        path.pos,
                    ))
                }
                Expr::Agg(call) => {
                    let j = agg_slot(call)?;
                    let acc = output_acc(&aggs.borrow()[j]);
                    Ok((
                        GroupOperand {
                            slot: Slot::Agg(j),
                            acc,
                        },
                        call.pos,
                    ))
                }
            })
        })
        .transpose()?;

    let mut order = vec![];
    for item in &q.order_by {
        let (slot, ftype, scale) = match &item.expr {
            Expr::Field(path) => {
                let (k, acc) = key_slot(path, "Ordered field")?;
                (Slot::Key(k), acc.ftype, acc.scale)
            }
            Expr::Agg(call) => {
                let j = agg_slot(call)?;
                let acc = output_acc(&aggs.borrow()[j]);
                (Slot::Agg(j), acc.ftype, acc.scale)
            }
        };
        order.push(GroupOrder {
            slot,
            ftype,
            scale,
            descending: item.descending,
            nulls_first: item.nulls_first.unwrap_or(true),
        });
    }

    let mut aggs = aggs.into_inner();
    // SALESFORCE.md 12.1: "with GROUP BY / HAVING, SUM/MAX/... of currency fields come back
    // in the org's corporate currency". Without either the emulator reads the doc as: raw
    // stored values, whatever their currency.
    if grouped || q.having.is_some() {
        for spec in &mut aggs {
            if matches!(spec.func, AggFn::Sum | AggFn::Avg | AggFn::Min | AggFn::Max)
                && spec.acc.ftype == FieldType::Currency
            {
                spec.convert = spec.acc.currency;
            }
        }
    }
    Ok(AggPlan {
        keys,
        aggs,
        columns,
        having,
        order,
        limit: q.limit.map(|l| l.0),
        offset: q.offset.map_or(0, |o| o.0),
    })
}

/// Binds one aggregate call (a call met twice shares its slot).
fn bind_call(
    b: &Binder,
    object: usize,
    call: &AggCall,
    aggs: &mut Vec<AggSpec>,
) -> Result<usize, ApiError> {
    let acc = b.resolve(object, &call.path)?;
    if let Some(j) = aggs
        .iter()
        .position(|s| s.func == call.func && same_path(&s.acc, &acc))
    {
        return Ok(j);
    }
    let numeric = acc.ftype == FieldType::Int || acc.ftype.is_decimal();
    let ok = acc.aggregatable && (numeric || !matches!(call.func, AggFn::Sum | AggFn::Avg));
    if !ok {
        // SUM/AVG need a number; every function needs describe's `aggregatable`.
        // Code and wording are the emulator's (not in SALESFORCE.md).
        return Err(b.err(
            call.path.pos,
            "INVALID_FIELD",
            &format!(
                "field {} does not support aggregate operator {}",
                acc.names.join("."),
                call.func.name()
            ),
        ));
    }
    let picklist = match (call.func, acc.ftype, acc.leaf_obj, &acc.leaf) {
        (AggFn::Min | AggFn::Max, FieldType::Picklist, Some(o), Leaf::Field(fi)) => Some(
            b.schema.objects[o].fields[*fi]
                .picklist
                .iter()
                .enumerate()
                .map(|(i, p)| (p.value.clone(), i as u32))
                .collect(),
        ),
        _ => None,
    };
    aggs.push(AggSpec {
        func: call.func,
        acc,
        picklist,
        convert: None,
    });
    Ok(aggs.len() - 1)
}

/// How an aggregate's result is typed in HAVING and ORDER BY: COUNTs are integers,
/// SUM/AVG numbers (carrying their own scale), MIN/MAX the field's type.
fn output_acc(spec: &AggSpec) -> Accessor {
    let mut acc = spec.acc.clone();
    acc.currency = None;
    acc.convert = false;
    match spec.func {
        AggFn::Count | AggFn::CountDistinct => {
            acc.ftype = FieldType::Int;
            acc.scale = 0;
        }
        AggFn::Sum | AggFn::Avg => acc.ftype = FieldType::Double,
        AggFn::Min | AggFn::Max => {}
    }
    acc
}

// ---------------------------------------------------------------------------------------
// Execution

/// Per group and aggregate.
enum State {
    /// COUNT / COUNT_DISTINCT.
    Count(u64),
    /// SUM / AVG: exact sum mantissa × 10^-scale of `n` values.
    Sum { m: i128, scale: u32, n: u64 },
    /// MIN / MAX so far.
    Best(Option<Value>),
}

impl State {
    fn new(spec: &AggSpec) -> State {
        match spec.func {
            AggFn::Count | AggFn::CountDistinct => State::Count(0),
            AggFn::Sum | AggFn::Avg => State::Sum {
                m: 0,
                scale: 0,
                n: 0,
            },
            AggFn::Min | AggFn::Max => State::Best(None),
        }
    }

    /// The result: COUNT 0 and SUM/AVG/MIN/MAX null over no (non-null) values.
    fn finish(&mut self, spec: &AggSpec) -> Value {
        match self {
            State::Count(n) => Value::Int(*n as i64),
            State::Sum { n: 0, .. } => Value::Null,
            State::Sum { m, scale, n } if spec.func == AggFn::Avg => avg_value(*m, *scale, *n),
            State::Sum { m, scale, .. } => dec_value(*m, *scale),
            State::Best(best) => best.take().unwrap_or(Value::Null),
        }
    }
}

/// Runs an aggregate plan: the result rows (keys, then aggregates), in answer order.
pub fn run(
    org: &Org,
    plan: &Plan,
    agg: &AggPlan,
    include_deleted: bool,
    limits: AggregateLimits,
) -> Result<Vec<Box<[Value]>>, ApiError> {
    let obj = plan.object as u16;
    let (nk, na) = (agg.keys.len(), agg.aggs.len());
    let key_scales: Vec<u32> = agg.keys.iter().map(|a| a.scale).collect();
    let mut groups = Interner::new(nk);
    let mut states: Vec<State> = vec![];
    if nk == 0 {
        // Without GROUP BY there is exactly one row, even over no input.
        states.extend(agg.aggs.iter().map(State::new));
    }
    let mut distinct: Vec<Interner> = agg.aggs.iter().map(|_| Interner::new(1)).collect();
    let mut key: Vec<Cow<Value>> = Vec::with_capacity(nk);
    let mut scanned = 0u64;
    for row in eval::scan(org, plan, include_deleted) {
        scanned += 1;
        if limits.times_out(scanned) {
            return Err(query_timeout());
        }
        let root = RecordRef { obj, row };
        let g = if nk == 0 {
            0
        } else {
            key.clear();
            key.extend(agg.keys.iter().map(|acc| read(org, root, acc)));
            let (g, new) = groups.intern(0, &key, &key_scales);
            if new {
                states.extend(agg.aggs.iter().map(State::new));
            }
            g
        };
        for (j, spec) in agg.aggs.iter().enumerate() {
            update(
                org,
                root,
                spec,
                &mut states[g * na + j],
                &mut distinct[j],
                g as u32,
            );
        }
    }
    let ngroups = if nk == 0 { 1 } else { groups.len() };
    let mut key_values = groups.vals.into_iter();
    let mut rows: Vec<Box<[Value]>> = Vec::with_capacity(ngroups);
    for g in 0..ngroups {
        let mut r = Vec::with_capacity(nk + na);
        r.extend(key_values.by_ref().take(nk));
        let st = &mut states[g * na..(g + 1) * na];
        r.extend(st.iter_mut().zip(&agg.aggs).map(|(s, spec)| s.finish(spec)));
        rows.push(r.into_boxed_slice());
    }
    if let Some(f) = &agg.having {
        rows.retain(|r| group_matches(org, agg, f, r));
    }
    if !agg.order.is_empty() {
        rows.sort_by(|a, b| cmp_rows(org, agg, a, b));
    }
    let offset = (agg.offset as usize).min(rows.len());
    rows.drain(..offset);
    if let Some(limit) = agg.limit {
        rows.truncate(limit.min(usize::MAX as u64) as usize);
    }
    if agg.grouped() && rows.len() > MAX_ROWS {
        match limits.overflow {
            AggregateOverflow::Error => {
                return Err(ApiError::bad_request("MALFORMED_QUERY", OVERFLOW_MESSAGE))
            }
            AggregateOverflow::Truncate => rows.truncate(MAX_ROWS),
        }
    }
    Ok(rows)
}

fn update(
    org: &Org,
    root: RecordRef,
    spec: &AggSpec,
    state: &mut State,
    distinct: &mut Interner,
    group: u32,
) {
    let v: Cow<Value> = match spec.convert {
        // Converted like convertCurrency(): value / rate, rounded to the field's scale
        // (how a real org rounds converted aggregates is not documented).
        Some(ci) => Cow::Owned(match leaf_record(org, root, &spec.acc) {
            Some(r) => convert_to_user(
                org,
                r,
                &leaf_value(org, r, &spec.acc.leaf),
                ci,
                spec.acc.scale,
            ),
            None => Value::Null,
        }),
        None => read(org, root, &spec.acc),
    };
    // Aggregates ignore nulls (COUNT(Id) sees none: Id is never null).
    if v.is_null() {
        return;
    }
    match state {
        State::Count(n) => {
            if spec.func != AggFn::CountDistinct
                || distinct
                    .intern(group, std::slice::from_ref(&v), &[spec.acc.scale])
                    .1
            {
                *n += 1;
            }
        }
        State::Sum { m, scale, n } => {
            if let Some((vm, vs)) = num_parts(&v, spec.acc.scale) {
                // Exact: rescale the running sum when a value has more decimals.
                if vs > *scale {
                    *m = m.saturating_mul(10i128.pow(vs - *scale));
                    *scale = vs;
                }
                *m = m.saturating_add(vm.saturating_mul(10i128.pow(*scale - vs)));
                *n += 1;
            }
        }
        State::Best(best) => {
            let better = match best {
                None => true,
                Some(b) => {
                    let o = cmp_best(org, spec, &v, b);
                    if spec.func == AggFn::Min {
                        o == Ordering::Less
                    } else {
                        o == Ordering::Greater
                    }
                }
            };
            if better {
                *best = Some(v.into_owned());
            }
        }
    }
}

/// MIN/MAX order: picklists by describe position (values not in the list after the listed
/// ones, alphabetically: inferred), other text case-insensitively, the rest by value.
fn cmp_best(org: &Org, spec: &AggSpec, a: &Value, b: &Value) -> Ordering {
    if let (Some(ranks), Value::Str(x), Value::Str(y)) = (&spec.picklist, a, b) {
        let rank = |s: &str| {
            ranks
                .get(s)
                .or_else(|| {
                    ranks
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(s))
                        .map(|(_, r)| r)
                })
                .copied()
                .unwrap_or(u32::MAX)
        };
        return rank(x)
            .cmp(&rank(y))
            .then_with(|| cmp_ci(x, y))
            .then_with(|| x.cmp(y));
    }
    cmp_values(org, a, b, spec.acc.ftype, spec.acc.scale)
}

fn group_matches(org: &Org, agg: &AggPlan, f: &Filter<GroupOperand>, row: &[Value]) -> bool {
    match f {
        Filter::And(v) => v.iter().all(|f| group_matches(org, agg, f, row)),
        Filter::Or(v) => v.iter().any(|f| group_matches(org, agg, f, row)),
        Filter::Not(f) => !group_matches(org, agg, f, row),
        Filter::Pred(op, t) => eval::test_value(org, agg.value(row, op.slot), &op.acc, t, RATE_ONE),
    }
}

/// ORDER BY over result rows: nulls first by default in both directions, as for records.
fn cmp_rows(org: &Org, agg: &AggPlan, a: &[Value], b: &[Value]) -> Ordering {
    for k in &agg.order {
        let (x, y) = (agg.value(a, k.slot), agg.value(b, k.slot));
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if k.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if k.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                let o = cmp_values(org, x, y, k.ftype, k.scale);
                if k.descending {
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
}

/// Division rounded half away from zero.
fn div_round(a: i128, b: i128) -> i128 {
    let (q, r) = (a / b, a % b);
    if r.abs().saturating_mul(2) >= b.abs() {
        q + a.signum() * b.signum()
    } else {
        q
    }
}

/// An exact sum as a stored-number value (fewer decimals only if it would not fit).
fn dec_value(mut m: i128, mut scale: u32) -> Value {
    while i64::try_from(m).is_err() && scale > 0 {
        m = div_round(m, 10);
        scale -= 1;
    }
    let m = m.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    Value::Dec(m, scale.min(18) as u8)
}

/// sum / n with as many decimals (up to 18) as fit: ample for the double it is written as.
fn avg_value(m: i128, scale: u32, n: u64) -> Value {
    for t in (scale..=18).rev() {
        let Some(num) = m.checked_mul(10i128.pow(t - scale)) else {
            continue;
        };
        if let Ok(q) = i64::try_from(div_round(num, n as i128)) {
            return Value::Dec(q, t as u8);
        }
    }
    dec_value(div_round(m, n as i128), scale)
}

// ---------------------------------------------------------------------------------------
// Interning of group keys and distinct values

const NONE: u32 = u32::MAX;

/// The keys of `heads` are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Tuples of values (with a tag: the group of a COUNT_DISTINCT value) under SOQL equality —
/// text case-insensitive, numbers by value — found without building an owned key: the hash
/// of the normalised values picks a chain of candidates compared in place, so only a new
/// tuple is copied (the first value met is the one kept, e.g. the text case a group shows).
struct Interner {
    arity: usize,
    heads: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    next: Vec<u32>,
    tags: Vec<u32>,
    vals: Vec<Value>,
    /// Scratch for case folding.
    fold: String,
}

impl Interner {
    fn new(arity: usize) -> Interner {
        Interner {
            arity,
            heads: HashMap::default(),
            next: vec![],
            tags: vec![],
            vals: vec![],
            fold: String::new(),
        }
    }

    fn len(&self) -> usize {
        self.tags.len()
    }

    /// The tuple's index, and whether it is new. `scales`: field scale of each position.
    fn intern<V: Borrow<Value>>(&mut self, tag: u32, key: &[V], scales: &[u32]) -> (usize, bool) {
        let h = self.hash(tag, key, scales);
        let n = self.arity;
        let mut cur = self.heads.get(&h).copied().unwrap_or(NONE);
        while cur != NONE {
            let i = cur as usize;
            if self.tags[i] == tag
                && self.vals[i * n..(i + 1) * n]
                    .iter()
                    .zip(key)
                    .zip(scales)
                    .all(|((a, b), &s)| same_value(a, b.borrow(), s))
            {
                return (i, false);
            }
            cur = self.next[i];
        }
        let i = self.tags.len();
        self.tags.push(tag);
        self.vals.extend(key.iter().map(|v| v.borrow().clone()));
        self.next
            .push(self.heads.insert(h, i as u32).unwrap_or(NONE));
        (i, true)
    }

    fn hash<V: Borrow<Value>>(&mut self, tag: u32, key: &[V], scales: &[u32]) -> u64 {
        let mut h = DefaultHasher::new();
        h.write_u32(tag);
        for (v, &scale) in key.iter().zip(scales) {
            match v.borrow() {
                Value::Null => h.write_u8(0),
                Value::Str(s) => {
                    h.write_u8(1);
                    fold_case(&mut self.fold, s);
                    h.write(self.fold.as_bytes());
                    h.write_u8(0xff);
                }
                v @ (Value::Int(_) | Value::Num(_) | Value::Dec(..)) => {
                    let (mut m, mut s) = num_parts(v, scale).unwrap_or_default();
                    while s > 0 && m % 10 == 0 {
                        m /= 10;
                        s -= 1;
                    }
                    h.write_u8(2);
                    h.write_i128(m);
                    h.write_u32(s);
                }
                Value::Bool(b) => {
                    h.write_u8(3);
                    h.write_u8(*b as u8);
                }
                Value::Date(d) => {
                    h.write_u8(4);
                    h.write_i32(*d);
                }
                Value::DateTime(ms) => {
                    h.write_u8(5);
                    h.write_i64(*ms);
                }
                Value::Time(ms) => {
                    h.write_u8(6);
                    h.write_u32(*ms);
                }
                Value::Ref(r) => {
                    h.write_u8(7);
                    h.write_u16(r.obj);
                    h.write_u32(r.row);
                }
            }
        }
        h.finish()
    }
}

/// Lower-cases like `cmp_ci` (so equal-ignoring-case texts hash alike).
fn fold_case(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        buf.extend(s.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// SOQL equality of two values of one field. Text grouping and COUNT_DISTINCT follow text
/// comparison: case-insensitive (inferred, unverified: SALESFORCE.md 12.15).
fn same_value(a: &Value, b: &Value, scale: u32) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => cmp_ci(x, y) == Ordering::Equal,
        (
            Value::Int(_) | Value::Num(_) | Value::Dec(..),
            Value::Int(_) | Value::Num(_) | Value::Dec(..),
        ) => match (num_parts(a, scale), num_parts(b, scale)) {
            (Some((x, sx)), Some((y, sy))) => cmp_scaled(x, sx, y, sy) == Ordering::Equal,
            _ => false,
        },
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_folds_case_and_scales() {
        let mut t = Interner::new(2);
        let k = |s: &str, n: Value| [Value::str(s), n];
        assert_eq!(
            t.intern(0, &k("Acme", Value::Num(1050)), &[0, 2]),
            (0, true)
        );
        assert_eq!(
            t.intern(0, &k("ACME", Value::Dec(10500, 3)), &[0, 2]),
            (0, false)
        );
        assert_eq!(t.intern(0, &k("Zürich", Value::Num(1)), &[0, 2]), (1, true));
        assert_eq!(
            t.intern(0, &k("ZÜRICH", Value::Num(1)), &[0, 2]),
            (1, false)
        );
        assert_eq!(
            t.intern(1, &k("acme", Value::Num(1050)), &[0, 2]),
            (2, true)
        );
        assert_eq!(t.intern(0, &k("Acme", Value::Null), &[0, 2]), (3, true));
        // The first value met is the one kept.
        assert_eq!(t.vals[0], Value::str("Acme"));
    }

    #[test]
    fn sums_and_averages_keep_exact_digits() {
        assert_eq!(dec_value(123_456, 2), Value::Dec(123_456, 2));
        assert_eq!(
            dec_value(i64::MAX as i128 * 10 + 3, 3),
            Value::Dec(i64::MAX, 2)
        );
        // 10 / 3 with 18 decimals.
        assert_eq!(
            avg_value(10, 0, 3),
            Value::Dec(3_333_333_333_333_333_333, 18)
        );
        assert_eq!(
            avg_value(-5, 1, 2),
            Value::Dec(-250_000_000_000_000_000, 18)
        );
        assert_eq!(div_round(-5, 2), -3);
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(4, 3), 1);
    }
}
