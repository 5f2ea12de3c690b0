//! Values: Salesforce REST JSON -> Postgres cells, keyed on the column's Postgres type.
//! The parsing of Salesforce's text forms (datetimes, dates, times, numbers) is pure and unit
//! tested; building the cells is a thin layer over pgrx types.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::{Date, Time, Timestamp, TimestampWithTimeZone};
use pgrx::{AnyNumeric, IntoDatum, JsonB};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use supabase_wrappers::prelude::Cell;

/// The Postgres types a column may have, and how we fill each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PgKind {
    Text,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Bool,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Jsonb,
    TextArray,
}

impl PgKind {
    pub fn from_oid(oid: Oid) -> Option<PgKind> {
        Some(match oid {
            pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID | pg_sys::NAMEOID => {
                PgKind::Text
            }
            pg_sys::INT2OID => PgKind::Int2,
            pg_sys::INT4OID => PgKind::Int4,
            pg_sys::INT8OID => PgKind::Int8,
            pg_sys::FLOAT4OID => PgKind::Float4,
            pg_sys::FLOAT8OID => PgKind::Float8,
            pg_sys::NUMERICOID => PgKind::Numeric,
            pg_sys::BOOLOID => PgKind::Bool,
            pg_sys::DATEOID => PgKind::Date,
            pg_sys::TIMEOID => PgKind::Time,
            pg_sys::TIMESTAMPOID => PgKind::Timestamp,
            pg_sys::TIMESTAMPTZOID => PgKind::Timestamptz,
            pg_sys::JSONBOID => PgKind::Jsonb,
            pg_sys::TEXTARRAYOID | pg_sys::VARCHARARRAYOID => PgKind::TextArray,
            _ => return None,
        })
    }
}

/// Microseconds between the Unix epoch and Postgres' epoch (2000-01-01).
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
const PG_EPOCH_UNIX_DAYS: i64 = 10_957;

/// `2024-01-31T12:00:00.000+0000` (or `Z`, or `+00:00`) -> microseconds since 2000-01-01 UTC.
pub fn parse_datetime_micros(text: &str) -> Result<i64, String> {
    if let Some(micros) = parse_utc_datetime_fast(text) {
        return Ok(micros);
    }
    let parsed = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .map_err(|_| format!("\"{text}\" is not a Salesforce datetime"))?;
    Ok(parsed.timestamp_micros() - PG_EPOCH_UNIX_MICROS)
}

/// The form Salesforce always sends (UTC, milliseconds), without a general parser: scans run
/// this for every datetime of every row. Anything else returns None and takes the general path.
fn parse_utc_datetime_fast(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut at = 19;
    let mut fraction_micros = 0i64;
    if b[at] == b'.' {
        let digits = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 6 {
            return None;
        }
        let value = number(at + 1, at + 1 + digits)? as i64;
        fraction_micros = value * 10i64.pow(6 - digits as u32);
        at += 1 + digits;
    }
    if !matches!(&text[at..], "Z" | "+0000" | "+00:00") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(2000, 1, 1)?)
        .num_days();
    let seconds = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
    Some(seconds * 1_000_000 + fraction_micros)
}

/// `2024-01-31` -> days since 2000-01-01.
pub fn parse_date_days(text: &str) -> Result<i32, String> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a Salesforce date"))?;
    let unix_days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days();
    Ok((unix_days - PG_EPOCH_UNIX_DAYS) as i32)
}

/// `13:05:30.000Z` -> microseconds since midnight.
pub fn parse_time_micros(text: &str) -> Result<i64, String> {
    let trimmed = text.strip_suffix('Z').unwrap_or(text);
    let time = NaiveTime::parse_from_str(trimmed, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(trimmed, "%H:%M"))
        .map_err(|_| format!("\"{text}\" is not a Salesforce time"))?;
    Ok(time.num_seconds_from_midnight() as i64 * 1_000_000 + (time.nanosecond() / 1000) as i64)
}

