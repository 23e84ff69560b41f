//! `Backtest`: feeds bars, one at a time, to the same `Engine` (strategy → advisor → sizing →
//! risk gates) and `PaperExchange` the worker trades with, exactly as the worker's trading task
//! does: set the clock, let the exchange see the bar, let the engine decide, submit what the gates
//! approve, book the fills back. The only backtest-specific steps are around that loop:
//!
//! - with next-open fills the engine is set to [`OrderTiming::NextOpen`], and before a bar is
//!   shown to it, an opening tick (an unclosed candle at the bar's open) lets a waiting signal
//!   become an order priced and sized at that open;
//! - the equity is recorded after each bar, and fills are grouped into round trips;
//! - with [`Backtest::with_advice`], each entry the engine parks for advice is asked about at
//!   once, on the same price and clock, and its answer decided like any other (see `advice`).
//!
//! Per bar with no signal the loop costs a few tens of nanoseconds (see docs/benchmarks.md).

use std::convert::Infallible;
use std::sync::Arc;

use mirai_core::{
    AdviceRequest, Amount, Candle, ExternalAdvice, ManualClock, MarketEvent, Price, Qty, Timestamp,
};
use mirai_engine::{
    AnyStrategy, BookingError, Engine, EngineConfig, OrderTiming, Outcome, RuleBasedAdvisor, Sizing,
    SlotIndex, Strategy,
};
use mirai_paper::{MarketIndex, PaperConfig, PaperExchange};

use self::ledger::BookLedger;
use super::advice::{Asking, EntryAdvice, RulesOnly};
use super::trades::{OpenTrade, TradeBook};
use super::{BacktestReport, Counts, ModelRun};
use crate::config::{BacktestConfig, FillAt, UnitSizing};
use crate::data::Bars;
use crate::error::{BacktestError, Result};
use crate::float::{decimal_to_f64, price_to_f64};
use crate::metrics::{CurvePoint, EquityTracker, Stats, StatsInput};

/// A backtest in progress: call [`Backtest::step`] for each bar in time order, then
/// [`Backtest::finish`]. `A` says who decides entries: the rule-based advisor (the default), or
/// an external advisor asked through [`Backtest::with_advice`].
#[derive(Debug)]
pub struct Backtest<A = RulesOnly> {
    config: BacktestConfig,
    engine: Engine<RuleBasedAdvisor, Arc<ManualClock>>,
    exchange: PaperExchange,
    /// The test's symbol, resolved once in the engine and the exchange: its bars skip the
    /// searches by symbol (three per bar otherwise).
    slot: SlotIndex,
    market: MarketIndex,
    clock: Arc<ManualClock>,
    book: TradeBook,
    tracker: EquityTracker,
    counts: Counts,
    next_open: bool,
    warm_up: u64,
    bar: u64,
    bar_time: Timestamp,
    /// Exact cash and holding, refreshed after each fill, and their `f64` shadows for the
    /// per-bar equity statistic.
    cash: Amount,
    qty: Qty,
    /// `qty` is not zero (read every bar; a flag costs less than a decimal test).
    holding: bool,
    cash_f: f64,
    qty_f: f64,
    /// Equity at its highest so far, kept as its exact parts.
    peak: (f64, Amount, Qty, Price),
    buy_hold_from: f64,
    /// The exchange's fills for the bar, one buffer reused for every bar.
    fills: Vec<mirai_core::Fill>,
    advice: A,
}

impl Backtest {
    pub fn new(config: &BacktestConfig) -> Result<Self> {
        let strategy = config.validate()?;
        Self::with_strategy(config, strategy)
    }

