//! `Macd`: Gerald Appel's moving average convergence/divergence. The MACD line is
//! EMA(`fast`) − EMA(`slow`) of the closes, the signal line EMA(`signal`) of the MACD line; buy
//! when the MACD line crosses above the signal line, sell when it crosses below.
//!
//! Every EMA is seeded as TA-Lib's `EMA` and StockCharts do: the simple average of its own first
//! `period` inputs, then `alpha = 2 / (period + 1)` ([`crate::indicators::Ema`]). So the fast EMA
//! has a value from bar `fast − 1` (counting from 0), the slow one and the MACD line from bar
//! `slow − 1`, and the signal line from bar `slow + signal − 2` (33 with the defaults). TA-Lib's
//! `MACD` differs only in seeding its fast EMA over the `fast` closes ending at bar `slow − 1`;
//! pandas' `ewm(adjust=False)` seeds with the first close instead, and converges to the same
//! values after a few dozen bars.
//!
//! A cross needs a strict inequality on both bars (MACD < signal, then MACD > signal), the rule
//! `sma-cross` follows (backtesting.py's `crossover`): a tie is not a cross, not even on the way
//! through. The EMAs are `Decimal`s rounded once a step to 28 digits (exact whenever the periods
//! make short decimals), so the comparison is the same on every machine.

use mirai_core::{Action, Candle, Decimal, Signal};

use super::strength::past_the_line;
use super::{MAX_WINDOW, Strategy, StrategyError};
use crate::indicators::Ema;
use crate::text::{push_normalized, push_rounded, push_u64};

pub const NAME: &str = "macd";
pub const DEFAULT_FAST: u32 = 12;
pub const DEFAULT_SLOW: u32 = 26;
pub const DEFAULT_SIGNAL: u32 = 9;

#[derive(Clone, Debug)]
pub struct Macd {
    fast: Ema,
    slow: Ema,
    /// The EMA of the MACD line.
    signal: Ema,
    /// Sign of (MACD − signal) on the previous bar: -1, 0 or 1; 0 while either has no value.
    prev: i8,
    /// The last MACD line value, for the reason.
    line: Decimal,
    reasons: bool,
}

impl Macd {
    pub fn new(fast: u32, slow: u32, signal: u32) -> Result<Self, StrategyError> {
        check(fast, slow, signal)?;
        Ok(Self::checked(fast, slow, signal))
    }

    /// For periods [`check`] has accepted.
    pub(super) fn checked(fast: u32, slow: u32, signal: u32) -> Self {
        Self {
            fast: Ema::new(fast),
            slow: Ema::new(slow),
            signal: Ema::new(signal),
            prev: 0,
            line: Decimal::ZERO,
            reasons: true,
        }
    }
}

/// The rules on the periods.
pub(super) fn check(fast: u32, slow: u32, signal: u32) -> Result<(), StrategyError> {
    let bad = |param, why| Err(StrategyError::BadParam { strategy: NAME, param, why });
    if fast == 0 {
        return bad("fast", "must be at least 1 bar".into());
    }
    if signal < 2 {
        return bad("signal", "must be at least 2 bars (a signal line of 1 is the MACD line itself)".into());
    }
    for (param, bars) in [("slow", slow), ("signal", signal)] {
        if bars as usize > MAX_WINDOW {
            return bad(param, format!("{bars} bars is too long a window: at most {MAX_WINDOW}"));
        }
    }
    if fast >= slow {
        return bad("fast", format!("fast ({fast}) must be shorter than slow ({slow})"));
    }
    Ok(())
}

impl Strategy for Macd {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The signal line's first value is on bar `slow + signal − 2`.
    fn warm_up_bars(&self) -> usize {
        (self.slow.period() + self.signal.period()) as usize - 2
    }

    #[inline]
    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        let action = self.cross(c)?;
        Some(self.signal(c, action))
    }
}

impl Macd {
    pub(super) fn set_reasons(&mut self, on: bool) {
        self.reasons = on;
    }

    /// As `on_candle`, building only a signal of `wanted` (see [`super::AnyStrategy::on_candle_for`]).
    #[inline(always)]
    pub(super) fn on_candle_for(&mut self, c: &Candle, wanted: Option<Action>) -> Option<Signal> {
        let action = self.cross(c).filter(|a| Some(*a) == wanted)?;
        Some(self.signal(c, action))
    }

    /// Updates the three averages with the bar's close; the direction of a cross, if this bar
    /// is one.
    #[inline(always)]
    fn cross(&mut self, c: &Candle) -> Option<Action> {
        let close = c.close.get();
        self.fast.update(close);
        self.slow.update(close);
        let line = match (self.fast.value(), self.slow.value()) {
            (Some(f), Some(s)) => f.checked_sub(s),
            _ => None,
        };
        let Some(line) = line else {
            // Warming up (or an average started over): the signal line starts with the MACD line.
            self.signal.reset();
            self.prev = 0;
            return None;
        };
        self.signal.update(line);
        self.line = line;
        let now: i8 = match self.signal.value().map(|s| line.cmp(&s)) {
            None | Some(std::cmp::Ordering::Equal) => 0,
            Some(std::cmp::Ordering::Less) => -1,
            Some(std::cmp::Ordering::Greater) => 1,
        };
        match (std::mem::replace(&mut self.prev, now), now) {
            (-1, 1) => Some(Action::Buy),
            (1, -1) => Some(Action::Sell),
            _ => None,
        }
    }

