//! Aggregate pushdown rules (DESIGN.md section 5; SALESFORCE.md 12.1, 12.2, 12.10 and 12.15):
//! which Postgres aggregates and GROUP BY keys a SOQL aggregate query computes exactly as
//! Postgres would over the rows the foreign table presents, and the SOQL items for them.
//! Anything not shown exact here is computed by Postgres from the rows, and the reason goes
//! to EXPLAIN VERBOSE.
//!
//! Pure Rust: the planner's Aggref and Var nodes are read in `scan::upper`.

use serde::{Deserialize, Serialize};

/// GROUP BY queries answer at most this many rows and cannot page (SALESFORCE.md 12.15): the
/// query asks for one more, and more than this many means Postgres aggregates instead.
pub const MAX_GROUPS: u64 = 2000;

/// A column's Postgres type, as far as aggregates care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    SmallInt,
    Integer,
    BigInt,
    /// `numeric`; `rounded` for `numeric(p,s)`, which shows values rounded to s decimals.
    Numeric {
        rounded: bool,
    },
    Date,
    Timestamp,
    Time,
    Bool,
    Text,
    Other,
}

impl ValueType {
    fn is_integer(self) -> bool {
        matches!(
            self,
            ValueType::SmallInt | ValueType::Integer | ValueType::BigInt
        )
    }
}

/// What planning knows of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFacts {
    pub name: String,
    pub field: String,
    pub value_type: ValueType,
    /// Describe's type (`picklist`, `int`, ...); None when describe could not be had.
    pub sf_type: Option<String>,
    pub groupable: bool,
    pub aggregatable: bool,
    pub restricted_picklist: bool,
    pub formula: bool,
    /// Column option `group_exact 'true'`: the user vouches that the values never differ only
    /// in case and hold no NUL, so Salesforce's text grouping gives Postgres's groups.
    pub group_exact: bool,
    /// A `convertCurrency(...)` column: SOQL cannot aggregate it.
    pub converted_currency: bool,
    /// Describe's precision of a number field: its values carry at most this many decimals,
    /// whatever the scale (SALESFORCE.md 12.2).
    pub precision: Option<u32>,
}

/// What planning knows of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectFacts {
    /// Records carry their own currency: currency aggregates come back converted.
    pub multi_currency: bool,
}

/// The aggregates that can be shipped (all from pg_catalog, without FILTER or ORDER BY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggFunc {
    CountStar,
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFunc {
    /// The aggregate for a pg_catalog function name, with or without DISTINCT.
    pub fn from_name(name: &str, star: bool, distinct: bool) -> Option<AggFunc> {
        Some(match (name, star, distinct) {
            ("count", true, false) => AggFunc::CountStar,
            ("count", false, false) => AggFunc::Count,
            ("count", false, true) => AggFunc::CountDistinct,
            ("sum", false, false) => AggFunc::Sum,
            ("avg", false, false) => AggFunc::Avg,
            ("min", false, false) => AggFunc::Min,
            ("max", false, false) => AggFunc::Max,
            _ => return None,
        })
    }

    /// How the aggregate reads in SQL, for messages and the fallback query.
    pub fn sql(self, column: Option<&str>) -> String {
        let column = column.unwrap_or("*");
        match self {
            AggFunc::CountStar => "count(*)".to_string(),
            AggFunc::Count => format!("count({column})"),
            AggFunc::CountDistinct => format!("count(DISTINCT {column})"),
            AggFunc::Sum => format!("sum({column})"),
            AggFunc::Avg => format!("avg({column})"),
            AggFunc::Min => format!("min({column})"),
            AggFunc::Max => format!("max({column})"),
        }
    }
}

fn is_currency(column: &ColumnFacts) -> bool {
    column.sf_type.as_deref() == Some("currency")
}

/// Whether Salesforce's grouping of this text column is exact: ids and references are, and
/// so are restricted picklists (a fixed list of values); other text groups case-insensitively
/// (SALESFORCE.md 12.15) and may hold NUL, which the column drops (12.10).
fn text_groups_exactly(column: &ColumnFacts) -> bool {
    match column.sf_type.as_deref() {
        Some("id" | "reference") => true,
        Some("picklist") if column.restricted_picklist => true,
        _ => column.group_exact,
    }
}