    /// As [`Backtest::new`] with a strategy already built (and possibly warmed up).
    pub fn with_strategy(config: &BacktestConfig, mut strategy: AnyStrategy) -> Result<Self> {
        // Nobody reads a backtest's signal reasons (see `BacktestConfig::advisor`).
        strategy.set_reasons(false);
        let warm_up = strategy.warm_up_bars() as u64;
        let clock = Arc::new(ManualClock::default());
        let engine_config = EngineConfig {
            starting_cash: Amount::new(config.cash),
            fee_rate: config.sizing_cost_rate(),
            sizing: match config.position_size {
                Some(f) => Sizing::FractionOfEquity(f),
                None => Sizing::AllCash { whole_units: config.sizing == UnitSizing::Whole },
            },
            limits: config.limits.clone(),
        };
        let timing = match config.fill {
            FillAt::NextOpen => OrderTiming::NextOpen,
            FillAt::Close => OrderTiming::OnClose,
        };
        let mut engine =
            Engine::new(engine_config, config.advisor(), clock.clone()).with_order_timing(timing);
        let rules = config.rules();
        engine.add_symbol(config.symbol, strategy, Some(rules.clone()));
        let mut exchange = PaperExchange::new(PaperConfig {
            fee_rate: config.fee_rate,
            slippage_bps: config.slippage_bps,
            rules: vec![rules.clone()],
            balances: vec![(rules.quote, config.cash)],
        })
        .map_err(|e| BacktestError::Config(e.problems))?
        .without_closed_order_history();
        let market = exchange.market_index(config.symbol);
        let slot = engine
            .slot_index(config.symbol)
            .ok_or_else(|| BacktestError::Config(vec![format!("no strategy for {}", config.symbol)]))?;
        let cash = Amount::new(config.cash);
        let mut book = TradeBook::default();
        if config.keep_fills {
            book.keep_fills();
        }
        Ok(Self {
            config: config.clone(),
            engine,
            exchange,
            slot,
            market,
            clock,
            book,
            tracker: EquityTracker::default(),
            counts: Counts::default(),
            next_open: config.fill == FillAt::NextOpen,
            warm_up,
            bar: 0,
            bar_time: Timestamp::default(),
            cash,
            qty: Qty::ZERO,
            holding: false,
            cash_f: decimal_to_f64(config.cash),
            qty_f: 0.0,
            peak: (f64::NEG_INFINITY, cash, Qty::ZERO, Price::ZERO),
            buy_hold_from: f64::NAN,
            fills: Vec::new(),
            advice: RulesOnly,
        })
    }

    /// Entries are decided with `ask`'s answers instead of the rule-based advisor's: each entry
    /// signal becomes an [`AdviceRequest`], asked about on the bar (or opening tick) it is decided
    /// on, and the answer goes through sizing and the risk gates like any decision (it may decline
    /// or shrink an entry, never more). Exits never wait. An `Err` stops the test:
    /// [`Backtest::finish`] then returns [`BacktestError::Advice`]. Call before the first bar.
    pub fn with_advice<F>(self, ask: F) -> Backtest<Asking<F>>
    where
        F: FnMut(&AdviceRequest) -> Result<ExternalAdvice, String>,
    {
        let Self {
            config,
            engine,
            exchange,
            slot,
            market,
            clock,
            book,
            tracker,
            counts,
            next_open,
            warm_up,
            bar,
            bar_time,
            cash,
            qty,
            holding,
            cash_f,
            qty_f,
            peak,
            buy_hold_from,
            fills,
            advice: RulesOnly,
        } = self;
        Backtest {
            config,
            engine: engine.with_model_advice(true),
            exchange,
            slot,
            market,
            clock,
            book,
            tracker,
            counts,
            next_open,
            warm_up,
            bar,
            bar_time,
            cash,
            qty,
            holding,
            cash_f,
            qty_f,
            peak,
            buy_hold_from,
            fills,
            advice: Asking::new(ask),
        }
    }
}

impl<F> Backtest<Asking<F>> {
    /// Names the model whose answers decide the entries: the report then says how much of the
    /// run falls on or before its training cutoff. Call before the first bar.
    pub fn with_model(mut self, model: ModelRun) -> Self {
        self.advice.set_model(model);
        self
    }
}

impl<A: EntryAdvice> Backtest<A> {
    /// Shows the strategy bars that come before the test without trading on them (walk-forward
    /// windows warm their indicators this way).
    pub fn warm_up(&mut self, candle: &Candle) {
        self.engine.warm_up(candle);
    }

    /// One bar: its opening tick if a signal waits for it, then the closed bar. A candle of
    /// another symbol than the test's is ignored.
    pub fn step(&mut self, candle: &Candle) {
        if candle.symbol == self.config.symbol {
            self.on_bar(&MarketEvent::Candle(*candle));
        }
    }

    /// A closed candle of the test's symbol, already wrapped as an event: the loaders rewrite one
    /// event in place instead of copying a candle per bar. The engine and the exchange are fed
    /// by the indices resolved at the start.
    #[inline(always)]
    pub(super) fn on_bar(&mut self, event: &MarketEvent) {
        self.on_bar_with(event, |engine, slot, c| engine.on_candle_at(slot, c));
    }