    /// The signal of a cross, with its strength (how far the close already sits from the slow
    /// EMA, in units of 0.5 %, as `sma-cross` measures it) and its reason in words.
    #[cold]
    fn signal(&self, c: &Candle, action: Action) -> Signal {
        let close = c.close.get();
        let slow = self.slow.value().unwrap_or(close);
        let strength = past_the_line((close - slow).abs(), slow);
        let mut reason = String::new();
        if self.reasons {
            reason.reserve(128);
            reason.push_str("MACD(");
            push_u64(&mut reason, u64::from(self.fast.period()));
            reason.push(',');
            push_u64(&mut reason, u64::from(self.slow.period()));
            reason.push_str(") ");
            push_rounded(&mut reason, self.line.normalize(), 4);
            reason.push_str(if action == Action::Buy { " crossed above" } else { " crossed below" });
            reason.push_str(" its signal EMA(");
            push_u64(&mut reason, u64::from(self.signal.period()));
            reason.push_str(") ");
            push_rounded(&mut reason, self.signal.value().unwrap_or_default().normalize(), 4);
            reason.push_str("; close ");
            push_normalized(&mut reason, close);
            reason.push_str(", slow EMA ");
            push_rounded(&mut reason, slow.normalize(), 4);
        }
        Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn candle(i: i64, close: Decimal) -> Candle {
        mirai_core::stubs::flat_minute_bar(i, close)
    }

    /// Closes for MACD(3, 4) with a signal EMA(3): alphas 2/4, 2/5 and 2/4, so every value is a
    /// short decimal and can be written out by hand (below, per bar).
    pub(crate) const CLOSES: [i64; 11] = [10, 12, 14, 13, 11, 10, 12, 15, 13, 10, 9];

    #[test]
    fn hand_computed_lines_and_one_cross_each_way() {
        let mut m = Macd::new(3, 4, 3).unwrap();
        let mut rows = Vec::new();
        for (i, close) in CLOSES.iter().enumerate() {
            let sig = m.on_candle(&candle(i as i64, Decimal::from(*close)));
            rows.push((m.fast.value(), m.slow.value(), m.signal.value(), sig.map(|s| s.action)));
        }
        // fast EMA(3): seed (10 + 12 + 14) / 3 = 12 on bar 2, then (2x + 2e) / 4.
        // slow EMA(4): seed (10 + 12 + 14 + 13) / 4 = 12.25 on bar 3, then (2x + 3e) / 5.
        // MACD = fast − slow from bar 3; signal EMA(3) of it: seed (0.25 + 0 − 0.175) / 3 =
        // 0.025 on bar 5, then (2m + 2s) / 4.
        //
        // bar close fast        slow       MACD        signal      MACD − signal
        //  3   13   12.5        12.25       0.25
        //  4   11   11.75       11.75       0
        //  5   10   10.875      11.05      −0.175       0.025      −0.2
        //  6   12   11.4375     11.43       0.0075      0.01625    −0.00875
        //  7   15   13.21875    12.858      0.36075     0.1885      0.17225   → BUY
        //  8   13   13.109375   12.9148     0.194575    0.1915375   0.0030375
        //  9   10   11.5546875  11.74888   −0.1941925  −0.0013275  −0.192865  → SELL
        // 10    9   10.27734375 10.649328  −0.37198425 −0.186655875 −0.185328375
        let want = [
            (None, None, None, None),
            (None, None, None, None),
            (Some(dec!(12)), None, None, None),
            (Some(dec!(12.5)), Some(dec!(12.25)), None, None),
            (Some(dec!(11.75)), Some(dec!(11.75)), None, None),
            (Some(dec!(10.875)), Some(dec!(11.05)), Some(dec!(0.025)), None),
            (Some(dec!(11.4375)), Some(dec!(11.43)), Some(dec!(0.01625)), None),
            (Some(dec!(13.21875)), Some(dec!(12.858)), Some(dec!(0.1885)), Some(Action::Buy)),
            (Some(dec!(13.109375)), Some(dec!(12.9148)), Some(dec!(0.1915375)), None),
            (Some(dec!(11.5546875)), Some(dec!(11.74888)), Some(dec!(-0.0013275)), Some(Action::Sell)),
            (Some(dec!(10.27734375)), Some(dec!(10.649328)), Some(dec!(-0.186655875)), None),
        ];
        assert_eq!(rows, want);
        assert_eq!(m.warm_up_bars(), 5, "the signal line's first value is on bar 4 + 3 − 2");
    }

    #[test]
    fn a_cross_is_explained() {
        let mut m = Macd::new(3, 4, 3).unwrap();
        let buy = CLOSES
            .iter()
            .enumerate()
            .find_map(|(i, c)| m.on_candle(&candle(i as i64, Decimal::from(*c))))
            .unwrap();
        assert_eq!(
            buy.reason,
            "MACD(3,4) 0.3608 crossed above its signal EMA(3) 0.1885; close 15, slow EMA 12.858"
        );
        // 15 is 16.7 % above the slow EMA: full strength.
        assert_eq!(buy.strength.get(), dec!(1));
    }

    #[test]
    fn ties_are_not_crosses() {
        // A flat series: MACD and signal are both 0 throughout, never apart.
        let mut m = Macd::new(2, 3, 2).unwrap();
        assert!((0..20).all(|i| m.on_candle(&candle(i, dec!(7))).is_none()));
    }

    #[test]
    fn parameters_are_checked() {
        let e = |f, s, g| Macd::new(f, s, g).unwrap_err().to_string();
        assert!(e(26, 12, 9).contains("fast (26) must be shorter than slow (12)"), "{}", e(26, 12, 9));
        assert!(e(12, 12, 9).contains("must be shorter"));
        assert!(e(0, 12, 9).contains("fast: must be at least 1"));
        assert!(e(12, 26, 1).contains("signal: must be at least 2"));
        assert!(e(12, 2_000_000, 9).contains("too long"));
        assert_eq!(Macd::new(12, 26, 9).unwrap().warm_up_bars(), 33);
    }
}
