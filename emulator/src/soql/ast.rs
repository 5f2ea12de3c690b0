//! SOQL syntax tree. Positions are byte offsets into the query text (for error carets).

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: Name,
    pub filter: Option<Cond>,
    pub group_by: Vec<Path>,
    /// `HAVING`: conditions over aggregate calls and grouped fields.
    pub having: Option<Cond<Expr>>,
    pub order_by: Vec<OrderItem>,
    /// The value and the position of the `LIMIT` keyword.
    pub limit: Option<(u64, usize)>,
    pub offset: Option<(u64, usize)>,
}

impl Query {
    /// An aggregate query answers `AggregateResult` rows: it has GROUP BY, HAVING or an
    /// aggregate function call in SELECT (`COUNT()` alone is the separate count query).
    pub fn is_aggregate(&self) -> bool {
        !self.group_by.is_empty()
            || self.having.is_some()
            || self
                .select
                .iter()
                .any(|s| matches!(s, SelectItem::Aggregate { .. }))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub pos: usize,
}

/// A dotted field path such as `Account.Owner.Name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub parts: Vec<String>,
    pub pos: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SelectItem {
    /// A field path; an alias is only valid in aggregate queries (`Account.Name n`).
    Field {
        path: Path,
        alias: Option<Name>,
    },
    /// `convertCurrency(path) [alias]`.
    Convert {
        path: Path,
        alias: Option<String>,
    },
    CountAll(usize),
    /// `SUM(Amount) [alias]`, `COUNT(Id)`, ...
    Aggregate {
        call: AggCall,
        alias: Option<Name>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFn {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFn {
    pub fn from_name(name: &str) -> Option<AggFn> {
        Some(match name.to_ascii_uppercase().as_str() {
            "COUNT" => AggFn::Count,
            "COUNT_DISTINCT" => AggFn::CountDistinct,
            "SUM" => AggFn::Sum,
            "AVG" => AggFn::Avg,
            "MIN" => AggFn::Min,
            "MAX" => AggFn::Max,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            AggFn::Count => "COUNT",
            AggFn::CountDistinct => "COUNT_DISTINCT",
            AggFn::Sum => "SUM",
            AggFn::Avg => "AVG",
            AggFn::Min => "MIN",
            AggFn::Max => "MAX",
        }
    }
}

/// An aggregate function applied to a field path; `pos` is the function name's position.
#[derive(Clone, Debug, PartialEq)]
pub struct AggCall {
    pub func: AggFn,
    pub path: Path,
    pub pos: usize,
}

/// What HAVING and ORDER BY refer to: a field path or (in aggregate queries) an aggregate.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Field(Path),
    Agg(AggCall),
}

impl Expr {
    pub fn pos(&self) -> usize {
        match self {
            Expr::Field(p) => p.pos,
            Expr::Agg(a) => a.pos,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A string literal as characters, remembering which `%`/`_` were escaped (`\%`, `\_`),
/// which only LIKE patterns may contain.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StrLit {
    pub chars: Vec<(char, bool)>,
}

impl StrLit {
    pub fn has_escaped_wildcard(&self) -> bool {
        self.chars.iter().any(|&(_, esc)| esc)
    }
    pub fn text(&self) -> String {
        self.chars.iter().map(|&(c, _)| c).collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    /// Exact decimal: mantissa × 10^-scale.
    Number {
        mantissa: i128,
        scale: u32,
    },
    /// An ISO-code-prefixed currency literal such as `USD5000` or `EUR100.5`.
    Currency {
        code: String,
        mantissa: i128,
        scale: u32,
    },
    Str(StrLit),
    Date(i32),
    DateTime(i64),
    Time(u32),
}

impl Lit {
    pub fn kind(&self) -> &'static str {
        match self {
            Lit::Null => "null",
            Lit::Bool(_) => "boolean",
            Lit::Number { .. } => "number",
            Lit::Currency { .. } => "currency",
            Lit::Str(_) => "string",
            Lit::Date(_) => "date",
            Lit::DateTime(_) => "datetime",
            Lit::Time(_) => "time",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LitAt {
    pub lit: Lit,
    pub pos: usize,
}

#[derive(Clone, Debug, PartialEq)]
/// A condition; `L` is what a predicate's left side is (a field path in WHERE, a path or an
/// aggregate call in HAVING).
pub enum Cond<L = Path> {
    And(Vec<Cond<L>>),
    Or(Vec<Cond<L>>),
    Not(Box<Cond<L>>),
    Cmp {
        path: L,
        op: CmpOp,
        value: LitAt,
    },
    In {
        path: L,
        negated: bool,
        values: Vec<LitAt>,
    },
    Like {
        path: L,
        pattern: LitAt,
    },
    Includes {
        path: L,
        excludes: bool,
        values: Vec<LitAt>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderItem {
    pub expr: Expr,
    pub descending: bool,
    /// None = Salesforce default (nulls first, in both directions).
    pub nulls_first: Option<bool>,
}
