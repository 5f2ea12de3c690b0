//! WHERE pushdown (DESIGN.md section 5): conditions Salesforce can evaluate, their SOQL, and
//! whether that SOQL selects exactly the rows Postgres would keep or only a superset of them.
//!
//! The rule that keeps results right: a shipped condition may make Salesforce return more rows
//! than match, never fewer. Conditions that are not exact stay in the local filter too, so
//! Postgres removes the extra rows; exact ones are dropped from the local filter, and only a
//! query whose conditions are all exact may push its LIMIT.
//!
//! Pure Rust: the Postgres expression trees are translated into `Cond` in `scan::deparse`.

use serde::{Deserialize, Serialize};

use crate::soql::quote_string;

/// A value from the query: a constant, or a parameter evaluated at execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    /// A finite number, in Postgres' text form (never with an exponent).
    Number(String),
    Text(String),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since 2000-01-01 00:00 UTC.
    Timestamp(i64),
    Array(Vec<Value>),
    /// A value we cannot render (infinity, NaN, out-of-range dates...).
    Unrenderable,
    /// Stands for runtime parameter N (0-based) when showing a plan: rendered as `$N+1`.
    Placeholder(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Operand {
    Const(Value),
    /// Index into the scan's runtime parameters (`fdw_exprs`).
    Param(usize),
}

/// How a column's values compare, from its Postgres type. Only these classes are pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldClass {
    Number,
    /// A number shown rounded to `scale` decimals (a `numeric(p,s)` column): Salesforce
    /// compares the stored value, which may carry more decimals (SALESFORCE.md 12.2), so
    /// comparisons are widened by half a unit of the last place and rechecked here.
    RoundedNumber {
        scale: u16,
    },
    Text,
    /// Text on an id or reference field: Salesforce rejects literals that are not ids.
    Id,
    Bool,
    Date,
    DateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn from_pg(name: &str) -> Option<CmpOp> {
        Some(match name {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`5 < x` is `x > 5`).
    pub fn commuted(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    fn soql(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cond {
    /// `field op value`.
    Compare {
        field: String,
        class: FieldClass,
        op: CmpOp,
        value: Operand,
    },
    /// `field = ANY(array)` (IN), or `field <> ALL(array)` (NOT IN) when `negated`.
    In {
        field: String,
        class: FieldClass,
        values: Operand,
        negated: bool,
    },
    /// `field IS NULL` / `IS NOT NULL`.
    Null {
        field: String,
        is_null: bool,
    },
    /// `field [I]LIKE pattern` (Postgres pattern, backslash escapes).
    Like {
        field: String,
        pattern: Operand,
        case_insensitive: bool,
    },
    /// A boolean column as a condition: `where is_won`, `where not is_closed`.
    BoolField {
        field: String,
        value: bool,
    },
    /// The object a polymorphic relationship points to (`What.Type = 'Opportunity'`): an
    /// object's API name, which Salesforce compares exactly (names never differ only in case,
    /// nor hold NUL).
    PointsTo {
        relationship: String,
        object: String,
    },
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

/// SOQL for a condition, as a set of rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Soql {
    /// No restriction (every row).
    All,
    /// No row can match.
    Nothing,
    /// A SOQL condition; `exact` when it selects exactly the rows Postgres keeps.
    Where { text: String, exact: bool },
}

/// Longest string literal SOQL accepts in a WHERE clause.
const MAX_STRING_LITERAL: usize = 4000;
/// Longest IN list we send, in characters of SOQL after URL encoding (the request line of a
/// REST call must stay under 16 KB, with the rest of the query).
pub const MAX_IN_LIST_ENCODED: usize = 8000;
/// Salesforce's date range.
const MIN_YEAR: i32 = 1700;
const MAX_YEAR: i32 = 4000;

impl Cond {
    /// Whether this condition, planned with these operands, will render exactly. Decided at
    /// plan time: parameters are unknown then, so anything with a parameter is inexact.
    pub fn plan_exact(&self) -> bool {
        match self.render(&[]) {
            Soql::All => false,
            Soql::Nothing => !self.has_param(),
            Soql::Where { exact, .. } => exact && !self.has_param(),
        }
    }

    /// Whether this condition asks for deleted rows (`is_deleted`, `is_deleted = true`), which
    /// only queryAll returns.
    pub fn wants_deleted_rows(&self) -> bool {
        match self {
            Cond::BoolField { field, value } => *value && field.eq_ignore_ascii_case("IsDeleted"),
            Cond::Compare {
                field,
                op: CmpOp::Eq,
                value: Operand::Const(Value::Bool(true)),
                ..
            } => field.eq_ignore_ascii_case("IsDeleted"),
            _ => false,
        }
    }

    /// Whether the condition takes a runtime parameter.
    pub fn has_param(&self) -> bool {
        match self {
            Cond::Compare { value, .. } => matches!(value, Operand::Param(_)),
            Cond::In { values, .. } => matches!(values, Operand::Param(_)),
            Cond::Like { pattern, .. } => matches!(pattern, Operand::Param(_)),
            Cond::Null { .. } | Cond::BoolField { .. } | Cond::PointsTo { .. } => false,
            Cond::And(items) | Cond::Or(items) => items.iter().any(Cond::has_param),
        }
    }

    /// The SOQL for this condition with the parameters' values (unknown ones render as a
    /// superset: no restriction), for text that may hold NUL characters.
    pub fn render(&self, params: &[Value]) -> Soql {
        self.render_for(params, NulText::MayHold)
    }

    /// The same, saying whether the org's text may hold NUL characters.
    pub fn render_for(&self, params: &[Value], nul: NulText) -> Soql {
        let resolve = |operand: &Operand| -> Option<Value> {
            match operand {
                Operand::Const(v) => Some(v.clone()),
                Operand::Param(i) => params.get(*i).cloned(),
            }
        };
        match self {
            Cond::Compare {
                field,
                class,
                op,
                value,
            } => match resolve(value) {
                Some(v) => render_compare(field, *class, *op, &v, nul),
                None => Soql::All,
            },
            Cond::In {
                field,
                class,
                values,
                negated,
            } => match resolve(values) {
                Some(Value::Array(items)) => render_in(field, *class, &items, *negated, nul),
                Some(Value::Placeholder(n)) => Soql::Where {
                    text: format!(
                        "{field} {}IN ${}",
                        if *negated { "NOT " } else { "" },
                        n + 1
                    ),
                    exact: false,
                },
                Some(Value::Null) => Soql::Nothing,
                _ => Soql::All,
            },
            Cond::Null { field, is_null } => Soql::Where {
                text: format!("{field} {} null", if *is_null { "=" } else { "!=" }),
                exact: true,
            },
            Cond::Like {
                field,
                pattern,
                case_insensitive,
            } => match resolve(pattern) {
                Some(Value::Text(p)) => render_like(field, &p, *case_insensitive, nul),
                Some(Value::Placeholder(n)) => Soql::Where {
                    text: format!("{field} LIKE ${}", n + 1),
                    exact: false,
                },
                Some(Value::Null) => Soql::Nothing,
                _ => Soql::All,
            },
            Cond::BoolField { field, value } => Soql::Where {
                text: format!("{field} = {value}"),
                exact: true,
            },
            Cond::PointsTo {
                relationship,
                object,
            } => Soql::Where {
                text: format!("{relationship}.Type = {}", quote_string(object)),
                exact: true,
            },
            Cond::And(items) => combine(items.iter().map(|c| c.render_for(params, nul)), true),
            Cond::Or(items) => combine(items.iter().map(|c| c.render_for(params, nul)), false),
        }
    }
}

/// The conjunction of top-level conditions.
pub fn render_all(conds: &[Cond], params: &[Value], nul: NulText) -> Soql {
    combine(conds.iter().map(|c| c.render_for(params, nul)), true)
}

/// Whether the org's text values may hold NUL characters, which the FDW shows without them
/// (server option `text_may_hold_nul`): then text conditions take those values too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NulText {
    MayHold,
    Never,
}

fn combine(parts: impl Iterator<Item = Soql>, and: bool) -> Soql {
    let mut texts = Vec::new();
    let mut exact = true;
    for part in parts {
        match (part, and) {
            (Soql::Nothing, true) => return Soql::Nothing,
            (Soql::All, false) => return Soql::All,
            // All in an AND keeps the other conditions but loses exactness.
            (Soql::All, true) => exact = false,
            (Soql::Nothing, false) => {}
            (Soql::Where { text, exact: e }, _) => {
                exact &= e;
                texts.push(text);
            }
        }
    }
    match texts.len() {
        0 if and => Soql::All,
        0 => Soql::Nothing,
        1 => Soql::Where {
            text: texts.pop().unwrap_or_default(),
            exact,
        },
        _ => Soql::Where {
            text: texts
                .iter()
                .map(|t| format!("({t})"))
                .collect::<Vec<_>>()
                .join(if and { " AND " } else { " OR " }),
            exact,
        },
    }
}

/// A literal of the field's class, or None when it cannot be rendered (the caller then
/// falls back to a superset).
pub fn literal(class: FieldClass, value: &Value) -> Option<String> {
    match (class, value) {
        (_, Value::Placeholder(n)) => Some(format!("${}", n + 1)),
        (FieldClass::Number, Value::Number(n)) if is_plain_number(n) => Some(plain_digits(n)),
        (FieldClass::Bool, Value::Bool(b)) => Some(b.to_string()),
        (FieldClass::Text, Value::Text(s)) if s.chars().count() <= MAX_STRING_LITERAL => {
            Some(quote_string(s))
        }
        (FieldClass::Id, Value::Text(s)) if is_id(s) => Some(quote_string(s)),
        (FieldClass::Date, Value::Date(days)) => format_date(*days),
        (FieldClass::DateTime, Value::Timestamp(micros)) => format_datetime_millis(*micros),
        _ => None,
    }
}

/// Most significant digits SOQL takes in a number literal ("Number too large or too precise").
const MAX_NUMBER_DIGITS: usize = 18;

fn is_plain_number(n: &str) -> bool {
    let digits = n.strip_prefix('-').unwrap_or(n);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let significant = format!("{int}{frac}");
    let significant = significant.trim_start_matches('0').trim_end_matches('0');
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && int.trim_start_matches('0').len() <= MAX_NUMBER_DIGITS
        && frac.trim_end_matches('0').len() <= MAX_NUMBER_DIGITS
        && significant.len() <= MAX_NUMBER_DIGITS
}

/// A number literal without the zeros that do not change it (`1.0000` -> `1`, `007` -> `7`):
/// numeric division gives long scales, and SOQL refuses literals with too many digits.
fn plain_digits(n: &str) -> String {
    let (sign, digits) = match n.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", n),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let int = match int.trim_start_matches('0') {
        "" => "0",
        kept => kept,
    };
    let frac = frac.trim_end_matches('0');
    let sign = if int == "0" && frac.is_empty() {
        ""
    } else {
        sign
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// A 15- or 18-character Salesforce id.
fn is_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A text value Salesforce can never hold: empty, or with leading/trailing ASCII whitespace
/// (SALESFORCE.md 7.6). Equality with it matches nothing.
fn impossible_text(class: FieldClass, value: &Value) -> bool {
    match value {
        // Every value of an id field is an 18-character id (Postgres compares exactly).
        Value::Text(s) if class == FieldClass::Id => s.len() != 18 && !is_id(s),
        Value::Text(s) => {
            s.is_empty()
                || s.starts_with(|c: char| c.is_ascii_whitespace())
                || s.ends_with(|c: char| c.is_ascii_whitespace())
        }
        _ => false,
    }
}

fn render_compare(field: &str, class: FieldClass, op: CmpOp, value: &Value, nul: NulText) -> Soql {
    if *value == Value::Null {
        // `x op NULL` is never true in Postgres.
        return Soql::Nothing;
    }
    match class {
        // Salesforce compares text case-insensitively: `=` gives a superset; `<>`, `<`, `>`
        // could drop rows Postgres keeps, so they stay local.
        FieldClass::Text | FieldClass::Id => match op {
            CmpOp::Eq if impossible_text(class, value) => or_holding_nul(field, class, None, nul),
            CmpOp::Eq => match literal(class, value) {
                Some(lit) => or_holding_nul(field, class, Some(format!("{field} = {lit}")), nul),
                None => Soql::All,
            },
            _ => Soql::All,
        },
        FieldClass::DateTime => match value {
            Value::Timestamp(micros) => render_datetime_compare(field, op, *micros),
            Value::Placeholder(_) => match literal(class, value) {
                Some(lit) => exact_compare(field, class, op, &lit),
                None => Soql::All,
            },
            _ => Soql::All,
        },
        // Booleans: only = and <> (ordering operators on them are not shown to be SOQL).
        FieldClass::Bool if !matches!(op, CmpOp::Eq | CmpOp::Ne) => Soql::All,
        FieldClass::RoundedNumber { scale } => render_rounded_compare(field, scale, op, value),
        FieldClass::Number | FieldClass::Bool | FieldClass::Date => match literal(class, value) {
            Some(lit) => exact_compare(field, class, op, &lit),
            None => Soql::All,
        },
    }
}

/// `round(stored, scale) op c` as a superset on the stored value: the rounded value is within
/// half a unit of the last place of the stored one (either way, whatever the rounding rule).
fn render_rounded_compare(field: &str, scale: u16, op: CmpOp, value: &Value) -> Soql {
    let Value::Number(n) = value else {
        return Soql::All;
    };
    let (Ok(c), Some(half)) = (n.parse::<rust_decimal::Decimal>(), half_unit(scale)) else {
        return Soql::All;
    };
    let bound = |d: rust_decimal::Decimal| {
        let text = d.normalize().to_string();
        is_plain_number_or_int(&text).then_some(text)
    };
    let range = |op: &str, d: Option<rust_decimal::Decimal>| {
        d.and_then(bound).map(|lit| format!("{field} {op} {lit}"))
    };
    let low = range(">=", c.checked_sub(half));
    let high = range("<=", c.checked_add(half));
    let text = match op {
        CmpOp::Eq => match (low, high) {
            (Some(l), Some(h)) => format!("{l} AND {h}"),
            _ => return Soql::All,
        },
        CmpOp::Lt | CmpOp::Le => match high {
            Some(h) => h,
            None => return Soql::All,
        },
        CmpOp::Gt | CmpOp::Ge => match low {
            Some(l) => l,
            None => return Soql::All,
        },
        CmpOp::Ne => format!("{field} != null"),
    };
    Soql::Where { text, exact: false }
}

/// 0.5 * 10^-scale, when a Decimal can hold it.
fn half_unit(scale: u16) -> Option<rust_decimal::Decimal> {
    (u32::from(scale) < 27).then(|| rust_decimal::Decimal::new(5, u32::from(scale) + 1))
}

fn is_plain_number_or_int(text: &str) -> bool {
    is_plain_number(text) || is_plain_number(&format!("{text}.0"))
}

/// `field op lit` for exact classes; `!=` also excludes nulls, as Postgres' `<>` does, except
/// on booleans: they are never null, and SOQL's `!= null` on a boolean means `= true`.
fn exact_compare(field: &str, class: FieldClass, op: CmpOp, lit: &str) -> Soql {
    let text = if op == CmpOp::Ne && class != FieldClass::Bool {
        format!("{field} != {lit} AND {field} != null")
    } else {
        format!("{field} {} {lit}", op.soql())
    };
    Soql::Where { text, exact: true }
}

/// Salesforce datetimes have millisecond precision: a constant with microseconds is moved to
/// the millisecond boundary that keeps the comparison's meaning.
fn render_datetime_compare(field: &str, op: CmpOp, micros: i64) -> Soql {
    let floor = micros.div_euclid(1000) * 1000;
    let aligned = floor == micros;
    let (op, at) = match (op, aligned) {
        (_, true) => (op, micros),
        (CmpOp::Eq, false) => return Soql::Nothing,
        (CmpOp::Ne, false) => {
            return Soql::Where {
                text: format!("{field} != null"),
                exact: true,
            }
        }
        // v > c  <=>  v > floor(c);   v >= c  <=>  v > floor(c)
        (CmpOp::Gt | CmpOp::Ge, false) => (CmpOp::Gt, floor),
        // v < c  <=>  v <= floor(c);  v <= c  <=>  v <= floor(c)
        (CmpOp::Lt | CmpOp::Le, false) => (CmpOp::Le, floor),
    };
    match format_datetime_millis(at) {
        Some(lit) => exact_compare(field, FieldClass::DateTime, op, &lit),
        None => Soql::All,
    }
}

fn render_in(field: &str, class: FieldClass, items: &[Value], negated: bool, nul: NulText) -> Soql {
    if negated {
        // x <> ALL('{}') is true for every row, NULL x included.
        if items.is_empty() {
            return Soql::All;
        }
        // x <> ALL(array with NULL) is never true.
        if items.contains(&Value::Null) {
            return Soql::Nothing;
        }
        // Case-insensitive NOT IN could drop rows Postgres keeps.
        if matches!(class, FieldClass::Text | FieldClass::Id) {
            return Soql::All;
        }
    }
    // A rounded column's values are not the stored ones: no list of exact literals fits.
    if matches!(class, FieldClass::RoundedNumber { .. }) {
        return Soql::All;
    }
    let mut literals = Vec::new();
    let mut exact = true;
    for item in items {
        if *item == Value::Null || impossible_text(class, item) {
            // Matches nothing; in NOT IN such items were handled above.
            continue;
        }
        match item_literal(class, item) {
            Some(lit) => {
                if !literals.contains(&lit) {
                    literals.push(lit);
                }
            }
            None => return Soql::All,
        }
        if matches!(class, FieldClass::Text | FieldClass::Id) {
            exact = false;
        }
    }
    if literals.is_empty() {
        return if !negated && class == FieldClass::Text {
            or_holding_nul(field, class, None, nul)
        } else {
            Soql::Nothing
        };
    }
    let list = literals.join(", ");
    if encoded_len(&list) > MAX_IN_LIST_ENCODED {
        return Soql::All;
    }
    if !negated && class == FieldClass::Text {
        return or_holding_nul(field, class, Some(format!("{field} IN ({list})")), nul);
    }
    let text = if negated && class == FieldClass::Bool {
        format!("{field} NOT IN ({list})")
    } else if negated {
        format!("{field} NOT IN ({list}) AND {field} != null")
    } else {
        format!("{field} IN ({list})")
    };
    Soql::Where { text, exact }
}

/// IN-list items: datetimes only when on a millisecond boundary (else not renderable).
fn item_literal(class: FieldClass, item: &Value) -> Option<String> {
    match (class, item) {
        (FieldClass::DateTime, Value::Timestamp(m)) if m.rem_euclid(1000) != 0 => None,
        _ => literal(class, item),
    }
}

/// Characters after percent-encoding (non-ASCII UTF-8 bytes take three each).
pub fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { 1 } else { 3 })
        .sum()
}

/// Postgres LIKE pattern (backslash escapes) -> SOQL LIKE literal. Salesforce's LIKE is
/// case-insensitive, so it is a superset of LIKE, and equal to ILIKE for ASCII patterns.
fn render_like(field: &str, pattern: &str, case_insensitive: bool, nul: NulText) -> Soql {
    if case_insensitive && !pattern.is_ascii() {
        // Unicode case folding may differ between Postgres and Salesforce.
        return Soql::All;
    }
    if pattern.is_empty() {
        // Matches only '', which Salesforce never holds (but a value of NULs shows as '').
        return or_holding_nul(field, FieldClass::Text, None, nul);
    }
    let mut out = String::from("'");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => push_like_literal(&mut out, escaped),
                // A trailing escape is an error in Postgres: let it report it.
                None => return Soql::All,
            },
            '%' | '_' => out.push(c),
            other => push_like_literal(&mut out, other),
        }
    }
    out.push('\'');
    if out.chars().count() > MAX_STRING_LITERAL {
        return Soql::All;
    }
    or_holding_nul(
        field,
        FieldClass::Text,
        Some(format!("{field} LIKE {out}")),
        nul,
    )
}

