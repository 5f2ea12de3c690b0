//! Binds a parsed query to the schema: resolves (case-insensitive) object, field and
//! relationship names, type-checks literals like Salesforce, and produces a [`Plan`].

use super::aggregate::{self, AggPlan};
use super::ast::{self, CmpOp, Cond, Expr, Lit, LitAt, SelectItem, StrLit};
use super::{parser, positioned_error};
use crate::error::ApiError;
use crate::ids;
use crate::schema::{FieldType, ObjectMeta, Schema};
use crate::store::Org;
use crate::value::RecordRef;

/// Fields readable through a polymorphic relationship (the `Name` pseudo-object).
const POLY_FIELDS: &[(&str, FieldType)] = &[
    ("Id", FieldType::Id),
    ("Name", FieldType::String),
    ("Type", FieldType::Picklist),
    ("FirstName", FieldType::String),
    ("LastName", FieldType::String),
    ("Email", FieldType::Email),
    ("Phone", FieldType::Phone),
    ("Title", FieldType::String),
    ("Alias", FieldType::String),
    ("Username", FieldType::String),
    ("IsActive", FieldType::Boolean),
];

#[derive(Clone, Debug, PartialEq)]
pub enum Leaf {
    /// A field of the (concrete) object reached by the hops.
    Field(usize),
    /// A `Name` pseudo-object field reached through a polymorphic reference.
    Poly(&'static str),
}

/// How to read one field path from a root record.
#[derive(Clone, Debug)]
pub struct Accessor {
    /// Reference-field positions followed from the root, each on the object reached so far.
    pub hops: Vec<usize>,
    pub leaf: Leaf,
    pub ftype: FieldType,
    pub scale: u32,
    /// Describe-cased API names along the path (relationship names, then the field).
    pub names: Vec<String>,
    pub filterable: bool,
    pub sortable: bool,
    /// Describe's `groupable` (never for formula fields) and `aggregatable`.
    pub groupable: bool,
    pub aggregatable: bool,
    /// The object the leaf field belongs to (None: a polymorphic `Name` pseudo-field).
    pub leaf_obj: Option<usize>,
    /// For currency fields: position of `CurrencyIsoCode` on the object the leaf is read from.
    pub currency: Option<usize>,
    /// `convertCurrency(...)` in SELECT: output the value in the user's currency.
    pub convert: bool,
    /// SELECT alias (`convertCurrency(Amount) usd`): the response key / CSV header.
    pub alias: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Operand {
    /// Lower-cased text (case-insensitive comparison).
    Text(String),
    /// Sorted lower-cased multipicklist values.
    Multi(Vec<String>),
    Num {
        mantissa: i128,
        scale: u32,
    },
    /// An ISO-prefixed currency literal: compares the record's value converted into the
    /// literal's currency (`rate` = its conversion rate × 10^9).
    Money {
        rate: i128,
        mantissa: i128,
        scale: u32,
    },
    Date(i32),
    DateTime(i64),
    Time(u32),
    Bool(bool),
    /// The record an id literal points to (None: a well-formed id of no record), and the
    /// literal's 15-char form for ordering comparisons.
    Id(Option<RecordRef>, String),
    Null,
}

/// A compiled LIKE pattern over lower-cased characters.
#[derive(Clone, Debug)]
pub enum LikeTok {
    Char(char),
    AnyOne,
    AnyMany,
}

#[derive(Clone, Debug)]
pub enum Test {
    IsNull,
    NotNull,
    /// Boolean field equals (`= null` on booleans means `= false`).
    BoolIs(bool),
    Cmp(CmpOp, Operand),
    In {
        values: Vec<Operand>,
        negated: bool,
    },
    Like(Vec<LikeTok>),
    Includes {
        sets: Vec<Vec<String>>,
        excludes: bool,
    },
}

/// A compiled condition. `P` is what a predicate reads: a record field path (WHERE) or a
/// value of an aggregate row (HAVING, see `aggregate::GroupOperand`).
#[derive(Clone, Debug)]
pub enum Filter<P = Accessor> {
    And(Vec<Filter<P>>),
    Or(Vec<Filter<P>>),
    Not(Box<Filter<P>>),
    Pred(P, Test),
}

/// Resolves a predicate's left side to its operand and the position for error messages.
pub type LeafOf<'f, L, P> = dyn Fn(&L) -> Result<(P, usize), ApiError> + 'f;

/// A predicate operand with the field type its literals are checked against.
pub trait Typed {
    fn acc(&self) -> &Accessor;
}

impl Typed for Accessor {
    fn acc(&self) -> &Accessor {
        self
    }
}

#[derive(Clone, Debug)]
pub struct OrderKey {
    pub acc: Accessor,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Output tree for one record: fields and nested relationship objects in SELECT order.
#[derive(Clone, Debug)]
pub enum RenderNode {
    Field {
        key: String,
        leaf: Leaf,
        ftype: FieldType,
        scale: u32,
        /// convertCurrency: position of the record's CurrencyIsoCode.
        convert: Option<usize>,
    },
    Relationship {
        key: String,
        fk_field: usize,
        children: Vec<RenderNode>,
    },
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub object: usize,
    pub count_only: bool,
    pub render: Vec<RenderNode>,
    /// The selected field paths, flat, in SELECT order (CSV columns of Bulk results).
    pub columns: Vec<Accessor>,
    pub filter: Option<Filter>,
    pub order: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// Aggregate queries (GROUP BY / HAVING / aggregate functions): answered as
    /// `AggregateResult` rows by `aggregate::run` instead of `render` / `order` / `limit`.
    pub aggregate: Option<Box<AggPlan>>,
}

pub(super) struct Binder<'a> {
    pub(super) q: &'a str,
    pub(super) schema: &'a Schema,
    org: &'a Org,
}

/// Parses and compiles `q` against the org.
pub fn compile(q: &str, org: &Org) -> Result<Plan, ApiError> {
    let parsed = parser::parse(q)?;
    Binder {
        q,
        schema: &org.schema,
        org,
    }
    .plan(&parsed)
}

impl<'a> Binder<'a> {
    pub(super) fn err(&self, pos: usize, code: &str, detail: &str) -> ApiError {
        positioned_error(self.q, pos, code, detail)
    }

