//! Telegram: alerts reach the chat (through a 429), commands act only for allowed chats, and a
//! wrong token is refused without the token in the error.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mirai_alerts::telegram::{ChatAction, Controller, StatusReport, TelegramApi, listen};
use mirai_alerts::{ControlKind, Event, Notifier, Redactor};
use mirai_core::Amount;
use secrecy::SecretString;

use crate::webhook::{quick, settings};
use mirai_alerts::testing::{FakeTelegram, TOKEN};

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(ChatAction, String)>>>);

impl Controller for Recorder {
    async fn status(&self) -> Result<StatusReport, String> {
        Ok(StatusReport {
            mode: "paper".into(),
            equity: Amount::new(mirai_core::Decimal::from(10_000)),
            open_positions: 2,
            paused: false,
            halted: !self.0.lock().expect("recorder").is_empty(),
            blocked: None,
        })
    }

    async fn control(&self, action: ChatAction, by: String) -> Result<(), String> {
        self.0.lock().expect("recorder").push((action, by));
        Ok(())
    }
}

#[tokio::test]
async fn alerts_reach_the_chat_after_a_429() {
    let bot = FakeTelegram::start().await;
    bot.throttle(1);
    let s = settings(&[
        ("TELEGRAM_BOT_TOKEN", TOKEN),
        ("TELEGRAM_CHAT_ID", "-1001"),
        ("TELEGRAM_API_URL", &bot.base),
    ]);
    let parts = s.parts().expect("parts");
    assert!(parts.commands.is_none(), "no allowed chats: commands are not read");
    let n = Notifier::start(parts.channels, "paper", Redactor::new(s.secrets()), quick());
    n.notify(&Event::Control { action: ControlKind::Pause, by: "alice".into() });
    let (chat, text) = bot.wait_for(5, |_| true).await;
    assert_eq!((chat, text.as_str()), (-1001, "[Mirai paper] WARNING: trading paused by alice"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(bot.sent().len(), 1, "delivered once");
}

#[tokio::test]
async fn commands_act_only_for_allowed_chats() {
    let bot = FakeTelegram::start().await;
    let s = settings(&[
        ("TELEGRAM_BOT_TOKEN", TOKEN),
        ("TELEGRAM_ALLOWED_CHAT_IDS", "42"),
        ("TELEGRAM_API_URL", &bot.base),
    ]);
    let (api, allowed) = s.parts().expect("parts").commands.expect("commands on");
    let recorder = Recorder::default();
    let task = tokio::spawn(listen(api, allowed, recorder.clone(), Redactor::new(s.secrets())));

    bot.say(7, "/kill");
    bot.say(7, "/status");
    bot.say(42, "/status");
    let (_, status) = bot.wait_for(5, |(chat, _)| *chat == 42).await;
    assert_eq!(status, "Mirai paper: trading. Equity 10000, 2 open positions.");
    bot.say(42, "/resume");
    bot.say(42, "/kill@MiraiBot");
    let (_, killed) = bot.wait_for(5, |(_, t)| t.starts_with("Kill switch ON")).await;
    assert!(killed.contains("telegram:42"), "{killed}");
    assert_eq!(*recorder.0.lock().expect("recorder"), [(ChatAction::Kill, "telegram:42".to_owned())]);
    let sent = bot.sent();
    assert!(sent.iter().all(|(chat, _)| *chat == 42), "the stranger heard nothing: {sent:?}");
    assert!(sent.iter().any(|(_, t)| t.contains("not offered over Telegram")), "{sent:?}");
    task.abort();
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_never_echoed() {
    let bot = FakeTelegram::start().await;
    let wrong = "999:wrong-token-value";
    let api = TelegramApi::new(&bot.base, SecretString::from(wrong), Duration::from_secs(1)).expect("client");
    let e = api.send_message(42, "hello").await.expect_err("unauthorised");
    assert!(!e.is_retryable(), "{e}");
    assert!(e.to_string().contains("401") && !e.to_string().contains(wrong), "{e}");
    // Not reached at all: the transport error has no URL either.
    let api = TelegramApi::new("http://127.0.0.1:9", SecretString::from(wrong), Duration::from_secs(1))
        .expect("client");
    let e = api.send_message(42, "hello").await.expect_err("unreachable");
    assert!(e.is_retryable() && !format!("{e} {e:?}").contains(wrong), "{e:?}");
}
