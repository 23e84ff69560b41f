//! `Redactor`: the last line of defence between a message and the outside. Alerts are built from
//! typed fields, but some fields are free text from elsewhere (an error's wording, a blocked
//! reason); any configured secret found in them is replaced, control characters are dropped (a
//! forged line break cannot fake a second alert) and the length is capped.

use secrecy::{ExposeSecret, SecretString};

/// Longest message sent, in characters; Telegram's own limit is 4096.
pub const MAX_CHARS: usize = 1_500;

/// Shorter values are not treated as secrets: replacing "1" everywhere would mangle messages,
/// and no secret the settings accept is this short.
const MIN_SECRET_CHARS: usize = 6;

const MASK: &str = "[redacted]";

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<SecretString>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = SecretString>) -> Self {
        let mut secrets: Vec<SecretString> =
            secrets.into_iter().filter(|s| s.expose_secret().chars().count() >= MIN_SECRET_CHARS).collect();
        // Longest first: a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        Self { secrets }
    }

    /// Adds more secrets (the worker's own: passwords, JWT and API secrets).
    pub fn with(mut self, more: impl IntoIterator<Item = SecretString>) -> Self {
        self.secrets.extend(more);
        Self::new(self.secrets)
    }

    /// `text` with every secret masked, control characters other than line breaks dropped, and
    /// at most [`MAX_CHARS`] characters.
    pub fn clean(&self, text: &str) -> String {
        let mut out: String = text.chars().filter(|c| *c == '\n' || !c.is_control()).collect();
        for s in &self.secrets {
            let s = s.expose_secret();
            if out.contains(s) {
                out = out.replace(s, MASK);
            }
        }
        if out.chars().count() > MAX_CHARS {
            out = out.chars().take(MAX_CHARS - 1).collect();
            out.push('…');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_short_values_left_alone() {
        let r = Redactor::new(["123456:bot-token-value", "hunter2hunter2", "ab"].map(SecretString::from));
        let said =
            r.clean("GET /bot123456:bot-token-value/sendMessage failed; pw=hunter2hunter2; ab\r\u{7}x");
        assert_eq!(said, "GET /bot[redacted]/sendMessage failed; pw=[redacted]; abx");
        assert_eq!(r.clean(&"y".repeat(5_000)).chars().count(), MAX_CHARS);
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        let r = Redactor::new(["secret1", "secret1-longer"].map(SecretString::from));
        assert_eq!(r.clean("k=secret1-longer"), "k=[redacted]");
    }
}
