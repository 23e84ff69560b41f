//! The commands an allowed chat may send, and their answers. The acting is the worker's, through
//! the [`Controller`] it implements: the same path the dashboard's buttons take, so a kill from
//! Telegram is applied, persisted and audited like any other (as `telegram:<chat id>`).

use std::future::Future;

use mirai_core::Amount;

/// A command, from the first word of a message (`/kill`, or `/kill@MiraiBot` in a group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatCommand {
    Status,
    Pause,
    Kill,
    /// Refused with the reason: resuming is the dashboard's (see the module documentation).
    Resume,
    Help,
}

impl ChatCommand {
    /// `None` for a message that is not a command.
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().next()?.strip_prefix('/')?;
        let name = word.split('@').next().unwrap_or(word).to_ascii_lowercase();
        Some(match name.as_str() {
            "status" => ChatCommand::Status,
            "pause" => ChatCommand::Pause,
            "kill" => ChatCommand::Kill,
            "resume" => ChatCommand::Resume,
            _ => ChatCommand::Help,
        })
    }
}

/// What a chat may do to trading: only ever stop it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatAction {
    Pause,
    Kill,
}

/// What `/status` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusReport {
    /// paper, testnet, demo or live.
    pub mode: String,
    pub equity: Amount,
    pub open_positions: usize,
    pub paused: bool,
    /// The kill switch is on.
    pub halted: bool,
    /// Why new orders are refused, if they are.
    pub blocked: Option<String>,
}

/// The worker's side of the commands.
pub trait Controller: Send + Sync + 'static {
    /// The state `/status` reports, or why it could not be read.
    fn status(&self) -> impl Future<Output = Result<StatusReport, String>> + Send;
    /// Applies `action` as `by`, answering once it has taken effect, or why it could not.
    fn control(&self, action: ChatAction, by: String) -> impl Future<Output = Result<(), String>> + Send;
}

/// Carries out `command` from the allowed chat `chat_id` and returns the answer to send it.
pub async fn answer<C: Controller>(controller: &C, chat_id: i64, command: ChatCommand) -> String {
    let by = format!("telegram:{chat_id}");
    match command {
        ChatCommand::Status => match controller.status().await {
            Ok(s) => status_text(&s),
            Err(e) => format!("Status unavailable: {e}"),
        },
        ChatCommand::Pause => match controller.control(ChatAction::Pause, by.clone()).await {
            Ok(()) => format!("Paused by {by}. No new orders; resume from the dashboard."),
            Err(e) => format!("Pause failed: {e}"),
        },
        ChatCommand::Kill => match controller.control(ChatAction::Kill, by.clone()).await {
            Ok(()) => format!(
                "Kill switch ON by {by}: trading halted, open orders cancelled. Resume from the dashboard."
            ),
            Err(e) => format!("Kill failed: {e}. Use the dashboard's kill switch now."),
        },
        ChatCommand::Resume => {
            "Resume is not offered over Telegram: a lost phone must not be able to restart \
                                trading. Resume from the dashboard."
                .to_owned()
        }
        ChatCommand::Help => "Commands: /status, /pause, /kill.".to_owned(),
    }
}

fn status_text(s: &StatusReport) -> String {
    let state = if s.halted {
        "KILL SWITCH ON"
    } else if s.paused {
        "paused"
    } else {
        "trading"
    };
    let mut text = format!(
        "Mirai {}: {state}. Equity {}, {} open position{}.",
        s.mode,
        s.equity,
        s.open_positions,
        if s.open_positions == 1 { "" } else { "s" }
    );
    if let Some(why) = &s.blocked {
        text.push_str(&format!(" New orders refused: {why}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_the_first_word_with_or_without_the_bots_name() {
        assert_eq!(ChatCommand::parse("/kill"), Some(ChatCommand::Kill));
        assert_eq!(ChatCommand::parse("  /Kill@MiraiBot now"), Some(ChatCommand::Kill));
        assert_eq!(ChatCommand::parse("/status"), Some(ChatCommand::Status));
        assert_eq!(ChatCommand::parse("/resume"), Some(ChatCommand::Resume));
        assert_eq!(ChatCommand::parse("/start"), Some(ChatCommand::Help));
        assert_eq!(ChatCommand::parse("please /kill"), None, "only a leading command counts");
        assert_eq!(ChatCommand::parse(""), None);
    }

    #[test]
    fn status_says_the_state_first() {
        let s = StatusReport {
            mode: "live".into(),
            equity: Amount::new(mirai_core::Decimal::from(1234)),
            open_positions: 1,
            paused: true,
            halted: true,
            blocked: Some("live trading is not approved".into()),
        };
        assert_eq!(
            status_text(&s),
            "Mirai live: KILL SWITCH ON. Equity 1234, 1 open position. New orders refused: live trading is not approved"
        );
    }
}
