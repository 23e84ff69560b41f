//! Delivery with retries: a channel that is down or throttling gets the message again after
//! [`Backoff`]'s doubling delays (or the wait it asked for, if longer), a few times; one that
//! refuses it for good (a wrong token, a deleted webhook) is not asked again.

use std::time::Duration;

use mirai_core::Backoff;

use crate::channel::Channel;
use crate::error::AlertError;

#[derive(Clone, Debug)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub backoff: Backoff,
    /// The longest wait honoured when a channel asks for one (`Retry-After`).
    pub max_wait: Duration,
}

impl Default for Retry {
    /// Six attempts over about half a minute (waits of 1, 2, 4, 8 and 16 s): an alert that comes
    /// hours late is worth little.
    fn default() -> Self {
        Self {
            attempts: 6,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Delivers `text` on `channel`, retrying as `retry` says. Returns the attempts it took.
pub async fn deliver(channel: &Channel, text: &str, retry: &Retry) -> Result<u32, AlertError> {
    let mut backoff = retry.backoff.clone();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match channel.post(text).await {
            Ok(()) => return Ok(attempt),
            Err(e) if e.is_retryable() && attempt < retry.attempts.max(1) => {
                let asked = e.retry_after().unwrap_or_default().min(retry.max_wait);
                let wait = backoff.next_delay().max(asked);
                tracing::debug!(channel = channel.name(), attempt, error = %e, wait_ms = wait.as_millis() as u64, "alert not delivered; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}
