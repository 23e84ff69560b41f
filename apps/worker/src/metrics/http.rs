//! `HttpMetrics`: the worker's HTTP requests by route template and status, with their latency
//! as a histogram by route. Routes are labelled by template (`route_label`), never by the raw
//! path, so the number of series stays bounded whatever clients send.
//!
//! One lock around plain counts rather than atomics per series: the counter and the histogram
//! are updated together, so a scrape never sees one ahead of the other, and a request costs one
//! uncontended lock, nothing next to serving it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use rust_decimal::Decimal;

use super::exposition::{Exposition, Kind};

/// The path of the metrics endpoint.
pub const METRICS_PATH: &str = "/metrics";

/// Upper bounds of the latency buckets, in microseconds, with their `le` labels: a dashboard
/// read takes well under a millisecond, a login (argon2) about a tenth of a second, a search or a
/// decision on a proposal up to a few seconds.
const BUCKETS: [(u64, &str); 13] = [
    (1_000, "0.001"),
    (2_500, "0.0025"),
    (5_000, "0.005"),
    (10_000, "0.01"),
    (25_000, "0.025"),
    (50_000, "0.05"),
    (100_000, "0.1"),
    (250_000, "0.25"),
    (500_000, "0.5"),
    (1_000_000, "1"),
    (2_500_000, "2.5"),
    (5_000_000, "5"),
    (10_000_000, "10"),
];

const REQUESTS: &str = "mirai_http_requests_total";
const DURATION: &str = "mirai_http_request_duration_seconds";

/// The label of a request path: the worker's own routes, else the web tier's template (ids as
/// `{id}`), else `unmatched`.
pub fn route_label(path: &str) -> &'static str {
    match path {
        crate::server::HEALTH_PATH => crate::server::HEALTH_PATH,
        METRICS_PATH => METRICS_PATH,
        _ => mirai_web::route_template(path),
    }
}

/// The requests of one route and status.
#[derive(Clone, Debug, Default)]
struct Series {
    count: u64,
    /// Microseconds in all: exact, and printed as seconds without a float.
    sum_micros: u64,
    /// Requests per bucket, not cumulative: a request is counted in the first bucket it fits
    /// (one slower than the last bound only in `count`).
    buckets: [u64; BUCKETS.len()],
}

impl Series {
    fn add(&mut self, other: &Series) {
        self.count += other.count;
        self.sum_micros = self.sum_micros.saturating_add(other.sum_micros);
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
    }
}

#[derive(Debug, Default)]
pub struct HttpMetrics {
    series: Mutex<BTreeMap<(&'static str, u16), Series>>,
}

impl HttpMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one answered request.
    pub fn record(&self, route: &'static str, status: u16, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        // A panic elsewhere while holding the lock leaves plain counts, still valid.
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = series.entry((route, status)).or_default();
        s.count += 1;
        s.sum_micros = s.sum_micros.saturating_add(micros);
        if let Some(i) = BUCKETS.iter().position(|(bound, _)| micros <= *bound) {
            s.buckets[i] += 1;
        }
    }

    /// Writes the request counter and the latency histogram.
    pub fn render(&self, out: &mut Exposition) {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner()).clone();
        out.family(REQUESTS, Kind::Counter, "HTTP requests answered, by route template and status code.");
        for ((route, status), s) in &series {
            out.sample(REQUESTS, &[("route", route), ("status", &status.to_string())], s.count);
        }
        let mut by_route: BTreeMap<&'static str, Series> = BTreeMap::new();
        for ((route, _), s) in &series {
            by_route.entry(route).or_default().add(s);
        }
        out.family(DURATION, Kind::Histogram, "Time to answer an HTTP request, by route template.");
        let bucket = format!("{DURATION}_bucket");
        for (route, s) in &by_route {
            let mut cumulative = 0;
            for ((_, le), n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                out.sample(&bucket, &[("route", route), ("le", le)], cumulative);
            }
            out.sample(&bucket, &[("route", route), ("le", "+Inf")], s.count);
            let sum = Decimal::new(i64::try_from(s.sum_micros).unwrap_or(i64::MAX), 6);
            out.sample(&format!("{DURATION}_sum"), &[("route", route)], sum.normalize());
            out.sample(&format!("{DURATION}_count"), &[("route", route)], s.count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_labelled_by_template() {
        assert_eq!(route_label("/healthz"), "/healthz");
        assert_eq!(route_label("/metrics"), "/metrics");
        assert_eq!(route_label("/api/backtests/bt-7/result"), "/api/backtests/{id}/result");
        assert_eq!(route_label("/etc/passwd"), "unmatched");
    }

    #[test]
    fn the_histogram_is_cumulative_and_counts_what_the_counter_counts() {
        let http = HttpMetrics::new();
        http.record("/api/status", 200, Duration::from_micros(400));
        http.record("/api/status", 200, Duration::from_millis(30));
        http.record("/api/status", 401, Duration::from_secs(11));
        let mut out = Exposition::new();
        http.render(&mut out);
        let text = out.finish();
        let line = |l: &str| assert!(text.lines().any(|x| x == l), "no line {l:?} in\n{text}");
        line(r#"mirai_http_requests_total{route="/api/status",status="200"} 2"#);
        line(r#"mirai_http_requests_total{route="/api/status",status="401"} 1"#);
        line(r#"mirai_http_request_duration_seconds_bucket{route="/api/status",le="0.001"} 1"#);
        line(r#"mirai_http_request_duration_seconds_bucket{route="/api/status",le="0.025"} 1"#);
        line(r#"mirai_http_request_duration_seconds_bucket{route="/api/status",le="0.05"} 2"#);
        line(r#"mirai_http_request_duration_seconds_bucket{route="/api/status",le="10"} 2"#);
        line(r#"mirai_http_request_duration_seconds_bucket{route="/api/status",le="+Inf"} 3"#);
        line(r#"mirai_http_request_duration_seconds_sum{route="/api/status"} 11.0304"#);
        line(r#"mirai_http_request_duration_seconds_count{route="/api/status"} 3"#);
    }
}