fn text_grouping_reason(column: &ColumnFacts) -> String {
    format!(
        "Salesforce groups text case-insensitively, so values of {} that differ only in case would be merged (column option group_exact 'true' says they never do)",
        column.name
    )
}

/// Why `column` cannot be a GROUP BY key of a shipped query, or None when it can.
pub fn group_key_refusal(column: &ColumnFacts) -> Option<String> {
    let name = &column.name;
    if column.converted_currency {
        return Some(format!(
            "{name} is a converted currency, which SOQL cannot group"
        ));
    }
    let Some(sf_type) = column.sf_type.as_deref() else {
        return Some(format!("what Salesforce says of {name} is not known"));
    };
    if column.formula {
        return Some(format!(
            "{name} is a formula field, and Salesforce never groups by formula fields"
        ));
    }
    if !column.groupable {
        return Some(format!("Salesforce cannot group by {name} (not groupable)"));
    }
    let exact = match column.value_type {
        ValueType::Bool => sf_type == "boolean",
        ValueType::SmallInt | ValueType::Integer | ValueType::BigInt => sf_type == "int",
        ValueType::Date => sf_type == "date",
        ValueType::Text => {
            if !text_groups_exactly(column) {
                return Some(text_grouping_reason(column));
            }
            true
        }
        _ => false,
    };
    (!exact).then(|| format!("grouping by {name} ({sf_type}) is not known to give the same groups"))
}

/// Why `func` of `column` (None for count(*)) cannot be shipped, or None when it can.
pub fn aggregate_refusal(
    func: AggFunc,
    column: Option<&ColumnFacts>,
    object: ObjectFacts,
) -> Option<String> {
    let Some(column) = column else {
        return (func != AggFunc::CountStar).then(|| "an aggregate of no column".to_string());
    };
    let what = func.sql(Some(&column.name));
    if column.converted_currency {
        return Some(format!(
            "{what}: SOQL cannot aggregate a converted currency"
        ));
    }
    let Some(sf_type) = column.sf_type.as_deref() else {
        return Some(format!(
            "{what}: what Salesforce says of the field is not known"
        ));
    };
    if !column.aggregatable {
        return Some(format!(
            "{what}: Salesforce cannot aggregate the field (not aggregatable)"
        ));
    }
    if object.multi_currency && is_currency(column) && func != AggFunc::Count {
        return Some(format!(
            "{what}: in a multi-currency org Salesforce aggregates currency fields in the corporate currency"
        ));
    }
    let integer_field = column.value_type.is_integer() && sf_type == "int";
    match func {
        AggFunc::CountStar | AggFunc::Count => None,
        AggFunc::CountDistinct => match column.value_type {
            ValueType::Text if !text_groups_exactly(column) => Some(format!(
                "{what}: Salesforce compares text case-insensitively"
            )),
            ValueType::Numeric { rounded: true } => Some(format!(
                "{what}: the column rounds values that Salesforce counts as distinct"
            )),
            // A date column reading a datetime field shows each instant's UTC day: instants
            // Salesforce counts apart may be one day here.
            ValueType::Date if sf_type != "date" => Some(format!(
                "{what}: the column shows the day of a {sf_type} field, which Salesforce counts by its full value"
            )),
            ValueType::Other => Some(format!("{what}: not known to count the same values")),
            _ => None,
        },
        // avg of a numeric divides the exact sum by the count (`exact_sum`, `Output`).
        AggFunc::Avg if matches!(column.value_type, ValueType::Numeric { rounded: false })
            && matches!(sf_type, "double" | "percent" | "currency") =>
        {
            match column.precision {
                Some(precision) if precision <= MAX_AVERAGE_PRECISION => None,
                _ => Some(format!(
                    "{what}: values of up to {} digits could make Salesforce's sum inexact (it is a double)",
                    column.precision.map_or("unknown".to_string(), |p| p.to_string())
                )),
            }
        }
        AggFunc::Sum | AggFunc::Avg => (!integer_field).then(|| match column.value_type {
            ValueType::Numeric { .. } => format!(
                "{what}: Salesforce's sum has the value but not the display scale Postgres's numeric sum keeps (3.50, not 3.5)"
            ),
            _ => format!("{what}: only sums of integer fields are shipped"),
        }),
        AggFunc::Min | AggFunc::Max => {
            // Rounding and taking the calendar day keep the order, so min and max of what
            // the column shows are those of what Salesforce stores.
            let ordered = matches!(
                (column.value_type, sf_type),
                (
                    ValueType::SmallInt | ValueType::Integer | ValueType::BigInt,
                    "int"
                ) | (
                    ValueType::Numeric { .. },
                    "int" | "double" | "currency" | "percent"
                ) | (ValueType::Date, "date" | "datetime")
                    | (ValueType::Timestamp, "datetime")
                    | (ValueType::Time, "time")
            );
            (!ordered).then(|| match column.value_type {
                ValueType::Text => format!(
                    "{what}: Salesforce orders text case-insensitively and picklists by their value order"
                ),
                _ => format!("{what}: not known to order values as Postgres does"),
            })
        }
    }
}

