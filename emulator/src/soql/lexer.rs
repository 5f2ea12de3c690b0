//! SOQL tokens. Date, datetime and time literals are unquoted and recognised here, as are
//! negative numbers (a `-` has no other meaning in SOQL).

use super::ast::{Lit, StrLit};
use super::malformed;
use crate::error::ApiError;
use crate::timeutil;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Lit(Lit),
    Comma,
    Dot,
    LParen,
    RParen,
    Op(&'static str),
    Eof,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

impl Token {
    /// Case-insensitive keyword test.
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
    /// How the token looks in "unexpected token" messages.
    pub fn display(&self, query: &str) -> String {
        match &self.tok {
            Tok::Eof => "<EOF>".to_string(),
            Tok::Ident(s) => s.clone(),
            _ => query[self.pos..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect(),
        }
    }
}

pub fn tokenize(q: &str) -> Result<Vec<Token>, ApiError> {
    let b = q.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let simple = match c {
            b',' => Some(Tok::Comma),
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => Some(Tok::Dot),
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            _ => None,
        };
        if let Some(t) = simple {
            out.push(Token { tok: t, pos: start });
            i += 1;
            continue;
        }
        match c {
            b'=' => {
                out.push(Token {
                    tok: Tok::Op("="),
                    pos: start,
                });
                i += 1;
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                out.push(Token {
                    tok: Tok::Op("!="),
                    pos: start,
                });
                i += 2;
            }
            b'<' | b'>' => {
                let (op, len) = match (c, b.get(i + 1)) {
                    (b'<', Some(b'=')) => ("<=", 2),
                    (b'<', Some(b'>')) => ("!=", 2),
                    (b'>', Some(b'=')) => (">=", 2),
                    (b'<', _) => ("<", 1),
                    _ => (">", 1),
                };
                out.push(Token {
                    tok: Tok::Op(op),
                    pos: start,
                });
                i += len;
            }
            b'\'' => {
                let (lit, end) = string_literal(q, i)?;
                out.push(Token {
                    tok: Tok::Lit(Lit::Str(lit)),
                    pos: start,
                });
                i = end;
            }
            b'"' => {
                return Err(malformed(
                    q,
                    i,
                    &format!("line 1:{} no viable alternative at character '\"'", i),
                ));
            }
            b'-' | b'+' | b'0'..=b'9' | b'.' => {
                let (lit, end) = number_or_temporal(q, i)?;
                out.push(Token {
                    tok: Tok::Lit(lit),
                    pos: start,
                });
                i = end;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Ident(q[start..i].to_string()),
                    pos: start,
                });
            }
            _ => {
                let ch = q[i..].chars().next().unwrap_or('?');
                return Err(malformed(
                    q,
                    i,
                    &format!("line 1:{} no viable alternative at character '{}'", i, ch),
                ));
            }
        }
    }
    out.push(Token {
        tok: Tok::Eof,
        pos: q.len(),
    });
    Ok(out)
}

/// Parses `'...'` starting at `start` (the quote). Returns the literal and the end offset.
fn string_literal(q: &str, start: usize) -> Result<(StrLit, usize), ApiError> {
    let mut chars = q[start + 1..].char_indices().peekable();
    let mut out = StrLit::default();
    while let Some((off, c)) = chars.next() {
        let at = start + 1 + off;
        match c {
            '\'' => return Ok((out, at + 1)),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let decoded = match e {
                    'n' | 'N' => '\n',
                    'r' | 'R' => '\r',
                    't' | 'T' => '\t',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '"' => '"',
                    '\'' => '\'',
                    '\\' => '\\',
                    '%' | '_' => {
                        out.chars.push((e, true));
                        continue;
                    }
                    'u' => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        match u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 4)
                            .and_then(char::from_u32)
                        {
                            Some(ch) => ch,
                            None => return Err(bad_escape(q, start, at, &format!("\\u{hex}"))),
                        }
                    }
                    other => return Err(bad_escape(q, start, at, &format!("\\{other}"))),
                };
                out.chars.push((decoded, false));
            }
            _ => out.chars.push((c, false)),
        }
    }
    Err(malformed(
        q,
        start,
        &format!(
            "line 1:{} mismatched character '<EOF>' expecting '''",
            q.len()
        ),
    ))
}

fn bad_escape(q: &str, start: usize, at: usize, seq: &str) -> ApiError {
    let end = q[at..].find('\'').map_or(q.len(), |i| at + i + 1);
    let literal = &q[start..end.max(start)];
    malformed(
        q,
        start,
        &format!("Invalid string literal {literal}. Illegal character sequence '{seq}' in string literal."),
    )
}

