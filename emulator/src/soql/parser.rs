//! Recursive-descent SOQL parser for the subset the FDW sends.

use super::ast::*;
use super::lexer::{tokenize, Tok, Token};
use super::malformed;
use crate::error::ApiError;

const MAX_OFFSET: u64 = 2000;

/// Reads the left side of a predicate.
type Lhs<'q, L> = fn(&mut Parser<'q>) -> Result<L, ApiError>;

struct Parser<'q> {
    q: &'q str,
    toks: Vec<Token>,
    i: usize,
}

/// Parses a complete SOQL statement.
pub fn parse(q: &str) -> Result<Query, ApiError> {
    let mut p = Parser {
        q,
        toks: tokenize(q)?,
        i: 0,
    };
    let query = p.query()?;
    if p.peek().tok != Tok::Eof {
        return Err(p.unexpected());
    }
    Ok(query)
}

impl<'q> Parser<'q> {
    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }
    fn unexpected(&self) -> ApiError {
        let t = self.peek();
        malformed(
            self.q,
            t.pos,
            &format!("unexpected token: '{}'", t.display(self.q)),
        )
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), ApiError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
    fn expect(&mut self, tok: Tok) -> Result<(), ApiError> {
        if self.peek().tok == tok {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn query(&mut self) -> Result<Query, ApiError> {
        self.expect_kw("SELECT")?;
        let select = self.select_list()?;
        self.expect_kw("FROM")?;
        let from = match self.peek().clone() {
            Token {
                tok: Tok::Ident(text),
                pos,
            } if !is_reserved(&text) => {
                self.i += 1;
                Name { text, pos }
            }
            _ => return Err(self.unexpected()),
        };
        let filter = if self.eat_kw("WHERE") {
            Some(self.condition(Parser::where_lhs)?)
        } else {
            None
        };
        let mut group_by = vec![];
        if self.eat_kw("GROUP") {
            self.expect_kw("BY")?;
            loop {
                let t = self.peek().clone();
                if self.next_is_lparen() {
                    return Err(self.unsupported(&t));
                }
                group_by.push(self.path()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
        }
        let having = if self.eat_kw("HAVING") {
            Some(self.condition(Parser::having_lhs)?)
        } else {
            None
        };
        let mut order_by = vec![];
        if self.eat_kw("ORDER") {
            self.expect_kw("BY")?;
            loop {
                order_by.push(self.order_item()?);
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.i += 1;
            }
        }
        let limit = if self.peek().is_kw("LIMIT") {
            let pos = self.peek().pos;
            self.i += 1;
            Some((self.integer()?.0, pos))
        } else {
            None
        };
        let offset = if self.eat_kw("OFFSET") {
            let (n, pos) = self.integer()?;
            if n > MAX_OFFSET {
                return Err(ApiError::bad_request(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
                ));
            }
            Some((n, pos))
        } else {
            None
        };
        let query = Query {
            select,
            from,
            filter,
            group_by,
            having,
            order_by,
            limit,
            offset,
        };
        // Field aliases exist only in aggregate queries: elsewhere the alias is the
        // unexpected token it always was.
        if !query.is_aggregate() {
            for item in &query.select {
                if let SelectItem::Field { alias: Some(a), .. } = item {
                    return Err(malformed(
                        self.q,
                        a.pos,
                        &format!("unexpected token: '{}'", a.text),
                    ));
                }
            }
        }
        Ok(query)
    }

    fn integer(&mut self) -> Result<(u64, usize), ApiError> {
        match self.peek().clone() {
            Token {
                tok: Tok::Lit(Lit::Number { mantissa, scale: 0 }),
                pos,
            } if mantissa >= 0 => {
                self.i += 1;
                Ok((mantissa.min(u64::MAX as i128) as u64, pos))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn select_list(&mut self) -> Result<Vec<SelectItem>, ApiError> {
        let mut items = vec![];
        loop {
            let t = self.peek().clone();
            if t.is_kw("COUNT")
                && self.next_is_lparen()
                && self
                    .toks
                    .get(self.i + 2)
                    .is_some_and(|n| n.tok == Tok::RParen)
            {
                self.i += 3;
                items.push(SelectItem::CountAll(t.pos));
            } else if let Some(call) = self.aggregate_call()? {
                let alias = self.alias();
                items.push(SelectItem::Aggregate { call, alias });
            } else if t.is_kw("convertCurrency") && self.next_is_lparen() {
                self.i += 2;
                let path = self.path()?;
                self.expect(Tok::RParen)?;
                let alias = self.alias().map(|a| a.text);
                items.push(SelectItem::Convert { path, alias });
            } else if t.is_kw("TYPEOF")
                || t.is_kw("FIELDS")
                || t.tok == Tok::LParen
                || self.next_is_lparen()
            {
                return Err(self.unsupported(&t));
            } else {
                let path = self.path()?;
                let alias = self.alias();
                items.push(SelectItem::Field { path, alias });
            }
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.i += 1;
        }
        Ok(items)
    }

    fn unsupported(&self, t: &Token) -> ApiError {
        malformed(
            self.q,
            t.pos,
            &format!(
                "unexpected token: '{}' (not supported by sf-emulator)",
                t.display(self.q)
            ),
        )
    }

    /// `SUM(path)`, `COUNT(path)`, ... at the current token (None if it is not one).
    /// `COUNT()` is not a call here: it is only valid alone in SELECT.
    fn aggregate_call(&mut self) -> Result<Option<AggCall>, ApiError> {
        let t = self.peek().clone();
        let Tok::Ident(name) = &t.tok else {
            return Ok(None);
        };
        let Some(func) = AggFn::from_name(name) else {
            return Ok(None);
        };
        if !self.next_is_lparen() {
            return Ok(None);
        }
        self.i += 2;
        if self.peek().tok == Tok::RParen {
            return Err(malformed(
                self.q,
                t.pos,
                &format!(
                    "{}() needs a field (only COUNT() stands alone, as the only SELECT item)",
                    func.name()
                ),
            ));
        }
        let inner = self.peek().clone();
        if self.next_is_lparen() {
            return Err(self.unsupported(&inner));
        }
        let path = self.path()?;
        self.expect(Tok::RParen)?;
        Ok(Some(AggCall {
            func,
            path,
            pos: t.pos,
        }))
    }

    /// An optional alias after a SELECT item: an identifier that is no keyword.
    fn alias(&mut self) -> Option<Name> {
        match self.peek().clone() {
            Token {
                tok: Tok::Ident(text),
                pos,
            } if !is_reserved(&text) && !is_clause_word(&text) => {
                self.i += 1;
                Some(Name { text, pos })
            }
            _ => None,
        }
    }

    /// The left side of a WHERE predicate: a field path.
    fn where_lhs(&mut self) -> Result<Path, ApiError> {
        self.no_convert_here("WHERE")?;
        self.no_aggregate_here("WHERE")?;
        self.path()
    }

    /// The left side of a HAVING predicate.
    fn having_lhs(&mut self) -> Result<Expr, ApiError> {
        self.no_convert_here("HAVING")?;
        self.expr()
    }

    /// A HAVING / ORDER BY operand: an aggregate call or a field path.
    fn expr(&mut self) -> Result<Expr, ApiError> {
        match self.aggregate_call()? {
            Some(call) => Ok(Expr::Agg(call)),
            None => Ok(Expr::Field(self.path()?)),
        }
    }

    /// Aggregate functions are not allowed in WHERE (the emulator's wording).
    fn no_aggregate_here(&self, clause: &str) -> Result<(), ApiError> {
        let t = self.peek();
        if matches!(&t.tok, Tok::Ident(n) if AggFn::from_name(n).is_some()) && self.next_is_lparen()
        {
            return Err(malformed(
                self.q,
                t.pos,
                &format!("Aggregate functions are not allowed in the {clause} clause; use HAVING"),
            ));
        }
        Ok(())
    }

    fn next_is_lparen(&self) -> bool {
        self.toks
            .get(self.i + 1)
            .is_some_and(|n| n.tok == Tok::LParen)
    }

    /// `convertCurrency(...)` outside SELECT is an error (WHERE, ORDER BY).
    fn no_convert_here(&self, clause: &str) -> Result<(), ApiError> {
        let t = self.peek();
        if t.is_kw("convertCurrency") && self.next_is_lparen() {
            return Err(malformed(
                self.q,
                t.pos,
                &format!("convertCurrency() can not be used in the {clause} clause"),
            ));
        }
        Ok(())
    }

    fn path(&mut self) -> Result<Path, ApiError> {
        let t = self.peek().clone();
        let (first, pos) = match t.tok {
            Tok::Ident(s) if !is_reserved(&s) => (s, t.pos),
            _ => return Err(self.unexpected()),
        };
        self.i += 1;
        let mut parts = vec![first];
        while self.peek().tok == Tok::Dot {
            self.i += 1;
            match self.peek().tok.clone() {
                Tok::Ident(s) => {
                    self.i += 1;
                    parts.push(s)
                }
                _ => return Err(self.unexpected()),
            }
        }
        Ok(Path { parts, pos })
    }

    fn order_item(&mut self) -> Result<OrderItem, ApiError> {
        self.no_convert_here("ORDER BY")?;
        let expr = self.expr()?;
        let descending = if self.eat_kw("DESC") {
            true
        } else {
            self.eat_kw("ASC");
            false
        };
        let nulls_first = if self.eat_kw("NULLS") {
            if self.eat_kw("FIRST") {
                Some(true)
            } else if self.eat_kw("LAST") {
                Some(false)
            } else {
                return Err(self.unexpected());
            }
        } else {
            None
        };
        Ok(OrderItem {
            expr,
            descending,
            nulls_first,
        })
    }

    /// condition := term ((AND term)* | (OR term)*) — SOQL requires parentheses to mix AND/OR.
    /// `lhs` reads a predicate's left side (WHERE: a path; HAVING: a path or an aggregate).
    fn condition<L>(&mut self, lhs: Lhs<'q, L>) -> Result<Cond<L>, ApiError> {
        let first = self.term(lhs)?;
        let op = if self.peek().is_kw("AND") {
            "AND"
        } else if self.peek().is_kw("OR") {
            "OR"
        } else {
            return Ok(first);
        };
        let mut terms = vec![first];
        while self.eat_kw(op) {
            terms.push(self.term(lhs)?);
            let other = if op == "AND" { "OR" } else { "AND" };
            if self.peek().is_kw(other) {
                return Err(self.unexpected());
            }
        }
        Ok(if op == "AND" {
            Cond::And(terms)
        } else {
            Cond::Or(terms)
        })
    }

    fn term<L>(&mut self, lhs: Lhs<'q, L>) -> Result<Cond<L>, ApiError> {
        if self.eat_kw("NOT") {
            return Ok(Cond::Not(Box::new(self.term(lhs)?)));
        }
        if self.peek().tok == Tok::LParen {
            self.i += 1;
            let c = self.condition(lhs)?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        let path = lhs(self)?;
        let t = self.peek().clone();
        if let Tok::Op(op) = t.tok {
            self.i += 1;
            let op = match op {
                "=" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            let value = self.literal()?;
            return Ok(Cond::Cmp { path, op, value });
        }
        if self.eat_kw("LIKE") {
            let pattern = self.literal()?;
            return Ok(Cond::Like { path, pattern });
        }
        let negated = self.eat_kw("NOT");
        if self.eat_kw("IN") {
            let values = self.list()?;
            return Ok(Cond::In {
                path,
                negated,
                values,
            });
        }
        if negated {
            return Err(self.unexpected());
        }
        for (kw, excludes) in [("INCLUDES", false), ("EXCLUDES", true)] {
            if self.eat_kw(kw) {
                let values = self.list()?;
                return Ok(Cond::Includes {
                    path,
                    excludes,
                    values,
                });
            }
        }
        Err(self.unexpected())
    }

    fn list(&mut self) -> Result<Vec<LitAt>, ApiError> {
        self.expect(Tok::LParen)?;
        if self.peek().is_kw("SELECT") {
            return Err(malformed(
                self.q,
                self.peek().pos,
                "Semi-join sub-selects are not supported by sf-emulator",
            ));
        }
        let mut values = vec![self.literal()?];
        while self.peek().tok == Tok::Comma {
            self.i += 1;
            values.push(self.literal()?);
        }
        self.expect(Tok::RParen)?;
        Ok(values)
    }

    fn literal(&mut self) -> Result<LitAt, ApiError> {
        let t = self.peek().clone();
        let lit = match t.tok {
            Tok::Lit(l) => l,
            Tok::Ident(s) if s.eq_ignore_ascii_case("null") => Lit::Null,
            Tok::Ident(s) if s.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Tok::Ident(s) if s.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Tok::Ident(s)
                if s.len() > 3
                    && s.as_bytes()[..3].iter().all(u8::is_ascii_alphabetic)
                    && s.as_bytes()[3].is_ascii_digit() =>
            {
                return self.currency_literal(t.pos);
            }
            _ => return Err(self.unexpected()),
        };
        self.i += 1;
        Ok(LitAt { lit, pos: t.pos })
    }

    /// `USD5000`, `EUR100.5`: three letters then an unsigned number, read from the query
    /// text (the lexer splits `EUR100.5` into an identifier and `.5`).
    fn currency_literal(&mut self, pos: usize) -> Result<LitAt, ApiError> {
        let b = self.q.as_bytes();
        let digits = |mut i: usize| {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let int_end = digits(pos + 3);
        let end = if b.get(int_end) == Some(&b'.') {
            digits(int_end + 1)
        } else {
            int_end
        };
        if b.get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            return Err(self.unexpected());
        }
        let int = &self.q[pos + 3..int_end];
        let frac = if end > int_end {
            &self.q[int_end + 1..end]
        } else {
            ""
        };
        let mantissa: i128 = format!("{int}{frac}")
            .parse()
            .map_err(|_| malformed(self.q, pos, "Number too large or too precise"))?;
        while self.peek().pos < end && self.peek().tok != Tok::Eof {
            self.i += 1;
        }
        Ok(LitAt {
            lit: Lit::Currency {
                code: self.q[pos..pos + 3].to_ascii_uppercase(),
                mantissa,
                scale: frac.len() as u32,
            },
            pos,
        })
    }
}

/// Clause keywords that end a SELECT item, so they cannot be aliases.
fn is_clause_word(word: &str) -> bool {
    ["GROUP", "HAVING", "WITH", "FOR", "USING"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(word))
}

fn is_reserved(word: &str) -> bool {
    const RESERVED: &[&str] = &[
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
        "OFFSET", "NULL", "TRUE", "FALSE", "INCLUDES", "EXCLUDES", "ASC", "DESC", "NULLS",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_query() {
        let q = parse(
            "select Id, Account.Owner.Name FROM Opportunity WHERE (Amount > 10 or Name like 'a%') AND NOT StageName IN ('x','y') \
             AND CloseDate >= 2024-01-01 ORDER BY Amount DESC NULLS LAST, Name LIMIT 5 OFFSET 10",
        )
        .unwrap();
        assert_eq!(q.select.len(), 2);
        assert_eq!(q.from.text, "Opportunity");
        assert_eq!(q.order_by.len(), 2);
        assert!(q.order_by[0].descending && q.order_by[0].nulls_first == Some(false));
        assert_eq!(q.order_by[1].nulls_first, None);
        assert_eq!(q.limit.map(|l| l.0), Some(5));
        assert_eq!(q.offset.map(|o| o.0), Some(10));
        match q.filter.unwrap() {
            Cond::And(terms) => {
                assert_eq!(terms.len(), 3);
                assert!(matches!(terms[1], Cond::Not(_)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_aggregate_query() {
        let q = parse(
            "SELECT StageName s, COUNT(Id), sum(Amount) total FROM Opportunity WHERE Amount > 0 \
             GROUP BY StageName, Account.Industry HAVING COUNT(Id) > 1 OR MAX(CloseDate) = null \
             ORDER BY SUM(Amount) DESC NULLS LAST, StageName LIMIT 5",
        )
        .unwrap();
        assert!(q.is_aggregate());
        assert!(matches!(&q.select[0], SelectItem::Field { alias: Some(a), .. } if a.text == "s"));
        assert!(matches!(
            &q.select[2],
            SelectItem::Aggregate { call: AggCall { func: AggFn::Sum, .. }, alias: Some(a) } if a.text == "total"
        ));
        assert_eq!(q.group_by.len(), 2);
        assert_eq!(q.group_by[1].parts, ["Account", "Industry"]);
        match q.having.unwrap() {
            Cond::Or(terms) => assert!(matches!(
                &terms[1],
                Cond::Cmp {
                    path: Expr::Agg(AggCall {
                        func: AggFn::Max,
                        ..
                    }),
                    ..
                }
            )),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            q.order_by[0].expr,
            Expr::Agg(AggCall {
                func: AggFn::Sum,
                ..
            })
        ));
        assert!(matches!(q.order_by[1].expr, Expr::Field(_)));
        assert!(!parse("SELECT Id FROM Account GROUP BY Id")
            .unwrap()
            .select
            .is_empty());
        assert!(!parse("SELECT Id FROM Group").unwrap().is_aggregate());
    }

    #[test]
    fn count_and_not_in() {
        let q = parse("SELECT COUNT() FROM Account WHERE Type NOT IN ('a', null)").unwrap();
        assert_eq!(q.select, vec![SelectItem::CountAll(7)]);
        assert!(matches!(q.filter, Some(Cond::In { negated: true, .. })));
    }

    #[test]
    fn syntax_errors() {
        let e = parse("SELECT Id FROM Account WHERE A = 1 AND B = 2 OR C = 3").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(
            e.message.contains("unexpected token: 'OR'"),
            "{}",
            e.message
        );
        assert!(e.message.contains("Column:46"), "{}", e.message);
        let e = parse("SELECT Id FROM").unwrap_err();
        assert!(e.message.contains("'<EOF>'"), "{}", e.message);
        let e = parse("SELECT Id FROM Account LIMIT 5 garbage").unwrap_err();
        assert!(
            e.message.contains("unexpected token: 'garbage'"),
            "{}",
            e.message
        );
        let e = parse("SELECT Id FROM Account OFFSET 2001").unwrap_err();
        assert_eq!(e.code, "NUMBER_OUTSIDE_VALID_RANGE");
        assert!(parse("SELECT Id FROM Account OFFSET 2000").is_ok());
        let e = parse("SELECT Id, FROM Account").unwrap_err();
        assert!(
            e.message
                .starts_with("\nSELECT Id, FROM Account\n           ^\nERROR at Row:1:Column:12\n"),
            "{}",
            e.message
        );
    }
}
