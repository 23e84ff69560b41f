//! The command loop: long-polls `getUpdates`, answers allowed chats, ignores everyone else.
//! Runs until its task is aborted; a Bot API that is down is retried with backoff.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mirai_core::Backoff;

use super::api::{Message, TelegramApi};
use super::commands::{ChatCommand, Controller, answer};
use crate::redact::Redactor;

/// Commands older than this are not acted on: Telegram keeps messages for a day, and a `/kill`
/// sent while the worker was down should not take effect hours later, by surprise.
pub const MAX_COMMAND_AGE: Duration = Duration::from_secs(120);

/// Answers commands from `allowed` chats through `controller` until aborted.
pub async fn listen<C: Controller>(
    api: Arc<TelegramApi>,
    allowed: Vec<i64>,
    controller: C,
    redactor: Redactor,
) {
    let mut offset = 0i64;
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    tracing::info!(allowed_chats = allowed.len(), "listening for Telegram commands");
    loop {
        let updates = match api.get_updates(offset).await {
            Ok(u) => {
                backoff.reset();
                u
            }
            Err(e) => {
                // 409: another process polls this bot (or a webhook is set); it will not clear
                // by itself, but retrying slowly costs nothing and recovers when it does.
                let wait = backoff.next_delay().max(e.retry_after().unwrap_or_default());
                tracing::warn!(error = %redactor.clean(&e.to_string()), wait_s = wait.as_secs(), "Telegram getUpdates failed");
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        for update in updates {
            offset = offset.max(update.update_id + 1);
            let Some(message) = update.message else { continue };
            let Some(reply) = respond(&controller, &allowed, &message, unix_now()).await else { continue };
            if let Err(e) = api.send_message(message.chat.id, &redactor.clean(&reply)).await {
                tracing::warn!(error = %redactor.clean(&e.to_string()), "Telegram reply not delivered");
            }
        }
    }
}

/// What to answer `message` (received at `now`, Unix seconds), acting on it if it is an allowed
/// chat's command. `None`: no answer at all (not a command, or not an allowed chat).
pub(crate) async fn respond<C: Controller>(
    controller: &C,
    allowed: &[i64],
    message: &Message,
    now: i64,
) -> Option<String> {
    let command = ChatCommand::parse(message.text.as_deref()?)?;
    let chat = message.chat.id;
    if !allowed.contains(&chat) {
        tracing::warn!(chat_id = chat, ?command, "Telegram command from a chat that is not allowed; ignored");
        return None;
    }
    let age = now.saturating_sub(message.date);
    if age > MAX_COMMAND_AGE.as_secs() as i64 && command != ChatCommand::Status {
        tracing::warn!(chat_id = chat, ?command, age_s = age, "stale Telegram command ignored");
        return Some(format!(
            "Ignored {command:?}: it was sent {age} s ago, before the worker was listening. Send it again if you still mean it."
        ));
    }
    Some(answer(controller, chat, command).await)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::super::api::Chat;
    use super::super::commands::{ChatAction, StatusReport};
    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(ChatAction, String)>>);

    impl Controller for Arc<Recorder> {
        async fn status(&self) -> Result<StatusReport, String> {
            Ok(StatusReport {
                mode: "paper".into(),
                equity: mirai_core::Amount::ZERO,
                open_positions: 0,
                paused: false,
                halted: false,
                blocked: None,
            })
        }

        async fn control(&self, action: ChatAction, by: String) -> Result<(), String> {
            self.0.lock().unwrap().push((action, by));
            Ok(())
        }
    }

    fn msg(chat: i64, text: &str, date: i64) -> Message {
        Message { chat: Chat { id: chat }, date, text: Some(text.into()) }
    }

    #[tokio::test]
    async fn only_allowed_chats_act_and_strangers_hear_nothing() {
        let r = Arc::new(Recorder::default());
        let allowed = [42];
        assert!(respond(&r, &allowed, &msg(7, "/kill", 1_000), 1_000).await.is_none());
        assert!(respond(&r, &allowed, &msg(7, "/status", 1_000), 1_000).await.is_none());
        assert!(r.0.lock().unwrap().is_empty(), "a stranger's /kill does nothing");
        let said = respond(&r, &allowed, &msg(42, "/kill", 1_000), 1_000).await.unwrap();
        assert!(said.starts_with("Kill switch ON by telegram:42"), "{said}");
        assert_eq!(*r.0.lock().unwrap(), [(ChatAction::Kill, "telegram:42".to_owned())]);
        assert!(respond(&r, &allowed, &msg(42, "hello", 1_000), 1_000).await.is_none(), "not a command");
    }

    #[tokio::test]
    async fn resume_is_refused_and_old_commands_are_not_acted_on() {
        let r = Arc::new(Recorder::default());
        let said = respond(&r, &[42], &msg(42, "/resume", 1_000), 1_000).await.unwrap();
        assert!(said.contains("not offered over Telegram"), "{said}");
        let said = respond(&r, &[42], &msg(42, "/pause", 1_000), 1_000 + 3_600).await.unwrap();
        assert!(said.starts_with("Ignored Pause"), "{said}");
        assert!(r.0.lock().unwrap().is_empty());
    }
}