/// The text of a JSON scalar as Salesforce sent it (numbers keep their exact digits).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer from a JSON number or numeric string; `3.0` is accepted, `3.5` is not.
pub fn parse_integer(value: &Value) -> Result<i64, String> {
    let text = scalar_text(value).ok_or_else(|| format!("{value} is not a number"))?;
    if let Ok(n) = text.parse::<i64>() {
        return Ok(n);
    }
    let decimal: rust_decimal::Decimal = text
        .parse()
        .or_else(|_| rust_decimal::Decimal::from_scientific(&text))
        .map_err(|_| format!("\"{text}\" is not a number"))?;
    if decimal.fract().is_zero() {
        i64::try_from(decimal.trunc()).map_err(|_| format!("{text} is out of range"))
    } else {
        Err(format!("{text} is not a whole number"))
    }
}

/// Converts one JSON value to a cell of the given kind. `Ok(None)` is SQL NULL. `typmod` is
/// the column's type modifier (-1 for none): a `numeric(p,s)` column gets its scale, as a
/// value stored in such a column would.
pub fn json_to_cell(kind: PgKind, typmod: i32, value: &Value) -> Result<Option<Cell>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let cell = match kind {
        PgKind::Text => Cell::String(match value {
            Value::String(s) => s.clone(),
            other => scalar_text(other).unwrap_or_else(|| other.to_string()),
        }),
        PgKind::Int2 => Cell::I16(
            i16::try_from(parse_integer(value)?)
                .map_err(|_| format!("{value} is out of range for smallint"))?,
        ),
        PgKind::Int4 => Cell::I32(
            i32::try_from(parse_integer(value)?)
                .map_err(|_| format!("{value} is out of range for integer"))?,
        ),
        PgKind::Int8 => Cell::I64(parse_integer(value)?),
        PgKind::Float4 | PgKind::Float8 => {
            let text = scalar_text(value).ok_or_else(|| format!("{value} is not a number"))?;
            let f: f64 = text
                .parse()
                .map_err(|_| format!("\"{text}\" is not a number"))?;
            if kind == PgKind::Float4 {
                Cell::F32(f as f32)
            } else {
                Cell::F64(f)
            }
        }
        PgKind::Numeric => {
            let text = scalar_text(value).ok_or_else(|| format!("{value} is not a number"))?;
            // Exact digits as sent: no float on the way.
            let number = AnyNumeric::try_from(text.as_str())
                .map_err(|_| format!("\"{text}\" is not a number"))?;
            Cell::Numeric(if typmod >= 0 {
                // numeric(numeric, typmod): rounds to the column's scale, errors on overflow.
                unsafe {
                    pgrx::direct_function_call::<AnyNumeric>(
                        pgrx::pg_sys::numeric,
                        &[number.into_datum(), typmod.into_datum()],
                    )
                }
                .ok_or_else(|| format!("\"{text}\" does not fit the column's numeric type"))?
            } else {
                number
            })
        }
        PgKind::Bool => Cell::Bool(match value {
            Value::Bool(b) => *b,
            Value::String(s) if s.eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.eq_ignore_ascii_case("false") => false,
            other => return Err(format!("{other} is not a boolean")),
        }),
        PgKind::Date => {
            let text = expect_str(value)?;
            // A datetime in a date column keeps its UTC calendar day.
            let days = match parse_date_days(text) {
                Ok(days) => days,
                Err(e) => match parse_datetime_micros(text) {
                    Ok(micros) => micros.div_euclid(86_400_000_000) as i32,
                    Err(_) => return Err(e),
                },
            };
            Cell::Date(Date::try_from(days).map_err(|e| e.to_string())?)
        }
        PgKind::Time => Cell::Time(
            Time::try_from(parse_time_micros(expect_str(value)?)?).map_err(|e| e.to_string())?,
        ),
        PgKind::Timestamptz => Cell::Timestamptz(
            TimestampWithTimeZone::try_from(parse_datetime_micros(expect_str(value)?)?)
                .map_err(|e| e.to_string())?,
        ),
        PgKind::Timestamp => Cell::Timestamp(
            Timestamp::try_from(parse_datetime_micros(expect_str(value)?)?)
                .map_err(|e| e.to_string())?,
        ),
        PgKind::Jsonb => Cell::Json(JsonB(value.clone())),
        PgKind::TextArray => Cell::StringArray(match value {
            Value::String(s) => s.split(';').map(|part| Some(part.to_string())).collect(),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    if item.is_null() {
                        None
                    } else {
                        scalar_text(item).or_else(|| Some(item.to_string()))
                    }
                })
                .collect(),
            other => return Err(format!("{other} is not a multi-select picklist value")),
        }),
    };
    Ok(Some(cell))
}

