//! What a shared sweep (`crate::sweep`) asks of a backtest: bars shown with the strategy's
//! signal given, the quiet stretches between them recorded without the engine, buys refused for
//! their size counted without being built, and only the statistics at the end. The same
//! `Backtest`, the same engine, exchange and books: only the strategy's arithmetic is shared.

use std::ops::Range;

use mirai_core::{Action, MarketEvent, Price, RefusalReason};

use super::Backtest;
use crate::data::Bars;
use crate::error::Result;
use crate::metrics::{CloseExtremes, Stats};
use crate::run::advice::EntryAdvice;

impl<A: EntryAdvice> Backtest<A> {
    /// As `on_bar`, with the strategy's signal on the bar given instead of worked out by the
    /// engine's strategy ([`Engine::on_candle_given`]): a sweep that shares the indicators
    /// across its combinations feeds the engine this way, and only on the bars where something
    /// can happen ([`Backtest::pass_quiet`] takes the others).
    pub(crate) fn on_bar_given(&mut self, event: &MarketEvent, signal: Option<mirai_core::Signal>) {
        self.on_bar_with(event, move |engine, slot, c| engine.on_candle_given(slot, c, signal));
    }

    /// Bars the engine would only mark: no signal it could act on, no signal or order waiting, no
    /// stop (the caller knows). The equity is recorded for each exactly as `on_bar` records it
    /// (`times` and `closes` hold each bar's open time and its close as `price_to_f64` gives
    /// it, from bar `first` of `bars` on; `range` counts from there); the engine and the
    /// exchange are not shown them, so their marks are the last bar they were shown until the
    /// next one. `extremes`, where given, are the block extremes of `closes`.
    pub(crate) fn pass_quiet(
        &mut self,
        bars: &Bars,
        (first, times, closes, extremes): (usize, &[i64], &[f64], Option<&CloseExtremes>),
        range: Range<usize>,
    ) {
        if range.is_empty() {
            return;
        }
        let (times, closes) = (&times[range.clone()], &closes[range.clone()]);
        let parts = (self.cash_f, self.qty_f);
        let extremes = extremes.map(|x| x.at(range.start));
        if let Some(k) = self.tracker.push_run(times, closes, parts, self.holding, self.holding, extremes) {
            let close = closes[k];
            let equity = if self.holding { self.cash_f + self.qty_f * close } else { self.cash_f };
            self.peak = (equity, self.cash, self.qty, bars.close(first + range.start + k));
        }
        let n = times.len() as u64;
        if (self.bar..self.bar + n).contains(&self.warm_up) {
            self.buy_hold_from = closes[(self.warm_up - self.bar) as usize];
        }
        self.bar += n;
    }

    /// Whether the engine waits for the next price to decide a signal (next-open fills).
    pub(crate) fn awaits_next_price(&self) -> bool {
        self.engine.awaits_next_price()
    }

    /// The only strategy signal the engine can act on now ([`Engine::wanted_at`]).
    pub(crate) fn wanted(&self) -> Option<Action> {
        self.engine.wanted_at(self.slot)
    }

    /// Whether a buy signal now would be decided at `price` into an order the gates refuse for its
    /// size (a drained account meets one on almost every buy signal), with nothing else
    /// changing: rules only, a buy wanted, nothing held (so the gates' day, which the refusal
    /// would open at this equity, opens at the same one on the next check), the engine neither
    /// halted nor paused, and [`Engine::buy_qty_at`] zero. Such a decision can be counted
    /// ([`Backtest::count_refused_buys`]) instead of built.
    pub(crate) fn refuses_buy_for_size(&self, price: Price) -> bool {
        let state = self.engine.risk_state();
        !A::CONSULTS
            && !state.halted
            && !state.paused
            && self.qty.is_zero()
            && self.engine.wanted_at(self.slot) == Some(Action::Buy)
            && self.engine.buy_qty_at(self.slot, price).is_zero()
    }

    /// The cash, as the equity statistic has it (for a caller's estimates only).
    pub(crate) fn cash_f64(&self) -> f64 {
        self.cash_f
    }

    /// Counts `n` buy decisions refused for their size ([`Backtest::refuses_buy_for_size`]).
    pub(crate) fn count_refused_buys(&mut self, n: u64) {
        if n > 0 {
            self.counts.decisions += n;
            *self.counts.refused.entry(RefusalReason::ZeroQuantity.gate().to_owned()).or_insert(0) += n;
        }
    }

    /// Only the statistics of [`Backtest::finish`]'s report, for a sweep (which needs no more).
    pub(crate) fn finish_stats(mut self) -> Result<Stats> {
        self.conclude().map(|(stats, _, _)| stats)
    }

    /// From now on closed trades are not kept, only what the statistics read of them: for a
    /// caller that takes only [`Backtest::finish_stats`]. Call before the first bar.
    pub(crate) fn statistics_only(&mut self) {
        self.book.figures_only();
    }
}
