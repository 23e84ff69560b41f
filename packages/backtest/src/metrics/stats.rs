//! `Stats`: the figures users know from backtesting.py and freqtrade, computed with
//! backtesting.py 0.6.6's formulas (docs/backtesting.md gives each one). Money figures are exact
//! decimals; ratios and percentages are `f64` statistics (NaN where backtesting.py gives NaN,
//! written as `null` in JSON).

use mirai_core::{Amount, Timestamp};
use serde::Serialize;

use super::calendar::{self, Bucket};
use super::tracker::TrackerSummary;
use crate::float::decimal_to_f64;
use crate::run::Trade;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub start: Timestamp,
    pub end: Timestamp,
    pub duration_ms: i64,
    pub bars: u64,
    /// Share of bars during which a position was held, in percent.
    pub exposure_pct: f64,
    pub final_equity: Amount,
    pub peak_equity: Amount,
    pub return_pct: f64,
    pub buy_hold_return_pct: f64,
    /// Geometric mean period return compounded over a year.
    pub annual_return_pct: f64,
    pub annual_volatility_pct: f64,
    pub cagr_pct: f64,
    /// backtesting.py's Sharpe: annual return over annual volatility, both from period
    /// (daily for intraday and daily data) returns of the equity, risk-free rate 0.
    pub sharpe: f64,
    pub sortino: f64,
    pub calmar: f64,
    /// Negative, as backtesting.py prints it.
    pub max_drawdown_pct: f64,
    pub avg_drawdown_pct: f64,
    pub max_drawdown_duration_ms: Option<i64>,
    pub avg_drawdown_duration_ms: Option<i64>,
    /// Closed round trips.
    pub trades: u64,
    pub open_trades: u64,
    pub win_rate_pct: f64,
    pub best_trade_pct: f64,
    pub worst_trade_pct: f64,
    /// Geometric mean of the trades' returns.
    pub avg_trade_pct: f64,
    pub max_trade_duration_ms: Option<i64>,
    pub avg_trade_duration_ms: Option<i64>,
    pub profit_factor: f64,
    pub expectancy_pct: f64,
    pub sqn: f64,
    pub kelly: f64,
    /// Every commission paid, the open trade's entry included.
    pub commissions: Amount,
    /// Periods per year the annual figures use (252 trading days, 365 for data with weekends,
    /// 52 weeks, 12 months).
    pub periods_per_year: f64,
}

/// What the runner knows besides the equity curve.
#[derive(Clone, Debug)]
pub struct StatsInput<'a> {
    pub start: i64,
    pub end: i64,
    pub cash: Amount,
    pub final_equity: Amount,
    pub peak_equity: Amount,
    pub commissions: Amount,
    pub trades: &'a [Trade],
    pub open_trades: u64,
    /// Closes at the strategy's first ready bar and at the last bar.
    pub buy_hold: (f64, f64),
}