    /// One bar, the engine's strategy step given by `strategy`.
    #[inline(always)]
    fn on_bar_with(
        &mut self,
        event: &MarketEvent,
        strategy: impl FnOnce(
            &mut Engine<RuleBasedAdvisor, Arc<ManualClock>>,
            SlotIndex,
            &Candle,
        ) -> Option<Outcome>,
    ) {
        let MarketEvent::Candle(candle) = event else { return };
        // Compiled away when nothing is asked (`CONSULTS` is a constant).
        if A::CONSULTS && self.stopped() {
            return;
        }
        self.bar_time = candle.open_time;
        if A::CONSULTS {
            self.advice.see_bar(candle.open_time);
        }
        let held_before = self.holding;
        if self.next_open && self.engine.awaits_next_price() {
            self.opening_tick(candle);
        }
        self.clock.set(candle.close_time);
        self.exchange.on_market_at(self.market, event, &mut self.fills);
        if !self.fills.is_empty() {
            self.book_bar_fills();
        }
        if let Some(outcome) = strategy(&mut self.engine, self.slot, candle) {
            self.handle(outcome, candle.close_time);
        }
        if A::CONSULTS {
            // An entry on the close (fill on close), or one deferred past its opening tick.
            self.consult(candle.close_time);
        }
        let close = candle.close;
        let holding = self.holding;
        let equity = if holding { self.cash_f + self.qty_f * price_to_f64(close) } else { self.cash_f };
        if equity > self.peak.0 {
            self.peak = (equity, self.cash, self.qty, close);
        }
        self.tracker.push(candle.open_time.millis(), equity, held_before || holding);
        if self.bar == self.warm_up {
            self.buy_hold_from = price_to_f64(close);
        }
        self.bar += 1;
    }

    /// The bar's first price, before anything else of the bar is known.
    #[cold]
    fn opening_tick(&mut self, c: &Candle) {
        let tick = Candle {
            high: c.open,
            low: c.open,
            close: c.open,
            close_time: c.open_time,
            volume: Qty::ZERO,
            closed: false,
            ..*c
        };
        let event = MarketEvent::Candle(tick);
        self.clock.set(c.open_time);
        self.exchange.on_market_at(self.market, &event, &mut self.fills);
        if !self.fills.is_empty() {
            self.book_bar_fills();
        }
        if let Some(outcome) = self.engine.on_candle_at(self.slot, &tick) {
            self.handle(outcome, c.open_time);
        }
        if A::CONSULTS {
            // Next-open: the entry signalled on the last close is asked about at this open, the
            // price it will be sized at, before anything else of the bar is known.
            self.consult(c.open_time);
        }
    }

    /// Asks about the entry the engine parked, if any, and decides it with the answer at `now`
    /// (the clock's time: the gates judge the order then). A failed ask stops the test. Called
    /// on every bar of an advised test (it is not cold there), never in a rules-only one.
    fn consult(&mut self, now: Timestamp) {
        let Some(request) = self.engine.take_advice_request() else { return };
        match self.advice.ask(&request) {
            Ok(answer) => {
                match &answer {
                    ExternalAdvice::Model(_) => self.counts.model_advised += 1,
                    ExternalAdvice::Fallback { .. } => self.counts.model_fallbacks += 1,
                }
                if let Some(outcome) = self.engine.on_advice(request.signal.symbol, answer) {
                    self.handle(outcome, now);
                }
            }
            Err(reason) => self.advice.fail(format!(
                "no advice for the {} entry signalled at {} and decided at {} (bar {}): {reason}",
                request.signal.symbol, request.signal.ts, now, self.bar
            )),
        }
    }

    /// An ask failed: no further bar is taken, and [`Backtest::finish`] reports why.
    pub fn stopped(&self) -> bool {
        self.advice.failure().is_some()
    }

    #[cold]
    fn handle(&mut self, outcome: Outcome, now: Timestamp) {
        self.counts.decisions += 1;
        match outcome.order {
            Some(Ok(approved)) => {
                self.counts.orders += 1;
                let order = approved.inner();
                // The fill on arrival comes apart from the report (no vector built for it) and
                // is booked first, as `on_report` would book it.
                match self.exchange.submit_apart(order, now) {
                    Ok((report, fill)) => {
                        if let Some(fill) = &fill {
                            let mut ledger =
                                BookLedger::at(&mut self.book, &mut self.counts, self.bar, self.bar_time);
                            let booked = self.engine.on_reported_fill(fill, &mut ledger);
                            self.settle(booked);
                        }
                        let mut ledger =
                            BookLedger::at(&mut self.book, &mut self.counts, self.bar, self.bar_time);
                        let booked = self.engine.on_report(&report, &mut ledger);
                        self.settle(booked);
                        // Open at the next price (next-open) or closed on arrival: either way the
                        // symbol may decide again, as the exchange keeps the order.
                        self.engine.on_order_closed(&order.client_order_id);
                    }
                    Err(e) => {
                        count(&mut self.counts.rejected, &e.msg);
                        self.engine.on_order_closed(&order.client_order_id);
                    }
                }
                self.refresh_holdings();
            }
            Some(Err(refused)) => count(&mut self.counts.refused, refused.reason.gate()),
            None => {}
        }
    }

