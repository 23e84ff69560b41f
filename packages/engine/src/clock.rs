//! `ManualClock`: a clock that shows whatever time its driver sets — the data's time in replays and
//! backtests. Atomic so a driver task and the engine can share it without a lock.

use std::sync::atomic::{AtomicI64, Ordering};

use mirai_core::{Clock, Timestamp};

#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(AtomicI64::new(start.millis()))
    }

    pub fn set(&self, t: Timestamp) {
        self.0.store(t.millis(), Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::Relaxed))
    }
}
