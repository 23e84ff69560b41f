//! The worker's metrics for Prometheus: `GET /metrics` on the dashboard's port, behind the
//! service token (docs/operations.md, "Metrics").
//!
//! The text format is written here rather than with the `prometheus-client` crate. Nearly every
//! figure is read at scrape time from where the worker keeps it already (the ledger, the
//! published status, the stream counters), which that crate's registry would need a custom
//! collector for; the one thing kept here, the HTTP requests, is a counter and a histogram; and
//! the format is small and stable. So no dependency (that crate brings `parking_lot`, `dtoa`
//! and a derive macro with `syn`) for what takes a page.

mod endpoint;
mod exposition;
mod http;
mod scrape;

use std::sync::Arc;

use mirai_store_local::LocalStore;

pub use endpoint::answer;
pub use exposition::CONTENT_TYPE;
pub use http::{HttpMetrics, METRICS_PATH, route_label};

/// What `/metrics` reads besides the status: the ledger, and the requests the server counted.
#[derive(Debug)]
pub struct Metrics {
    store: Arc<LocalStore>,
    pub http: HttpMetrics,
}

impl Metrics {
    pub fn new(store: Arc<LocalStore>) -> Self {
        Self { store, http: HttpMetrics::new() }
    }
}
