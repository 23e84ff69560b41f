//! Number and duration formatting shared by the table and the HTML page.

use crate::data::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};

/// `value` with `dp` decimals, or `-` for NaN (and `inf` as such).
pub fn number(value: f64, dp: usize) -> String {
    if value.is_nan() { "-".to_owned() } else { format!("{value:.dp$}") }
}

/// A ratio that may be undefined (Sharpe, Sortino, Calmar): `value` with `dp` decimals, or
/// `n/a`.
pub fn ratio(value: Option<f64>, dp: usize) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.dp$}"),
        _ => "n/a".to_owned(),
    }
}

/// A duration as pandas prints a `Timedelta`: `589 days`, `3 days 04:05:00`, `00:01:00`.
pub fn duration(ms: Option<i64>) -> String {
    let Some(ms) = ms else { return "-".to_owned() };
    let days = ms / MS_PER_DAY;
    let rest = ms % MS_PER_DAY;
    let (h, m, s, milli) = (
        rest / MS_PER_HOUR,
        rest % MS_PER_HOUR / MS_PER_MINUTE,
        rest % MS_PER_MINUTE / MS_PER_SECOND,
        rest % MS_PER_SECOND,
    );
    let clock =
        if milli > 0 { format!("{h:02}:{m:02}:{s:02}.{milli:03}") } else { format!("{h:02}:{m:02}:{s:02}") };
    match (days, rest) {
        (0, _) => clock,
        (1, 0) => "1 day".to_owned(),
        (d, 0) => format!("{d} days"),
        (1, _) => format!("1 day {clock}"),
        (d, _) => format!("{d} days {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_pandas() {
        assert_eq!(duration(Some(589 * MS_PER_DAY)), "589 days");
        assert_eq!(duration(Some(MS_PER_DAY + 3_723_000)), "1 day 01:02:03");
        assert_eq!(duration(Some(60_000)), "00:01:00");
        assert_eq!(duration(None), "-");
        assert_eq!(number(f64::NAN, 2), "-");
        assert_eq!(number(1.23456, 2), "1.23");
        assert_eq!(ratio(Some(0.89997), 3), "0.900");
        assert_eq!(ratio(None, 3), "n/a");
    }
}
