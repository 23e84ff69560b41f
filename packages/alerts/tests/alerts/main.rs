//! The alerts crate against local fake servers on 127.0.0.1: a Slack-style webhook and the
//! Telegram Bot API. Nothing here reaches the internet.

mod telegram;
mod webhook;