fn expect_str(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{value} is not a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_utc_micros_since_pg_epoch() {
        assert_eq!(
            parse_datetime_micros("2000-01-01T00:00:00.000+0000").unwrap(),
            0
        );
        assert_eq!(
            parse_datetime_micros("2000-01-01T00:00:01.500Z").unwrap(),
            1_500_000
        );
        assert_eq!(
            parse_datetime_micros("2000-01-01T01:00:00.000+0100").unwrap(),
            0
        );
        assert_eq!(
            parse_datetime_micros("1999-12-31T23:59:59.999+0000").unwrap(),
            -1_000
        );
        assert!(parse_datetime_micros("2024-13-01T00:00:00.000+0000").is_err());
    }

    #[test]
    fn the_fast_datetime_path_agrees_with_the_general_one() {
        for text in [
            "2024-01-31T12:00:00.000+0000",
            "2025-12-31T23:59:59.999Z",
            "1999-12-31T23:59:59.999+00:00",
            "2000-01-01T00:00:00Z",
            "2024-02-29T06:07:08.5+0000",
            "2024-02-29T06:07:08.123456Z",
        ] {
            let general = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
                .or_else(|_| DateTime::parse_from_rfc3339(text))
                .unwrap()
                .timestamp_micros()
                - PG_EPOCH_UNIX_MICROS;
            assert_eq!(parse_utc_datetime_fast(text), Some(general), "{text}");
        }
        for text in [
            "2024-01-31T12:00:00.000+0100",
            "2024-02-30T00:00:00.000Z",
            "2024-01-31T24:00:00.000Z",
            "2024-01-31 12:00:00Z",
        ] {
            assert_eq!(parse_utc_datetime_fast(text), None, "{text}");
        }
        assert_eq!(
            parse_datetime_micros("2000-01-01T01:00:00.000+0100").unwrap(),
            0
        );
    }

    #[test]
    fn dates_do_not_shift() {
        assert_eq!(parse_date_days("2000-01-01").unwrap(), 0);
        assert_eq!(parse_date_days("2000-01-02").unwrap(), 1);
        assert_eq!(parse_date_days("1999-12-31").unwrap(), -1);
        assert_eq!(parse_date_days("2024-02-29").unwrap(), 8825);
        assert!(parse_date_days("2023-02-29").is_err());
    }

    #[test]
    fn times_parse_with_zone_suffix() {
        assert_eq!(
            parse_time_micros("13:05:30.000Z").unwrap(),
            (13 * 3600 + 5 * 60 + 30) * 1_000_000
        );
        assert_eq!(parse_time_micros("00:00:00.250Z").unwrap(), 250_000);
        assert!(parse_time_micros("25:00:00.000Z").is_err());
    }

    #[test]
    fn integers_accept_whole_decimals_only() {
        assert_eq!(parse_integer(&serde_json::json!(60)).unwrap(), 60);
        assert_eq!(
            parse_integer(&serde_json::from_str::<Value>("3.0").unwrap()).unwrap(),
            3
        );
        assert!(parse_integer(&serde_json::from_str::<Value>("3.5").unwrap()).is_err());
        assert_eq!(parse_integer(&serde_json::json!("42")).unwrap(), 42);
    }

    #[test]
    fn numbers_keep_their_exact_digits() {
        let v: Value = serde_json::from_str("12345678901234.57").unwrap();
        assert_eq!(scalar_text(&v).unwrap(), "12345678901234.57");
        let v: Value = serde_json::from_str("0.1").unwrap();
        assert_eq!(scalar_text(&v).unwrap(), "0.1");
    }
}
