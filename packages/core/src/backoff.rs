//! `Backoff`: how long to wait after consecutive failures — doubling from `initial` up to `max` —
//! optionally with equal jitter: half of each delay fixed (a reconnect storm never hammers a venue
//! at zero delay), half random (many clients do not retry in lockstep). One type for every retry
//! in the system; the outbox uses it without jitter (one shipper per destination, no herd), the
//! streams with jitter seeded by the caller from the OS (core does no I/O), so two processes never
//! share a schedule.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    attempt: u32,
    /// The jitter generator's state (SplitMix64); `None`: no jitter.
    jitter: Option<u64>,
}

impl Backoff {
    /// Delays doubling from `initial` to `max`, without jitter.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max: max.max(initial), attempt: 0, jitter: None }
    }

    /// The same, each delay uniform in [cap/2, cap], from a generator seeded with `seed` (give it
    /// one from the OS: equal seeds give equal schedules).
    pub fn equal_jitter(initial: Duration, max: Duration, seed: u64) -> Self {
        Self { jitter: Some(seed), ..Self::new(initial, max) }
    }

    /// The longest wait after the `failures`-th failure in a row (1 = the first), before jitter.
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// The next delay (with jitter when set), and counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        self.attempt = self.attempt.saturating_add(1);
        let cap = self.delay(self.attempt);
        let Some(state) = self.jitter.as_mut() else { return cap };
        let half = cap / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let r = if jitter_ms == 0 { 0 } else { split_mix64(state) % (jitter_ms + 1) };
        half + Duration::from_millis(r)
    }

    /// After a connection that stayed up: start again from `initial`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

impl Default for Backoff {
    /// 500 ms doubling to 60 s, no jitter.
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(60))
    }
}

/// SplitMix64: enough randomness for jitter; the seed is what must differ between processes.
fn split_mix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let waits: Vec<u128> = (1..=6).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(0), Duration::from_millis(100));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }

    #[test]
    fn jittered_delays_stay_within_half_and_whole_cap_and_reset() {
        let mut b = Backoff::equal_jitter(Duration::from_millis(100), Duration::from_millis(1_000), 7);
        for cap in [100u64, 200, 400, 800, 1_000, 1_000] {
            let d = b.next_delay().as_millis() as u64;
            assert!(d >= cap / 2 && d <= cap, "delay {d} outside [{}, {cap}]", cap / 2);
        }
        assert_eq!(b.attempts(), 6);
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
        let mut plain = Backoff::new(Duration::from_millis(100), Duration::from_millis(1_000));
        assert_eq!(plain.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn different_seeds_give_different_schedules() {
        let schedule = |seed| {
            let mut b = Backoff::equal_jitter(Duration::from_secs(1), Duration::from_secs(30), seed);
            (0..8).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_ne!(schedule(1), schedule(2));
        assert_eq!(schedule(3), schedule(3));
    }
}
