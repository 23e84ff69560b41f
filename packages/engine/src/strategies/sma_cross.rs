//! `SmaCross`: buy when the fast simple moving average crosses above the slow one, sell when it
//! crosses below. A cross needs a strict inequality on both bars (fast < slow, then fast > slow),
//! the same rule as backtesting.py's `crossover`, so an exact tie is not a cross — not even on
//! the way through: below, equal, above is no signal. The averages are compared exactly (integer
//! sums, cross-multiplied), so a tie is a true tie; float engines see most of these ties too
//! (pandas' means of two-decimal prices often come out exactly equal) and the rest as a hair
//! above or below (docs/backtesting.md counts how often that changes a trade).

use mirai_core::perf::POW10_I128;
use mirai_core::{Action, Candle, Confidence, Decimal, Signal};

use super::{MAX_WINDOW, Strategy, StrategyError};
use crate::indicators::SmaPair;
use crate::text::{push_normalized, push_ratio, push_u64};

pub const NAME: &str = "sma-cross";

#[derive(Clone, Debug)]
pub struct SmaCross {
    /// Both averages over one shared window.
    sma: SmaPair,
    /// Sign of (fast - slow) on the previous bar: -1, 0 or 1; 0 until both are ready (a tie
    /// and no reading lead to the same: no cross on the next bar).
    prev: i8,
    /// Whether signals carry their reason in words (see [`Strategy::set_reasons`]).
    reasons: bool,
}

impl SmaCross {
    pub fn new(fast: usize, slow: usize) -> Result<Self, StrategyError> {
        check(fast, slow)?;
        Ok(Self::checked(fast, slow))
    }

    /// For periods [`check`] has accepted.
    pub(super) fn checked(fast: usize, slow: usize) -> Self {
        Self { sma: SmaPair::new(fast, slow), prev: 0, reasons: true }
    }
}

/// The rules on the periods, before anything is allocated.
pub(super) fn check(fast: usize, slow: usize) -> Result<(), StrategyError> {
    let bad = |param, why| Err(StrategyError::BadParam { strategy: NAME, param, why });
    if fast == 0 || slow == 0 {
        return bad("fast", "periods must be at least 1".into());
    }
    if slow > MAX_WINDOW {
        return bad("slow", format!("{slow} bars is too long a window: at most {MAX_WINDOW}"));
    }
    if fast >= slow {
        return bad("fast", format!("fast ({fast}) must be shorter than slow ({slow})"));
    }
    Ok(())
}

impl Strategy for SmaCross {
    fn name(&self) -> &'static str {
        NAME
    }

    fn warm_up_bars(&self) -> usize {
        self.sma.slow_period() - 1
    }

    #[inline]
    fn on_candle(&mut self, c: &Candle) -> Option<Signal> {
        let action = self.cross(c)?;
        Some(self.signal(c, action))
    }
}

impl SmaCross {
    /// Whether signals carry their reason in words (see [`super::AnyStrategy::set_reasons`]).
    pub(super) fn set_reasons(&mut self, on: bool) {
        self.reasons = on;
    }

    /// As `on_candle`, building only a signal of `wanted` (see [`super::AnyStrategy::on_candle_for`]).
    #[inline(always)]
    pub(super) fn on_candle_for(&mut self, c: &Candle, wanted: Option<Action>) -> Option<Signal> {
        let action = self.cross(c).filter(|a| Some(*a) == wanted)?;
        Some(self.signal(c, action))
    }

    /// Updates the averages with the bar's close; the direction of a cross, if this bar is one.
    #[inline(always)]
    fn cross(&mut self, c: &Candle) -> Option<Action> {
        let close = c.close.get();
        self.sma.update(close);
        if !self.sma.is_ready() {
            return None;
        }
        let now: i8 = match self.sma.cmp_means() {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        };
        match (std::mem::replace(&mut self.prev, now), now) {
            (-1, 1) => Some(Action::Buy),
            (1, -1) => Some(Action::Sell),
            _ => None,
        }
    }

