//! `LoginEvent`: one login attempt as the audit log records it — the username tried (cleaned
//! and cut short), the outcome and the client address. Never the password or the token.

use std::net::IpAddr;

use mirai_core::Timestamp;
use serde::{Deserialize, Serialize};

/// The longest username kept in an audit entry, in characters.
pub const MAX_AUDITED_USERNAME_CHARS: usize = 64;

/// How an attempt ended (the audit log's own type).
pub use mirai_core::LoginOutcome;

/// One login attempt, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginEvent {
    pub at: Timestamp,
    /// Already passed through [`sanitize_username`].
    pub username: String,
    pub outcome: LoginOutcome,
    /// The client's address when known.
    pub client: Option<IpAddr>,
}

impl LoginEvent {
    /// An event for `username`, cleaned here so no caller can forget to.
    pub fn new(at: Timestamp, username: &str, outcome: LoginOutcome, client: Option<IpAddr>) -> Self {
        Self { at, username: sanitize_username(username), outcome, client }
    }

    /// Whether the event is one [`LoginEvent::new`] could have built (the control API refuses
    /// anything else).
    pub fn is_well_formed(&self) -> bool {
        self.at.millis() > 0 && sanitize_username(&self.username) == self.username
    }
}

/// A username fit for logs and the audit log: control and formatting characters become `?`
/// (no forged log lines, no terminal escapes) and it is cut to
/// [`MAX_AUDITED_USERNAME_CHARS`] characters, with `…` marking a cut.
pub fn sanitize_username(raw: &str) -> String {
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        if i == MAX_AUDITED_USERNAME_CHARS {
            out.push('…');
            break;
        }
        let unsafe_char = c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        out.push(if unsafe_char { '?' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_cleaned_and_cut() {
        assert_eq!(sanitize_username("admin"), "admin");
        assert_eq!(sanitize_username("ad\nmin\u{1b}[31m\u{202E}"), "ad?min?[31m?");
        let long = "x".repeat(200);
        let cut = sanitize_username(&long);
        assert_eq!(cut.chars().count(), MAX_AUDITED_USERNAME_CHARS + 1);
        assert!(cut.ends_with('…'));
        // Cleaning is stable, so a cleaned name passes the control API's check.
        assert_eq!(sanitize_username(&cut), cut);
    }
}
