//! `RsiReversion`: mean reversion on Wilder's RSI — buy when RSI climbs back above the oversold
//! line, sell when it falls back below the overbought line.

use mirai_core::{Action, Candle, Confidence, Decimal, Signal};

use super::{MAX_WINDOW, Strategy, StrategyError};
use crate::indicators::Rsi;

pub const NAME: &str = "rsi-reversion";

#[derive(Clone, Debug)]
pub struct RsiReversion {
    rsi: Rsi,
    period: u32,
    lower: Decimal,
    upper: Decimal,
    prev: Option<Decimal>,
}

impl RsiReversion {
    pub fn new(period: u32, lower: Decimal, upper: Decimal) -> Result<Self, StrategyError> {
        check(period, lower, upper)?;
        Ok(Self::checked(period, lower, upper))
    }

    /// For parameters [`check`] has accepted.
    pub(super) fn checked(period: u32, lower: Decimal, upper: Decimal) -> Self {
        Self { rsi: Rsi::new(period), period, lower, upper, prev: None }
    }
}

/// The rules on the parameters, before anything is built.
pub(super) fn check(period: u32, lower: Decimal, upper: Decimal) -> Result<(), StrategyError> {
    let bad = |param, why| Err(StrategyError::BadParam { strategy: NAME, param, why });
    if period < 2 {
        return bad("period", "must be at least 2".into());
    }
    if period as usize >= MAX_WINDOW {
        return bad("period", format!("{period} bars is too long a window: at most {}", MAX_WINDOW - 1));
    }
    if !(Decimal::ZERO < lower && lower < upper && upper < Decimal::ONE_HUNDRED) {
        return bad("lower", format!("need 0 < lower ({lower}) < upper ({upper}) < 100"));
    }
    Ok(())
}

impl Strategy for RsiReversion {
    fn name(&self) -> &'static str {
        NAME
    }

    fn warm_up_bars(&self) -> usize {
        self.period as usize
    }

    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        self.rsi.update(c.close.get());
        let now = self.rsi.value()?;
        let prev = self.prev.replace(now)?;
        let span = self.upper - self.lower;
        let (action, strength, line) = if prev < self.lower && now >= self.lower {
            (
                Action::Buy,
                (self.upper - now) / span,
                format!("climbed back above the oversold line {}", self.lower),
            )
        } else if prev > self.upper && now <= self.upper {
            (
                Action::Sell,
                (now - self.lower) / span,
                format!("fell back below the overbought line {}", self.upper),
            )
        } else {
            return None;
        };
        Some(Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength: Confidence::clamped(strength),
            reason: format!("RSI({}) {} {line} (was {})", self.period, now.round_dp(2), prev.round_dp(2)),
        })
    }
}
