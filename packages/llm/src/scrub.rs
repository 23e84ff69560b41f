//! Keeps API keys out of error messages built from what a server sent back.
//!
//! OpenAI's own 401 message quotes part of the key ("Incorrect API key provided: sk-ab***yz"),
//! and a hostile or misconfigured endpoint could echo the whole `Authorization` header. Every
//! message from a server passes through [`scrub`] before it reaches an error, a log or a span.

/// Longest server message kept in an error; the rest is noise or an attack.
const MAX_CHARS: usize = 300;

/// `text` with the key, anything shaped like an OpenAI key (`sk-…`), and bearer tokens
/// replaced by `***`, cut to a readable length.
pub fn scrub(text: &str, key: &str) -> String {
    let mut out = if key.len() >= 8 { text.replace(key, "***") } else { text.to_owned() };
    for marker in ["sk-", "Bearer ", "bearer "] {
        out = mask_after(&out, marker);
    }
    let mut clipped: String = out.chars().take(MAX_CHARS).collect();
    if out.chars().count() > MAX_CHARS {
        clipped.push('…');
    }
    clipped
}

/// Replaces the token-like run of characters after each `marker` with `***`.
fn mask_after(text: &str, marker: &str) -> String {
    let token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.' | '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let end = rest.find(|c: char| !token_char(c)).unwrap_or(rest.len());
        if end > 0 {
            out.push_str("***");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_key_shaped_tokens_are_masked() {
        let key = "sk-test-0123456789abcdef";
        let msg = format!("Incorrect API key provided: sk-te***cdef. You sent {key} as Bearer {key}.");
        let s = scrub(&msg, key);
        assert!(!s.contains("0123456789"), "{s}");
        assert!(!s.contains("cdef"), "{s}");
        assert!(s.starts_with("Incorrect API key provided: sk-***"), "{s}");
    }

    #[test]
    fn a_key_without_the_usual_prefix_is_still_removed() {
        let s = scrub("echo: my-custom-proxy-key-42 end", "my-custom-proxy-key-42");
        assert_eq!(s, "echo: *** end");
    }

    #[test]
    fn long_messages_are_cut() {
        let s = scrub(&"x".repeat(10_000), "irrelevant-key");
        assert_eq!(s.chars().count(), MAX_CHARS + 1);
    }
}
