//! `AlertSettings`: where alerts go and what is worth one. Everything is off unless set:
//!
//! - `NOTIFY_WEBHOOK_URL`: a Slack-compatible incoming webhook (https; plain http only to this
//!   machine). Its URL is its secret: never logged, masked in messages.
//! - `TELEGRAM_BOT_TOKEN` (secret), `TELEGRAM_CHAT_ID` (where alerts go),
//!   `TELEGRAM_ALLOWED_CHAT_IDS` (comma-separated: who may send `/status`, `/pause`, `/kill`; no
//!   commands are read without it), `TELEGRAM_API_URL` (default the public Bot API).
//! - `ALERT_PNL_PCT`: alert when equity moves this many percent (and each further multiple) from
//!   the day's start. `ALERT_OUTBOX_LAG_SECONDS`: alert when a shipping destination falls this far
//!   behind.

use std::sync::Arc;
use std::time::Duration;

use mirai_core::Decimal;
use mirai_settings::{Reader, Transport, Url, check_base_url, is_loopback};
use secrecy::SecretString;

use crate::channel::Channel;
use crate::error::AlertError;
use crate::telegram::TelegramApi;
use crate::webhook::Webhook;

pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";

/// How long one webhook or `sendMessage` request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one `getUpdates` long poll waits for a message.
const POLL_TIMEOUT: Duration = Duration::from_secs(25);

#[derive(Clone, Debug)]
pub struct AlertSettings {
    /// `NOTIFY_WEBHOOK_URL`, checked.
    pub webhook: Option<SecretString>,
    pub telegram: Option<TelegramSettings>,
    /// `ALERT_PNL_PCT`, in percent (2 = 2 %).
    pub pnl_pct: Option<Decimal>,
    /// `ALERT_OUTBOX_LAG_SECONDS`.
    pub outbox_lag: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct TelegramSettings {
    pub token: SecretString,
    /// Where alerts go; `None`: commands only.
    pub chat_id: Option<i64>,
    /// Who may command; empty: commands are not read at all.
    pub allowed_chat_ids: Vec<i64>,
    /// The Bot API's base URL (a local fake in tests).
    pub api_url: String,
}

/// What the settings build: the channels alerts go to, and the Bot API with the chats allowed
/// to command, when commands are on.
#[derive(Debug)]
pub struct Parts {
    pub channels: Vec<Channel>,
    pub commands: Option<(Arc<TelegramApi>, Vec<i64>)>,
}

impl AlertSettings {
    /// `Ok(None)` when nothing is configured.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> mirai_settings::Settings<Self> {
        let mut r = Reader::new(get);
        let webhook = r.raw("NOTIFY_WEBHOOK_URL").and_then(|raw| match check_webhook(&raw) {
            Ok(()) => Some(SecretString::from(raw)),
            Err(why) => {
                r.error(format!("NOTIFY_WEBHOOK_URL {why}"));
                None
            }
        });
        let telegram = read_telegram(&mut r);
        let pnl_pct = r.raw("ALERT_PNL_PCT").map(|_| {
            let v: Decimal = r.parse("ALERT_PNL_PCT", Decimal::ONE, "a number (percent)");
            if v <= Decimal::ZERO || v > Decimal::ONE_HUNDRED {
                r.error(format!("ALERT_PNL_PCT={v} must be above 0 and at most 100 (percent)"));
            }
            v
        });
        let outbox_lag = r
            .raw("ALERT_OUTBOX_LAG_SECONDS")
            .map(|_| Duration::from_secs(r.ranged("ALERT_OUTBOX_LAG_SECONDS", 600u64, 10, 86_400)));
        let receives = webhook.is_some() || telegram.as_ref().is_some_and(|t| t.chat_id.is_some());
        if !receives && (pnl_pct.is_some() || outbox_lag.is_some()) {
            r.error(
                "ALERT_PNL_PCT and ALERT_OUTBOX_LAG_SECONDS need somewhere to alert: set NOTIFY_WEBHOOK_URL, \
                 or TELEGRAM_BOT_TOKEN with TELEGRAM_CHAT_ID",
            );
        }
        let configured = webhook.is_some() || telegram.is_some();
        r.finish(configured.then_some(Self { webhook, telegram, pnl_pct, outbox_lag }))
    }

