//! `SnowflakeError`, this crate's one error type, and how each kind maps onto the analytics
//! port: what may be retried as is, and what needs a new login first.

use mirai_core::AnalyticsError;
use snowflake_api::SnowflakeApiError;
use snowflake_api::connection::ConnectionError;

use crate::LiteralError;

pub type Result<T, E = SnowflakeError> = std::result::Result<T, E>;

/// Longest server message kept in an error: fakesnow quotes whole statements in some errors, and
/// a batch of rows has no place in a log line.
const MAX_MESSAGE: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum SnowflakeError {
    /// The server could not be reached, timed out, or answered with something unreadable.
    #[error("Snowflake unreachable: {0}")]
    Unreachable(String),

    /// The session expired or was forgotten (Snowflake error codes 390xxx); log in again.
    #[error("Snowflake session refused ({code}): {message}")]
    Session { code: String, message: String },

    /// Logging in did not succeed: the endpoint is down, or the user, password, key or role was
    /// refused. Not about the data.
    #[error("Snowflake login did not succeed: {0}")]
    Login(String),

    /// Snowflake refused the statement itself (SQL error, constraint, privilege).
    #[error("Snowflake refused the statement ({code}): {message}")]
    Statement { code: String, message: String },

    /// A value cannot be written exactly (too many decimals, NUL in text, ...).
    #[error("cannot write {what} exactly: {source}")]
    Value {
        what: String,
        #[source]
        source: LiteralError,
    },

    /// A result did not have the shape the query asked for.
    #[error("unexpected result from Snowflake: {0}")]
    Decode(String),

    #[error(
        "the Snowflake schema is at version {found}, newer than version {supported} known to this \
         build; upgrade Mirai or point SNOWFLAKE_SCHEMA elsewhere"
    )]
    NewerSchema { found: i64, supported: i64 },

    /// A read query's parameters are out of range (a bad cursor, a limit of 0).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
}

impl SnowflakeError {
    /// True when the same request may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Session { .. } | Self::Login(_))
    }

    /// True when the cached session should be dropped so that the next request logs in anew:
    /// after an outage the server may have forgotten it (fakesnow always does).
    pub(crate) fn resets_session(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Session { .. } | Self::Login(_))
    }
}

impl From<LiteralError> for SnowflakeError {
    fn from(source: LiteralError) -> Self {
        Self::Value { what: "a value".into(), source }
    }
}

impl From<crate::encode::EncodeError> for SnowflakeError {
    fn from(e: crate::encode::EncodeError) -> Self {
        Self::Value { what: format!("record {} ({})", e.index, e.what), source: e.source }
    }
}

impl From<SnowflakeError> for AnalyticsError {
    fn from(e: SnowflakeError) -> Self {
        if e.is_retryable() {
            AnalyticsError::Unavailable(e.to_string())
        } else {
            AnalyticsError::Rejected(e.to_string())
        }
    }
}

/// Classifies the crate's errors. None of them carries the password: it only travels in the
/// login request's body, which no error quotes.
impl From<SnowflakeApiError> for SnowflakeError {
    fn from(e: SnowflakeApiError) -> Self {
        use snowflake_api::SnowflakeApiError as E;
        match e {
            E::ApiError(code, message) => {
                let message = shorten(&message);
                if code.starts_with("390") {
                    Self::Session { code, message }
                } else {
                    Self::Statement { code, message }
                }
            }
            // The crate does not export its auth error type, so a refused login and an
            // unreachable login endpoint are told apart by their message only; both are retried
            // after a fresh login.
            E::AuthError(a) => Self::Login(shorten(&a.to_string())),
            E::RequestError(c) => connection(c),
            E::ArrowError(a) => Self::Decode(shorten(&a.to_string())),
            E::ResponseDeserializationError(b) => Self::Decode(shorten(&b.to_string())),
            other => Self::Unreachable(shorten(&other.to_string())),
        }
    }
}

fn connection(c: ConnectionError) -> SnowflakeError {
    match c {
        // A body the crate cannot parse: an HTML error page from a proxy, or an expired-session
        // answer in a shape it does not model. Both call for a new session and a later retry.
        ConnectionError::Deserialization(e) => {
            SnowflakeError::Unreachable(format!("response not understood: {}", shorten(&e.to_string())))
        }
        other => SnowflakeError::Unreachable(shorten(&other.to_string())),
    }
}

/// At most `MAX_MESSAGE` bytes, cut on a character boundary.
pub(crate) fn shorten(s: &str) -> String {
    if s.len() <= MAX_MESSAGE {
        return s.to_owned();
    }
    let cut = (0..=MAX_MESSAGE).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    format!("{}…", &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let session: SnowflakeError =
            SnowflakeApiError::ApiError("390104".into(), "login again".into()).into();
        assert!(session.is_retryable() && session.resets_session());
        let sql: SnowflakeError = SnowflakeApiError::ApiError("002003".into(), "no such table".into()).into();
        assert!(!sql.is_retryable());
        assert!(matches!(AnalyticsError::from(sql), AnalyticsError::Rejected(_)));
        assert!(matches!(
            AnalyticsError::from(SnowflakeError::Unreachable("down".into())),
            AnalyticsError::Unavailable(_)
        ));
    }

    #[test]
    fn long_messages_are_cut() {
        let s = "é".repeat(1000);
        let short = shorten(&s);
        assert!(short.len() <= MAX_MESSAGE + "…".len());
        assert!(short.ends_with('…'));
    }
}
