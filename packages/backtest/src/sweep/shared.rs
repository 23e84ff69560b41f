//! Sweeps that share their work. Every combination of an `sma-cross` grid reads its two averages
//! from one column of the series: the running sum of the closes as exact integers at the
//! series' finest scale, so the sum over any window is one subtraction (a 100-combination grid
//! has 20 distinct windows, a 10,000-combination one 100; they all come from the same 8 MB
//! column, computed once). Each combination then runs its own engine, but shows it only the
//! bars where something can happen: a cross the engine can act on, the bar after a signal that
//! waits for the next open, and the first and last bars. The bars in between are recorded by
//! the equity tracker in stretches ([`Backtest::pass_quiet`]). Buys that the engine would refuse
//! for their size (a drained account) are counted as that refusal without building the
//! decision ([`Backtest::refuses_buy_for_size`]). The combinations go through the series in
//! groups, a block of bars at a time, so each block is read from memory once per group. The
//! reports are the unshared path's, to the bit:
//! the sums and their comparison are exact integers, as the strategy's are, and the signals the
//! engine decides are built by the strategy's own code (`SmaCross::signal_from_sums`).
//!
//! Used where that holds by construction ([`Plan::new`] says when): `sma-cross`, rules only,
//! no stop-loss or take-profit (those watch every close), and a series whose closes are positive,
//! in time order, and fit the integer bound at one scale. Anything else runs as before, one full
//! backtest per combination.

use std::ops::Range;

use mirai_core::{Action, Candle, MarketEvent, Signal};
use mirai_engine::{SmaCross, StrategySpec};
use rayon::prelude::*;

use super::columns::Columns;
use super::cross::{self, Accept, Every, PricedBelow, Search};
use crate::config::{BacktestConfig, FillAt};
use crate::data::Bars;
use crate::error::Result;
use crate::metrics::{CloseExtremes, Stats};
use crate::run::Backtest;
#[cfg(test)]
use crate::run::BacktestReport;

/// The columns every combination reads, built once per sweep.
#[derive(Debug)]
pub(super) struct Plan {
    range: Range<usize>,
    /// `sums[k]`: the closes of bars `range.start .. range.start + k` added up as mantissas at
    /// `scale`, wrapping: the sum over a window is `sums[b] - sums[a]` (wrapping), exact because
    /// every window's true sum fits an `i64`.
    sums: Vec<i64>,
    /// `sums` as `f64`, where each is exact ([`cross::exact_in_f64`]): the search's fast path.
    sums_f: Option<Vec<f64>>,
    scale: u32,
    /// Each bar's close as the runner turns it into `f64` for the equity.
    closes: Vec<f64>,
    /// Their blocks' extremes, for the equity of every combination's holding stretches.
    extremes: CloseExtremes,
    /// Each bar's open as a mantissa at `scale` (with next-open fills; empty otherwise).
    opens: Vec<i64>,
    next_open: bool,
    /// `10^-scale`: a mantissa times this is roughly its price.
    unit_f64: f64,
}

/// The windows of one `sma-cross` combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Windows {
    pub fast: usize,
    pub slow: usize,
}

impl Windows {
    /// The windows of `config`, if its strategy is `sma-cross` and nothing in it watches every
    /// bar (stops).
    pub(super) fn of(config: &BacktestConfig) -> Option<Self> {
        if config.stop_loss_pct.is_some() || config.take_profit_pct.is_some() {
            return None;
        }
        let pairs: Vec<(&str, &str)> = config.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match StrategySpec::parse(&config.strategy, &pairs).ok()? {
            StrategySpec::SmaCross { fast, slow } => Some(Self { fast, slow }),
            _ => None,
        }
    }
}

