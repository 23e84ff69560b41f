//! `Stats`: the figures users know from backtesting.py and freqtrade, computed with
//! backtesting.py 0.6.6's formulas (docs/backtesting.md gives each one). Money figures are exact
//! decimals; ratios and percentages are `f64` statistics (NaN where backtesting.py gives NaN,
//! written as `null` in JSON). Sharpe, Sortino and Calmar are `None` ("n/a", `null` in JSON)
//! where they would say nothing: no volatility, no downside or no drawdown to divide by, or too
//! few period returns to annualise ([`MIN_PERIOD_RETURNS`]); never a huge or infinite number.

use mirai_core::{Amount, Timestamp};
use serde::Serialize;

use super::calendar::{self, Bucket};
use super::figures::TradeFigures;
use super::tracker::TrackerSummary;
use crate::float::decimal_to_f64;

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
    /// (daily for intraday and daily data) returns of the equity, risk-free rate 0. `None` (n/a)
    /// with fewer than [`MIN_PERIOD_RETURNS`] returns, no volatility, or an annual volatility
    /// below half a single period's (equity compounding towards zero).
    pub sharpe: Option<f64>,
    /// Annual return over the annualised downside deviation; `None` (n/a) with fewer than
    /// [`MIN_PERIOD_RETURNS`] returns or no losing period.
    pub sortino: Option<f64>,
    /// Annual return over the maximum drawdown; `None` (n/a) with fewer than
    /// [`MIN_PERIOD_RETURNS`] returns or no drawdown.
    pub calmar: Option<f64>,
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

/// The fewest period returns (daily for intraday and daily data; weekly, monthly or yearly for
/// such data) for which Sharpe, Sortino and Calmar are given. Below it they are n/a: a handful of
/// days compounded to a year says nothing (a walk-forward window of 5,000 one-minute bars has 3
/// daily returns, and gave Sharpe ratios of -6.6e9).
pub const MIN_PERIOD_RETURNS: usize = 20;

/// A standard deviation (or downside deviation, or drawdown) at or below this is the float
/// rounding of an exactly steady equity curve, not a risk to divide by.
const NO_RISK: f64 = 1e-12;

/// What the runner knows besides the equity curve.
#[derive(Clone, Debug)]
pub struct StatsInput<'a> {
    pub start: i64,
    pub end: i64,
    pub cash: Amount,
    pub final_equity: Amount,
    pub peak_equity: Amount,
    pub commissions: Amount,
    /// The closed trades' figures.
    pub trades: &'a TradeFigures,
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
        let volatility = annual_volatility(var, g, per_year);
        let downside = mean(&returns.iter().map(|r| r.min(0.0).powi(2)).collect::<Vec<_>>()).sqrt();
        let ratios =
            Ratios::of(returns.len(), annual, var.sqrt(), volatility, downside, per_year, eq.max_drawdown);
        let duration_ms = input.end - input.start;
        // pandas' days + seconds / 86400 of the duration: whole seconds only.
        let years = (duration_ms / 1000) as f64 / 86_400.0 / 365.25;
        let final_f = decimal_to_f64(input.final_equity.get());
        let cash_f = decimal_to_f64(input.cash.get());
        let res = calendar::resolution_ms(period);
        let t = input.trades;
        let (pl, r, durations) = (&t.pnl, &t.returns, &t.durations);
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
            sharpe: ratios.sharpe,
            sortino: ratios.sortino,
            calmar: ratios.calmar,
            max_drawdown_pct: -eq.max_drawdown * 100.0,
            avg_drawdown_pct: -eq.avg_drawdown * 100.0,
            max_drawdown_duration_ms: calendar::ceil_to(eq.max_drawdown_ms, res),
            avg_drawdown_duration_ms: calendar::ceil_to(eq.avg_drawdown_ms, res),
            trades: t.len() as u64,
            open_trades: input.open_trades,
            win_rate_pct: win_rate * 100.0,
            best_trade_pct: r.iter().copied().reduce(f64::max).unwrap_or(f64::NAN) * 100.0,
            worst_trade_pct: r.iter().copied().reduce(f64::min).unwrap_or(f64::NAN) * 100.0,
            avg_trade_pct: geometric_mean(r) * 100.0,
            max_trade_duration_ms: calendar::ceil_to(
                durations.iter().copied().reduce(f64::max).unwrap_or(f64::NAN),
                res,
            ),
            avg_trade_duration_ms: calendar::ceil_to(mean(durations), res),
            profit_factor: nan_if_zero_div(gross_win, gross_loss),
            expectancy_pct: mean(r) * 100.0,
            sqn: nan_if_zero_div((t.len() as f64).sqrt() * mean(pl), variance(pl).sqrt()),
            kelly: win_rate - (1.0 - win_rate) / (avg_win / -avg_loss),
            commissions: input.commissions,
            periods_per_year: per_year,
        }
    }
}