    /// The secrets these settings hold, for the [`crate::Redactor`].
    pub fn secrets(&self) -> Vec<SecretString> {
        self.webhook.iter().chain(self.telegram.as_ref().map(|t| &t.token)).cloned().collect()
    }

    /// Builds the channels and the command client (no network I/O).
    pub fn parts(&self) -> Result<Parts, AlertError> {
        let mut channels = Vec::new();
        if let Some(url) = &self.webhook {
            channels.push(Channel::Webhook(Webhook::new(url.clone(), REQUEST_TIMEOUT)?));
        }
        let mut commands = None;
        if let Some(t) = &self.telegram {
            let api = Arc::new(TelegramApi::new(&t.api_url, t.token.clone(), POLL_TIMEOUT)?);
            if let Some(chat_id) = t.chat_id {
                channels.push(Channel::Telegram { api: api.clone(), chat_id });
            }
            if !t.allowed_chat_ids.is_empty() {
                commands = Some((api, t.allowed_chat_ids.clone()));
            }
        }
        Ok(Parts { channels, commands })
    }
}

fn read_telegram(r: &mut Reader) -> Option<TelegramSettings> {
    let token = r.raw("TELEGRAM_BOT_TOKEN");
    let chat_id = r.raw("TELEGRAM_CHAT_ID").and_then(|v| match v.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            r.error(format!("TELEGRAM_CHAT_ID={v:?} is not a chat id (a whole number)"));
            None
        }
    });
    let mut allowed_chat_ids = Vec::new();
    for v in r.raw("TELEGRAM_ALLOWED_CHAT_IDS").unwrap_or_default().split(',').map(str::trim) {
        match v.parse::<i64>() {
            _ if v.is_empty() => {}
            Ok(id) if !allowed_chat_ids.contains(&id) => allowed_chat_ids.push(id),
            Ok(_) => {}
            Err(_) => r.error(format!("TELEGRAM_ALLOWED_CHAT_IDS: {v:?} is not a chat id (a whole number)")),
        }
    }
    let api_url = match r.raw("TELEGRAM_API_URL") {
        None => DEFAULT_TELEGRAM_API.to_owned(),
        // The token travels in every request's path: https, or this machine.
        Some(raw) => match check_base_url(&raw, Transport::HttpsUnlessLoopback) {
            Ok(url) => url.as_str().trim_end_matches('/').to_owned(),
            Err(why) => {
                r.error(format!("TELEGRAM_API_URL {why}"));
                DEFAULT_TELEGRAM_API.to_owned()
            }
        },
    };
    let Some(token) = token else {
        let set = ["TELEGRAM_CHAT_ID", "TELEGRAM_ALLOWED_CHAT_IDS", "TELEGRAM_API_URL"]
            .into_iter()
            .filter(|k| r.raw(k).is_some())
            .collect::<Vec<_>>();
        if !set.is_empty() {
            r.error(format!("{} set without TELEGRAM_BOT_TOKEN", set.join(", ")));
        }
        return None;
    };
    if !is_token(&token) {
        // Never echoed: it is a secret even when malformed.
        r.error("TELEGRAM_BOT_TOKEN is not a bot token (digits, a colon, then letters, digits, - or _)");
    }
    if chat_id.is_none() && allowed_chat_ids.is_empty() {
        r.error(
            "TELEGRAM_BOT_TOKEN needs TELEGRAM_CHAT_ID (where alerts go), TELEGRAM_ALLOWED_CHAT_IDS (who may \
             send commands), or both",
        );
    }
    Some(TelegramSettings { token: SecretString::from(token), chat_id, allowed_chat_ids, api_url })
}

