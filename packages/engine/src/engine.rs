//! `Engine`: market event in, at most one decision (and its risk verdict) out. Deterministic: the
//! same events, fills and clock readings always give the same decisions and orders.

use mirai_core::perf::DecisionIdPrefix;
use mirai_core::{
    Action, AdviceRequest, Advisor, Amount, Candle, ClientOrderId, Clock, Confidence, Decimal, Decision,
    DecisionId, Fill, MarketEvent, OrderKind, OrderRequest, Position, PositionError, Price, Qty,
    RiskApproved, RiskLimits, RiskRefused, Side, Signal, Symbol, SymbolRules, Timestamp,
};
use mirai_core::{AdviceSource, ExternalAdvice, TripMark};
use mirai_core::{Exposure, RiskGate, RiskState};

use crate::{AnyStrategy, Portfolio, Sizing, Strategy};

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub starting_cash: Amount,
    /// The fee rate assumed when sizing buys, so that a buy plus its fee fits the cash.
    pub fee_rate: Decimal,
    pub sizing: Sizing,
    pub limits: RiskLimits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            starting_cash: Amount::new(Decimal::from(10_000)),
            fee_rate: Decimal::new(1, 3),
            sizing: Sizing::default(),
            limits: RiskLimits::default(),
        }
    }
}

/// When a signal taken on a bar's close becomes an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderTiming {
    /// At once, priced and sized at the signal bar's close (the live default).
    #[default]
    OnClose,
    /// At the next price seen for the symbol: the next bar's opening tick (an unclosed candle),
    /// or failing that the next closed bar's open. Sizing uses that price, which is what
    /// backtesting.py and vectorbt do by default.
    NextOpen,
}

/// What the engine concluded from one event: the decision, and — when it leads to an order — the
/// risk gates' verdict on that order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub order: Option<Result<RiskApproved<OrderRequest>, RiskRefused<OrderRequest>>>,
}

/// Which of an engine's symbols an event is for ([`Engine::slot_index`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotIndex(usize);

#[derive(Clone, Debug)]
struct Slot {
    symbol: Symbol,
    strategy: AnyStrategy,
    rules: Option<SymbolRules>,
    /// An approved order not yet closed; no new decision is taken for the symbol meanwhile.
    pending: Option<ClientOrderId>,
    stop_loss: Option<Price>,
    take_profit: Option<Price>,
    /// Realised P&L of the position when the current round trip opened.
    trip_start_realised: Amount,
    /// With [`OrderTiming::NextOpen`]: a signal waiting for the next price.
    deferred: Option<Signal>,
    /// The position holds at least one sellable lot. A remainder below the lot step (Binance
    /// takes a buyer's commission out of the coin bought, so a full sell leaves such dust) can be
    /// neither sold nor added to by "buy when flat", so it counts as flat: without this the symbol
    /// would never trade again after its first round trip on a real exchange.
    holding: bool,
    /// Where the symbol's position sits in the portfolio, once it has one (entries are never
    /// removed, so the position is stable): marking by it skips a search per bar.
    entry: Option<usize>,
    /// The start of the ids of the last strategy that decided here, written and hashed once.
    id_prefix: Option<DecisionIdPrefix>,
    /// An entry signal waiting for an external advisor's answer ([`Engine::on_advice`]); no new
    /// decision is taken for the symbol meanwhile.
    awaiting: Option<Signal>,
}

impl Slot {
    /// The only strategy signal [`Engine::act_on_close`] can act on now: none while an order is
    /// open, a buy when flat, a sell when holding. Strategies skip building the others.
    #[inline(always)]
    fn wanted(&self) -> Option<Action> {
        if self.pending.is_some() || self.awaiting.is_some() {
            return None;
        }
        Some(if self.holding { Action::Sell } else { Action::Buy })
    }

    /// Whether `qty` holds at least one lot a market sell can carry.
    fn sellable(&self, qty: Qty) -> bool {
        match &self.rules {
            Some(r) => !r.round_qty_down(qty, true).is_zero(),
            None => !qty.is_zero(),
        }
    }
}

