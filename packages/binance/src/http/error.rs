//! HTTP responses and transport failures to [`BinanceError`]: which statuses mean "refused",
//! "throttled" or "unknown", and reading the rate-limit headers.

use http_headers::*;

use super::models::ErrorBody;
use crate::common::error::BinanceError;

/// The headers we read, lower-case as HTTP/2 and reqwest normalise them.
pub(crate) mod http_headers {
    pub const USED_WEIGHT_1M: &str = "x-mbx-used-weight-1m";
    pub const ORDER_COUNT_10S: &str = "x-mbx-order-count-10s";
    pub const ORDER_COUNT_1D: &str = "x-mbx-order-count-1d";
    pub const RETRY_AFTER: &str = "retry-after";
}

/// Rate-limit headers of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitHeaders {
    pub used_weight_1m: Option<u32>,
    pub order_count_10s: Option<u32>,
    pub order_count_1d: Option<u32>,
    /// `Retry-After`, converted from seconds to milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl LimitHeaders {
    pub fn read(headers: &reqwest::header::HeaderMap) -> Self {
        let num = |name: &str| {
            headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
        };
        let small = |name: &str| num(name).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        Self {
            used_weight_1m: small(USED_WEIGHT_1M),
            order_count_10s: small(ORDER_COUNT_10S),
            order_count_1d: small(ORDER_COUNT_1D),
            retry_after_ms: num(RETRY_AFTER).map(|s| s.saturating_mul(1000)),
        }
    }
}

/// The error for a non-success response. `retry_after_ms` is what the breaker was opened for.
pub fn from_status(status: u16, body: &[u8], retry_after_ms: u64) -> BinanceError {
    match status {
        429 => BinanceError::RateLimited { retry_after_ms },
        418 => BinanceError::Banned { retry_after_ms },
        500..=599 => {
            // A 5xx may still carry -1006/-1007; either way the outcome is unknown.
            BinanceError::Server { status }
        }
        _ => match serde_json::from_slice::<ErrorBody>(body) {
            Ok(e) => BinanceError::Api { status, code: e.code, msg: e.msg },
            // 403 (WAF) and proxies answer without Binance's body; the text is kept short.
            Err(_) => BinanceError::Api {
                status,
                code: 0,
                msg: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
            },
        },
    }
}

/// A reqwest failure. The URL (whose query holds the signature) is stripped from the message.
pub fn from_transport(e: reqwest::Error, timeout_ms: u64) -> BinanceError {
    if e.is_timeout() {
        BinanceError::Timeout(timeout_ms)
    } else if e.is_connect() {
        BinanceError::Connect(e.without_url().to_string())
    } else if e.is_builder() {
        BinanceError::Invalid(e.without_url().to_string())
    } else {
        BinanceError::Transport(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_refused_throttled_or_unknown() {
        let body = br#"{"code":-1013,"msg":"Filter failure: LOT_SIZE"}"#;
        assert_eq!(
            from_status(400, body, 0),
            BinanceError::Api { status: 400, code: -1013, msg: "Filter failure: LOT_SIZE".into() }
        );
        assert_eq!(from_status(429, body, 7000), BinanceError::RateLimited { retry_after_ms: 7000 });
        assert_eq!(from_status(418, b"", 120_000), BinanceError::Banned { retry_after_ms: 120_000 });
        let e = from_status(503, br#"{"code":-1007,"msg":"Timeout waiting for response"}"#, 0);
        assert!(e.outcome_unknown());
        assert_eq!(from_status(403, b"<html>WAF</html>", 0).code(), Some(0));
    }

    #[test]
    fn headers_are_read_case_insensitively() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("X-MBX-USED-WEIGHT-1M", "321".parse().unwrap());
        h.insert("X-MBX-ORDER-COUNT-10S", "12".parse().unwrap());
        h.insert("Retry-After", "3".parse().unwrap());
        let l = LimitHeaders::read(&h);
        assert_eq!(l.used_weight_1m, Some(321));
        assert_eq!(l.order_count_10s, Some(12));
        assert_eq!(l.order_count_1d, None);
        assert_eq!(l.retry_after_ms, Some(3000));
    }
}
