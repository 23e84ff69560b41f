//! `Deduper`: says an alert once per quiet window of its key. Times are passed in (the caller's
//! `Instant::now()`), so tests need no clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Keys remembered at most; past it the expired ones are forgotten first, then the map is
/// cleared (repeating one alert is better than growing without bound).
const MAX_KEYS: usize = 4_096;

#[derive(Debug, Default)]
pub struct Deduper {
    quiet_until: HashMap<String, Instant>,
}

impl Deduper {
    /// Whether an alert with `key` may go out at `now`; if so, repeats of it stay quiet for
    /// `quiet`. An empty key or a zero window is never held back.
    pub fn admit(&mut self, key: &str, quiet: Duration, now: Instant) -> bool {
        if key.is_empty() || quiet.is_zero() {
            return true;
        }
        if self.quiet_until.get(key).is_some_and(|until| now < *until) {
            return false;
        }
        if self.quiet_until.len() >= MAX_KEYS {
            self.quiet_until.retain(|_, until| now < *until);
            if self.quiet_until.len() >= MAX_KEYS {
                self.quiet_until.clear();
            }
        }
        self.quiet_until.insert(key.to_owned(), now + quiet);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_quiet_for_its_window_then_may_alert_again() {
        let mut d = Deduper::default();
        let t = Instant::now();
        let w = Duration::from_secs(60);
        assert!(d.admit("failed_logins", w, t));
        assert!(!d.admit("failed_logins", w, t + Duration::from_secs(59)));
        assert!(d.admit("other", w, t), "keys are independent");
        assert!(d.admit("failed_logins", w, t + w));
        assert!(d.admit("", w, t) && d.admit("", w, t), "no key: never held back");
        assert!(d.admit("k", Duration::ZERO, t) && d.admit("k", Duration::ZERO, t));
    }
}