#[derive(Debug)]
pub struct Engine<A, C> {
    config: EngineConfig,
    slots: Vec<Slot>,
    portfolio: Portfolio,
    risk: RiskGate,
    advisor: A,
    clock: C,
    timing: OrderTiming,
    /// `1 + fee_rate`: what a unit of price costs a buyer, worked out once.
    cost_factor: Decimal,
    /// The most a buy may spend under the per-order limit, fee included
    /// (`max_order_notional × cost_factor`), or `None` when that overflows (no limit): worked out
    /// whenever the limits change instead of on every buy, where the overflowing multiplication of
    /// the unlimited `Decimal::MAX` cost a sweep some 1 % of its instructions.
    order_cap: Option<Amount>,
    /// Entries wait for an external advisor (a model) instead of the rule-based advisor.
    consult: bool,
    /// The request for the entry now waiting, until the caller takes it.
    asked: Option<AdviceRequest>,
}

/// What [`Engine::rules_buy_qty`] lets a buy spend at most under `limits`: the per-order limit
/// with the fee on top, `None` when that overflows (`Decimal::MAX`, no limit).
fn order_cap(limits: &RiskLimits, cost_factor: Decimal) -> Option<Amount> {
    limits.max_order_notional.get().checked_mul(cost_factor).map(Amount::new)
}

/// The strategy name on a decision to sell because the close crossed the position's stop-loss.
pub const STOP_LOSS: &str = "stop-loss";
const TAKE_PROFIT: &str = "take-profit";

impl<A: Advisor, C: Clock> Engine<A, C> {
    pub fn new(config: EngineConfig, advisor: A, clock: C) -> Self {
        let portfolio = Portfolio::new(config.starting_cash);
        let risk = RiskGate::new(config.limits.clone(), RiskState::default());
        let cost_factor = Decimal::ONE + config.fee_rate;
        let order_cap = order_cap(&config.limits, cost_factor);
        Self {
            config,
            slots: Vec::new(),
            portfolio,
            risk,
            advisor,
            clock,
            timing: OrderTiming::OnClose,
            cost_factor,
            order_cap,
            consult: false,
            asked: None,
        }
    }

    /// Chooses when signals become orders (on the signal bar's close unless told otherwise).
    pub fn with_order_timing(mut self, timing: OrderTiming) -> Self {
        self.timing = timing;
        self
    }

    pub fn order_timing(&self) -> OrderTiming {
        self.timing
    }

    /// Trades `symbol` with `strategy`; `rules` (the exchange's filters) round order sizes.
    pub fn add_symbol(&mut self, symbol: Symbol, strategy: AnyStrategy, rules: Option<SymbolRules>) {
        self.slots.push(Slot {
            symbol,
            strategy,
            rules,
            pending: None,
            stop_loss: None,
            take_profit: None,
            trip_start_realised: Amount::ZERO,
            deferred: None,
            holding: false,
            entry: None,
            id_prefix: None,
            awaiting: None,
        });
    }

    /// Continues from stored state after a restart: cash, positions, the gates' memory (kill
    /// switch included) and any stops of open positions.
    pub fn restore(&mut self, cash: Amount, positions: Vec<Position>, risk: RiskState) {
        self.portfolio.set_cash(cash);
        for p in positions {
            if let Some(slot) = self.slots.iter_mut().find(|s| s.symbol == p.symbol) {
                slot.trip_start_realised = p.realised_pnl;
                slot.holding = slot.sellable(p.qty);
            }
            self.portfolio.restore_position(p);
        }
        self.risk = RiskGate::new(self.config.limits.clone(), risk);
        self.order_cap = order_cap(self.risk.limits(), self.cost_factor);
    }

    pub fn restore_stops(&mut self, symbol: Symbol, stop_loss: Option<Price>, take_profit: Option<Price>) {
        if let Some(slot) = self.slots.iter_mut().find(|s| s.symbol == symbol) {
            slot.stop_loss = stop_loss;
            slot.take_profit = take_profit;
        }
    }

    /// Shows a candle to the strategy without acting on it: warms indicators after a restart.
    pub fn warm_up(&mut self, candle: &Candle) {
        self.portfolio.mark(candle.symbol, candle.close);
        if let Some(slot) = self.slots.iter_mut().find(|s| s.symbol == candle.symbol) {
            let _ = slot.strategy.on_candle(candle);
        }
    }