/// Text conditions as a superset that also takes the values holding U+0000: the FDW shows
/// text without NUL characters (Postgres cannot hold them, SALESFORCE.md 12.10), so a value
/// Salesforce holds as `O'Brien\0s` is `O'Briens` here, and `= 'O''Briens'` must find it.
/// Ids never hold NUL. `condition` None: only such values can match.
/// With `NulText::Never` (an org known to hold no NUL), the condition alone.
fn or_holding_nul(field: &str, class: FieldClass, condition: Option<String>, nul: NulText) -> Soql {
    if class == FieldClass::Id || nul == NulText::Never {
        return match condition {
            Some(text) => Soql::Where { text, exact: false },
            None => Soql::Nothing,
        };
    }
    let holding_nul = format!("{field} LIKE '%\\u0000%'");
    Soql::Where {
        text: match condition {
            Some(text) => format!("{text} OR {holding_nul}"),
            None => holding_nul,
        },
        exact: false,
    }
}

fn push_like_literal(out: &mut String, c: char) {
    match c {
        '%' => out.push_str("\\%"),
        '_' => out.push_str("\\_"),
        other => {
            let quoted = quote_string(&other.to_string());
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
    }
}

/// `YYYY-MM-DD` within Salesforce's range.
fn format_date(days: i32) -> Option<String> {
    let date = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)?
        .checked_add_signed(chrono::Duration::days(days as i64))?;
    use chrono::Datelike;
    (MIN_YEAR..=MAX_YEAR)
        .contains(&date.year())
        .then(|| date.format("%Y-%m-%d").to_string())
}

