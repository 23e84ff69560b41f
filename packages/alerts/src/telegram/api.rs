//! `TelegramApi`: the two Bot API methods Mirai uses. Every request's URL holds the bot token
//! (`/bot<token>/<method>`), so no URL is ever logged or kept in an error.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{AlertError, is_busy};

const CHANNEL: &str = "telegram";

#[derive(Debug)]
pub struct TelegramApi {
    client: reqwest::Client,
    /// e.g. `https://api.telegram.org`, without a trailing slash.
    base: String,
    token: SecretString,
    /// How long `getUpdates` waits for a message before answering with none (long polling).
    poll_timeout: Duration,
    /// The limit on any other request.
    timeout: Duration,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Update {
    pub update_id: i64,
    /// Absent for other kinds of update (an edited message, say), which are not acted on.
    #[serde(default)]
    pub message: Option<Message>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    pub chat: Chat,
    /// When it was sent, in Unix seconds.
    pub date: i64,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
}

/// The envelope of every Bot API answer.
#[derive(Deserialize)]
struct Answer<T> {
    ok: bool,
    result: Option<T>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl TelegramApi {
    /// A client of the Bot API at `base` (checked by the settings) for the bot `token`.
    pub fn new(base: &str, token: SecretString, poll_timeout: Duration) -> Result<Self, AlertError> {
        let client = reqwest::Client::builder().build().map_err(|e| AlertError::transport(CHANNEL, e))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token,
            poll_timeout,
            timeout: Duration::from_secs(10),
        })
    }

    /// `sendMessage` as plain text (no Markdown or HTML: a reason or a name is only ever text).
    pub async fn send_message(&self, chat_id: i64, text: &str) -> Result<(), AlertError> {
        let body = serde_json::json!({ "chat_id": chat_id, "text": text, "disable_web_page_preview": true });
        let _: serde_json::Value = self.call("sendMessage", &body, self.timeout).await?;
        Ok(())
    }

    /// `getUpdates` from `offset` (which also confirms every earlier update), waiting up to the
    /// poll timeout for one. Only messages are asked for.
    pub async fn get_updates(&self, offset: i64) -> Result<Vec<Update>, AlertError> {
        let body = serde_json::json!({
            "offset": offset,
            "timeout": self.poll_timeout.as_secs(),
            "allowed_updates": ["message"],
        });
        self.call("getUpdates", &body, self.poll_timeout + self.timeout).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Result<T, AlertError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token.expose_secret());
        let resp = self
            .client
            .post(url)
            .timeout(timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| AlertError::transport(CHANNEL, e))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| AlertError::transport(CHANNEL, e))?;
        let answer: Option<Answer<T>> = serde_json::from_slice(&bytes).ok();
        match answer {
            Some(Answer { ok: true, result: Some(result), .. }) if (200..300).contains(&status) => Ok(result),
            Some(a) if is_busy(status) => Err(AlertError::Busy {
                channel: CHANNEL,
                status,
                retry_after: a.parameters.and_then(|p| p.retry_after).map(Duration::from_secs),
            }),
            None if is_busy(status) => Err(AlertError::Busy { channel: CHANNEL, status, retry_after: None }),
            Some(a) if !(200..300).contains(&status) => Err(AlertError::Refused {
                channel: CHANNEL,
                status,
                why: a.description.unwrap_or_default().chars().take(200).collect(),
            }),
            _ => {
                Err(AlertError::Decode { channel: CHANNEL, why: format!("{method} answered HTTP {status}") })
            }
        }
    }
}