    /// The signal of a cross, with its strength (how far the close already sits from the slow
    /// average, in units of 0.5 %) and its reason in words.
    #[cold]
    fn signal(&self, c: &Candle, action: Action) -> Signal {
        let dir = if action == Action::Buy { "above" } else { "below" };
        let (fp, sp) = (self.sma.fast_period() as i128, self.sma.slow_period() as i128);
        let mut reason = String::new();
        let strength = match self
            .sma
            .fixed_sums()
            .and_then(|(fs, ss, scale)| Some((fs, ss, scale, fixed_close(c, scale)?)))
        {
            Some((fs, ss, scale, close)) if ss > 0 => {
                // Exact integers: mean = sum / (period × 10^scale); the close's distance from the
                // slow mean is |close × period - sum| / sum.
                let unit = 10i128.pow(scale);
                let gap = gap(close, sp, ss);
                if self.reasons {
                    reason.reserve(112);
                    reason.push_str("SMA(");
                    push_u64(&mut reason, fp as u64);
                    reason.push_str(") ");
                    push_ratio(&mut reason, fs, fp * unit, 4);
                    reason.push_str(" crossed ");
                    reason.push_str(dir);
                    reason.push_str(" SMA(");
                    push_u64(&mut reason, sp as u64);
                    reason.push_str(") ");
                    push_ratio(&mut reason, ss, sp * unit, 4);
                    reason.push_str("; close ");
                    push_normalized(&mut reason, c.close.get());
                    reason.push_str(" is ");
                    push_ratio(&mut reason, gap * 100, ss, 3);
                    reason.push_str("% from the slow average");
                }
                strength_of_gap(gap, ss)
            }
            _ => self.strength_in_decimal(c, dir, &mut reason),
        };
        Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength: Confidence::clamped(strength),
            reason,
        }
    }

    /// The same in `Decimal`, for averages that left fixed point.
    fn strength_in_decimal(&self, c: &Candle, dir: &str, reason: &mut String) -> Decimal {
        let close = c.close.get();
        let (fast, slow) = self.sma.values();
        let (fast, slow) = (fast.unwrap_or_default(), slow.unwrap_or_default());
        let distance = if slow.is_zero() { Decimal::ZERO } else { (close / slow - Decimal::ONE).abs() };
        if !self.reasons {
            return distance / Decimal::new(5, 3);
        }
        reason.push_str(&format!(
            "SMA({}) {} crossed {dir} SMA({}) {}; close {} is {}% from the slow average",
            self.sma.fast_period(),
            fast.round_dp(4),
            self.sma.slow_period(),
            slow.round_dp(4),
            c.close,
            (distance * Decimal::ONE_HUNDRED).round_dp(3),
        ));
        distance / Decimal::new(5, 3)
    }
}

impl SmaCross {
    /// The signal [`SmaCross`] gives (without reasons) for a cross in `action`'s direction on
    /// `c`, from the two averages' sums given as integer mantissas at `scale` (the fast one over
    /// `fast` bars, the slow one over `slow`): for a caller that computes the averages elsewhere,
    /// such as a sweep sharing them across combinations. The same integer code as the strategy's
    /// own signal; `None` where that code would not apply (a slow sum not above zero, a close
    /// finer than `scale`), for the caller to fall back to the strategy.
    pub fn signal_from_sums(
        c: &Candle,
        action: Action,
        slow: usize,
        (slow_sum, scale): (i128, u32),
    ) -> Option<Signal> {
        let close = fixed_close(c, scale)?;
        if slow_sum <= 0 {
            return None;
        }
        let strength = strength_of_gap(gap(close, slow as i128, slow_sum), slow_sum);
        Some(Signal {
            symbol: c.symbol,
            ts: c.close_time,
            strategy: NAME,
            action,
            price: c.close,
            strength: Confidence::clamped(strength),
            reason: String::new(),
        })
    }
}

/// `|close × period − sum|`: the close's distance from the slow mean, times the period.
fn gap(close: i128, slow: i128, slow_sum: i128) -> i128 {
    (close * slow - slow_sum).abs()
}

