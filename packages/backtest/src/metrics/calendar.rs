//! The calendar side of the statistics, following backtesting.py 0.6.6: the data's period (the
//! median gap of the last 100 bars), how many periods make a year, the calendar buckets equity
//! is resampled to, and the unit durations are rounded up to.

use crate::data::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, year_month};

/// The median gap between the last (up to) 100 timestamps, in milliseconds (pandas' median of
/// an even count is the mean of the middle two).
pub fn data_period_ms(recent: &[i64]) -> Option<f64> {
    let mut gaps: Vec<i64> = recent.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable();
    let n = gaps.len();
    Some(if n % 2 == 1 { gaps[n / 2] as f64 } else { (gaps[n / 2 - 1] + gaps[n / 2]) as f64 / 2.0 })
}

/// How equity is resampled before computing period returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
    Year,
}

impl Bucket {
    /// The bucket a UTC day number falls in, as a comparable key.
    pub fn key(self, day: i64) -> i64 {
        match self {
            Bucket::Day => day,
            // Day 0 (1970-01-01) was a Thursday: Monday-based weeks start 3 days earlier.
            Bucket::Week => (day + 3).div_euclid(7),
            Bucket::Month => {
                let (y, m) = year_month(day);
                y * 12 + m
            }
            Bucket::Year => year_month(day).0,
        }
    }
}

/// backtesting.py's choice of bucket and periods per year: weekly, monthly and yearly data by
/// their period; anything finer by day, with 365 days a year when a notable share of bars falls
/// on weekends (crypto) and 252 otherwise (stock exchanges).
pub fn annualisation(period_ms: Option<f64>, weekend_share: f64) -> (Bucket, f64) {
    let days = period_ms.map_or(0, |p| (p / MS_PER_DAY as f64).floor() as i64);
    match days {
        7 => (Bucket::Week, 52.0),
        31 => (Bucket::Month, 12.0),
        365 => (Bucket::Year, 1.0),
        _ if weekend_share > 2.0 / 7.0 * 0.6 => (Bucket::Day, 365.0),
        _ => (Bucket::Day, 252.0),
    }
}

/// Monday = 0 … Sunday = 6, like pandas' `dayofweek`.
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The unit durations are rounded up to: the finest non-zero part of the data's period (a day
/// for daily bars, a minute for one-minute bars), as pandas' `Timedelta.ceil(resolution)`.
pub fn resolution_ms(period_ms: Option<f64>) -> i64 {
    let Some(p) = period_ms else { return 1 };
    let p = p as i64;
    [MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND]
        .into_iter()
        .find(|u| p > 0 && p % u == 0)
        .unwrap_or(1)
}

/// `ms` rounded up to a whole number of `unit`.
pub fn ceil_to(ms: f64, unit: i64) -> Option<i64> {
    ms.is_finite().then(|| ((ms / unit as f64).ceil() as i64) * unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::days_from_civil;

    #[test]
    fn buckets_follow_the_calendar() {
        let monday = days_from_civil(2024, 1, 1);
        assert_eq!(weekday(monday), 0);
        assert_eq!(weekday(monday + 6), 6);
        assert_eq!(Bucket::Week.key(monday), Bucket::Week.key(monday + 6));
        assert_ne!(Bucket::Week.key(monday + 6), Bucket::Week.key(monday + 7));
        assert_eq!(
            Bucket::Month.key(days_from_civil(2024, 2, 29)),
            Bucket::Month.key(days_from_civil(2024, 2, 1))
        );
        assert_ne!(
            Bucket::Year.key(days_from_civil(2023, 12, 31)),
            Bucket::Year.key(days_from_civil(2024, 1, 1))
        );
    }

    #[test]
    fn periods_and_resolutions() {
        assert_eq!(data_period_ms(&[0, 10, 30, 40]), Some(10.0));
        assert_eq!(data_period_ms(&[0, 10, 30]), Some(15.0));
        assert_eq!(annualisation(Some(86_400_000.0), 0.0), (Bucket::Day, 252.0));
        assert_eq!(annualisation(Some(60_000.0), 2.0 / 7.0), (Bucket::Day, 365.0));
        assert_eq!(annualisation(Some(7.0 * 86_400_000.0), 0.0), (Bucket::Week, 52.0));
        assert_eq!(resolution_ms(Some(86_400_000.0)), MS_PER_DAY);
        assert_eq!(resolution_ms(Some(90_000.0)), MS_PER_SECOND);
        assert_eq!(ceil_to(86_400_001.0, MS_PER_DAY), Some(2 * MS_PER_DAY));
    }
}