/// Salesforce sends sums as doubles, exact up to 15 significant digits: a field whose values
/// have at most this many decimals leaves room for at least one integer digit.
pub const MAX_AVERAGE_PRECISION: u32 = 14;

/// The exact sum behind a SUM Salesforce sent, when it can be known: values of at most
/// `decimals` decimals sum to a number of at most `decimals` decimals, and one of at most 15
/// significant digits survives the double on the way, once rounded back to `decimals`.
pub fn exact_sum(text: &str, decimals: u32) -> Option<rust_decimal::Decimal> {
    let sum: rust_decimal::Decimal = text
        .parse()
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .ok()?;
    let integer_digits = sum.abs().trunc().to_string().trim_start_matches('0').len() as u32;
    (integer_digits + decimals <= 15).then(|| {
        sum.round_dp_with_strategy(
            decimals,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )
        .normalize()
    })
}

/// How one output column of a shipped aggregate is made from the record Salesforce returns;
/// the numbers index the record's keys (`AggregateSelect::keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output {
    /// The value under a key, decoded as the output column's type (group keys, counts, min,
    /// max, sums of small integers).
    Value(usize),
    /// An integer sum shown as numeric (sum of bigint): without Salesforce's `.0`.
    IntegerAsNumeric(usize),
    /// avg = sum / count in numeric division, as Postgres's avg of integers computes it.
    Average { sum: usize, count: usize },
    /// avg of a numeric: the exact sum (`exact_sum`) divided by the count, as Postgres's avg
    /// divides its sum; usable only while the quotient's scale exceeds `decimals`, so that the
    /// sum's own display scale (which Salesforce does not give) cannot change it.
    NumericAverage {
        sum: usize,
        count: usize,
        decimals: u32,
    },
}

/// A HAVING comparison Salesforce evaluates exactly as Postgres does, as SOQL (`COUNT(Id) >
/// 10`): an aggregate whose answer is exact and whole (counts; sums, minimums and maximums of
/// integer columns; minimums and maximums of date columns) against a constant of the same
/// kind. `aggregate` is the item's SOQL without its alias, `operator` Postgres's name,
/// `value` the constant (a number or a date). Anything else: None (Postgres alone checks it).
pub fn having_condition(
    func: AggFunc,
    column: Option<ValueType>,
    aggregate: &str,
    operator: &str,
    value: &crate::pushdown::Value,
) -> Option<String> {
    use crate::pushdown::{FieldClass, Value};
    let class = match (func, column, value) {
        (AggFunc::CountStar | AggFunc::Count | AggFunc::CountDistinct, _, Value::Number(_)) => {
            FieldClass::Number
        }
        (AggFunc::Sum | AggFunc::Min | AggFunc::Max, Some(c), Value::Number(_))
            if c.is_integer() =>
        {
            FieldClass::Number
        }
        (AggFunc::Min | AggFunc::Max, Some(ValueType::Date), Value::Date(_)) => FieldClass::Date,
        _ => return None,
    };
    if let Value::Number(n) = value {
        // Whole numbers only: the aggregates above are whole.
        if n.contains(['.', 'e', 'E']) {
            return None;
        }
    }
    let operator = match operator {
        "=" | "<" | "<=" | ">" | ">=" => operator,
        "<>" => "!=",
        _ => return None,
    };
    let literal = crate::pushdown::literal(class, value)?;
    Some(format!("{aggregate} {operator} {literal}"))
}

