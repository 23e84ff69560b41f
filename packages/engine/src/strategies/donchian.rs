//! `Donchian`: the Turtle-style channel breakout. On each closed bar, before the bar itself joins
//! the channels:
//!
//! - **buy** when its close is strictly above the highest high of the previous `entry` bars;
//! - **sell** when its close is strictly below the lowest low of the previous `exit` bars.
//!
//! The current bar is never part of its own channel (its high is at least its close, so it could
//! never be broken). A close equal to the channel is no breakout. The rule is a level, not a
//! cross: every bar that closes past the channel signals, and the engine acts on the first one
//! that fits the position (a buy when flat, a sell when holding), as the Turtles entered on any
//! breakout while flat. Both cannot fire on one bar: the previous bar's high is at least its low.
//! Prices are compared as decimals, exactly.

use mirai_core::{Action, Candle, Decimal, Signal};

use super::strength::past_the_line;
use super::{MAX_WINDOW, Strategy, StrategyError};
use crate::indicators::{RollingMax, RollingMin};
use crate::text::{push_normalized, push_u64};

pub const NAME: &str = "donchian";
pub const DEFAULT_ENTRY: usize = 20;
pub const DEFAULT_EXIT: usize = 10;

#[derive(Clone, Debug)]
pub struct Donchian {
    /// Highs of the previous `entry` bars; lows of the previous `exit` bars.
    highs: RollingMax,
    lows: RollingMin,
    /// Whether signals carry their reason in words (see [`super::AnyStrategy::set_reasons`]).
    reasons: bool,
}

impl Donchian {
    pub fn new(entry: usize, exit: usize) -> Result<Self, StrategyError> {
        check(entry, exit)?;
        Ok(Self::checked(entry, exit))
    }

    /// For periods [`check`] has accepted.
    pub(super) fn checked(entry: usize, exit: usize) -> Self {
        Self { highs: RollingMax::new(entry), lows: RollingMin::new(exit), reasons: true }
    }
}

/// The rules on the periods, before anything is allocated.
pub(super) fn check(entry: usize, exit: usize) -> Result<(), StrategyError> {
    for (param, bars) in [("entry", entry), ("exit", exit)] {
        if bars == 0 {
            return Err(StrategyError::BadParam {
                strategy: NAME,
                param,
                why: "must be at least 1 bar".into(),
            });
        }
        if bars > MAX_WINDOW {
            let why = format!("{bars} bars is too long a window: at most {MAX_WINDOW}");
            return Err(StrategyError::BadParam { strategy: NAME, param, why });
        }
    }
    Ok(())
}

impl Strategy for Donchian {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Both channels have a value from bar `max(entry, exit)` on (counting from 0).
    fn warm_up_bars(&self) -> usize {
        self.highs.period().max(self.lows.period())
    }

    #[inline]
    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        let (action, line) = self.breakout(c)?;
        Some(self.signal(c, action, line))
    }
}

impl Donchian {
    pub(super) fn set_reasons(&mut self, on: bool) {
        self.reasons = on;
    }

    /// As `on_candle`, building only a signal of `wanted` (see [`super::AnyStrategy::on_candle_for`]).
    #[inline(always)]
    pub(super) fn on_candle_for(&mut self, c: &Candle, wanted: Option<Action>) -> Option<Signal> {
        let (action, line) = self.breakout(c).filter(|(a, _)| Some(*a) == wanted)?;
        Some(self.signal(c, action, line))
    }

    /// The breakout on this bar against the previous bars' channels, if any, with the channel
    /// line it broke; then the bar joins the channels.
    #[inline(always)]
    fn breakout(&mut self, c: &Candle) -> Option<(Action, Decimal)> {
        let close = c.close.get();
        let hit = match (self.highs.value(), self.lows.value()) {
            (Some(high), _) if close > high => Some((Action::Buy, high)),
            (_, Some(low)) if close < low => Some((Action::Sell, low)),
            _ => None,
        };
        self.highs.push(c.high.get());
        self.lows.push(c.low.get());
        hit
    }

