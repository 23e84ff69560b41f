//! Timestamps in CSV files: ISO-8601 (`2024-01-02`, `2024-01-02T03:04:05.678Z`,
//! `2024-01-02 03:04:05+02:00`) or integers since the epoch (seconds, milliseconds, microseconds
//! or nanoseconds, told apart by magnitude, as Binance's files switched from ms to µs in 2025).
//! Written by hand: the calendar arithmetic is a dozen lines, and a date crate would parse a
//! million timestamps several times slower.

use mirai_core::Timestamp;

pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Parses one timestamp field into milliseconds since the epoch, UTC. The error says what was
/// expected, for a message that also names the line.
#[inline]
pub fn parse_timestamp(text: &[u8]) -> Result<i64, &'static str> {
    if let Some(ms) = common_iso(text) {
        return Ok(ms);
    }
    if !text.is_empty() && text.iter().all(u8::is_ascii_digit) {
        return epoch(text);
    }
    iso8601(text)
}

/// The layout nearly every file uses, `2024-01-02T03:04:05Z`, read without the general parser's
/// bookkeeping; anything else (or an impossible date) goes to the general path.
#[inline]
fn common_iso(t: &[u8]) -> Option<i64> {
    // `…:05Z` or `…:05.678Z`.
    let millis = match t.len() {
        20 => 0,
        24 if t[19] == b'.' && t[23] == b'Z' => {
            let mut ms = 0i64;
            for &b in &t[20..23] {
                let d = b.wrapping_sub(b'0');
                if d > 9 {
                    return None;
                }
                ms = ms * 10 + i64::from(d);
            }
            ms
        }
        _ => return None,
    };
    let short = t.len() == 20;
    let t: &[u8; 20] = t.get(..20)?.try_into().ok()?;
    if t[4] != b'-' || t[7] != b'-' || t[10] != b'T' || t[13] != b':' || t[16] != b':' {
        return None;
    }
    if short && t[19] != b'Z' {
        return None;
    }
    let mut v = [0i64; 6];
    for (k, start) in [0usize, 5, 8, 11, 14, 17].into_iter().enumerate() {
        let width = if k == 0 { 4 } else { 2 };
        for &b in &t[start..start + width] {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v[k] = v[k] * 10 + i64::from(d);
        }
    }
    let [y, mo, d, h, mi, s] = v;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(
        days_from_civil(y, mo, d) * MS_PER_DAY
            + h * MS_PER_HOUR
            + mi * MS_PER_MINUTE
            + s * MS_PER_SECOND
            + millis,
    )
}

fn epoch(text: &[u8]) -> Result<i64, &'static str> {
    if text.len() > 19 {
        return Err("an epoch timestamp with more than 19 digits");
    }
    let n = text.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    let n = i64::try_from(n).map_err(|_| "an epoch timestamp that fits 64 bits")?;
    Ok(match n {
        0..100_000_000_000 => n * MS_PER_SECOND,
        100_000_000_000..100_000_000_000_000 => n,
        100_000_000_000_000..100_000_000_000_000_000 => n / 1_000,
        _ => n / 1_000_000,
    })
}

const ISO_HINT: &str = "an ISO-8601 time such as 2024-01-02T03:04:05Z, or epoch seconds/milliseconds";

fn iso8601(t: &[u8]) -> Result<i64, &'static str> {
    let num = |range: std::ops::Range<usize>| -> Result<i64, &'static str> {
        let part = t.get(range).ok_or(ISO_HINT)?;
        if part.iter().all(u8::is_ascii_digit) {
            Ok(part.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
        } else {
            Err(ISO_HINT)
        }
    };
    if t.len() < 10 || t[4] != b'-' || t[7] != b'-' {
        return Err(ISO_HINT);
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("a real calendar date");
    }
    let mut ms = days_from_civil(year, month, day) * MS_PER_DAY;
    let mut rest = &t[10..];
    if let Some((&sep, time)) = rest.split_first()
        && (sep == b'T' || sep == b' ')
    {
        if time.len() < 5 || time[2] != b':' {
            return Err(ISO_HINT);
        }
        let (h, m) = (num(11..13)?, num(14..16)?);
        let mut used = 5;
        let mut s = 0;
        if time.get(5) == Some(&b':') {
            s = num(17..19)?;
            used = 8;
        }
        if h > 23 || m > 59 || s > 59 {
            return Err("a real time of day");
        }
        ms += h * MS_PER_HOUR + m * MS_PER_MINUTE + s * MS_PER_SECOND;
        rest = &time[used..];
        if let Some(frac) = rest.strip_prefix(b".") {
            let n = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return Err(ISO_HINT);
            }
            // Milliseconds: finer digits are dropped, as Binance's millisecond clock would.
            let mut v = 0;
            for i in 0..3 {
                v = v * 10 + frac.get(i).filter(|_| i < n).map_or(0, |d| i64::from(d - b'0'));
            }
            ms += v;
            rest = &frac[n..];
        }
    }
    Ok(ms - offset_ms(rest)?)
}