/// The SELECT list of an aggregate query being built: items with aliases, and the record key
/// each answers under.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateSelect {
    pub items: Vec<String>,
    pub keys: Vec<String>,
}

impl AggregateSelect {
    /// A grouped field: selected by name, answered under its name. A parent's field
    /// (`Account.Industry`) is aliased: an aggregate query answers a relationship path under
    /// its last segment, which two parents' fields could share (field aliases: SFDOC
    /// sforce_api_calls_soql_select_groupby_alias.htm).
    pub fn group_key(&mut self, field: &str) -> Output {
        if field.contains('.') {
            return self.aliased(field.to_string());
        }
        if let Some(at) = self
            .items
            .iter()
            .position(|i| i.eq_ignore_ascii_case(field))
        {
            return Output::Value(at);
        }
        self.push(field.to_string(), field.to_string())
    }

    /// An aggregate of `field` (None for count(*)), selected under aliases `a0`, `a1`, ...
    pub fn aggregate(
        &mut self,
        func: AggFunc,
        field: Option<&str>,
        integer_sum_as_numeric: bool,
    ) -> Output {
        let field = field.unwrap_or("Id");
        match func {
            AggFunc::CountStar => self.aliased("COUNT(Id)".to_string()),
            AggFunc::Count => self.aliased(format!("COUNT({field})")),
            AggFunc::CountDistinct => self.aliased(format!("COUNT_DISTINCT({field})")),
            AggFunc::Min => self.aliased(format!("MIN({field})")),
            AggFunc::Max => self.aliased(format!("MAX({field})")),
            AggFunc::Sum => match self.aliased(format!("SUM({field})")) {
                Output::Value(at) if integer_sum_as_numeric => Output::IntegerAsNumeric(at),
                other => other,
            },
            AggFunc::Avg => {
                let (Output::Value(sum), Output::Value(count)) = (
                    self.aliased(format!("SUM({field})")),
                    self.aliased(format!("COUNT({field})")),
                ) else {
                    unreachable!("aliased items are plain values")
                };
                Output::Average { sum, count }
            }
        }
    }

    /// The SOQL expression of select item `at` without its alias (`COUNT(Id)` of `COUNT(Id) a1`).
    pub fn expression(&self, at: usize) -> &str {
        let item = &self.items[at];
        item.rsplit_once(' ')
            .map_or(item.as_str(), |(expression, _)| expression)
    }

    /// An aggregate expression under an alias; the same expression twice is selected once.
    fn aliased(&mut self, expression: String) -> Output {
        let prefix = format!("{expression} ");
        if let Some(at) = self.items.iter().position(|i| i.starts_with(&prefix)) {
            return Output::Value(at);
        }
        let alias = format!("a{}", self.items.len());
        self.push(format!("{expression} {alias}"), alias)
    }

