//! Values: Salesforce REST JSON -> Postgres cells, keyed on the column's Postgres type.
//! The parsing of Salesforce's text forms (datetimes, dates, times, numbers) is pure and unit
//! tested; building the cells is a thin layer over pgrx types.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike};
use pgrx::pg_sys::Datum;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::{Date, Time, Timestamp, TimestampWithTimeZone};
use pgrx::{IntoDatum, JsonB};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::remote::records::Field;

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
pub const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
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
    let number = |from: usize, to: usize| digits(b, from, to);
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
    let b = text.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(b, 0, 4), digits(b, 5, 7), digits(b, 8, 10)) {
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                return Ok(days_since_pg_epoch(date));
            }
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a Salesforce date"))?;
    Ok(days_since_pg_epoch(date))
}

fn days_since_pg_epoch(date: NaiveDate) -> i32 {
    let unix_days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days();
    (unix_days - PG_EPOCH_UNIX_DAYS) as i32
}

/// The decimal number written by `b[from..to]`, all ASCII digits (the fast parsing paths).
fn digits(b: &[u8], from: usize, to: usize) -> Option<u32> {
    b[from..to].iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
    })
}

/// `13:05:30.000Z` -> microseconds since midnight.
pub fn parse_time_micros(text: &str) -> Result<i64, String> {
    let trimmed = text.strip_suffix('Z').unwrap_or(text);
    let time = NaiveTime::parse_from_str(trimmed, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(trimmed, "%H:%M"))
        .map_err(|_| format!("\"{text}\" is not a Salesforce time"))?;
    Ok(time.num_seconds_from_midnight() as i64 * 1_000_000 + (time.nanosecond() / 1000) as i64)
}

/// An integer from a number's text; `3.0` is accepted, `3.5` is not.
pub fn parse_integer(field: Field) -> Result<i64, String> {
    let Field::Text(text) = field else {
        return Err(format!("{} is not a number", field_display(field)));
    };
    if let Ok(n) = text.parse::<i64>() {
        return Ok(n);
    }
    let decimal: rust_decimal::Decimal = text
        .parse()
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .map_err(|_| format!("\"{text}\" is not a number"))?;
    if decimal.fract().is_zero() {
        i64::try_from(decimal.trunc()).map_err(|_| format!("{text} is out of range"))
    } else {
        Err(format!("{text} is not a whole number"))
    }
}

/// Converts one value to a datum of the given kind, allocated in the current memory context.
/// `Ok(None)` is SQL NULL. `typmod` is the column's type modifier (-1 for none): a
/// `numeric(p,s)` column gets its scale, as a value stored in such a column would.
pub fn field_to_datum(kind: PgKind, typmod: i32, field: Field) -> Result<Option<Datum>, String> {
    let text = match field {
        Field::Null => return Ok(None),
        Field::Text(text) => Some(text),
        _ => None,
    };
    // Salesforce sends scalars as JSON strings, numbers and booleans, or CSV text.
    let text_as =
        |what: &str| text.ok_or_else(|| format!("{} is not {what}", field_display(field)));
    let datum = match kind {
        PgKind::Text => match field {
            Field::Text(text) => without_nul(text).as_ref().into_datum(),
            Field::Bool(b) => if b { "true" } else { "false" }.into_datum(),
            Field::Json(value) => value.to_string().into_datum(),
            Field::Null => None,
        },
        PgKind::Int2 => i16::try_from(parse_integer(field)?)
            .map_err(|_| format!("{} is out of range for smallint", field_display(field)))?
            .into_datum(),
        PgKind::Int4 => i32::try_from(parse_integer(field)?)
            .map_err(|_| format!("{} is out of range for integer", field_display(field)))?
            .into_datum(),
        PgKind::Int8 => parse_integer(field)?.into_datum(),
        PgKind::Float4 | PgKind::Float8 => {
            let text = text_as("a number")?;
            let f: f64 = text
                .parse()
                .map_err(|_| format!("\"{text}\" is not a number"))?;
            if kind == PgKind::Float4 {
                (f as f32).into_datum()
            } else {
                f.into_datum()
            }
        }
        PgKind::Numeric => {
            let text = text_as("a number")?;
            numeric_from_text(text, typmod)?
        }
        PgKind::Bool => match field {
            Field::Bool(b) => b.into_datum(),
            Field::Text(s) if s.eq_ignore_ascii_case("true") => true.into_datum(),
            Field::Text(s) if s.eq_ignore_ascii_case("false") => false.into_datum(),
            other => return Err(format!("{} is not a boolean", field_display(other))),
        },
        PgKind::Date => {
            let text = text_as("a string")?;
            // A datetime in a date column keeps its UTC calendar day.
            let days = match parse_date_days(text) {
                Ok(days) => days,
                Err(e) => match parse_datetime_micros(text) {
                    Ok(micros) => micros.div_euclid(86_400_000_000) as i32,
                    Err(_) => return Err(e),
                },
            };
            Date::try_from(days)
                .map_err(|e| e.to_string())?
                .into_datum()
        }
        PgKind::Time => Time::try_from(parse_time_micros(text_as("a string")?)?)
            .map_err(|e| e.to_string())?
            .into_datum(),
        PgKind::Timestamptz => {
            TimestampWithTimeZone::try_from(parse_datetime_micros(text_as("a string")?)?)
                .map_err(|e| e.to_string())?
                .into_datum()
        }
        PgKind::Timestamp => Timestamp::try_from(parse_datetime_micros(text_as("a string")?)?)
            .map_err(|e| e.to_string())?
            .into_datum(),
        PgKind::Jsonb => JsonB(match field {
            Field::Json(value) => json_without_nul(value),
            Field::Text(text) => Value::String(without_nul(text).into_owned()),
            Field::Bool(b) => Value::Bool(b),
            Field::Null => Value::Null,
        })
        .into_datum(),
        PgKind::TextArray => {
            let items: Vec<Option<String>> = match field {
                Field::Text(text) => without_nul(text)
                    .split(';')
                    .map(|part| Some(part.to_string()))
                    .collect(),
                Field::Json(Value::Array(items)) => items
                    .iter()
                    .map(|item| match Field::of(item) {
                        Field::Null => None,
                        Field::Text(text) => Some(without_nul(text).into_owned()),
                        other => Some(field_display(other)),
                    })
                    .collect(),
                other => {
                    return Err(format!(
                        "{} is not a multi-select picklist value",
                        field_display(other)
                    ))
                }
            };
            items.into_datum()
        }
    };
    Ok(datum)
}

