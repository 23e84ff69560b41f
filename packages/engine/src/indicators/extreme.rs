//! `RollingMax` and `RollingMin`: the highest (lowest) of the last `period` values, for Donchian
//! channels. A monotonic deque: each value is kept only while no later value beats it, so the
//! answer is always at the front. Every value goes in once and out once, so an update is O(1)
//! amortised, and the deque, made once with room for `period` entries, never grows. Values are
//! compared as `Decimal`s, exactly, whatever their scales.

use std::collections::VecDeque;

use mirai_core::Decimal;

/// The highest of the last `period` values.
pub type RollingMax = Extreme<true>;
/// The lowest of the last `period` values.
pub type RollingMin = Extreme<false>;

#[derive(Clone, Debug)]
pub struct Extreme<const MAX: bool> {
    period: usize,
    /// Values pushed so far.
    seq: u64,
    /// `(sequence number, value)`, values strictly decreasing (increasing for the minimum) from
    /// the front, sequence numbers within the last `period`.
    deque: VecDeque<(u64, Decimal)>,
}

impl<const MAX: bool> Extreme<MAX> {
    /// `period` of at least 1 (strategies validate their parameters before building one).
    pub fn new(period: usize) -> Self {
        let period = period.max(1);
        Self { period, seq: 0, deque: VecDeque::with_capacity(period) }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    /// Adds a value; the oldest leaves the window once `period` are in.
    #[inline]
    pub fn push(&mut self, value: Decimal) {
        // The one `period` ago leaves first, so at most `period - 1` stay and the deque never
        // outgrows the room it was made with.
        let oldest_kept = (self.seq + 1).saturating_sub(self.period as u64);
        while self.deque.front().is_some_and(|&(s, _)| s < oldest_kept) {
            self.deque.pop_front();
        }
        // A value no better than the new one can never be the answer again. Ties go too, so the
        // newest of equal values is the one kept (it stays longest).
        while self.deque.back().is_some_and(|&(_, v)| if MAX { v <= value } else { v >= value }) {
            self.deque.pop_back();
        }
        self.deque.push_back((self.seq, value));
        self.seq += 1;
    }

    /// The highest (lowest) of the last `period` values, once `period` have been pushed.
    #[inline]
    pub fn value(&self) -> Option<Decimal> {
        if self.seq < self.period as u64 {
            return None;
        }
        self.deque.front().map(|&(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_extremes_of_the_last_period_values() {
        let (mut hi, mut lo) = (RollingMax::new(3), RollingMin::new(3));
        let mut seen = Vec::new();
        for v in [dec!(5), dec!(3), dec!(4), dec!(1), dec!(2), dec!(2.0), dec!(6)] {
            hi.push(v);
            lo.push(v);
            seen.push((hi.value(), lo.value()));
        }
        // Windows: [5 3 4] → 5, 3; [3 4 1] → 4, 1; [4 1 2] → 4, 1; [1 2 2.0] → 2, 1; [2 2.0 6] → 6, 2.
        let want = [
            (None, None),
            (None, None),
            (Some(dec!(5)), Some(dec!(3))),
            (Some(dec!(4)), Some(dec!(1))),
            (Some(dec!(4)), Some(dec!(1))),
            (Some(dec!(2)), Some(dec!(1))),
            (Some(dec!(6)), Some(dec!(2))),
        ];
        assert_eq!(seen, want);
    }

    proptest! {
        /// The deque agrees with a plain scan of the window and never grows past its room.
        #[test]
        fn agrees_with_a_scan(values in proptest::collection::vec((0i64..50, 0u32..3), 1..120), period in 1usize..9) {
            let (mut hi, mut lo) = (RollingMax::new(period), RollingMin::new(period));
            let room = hi.deque.capacity();
            let mut seen: Vec<Decimal> = Vec::new();
            for (m, s) in values {
                let v = Decimal::new(m, s);
                hi.push(v);
                lo.push(v);
                seen.push(v);
                let window = &seen[seen.len().saturating_sub(period)..];
                let full = seen.len() >= period;
                prop_assert_eq!(hi.value(), window.iter().max().copied().filter(|_| full));
                prop_assert_eq!(lo.value(), window.iter().min().copied().filter(|_| full));
                prop_assert!(hi.deque.len() <= period && lo.deque.len() <= period);
                prop_assert_eq!(hi.deque.capacity(), room);
            }
        }
    }
}
