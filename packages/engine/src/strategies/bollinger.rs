//! `Bollinger`: mean reversion on Bollinger bands. The middle band is the simple average of the
//! last `period` closes (the current one included), the bands the middle ± `k` population
//! standard deviations of the same closes. Buy when the close crosses below the lower band (the
//! previous close on or above its lower band, this one strictly below this bar's); sell when it
//! crosses back above the middle (the previous close on or below its middle, this one strictly
//! above). A close exactly on a line has not crossed it.
//!
//! The comparisons are exact, in integers, with no square root ([`crate::indicators::Bands`]):
//! deterministic because nothing in a decision is rounded at all. σ appears only in the reason's
//! words and in the strength, from an exact integer square root rounded down.

use mirai_core::{Action, Candle, Decimal, Signal};

use super::strength::past_the_line;
use super::{MAX_WINDOW, Strategy, StrategyError};
use crate::indicators::{Bands, Zone};
use crate::text::{push_normalized, push_rounded, push_u64};

pub const NAME: &str = "bollinger";
pub const DEFAULT_PERIOD: usize = 20;
pub const DEFAULT_K: Decimal = Decimal::TWO;
/// The widest bands allowed, in standard deviations.
pub const MAX_K: Decimal = Decimal::TEN;
/// The most decimals `k` may have.
pub const K_DECIMALS: u32 = 4;

#[derive(Clone, Debug)]
pub struct Bollinger {
    bands: Bands,
    /// The previous bar's zone; none before the bands have a value (or when a bar had none).
    prev: Option<Zone>,
    reasons: bool,
}

impl Bollinger {
    pub fn new(period: usize, k: Decimal) -> Result<Self, StrategyError> {
        check(period, k)?;
        Ok(Self::checked(period, k))
    }

    /// For parameters [`check`] has accepted.
    pub(super) fn checked(period: usize, k: Decimal) -> Self {
        Self { bands: Bands::new(period, k), prev: None, reasons: true }
    }
}

/// The rules on the parameters, before anything is allocated.
pub(super) fn check(period: usize, k: Decimal) -> Result<(), StrategyError> {
    let bad = |param, why| Err(StrategyError::BadParam { strategy: NAME, param, why });
    if period < 2 {
        return bad("period", "must be at least 2 bars (one close has no spread)".into());
    }
    if period > MAX_WINDOW {
        return bad("period", format!("{period} bars is too long a window: at most {MAX_WINDOW}"));
    }
    if k <= Decimal::ZERO || k > MAX_K {
        return bad("k", format!("{k} standard deviations: need above 0 and at most {MAX_K}"));
    }
    if k.normalize().scale() > K_DECIMALS {
        return bad("k", format!("{k} has more than {K_DECIMALS} decimals"));
    }
    Ok(())
}

impl Strategy for Bollinger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn warm_up_bars(&self) -> usize {
        self.bands.period() - 1
    }

    #[inline]
    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        let action = self.cross(c)?;
        Some(self.signal(c, action))
    }
}

impl Bollinger {
    pub(super) fn set_reasons(&mut self, on: bool) {
        self.reasons = on;
    }

    /// As `on_candle`, building only a signal of `wanted` (see [`super::AnyStrategy::on_candle_for`]).
    #[inline(always)]
    pub(super) fn on_candle_for(&mut self, c: &Candle, wanted: Option<Action>) -> Option<Signal> {
        let action = self.cross(c).filter(|a| Some(*a) == wanted)?;
        Some(self.signal(c, action))
    }

    /// Updates the bands with the bar's close; the direction of a cross, if this bar is one.
    #[inline(always)]
    fn cross(&mut self, c: &Candle) -> Option<Action> {
        let now = self.bands.update(c.close.get());
        match (std::mem::replace(&mut self.prev, now)?, now?) {
            (Zone::Inside | Zone::Above, Zone::Below) => Some(Action::Buy),
            (Zone::Below | Zone::Inside, Zone::Above) => Some(Action::Sell),
            _ => None,
        }
    }