    #[inline(always)]
    pub fn on_event(&mut self, event: &MarketEvent) -> Option<Outcome> {
        match event {
            MarketEvent::Candle(c) => match self.slot_index(c.symbol) {
                Some(slot) => self.on_candle_at(slot, c),
                None => {
                    self.portfolio.mark_entry(c.symbol, c.close);
                    None
                }
            },
            MarketEvent::Quote(q) => {
                let mid = Price::new((q.bid.get() + q.ask.get()) / Decimal::TWO);
                self.portfolio.mark(q.symbol, mid);
                None
            }
            MarketEvent::Status(_) => None,
        }
    }

    /// The slot trading `symbol`, for [`Engine::on_candle_at`]; stable for the engine's life.
    #[inline]
    pub fn slot_index(&self, symbol: Symbol) -> Option<SlotIndex> {
        self.slots.iter().position(|s| s.symbol == symbol).map(SlotIndex)
    }

    /// As [`Engine::on_event`] for a candle of the symbol `slot` trades (from
    /// [`Engine::slot_index`] of this engine). `on_event` is this after a search by symbol; a
    /// backtest resolves its symbol once and feeds every bar here, as the search would cost it a
    /// sixth of its time (docs/benchmarks.md).
    #[inline(always)]
    pub fn on_candle_at(&mut self, slot: SlotIndex, c: &Candle) -> Option<Outcome> {
        self.on_candle_with(slot, c, |strategy, c, wanted| strategy.on_candle_for(c, wanted))
    }

    /// As [`Engine::on_candle_at`], with the strategy's signal on this closed candle given by the
    /// caller instead of worked out by the slot's strategy, which is not shown the candle: for a
    /// caller that computes the indicators elsewhere (a sweep shares them across combinations)
    /// and feeds the engine only the bars where something can happen. The signal is acted on
    /// exactly as the strategy's own would be (only if it is [`Engine::wanted_at`]).
    pub fn on_candle_given(
        &mut self,
        slot: SlotIndex,
        c: &Candle,
        signal: Option<Signal>,
    ) -> Option<Outcome> {
        self.on_candle_with(slot, c, move |_, _, wanted| signal.filter(|s| Some(s.action) == wanted))
    }

    /// The only strategy signal the symbol can act on now: none while an order is open or an
    /// answer is awaited, a buy when flat, a sell when holding.
    pub fn wanted_at(&self, slot: SlotIndex) -> Option<Action> {
        self.slots.get(slot.0).and_then(Slot::wanted)
    }

    /// A candle of `slot`'s symbol, with `strategy` giving the signal of a closed one.
    #[inline(always)]
    fn on_candle_with(
        &mut self,
        slot: SlotIndex,
        c: &Candle,
        strategy: impl FnOnce(&mut AnyStrategy, &Candle, Option<Action>) -> Option<Signal>,
    ) -> Option<Outcome> {
        let idx = slot.0;
        debug_assert_eq!(self.slots[idx].symbol, c.symbol, "a slot index of another symbol");
        let Some(entry) = self.slots[idx].entry else { return self.on_first_price(idx, c, strategy) };
        self.portfolio.mark_at(entry, c.close);
        if c.closed {
            self.on_closed_candle(c, idx, strategy)
        } else {
            // An opening tick: the price a deferred signal waits for.
            self.act_on_deferred(idx, c.close)
        }
    }

    /// The symbol's first price: its portfolio position is made (flat, unmarked), then the
    /// candle goes on as any other.
    #[cold]
    fn on_first_price(
        &mut self,
        idx: usize,
        c: &Candle,
        strategy: impl FnOnce(&mut AnyStrategy, &Candle, Option<Action>) -> Option<Signal>,
    ) -> Option<Outcome> {
        let e = self.portfolio.index(self.slots[idx].symbol);
        self.slots[idx].entry = Some(e);
        self.on_candle_with(SlotIndex(idx), c, strategy)
    }