/// backtesting.py's annual volatility, `sqrt((var + (1 + g)²)^A − (1 + g)^(2A))`, written as
/// `(1 + g)^A × sqrt(expm1(A × ln1p(var / (1 + g)²)))`: the same number, without subtracting two
/// nearly equal powers (which turns a tiny variance into noise, or a NaN).
fn annual_volatility(var: f64, g: f64, per_year: f64) -> f64 {
    let growth = 1.0 + g;
    growth.powf(per_year) * (per_year * (var / (growth * growth)).ln_1p()).exp_m1().sqrt()
}

/// Sharpe, Sortino and Calmar, each `None` (n/a) where it would say nothing.
struct Ratios {
    sharpe: Option<f64>,
    sortino: Option<f64>,
    calmar: Option<f64>,
}

impl Ratios {
    /// From `n` period returns with standard deviation `sd`, and the annual figures.
    fn of(
        n: usize,
        annual: f64,
        sd: f64,
        volatility: f64,
        downside: f64,
        per_year: f64,
        max_dd: f64,
    ) -> Self {
        let finite = |x: f64| Some(x).filter(|x| x.is_finite());
        if n < MIN_PERIOD_RETURNS || !annual.is_finite() {
            return Self { sharpe: None, sortino: None, calmar: None };
        }
        // When the equity compounds towards zero, `(1 + g)^A` (and so the annual volatility)
        // vanishes while the annual return stays near -100 %: the ratio grows without bound and
        // ranks nothing. Annualising otherwise never shrinks the volatility below half a
        // period's (one period a year gives exactly the period's).
        let sharpe = if sd > NO_RISK && volatility >= sd / 2.0 {
            finite(annual * 100.0 / (volatility * 100.0))
        } else {
            None
        };
        let sortino = if downside > NO_RISK { finite(annual / (downside * per_year.sqrt())) } else { None };
        let calmar = if max_dd > NO_RISK { finite(annual / max_dd) } else { None };
        Self { sharpe, sortino, calmar }
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

    /// The statistics of a daily equity curve (every day of the week, so 365 periods a year)
    /// with no trades.
    fn daily(equity: &[f64]) -> Stats {
        let mut t = super::super::EquityTracker::default();
        let day = crate::data::time::MS_PER_DAY;
        for (i, e) in equity.iter().enumerate() {
            t.push(i as i64 * day, *e, false);
        }
        let summary = t.finish();
        let money = |x: f64| Amount::new(mirai_core::Decimal::from(x as i64));
        let input = StatsInput {
            start: 0,
            end: (equity.len() as i64 - 1) * day,
            cash: money(equity[0]),
            final_equity: money(equity[equity.len() - 1]),
            peak_equity: money(summary.peak),
            commissions: Amount::ZERO,
            trades: &super::super::TradeFigures::default(),
            open_trades: 0,
            buy_hold: (100.0, 100.0),
        };
        Stats::compute(&input, &summary)
    }

    /// `n` days compounding by the factors in turn.
    fn curve(n: usize, factors: &[f64]) -> Vec<f64> {
        let mut e = vec![10_000.0];
        for i in 1..n {
            e.push(e[i - 1] * factors[i % factors.len()]);
        }
        e
    }

    #[test]
    fn a_flat_curve_has_no_sharpe_sortino_or_calmar() {
        let s = daily(&[10_000.0; 400]);
        assert_eq!((s.sharpe, s.sortino, s.calmar), (None, None, None));
        assert!(s.max_drawdown_pct.abs() < 1e-15);
        let json = serde_json::to_value(&s).unwrap_or_else(|e| panic!("{e}"));
        for key in ["sharpe", "sortino", "calmar"] {
            assert!(json[key].is_null(), "{key}: {}", json[key]);
        }
    }

    #[test]
    fn a_rising_curve_has_a_sharpe_but_no_sortino_or_calmar() {
        let s = daily(&curve(100, &[1.01, 1.002, 1.015]));
        let sharpe = s.sharpe.unwrap_or_else(|| panic!("rising with varying returns: {s:?}"));
        assert!(sharpe.is_finite() && sharpe > 0.0, "{sharpe}");
        assert_eq!((s.sortino, s.calmar), (None, None), "no losing day, no drawdown");
        // Steady compounding: the returns differ by float rounding only, so no volatility either.
        let s = daily(&curve(100, &[1.01]));
        assert_eq!((s.sharpe, s.sortino, s.calmar), (None, None, None));
    }

    #[test]
    fn too_few_returns_give_no_ratios() {
        let zigzag = [1.03, 0.98, 1.01, 0.97];
        for n in [1, 2, 3, MIN_PERIOD_RETURNS] {
            // n days, so n - 1 returns.
            let s = daily(&curve(n, &zigzag));
            assert_eq!((s.sharpe, s.sortino, s.calmar), (None, None, None), "{n} days");
        }
        let s = daily(&curve(MIN_PERIOD_RETURNS + 1, &zigzag));
        assert!(s.sharpe.is_some() && s.sortino.is_some() && s.calmar.is_some(), "{s:?}");
    }

    #[test]
    fn equity_compounding_towards_zero_has_no_sharpe_and_no_ratio_is_huge() {
        // Losing about 5 % a day: backtesting.py's annual volatility is (1 + g)^365 ≈ 1e-8 of
        // its usual size, and its Sharpe about -1e8.
        let s = daily(&curve(60, &[0.93, 0.97, 0.95]));
        assert_eq!(s.sharpe, None);
        let (sortino, calmar) = (s.sortino.unwrap_or(f64::NAN), s.calmar.unwrap_or(f64::NAN));
        assert!(sortino < 0.0 && sortino > -10.0, "{sortino}");
        assert!(calmar < 0.0 && calmar > -10.0, "{calmar}");
        // Losing a little (0.1 % a day) is an ordinary, defined Sharpe.
        let s = daily(&curve(60, &[0.995, 1.003, 0.999]));
        assert!(s.sharpe.is_some_and(|x| x < 0.0 && x > -100.0), "{:?}", s.sharpe);
    }

    #[test]
    fn the_stable_volatility_is_backtesting_pys() {
        for (var, g, a) in [(4e-4, 1e-3, 252.0), (1e-4, -2e-3, 365.0), (2e-3, 0.01, 12.0), (0.01, 0.05, 1.0)]
        {
            let naive = ((var + (1.0f64 + g).powi(2)).powf(a) - (1.0f64 + g).powf(2.0 * a)).sqrt();
            let stable = annual_volatility(var, g, a);
            assert!(((stable - naive) / naive).abs() < 1e-12, "{var} {g} {a}: {stable} vs {naive}");
        }
        assert!(annual_volatility(0.0, 0.0, 365.0).abs() < 1e-300);
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
