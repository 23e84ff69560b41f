//! `Sma`: the simple moving average over a fixed window, kept as an exact running sum.

use mirai_core::Decimal;

#[derive(Clone, Debug)]
pub struct Sma {
    window: Vec<Decimal>,
    next: usize,
    filled: usize,
    sum: Decimal,
}

impl Sma {
    /// `period` must be at least 1 (strategies validate their parameters before building one).
    pub fn new(period: usize) -> Self {
        Self { window: vec![Decimal::ZERO; period.max(1)], next: 0, filled: 0, sum: Decimal::ZERO }
    }

    pub fn period(&self) -> usize {
        self.window.len()
    }

    pub fn update(&mut self, value: Decimal) {
        let old = std::mem::replace(&mut self.window[self.next], value);
        self.sum += value - old;
        self.next = (self.next + 1) % self.window.len();
        self.filled = (self.filled + 1).min(self.window.len());
    }

    pub fn is_ready(&self) -> bool {
        self.filled == self.window.len()
    }

    /// The running sum of the window; comparing `sum_a * period_b` with `sum_b * period_a` compares
    /// two averages exactly without dividing.
    pub fn sum(&self) -> Decimal {
        self.sum
    }

    pub fn value(&self) -> Option<Decimal> {
        self.is_ready().then(|| self.sum / Decimal::from(self.window.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rolls_exactly() {
        let mut s = Sma::new(3);
        for v in [dec!(1), dec!(2)] {
            s.update(v);
        }
        assert_eq!(s.value(), None);
        s.update(dec!(3.3));
        assert_eq!(s.value(), Some(dec!(2.1)));
        s.update(dec!(0.1));
        assert_eq!(s.sum(), dec!(5.4));
        assert_eq!(s.value(), Some(dec!(1.8)));
    }
}