impl Stats {
    pub fn compute(input: &StatsInput<'_>, eq: &TrackerSummary) -> Self {
        let period = calendar::data_period_ms(&eq.recent);
        let weekend_bars: u64 =
            eq.days.iter().filter(|d| calendar::weekday(d.day) >= 5).map(|d| u64::from(d.bars)).sum();
        let weekend_share = weekend_bars as f64 / eq.bars.max(1) as f64;
        let (bucket, per_year) = calendar::annualisation(period, weekend_share);
        let returns = period_returns(&eq.days, bucket);
        let g = geometric_mean(&returns);
        let annual = (1.0 + g).powf(per_year) - 1.0;
        let var = variance(&returns);
        let volatility = ((var + (1.0 + g).powi(2)).powf(per_year) - (1.0 + g).powf(2.0 * per_year)).sqrt();
        let downside = mean(&returns.iter().map(|r| r.min(0.0).powi(2)).collect::<Vec<_>>()).sqrt();
        let duration_ms = input.end - input.start;
        // pandas' days + seconds / 86400 of the duration: whole seconds only.
        let years = (duration_ms / 1000) as f64 / 86_400.0 / 365.25;
        let final_f = decimal_to_f64(input.final_equity.get());
        let cash_f = decimal_to_f64(input.cash.get());
        let res = calendar::resolution_ms(period);
        let t = input.trades;
        let pl: Vec<f64> = t.iter().map(|t| decimal_to_f64(t.pnl.get())).collect();
        let r: Vec<f64> = t.iter().map(|t| t.return_frac).collect();
        let durations: Vec<f64> = t.iter().map(|t| t.exit_time.since(t.entry_time) as f64).collect();
        let wins = pl.iter().filter(|p| **p > 0.0).count() as f64;
        let win_rate = if t.is_empty() { f64::NAN } else { wins / t.len() as f64 };
        let gross_win = sum(r.iter().copied().filter(|x| *x > 0.0));
        let gross_loss = sum(r.iter().copied().filter(|x| *x < 0.0)).abs();
        let avg_win = mean(&pl.iter().copied().filter(|p| *p > 0.0).collect::<Vec<_>>());
        let avg_loss = mean(&pl.iter().copied().filter(|p| *p < 0.0).collect::<Vec<_>>());
        let (bh_from, bh_to) = input.buy_hold;
        Self {
            start: Timestamp::from_millis(input.start),
            end: Timestamp::from_millis(input.end),
            duration_ms,
            bars: eq.bars,
            exposure_pct: eq.exposed as f64 / eq.bars.max(1) as f64 * 100.0,
            final_equity: input.final_equity,
            peak_equity: input.peak_equity,
            return_pct: (final_f - cash_f) / cash_f * 100.0,
            buy_hold_return_pct: (bh_to - bh_from) / bh_from * 100.0,
            annual_return_pct: annual * 100.0,
            annual_volatility_pct: volatility * 100.0,
            cagr_pct: if years > 0.0 {
                ((final_f / cash_f).powf(1.0 / years) - 1.0) * 100.0
            } else {
                f64::NAN
            },
            sharpe: nan_if_zero_div(annual * 100.0, volatility * 100.0),
            sortino: annual / (downside * per_year.sqrt()),
            calmar: nan_if_zero_div(annual, eq.max_drawdown),
            max_drawdown_pct: -eq.max_drawdown * 100.0,
            avg_drawdown_pct: -eq.avg_drawdown * 100.0,
            max_drawdown_duration_ms: calendar::ceil_to(eq.max_drawdown_ms, res),
            avg_drawdown_duration_ms: calendar::ceil_to(eq.avg_drawdown_ms, res),
            trades: t.len() as u64,
            open_trades: input.open_trades,
            win_rate_pct: win_rate * 100.0,
            best_trade_pct: r.iter().copied().reduce(f64::max).unwrap_or(f64::NAN) * 100.0,
            worst_trade_pct: r.iter().copied().reduce(f64::min).unwrap_or(f64::NAN) * 100.0,
            avg_trade_pct: geometric_mean(&r) * 100.0,
            max_trade_duration_ms: calendar::ceil_to(
                durations.iter().copied().reduce(f64::max).unwrap_or(f64::NAN),
                res,
            ),
            avg_trade_duration_ms: calendar::ceil_to(mean(&durations), res),
            profit_factor: nan_if_zero_div(gross_win, gross_loss),
            expectancy_pct: mean(&r) * 100.0,
            sqn: nan_if_zero_div((t.len() as f64).sqrt() * mean(&pl), variance(&pl).sqrt()),
            kelly: win_rate - (1.0 - win_rate) / (avg_win / -avg_loss),
            commissions: input.commissions,
            periods_per_year: per_year,
        }
    }
}

/// The last equity of each calendar bucket, then the change from one bucket to the next.
fn period_returns(days: &[super::tracker::Day], bucket: Bucket) -> Vec<f64> {
    let mut closes: Vec<f64> = Vec::new();
    let mut key = None;
    for d in days {
        let k = bucket.key(d.day);
        if key == Some(k) {
            if let Some(last) = closes.last_mut() {
                *last = d.equity;
            }
        } else {
            closes.push(d.equity);
            key = Some(k);
        }
    }
    closes.windows(2).map(|w| w[1] / w[0] - 1.0).collect()
}

/// backtesting.py's `geometric_mean`: 0 if any return is -100 % or worse, NaN for no returns.
fn geometric_mean(returns: &[f64]) -> f64 {
    if returns.iter().any(|r| 1.0 + r <= 0.0) {
        return 0.0;
    }
    (returns.iter().map(|r| (1.0 + r).ln()).sum::<f64>() / returns.len() as f64).exp() - 1.0
}

/// From +0: `Iterator::sum` of floats starts at -0, which would print an empty sum as "-0".
fn sum(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0, |a, b| a + b)
}

fn mean(v: &[f64]) -> f64 {
    sum(v.iter().copied()) / v.len() as f64
}

/// Sample variance (n - 1), NaN below two values, as pandas computes it.
fn variance(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(v);
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
}

/// `a / b`, NaN where backtesting.py writes `b or np.nan` (b zero).
fn nan_if_zero_div(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_and_variance_as_pandas() {
        assert!((geometric_mean(&[0.1, -0.05]) - ((1.1f64 * 0.95).sqrt() - 1.0)).abs() < 1e-15);
        assert!(geometric_mean(&[0.1, -1.0]).abs() < 1e-12);
        assert!(geometric_mean(&[]).is_nan());
        assert!((variance(&[1.0, 2.0, 3.0, 4.0]) - 5.0 / 3.0).abs() < 1e-15);
        assert!(variance(&[1.0]).is_nan());
        assert!(nan_if_zero_div(1.0, 0.0).is_nan());
    }

    #[test]
    fn period_returns_take_the_last_equity_of_each_bucket() {
        use super::super::tracker::Day;
        let monday = crate::data::time::days_from_civil(2024, 1, 1);
        let days = [
            Day { day: monday, equity: 100.0, bars: 1 },
            Day { day: monday + 4, equity: 110.0, bars: 1 },
            Day { day: monday + 7, equity: 99.0, bars: 1 },
        ];
        assert_eq!(period_returns(&days, Bucket::Day).len(), 2);
        let weekly = period_returns(&days, Bucket::Week);
        assert_eq!(weekly.len(), 1);
        assert!((weekly[0] - (99.0 / 110.0 - 1.0)).abs() < 1e-15);
    }
}