/// 200 × gap / sum is the distance in units of 0.5 %; at or past 1 it clamps. Eight decimals,
/// truncated, by integer division: the advisor's confidence rounds to four, whose thresholds
/// 8-decimal truncation never crosses.
fn strength_of_gap(gap: i128, slow_sum: i128) -> Decimal {
    match gap.checked_mul(200) {
        Some(g) if g < slow_sum => {
            let Some(n) = g.checked_mul(100_000_000) else { return Decimal::ONE };
            // Both are at least zero: where both fit a `u64` (prices at sensible scales), the
            // same quotient without `i128` division, a library call, on every signal.
            let q = match (u64::try_from(n), u64::try_from(slow_sum)) {
                (Ok(n), Ok(d)) => i128::from(n / d),
                _ => n / slow_sum,
            };
            Decimal::try_from_i128_with_scale(q, 8).unwrap_or(Decimal::ONE)
        }
        _ => Decimal::ONE,
    }
}

/// The close as a mantissa at the averages' scale, if it has one.
fn fixed_close(c: &Candle, scale: u32) -> Option<i128> {
    let d = c.close.get();
    d.mantissa().checked_mul(*POW10_I128.get(scale.checked_sub(d.scale())? as usize)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn candle(i: i64, close: Decimal) -> Candle {
        mirai_core::stubs::flat_minute_bar(i, close)
    }

    fn signals(closes: &[Decimal]) -> Vec<Signal> {
        let mut s = SmaCross::new(2, 4).unwrap();
        closes.iter().enumerate().filter_map(|(i, c)| s.on_candle(&candle(i as i64, *c))).collect()
    }

    #[test]
    fn a_cross_is_explained_with_exact_averages_and_a_strength() {
        let s = signals(&[dec!(100), dec!(99), dec!(98), dec!(97), dec!(96), dec!(110)]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].action, Action::Buy);
        assert_eq!(
            s[0].reason,
            "SMA(2) 103.0000 crossed above SMA(4) 100.2500; close 110 is 9.726% from the slow average"
        );
        assert_eq!(s[0].strength, Confidence::ONE, "9.7 % from the average is past 0.5 %: full strength");
        // A close 0.1 % above the slow average: strength 0.2.
        let s = signals(&[dec!(100.3), dec!(100.2), dec!(100.0), dec!(99.95), dec!(99.95), dec!(100.1)]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].strength.get(), dec!(0.2));
        assert!(
            s[0].reason.ends_with("SMA(4) 100.0000; close 100.1 is 0.100% from the slow average"),
            "{}",
            s[0].reason
        );
    }

    #[test]
    fn ties_are_not_crosses_even_on_the_way_through() {
        // Equal from the start, then above: no cross.
        assert!(signals(&[dec!(10), dec!(10), dec!(10), dec!(10), dec!(11)]).is_empty());
        // Below (bar 3), equal (bar 4: SMA(2) 9.5 = SMA(4) 9.5), above (bar 5): backtesting.py's
        // rule sees no bar strictly below followed by one strictly above.
        assert!(signals(&[dec!(11), dec!(10), dec!(9), dec!(9), dec!(10), dec!(12)]).is_empty());
        // Without the tie, the same move is a cross.
        let s = signals(&[dec!(11), dec!(10), dec!(9), dec!(9), dec!(10.5), dec!(12)]);
        assert_eq!(s.iter().map(|s| s.action).collect::<Vec<_>>(), [Action::Buy]);
    }

    proptest::proptest! {
        /// The strength is the `i128` quotient's, truncated to eight decimals, whether the
        /// numbers fit a `u64` or not.
        #[test]
        fn strength_is_the_wide_quotient(gap in 0i128..1 << 70, sum in 1i128..1 << 90, narrow: bool) {
            let (gap, sum) = if narrow { (gap >> 40, (sum >> 50).max(1)) } else { (gap, sum) };
            let want = match gap.checked_mul(200) {
                Some(g) if g < sum => g
                    .checked_mul(100_000_000)
                    .and_then(|n| Decimal::try_from_i128_with_scale(n / sum, 8).ok())
                    .unwrap_or(Decimal::ONE),
                _ => Decimal::ONE,
            };
            proptest::prop_assert_eq!(strength_of_gap(gap, sum), want);
        }
    }
}