/// A Bot API token, `123456:ABC-def_…`. Checked because it is put into request paths.
fn is_token(t: &str) -> bool {
    match t.split_once(':') {
        Some((id, rest)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !rest.is_empty()
                && t.len() <= 128
                && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    }
}

/// A webhook URL: https (http only to this machine), a host, no credentials. Unlike a base URL
/// it may carry a query: some chat tools put their key there.
fn check_webhook(raw: &str) -> Result<(), String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err("must use https (plain http only to 127.0.0.1, ::1 or localhost)".into()),
        other => Err(format!("has scheme {other:?}; use https")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> mirai_settings::Settings<AlertSettings> {
        let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AlertSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    const TOKEN: &str = "123456:AAE-secret_token";

    #[test]
    fn nothing_set_is_off() {
        assert!(read(&[]).expect("valid").is_none());
    }

    #[test]
    fn a_full_configuration_reads() {
        let s = read(&[
            ("NOTIFY_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/xyz"),
            ("TELEGRAM_BOT_TOKEN", TOKEN),
            ("TELEGRAM_CHAT_ID", "-100123"),
            ("TELEGRAM_ALLOWED_CHAT_IDS", "42, 43,42"),
            ("TELEGRAM_API_URL", "http://127.0.0.1:9/"),
            ("ALERT_PNL_PCT", "2.5"),
            ("ALERT_OUTBOX_LAG_SECONDS", "300"),
        ])
        .expect("valid")
        .expect("configured");
        let t = s.telegram.as_ref().expect("telegram");
        assert_eq!(
            (t.chat_id, t.allowed_chat_ids.as_slice(), t.api_url.as_str()),
            (Some(-100123), &[42, 43][..], "http://127.0.0.1:9")
        );
        assert_eq!(s.pnl_pct, Some(Decimal::new(25, 1)));
        assert_eq!(s.outbox_lag, Some(Duration::from_secs(300)));
        let secrets: Vec<String> = s.secrets().iter().map(|s| s.expose_secret().to_owned()).collect();
        assert_eq!(secrets, ["https://hooks.slack.com/services/T0/B0/xyz", TOKEN]);
        let parts = s.parts().expect("parts");
        assert_eq!(parts.channels.iter().map(Channel::name).collect::<Vec<_>>(), ["webhook", "telegram"]);
        assert!(parts.commands.is_some());
    }

    #[test]
    fn every_problem_is_reported_and_no_secret_is_echoed() {
        let errors = read(&[
            ("NOTIFY_WEBHOOK_URL", "http://hooks.example.com/secret-path"),
            ("TELEGRAM_BOT_TOKEN", "not a token/../x"),
            ("TELEGRAM_API_URL", "http://api.example.com"),
            ("TELEGRAM_ALLOWED_CHAT_IDS", "42,abc"),
            ("ALERT_PNL_PCT", "0"),
        ])
        .expect_err("invalid");
        let all = errors.join("\n");
        for needle in [
            "NOTIFY_WEBHOOK_URL must use https",
            "TELEGRAM_BOT_TOKEN is not a bot token",
            "TELEGRAM_API_URL must use https",
            "\"abc\"",
            "ALERT_PNL_PCT=0",
        ] {
            assert!(all.contains(needle), "{needle} missing from:\n{all}");
        }
        assert!(!all.contains("secret-path") && !all.contains("not a token"), "secrets echoed:\n{all}");
        let errors = read(&[("TELEGRAM_CHAT_ID", "1")]).expect_err("no token");
        assert!(errors[0].contains("without TELEGRAM_BOT_TOKEN"), "{errors:?}");
        let errors = read(&[("TELEGRAM_BOT_TOKEN", TOKEN)]).expect_err("no chat");
        assert!(errors[0].contains("needs TELEGRAM_CHAT_ID"), "{errors:?}");
        let errors = read(&[("ALERT_OUTBOX_LAG_SECONDS", "60")]).expect_err("nowhere to alert");
        assert!(errors[0].contains("need somewhere to alert"), "{errors:?}");
    }

    #[test]
    fn the_example_env_file_lists_every_alert_setting_and_leaves_alerts_off() {
        let example = include_str!("../../../.env.example");
        let pairs: Vec<(&str, &str)> = example
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .collect();
        for key in [
            "NOTIFY_WEBHOOK_URL",
            "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_CHAT_ID",
            "TELEGRAM_ALLOWED_CHAT_IDS",
            "TELEGRAM_API_URL",
            "ALERT_PNL_PCT",
            "ALERT_OUTBOX_LAG_SECONDS",
        ] {
            assert!(pairs.iter().any(|(k, _)| *k == key), "{key} missing from .env.example");
        }
        assert!(read(&pairs).expect("valid").is_none(), "the example turns nothing on");
    }

    #[test]
    fn commands_only_needs_no_alert_chat() {
        let s = read(&[("TELEGRAM_BOT_TOKEN", TOKEN), ("TELEGRAM_ALLOWED_CHAT_IDS", "42")])
            .expect("valid")
            .expect("on");
        let parts = s.parts().expect("parts");
        assert!(parts.channels.is_empty() && parts.commands.is_some());
    }
}
