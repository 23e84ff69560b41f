//! What bounds the model's time and money: a circuit breaker (after repeated failures the model
//! is not asked for a cool-down, and decisions fall back to the rules at once), a daily budget in
//! US dollars that fails closed, and the running totals `/api/status` shows.
//!
//! Times here are wall-clock milliseconds given by the caller: money is spent in real days, and
//! the breaker protects real latency; neither may follow a replayed market clock.

use rust_decimal::Decimal;

/// Opens after `threshold` failures in a row; stays open for `cooldown_ms`; then lets one call
/// through (half-open): a success closes it, a failure opens it again.
#[derive(Clone, Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown_ms: i64,
    failures: u32,
    open_until: Option<i64>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown_ms: i64) -> Self {
        Self { threshold: threshold.max(1), cooldown_ms: cooldown_ms.max(0), failures: 0, open_until: None }
    }

    /// `Some(until)` while calls are refused.
    pub fn refuses(&self, now_ms: i64) -> Option<i64> {
        self.open_until.filter(|until| now_ms < *until)
    }

    pub fn success(&mut self) {
        self.failures = 0;
        self.open_until = None;
    }

    pub fn failure(&mut self, now_ms: i64) {
        self.failures = self.failures.saturating_add(1);
        let half_open = self.open_until.is_some_and(|until| now_ms >= until);
        if self.failures >= self.threshold || half_open {
            self.open_until = Some(now_ms.saturating_add(self.cooldown_ms));
        }
    }
}

/// Prices per million tokens, in US dollars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    pub input_per_mtok: Decimal,
    pub output_per_mtok: Decimal,
}

impl Prices {
    /// What `tokens_in` and `tokens_out` cost.
    pub fn cost(&self, tokens_in: u32, tokens_out: u32) -> Decimal {
        let m = Decimal::from(1_000_000);
        (Decimal::from(tokens_in) * self.input_per_mtok + Decimal::from(tokens_out) * self.output_per_mtok)
            / m
    }
}

/// A daily spending limit. A call is allowed only while today's spend is below the limit; the
/// call that crosses it is the last of the day (its size is not known before it is made).
#[derive(Clone, Debug)]
pub struct Budget {
    daily_usd: Decimal,
    day: i64,
    spent: Decimal,
}

impl Budget {
    pub fn new(daily_usd: Decimal) -> Self {
        Self { daily_usd, day: i64::MIN, spent: Decimal::ZERO }
    }

    /// `Err(spent)` when today's budget is used up.
    pub fn allows(&mut self, now_ms: i64) -> Result<(), Decimal> {
        self.roll(now_ms);
        if self.spent >= self.daily_usd { Err(self.spent) } else { Ok(()) }
    }

    pub fn spend(&mut self, now_ms: i64, usd: Decimal) {
        self.roll(now_ms);
        self.spent += usd.max(Decimal::ZERO);
    }

    pub fn spent_today(&self) -> Decimal {
        self.spent
    }

    pub fn daily_usd(&self) -> Decimal {
        self.daily_usd
    }

    fn roll(&mut self, now_ms: i64) {
        let day = now_ms.div_euclid(86_400_000);
        if day != self.day {
            self.day = day;
            self.spent = Decimal::ZERO;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_breaker_opens_after_repeated_failures_and_half_opens_after_the_cooldown() {
        let mut b = Breaker::new(3, 1_000);
        b.failure(0);
        b.failure(1);
        assert_eq!(b.refuses(2), None, "two failures are not yet a pattern");
        b.failure(2);
        assert_eq!(b.refuses(3), Some(1_002));
        assert_eq!(b.refuses(1_002), None, "half-open after the cooldown");
        b.failure(1_002);
        assert_eq!(b.refuses(1_003), Some(2_002), "one failure when half-open opens it again");
        b.success();
        assert_eq!(b.refuses(1_003), None);
        b.failure(1_004);
        assert_eq!(b.refuses(1_005), None, "a success reset the count");
    }

    #[test]
    fn the_budget_fails_closed_once_spent_and_opens_the_next_utc_day() {
        let mut b = Budget::new(dec!(0.01));
        assert!(b.allows(0).is_ok());
        b.spend(0, dec!(0.006));
        assert!(b.allows(1).is_ok());
        b.spend(1, dec!(0.006));
        assert_eq!(b.allows(2), Err(dec!(0.012)));
        assert!(b.allows(86_400_000).is_ok(), "a new day");
        let none = Budget::new(Decimal::ZERO).allows(0);
        assert!(none.is_err(), "a zero budget allows nothing");
    }

    #[test]
    fn cost_is_exact() {
        let p = Prices { input_per_mtok: dec!(0.15), output_per_mtok: dec!(0.60) };
        assert_eq!(p.cost(1_000, 200), dec!(0.00027));
    }
}
