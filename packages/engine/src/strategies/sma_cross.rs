//! `SmaCross`: buy when the fast simple moving average crosses above the slow one, sell when it
//! crosses below. A cross needs a strict inequality on both bars (fast < slow, then fast > slow),
//! the same rule as backtesting.py's `crossover`, so an exact tie is not a cross.

use mirai_core::{Action, Candle, Confidence, Decimal, Signal};

use super::{Strategy, StrategyError};
use crate::indicators::Sma;

pub const NAME: &str = "sma-cross";

#[derive(Clone, Debug)]
pub struct SmaCross {
    fast: Sma,
    slow: Sma,
    /// Sign of (fast - slow) on the previous bar: -1, 0 or 1; None until both are ready.
    prev: Option<i8>,
}

impl SmaCross {
    pub fn new(fast: usize, slow: usize) -> Result<Self, StrategyError> {
        if fast == 0 || slow == 0 {
            return Err(StrategyError::BadParam {
                strategy: NAME,
                param: "fast",
                why: "periods must be at least 1".into(),
            });
        }
        if fast >= slow {
            return Err(StrategyError::BadParam {
                strategy: NAME,
                param: "fast",
                why: format!("fast ({fast}) must be shorter than slow ({slow})"),
            });
        }
        Ok(Self { fast: Sma::new(fast), slow: Sma::new(slow), prev: None })
    }
}

impl Strategy for SmaCross {
    fn name(&self) -> &'static str {
        NAME
    }

    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        let close = c.close.get();
        self.fast.update(close);
        self.slow.update(close);
        if !self.slow.is_ready() {
            return None;
        }
        // fast_sum/fast_n vs slow_sum/slow_n, compared without division.
        let lhs = self.fast.sum() * Decimal::from(self.slow.period() as u64);
        let rhs = self.slow.sum() * Decimal::from(self.fast.period() as u64);
        let now: i8 = match lhs.cmp(&rhs) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        };
        let prev = self.prev.replace(now)?;
        let action = match (prev, now) {
            (-1, 1) => Action::Buy,
            (1, -1) => Action::Sell,
            _ => return None,
        };
        let fast = self.fast.value().unwrap_or_default();
        let slow = self.slow.value().unwrap_or_default();
        // Strength: how far the close already sits from the slow average, in units of 0.5 %.
        let distance = if slow.is_zero() { Decimal::ZERO } else { (close / slow - Decimal::ONE).abs() };
        let strength = Confidence::clamped(distance / Decimal::new(5, 3));
        let dir = if action == Action::Buy { "above" } else { "below" };
        Some(Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength,
            reason: format!(
                "SMA({}) {} crossed {dir} SMA({}) {}; close {} is {}% from the slow average",
                self.fast.period(),
                fast.round_dp(4),
                self.slow.period(),
                slow.round_dp(4),
                c.close,
                (distance * Decimal::ONE_HUNDRED).round_dp(3),
            ),
        })
    }
}