impl Plan {
    /// The shared columns of `bars[range]` for windows up to `longest` bars, or `None` where the
    /// shared path would not be exact by construction: a close not above zero, bars out of time
    /// order, or a close whose mantissa at the series' finest scale reaches the bound under
    /// which no window's sum, nor a sum times a period, can overflow an `i64` (the bound the
    /// strategy's own averages keep to, so they stay in integers too).
    pub(super) fn new(bars: &Bars, range: Range<usize>, longest: usize, fill: FillAt) -> Option<Self> {
        if range.is_empty() || range.end > bars.len() || longest == 0 {
            return None;
        }
        let times = &bars.open_times()[range.clone()];
        if times.windows(2).any(|w| w[0] >= w[1]) {
            return None;
        }
        let next_open = fill == FillAt::NextOpen;
        let Columns { scale, closes: mut sums, closes_f64: closes, opens } =
            Columns::of(bars, range.clone(), next_open)?;
        let bound = (i64::MAX as u128 / (longest as u128 * longest as u128)) as u64;
        let unit = 10i128.checked_pow(scale)?;
        // The mantissas after their leading zero become the prefix sums where they are.
        let mut sum = 0u64;
        let mut largest = 0u64;
        for s in &mut sums[1..] {
            let m = *s;
            if m >= bound {
                return None;
            }
            largest = largest.max(m);
            sum = sum.wrapping_add(m);
            *s = sum;
        }
        // The same bits as `i64`s, in the same allocation.
        let sums: Vec<i64> = sums.into_iter().map(|s| s as i64).collect();
        let unit_f64 = 1.0 / unit as f64;
        // The prefix sums only grow (the closes are positive), so below 2^53 at the end they
        // never wrapped and the last is the largest.
        let total = if sum > i64::MAX as u64 { u64::MAX } else { sum };
        let sums_f = cross::exact_in_f64(total, largest, longest)
            .then(|| sums.par_iter().map(|&s| s as f64).collect());
        Some(Self {
            range,
            sums,
            sums_f,
            scale,
            extremes: CloseExtremes::new(&closes),
            closes,
            opens,
            next_open,
            unit_f64,
        })
    }

    /// Backtests each of `jobs` (a configuration and its windows), as [`crate::run_bars`] would,
    /// over the series block by block: each block's columns and bars are read from memory once
    /// for all of them. A job is `None` if one of its signals could not be built from the
    /// shared sums (which the checks in [`Plan::new`] rule out), for the caller to run it
    /// unshared.
    #[cfg(test)]
    pub(super) fn run_group(
        &self,
        bars: &Bars,
        jobs: &[(&BacktestConfig, Windows)],
    ) -> Vec<Option<Result<BacktestReport>>> {
        self.run_group_with(bars, jobs, false, Backtest::finish)
    }

    /// As [`Plan::run_group`], giving only each job's statistics: the trades are not kept.
    pub(super) fn run_group_stats(
        &self,
        bars: &Bars,
        jobs: &[(&BacktestConfig, Windows)],
    ) -> Vec<Option<Result<Stats>>> {
        self.run_group_with(bars, jobs, true, Backtest::finish_stats)
    }

    fn run_group_with<T>(
        &self,
        bars: &Bars,
        jobs: &[(&BacktestConfig, Windows)],
        statistics_only: bool,
        finish: fn(Backtest) -> Result<T>,
    ) -> Vec<Option<Result<T>>> {
        let mut runs: Vec<std::result::Result<Run, Option<crate::BacktestError>>> = jobs
            .iter()
            .map(|(config, w)| match Backtest::new(config) {
                Ok(mut bt) => {
                    if statistics_only {
                        bt.statistics_only();
                    }
                    Ok(Run::new(bt, *w, bars.candle(self.range.start, config.symbol)))
                }
                Err(e) => Err(Some(e)),
            })
            .collect();
        let n = self.range.len();
        let mut end = 0;
        while end < n {
            end = (end + BLOCK).min(n);
            for run in runs.iter_mut() {
                if let Ok(r) = run
                    && !r.advance(self, bars, end)
                {
                    *run = Err(None);
                }
            }
        }
        runs.into_iter()
            .map(|run| match run {
                Ok(r) => Some(r.finish(finish)),
                Err(Some(e)) => Some(Err(e)),
                Err(None) => None,
            })
            .collect()
    }

