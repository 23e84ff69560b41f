//! `Webhook`: a POST of `{"text": ...}` — what Slack's incoming webhooks take, and Mattermost,
//! Discord's `/slack` endpoint, Google Chat and most chat tools with them. The URL usually holds
//! the channel's secret, so it is kept as one and never logged.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{AlertError, is_busy};

const CHANNEL: &str = "webhook";

#[derive(Debug, Clone)]
pub struct Webhook {
    client: reqwest::Client,
    url: SecretString,
}

impl Webhook {
    /// A webhook posting to `url` (checked by the settings), each request within `timeout`.
    pub fn new(url: SecretString, timeout: Duration) -> Result<Self, AlertError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AlertError::transport(CHANNEL, e))?;
        Ok(Self { client, url })
    }

    /// One attempt; [`crate::deliver`] retries.
    pub async fn post(&self, text: &str) -> Result<(), AlertError> {
        let body = serde_json::json!({ "text": slack_escape(text) });
        let resp = self
            .client
            .post(self.url.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(|e| AlertError::transport(CHANNEL, e))?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            return Ok(());
        }
        if is_busy(status) {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(AlertError::Busy { channel: CHANNEL, status, retry_after });
        }
        // Slack says why in a short plain-text body ("invalid_token", "channel_not_found").
        let why: String = resp.text().await.unwrap_or_default().chars().take(200).collect();
        Err(AlertError::Refused { channel: CHANNEL, status, why })
    }
}

/// Slack reads `<...>` as links and mentions (`<!channel>` pings everyone) and `&` as the start
/// of an entity: escaped as Slack asks, text from a reason or a name is only ever text.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn mentions_and_links_are_escaped() {
        assert_eq!(
            super::slack_escape("<!channel> a&b <http://x|y>"),
            "&lt;!channel&gt; a&amp;b &lt;http://x|y&gt;"
        );
    }
}
