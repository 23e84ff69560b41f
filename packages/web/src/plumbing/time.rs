//! Times in queries: epoch milliseconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).

use mirai_core::Timestamp;

/// A time read from a query parameter ([`parse_time`]'s forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QueryTime(pub(crate) Timestamp);

impl<'de> serde::Deserialize<'de> for QueryTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        parse_time(s.trim()).map(QueryTime).ok_or_else(|| serde::de::Error::custom("not a time"))
    }
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
    let mut secs = mirai_core::time::parse_date(date)?.millis() / 1000;
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