    /// The price a signal on bar `k` of the range is decided at (the next bar's open, or this
    /// bar's close), as a mantissa at `scale`.
    #[inline(always)]
    fn price_at(&self, k: usize) -> i64 {
        if self.next_open { self.opens[k + 1] } else { self.sums[k + 1].wrapping_sub(self.sums[k]) }
    }

    /// The strategy's signal for a cross in `action`'s direction on bar `k` of the range, `c`.
    fn signal(&self, w: Windows, k: usize, c: Candle, action: Action) -> Option<Signal> {
        let slow_sum = i128::from(self.sums[k + 1].wrapping_sub(self.sums[k + 1 - w.slow]));
        SmaCross::signal_from_sums(&c, action, w.slow, (slow_sum, self.scale))
    }
}

/// Bars a block: the columns of this many bars (32 bytes a bar) and their rows (88) stay in the
/// cache while every combination of a group goes through them (2,048 to 32,768 measured alike;
/// the whole series at once, 30 % more time).
const BLOCK: usize = 2_048;

/// One combination on its way through the series.
#[derive(Debug)]
struct Run {
    bt: Backtest,
    w: Windows,
    /// The sign of fast mean − slow mean on the last bar stepped over: -1, 0 or 1; 0 until both
    /// windows are full, as the strategy keeps it.
    prev: i8,
    /// The next bar (of the range) to take.
    i: usize,
    /// One event for the bars the engine is shown, rewritten in place.
    event: MarketEvent,
    /// Buys refused for their size, counted here and added to the report at the end.
    refused: u64,
    /// The lowest price (a mantissa at the plan's scale) at which a buy was refused for its size
    /// since the engine last saw a bar. Until it sees one nothing changes, and a higher price
    /// never buys more (sizing divides the same cash by it), so a buy at or above that price is
    /// refused too.
    refused_at: Option<i64>,
}

impl Run {
    fn new(bt: Backtest, w: Windows, first: Candle) -> Self {
        Self { bt, w, prev: 0, i: 0, event: MarketEvent::Candle(first), refused: 0, refused_at: None }
    }

    fn finish<T>(mut self, finish: fn(Backtest) -> Result<T>) -> Result<T> {
        self.bt.count_refused_buys(self.refused);
        finish(self.bt)
    }

    /// Takes the bars up to `end` (of the range); false if a signal could not be built.
    fn advance(&mut self, plan: &Plan, bars: &Bars, end: usize) -> bool {
        let n = plan.range.len();
        let start = plan.range.start;
        let times = &bars.open_times()[plan.range.clone()];
        let last = n - 1;
        let stop = end.min(last);
        while self.i < end {
            let i = self.i;
            if i == 0 || i == last || self.bt.awaits_next_price() {
                let action = self.step(plan, i);
                if !self.show(plan, bars, start + i, i, action) {
                    return false;
                }
                self.i += 1;
                continue;
            }
            let Some(wanted) = self.bt.wanted() else {
                // No signal can be acted on (an order or an answer awaited: not in a rules-only
                // backtest, where orders close on arrival): show the engine every bar.
                self.step(plan, i);
                if !self.show(plan, bars, start + i, i, None) {
                    return false;
                }
                self.i += 1;
                continue;
            };
            // The quiet stretch from `i`: up to the first cross the engine can act on other than
            // a buy it would refuse for its size, or the end of the block.
            let mut from = i;
            let j = loop {
                let j = match self.refused_at.filter(|_| wanted == Action::Buy) {
                    // Every buy at `low` or above is refused as the one there was: the search
                    // passes over them and counts them.
                    Some(low) => {
                        let below = &mut PricedBelow { prices: |k| plan.price_at(k), low };
                        let (j, passed) = self.find(plan, (from, stop), wanted, below);
                        self.refused += passed;
                        j
                    }
                    None => self.find(plan, (from, stop), wanted, &mut Every).0,
                };
                if j == stop || wanted != Action::Buy {
                    break j;
                }
                // A buy priced below any refused since the engine last saw a bar (the search
                // passed over the others).
                let at = plan.price_at(j);
                // Cash for two units and more: no sizing refuses that (the costs are below 21 %),
                // so the engine decides without being asked first. An estimate: the engine
                // deciding is right whatever the answer, only slower.
                let refuses = self.bt.cash_f64() <= 2.5 * plan.unit_f64 * at as f64 && {
                    let price = if plan.next_open { bars.open(start + j + 1) } else { bars.close(start + j) };
                    let refuses = self.bt.refuses_buy_for_size(price);
                    if refuses {
                        self.refused_at = Some(at);
                    }
                    refuses
                };
                if !refuses {
                    break j;
                }
                self.step(plan, j);
                self.refused += 1;
                from = j + 1;
            };
            self.bt.pass_quiet(bars, (start, times, &plan.closes, Some(&plan.extremes)), i..j);
            self.i = j;
            if j == stop {
                // The end of the block, or the last bar (shown to the engine next).
                continue;
            }
            // A cross the engine acts on, at bar `j`.
            self.step(plan, j);
            if !self.show(plan, bars, start + j, j, Some(wanted)) {
                return false;
            }
            self.i = j + 1;
        }
        true
    }

