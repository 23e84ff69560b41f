//! `Channel`: one place alerts are delivered to — the webhook, or a Telegram chat.

use std::sync::Arc;

use crate::error::AlertError;
use crate::telegram::TelegramApi;
use crate::webhook::Webhook;

#[derive(Debug, Clone)]
pub enum Channel {
    Webhook(Webhook),
    Telegram { api: Arc<TelegramApi>, chat_id: i64 },
}

impl Channel {
    pub fn name(&self) -> &'static str {
        match self {
            Channel::Webhook(_) => "webhook",
            Channel::Telegram { .. } => "telegram",
        }
    }

    /// One attempt at delivering `text`.
    pub async fn post(&self, text: &str) -> Result<(), AlertError> {
        match self {
            Channel::Webhook(w) => w.post(text).await,
            Channel::Telegram { api, chat_id } => api.send_message(*chat_id, text).await,
        }
    }
}