/// Text without NUL characters: Salesforce text can hold U+0000 (SALESFORCE.md 12.10), Postgres
/// text and jsonb cannot. Clients drop it, and so do we; everything else stays as sent.
pub fn without_nul(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', ""))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A JSON value whose strings (and keys) are `without_nul`.
fn json_without_nul(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(without_nul(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(json_without_nul).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (without_nul(k).into_owned(), json_without_nul(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A value as an error message shows it (JSON text).
fn field_display(field: Field) -> String {
    match field {
        Field::Null => "null".into(),
        Field::Text(text) => Value::String(text.to_string()).to_string(),
        Field::Bool(b) => b.to_string(),
        Field::Json(value) => value.to_string(),
    }
}

/// Exact digits as sent (no float on the way), through numeric_in with the column's type
/// modifier: a numeric(p,s) column rounds to its scale, as a value stored in it would. The text
/// is checked first (a number, and one that fits the column once rounded), so that numeric_in
/// is never asked for what it would refuse: its ERROR is not caught (that would need a
/// subtransaction), and ours names the value.
fn numeric_from_text(text: &str, typmod: i32) -> Result<Option<Datum>, String> {
    numeric_fits(text, typmod)?;
    let cstring =
        std::ffi::CString::new(text).map_err(|_| format!("\"{text}\" is not a number"))?;
    // SAFETY: numeric_in takes a NUL-terminated C string, a type OID and a typmod; the string
    // outlives the call, and pgrx's call boundary turns an ERROR into a Rust panic that the
    // calling callback's #[pg_guard] re-raises.
    let datum = unsafe {
        pgrx::direct_function_call_as_datum(
            pg_sys::numeric_in,
            &[
                Some(Datum::from(cstring.as_ptr())),
                pg_sys::InvalidOid.into_datum(),
                typmod.into_datum(),
            ],
        )
    };
    datum
        .map(Some)
        .ok_or_else(|| format!("\"{text}\" is not a number"))
}

/// Whether numeric_in takes `text` for a column of this typmod: a decimal number, with an
/// optional exponent (`1.2345678E7`), whose value rounded to the column's scale is below
/// 10^(precision - scale).
pub fn numeric_fits(text: &str, typmod: i32) -> Result<(), String> {
    let not_a_number = || format!("\"{text}\" is not a number");
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = unsigned[at + 1..].parse().map_err(|_| not_a_number())?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    if exponent.abs() > 1000 {
        return Err(format!("\"{text}\" is out of range for numeric"));
    }
    if typmod < 4 {
        return Ok(());
    }
    let precision = ((typmod - 4) >> 16) & 0xffff;
    let scale = i64::from(((typmod - 4) & 0xffff) as u16 as i16);
    // The digits, and how many of them come before the decimal point.
    let digits: Vec<u8> = format!("{int_part}{frac_part}")
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let leading_zeros = digits.iter().take_while(|&&d| d == 0).count();
    let digits = &digits[leading_zeros..];
    let point = int_part.len() as i64 + exponent - leading_zeros as i64;
    // Rounded to `scale` decimals (half away from zero, as numeric does).
    let kept = point + scale;
    let integer_digits = if kept < 0 || digits.is_empty() {
        0
    } else if (kept as usize) < digits.len() {
        let prefix = &digits[..kept as usize];
        let rounds_up = digits[kept as usize] >= 5;
        let carries = rounds_up && prefix.iter().all(|&d| d == 9);
        if prefix.is_empty() && !rounds_up {
            0
        } else {
            point + i64::from(carries || prefix.is_empty())
        }
    } else {
        point
    };
    if integer_digits > i64::from(precision) - scale {
        return Err(format!(
            "\"{text}\" does not fit numeric({precision},{scale}) (numeric field overflow)"
        ));
    }
    Ok(())
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
        assert!(parse_date_days("20x3-01-05").is_err());
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
        let number = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(parse_integer(Field::of(&number("60"))).unwrap(), 60);
        assert_eq!(parse_integer(Field::of(&number("3.0"))).unwrap(), 3);
        assert!(parse_integer(Field::of(&number("3.5"))).is_err());
        assert_eq!(parse_integer(Field::Text("42")).unwrap(), 42);
        assert_eq!(parse_integer(Field::Text("1e3")).unwrap(), 1000);
        assert!(parse_integer(Field::Bool(true)).is_err());
    }

    #[test]
    fn nul_characters_are_dropped_and_the_rest_kept() {
        assert_eq!(without_nul("a\0b\0"), "ab");
        assert!(matches!(
            without_nul("plain"),
            std::borrow::Cow::Borrowed("plain")
        ));
        let value: Value =
            serde_json::from_str(r#"{"street":"Main\u0000 St","n":[1,"x\u0000"]}"#).unwrap();
        assert_eq!(
            json_without_nul(&value),
            serde_json::json!({"street": "Main St", "n": [1, "x"]})
        );
    }

    fn typmod(precision: i32, scale: i32) -> i32 {
        ((precision << 16) | (scale & 0xffff)) + 4
    }

    #[test]
    fn numbers_are_checked_before_numeric_in() {
        for ok in [
            "1",
            "-1.5",
            "+0.25",
            ".5",
            "5.",
            "1.2345678E7",
            "1e-3",
            "0.000",
        ] {
            assert!(numeric_fits(ok, -1).is_ok(), "{ok}");
        }
        for bad in [
            "", "-", ".", "1..2", "abc", "1e", "1e5x", "NaN", "0x10", "1,5",
        ] {
            assert!(numeric_fits(bad, -1).is_err(), "{bad}");
        }
        assert!(numeric_fits("1e2000", -1).is_err());
        let cents = typmod(5, 2);
        assert!(numeric_fits("999.99", cents).is_ok());
        assert!(numeric_fits("999.994", cents).is_ok());
        // Rounds up to 1000.00: one integer digit too many.
        assert!(numeric_fits("999.995", cents).is_err());
        assert!(numeric_fits("1000", cents).is_err());
        assert!(numeric_fits("-999.99", cents).is_ok());
        assert!(numeric_fits("0.004", cents).is_ok());
        assert!(numeric_fits("9.99995E2", cents).is_err());
        assert!(numeric_fits("9.9999E2", cents).is_ok());
        assert!(numeric_fits("1.2345678E7", typmod(18, 2)).is_ok());
        assert!(numeric_fits("1.2345678E17", typmod(18, 2)).is_err());
        let whole = typmod(3, 0);
        assert!(numeric_fits("999.4", whole).is_ok());
        assert!(numeric_fits("999.5", whole).is_err());
        assert!(numeric_fits("0.5", whole).is_ok());
        let tiny = typmod(2, 2);
        assert!(numeric_fits("0.994", tiny).is_ok());
        assert!(numeric_fits("0.995", tiny).is_err());
    }

    #[test]
    fn exponent_numbers_are_exact_integers_too() {
        assert_eq!(
            parse_integer(Field::Text("1.2345678E7")).unwrap(),
            12_345_678
        );
        assert_eq!(parse_integer(Field::Text("1.0E7")).unwrap(), 10_000_000);
        assert!(parse_integer(Field::Text("1.23456785E7")).is_err());
    }

    #[test]
    fn numbers_keep_their_exact_digits() {
        let v: Value = serde_json::from_str("12345678901234.57").unwrap();
        assert_eq!(Field::of(&v), Field::Text("12345678901234.57"));
        let v: Value = serde_json::from_str("0.1").unwrap();
        assert_eq!(Field::of(&v), Field::Text("0.1"));
    }
}