    #[inline(always)]
    fn on_closed_candle(
        &mut self,
        c: &Candle,
        idx: usize,
        strategy: impl FnOnce(&mut AnyStrategy, &Candle, Option<Action>) -> Option<Signal>,
    ) -> Option<Outcome> {
        if self.slots[idx].deferred.is_some() {
            return self.on_closed_candle_after_deferred(c, idx, strategy);
        }
        // The common case returns here: no signal, and no stop to watch; an `Outcome` is large,
        // so none is built until there is something to say.
        let slot = &mut self.slots[idx];
        let wanted = slot.wanted();
        let strategy_signal = strategy(&mut slot.strategy, c, wanted);
        if strategy_signal.is_none() && slot.stop_loss.is_none() && slot.take_profit.is_none() {
            return None;
        }
        self.act_on_close(c, idx, strategy_signal)
    }

    /// A deferred signal that no opening tick took is decided at this bar's open, before the
    /// bar's own close is shown to the strategy.
    #[cold]
    fn on_closed_candle_after_deferred(
        &mut self,
        c: &Candle,
        idx: usize,
        strategy: impl FnOnce(&mut AnyStrategy, &Candle, Option<Action>) -> Option<Signal>,
    ) -> Option<Outcome> {
        let stale = self.act_on_deferred(idx, c.open);
        let wanted = self.slots[idx].wanted();
        let strategy_signal = strategy(&mut self.slots[idx].strategy, c, wanted);
        let now = self.act_on_close(c, idx, strategy_signal);
        // At most one outcome per event: a decision taken now waits behind the stale one only
        // when the stale one led to no order (then its slot is free again).
        stale.or(now)
    }

    /// What the bar's close (a strategy signal, or a stop) leads to, if it fits the position.
    fn act_on_close(&mut self, c: &Candle, idx: usize, strategy_signal: Option<Signal>) -> Option<Outcome> {
        let slot = &self.slots[idx];
        if slot.pending.is_some() || slot.awaiting.is_some() {
            return None;
        }
        let signal = match strategy_signal {
            Some(s) if s.action == Action::Buy && !slot.holding => s,
            Some(s) if s.action == Action::Sell && slot.holding => s,
            _ if slot.holding => stop_signal(slot, c)?,
            _ => return None,
        };
        match self.timing {
            OrderTiming::OnClose => self.decide_or_ask(idx, signal),
            OrderTiming::NextOpen => {
                self.slots[idx].deferred = Some(signal);
                None
            }
        }
    }

    /// Decides a deferred signal at `price`, if it still fits the position.
    #[cold]
    fn act_on_deferred(&mut self, idx: usize, price: Price) -> Option<Outcome> {
        let slot = &mut self.slots[idx];
        if slot.pending.is_some() || slot.awaiting.is_some() {
            return None;
        }
        let mut signal = slot.deferred.take()?;
        let fits = match signal.action {
            Action::Buy => !slot.holding,
            Action::Sell => slot.holding,
            Action::Hold => false,
        };
        if !fits {
            return None;
        }
        signal.price = price;
        self.decide_or_ask(idx, signal)
    }

    /// Decides `signal` now, or — for an entry when a model is consulted — asks and waits.
    #[inline]
    fn decide_or_ask(&mut self, idx: usize, signal: Signal) -> Option<Outcome> {
        // A halted or paused engine refuses every entry anyway: no model call is paid for it.
        let state = self.risk.state();
        if self.consult && signal.action == Action::Buy && !state.halted && !state.paused {
            self.ask(idx, signal);
            return None;
        }
        Some(self.decide(idx, signal, None))
    }

