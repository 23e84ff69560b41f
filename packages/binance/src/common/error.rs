//! `BinanceError`: every way a call to Binance can fail, each saying whether it is worth retrying
//! and whether an order's outcome is unknown.

use super::codes::{self, CodeClass};

pub type Result<T, E = BinanceError> = std::result::Result<T, E>;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BinanceError {
    /// The venue answered with an error body (`{"code":…,"msg":…}`).
    #[error("Binance error {code} (HTTP {status}): {msg}")]
    Api { status: u16, code: i32, msg: String },
    /// HTTP 429: a request limit was broken. The circuit breaker is open until `retry_after_ms`.
    #[error("rate limited by Binance (HTTP 429); retry after {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64 },
    /// HTTP 418: the IP is banned. The circuit breaker is open until the ban ends.
    #[error("IP banned by Binance (HTTP 418); retry after {retry_after_ms} ms")]
    Banned { retry_after_ms: u64 },
    /// Refused locally without sending: the breaker is open after a 429/418.
    #[error("circuit breaker open after a 429/418; {remaining_ms} ms left")]
    CircuitOpen { remaining_ms: u64 },
    /// Refused locally without sending: the request would exceed the weight or order budget.
    #[error("local rate budget exhausted ({what}); wait {wait_ms} ms")]
    Budget { what: &'static str, wait_ms: u64 },
    /// HTTP 5xx: Binance says the execution status is unknown.
    #[error("Binance server error (HTTP {status}); execution status unknown")]
    Server { status: u16 },
    /// No answer in time after the request was sent: the execution status is unknown.
    #[error("no response within {0} ms; execution status unknown")]
    Timeout(u64),
    /// The connection failed before the request was sent: nothing happened.
    #[error("could not connect to Binance: {0}")]
    Connect(String),
    /// The connection broke after the request may have been sent.
    #[error("transport error after sending: {0}")]
    Transport(String),
    /// A response that does not parse. The request itself succeeded or failed; we cannot tell
    /// which from this body.
    #[error("unexpected response from Binance: {0}")]
    Decode(String),
    #[error("websocket: {0}")]
    WebSocket(String),
    /// Refused locally: bad settings or arguments (no request was sent).
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl BinanceError {
    /// The venue's error code, when the venue sent one.
    pub fn code(&self) -> Option<i32> {
        match self {
            BinanceError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the same request may simply be sent again later. False for anything whose
    /// outcome is unknown: those are reconciled, not resent.
    pub fn is_retryable(&self) -> bool {
        match self {
            BinanceError::Api { code, .. } => {
                matches!(
                    codes::classify(*code),
                    CodeClass::Retryable | CodeClass::Timestamp | CodeClass::RateLimited
                )
            }
            BinanceError::RateLimited { .. }
            | BinanceError::Banned { .. }
            | BinanceError::CircuitOpen { .. }
            | BinanceError::Budget { .. }
            | BinanceError::Connect(_)
            | BinanceError::WebSocket(_) => true,
            BinanceError::Server { .. }
            | BinanceError::Timeout(_)
            | BinanceError::Transport(_)
            | BinanceError::Decode(_)
            | BinanceError::Invalid(_) => false,
        }
    }

    /// Whether a state-changing request (an order, a cancel) may or may not have taken effect:
    /// a 5xx, a timeout, a broken connection after sending, -1006/-1007, or an unreadable body.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            BinanceError::Api { code, .. } => codes::classify(*code) == CodeClass::Unknown,
            BinanceError::Server { .. }
            | BinanceError::Timeout(_)
            | BinanceError::Transport(_)
            | BinanceError::Decode(_) => true,
            _ => false,
        }
    }

    /// How long to wait before trying again, when the venue or the breaker said.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            BinanceError::RateLimited { retry_after_ms } | BinanceError::Banned { retry_after_ms } => {
                Some(*retry_after_ms)
            }
            BinanceError::CircuitOpen { remaining_ms } => Some(*remaining_ms),
            BinanceError::Budget { wait_ms, .. } => Some(*wait_ms),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i32) -> BinanceError {
        BinanceError::Api { status: 400, code, msg: String::new() }
    }

    #[test]
    fn errors_say_whether_to_retry_or_reconcile() {
        for unknown in
            [api(-1006), api(-1007), BinanceError::Server { status: 503 }, BinanceError::Timeout(10)]
        {
            assert!(unknown.outcome_unknown(), "{unknown}");
            assert!(!unknown.is_retryable(), "{unknown} must be reconciled, not resent");
        }
        for refused in [api(-1013), api(-2010), api(-1022)] {
            assert!(!refused.outcome_unknown() && !refused.is_retryable(), "{refused}");
        }
        let throttled = BinanceError::RateLimited { retry_after_ms: 3000 };
        assert!(throttled.is_retryable() && !throttled.outcome_unknown());
        assert_eq!(throttled.retry_after_ms(), Some(3000));
        assert!(BinanceError::Connect("refused".into()).is_retryable());
        assert!(api(-1021).is_retryable());
        assert_eq!(api(-2013).code(), Some(-2013));
    }
}
