//! How often the Binance streams have reconnected since the process started, for the worker's
//! `/metrics` (`mirai_stream_reconnects_total`). Process-wide counters rather than handles passed
//! down: the streams are started deep in `boot`, one process trades one account (the data
//! directory's lock sees to it), and a Prometheus target is a process, so a per-process count is
//! exactly what is scraped. First connections are not counted: only re-connections.

use std::sync::atomic::{AtomicU64, Ordering};

static MARKET_FEED: AtomicU64 = AtomicU64::new(0);
static USER_DATA: AtomicU64 = AtomicU64::new(0);

/// The market feed (klines) connected again after losing its stream.
pub(crate) fn market_feed_reconnected() {
    MARKET_FEED.fetch_add(1, Ordering::Relaxed);
}

/// The user-data stream subscribed again after losing its connection.
pub(crate) fn user_data_resubscribed() {
    USER_DATA.fetch_add(1, Ordering::Relaxed);
}

/// Re-connections so far, by stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamReconnects {
    pub market_feed: u64,
    pub user_data: u64,
}

/// The counts now; each only grows.
pub fn stream_reconnects() -> StreamReconnects {
    StreamReconnects {
        market_feed: MARKET_FEED.load(Ordering::Relaxed),
        user_data: USER_DATA.load(Ordering::Relaxed),
    }
}
