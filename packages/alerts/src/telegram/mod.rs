//! Telegram: the Bot API client ([`TelegramApi`]: `sendMessage` for alerts, `getUpdates` for
//! commands), and the commands themselves ([`listen`]).
//!
//! Commands act only for the chat ids the operator listed (`TELEGRAM_ALLOWED_CHAT_IDS`); a
//! message from any other chat gets no action and no answer (a stranger learns nothing, not even
//! that the bot is Mirai's), and the refusal is logged. `/resume` is not offered: stopping must be
//! one message away, but restarting trading stays on the dashboard, behind a password — a stolen
//! or unlocked phone must not be able to restart trading.

mod api;
mod commands;
mod listen;

pub use api::{Chat, Message, TelegramApi, Update};
pub use commands::{ChatAction, ChatCommand, Controller, StatusReport, answer};
pub use listen::{MAX_COMMAND_AGE, listen};