    fn push(&mut self, item: String, key: String) -> Output {
        self.items.push(item);
        self.keys.push(key);
        Output::Value(self.keys.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(value_type: ValueType, sf_type: &str) -> ColumnFacts {
        ColumnFacts {
            name: "c".into(),
            field: "C".into(),
            value_type,
            sf_type: Some(sf_type.into()),
            groupable: true,
            aggregatable: true,
            restricted_picklist: false,
            formula: false,
            group_exact: false,
            converted_currency: false,
            precision: None,
        }
    }

    const SINGLE: ObjectFacts = ObjectFacts {
        multi_currency: false,
    };
    const MULTI: ObjectFacts = ObjectFacts {
        multi_currency: true,
    };

    #[test]
    fn having_ships_exact_comparisons_of_whole_aggregates_only() {
        use crate::pushdown::Value;
        let n = |v: &str| Value::Number(v.into());
        let int = Some(ValueType::Integer);
        assert_eq!(
            having_condition(AggFunc::CountStar, None, "COUNT(Id)", ">", &n("10")).as_deref(),
            Some("COUNT(Id) > 10")
        );
        assert_eq!(
            having_condition(AggFunc::Sum, int, "SUM(F)", "<>", &n("-3")).as_deref(),
            Some("SUM(F) != -3")
        );
        assert_eq!(
            having_condition(
                AggFunc::Max,
                Some(ValueType::Date),
                "MAX(D)",
                "<=",
                &Value::Date(0)
            )
            .as_deref(),
            Some("MAX(D) <= 2000-01-01")
        );
        let numeric = Some(ValueType::Numeric { rounded: false });
        for refused in [
            having_condition(AggFunc::Sum, numeric, "SUM(F)", ">", &n("1")),
            having_condition(AggFunc::Avg, int, "AVG(F)", ">", &n("1")),
            having_condition(AggFunc::CountStar, None, "COUNT(Id)", ">", &n("1.5")),
            having_condition(AggFunc::CountStar, None, "COUNT(Id)", "~~", &n("1")),
            having_condition(AggFunc::Min, Some(ValueType::Text), "MIN(T)", "=", &n("1")),
            having_condition(AggFunc::CountStar, None, "COUNT(Id)", ">", &Value::Null),
        ] {
            assert_eq!(refused, None);
        }
        let mut select = AggregateSelect::default();
        let Output::Value(at) = select.aggregate(AggFunc::CountStar, None, false) else {
            panic!("a count is a plain value")
        };
        assert_eq!(select.expression(at), "COUNT(Id)");
    }

    #[test]
    fn group_keys_that_group_exactly() {
        let ok = [
            column(ValueType::Text, "id"),
            column(ValueType::Text, "reference"),
            column(ValueType::Bool, "boolean"),
            column(ValueType::Date, "date"),
            column(ValueType::Integer, "int"),
            ColumnFacts {
                restricted_picklist: true,
                ..column(ValueType::Text, "picklist")
            },
            ColumnFacts {
                group_exact: true,
                ..column(ValueType::Text, "string")
            },
        ];
        for c in &ok {
            assert_eq!(group_key_refusal(c), None, "{c:?}");
        }
    }

    #[test]
    fn group_keys_that_stay_local_say_why() {
        let cases = [
            (column(ValueType::Text, "picklist"), "case-insensitively"),
            (column(ValueType::Text, "string"), "group_exact"),
            (
                ColumnFacts {
                    formula: true,
                    ..column(ValueType::Text, "id")
                },
                "formula",
            ),
            (
                ColumnFacts {
                    groupable: false,
                    ..column(ValueType::Date, "date")
                },
                "not groupable",
            ),
            (column(ValueType::Timestamp, "datetime"), "not known"),
            (
                column(ValueType::Numeric { rounded: false }, "double"),
                "not known",
            ),
            (
                ColumnFacts {
                    sf_type: None,
                    ..column(ValueType::Text, "id")
                },
                "not known",
            ),
        ];
        for (c, reason) in &cases {
            let refusal = group_key_refusal(c).unwrap_or_default();
            assert!(refusal.contains(reason), "{c:?}: {refusal}");
        }
    }

    #[test]
    fn aggregates_that_are_exact() {
        let int = column(ValueType::Integer, "int");
        let numeric = column(ValueType::Numeric { rounded: true }, "currency");
        let date = column(ValueType::Date, "date");
        let id = column(ValueType::Text, "reference");
        for (func, c) in [
            (AggFunc::Count, &numeric),
            (AggFunc::CountDistinct, &id),
            (AggFunc::CountDistinct, &date),
            (AggFunc::Sum, &int),
            (AggFunc::Avg, &int),
            (AggFunc::Min, &numeric),
            (AggFunc::Max, &date),
            (AggFunc::Max, &column(ValueType::Date, "datetime")),
        ] {
            assert_eq!(
                aggregate_refusal(func, Some(c), SINGLE),
                None,
                "{func:?} {c:?}"
            );
        }
        assert_eq!(aggregate_refusal(AggFunc::CountStar, None, MULTI), None);
        // count of a currency field counts values, whatever their currency
        assert_eq!(
            aggregate_refusal(AggFunc::Count, Some(&numeric), MULTI),
            None
        );
    }

    #[test]
    fn aggregates_that_stay_local_say_why() {
        let numeric = column(ValueType::Numeric { rounded: false }, "percent");
        let currency = column(ValueType::Numeric { rounded: false }, "currency");
        let text = column(ValueType::Text, "picklist");
        let cases = [
            (AggFunc::Sum, &numeric, SINGLE, "display scale"),
            (AggFunc::Avg, &numeric, SINGLE, "inexact"),
            (AggFunc::Max, &currency, MULTI, "corporate currency"),
            (AggFunc::Min, &text, SINGLE, "value order"),
            (AggFunc::CountDistinct, &text, SINGLE, "case-insensitively"),
            (
                AggFunc::CountDistinct,
                &column(ValueType::Numeric { rounded: true }, "currency"),
                SINGLE,
                "rounds",
            ),
            (
                AggFunc::CountDistinct,
                &column(ValueType::Date, "datetime"),
                SINGLE,
                "the day of a datetime",
            ),
        ];
        for (func, c, object, reason) in cases {
            let refusal = aggregate_refusal(func, Some(c), object).unwrap_or_default();
            assert!(refusal.contains(reason), "{func:?} {c:?}: {refusal}");
        }
        let not_aggregatable = ColumnFacts {
            aggregatable: false,
            ..column(ValueType::Bool, "boolean")
        };
        assert!(
            aggregate_refusal(AggFunc::Count, Some(&not_aggregatable), SINGLE)
                .unwrap()
                .contains("not aggregatable")
        );
    }

    #[test]
    fn numeric_averages_need_a_precision_a_double_keeps() {
        let percent = |precision| ColumnFacts {
            precision,
            ..column(ValueType::Numeric { rounded: false }, "percent")
        };
        assert_eq!(
            aggregate_refusal(AggFunc::Avg, Some(&percent(Some(3))), SINGLE),
            None
        );
        for precision in [None, Some(18)] {
            let refusal = aggregate_refusal(AggFunc::Avg, Some(&percent(precision)), SINGLE);
            assert!(refusal.unwrap().contains("inexact"));
        }
    }

    #[test]
    fn exact_sums_from_doubles() {
        let exact = |text: &str, decimals| exact_sum(text, decimals).map(|d| d.to_string());
        assert_eq!(exact("5.334201589E7", 3).as_deref(), Some("53342015.89"));
        assert_eq!(exact("1234.0", 0).as_deref(), Some("1234"));
        // a double's last digit beyond the values' decimals is noise
        assert_eq!(exact("0.30000000000000004", 3).as_deref(), Some("0.3"));
        // 14 integer digits and 2 decimals do not fit in 15 significant digits
        assert_eq!(exact("12345678901234.5", 2), None);
        assert_eq!(exact("abc", 2), None);
    }

    #[test]
    fn select_items_are_aliased_once_each() {
        let mut select = AggregateSelect::default();
        assert_eq!(select.group_key("StageName"), Output::Value(0));
        assert_eq!(
            select.aggregate(AggFunc::CountStar, None, false),
            Output::Value(1)
        );
        assert_eq!(
            select.aggregate(AggFunc::Avg, Some("NumberOfEmployees"), false),
            Output::Average { sum: 2, count: 3 }
        );
        // sum and count of the same field reuse avg's items
        assert_eq!(
            select.aggregate(AggFunc::Sum, Some("NumberOfEmployees"), true),
            Output::IntegerAsNumeric(2)
        );
        assert_eq!(select.group_key("stagename"), Output::Value(0));
        assert_eq!(
            select.items,
            [
                "StageName",
                "COUNT(Id) a1",
                "SUM(NumberOfEmployees) a2",
                "COUNT(NumberOfEmployees) a3"
            ]
        );
        assert_eq!(select.keys, ["StageName", "a1", "a2", "a3"]);
    }

    #[test]
    fn parent_group_keys_are_aliased() {
        // Unaliased, both would answer under `Name`.
        let mut select = AggregateSelect::default();
        assert_eq!(select.group_key("Account.Name"), Output::Value(0));
        assert_eq!(select.group_key("Account.Owner.Name"), Output::Value(1));
        assert_eq!(select.group_key("Account.Name"), Output::Value(0));
        assert_eq!(select.items, ["Account.Name a0", "Account.Owner.Name a1"]);
        assert_eq!(select.keys, ["a0", "a1"]);
        assert_eq!(select.expression(1), "Account.Owner.Name");
    }
}