    /// The decision on `signal`: the rule-based advisor's, or an external advisor's answer
    /// (which may decline, lower the confidence and shrink the size, never more), then sizing and
    /// the risk gates.
    fn decide(&mut self, idx: usize, signal: Signal, external: Option<ExternalAdvice>) -> Outcome {
        let now = self.clock.now();
        let rules = self.advisor.advise(&signal);
        // The rules alone (every backtest decision) take no detour through the merge.
        let (advice, shrink, source) = match external {
            None => (rules, None, AdviceSource::Rules),
            Some(external) => model::merge(&signal, rules, external),
        };
        let symbol = signal.symbol;
        let side = match advice.action {
            Action::Buy => Some(Side::Buy),
            Action::Sell => Some(Side::Sell),
            Action::Hold => None,
        };
        let (id, client_order_id) = self.ids(idx, &signal, side);
        // Valued once for sizing and the gates (each valuation multiplies every holding).
        let (holdings, symbol_value) = self.portfolio.holdings_and_symbol_value(symbol);
        let equity = self.portfolio.cash() + holdings;
        let qty = match side {
            Some(Side::Buy) => {
                let qty = self.rules_buy_qty(idx, equity, signal.price);
                match shrink {
                    Some(factor) => model::shrink(qty, factor, self.slots[idx].rules.as_ref()),
                    None => qty,
                }
            }
            Some(Side::Sell) => {
                let held = self.portfolio.position(symbol).map_or(Qty::ZERO, |p| p.qty);
                match &self.slots[idx].rules {
                    Some(r) => r.round_qty_down(held, true),
                    None => held,
                }
            }
            None => Qty::ZERO,
        };
        let decision = Decision {
            id: id.clone(),
            ts: signal.ts,
            symbol,
            strategy: signal.strategy.into(),
            action: advice.action,
            size_fraction: match (side, shrink) {
                (Some(Side::Buy), None) => self.config.sizing.fraction(),
                (Some(Side::Buy), Some(factor)) => self.config.sizing.fraction() * factor,
                _ => Decimal::ONE,
            },
            price: signal.price,
            stop_loss: advice.stop_loss,
            take_profit: advice.take_profit,
            confidence: advice.confidence,
            rationale: advice.rationale,
            citations: advice.citations,
            advisor: source,
        };
        let (Some(side), Some(client_order_id)) = (side, client_order_id) else {
            return Outcome { decision, order: None };
        };
        let order = OrderRequest {
            client_order_id,
            decision_id: id,
            symbol,
            side,
            kind: OrderKind::Market,
            qty,
            reference_price: signal.price,
            created_at: now,
        };
        let exposure = Exposure { equity, symbol_value, total_value: holdings };
        let verdict = self.risk.check(order, decision.confidence, &exposure, now);
        if let Ok(approved) = &verdict {
            let slot = &mut self.slots[idx];
            slot.pending = Some(approved.inner().client_order_id.clone());
            if side == Side::Buy {
                slot.stop_loss = decision.stop_loss;
                slot.take_profit = decision.take_profit;
            }
        }
        Outcome { decision, order: Some(verdict) }
    }

    /// What a buy at `price` is sized to before any model shrinks it, with `equity` valued once
    /// by the caller.
    #[inline]
    fn rules_buy_qty(&self, idx: usize, equity: Amount, price: Price) -> Qty {
        let rules = self.slots[idx].rules.as_ref();
        // Code sizes a buy within the per-order limit (the notional, fee aside, at most
        // `max_order_notional`): the gate refuses a larger order rather than shrinking
        // it, so without this a profitable account whose fraction of equity outgrew the
        // limit would never buy again. No limit (`Decimal::MAX`) overflows: no cap.
        let spendable = match self.order_cap {
            Some(cap) => self.portfolio.cash().min(cap),
            None => self.portfolio.cash(),
        };
        self.config.sizing.buy_qty_at_cost(spendable, equity, price, self.cost_factor, rules)
    }

    /// The quantity a rules-only buy of `slot`'s symbol decided now at `price` would be sized to,
    /// by the code [`Engine::on_candle_at`]'s decisions use. Zero means the gates would refuse
    /// it (after the kill switch and the pause) for its size: a caller that knows this may count
    /// the refusal without building the decision.
    pub fn buy_qty_at(&self, slot: SlotIndex, price: Price) -> Qty {
        let Some(symbol) = self.slots.get(slot.0).map(|s| s.symbol) else { return Qty::ZERO };
        let (holdings, _) = self.portfolio.holdings_and_symbol_value(symbol);
        self.rules_buy_qty(slot.0, self.portfolio.cash() + holdings, price)
    }

    /// The decision's id and its order's client order id (for `side`), exactly as
    /// `DecisionId::new` and `ClientOrderId::for_decision` make them, from the slot's prefix.
    #[inline]
    fn ids(
        &mut self,
        idx: usize,
        signal: &Signal,
        side: Option<Side>,
    ) -> (DecisionId, Option<ClientOrderId>) {
        let slot = &mut self.slots[idx];
        let prefix = match &mut slot.id_prefix {
            Some(p) if p.is_for(signal.strategy, signal.symbol) => p,
            other => other.insert(DecisionIdPrefix::new(signal.strategy, signal.symbol)),
        };
        prefix.ids(signal.ts, side)
    }

