//! The streams' reconnection policy: [`Backoff`] with equal jitter, seeded from the OS so that
//! processes reconnecting after the same venue outage spread out instead of arriving together.

use std::time::Duration;

use mirai_core::Backoff;

/// `initial` doubling to `max`, with jitter from a seed the OS chose for this process.
pub fn jittered(initial: Duration, max: Duration) -> Backoff {
    Backoff::equal_jitter(initial, max, os_seed())
}

/// The policy streams use by default: 250 ms doubling to 30 s, jittered.
pub fn default_stream() -> Backoff {
    jittered(Duration::from_millis(250), Duration::from_secs(30))
}

/// A seed from the OS; the clock's nanoseconds when the OS cannot give one (still different
/// between processes, which is all jitter needs).
fn os_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_streams_do_not_share_a_schedule() {
        let schedule = || {
            let mut b = default_stream();
            (0..8).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_ne!(schedule(), schedule(), "two backoffs drew the same jitter");
    }
}
