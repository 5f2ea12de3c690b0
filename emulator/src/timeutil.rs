//! Date/time helpers in plain integers (days / milliseconds since the Unix epoch, UTC),
//! with the exact text formats Salesforce uses in REST JSON.

use std::time::{SystemTime, UNIX_EPOCH};

pub const MS_PER_DAY: i64 = 86_400_000;

/// Fixed instant all generated data lies before: 2026-01-01T00:00:00Z.
pub const BASE_INSTANT_MS: i64 = 1_767_225_600_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn push_num(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut v = n;
    for i in (0..width).rev() {
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

pub fn write_date(out: &mut Vec<u8>, days: i32) {
    let (y, m, d) = civil_from_days(days);
    push_num(out, y.max(0) as u32, 4);
    out.push(b'-');
    push_num(out, m, 2);
    out.push(b'-');
    push_num(out, d, 2);
}

pub fn write_time_of_day(out: &mut Vec<u8>, ms_of_day: u32) {
    push_num(out, ms_of_day / 3_600_000, 2);
    out.push(b':');
    push_num(out, ms_of_day / 60_000 % 60, 2);
    out.push(b':');
    push_num(out, ms_of_day / 1000 % 60, 2);
    out.push(b'.');
    push_num(out, ms_of_day % 1000, 3);
}

/// `YYYY-MM-DDThh:mm:ss.SSS+0000`, the REST JSON datetime format.
pub fn write_datetime(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(MS_PER_DAY) as i32;
    let rest = ms.rem_euclid(MS_PER_DAY) as u32;
    write_date(out, days);
    out.push(b'T');
    write_time_of_day(out, rest);
    out.extend_from_slice(b"+0000");
}

/// `hh:mm:ss.SSSZ`, the REST JSON time format.
pub fn write_time(out: &mut Vec<u8>, ms_of_day: u32) {
    write_time_of_day(out, ms_of_day);
    out.push(b'Z');
}

pub fn format_datetime(ms: i64) -> String {
    let mut v = Vec::with_capacity(28);
    write_datetime(&mut v, ms);
    String::from_utf8(v).unwrap_or_default()
}

pub fn format_date(days: i32) -> String {
    let mut v = Vec::with_capacity(10);
    write_date(&mut v, days);
    String::from_utf8(v).unwrap_or_default()
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |a, &b| a * 10 + (b - b'0') as u32))
}

/// Strict `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i32, m) {
        return None;
    }
    Some(days_from_civil(y as i32, m, d))
}

/// `hh:mm:ss[.SSS]` → ms of day; returns the parsed value and the number of bytes consumed.
fn parse_clock(b: &[u8]) -> Option<(u32, usize)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, s) = (digits(&b[..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let mut used = 8;
    let mut ms = 0;
    if b.len() > 8 && b[8] == b'.' {
        let frac_len = b[9..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac_len == 0 {
            return None;
        }
        let frac = &b[9..9 + frac_len];
        let mut v = 0u32;
        for i in 0..3 {
            v = v * 10 + frac.get(i).map_or(0, |c| (c - b'0') as u32);
        }
        ms = v;
        used = 9 + frac_len;
    }
    Some((((h * 60 + mi) * 60 + s) * 1000 + ms, used))
}

/// Time literal `hh:mm:ss[.SSS]Z`.
pub fn parse_time(s: &str) -> Option<u32> {
    let (ms, used) = parse_clock(s.as_bytes())?;
    (&s[used..] == "Z").then_some(ms)
}

/// Datetime `YYYY-MM-DDThh:mm:ss[.SSS](Z|±hh:mm|±hhmm)` → ms since epoch (UTC).
/// The zone is mandatory, as in SOQL.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[10] != b'T' {
        return None;
    }
    let days = parse_date(&s[..10])?;
    let (ms, used) = parse_clock(&b[11..])?;
    let zone = &b[11 + used..];
    let offset_min: i64 = match zone {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let v = (h * 60 + m) as i64;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some(days as i64 * MS_PER_DAY + ms as i64 - offset_min * 60_000)
}

pub fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(BASE_INSTANT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_instant_is_2026() {
        assert_eq!(
            format_datetime(BASE_INSTANT_MS),
            "2026-01-01T00:00:00.000+0000"
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn parses_literals() {
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(format_date(parse_date("2024-02-29").unwrap()), "2024-02-29");
        let a = parse_datetime("2024-01-01T10:00:00+02:00").unwrap();
        assert_eq!(format_datetime(a), "2024-01-01T08:00:00.000+0000");
        let b = parse_datetime("2024-01-01T08:00:00.123Z").unwrap();
        assert_eq!(format_datetime(b), "2024-01-01T08:00:00.123+0000");
        assert_eq!(parse_datetime("2024-01-01T08:00:00"), None);
        assert_eq!(parse_datetime("2024-01-01T08:00:00.000+0000"), Some(a));
        assert_eq!(parse_time("13:05:30.5Z"), Some(47_130_500));
        assert_eq!(parse_time("13:05:30"), None);
    }
}