    /// Books a fill. When it closes a position, the round trip's result feeds the losing-streak
    /// gate. Returns the P&L the fill realised.
    pub fn on_fill(&mut self, fill: &Fill) -> Result<Amount, PositionError> {
        self.on_fill_marked(fill).map(|(realised, _)| realised)
    }

    /// [`Engine::on_fill`], and whether the fill opened or closed the symbol's round trip (by the
    /// engine's rule: holding means at least one sellable lot), for the ledger to record.
    pub fn on_fill_marked(&mut self, fill: &Fill) -> Result<(Amount, TripMark), PositionError> {
        let mut mark = TripMark::Within;
        // One search for the symbol's entry (created flat if new, as applying the fill did).
        let entry = self.portfolio.index(fill.symbol);
        let before = self.portfolio.position_at(entry).realised_pnl;
        let realised = self.portfolio.apply_fill_at(entry, fill)?;
        let p = self.portfolio.position_at(entry);
        let after = (p.qty, p.realised_pnl);
        if let Some(slot) = self.slots.iter_mut().find(|s| s.symbol == fill.symbol) {
            let was_holding = slot.holding;
            slot.holding = slot.sellable(after.0);
            if !was_holding && fill.side == Side::Buy {
                slot.trip_start_realised = before;
                if slot.holding {
                    mark = TripMark::Opens;
                }
            }
            // Closed down to dust (see `Slot::holding`) is closed: the round trip is over.
            if was_holding && !slot.holding && fill.side == Side::Sell {
                self.risk.record_round_trip(after.1 - slot.trip_start_realised, fill.ts);
                mark = TripMark::Closes;
                slot.trip_start_realised = after.1;
                slot.stop_loss = None;
                slot.take_profit = None;
            }
        }
        Ok((realised, mark))
    }

    /// The order left the book (filled, cancelled, rejected or expired): the symbol may decide
    /// again.
    pub fn on_order_closed(&mut self, client_order_id: &ClientOrderId) {
        for slot in &mut self.slots {
            if slot.pending.as_ref() == Some(client_order_id) {
                slot.pending = None;
            }
        }
    }

    /// Whether a deferred signal ([`OrderTiming::NextOpen`]) waits for the next price.
    #[inline]
    pub fn awaits_next_price(&self) -> bool {
        self.slots.iter().any(|s| s.deferred.is_some())
    }

    pub fn halt(&mut self) {
        self.risk.halt();
    }

    pub fn pause(&mut self) {
        self.risk.pause();
    }

    pub fn resume(&mut self) {
        self.risk.resume();
    }

    pub fn risk_state(&self) -> &RiskState {
        self.risk.state()
    }

    pub fn limits(&self) -> &RiskLimits {
        self.risk.limits()
    }

    /// Replaces the risk limits: the next order is checked against them (an operator's change
    /// from the dashboard). The risk state (today's trades, losses, the switches) is kept.
    pub fn set_limits(&mut self, limits: RiskLimits) {
        self.risk.set_limits(limits);
        self.order_cap = order_cap(self.risk.limits(), self.cost_factor);
    }

    pub fn portfolio(&self) -> &Portfolio {
        &self.portfolio
    }

    pub fn symbols(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.slots.iter().map(|s| s.symbol)
    }

    pub fn stops(&self, symbol: Symbol) -> (Option<Price>, Option<Price>) {
        self.slots.iter().find(|s| s.symbol == symbol).map_or((None, None), |s| (s.stop_loss, s.take_profit))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// An exit signal when a held position's close has crossed its stop-loss or take-profit.
fn stop_signal(slot: &Slot, c: &Candle) -> Option<Signal> {
    let (strategy, line, price) = match (slot.stop_loss, slot.take_profit) {
        (Some(sl), _) if c.close <= sl => (STOP_LOSS, "stop-loss", sl),
        (_, Some(tp)) if c.close >= tp => (TAKE_PROFIT, "take-profit", tp),
        _ => return None,
    };
    Some(Signal {
        symbol: c.symbol,
        ts: c.close_time,
        strategy,
        action: Action::Sell,
        price: c.close,
        strength: Confidence::ONE,
        reason: format!("close {} reached the {line} at {price}", c.close),
    })
}

mod approval;
mod model;

#[cfg(test)]
mod tests;
