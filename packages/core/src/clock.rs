//! The two clocks behind the `Clock` port: `SystemClock`, the wall clock, for everything that must
//! read real time; `ManualClock`, which shows whatever time its driver sets — the data's time in
//! replays and backtests, a test's time in tests. Atomic so a driver task and the engine can
//! share it without a lock. Reading the wall clock anywhere else is a bug: it cannot be tested.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Clock, Timestamp};

/// The wall clock. Times before 1970 (a badly set host) read as 1970.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_millis(ms)
    }
}

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
