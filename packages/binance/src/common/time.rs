//! The local wall clock and the offset to Binance's clock, shared by REST and the WebSocket API.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch on this machine.
pub fn local_millis() -> i64 {
    mirai_core::Clock::now(&mirai_core::SystemClock).millis()
}

/// The server's clock as seen from here: local time plus an offset measured with `GET /time`.
/// Signed requests carry `timestamp = server_now()`, so a drifting local clock does not earn -1021.
#[derive(Clone, Debug, Default)]
pub struct ServerClock {
    offset_ms: Arc<AtomicI64>,
}

impl ServerClock {
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Records a measurement: the server said `server_ms` while the local clock read
    /// `sent_ms` before the request and `received_ms` after. The server's reading is taken to be
    /// from the middle of the round trip.
    pub fn observe(&self, sent_ms: i64, server_ms: i64, received_ms: i64) -> i64 {
        let midpoint = sent_ms + (received_ms - sent_ms) / 2;
        let offset = server_ms - midpoint;
        self.offset_ms.store(offset, Ordering::Relaxed);
        offset
    }

    pub fn server_now(&self) -> i64 {
        local_millis() + self.offset_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_measured_from_the_middle_of_the_round_trip() {
        let c = ServerClock::default();
        assert_eq!(c.observe(1_000, 1_600, 1_200), 500);
        assert_eq!(c.offset_ms(), 500);
        assert_eq!(c.observe(1_000, 900, 1_000), -100);
        let now = local_millis();
        assert!((c.server_now() - (now - 100)).abs() < 1_000);
    }
}