    /// Books the fills the exchange gave for the bar (orders filled at this price) and empties
    /// the buffer for the next.
    #[cold]
    fn book_bar_fills(&mut self) {
        let fills = std::mem::take(&mut self.fills);
        for f in &fills {
            let mut ledger = BookLedger::at(&mut self.book, &mut self.counts, self.bar, self.bar_time);
            let booked = self.engine.on_reported_fill(f, &mut ledger);
            self.settle(booked);
        }
        self.fills = fills;
        self.fills.clear();
        self.refresh_holdings();
    }

    /// The lifecycle's one policy for a fill the portfolio refused: the engine has halted; the
    /// report counts it.
    fn settle(&mut self, booked: Result<(), BookingError<Infallible>>) {
        if let Err(BookingError::FillRefused { .. }) = booked {
            self.counts.fills_refused += 1;
        }
    }

    fn refresh_holdings(&mut self) {
        let p = self.engine.portfolio();
        self.cash = p.cash();
        self.qty = p.position(self.config.symbol).map_or(Qty::ZERO, |p| p.qty);
        self.holding = !self.qty.is_zero();
        self.cash_f = decimal_to_f64(self.cash.get());
        self.qty_f = decimal_to_f64(self.qty.get());
    }

    /// Bars seen so far.
    pub fn bars(&self) -> u64 {
        self.bar
    }

    /// Ends the test: open positions stay open and are valued at the last close.
    pub fn finish(mut self) -> Result<BacktestReport> {
        let (stats, open_trade_list, curve) = self.conclude()?;
        Ok(BacktestReport {
            model: self.advice.model_note(stats.start, stats.end),
            config: self.config,
            stats,
            counts: self.counts,
            trade_list: self.book.take_closed(),
            open_trade_list,
            curve,
            fills: self.book.take_fills(),
        })
    }

    /// The statistics, the open trade and the chart's curve.
    fn conclude(&mut self) -> Result<(Stats, Vec<OpenTrade>, Vec<CurvePoint>)> {
        if let Some(why) = self.advice.failure() {
            return Err(BacktestError::Advice(why.to_owned()));
        }
        if self.bar == 0 {
            return Err(BacktestError::NoBars);
        }
        let final_equity = self.engine.portfolio().equity();
        let (_, cash, qty, close) = self.peak;
        let peak_equity = (cash + close * qty).max(final_equity);
        // The engine marks the symbol at each bar's close: its last mark is the last close.
        let last_close = self.engine.portfolio().mark_of(self.config.symbol).unwrap_or(Price::ZERO);
        let open_trade_list: Vec<_> = self.book.open_trade(last_close).into_iter().collect();
        let summary = std::mem::take(&mut self.tracker).finish();
        let end = summary.recent.last().copied().unwrap_or(summary.first_time);
        let stats = Stats::compute(
            &StatsInput {
                start: summary.first_time,
                end,
                cash: Amount::new(self.config.cash),
                final_equity,
                peak_equity,
                commissions: self.book.commissions(),
                trades: &self.book.figures(),
                open_trades: open_trade_list.len() as u64,
                buy_hold: (self.buy_hold_from, price_to_f64(last_close)),
            },
            &summary,
        );
        Ok((stats, open_trade_list, summary.curve))
    }
}

/// One more of `key`, allocating its name only the first time (a drained account has its
/// buys refused by the same gate tens of thousands of times).
fn count(counts: &mut std::collections::BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// Runs a whole backtest over candles already in memory.
pub fn run(config: &BacktestConfig, candles: impl IntoIterator<Item = Candle>) -> Result<BacktestReport> {
    let mut bt = Backtest::new(config)?;
    for c in candles {
        bt.step(&c);
    }
    bt.finish()
}

/// Runs over a loaded series (or a range of it).
pub fn run_bars(
    config: &BacktestConfig,
    bars: &Bars,
    range: std::ops::Range<usize>,
) -> Result<BacktestReport> {
    let mut bt = Backtest::new(config)?;
    if let Some(first) = range.clone().next() {
        // One event for the whole series, rewritten in place: its symbol and `closed` flag never
        // change, and no candle is built and copied per bar.
        let mut event = MarketEvent::Candle(bars.candle(first, config.symbol));
        bars.replay(range, &mut event, |e| bt.on_bar(e));
    }
    bt.finish()
}

mod ledger;
mod shared;
#[cfg(test)]
mod tests;
