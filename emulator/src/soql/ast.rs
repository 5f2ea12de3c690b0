//! SOQL syntax tree. Positions are byte offsets into the query text (for error carets).

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub select: Vec<SelectItem>,
    pub from: Name,
    pub filter: Option<Cond>,
    pub order_by: Vec<OrderItem>,
    pub limit: Option<u64>,
    pub offset: Option<(u64, usize)>,
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
    Field(Path),
    /// `convertCurrency(path) [alias]`.
    Convert {
        path: Path,
        alias: Option<String>,
    },
    CountAll(usize),
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
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        path: Path,
        op: CmpOp,
        value: LitAt,
    },
    In {
        path: Path,
        negated: bool,
        values: Vec<LitAt>,
    },
    Like {
        path: Path,
        pattern: LitAt,
    },
    Includes {
        path: Path,
        excludes: bool,
        values: Vec<LitAt>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderItem {
    pub path: Path,
    pub descending: bool,
    /// None = Salesforce default (nulls first, in both directions).
    pub nulls_first: Option<bool>,
}
