//! Stored field values (compact, typed) and their exact REST JSON encoding.

use crate::schema::Schema;
use crate::timeutil;

/// A pointer to a record: object position in the schema and row in its table.
/// Record ids are derived from it (see `ids`), so ids never need to be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordRef {
    pub obj: u16,
    pub row: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Fixed-point number scaled by 10^scale of its field (double/currency/percent).
    Num(i64),
    /// A number with its own scale (mantissa, scale): a stored value with more decimals than
    /// the field's describe scale (SALESFORCE.md 12.2).
    Dec(i64, u8),
    Str(Box<str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since the epoch, UTC.
    DateTime(i64),
    /// Milliseconds since midnight.
    Time(u32),
    Ref(RecordRef),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn str(s: &str) -> Value {
        Value::Str(s.into())
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_ref(&self) -> Option<RecordRef> {
        match self {
            Value::Ref(r) => Some(*r),
            _ => None,
        }
    }
    pub fn as_datetime(&self) -> Option<i64> {
        match self {
            Value::DateTime(v) => Some(*v),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
}

pub const POW10: [i64; 19] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
];

/// Writes a scaled integer as a JSON number with trailing zeros trimmed but at least one
/// fractional digit, like Salesforce's `543210.0` / `12345.67`. Magnitudes of 10^7 and more
/// are written as Java's `Double.toString` does (`1.2345678E7`, `1.0E7`, `-3.5E8`;
/// SALESFORCE.md 12.3), from the exact digits (no float rounding).
pub fn write_decimal(out: &mut Vec<u8>, raw: i64, scale: u32) {
    let scale = scale.min(18) as usize;
    if raw < 0 {
        out.push(b'-');
    }
    let abs = raw.unsigned_abs();
    let p = POW10[scale] as u64;
    let (int, mut frac) = (abs / p, abs % p);
    if int >= 10_000_000 {
        write_exponent(out, int, frac, scale);
        return;
    }
    let mut buf = itoa_buf(int);
    out.extend_from_slice(buf.as_bytes());
    out.push(b'.');
    if frac == 0 || scale == 0 {
        out.push(b'0');
        return;
    }
    let mut width = scale;
    while frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    buf = itoa_buf(frac);
    for _ in buf.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(buf.as_bytes());
}

/// `d.dddE<n>` from the integer part and the `scale`-digit fraction of a value >= 10^7.
fn write_exponent(out: &mut Vec<u8>, int: u64, frac: u64, scale: usize) {
    let int_digits = itoa_buf(int);
    let mut digits = int_digits.clone().into_bytes();
    if scale > 0 {
        let f = itoa_buf(frac);
        digits.extend(std::iter::repeat_n(b'0', scale - f.len()));
        digits.extend_from_slice(f.as_bytes());
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    out.push(digits[0]);
    out.push(b'.');
    if digits.len() == 1 {
        out.push(b'0');
    } else {
        out.extend_from_slice(&digits[1..]);
    }
    out.push(b'E');
    out.extend_from_slice((int_digits.len() - 1).to_string().as_bytes());
}

/// Writes a double as Java's `Double.toString` does: shortest round-trip digits, at least
/// one fractional digit, `d.dddE<n>` below 10^-3 and from 10^7 up (`1.0E7`, `2.5E-4`).
/// Used for AVG(), whose value Salesforce computes as a double.
pub fn write_double(out: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if x == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let a = x.abs();
    if (1e-3..1e7).contains(&a) {
        let s = format!("{x}");
        out.extend_from_slice(s.as_bytes());
        if !s.contains('.') {
            out.extend_from_slice(b".0");
        }
        return;
    }
    let s = format!("{x:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    out.extend_from_slice(mantissa.as_bytes());
    if !mantissa.contains('.') {
        out.extend_from_slice(b".0");
    }
    out.push(b'E');
    out.extend_from_slice(exp.as_bytes());
}

fn itoa_buf(v: u64) -> String {
    v.to_string()
}

pub fn decimal_to_string(raw: i64, scale: u32) -> String {
    let mut v = Vec::new();
    write_decimal(&mut v, raw, scale);
    String::from_utf8(v).unwrap_or_default()
}

/// Writes a JSON string literal (quotes included).
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{:04x}", c).as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes one scalar value in REST JSON encoding (record pointers become 18-char ids).
pub fn write_value(out: &mut Vec<u8>, v: &Value, scale: u32, schema: &Schema) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Num(raw) => write_decimal(out, *raw, scale),
        Value::Dec(raw, s) => write_decimal(out, *raw, *s as u32),
        Value::Str(s) => write_json_str(out, s),
        Value::Date(d) => {
            out.push(b'"');
            timeutil::write_date(out, *d);
            out.push(b'"');
        }
        Value::DateTime(ms) => {
            out.push(b'"');
            timeutil::write_datetime(out, *ms);
            out.push(b'"');
        }
        Value::Time(ms) => {
            out.push(b'"');
            timeutil::write_time(out, *ms);
            out.push(b'"');
        }
        Value::Ref(r) => {
            let mut id = [0u8; 18];
            crate::ids::encode_into(&schema.objects[r.obj as usize].key_prefix, r.row, &mut id);
            out.push(b'"');
            out.extend_from_slice(&id);
            out.push(b'"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(raw: i64, scale: u32) -> String {
        decimal_to_string(raw, scale)
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(dec(1234567, 2), "12345.67");
        assert_eq!(dec(1234560, 2), "12345.6");
        assert_eq!(dec(1234500, 2), "12345.0");
        assert_eq!(dec(543210, 0), "543210.0");
        assert_eq!(dec(-5, 2), "-0.05");
        assert_eq!(dec(37_774_900_000_000_000, 15), "37.7749");
        assert_eq!(dec(7_500, 3), "7.5");
        assert_eq!(dec(999_999_999, 2), "9999999.99");
    }

    #[test]
    fn large_values_use_java_exponent_form() {
        assert_eq!(dec(1_234_567_800, 2), "1.2345678E7");
        assert_eq!(dec(10_000_000, 0), "1.0E7");
        assert_eq!(dec(-350_000_000, 0), "-3.5E8");
        assert_eq!(dec(1_234_567_891, 2), "1.234567891E7");
        assert_eq!(dec(1_000_000_005, 2), "1.000000005E7");
        assert_eq!(dec(7_500_000_000, 2), "7.5E7");
        assert_eq!(dec(123_456_789_012_345, 0), "1.23456789012345E14");
        assert_eq!(dec(23_763_100, 5), "237.631");
    }

    #[test]
    fn doubles_use_java_form() {
        let d = |x: f64| {
            let mut v = Vec::new();
            write_double(&mut v, x);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(d(300.0), "300.0");
        assert_eq!(d(12345.675), "12345.675");
        assert_eq!(d(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(d(9_999_999.5), "9999999.5");
        assert_eq!(d(10_000_000.0), "1.0E7");
        assert_eq!(d(-12_345_678.9), "-1.23456789E7");
        assert_eq!(d(0.001), "0.001");
        assert_eq!(d(0.00025), "2.5E-4");
        assert_eq!(d(0.0), "0.0");
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut v = Vec::new();
        write_json_str(&mut v, "a\"b\\c\nd\u{1}東京");
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "\"a\\\"b\\\\c\\nd\\u0001東京\""
        );
    }
}