    /// The signal of a breakout: its strength is how far the close went past the line, in units
    /// of 0.5 % of it.
    #[cold]
    fn signal(&self, c: &Candle, action: Action, line: Decimal) -> Signal {
        let close = c.close.get();
        let buy = action == Action::Buy;
        let strength = past_the_line(if buy { close - line } else { line - close }, line);
        let mut reason = String::new();
        if self.reasons {
            let (verb, what, bars) = if buy {
                (" broke above ", ", the highest high of the previous ", self.highs.period())
            } else {
                (" fell below ", ", the lowest low of the previous ", self.lows.period())
            };
            reason.reserve(96);
            reason.push_str("close ");
            push_normalized(&mut reason, close);
            reason.push_str(verb);
            push_normalized(&mut reason, line);
            reason.push_str(what);
            push_u64(&mut reason, bars as u64);
            reason.push_str(" bars (Donchian breakout)");
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
    use mirai_core::{Confidence, Price};
    use rust_decimal_macros::dec;

    /// A one-minute bar `i` with its high, low and close.
    fn bar(i: i64, high: Decimal, low: Decimal, close: Decimal) -> Candle {
        Candle {
            high: Price::new(high),
            low: Price::new(low),
            open: Price::new(close),
            ..mirai_core::stubs::flat_minute_bar(i, close)
        }
    }

    /// Bars (high, low, close) with entry = 3 and exit = 2; the channels each bar is held
    /// against (previous bars only) are worked out beside it.
    const BARS: [(Decimal, Decimal, Decimal); 9] = [
        (dec!(10), dec!(8), dec!(9)),       // 0: no channel yet
        (dec!(11), dec!(9), dec!(10)),      // 1: no channel yet
        (dec!(12), dec!(10), dec!(11)),     // 2: exit channel min(8, 9) = 8; 11 is not below
        (dec!(12), dec!(10), dec!(11.5)), // 3: entry max(10, 11, 12) = 12: 11.5 is not above; exit min(9, 10) = 9
        (dec!(13), dec!(11), dec!(12.5)), // 4: entry max(11, 12, 12) = 12: 12.5 is above → BUY
        (dec!(13), dec!(11.5), dec!(12)), // 5: entry max(12, 12, 13) = 13: no; exit min(10, 11) = 10
        (dec!(12.5), dec!(11), dec!(11.5)), // 6: entry max(12, 13, 13) = 13; exit min(11, 11.5) = 11: no
        (dec!(11.5), dec!(10), dec!(10.5)), // 7: exit min(11.5, 11) = 11: 10.5 is below → SELL
        (dec!(13), dec!(10), dec!(13)), // 8: entry max(13, 12.5, 11.5) = 13: a close of 13 is on it, not above
    ];

    fn signals(entry: usize, exit: usize) -> Vec<(usize, Signal)> {
        let mut s = Donchian::new(entry, exit).unwrap();
        BARS.iter()
            .enumerate()
            .filter_map(|(i, &(h, l, c))| s.on_candle(&bar(i as i64, h, l, c)).map(|sig| (i, sig)))
            .collect()
    }

    #[test]
    fn one_breakout_up_and_one_down_at_the_bars_worked_out_by_hand() {
        let s = signals(3, 2);
        let at: Vec<(usize, Action)> = s.iter().map(|(i, sig)| (*i, sig.action)).collect();
        assert_eq!(at, [(4, Action::Buy), (7, Action::Sell)]);
        assert_eq!(
            s[0].1.reason,
            "close 12.5 broke above 12, the highest high of the previous 3 bars (Donchian breakout)"
        );
        assert_eq!(
            s[1].1.reason,
            "close 10.5 fell below 11, the lowest low of the previous 2 bars (Donchian breakout)"
        );
        // 0.5 above 12 is 4.17 %: full strength; 0.5 below 11 likewise.
        assert_eq!((s[0].1.strength, s[1].1.strength), (Confidence::ONE, Confidence::ONE));
        assert_eq!(s[0].1.price.get(), dec!(12.5));
    }

    #[test]
    fn the_current_bar_is_not_in_its_own_channel_and_ties_are_no_breakout() {
        // With entry = 1 the channel is the previous bar's high alone: bars 1 and 2 close on it
        // (10 against bar 0's high 10, 11 against bar 1's 11), which is no breakout; bar 3's 11.5
        // is below bar 2's 12; bar 4's 12.5 against bar 3's 12 is the first.
        let s = signals(1, 9);
        assert_eq!(s.first().map(|(i, sig)| (*i, sig.action)), Some((4, Action::Buy)));
    }

    #[test]
    fn parameters_are_checked() {
        assert!(Donchian::new(0, 10).unwrap_err().to_string().contains("entry: must be at least 1"));
        assert!(Donchian::new(20, 0).unwrap_err().to_string().contains("exit: must be at least 1"));
        assert!(Donchian::new(20, MAX_WINDOW + 1).unwrap_err().to_string().contains("too long"));
        assert_eq!(Donchian::new(55, 20).unwrap().warm_up_bars(), 55);
    }
}
