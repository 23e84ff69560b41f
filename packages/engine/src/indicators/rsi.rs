//! `Rsi`: Wilder's relative strength index, in decimals.

use mirai_core::Decimal;

#[derive(Clone, Debug)]
pub struct Rsi {
    period: u32,
    prev: Option<Decimal>,
    seen: u32,
    avg_gain: Decimal,
    avg_loss: Decimal,
}

impl Rsi {
    pub fn new(period: u32) -> Self {
        Self { period: period.max(1), prev: None, seen: 0, avg_gain: Decimal::ZERO, avg_loss: Decimal::ZERO }
    }

    pub fn update(&mut self, close: Decimal) {
        let Some(prev) = self.prev.replace(close) else { return };
        let change = close - prev;
        let (gain, loss) =
            if change.is_sign_positive() { (change, Decimal::ZERO) } else { (Decimal::ZERO, -change) };
        let n = Decimal::from(self.period);
        self.seen += 1;
        if self.seen <= self.period {
            // The first average is a plain mean of the first `period` changes.
            self.avg_gain += gain / n;
            self.avg_loss += loss / n;
        } else {
            self.avg_gain = (self.avg_gain * (n - Decimal::ONE) + gain) / n;
            self.avg_loss = (self.avg_loss * (n - Decimal::ONE) + loss) / n;
        }
    }

    /// 0 to 100 once `period` changes have been seen.
    pub fn value(&self) -> Option<Decimal> {
        if self.seen < self.period {
            return None;
        }
        let hundred = Decimal::ONE_HUNDRED;
        if self.avg_loss.is_zero() {
            return Some(if self.avg_gain.is_zero() { Decimal::from(50) } else { hundred });
        }
        let rs = self.avg_gain / self.avg_loss;
        Some(hundred - hundred / (Decimal::ONE + rs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rising_prices_give_a_high_rsi_and_falling_a_low_one() {
        let mut up = Rsi::new(3);
        for v in [dec!(1), dec!(2), dec!(3), dec!(4)] {
            up.update(v);
        }
        assert_eq!(up.value(), Some(dec!(100)));
        let mut mixed = Rsi::new(2);
        for v in [dec!(10), dec!(12), dec!(11)] {
            mixed.update(v);
        }
        // gains 2,0 → 1; losses 0,1 → 0.5; RS 2; RSI 66.66…
        assert_eq!(mixed.value().map(|v| v.round_dp(4)), Some(dec!(66.6667)));
    }
}