    /// The signal of a cross, with its strength (how far the close went past the band it
    /// crossed, in units of 0.5 % of it) and its reason in words.
    #[cold]
    fn signal(&self, c: &Candle, action: Action) -> Signal {
        let close = c.close.get();
        let middle = self.bands.middle();
        let (line, strength) = if action == Action::Buy {
            let lower = self.bands.lower(8);
            (lower, lower.map(|l| past_the_line(l - close, l)))
        } else {
            (middle, middle.map(|m| past_the_line(close - m, m)))
        };
        let mut reason = String::new();
        if self.reasons {
            reason.reserve(128);
            reason.push_str("close ");
            push_normalized(&mut reason, close);
            reason.push_str(if action == Action::Buy {
                " crossed below the lower Bollinger band "
            } else {
                " crossed back above the middle band "
            });
            if let Some(line) = line {
                push_rounded(&mut reason, line.normalize(), 4);
            }
            reason.push_str(" (SMA(");
            push_u64(&mut reason, self.bands.period() as u64);
            reason.push_str(") ");
            if let Some(m) = middle {
                push_rounded(&mut reason, m.normalize(), 4);
            }
            reason.push_str(", σ ");
            if let Some(s) = self.bands.std_dev(4) {
                push_normalized(&mut reason, s);
            }
            reason.push_str(", k ");
            push_normalized(&mut reason, self.bands.k());
            reason.push(')');
        }
        Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength: strength.unwrap_or(mirai_core::Confidence::ONE),
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

    /// Period 4, k = 1; the bands of each bar are worked out in `indicators::bands`' test:
    /// bar 3 [10 10 12 12] mean 11, σ 1: 12 is above the middle;
    /// bar 4 [10 12 12 8] mean 10.5, σ² 2.75, lower 8.8417: 8 is below → BUY;
    /// bar 5 [12 12 8 9] mean 10.25, σ² 3.1875, lower 8.4646: 9 is inside;
    /// bar 6 [12 8 9 11] mean 10, σ² 2.5: 11 is above the middle → SELL;
    /// bar 7 [8 9 11 10.5] mean 9.625: 10.5 is still above, no signal.
    pub(crate) const CLOSES: [Decimal; 8] =
        [dec!(10), dec!(10), dec!(12), dec!(12), dec!(8), dec!(9), dec!(11), dec!(10.5)];

    fn signals(period: usize, k: Decimal, closes: &[Decimal]) -> Vec<(usize, Signal)> {
        let mut s = Bollinger::new(period, k).unwrap();
        closes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| s.on_candle(&candle(i as i64, *c)).map(|x| (i, x)))
            .collect()
    }

    #[test]
    fn one_cross_below_and_one_back_above_at_the_bars_worked_out_by_hand() {
        let s = signals(4, dec!(1), &CLOSES);
        let at: Vec<(usize, Action)> = s.iter().map(|(i, sig)| (*i, sig.action)).collect();
        assert_eq!(at, [(4, Action::Buy), (6, Action::Sell)]);
        assert_eq!(
            s[0].1.reason,
            "close 8 crossed below the lower Bollinger band 8.8417 (SMA(4) 10.5, σ 1.6583, k 1)"
        );
        assert_eq!(
            s[1].1.reason,
            "close 11 crossed back above the middle band 10 (SMA(4) 10, σ 1.5811, k 1)"
        );
        // 0.84 below a band of 8.84 is 9.5 %: full strength; 1 above a middle of 10, likewise.
        assert_eq!((s[0].1.strength.get(), s[1].1.strength.get()), (dec!(1), dec!(1)));
        // With k = 2 the lower band on bar 4 is 10.5 − 3.3166 = 7.18: 8 stays inside, no buy;
        // only the cross back above the middle on bar 6 (a sell, which a flat account drops).
        let wide: Vec<(usize, Action)> =
            signals(4, dec!(2), &CLOSES).iter().map(|(i, s)| (*i, s.action)).collect();
        assert_eq!(wide, [(6, Action::Sell)]);
    }

    #[test]
    fn a_close_on_the_band_has_not_crossed_it() {
        // Period 2, k = 1: the lower band of two closes a > b is b itself (mean (a + b)/2,
        // σ (a − b)/2). 10 → 9.99 closes on it, 9.99 → 9.9 on it again: no cross. With k = 0.5
        // the band is halfway up (9.9925 on bar 2): 9.99 is below it, a buy; bar 3 stays below.
        assert!(signals(2, dec!(1), &[dec!(10), dec!(10), dec!(9.99), dec!(9.9)]).is_empty());
        let s = signals(2, dec!(0.5), &[dec!(10), dec!(10), dec!(9.99), dec!(9.9)]);
        assert_eq!(s.iter().map(|(i, s)| (*i, s.action)).collect::<Vec<_>>(), [(2, Action::Buy)]);
    }

    #[test]
    fn parameters_are_checked() {
        let e = |p, k| Bollinger::new(p, k).unwrap_err().to_string();
        assert!(e(1, dec!(2)).contains("period: must be at least 2"));
        assert!(e(MAX_WINDOW + 1, dec!(2)).contains("too long"));
        assert!(e(20, dec!(0)).contains("k: 0 standard deviations: need above 0"));
        assert!(e(20, dec!(-1)).contains("need above 0"));
        assert!(e(20, dec!(10.5)).contains("at most 10"));
        assert!(e(20, dec!(1.23456)).contains("more than 4 decimals"));
        assert!(Bollinger::new(20, dec!(2.5000000)).is_ok(), "trailing zeros are no decimals");
        assert_eq!(Bollinger::new(20, dec!(2)).unwrap().warm_up_bars(), 19);
    }
}