/// `Z`, `+HH:MM`, `-HHMM`, `+HH`, or nothing (UTC).
fn offset_ms(z: &[u8]) -> Result<i64, &'static str> {
    let (sign, rest) = match z {
        [] | [b'Z'] | [b'z'] => return Ok(0),
        [b'+', rest @ ..] => (1, rest),
        [b'-', rest @ ..] => (-1, rest),
        _ => return Err(ISO_HINT),
    };
    let digits: Vec<u8> = rest.iter().copied().filter(|&b| b != b':').collect();
    if !matches!(digits.len(), 2 | 4) || !digits.iter().all(u8::is_ascii_digit) {
        return Err("a UTC offset such as +02:00");
    }
    let v = |i: usize| i64::from(digits[i] - b'0');
    let hours = v(0) * 10 + v(1);
    let minutes = if digits.len() == 4 { v(2) * 10 + v(3) } else { 0 };
    if hours > 23 || minutes > 59 {
        return Err("a UTC offset such as +02:00");
    }
    Ok(sign * (hours * MS_PER_HOUR + minutes * MS_PER_MINUTE))
}

pub use mirai_core::time::{days_from_civil, days_in_month};

/// (year, month) of a day number; the inverse of [`days_from_civil`] for calendar grouping.
pub fn year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// ISO-8601 for messages and files, e.g. `2024-01-02T03:04:05.000Z`.
pub fn iso(ms: i64) -> String {
    Timestamp::from_millis(ms).to_iso8601()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Result<i64, &'static str> {
        parse_timestamp(s.as_bytes())
    }

    #[test]
    fn iso_forms_agree_with_core_formatting() {
        for (text, want) in [
            ("2004-08-19", "2004-08-19T00:00:00.000Z"),
            ("2004-08-19T00:00:00Z", "2004-08-19T00:00:00.000Z"),
            ("2024-02-29 23:59:59.999", "2024-02-29T23:59:59.999Z"),
            ("2024-03-01T01:30:00+02:00", "2024-02-29T23:30:00.000Z"),
            ("2024-03-01T01:30-0130", "2024-03-01T03:00:00.000Z"),
            ("2017-07-12T02:41:59.559123456Z", "2017-07-12T02:41:59.559Z"),
            ("2017-07-12T02:41:59.559Z", "2017-07-12T02:41:59.559Z"),
            ("2017-07-12T02:41:59.000Z", "2017-07-12T02:41:59.000Z"),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000Z"),
        ] {
            assert_eq!(ts(text).map(iso), Ok(want.to_owned()), "{text}");
        }
    }

    #[test]
    fn epoch_units_are_told_apart_by_magnitude() {
        let ms = 1_499_827_319_559;
        assert_eq!(ts("1499827319"), Ok(1_499_827_319_000));
        assert_eq!(ts("1499827319559"), Ok(ms));
        assert_eq!(ts("1499827319559000"), Ok(ms));
        assert_eq!(ts("1499827319559000000"), Ok(ms));
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T24:00",
            "2024-01-01T10:61",
            "2024-01-01T10:00+25:00",
            "2024/01/01",
            "2024-01-01T",
            "2024-01-01T10:00:00.Z",
            "99999999999999999999",
            "2024-01-01T00:00:00.00xZ",
            "2024-02-30T00:00:00Z",
            "2024-01-01T00:00:00X",
        ] {
            assert!(ts(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 59, 11_016, 19_782, 2_932_896] {
            let (y, m) = year_month(days);
            let first = days_from_civil(y, m, 1);
            assert!(first <= days && days < first + days_in_month(y, m), "{days}");
        }
    }
}
