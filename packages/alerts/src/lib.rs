//! Operator alerts for Mirai: what happened ([`Event`], built from typed fields only), where it
//! goes (a Slack-compatible webhook, a Telegram chat), and how: deduplicated per alert key,
//! scrubbed of every configured secret, retried with backoff on a task per channel so a slow
//! channel never holds up another, or the caller.
//!
//! Telegram also takes commands: `/status`, `/pause` and `/kill`, acted on only for the chat ids
//! the operator allowed ([`telegram::listen`]). There is deliberately no `/resume`.
//!
//! This crate knows nothing of the store or the trading task: the worker follows those and hands
//! events here, and answers commands through the [`telegram::Controller`] it implements.

mod channel;
mod dedupe;
mod error;
mod event;
mod notifier;
mod redact;
mod retry;
mod settings;
pub mod telegram;
#[cfg(feature = "testing")]
pub mod testing;
mod webhook;

pub use channel::Channel;
pub use dedupe::Deduper;
pub use error::AlertError;
pub use event::{ControlKind, Event, Severity};
pub use notifier::Notifier;
pub use redact::Redactor;
pub use retry::{Retry, deliver};
pub use settings::{AlertSettings, DEFAULT_TELEGRAM_API, Parts, TelegramSettings};
pub use webhook::Webhook;