    fn no_such_column(&self, pos: usize, field: &str, entity: &str) -> ApiError {
        self.err(
            pos,
            "INVALID_FIELD",
            &format!(
                "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        )
    }

    fn plan(&self, q: &ast::Query) -> Result<Plan, ApiError> {
        let object = self.object(q)?;
        if q.is_aggregate() {
            let agg = aggregate::bind(self, object, q)?;
            let filter = self.where_clause(object, q)?;
            return Ok(Plan {
                object,
                count_only: false,
                render: vec![],
                columns: vec![],
                filter,
                order: vec![],
                limit: None,
                offset: 0,
                aggregate: Some(Box::new(agg)),
            });
        }
        self.record_plan(object, q)
    }

    /// The FROM object, if it exists and is queryable.
    fn object(&self, q: &ast::Query) -> Result<usize, ApiError> {
        self.schema
            .object_index(&q.from.text)
            .filter(|&i| self.schema.objects[i].queryable)
            .ok_or_else(|| {
                self.err(
                    q.from.pos,
                    "INVALID_TYPE",
                    &format!(
                        "sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
                        q.from.text
                    ),
                )
            })
    }

    /// The WHERE clause, checked against objects that refuse a query without an Id filter
    /// (SALESFORCE.md 12.8).
    fn where_clause(&self, object: usize, q: &ast::Query) -> Result<Option<Filter>, ApiError> {
        let filter = q
            .filter
            .as_ref()
            .map(|c| {
                self.filter(c, &|path: &ast::Path| {
                    Ok((self.filterable(object, path)?, path.pos))
                })
            })
            .transpose()?;
        if let Some(fields) = required_id_filter(&self.schema.objects[object].name) {
            let meta = &self.schema.objects[object];
            let ok = filter.as_ref().is_some_and(|f| {
                has_id_filter(f, &|i| {
                    fields.iter().any(|n| meta.field_index(n) == Some(i))
                })
            });
            if !ok {
                return Err(ApiError::bad_request(
                    "MALFORMED_QUERY",
                    format!(
                        "Implementation restriction: {} requires a filter by a single Id on {} using the equals operator or multiple Id's using the IN operator.",
                        meta.name,
                        fields.join(" or ")
                    ),
                ));
            }
        }
        Ok(filter)
    }

    /// A plain (record) query: SELECT fields, ORDER BY, LIMIT / OFFSET, or `COUNT()`.
    fn record_plan(&self, object: usize, q: &ast::Query) -> Result<Plan, ApiError> {
        let count_only = q
            .select
            .iter()
            .any(|s| matches!(s, SelectItem::CountAll(_)));
        let mut render = vec![];
        let mut columns = vec![];
        let mut seen: Vec<String> = vec![];
        for item in &q.select {
            match item {
                SelectItem::CountAll(pos) => {
                    if q.select.len() > 1 {
                        return Err(self.err(
                            *pos,
                            "MALFORMED_QUERY",
                            "COUNT() cannot be combined with other fields",
                        ));
                    }
                }
                SelectItem::Aggregate { .. } => unreachable!("aggregate queries are bound apart"),
                SelectItem::Field { .. } | SelectItem::Convert { .. } => {
                    let (path, acc) = match item {
                        SelectItem::Convert { path, alias } => {
                            let mut acc = self.resolve(object, path)?;
                            if acc.ftype != FieldType::Currency || acc.currency.is_none() {
                                return Err(self.err(
                                    path.pos,
                                    "INVALID_FIELD",
                                    &format!(
                                        "convertCurrency() can only be used on currency fields: {}",
                                        acc.names.join(".")
                                    ),
                                ));
                            }
                            acc.convert = true;
                            acc.alias = alias.clone();
                            (path, acc)
                        }
                        SelectItem::Field { path, .. } => (path, self.resolve(object, path)?),
                        _ => continue,
                    };
                    let full = acc.alias.clone().unwrap_or_else(|| acc.names.join("."));
                    if seen.iter().any(|s| s.eq_ignore_ascii_case(&full)) {
                        return Err(self.err(
                            path.pos,
                            "MALFORMED_QUERY",
                            &format!("duplicate field selected: {full}"),
                        ));
                    }
                    seen.push(full);
                    insert_render(&mut render, object, &acc, 0, self.schema);
                    columns.push(acc);
                }
            }
        }
        let filter = self.where_clause(object, q)?;
        let mut order = vec![];
        for item in &q.order_by {
            let path = match &item.expr {
                Expr::Field(path) => path,
                Expr::Agg(call) => {
                    return Err(self.err(
                        call.pos,
                        "MALFORMED_QUERY",
                        "Aggregate functions in ORDER BY need an aggregate query (GROUP BY or aggregate functions in SELECT)",
                    ))
                }
            };
            let acc = self.resolve(object, path)?;
            if !acc.sortable {
                return Err(self.err(
                    path.pos,
                    "INVALID_FIELD",
                    &format!(
                        "field '{}' can not be sorted in a query call",
                        acc.names.join(".")
                    ),
                ));
            }
            order.push(OrderKey {
                acc,
                descending: item.descending,
                nulls_first: item.nulls_first.unwrap_or(true),
            });
        }
        Ok(Plan {
            object,
            count_only,
            render,
            columns,
            filter,
            order,
            limit: q.limit.map(|l| l.0),
            offset: q.offset.map_or(0, |o| o.0),
            aggregate: None,
        })
    }

    /// Resolves `A.B.C` from `root`: every part but the last is a relationship name.
    pub(super) fn resolve(&self, root: usize, path: &ast::Path) -> Result<Accessor, ApiError> {
        let mut obj = root;
        let mut hops = vec![];
        let mut names = vec![];
        let n = path.parts.len();
        // A leading object-name qualifier (`Opportunity.Name`) is allowed by SOQL.
        let skip = usize::from(
            n > 1 && path.parts[0].eq_ignore_ascii_case(&self.schema.objects[root].name),
        );
        for (k, part) in path.parts.iter().enumerate().skip(skip) {
            let meta: &ObjectMeta = &self.schema.objects[obj];
            if k + 1 == n {
                let fi = meta
                    .field_index(part)
                    .ok_or_else(|| self.no_such_column(path.pos, part, &meta.name))?;
                let f = &meta.fields[fi];
                names.push(f.name.clone());
                let currency = (f.ftype == FieldType::Currency)
                    .then(|| meta.field_index("CurrencyIsoCode"))
                    .flatten();
                return Ok(Accessor {
                    hops,
                    leaf: Leaf::Field(fi),
                    ftype: f.ftype,
                    scale: f.scale,
                    names,
                    filterable: f.filterable && !f.ftype.is_compound(),
                    sortable: f.sortable,
                    // Calculated (formula) fields never group, whatever a describe says.
                    groupable: f.groupable && !f.calculated && f.calculated_formula.is_none(),
                    aggregatable: f.aggregatable,
                    leaf_obj: Some(obj),
                    currency,
                    convert: false,
                    alias: None,
                });
            }
            let fk = meta
                .relationship_index(part)
                .ok_or_else(|| self.bad_relationship(path.pos, part))?;
            let f = &meta.fields[fk];
            hops.push(fk);
            names.push(f.relationship_name.clone().unwrap_or_default());
            if f.polymorphic {
                // Only `Name` pseudo-object fields, and it must be the last hop.
                if k + 2 != n {
                    return Err(self.bad_relationship(path.pos, &path.parts[k + 1]));
                }
                let leaf_name = &path.parts[k + 1];
                let (name, ftype) = POLY_FIELDS
                    .iter()
                    .find(|(p, _)| p.eq_ignore_ascii_case(leaf_name))
                    .copied()
                    .ok_or_else(|| self.no_such_column(path.pos, leaf_name, "Name"))?;
                names.push(name.to_string());
                return Ok(Accessor {
                    hops,
                    leaf: Leaf::Poly(name),
                    ftype,
                    scale: 0,
                    names,
                    filterable: true,
                    sortable: true,
                    groupable: true,
                    aggregatable: true,
                    leaf_obj: None,
                    currency: None,
                    convert: false,
                    alias: None,
                });
            }
            obj = f
                .reference_to
                .first()
                .and_then(|t| self.schema.object_index(t))
                .ok_or_else(|| self.bad_relationship(path.pos, part))?;
        }
        Err(self.no_such_column(
            path.pos,
            path.parts.last().map_or("", |s| s),
            &self.schema.objects[obj].name,
        ))
    }

    fn bad_relationship(&self, pos: usize, rel: &str) -> ApiError {
        self.err(
            pos,
            "INVALID_FIELD",
            &format!(
                "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
            ),
        )
    }

    /// Compiles a condition; `leaf` resolves a predicate's left side to its operand and the
    /// position used in error messages.
    pub(super) fn filter<L, P: Typed>(
        &self,
        c: &Cond<L>,
        leaf: &LeafOf<L, P>,
    ) -> Result<Filter<P>, ApiError> {
        Ok(match c {
            Cond::And(v) => Filter::And(
                v.iter()
                    .map(|c| self.filter(c, leaf))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Or(v) => Filter::Or(
                v.iter()
                    .map(|c| self.filter(c, leaf))
                    .collect::<Result<_, _>>()?,
            ),
            Cond::Not(c) => Filter::Not(Box::new(self.filter(c, leaf)?)),
            Cond::Cmp { path, op, value } => {
                let (p, pos) = leaf(path)?;
                let acc = p.acc();
                let test = match (&value.lit, acc.ftype) {
                    (Lit::Null, FieldType::Boolean) => Test::BoolIs(*op != CmpOp::Eq),
                    (Lit::Null, _) if *op == CmpOp::Eq => Test::IsNull,
                    (Lit::Null, _) if *op == CmpOp::Ne => Test::NotNull,
                    (Lit::Bool(b), FieldType::Boolean) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                        Test::BoolIs(*b == (*op == CmpOp::Eq))
                    }
                    _ => Test::Cmp(*op, self.operand(acc, pos, value)?),
                };
                Filter::Pred(p, test)
            }
            Cond::In {
                path,
                negated,
                values,
            } => {
                let (p, pos) = leaf(path)?;
                let acc = p.acc();
                let iso = values
                    .iter()
                    .filter(|v| matches!(v.lit, Lit::Currency { .. }))
                    .count();
                let plain = values
                    .iter()
                    .filter(|v| matches!(v.lit, Lit::Number { .. }))
                    .count();
                if iso > 0 && plain > 0 {
                    return Err(self.err(
                        pos,
                        "MALFORMED_QUERY",
                        "ISO code and non-ISO code values cannot be mixed in an IN clause",
                    ));
                }
                let values = values
                    .iter()
                    .map(|v| self.operand(acc, pos, v))
                    .collect::<Result<_, _>>()?;
                Filter::Pred(
                    p,
                    Test::In {
                        values,
                        negated: *negated,
                    },
                )
            }
            Cond::Like { path, pattern } => {
                let (p, pos) = leaf(path)?;
                let acc = p.acc();
                if acc.ftype == FieldType::MultiPicklist {
                    return Err(self.err(
                        pos,
                        "INVALID_QUERY_FILTER_OPERATOR",
                        "invalid operator on multipicklist field",
                    ));
                }
                if !(acc.ftype.is_text() || acc.ftype.is_id_like()) {
                    return Err(self.err(
                        pos,
                        "INVALID_QUERY_FILTER_OPERATOR",
                        &format!("invalid operator on field type {}", acc.ftype.api_name()),
                    ));
                }
                match &pattern.lit {
                    Lit::Str(s) => Filter::Pred(p, Test::Like(like_pattern(s))),
                    _ => return Err(self.type_mismatch(pos, acc)),
                }
            }
            Cond::Includes {
                path,
                excludes,
                values,
            } => {
                let (p, pos) = leaf(path)?;
                let acc = p.acc();
                if acc.ftype != FieldType::MultiPicklist {
                    return Err(self.err(
                        pos,
                        "INVALID_QUERY_FILTER_OPERATOR",
                        "includes or excludes operator only valid on multipicklist field",
                    ));
                }
                let mut sets = vec![];
                for v in values {
                    match &v.lit {
                        Lit::Str(s) if !s.has_escaped_wildcard() => sets.push(multi_set(&s.text())),
                        _ => return Err(self.type_mismatch(pos, acc)),
                    }
                }
                Filter::Pred(
                    p,
                    Test::Includes {
                        sets,
                        excludes: *excludes,
                    },
                )
            }
        })
    }

    fn filterable(&self, obj: usize, path: &ast::Path) -> Result<Accessor, ApiError> {
        let acc = self.resolve(obj, path)?;
        if !acc.filterable {
            return Err(self.err(
                path.pos,
                "INVALID_FIELD",
                &format!(
                    "field '{}' can not be filtered in a query call",
                    acc.names.join(".")
                ),
            ));
        }
        Ok(acc)
    }

    fn type_mismatch(&self, pos: usize, acc: &Accessor) -> ApiError {
        let field = acc.names.last().cloned().unwrap_or_default();
        let (ty, quoted) = match acc.ftype {
            FieldType::Int => ("integer", false),
            t if t.is_decimal() => ("double", false),
            FieldType::Boolean => ("boolean", false),
            FieldType::Date => ("date", false),
            FieldType::DateTime => ("dateTime", false),
            FieldType::Time => ("time", false),
            FieldType::Id | FieldType::Reference => ("id", true),
            _ => ("string", true),
        };
        let how = if quoted {
            "should be enclosed in quotes"
        } else {
            "should not be enclosed in quotes"
        };
        self.err(
            pos,
            "INVALID_FIELD",
            &format!(
                "value of filter criterion for field '{field}' must be of type {ty} and {how}"
            ),
        )
    }

    /// Converts a literal to a comparison operand for the field's type, or fails like
    /// Salesforce does on a type mismatch.
    fn operand(&self, acc: &Accessor, pos: usize, v: &LitAt) -> Result<Operand, ApiError> {
        let t = acc.ftype;
        let mismatch = || self.type_mismatch(pos, acc);
        Ok(match &v.lit {
            Lit::Null => Operand::Null,
            Lit::Str(s) if s.has_escaped_wildcard() => {
                return Err(self.err(
                    v.pos,
                    "MALFORMED_QUERY",
                    &format!("Invalid string literal '{}'. Illegal character sequence '\\%' or '\\_' in string literal.", s.text()),
                ))
            }
            Lit::Str(s) if t == FieldType::MultiPicklist => Operand::Multi(multi_set(&s.text())),
            Lit::Str(s) if t.is_text() => Operand::Text(s.text().to_lowercase()),
            Lit::Str(s) if t.is_id_like() => {
                let text = s.text();
                if !ids::is_valid_format(&text) {
                    return Err(self.err(v.pos, "INVALID_QUERY_FILTER_OPERATOR", &format!("invalid ID field: {text}")));
                }
                Operand::Id(self.org.resolve_id(&text), text[..15].to_string())
            }
            Lit::Number { mantissa, scale } if t == FieldType::Int || t.is_decimal() => {
                Operand::Num { mantissa: *mantissa, scale: *scale }
            }
            Lit::Currency { code, mantissa, scale } if t == FieldType::Currency && acc.currency.is_some() => {
                let rate = crate::schema::standard::currency_rate(code).ok_or_else(|| {
                    self.err(v.pos, "MALFORMED_QUERY", &format!("invalid currency ISO code: {code} is not an active currency of the organization"))
                })?;
                Operand::Money { rate: rate as i128, mantissa: *mantissa, scale: *scale }
            }
            Lit::Date(d) if t == FieldType::Date => Operand::Date(*d),
            Lit::DateTime(ms) if t == FieldType::DateTime => Operand::DateTime(*ms),
            Lit::Time(ms) if t == FieldType::Time => Operand::Time(*ms),
            Lit::Bool(b) if t == FieldType::Boolean => Operand::Bool(*b),
            _ => return Err(mismatch()),
        })
    }
}

/// Objects that refuse a query without an Id filter on one of these fields
/// (SALESFORCE.md 12.8).
fn required_id_filter(object: &str) -> Option<&'static [&'static str]> {
    match object {
        "ContentDocumentLink" => Some(&["ContentDocumentId", "LinkedEntityId"]),
        _ => None,
    }
}

/// Whether the filter as a whole requires one of the given fields to `=` an id or be `IN`
/// a list of ids (a conjunct of the top-level AND counts; OR / NOT do not).
fn has_id_filter(f: &Filter, is_key: &dyn Fn(usize) -> bool) -> bool {
    match f {
        Filter::And(v) => v.iter().any(|f| has_id_filter(f, is_key)),
        Filter::Pred(acc, test) => {
            let key = acc.hops.is_empty() && matches!(acc.leaf, Leaf::Field(i) if is_key(i));
            key && match test {
                Test::Cmp(CmpOp::Eq, Operand::Id(..)) => true,
                Test::In {
                    values,
                    negated: false,
                } => values.iter().all(|v| matches!(v, Operand::Id(..))),
                _ => false,
            }
        }
        _ => false,
    }
}

fn multi_set(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split(';')
        .map(|x| x.trim().to_lowercase())
        .filter(|x| !x.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn multi_value_set(s: &str) -> Vec<String> {
    multi_set(s)
}

fn like_pattern(s: &StrLit) -> Vec<LikeTok> {
    let mut out = vec![];
    for &(c, escaped) in &s.chars {
        out.push(match (c, escaped) {
            ('%', false) => LikeTok::AnyMany,
            ('_', false) => LikeTok::AnyOne,
            _ => {
                for lc in c.to_lowercase() {
                    out.push(LikeTok::Char(lc));
                }
                continue;
            }
        });
    }
    out
}

/// Adds an accessor to the render tree, merging paths with a shared relationship prefix.
fn insert_render(
    nodes: &mut Vec<RenderNode>,
    obj: usize,
    acc: &Accessor,
    depth: usize,
    schema: &Schema,
) {
    if depth == acc.hops.len() {
        nodes.push(RenderNode::Field {
            key: acc
                .alias
                .clone()
                .unwrap_or_else(|| acc.names[depth].clone()),
            leaf: acc.leaf.clone(),
            ftype: acc.ftype,
            scale: acc.scale,
            convert: if acc.convert { acc.currency } else { None },
        });
        return;
    }
    let fk = acc.hops[depth];
    let key = acc.names[depth].clone();
    let target = schema.objects[obj].fields[fk]
        .reference_to
        .first()
        .and_then(|t| schema.object_index(t))
        .unwrap_or(obj);
    for n in nodes.iter_mut() {
        if let RenderNode::Relationship {
            fk_field, children, ..
        } = n
        {
            if *fk_field == fk {
                insert_render(children, target, acc, depth + 1, schema);
                return;
            }
        }
    }
    let mut children = vec![];
    insert_render(&mut children, target, acc, depth + 1, schema);
    nodes.push(RenderNode::Relationship {
        key,
        fk_field: fk,
        children,
    });
}
