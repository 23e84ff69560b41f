//! `AlertError`: why a message did not get through, and whether trying again could help. No
//! variant carries a URL: the webhook's URL and Telegram's (which holds the bot token) are
//! secrets, so transport errors are kept without theirs.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// Not reached, or no answer in time: worth retrying.
    #[error("{channel}: not reached ({why})")]
    Transport { channel: &'static str, why: String },
    /// Throttled (429) or failing (5xx) for now: worth retrying, after `retry_after` if given.
    #[error("{channel}: HTTP {status}, to be retried")]
    Busy { channel: &'static str, status: u16, retry_after: Option<Duration> },
    /// Refused for good (a wrong URL, token or chat id): retrying would not help.
    #[error("{channel}: refused with HTTP {status}: {why}")]
    Refused { channel: &'static str, status: u16, why: String },
    /// An answer that could not be read.
    #[error("{channel}: unreadable answer ({why})")]
    Decode { channel: &'static str, why: String },
}

impl AlertError {
    /// From a reqwest error, with its URL dropped (see the module documentation).
    pub(crate) fn transport(channel: &'static str, e: reqwest::Error) -> Self {
        AlertError::Transport { channel, why: e.without_url().to_string() }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, AlertError::Transport { .. } | AlertError::Busy { .. })
    }

    /// How long the other side asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AlertError::Busy { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Whether an HTTP status is worth a retry: throttling and server-side failures.
pub(crate) fn is_busy(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}