fn take_digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Number (`12`, `-3.5`, `.5`), date `YYYY-MM-DD`, datetime `YYYY-MM-DDThh:mm:ss[.SSS](Z|±hh:mm)`
/// or time `hh:mm:ss[.SSS]Z`.
fn number_or_temporal(q: &str, start: usize) -> Result<(Lit, usize), ApiError> {
    let b = q.as_bytes();
    let bad = |pos: usize| {
        let ch = q[pos.min(q.len())..]
            .chars()
            .next()
            .map_or("<EOF>".to_string(), |c| c.to_string());
        malformed(
            q,
            start,
            &format!("line 1:{} no viable alternative at character '{}'", pos, ch),
        )
    };
    let first_digits_end = take_digits(b, start);
    // Date / datetime: exactly 4 digits then '-'.
    if first_digits_end - start == 4 && b.get(first_digits_end) == Some(&b'-') {
        let mut end = take_digits(b, first_digits_end + 1);
        if b.get(end) == Some(&b'-') {
            end = take_digits(b, end + 1);
        }
        let date_text = &q[start..end];
        let days = timeutil::parse_date(date_text).ok_or_else(|| bad(end))?;
        if b.get(end) != Some(&b'T') {
            return Ok((Lit::Date(days), end));
        }
        // Datetime: consume the clock and zone characters.
        let mut j = end + 1;
        while j < b.len()
            && (b[j].is_ascii_digit() || matches!(b[j], b':' | b'.' | b'Z' | b'+' | b'-'))
        {
            j += 1;
        }
        return match timeutil::parse_datetime(&q[start..j]) {
            Some(ms) => Ok((Lit::DateTime(ms), j)),
            None => Err(bad(j)),
        };
    }
    // Time: 2 digits then ':'.
    if first_digits_end - start == 2 && b.get(first_digits_end) == Some(&b':') {
        let mut j = first_digits_end;
        while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b':' | b'.' | b'Z')) {
            j += 1;
        }
        return match timeutil::parse_time(&q[start..j]) {
            Some(ms) => Ok((Lit::Time(ms), j)),
            None => Err(bad(j)),
        };
    }
    let mut i = start;
    let negative = b[i] == b'-';
    if b[i] == b'-' || b[i] == b'+' {
        i += 1;
    }
    let int_end = take_digits(b, i);
    let mut end = int_end;
    let mut frac = "";
    if b.get(end) == Some(&b'.') {
        let frac_end = take_digits(b, end + 1);
        frac = &q[end + 1..frac_end];
        end = frac_end;
    }
    let int = &q[i..int_end];
    if int.is_empty() && frac.is_empty() {
        return Err(bad(end));
    }
    if b.get(end)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return Err(bad(end));
    }
    let digits = format!("{int}{frac}");
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 30 || frac.len() > 18 {
        return Err(malformed(q, start, "Number too large or too precise"));
    }
    let mut mantissa: i128 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().map_err(|_| bad(end))?
    };
    if negative {
        mantissa = -mantissa;
    }
    Ok((
        Lit::Number {
            mantissa,
            scale: frac.len() as u32,
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(q: &str) -> Vec<Tok> {
        tokenize(q).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn s(text: &str) -> Tok {
        Tok::Lit(Lit::Str(StrLit {
            chars: text.chars().map(|c| (c, false)).collect(),
        }))
    }

    #[test]
    fn literals_of_every_kind() {
        let t = lits("x = null AND y = -12.50 AND d = 2024-02-29 AND t = 2024-01-01T10:00:00.5+01:00 AND h = 13:05:30Z");
        assert!(t.contains(&Tok::Lit(Lit::Number {
            mantissa: -1250,
            scale: 2
        })));
        assert!(t.contains(&Tok::Lit(Lit::Date(
            timeutil::parse_date("2024-02-29").unwrap()
        ))));
        assert!(t.contains(&Tok::Lit(Lit::DateTime(
            timeutil::parse_datetime("2024-01-01T09:00:00.500Z").unwrap()
        ))));
        assert!(t.contains(&Tok::Lit(Lit::Time(47_130_000))));
        assert_eq!(t[2], Tok::Ident("null".into()));
        assert_eq!(lits("a <> b")[1], Tok::Op("!="));
        assert_eq!(
            lits(".5")[0],
            Tok::Lit(Lit::Number {
                mantissa: 5,
                scale: 1
            })
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(lits(r#"'a\nb\tc\'d\\e\u00e9\"'"#)[0], s("a\nb\tc'd\\eé\""));
        let t = tokenize(r"'50\%\_x'").unwrap();
        match &t[0].tok {
            Tok::Lit(Lit::Str(l)) => {
                assert_eq!(
                    l.chars,
                    vec![
                        ('5', false),
                        ('0', false),
                        ('%', true),
                        ('_', true),
                        ('x', false)
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_have_positions() {
        let e = tokenize(r"Name = 'a\qb'").unwrap_err();
        assert_eq!(e.code, "MALFORMED_QUERY");
        assert!(
            e.message.contains("Illegal character sequence '\\q'"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("ERROR at Row:1:Column:8"),
            "{}",
            e.message
        );
        let e = tokenize("Name = \"x\"").unwrap_err();
        assert!(e.message.contains("Column:8"), "{}", e.message);
        assert!(
            tokenize("d > 2024-01-01T00:00:00").is_err(),
            "datetime needs a zone"
        );
        assert!(tokenize("d > 2024-13-01").is_err());
        assert!(tokenize("'open").is_err());
    }
}
