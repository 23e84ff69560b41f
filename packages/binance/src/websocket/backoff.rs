//! `Backoff`: exponential backoff with equal jitter, the named reconnection policy of every
//! stream. Half of each delay is fixed (so a reconnect storm never hammers the venue at zero
//! delay), half random (so many clients do not reconnect in lockstep).

use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    attempt: u32,
    rng: u64,
}

impl Backoff {
    /// Delays grow from `initial` doubling to `max`; each is uniform in [cap/2, cap].
    pub fn equal_jitter(initial: Duration, max: Duration) -> Self {
        Self { initial, max: max.max(initial), attempt: 0, rng: 0x9E37_79B9_7F4A_7C15 }
    }

    /// The policy streams use by default: 250 ms doubling to 30 s.
    pub fn default_stream() -> Self {
        Self::equal_jitter(Duration::from_millis(250), Duration::from_secs(30))
    }

    /// The next delay, and counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX);
        let cap = self.initial.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = cap / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let r = if jitter_ms == 0 { 0 } else { self.next_random() % (jitter_ms + 1) };
        half + Duration::from_millis(r)
    }

    /// After a connection that stayed up: start again from `initial`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// SplitMix64: enough randomness for jitter without a dependency.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::default_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_with_bounded_jitter_and_reset() {
        let mut b = Backoff::equal_jitter(Duration::from_millis(100), Duration::from_millis(1_000));
        let caps = [100u64, 200, 400, 800, 1_000, 1_000];
        for cap in caps {
            let d = b.next_delay().as_millis() as u64;
            assert!(d >= cap / 2 && d <= cap, "delay {d} outside [{}, {cap}]", cap / 2);
        }
        assert_eq!(b.attempts(), 6);
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
