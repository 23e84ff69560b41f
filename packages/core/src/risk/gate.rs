//! `RiskGate`: the pre-trade checks, in a fixed order, against `RiskLimits`.
//!
//! Orders that increase exposure (buys) face every gate. Orders that only reduce it (sells of a
//! spot holding) face just the kill switch and the pause: blocking an exit because of a losing
//! streak or low confidence would increase risk, not limit it.

use super::{Exposure, RefusalReason, RiskApproved, RiskLimits, RiskRefused, RiskState};
use crate::{Amount, Confidence, OrderRequest, RiskBudget, Side, Symbol, Timestamp};

#[derive(Clone, Debug, Default)]
pub struct RiskGate {
    limits: RiskLimits,
    state: RiskState,
}

impl RiskGate {
    pub fn new(limits: RiskLimits, state: RiskState) -> Self {
        Self { limits, state }
    }

    pub fn limits(&self) -> &RiskLimits {
        &self.limits
    }

    pub fn set_limits(&mut self, limits: RiskLimits) {
        self.limits = limits;
    }

    pub fn state(&self) -> &RiskState {
        &self.state
    }

    /// The kill switch. Takes effect for the very next order.
    pub fn halt(&mut self) {
        self.state.halted = true;
    }

    pub fn pause(&mut self) {
        self.state.paused = true;
    }

    /// Clears both the kill switch and the pause.
    pub fn resume(&mut self) {
        self.state.halted = false;
        self.state.paused = false;
    }

    pub fn is_halted(&self) -> bool {
        self.state.halted
    }

    /// Runs every gate. On approval the order counts towards today's trades.
    pub fn check(
        &mut self,
        order: OrderRequest,
        confidence: Confidence,
        exposure: &Exposure,
        now: Timestamp,
    ) -> Result<RiskApproved<OrderRequest>, RiskRefused<OrderRequest>> {
        self.state.roll_day(now, exposure.equity);
        match self.first_refusal(&order, confidence, exposure, now) {
            Some(reason) => Err(RiskRefused { item: order, reason }),
            None => {
                self.state.trades_today = self.state.trades_today.saturating_add(1);
                Ok(RiskApproved::new_by_risk_gate(order))
            }
        }
    }

    /// Notes news about `symbol` published at `at`: entries wait `news_embargo_ms` after it.
    pub fn note_news(&mut self, symbol: Symbol, at: Timestamp) {
        let latest = self.state.last_news_ms.entry(symbol).or_insert(i64::MIN);
        *latest = (*latest).max(at.millis());
    }

    /// Takes back the trade [`RiskGate::check`] counted for an order that was not placed but
    /// held for a person's approval; the approval runs `check` again, which counts it then.
    pub fn uncount_trade(&mut self) {
        self.state.trades_today = self.state.trades_today.saturating_sub(1);
    }

    fn first_refusal(
        &self,
        order: &OrderRequest,
        confidence: Confidence,
        exposure: &Exposure,
        now: Timestamp,
    ) -> Option<RefusalReason> {
        let (l, s) = (&self.limits, &self.state);
        if s.halted {
            return Some(RefusalReason::KillSwitch);
        }
        if s.paused {
            return Some(RefusalReason::Paused);
        }
        if order.qty.is_zero() {
            return Some(RefusalReason::ZeroQuantity);
        }
        let price = order.kind.limit_price().unwrap_or(order.reference_price);
        if price.is_zero() {
            return Some(RefusalReason::NoPrice);
        }
        if order.side == Side::Sell {
            return None;
        }
        if confidence < l.min_confidence {
            return Some(RefusalReason::MinConfidence { confidence, min: l.min_confidence });
        }
        let notional = price * order.qty;
        if notional > l.max_order_notional {
            return Some(RefusalReason::MaxOrderNotional { notional, max: l.max_order_notional });
        }
        // `max(Amount::ZERO)` without the comparison: a zero or negative equity counts as zero.
        let equity = if exposure.equity.get().is_zero() || exposure.equity.get().is_sign_negative() {
            Amount::ZERO
        } else {
            exposure.equity
        };
        let max_position = equity.saturating_scale(l.max_position_pct);
        let after = exposure.symbol_value + notional;
        if after > max_position {
            return Some(RefusalReason::MaxPosition { after, max: max_position });
        }
        let max_total = equity.saturating_scale(l.max_total_exposure_pct);
        let after_total = exposure.total_value + notional;
        if after_total > max_total {
            return Some(RefusalReason::MaxTotalExposure { after: after_total, max: max_total });
        }
        // The limit is worked out only for a loss (the gate's first condition).
        let loss = s.day_start_equity - exposure.equity;
        if !loss.get().is_zero() && !loss.get().is_sign_negative() {
            let max_loss = s.day_start_equity.saturating_scale(l.max_daily_loss_pct);
            if loss >= max_loss {
                return Some(RefusalReason::MaxDailyLoss { loss, max: max_loss });
            }
        }
        if s.trades_today >= l.max_trades_per_day {
            return Some(RefusalReason::MaxTradesPerDay {
                trades: s.trades_today,
                max: l.max_trades_per_day,
            });
        }
        if let Some(until) = s.cooldown_until
            && now < until
        {
            return Some(RefusalReason::Cooldown { losses: s.consecutive_losses, until_ms: until.millis() });
        }
        // News dated after `now` (a replayed market behind the wall clock) is not news yet.
        if l.news_embargo_ms > 0
            && let Some(news) = s.last_news_ms.get(&order.symbol)
            && (*news..news.saturating_add(l.news_embargo_ms)).contains(&now.millis())
        {
            return Some(RefusalReason::NewsEmbargo { until_ms: news.saturating_add(l.news_embargo_ms) });
        }
        None
    }

    /// The room the gates leave for a new buy, as of `now` and `exposure`: what an external
    /// advisor is told. Told, not trusted: [`RiskGate::check`] enforces the same limits anyway.
    pub fn budget(&self, exposure: &Exposure, now: Timestamp) -> RiskBudget {
        let (l, s) = (&self.limits, &self.state);
        let mut s = s.clone();
        s.roll_day(now, exposure.equity);
        let equity = exposure.equity.max(Amount::ZERO);
        let room = |max: Amount, used: Amount| (max - used).max(Amount::ZERO);
        let position_room = room(equity.saturating_scale(l.max_position_pct), exposure.symbol_value)
            .min(room(equity.saturating_scale(l.max_total_exposure_pct), exposure.total_value));
        let max_loss = s.day_start_equity.saturating_scale(l.max_daily_loss_pct);
        let loss = (s.day_start_equity - exposure.equity).max(Amount::ZERO);
        RiskBudget {
            max_order_notional: l.max_order_notional,
            position_room,
            trades_left_today: l.max_trades_per_day.saturating_sub(s.trades_today),
            daily_loss_room: room(max_loss, loss),
            min_confidence: l.min_confidence,
        }
    }

    /// Records the outcome of a closed round trip: a loss lengthens the losing streak and, at the
    /// limit, starts a cooldown; a win ends the streak.
    pub fn record_round_trip(&mut self, realised: Amount, now: Timestamp) {
        if realised.is_negative() {
            self.state.consecutive_losses = self.state.consecutive_losses.saturating_add(1);
            if self.state.consecutive_losses >= self.limits.max_consecutive_losses {
                self.state.cooldown_until = Some(now.plus_millis(self.limits.cooldown_ms));
            }
        } else {
            self.state.consecutive_losses = 0;
            self.state.cooldown_until = None;
        }
    }
}

#[cfg(test)]
mod tests;