    /// Shows the engine bar `k` of the range (`index` in the series) with the strategy's signal
    /// for a cross in `action`'s direction there, if any.
    fn show(&mut self, plan: &Plan, bars: &Bars, index: usize, k: usize, action: Option<Action>) -> bool {
        let c = match &mut self.event {
            MarketEvent::Candle(c) => {
                *c = bars.candle(index, c.symbol);
                *c
            }
            _ => return false,
        };
        let signal = match action {
            Some(action) => match plan.signal(self.w, k, c, action) {
                Some(s) => Some(s),
                None => return false,
            },
            None => None,
        };
        self.bt.on_bar_given(&self.event, signal);
        self.refused_at = None;
        true
    }

    /// The sign on bar `k` (both windows full there).
    #[inline(always)]
    fn sign(&self, plan: &Plan, k: usize) -> i8 {
        let sums = &plan.sums;
        let top = sums[k + 1];
        let fast_sum = top.wrapping_sub(sums[k + 1 - self.w.fast]);
        let slow_sum = top.wrapping_sub(sums[k + 1 - self.w.slow]);
        // Each sum is below `slow × bound`, so times a period it fits (see `Plan::new`).
        (fast_sum * self.w.slow as i64).cmp(&(slow_sum * self.w.fast as i64)) as i8
    }

    /// Moves on to bar `k`: the direction of a cross there, if it is one.
    fn step(&mut self, plan: &Plan, k: usize) -> Option<Action> {
        if k + 1 < self.w.slow {
            return None;
        }
        let now = self.sign(plan, k);
        match (std::mem::replace(&mut self.prev, now), now) {
            (-1, 1) => Some(Action::Buy),
            (1, -1) => Some(Action::Sell),
            _ => None,
        }
    }

    /// The first bar from `from` before `stop` with a cross in `wanted`'s direction that
    /// `accept` takes, or `stop`, and how many crosses it passed over; the bars before it are
    /// stepped over (the one found is not).
    #[inline]
    fn find(
        &mut self,
        plan: &Plan,
        (from, stop): (usize, usize),
        wanted: Action,
        accept: &mut impl Accept,
    ) -> (usize, u64) {
        let up = match wanted {
            Action::Buy => true,
            Action::Sell => false,
            Action::Hold => return (stop, 0),
        };
        let first = from.max(self.w.slow - 1);
        if first >= stop {
            return (stop, 0);
        }
        // Armed: the bar before `first` had fast mean − slow mean on the far side of zero.
        let armed = self.prev == if up { -1 } else { 1 };
        let search = Search { fast: self.w.fast, slow: self.w.slow, up, armed };
        let (found, passed) = search.find_where(&plan.sums, plan.sums_f.as_deref(), (first, stop), accept);
        // The sign on the bar before `found`, as stepping would have left it.
        if found > first {
            self.prev = self.sign(plan, found - 1);
        }
        (found, passed)
    }
}

#[cfg(test)]
mod tests;
