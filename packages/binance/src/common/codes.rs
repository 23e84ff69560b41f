//! Binance error codes (errors.md) and what each means for the caller: retry, reconcile, or stop.

/// How a venue error code should be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeClass {
    /// The request was refused and changed nothing; sending it again unchanged fails again.
    Refused,
    /// Transient: the request changed nothing and may be retried (after a pause).
    Retryable,
    /// The request may or may not have been executed (-1006, -1007): reconcile, never resend.
    Unknown,
    /// Our clock is off: resync the server-time offset, then retry.
    Timestamp,
    /// Throttled: back off (order-count or weight limits).
    RateLimited,
}

pub const UNKNOWN: i32 = -1000;
pub const DISCONNECTED: i32 = -1001;
pub const TOO_MANY_REQUESTS: i32 = -1003;
pub const UNEXPECTED_RESP: i32 = -1006;
pub const TIMEOUT: i32 = -1007;
pub const SERVER_BUSY: i32 = -1008;
pub const FILTER_FAILURE: i32 = -1013;
pub const TOO_MANY_ORDERS: i32 = -1015;
pub const INVALID_TIMESTAMP: i32 = -1021;
pub const INVALID_SIGNATURE: i32 = -1022;
pub const MANDATORY_PARAM: i32 = -1102;
pub const BAD_SYMBOL: i32 = -1121;
pub const BAD_RECV_WINDOW: i32 = -1131;
pub const NEW_ORDER_REJECTED: i32 = -2010;
pub const CANCEL_REJECTED: i32 = -2011;
pub const NO_SUCH_ORDER: i32 = -2013;
pub const BAD_API_KEY_FMT: i32 = -2014;
pub const REJECTED_MBX_KEY: i32 = -2015;

/// The class of a Binance error code. Unlisted codes are refusals: the safe default, since a
/// refusal is neither retried nor treated as an order that might exist.
pub fn classify(code: i32) -> CodeClass {
    match code {
        UNEXPECTED_RESP | TIMEOUT => CodeClass::Unknown,
        // -1001 "Internal error; unable to process your request" and -1000 can come from behind
        // the matching engine: for an order they are as unknown as a 5xx.
        UNKNOWN | DISCONNECTED => CodeClass::Unknown,
        SERVER_BUSY => CodeClass::Retryable,
        TOO_MANY_REQUESTS | TOO_MANY_ORDERS => CodeClass::RateLimited,
        INVALID_TIMESTAMP => CodeClass::Timestamp,
        _ => CodeClass::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_as_the_docs_describe() {
        assert_eq!(classify(-1006), CodeClass::Unknown);
        assert_eq!(classify(-1007), CodeClass::Unknown);
        assert_eq!(classify(-1008), CodeClass::Retryable);
        assert_eq!(classify(-1003), CodeClass::RateLimited);
        assert_eq!(classify(-1015), CodeClass::RateLimited);
        assert_eq!(classify(-1021), CodeClass::Timestamp);
        for refused in [-1013, -1022, -1102, -1121, -2010, -2011, -2013, -2014, -2015, -9999] {
            assert_eq!(classify(refused), CodeClass::Refused, "{refused}");
        }
    }
}
