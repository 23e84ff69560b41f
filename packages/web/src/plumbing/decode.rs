//! Decoding query-string values: `+` is a space and `%XX` a byte, and the result must be UTF-8.
//! Dates in queries: epoch milliseconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).

use mirai_core::Timestamp;
use mirai_core::time::{days_from_civil, days_in_month};

/// The decoded value, or `None` when an escape is malformed or the bytes are not UTF-8.
pub(crate) fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A time given in a query: milliseconds since the epoch, a UTC date (its midnight), or a UTC
/// date and time ending in `Z`. `None` for anything else.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    if !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().map(Timestamp::from_millis);
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').or_else(|| t.strip_suffix('z'))?)),
        None => (s, None),
    };
    let num = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<i64>().ok())?
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?, 4)?, num(d.next()?, 2)?, num(d.next()?, 2)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=days_in_month(y, m)).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(y, m, day) * 86_400;
    if let Some(t) = time {
        let mut p = t.split(':');
        let (h, mi, se) = (num(p.next()?, 2)?, num(p.next()?, 2)?, num(p.next()?, 2)?);
        if p.next().is_some() || h > 23 || mi > 59 || se > 59 {
            return None;
        }
        secs += h * 3600 + mi * 60 + se;
    }
    Some(Timestamp::from_millis(secs * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("bitcoin+etf%20flows").as_deref(), Some("bitcoin etf flows"));
        assert_eq!(percent_decode("%C3%A9t%C3%A9").as_deref(), Some("été"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None, "not UTF-8");
    }

    #[test]
    fn times() {
        let ms = |s| parse_time(s).map(Timestamp::millis);
        assert_eq!(ms("0"), Some(0));
        assert_eq!(ms("1759276800000"), Some(1_759_276_800_000));
        assert_eq!(ms("2025-10-01"), Some(1_759_276_800_000));
        assert_eq!(ms("2025-10-01T13:30:05Z"), Some(1_759_325_405_000));
        assert_eq!(ms("2024-02-29"), Some(1_709_164_800_000));
        for bad in [
            "",
            "2025-02-29",
            "2025-13-01",
            "2025-1-01",
            "2025-10-01T25:00:00Z",
            "2025-10-01T10:00:00",
            "yesterday",
            "-5",
        ] {
            assert_eq!(ms(bad), None, "{bad}");
        }
    }
}