/// `YYYY-MM-DDThh:mm:ss.SSSZ` (UTC, unquoted) for a millisecond-aligned instant.
fn format_datetime_millis(micros: i64) -> Option<String> {
    let epoch = chrono::DateTime::from_timestamp(946_684_800, 0)?;
    let at = epoch.checked_add_signed(chrono::Duration::microseconds(micros))?;
    use chrono::Datelike;
    (MIN_YEAR..=MAX_YEAR)
        .contains(&at.year())
        .then(|| at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: &str) -> Operand {
        Operand::Const(Value::Number(n.into()))
    }
    fn text(s: &str) -> Operand {
        Operand::Const(Value::Text(s.into()))
    }
    fn cmp(field: &str, class: FieldClass, op: CmpOp, value: Operand) -> Cond {
        Cond::Compare {
            field: field.into(),
            class,
            op,
            value,
        }
    }
    /// What a text condition adds: values holding NUL characters (shown without them).
    const NUL: &str = r"Name LIKE '%\u0000%'";

    fn soql(text: &str, exact: bool) -> Soql {
        Soql::Where {
            text: text.into(),
            exact,
        }
    }

    #[test]
    fn numbers_compare_exactly_and_not_equal_excludes_nulls() {
        let c = cmp("Amount", FieldClass::Number, CmpOp::Gt, num("1000"));
        assert_eq!(c.render(&[]), soql("Amount > 1000", true));
        assert!(c.plan_exact());
        let c = cmp("Amount", FieldClass::Number, CmpOp::Ne, num("-5.25"));
        assert_eq!(
            c.render(&[]),
            soql("Amount != -5.25 AND Amount != null", true)
        );
    }

    #[test]
    fn text_equality_is_a_superset_and_negations_stay_local() {
        let c = cmp("StageName", FieldClass::Text, CmpOp::Eq, text("Closed Won"));
        assert_eq!(
            c.render(&[]),
            soql(
                "StageName = 'Closed Won' OR StageName LIKE '%\\u0000%'",
                false
            )
        );
        assert!(!c.plan_exact());
        for op in [CmpOp::Ne, CmpOp::Lt, CmpOp::Ge] {
            assert_eq!(
                cmp("Name", FieldClass::Text, op, text("a")).render(&[]),
                Soql::All
            );
        }
    }

    #[test]
    fn a_polymorphic_relationship_is_restricted_to_its_object_exactly() {
        let points = Cond::PointsTo {
            relationship: "Account.What".into(),
            object: "Opportunity".into(),
        };
        // (no `OR ... LIKE '%\u0000%'`: an object name never holds NUL)
        assert_eq!(
            points.render(&[]),
            soql("Account.What.Type = 'Opportunity'", true)
        );
    }

    #[test]
    fn impossible_text_matches_nothing() {
        for s in ["", " lead", "trail ", "\ttab"] {
            // Only a value holding NUL characters (shown without them) can look like that.
            assert_eq!(
                cmp("Name", FieldClass::Text, CmpOp::Eq, text(s)).render(&[]),
                soql(NUL, false)
            );
        }
    }

    #[test]
    fn quotes_and_backslashes_never_become_syntax() {
        let c = cmp(
            "Name",
            FieldClass::Text,
            CmpOp::Eq,
            text(r"O'Brien \ 'x' OR Name != '"),
        );
        assert_eq!(
            c.render(&[]),
            soql(
                r"Name = 'O\'Brien \\ \'x\' OR Name != \'' OR Name LIKE '%\u0000%'",
                false
            )
        );
    }

    #[test]
    fn comparisons_with_null_match_nothing() {
        let c = cmp(
            "Amount",
            FieldClass::Number,
            CmpOp::Eq,
            Operand::Const(Value::Null),
        );
        assert_eq!(c.render(&[]), Soql::Nothing);
        assert!(c.plan_exact());
    }

    #[test]
    fn datetimes_are_utc_with_millisecond_boundaries() {
        // 2024-01-31T12:00:00Z in micros since 2000-01-01.
        let base = 760_017_600_000_000i64;
        let at = |m| Operand::Const(Value::Timestamp(m));
        let c = cmp("SystemModstamp", FieldClass::DateTime, CmpOp::Ge, at(base));
        assert_eq!(
            c.render(&[]),
            soql("SystemModstamp >= 2024-01-31T12:00:00.000Z", true)
        );
        let c = cmp(
            "SystemModstamp",
            FieldClass::DateTime,
            CmpOp::Ge,
            at(base + 1500),
        );
        assert_eq!(
            c.render(&[]),
            soql("SystemModstamp > 2024-01-31T12:00:00.001Z", true)
        );
        let c = cmp(
            "SystemModstamp",
            FieldClass::DateTime,
            CmpOp::Lt,
            at(base + 1500),
        );
        assert_eq!(
            c.render(&[]),
            soql("SystemModstamp <= 2024-01-31T12:00:00.001Z", true)
        );
        let c = cmp(
            "SystemModstamp",
            FieldClass::DateTime,
            CmpOp::Eq,
            at(base + 1),
        );
        assert_eq!(c.render(&[]), Soql::Nothing);
    }

    #[test]
    fn dates_render_plain_and_out_of_range_is_a_superset() {
        let c = cmp(
            "CloseDate",
            FieldClass::Date,
            CmpOp::Le,
            Operand::Const(Value::Date(0)),
        );
        assert_eq!(c.render(&[]), soql("CloseDate <= 2000-01-01", true));
        let c = cmp(
            "CloseDate",
            FieldClass::Date,
            CmpOp::Gt,
            Operand::Const(Value::Date(-800_000)),
        );
        assert_eq!(c.render(&[]), Soql::All);
    }

    #[test]
    fn in_lists() {
        let arr = |items: Vec<Value>| Operand::Const(Value::Array(items));
        let c = Cond::In {
            field: "Amount".into(),
            class: FieldClass::Number,
            values: arr(vec![
                Value::Number("1".into()),
                Value::Null,
                Value::Number("2".into()),
            ]),
            negated: false,
        };
        assert_eq!(c.render(&[]), soql("Amount IN (1, 2)", true));
        let empty = Cond::In {
            field: "Amount".into(),
            class: FieldClass::Number,
            values: arr(vec![]),
            negated: false,
        };
        assert_eq!(empty.render(&[]), Soql::Nothing);
        let not_in_empty = Cond::In {
            field: "Amount".into(),
            class: FieldClass::Number,
            values: arr(vec![]),
            negated: true,
        };
        assert_eq!(not_in_empty.render(&[]), Soql::All);
        let not_in = Cond::In {
            field: "Amount".into(),
            class: FieldClass::Number,
            values: arr(vec![Value::Number("1".into())]),
            negated: true,
        };
        assert_eq!(
            not_in.render(&[]),
            soql("Amount NOT IN (1) AND Amount != null", true)
        );
        let not_in_null = Cond::In {
            field: "Amount".into(),
            class: FieldClass::Number,
            values: arr(vec![Value::Number("1".into()), Value::Null]),
            negated: true,
        };
        assert_eq!(not_in_null.render(&[]), Soql::Nothing);
        let text_not_in = Cond::In {
            field: "Name".into(),
            class: FieldClass::Text,
            values: arr(vec![Value::Text("a".into())]),
            negated: true,
        };
        assert_eq!(text_not_in.render(&[]), Soql::All);
    }

    #[test]
    fn huge_in_lists_are_not_sent() {
        let items: Vec<Value> = (0..5000)
            .map(|i| Value::Text(format!("value {i}")))
            .collect();
        let c = Cond::In {
            field: "Name".into(),
            class: FieldClass::Text,
            values: Operand::Const(Value::Array(items)),
            negated: false,
        };
        assert_eq!(c.render(&[]), Soql::All);
    }

    #[test]
    fn like_patterns_translate_wildcards_and_escapes() {
        let like = |p: &str, ci: bool| Cond::Like {
            field: "Name".into(),
            pattern: text(p),
            case_insensitive: ci,
        };
        let with_nul = |condition: &str| soql(&format!("{condition} OR {NUL}"), false);
        assert_eq!(
            like("Acme%", false).render(&[]),
            with_nul("Name LIKE 'Acme%'")
        );
        assert_eq!(
            like(r"50\% off\_x_", false).render(&[]),
            with_nul(r"Name LIKE '50\% off\_x_'")
        );
        assert_eq!(
            like("it's a \\\\ b", false).render(&[]),
            with_nul(r"Name LIKE 'it\'s a \\ b'")
        );
        assert_eq!(like("zürich%", true).render(&[]), Soql::All);
        assert_eq!(like("", false).render(&[]), soql(NUL, false));
        assert_eq!(like("abc\\", false).render(&[]), Soql::All);
    }

    #[test]
    fn and_or_combine_with_all_and_nothing() {
        let won = Cond::BoolField {
            field: "IsWon".into(),
            value: true,
        };
        let big = cmp("Amount", FieldClass::Number, CmpOp::Gt, num("5"));
        let local = cmp("Name", FieldClass::Text, CmpOp::Lt, text("m"));
        assert_eq!(
            Cond::Or(vec![won.clone(), big.clone()]).render(&[]),
            soql("(IsWon = true) OR (Amount > 5)", true)
        );
        assert_eq!(
            Cond::Or(vec![won.clone(), local.clone()]).render(&[]),
            Soql::All
        );
        assert_eq!(
            Cond::And(vec![won.clone(), local]).render(&[]),
            soql("IsWon = true", false)
        );
        let nothing = cmp(
            "Amount",
            FieldClass::Number,
            CmpOp::Eq,
            Operand::Const(Value::Null),
        );
        assert_eq!(
            Cond::Or(vec![nothing.clone(), big.clone()]).render(&[]),
            soql("Amount > 5", true)
        );
        assert_eq!(Cond::And(vec![nothing, big]).render(&[]), Soql::Nothing);
    }

    #[test]
    fn boolean_not_equal_has_no_null_test() {
        let c = cmp(
            "IsWon",
            FieldClass::Bool,
            CmpOp::Ne,
            Operand::Const(Value::Bool(true)),
        );
        assert_eq!(c.render(&[]), soql("IsWon != true", true));
        let c = Cond::In {
            field: "IsWon".into(),
            class: FieldClass::Bool,
            values: Operand::Const(Value::Array(vec![Value::Bool(true)])),
            negated: true,
        };
        assert_eq!(c.render(&[]), soql("IsWon NOT IN (true)", true));
        let c = cmp(
            "IsWon",
            FieldClass::Bool,
            CmpOp::Lt,
            Operand::Const(Value::Bool(true)),
        );
        assert_eq!(c.render(&[]), Soql::All);
    }

    #[test]
    fn ids_only_take_id_literals() {
        let id = |s: &str| cmp("AccountId", FieldClass::Id, CmpOp::Eq, text(s));
        assert_eq!(
            id("0015g00000000IjAAI").render(&[]),
            soql("AccountId = '0015g00000000IjAAI'", false)
        );
        assert_eq!(id("not an id").render(&[]), Soql::Nothing);
        assert_eq!(id("0015g00000000IjAAIx").render(&[]), Soql::Nothing);
        let c = Cond::In {
            field: "Id".into(),
            class: FieldClass::Id,
            values: Operand::Const(Value::Array(vec![
                Value::Text("x".into()),
                Value::Text("0015g00000000Ij".into()),
            ])),
            negated: false,
        };
        assert_eq!(c.render(&[]), soql("Id IN ('0015g00000000Ij')", false));
    }

    #[test]
    fn numbers_beyond_soql_precision_are_not_sent() {
        let big = cmp(
            "Amount",
            FieldClass::Number,
            CmpOp::Le,
            num("99999999999999999999999999999999999"),
        );
        assert_eq!(big.render(&[]), Soql::All);
        let fine = cmp(
            "Amount",
            FieldClass::Number,
            CmpOp::Le,
            num("123456789012.345678"),
        );
        assert_eq!(
            fine.render(&[]),
            soql("Amount <= 123456789012.345678", true)
        );
    }

    #[test]
    fn rounded_columns_widen_by_half_a_unit_and_recheck() {
        let rounded = FieldClass::RoundedNumber { scale: 2 };
        let c = cmp("Amount", rounded, CmpOp::Eq, num("237.63"));
        // A stored 237.631 shows as 237.63: it must come back.
        assert_eq!(
            c.render(&[]),
            soql("Amount >= 237.625 AND Amount <= 237.635", false)
        );
        assert!(!c.plan_exact());
        assert_eq!(
            cmp("Amount", rounded, CmpOp::Gt, num("10")).render(&[]),
            soql("Amount >= 9.995", false)
        );
        assert_eq!(
            cmp("Amount", rounded, CmpOp::Le, num("-1.5")).render(&[]),
            soql("Amount <= -1.495", false)
        );
        assert_eq!(
            cmp("Amount", rounded, CmpOp::Ne, num("1")).render(&[]),
            soql("Amount != null", false)
        );
        let whole = FieldClass::RoundedNumber { scale: 0 };
        assert_eq!(
            cmp("Probability", whole, CmpOp::Eq, num("10")).render(&[]),
            soql("Probability >= 9.5 AND Probability <= 10.5", false)
        );
        let c = Cond::In {
            field: "Amount".into(),
            class: rounded,
            values: Operand::Const(Value::Array(vec![Value::Number("1".into())])),
            negated: false,
        };
        assert_eq!(c.render(&[]), Soql::All);
    }

    #[test]
    fn text_conditions_without_the_nul_superset_where_the_org_has_none() {
        let eq = cmp("Name", FieldClass::Text, CmpOp::Eq, text("Acme"));
        assert_eq!(
            eq.render_for(&[], NulText::Never),
            soql("Name = 'Acme'", false)
        );
        assert_eq!(
            cmp("Name", FieldClass::Text, CmpOp::Eq, text("")).render_for(&[], NulText::Never),
            Soql::Nothing
        );
        let like = Cond::Like {
            field: "Name".into(),
            pattern: text("Ac%"),
            case_insensitive: false,
        };
        assert_eq!(
            like.render_for(&[], NulText::Never),
            soql("Name LIKE 'Ac%'", false)
        );
        assert_eq!(
            render_all(&[eq], &[], NulText::MayHold),
            soql(&format!("Name = 'Acme' OR {NUL}"), false)
        );
    }

    #[test]
    fn number_literals_lose_the_zeros_that_do_not_count() {
        let c = |n: &str| cmp("Amount", FieldClass::Number, CmpOp::Gt, num(n)).render(&[]);
        assert_eq!(c("1.00000000000000000000"), soql("Amount > 1", true));
        assert_eq!(c("-0.000"), soql("Amount > 0", true));
        assert_eq!(c("0012.5000"), soql("Amount > 12.5", true));
        assert_eq!(c("-0.25"), soql("Amount > -0.25", true));
    }

    #[test]
    fn parameters_render_at_execution_and_plan_inexact() {
        let c = cmp("Amount", FieldClass::Number, CmpOp::Lt, Operand::Param(0));
        assert!(!c.plan_exact());
        assert_eq!(c.render(&[]), Soql::All);
        assert_eq!(
            c.render(&[Value::Number("7".into())]),
            soql("Amount < 7", true)
        );
    }
}
