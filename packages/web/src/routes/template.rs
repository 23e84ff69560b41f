//! `route_template`: which route a request path is, as a fixed template such as
//! `/api/backtests/{id}`, for the worker's HTTP metrics. Never the raw path: every id, query or
//! junk path a client sends would otherwise become a series of its own, without bound.

use super::router::Route;
use crate::control_api::control_route_template;

/// The label of every path no route serves (404s from scanners, typos).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The template of the public or control-API route `path` matches, or [`UNMATCHED_ROUTE`]. The
/// dashboard's three paths (`/`, `/index.html`, `/api/dashboard`) are one route, `/`.
pub fn route_template(path: &str) -> &'static str {
    let found = if path.starts_with("/internal/") {
        control_route_template(path)
    } else {
        Route::find(path).ok().map(Route::template)
    };
    found.unwrap_or(UNMATCHED_ROUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_placeholders_and_unknown_paths_one_label() {
        let cases = [
            ("/", "/"),
            ("/index.html", "/"),
            ("/api/dashboard", "/"),
            ("/api/status", "/api/status"),
            ("/api/trades", "/api/trades"),
            ("/api/performance", "/api/performance"),
            ("/api/pnl", "/api/pnl"),
            ("/api/round-trips", "/api/round-trips"),
            ("/api/decisions", "/api/decisions"),
            ("/api/backtests", "/api/backtests"),
            ("/api/backtests/bt-42", "/api/backtests/{id}"),
            ("/api/backtests/bt-42/result", "/api/backtests/{id}/result"),
            ("/api/proposals/mi-a-b/approve", "/api/proposals/{id}/approve"),
            ("/api/proposals/mi-a-b/reject", "/api/proposals/{id}/reject"),
            ("/api/news/search", "/api/news/search"),
            ("/internal/v1/status", "/internal/v1/status"),
            ("/internal/v1/performance", "/internal/v1/performance"),
            ("/internal/v1/pnl", "/internal/v1/pnl"),
            ("/internal/v1/round-trips", "/internal/v1/round-trips"),
            ("/internal/v1/decisions", "/internal/v1/decisions"),
            ("/internal/v1/audit/login", "/internal/v1/audit/login"),
            ("/internal/v1/backtests/bt-42/result", "/internal/v1/backtests/{id}/result"),
            ("/internal/v1/proposals/mi-a-b/approve", "/internal/v1/proposals/{id}/approve"),
            ("/api/backtests/a/b", UNMATCHED_ROUTE),
            ("/internal/v1/nope", UNMATCHED_ROUTE),
            ("/wp-login.php", UNMATCHED_ROUTE),
            ("/api/status/", UNMATCHED_ROUTE),
        ];
        for (path, template) in cases {
            assert_eq!(route_template(path), template, "{path}");
        }
    }

    #[test]
    fn a_template_never_carries_what_the_client_chose() {
        for path in ["/api/backtests/secret-id-123", "/api/proposals/mi-secret-b/approve"] {
            let t = route_template(path);
            assert!(!t.contains("secret"), "{path} -> {t}");
        }
    }
}
