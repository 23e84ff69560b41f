//! Logging, set up once per process the same way for the worker, the Vercel functions and the
//! Lambda entry point: to stderr (stdout carries only what a person needs to read; Vercel and
//! Lambda collect stderr), filtered by `RUST_LOG` (default `info`), coloured only on a terminal.
//! `LOG_FORMAT=json` writes one JSON object a line instead, for a log collector.
//! Secrets never enter a span or an event: they travel as `secrecy::SecretString`, whose Debug
//! output is redacted.

use std::io::IsTerminal;
use std::str::FromStr;

use thiserror::Error;

/// The variable that picks the format. Read here, not with the other settings: logging starts
/// before them, so that their own errors and warnings are logged in the chosen format.
pub const LOG_FORMAT_VAR: &str = "LOG_FORMAT";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// For people: `2026-01-01T00:00:00Z  INFO message key=value`.
    #[default]
    Text,
    /// For machines: `{"timestamp":…,"level":"INFO","fields":{"message":…},"target":…}`.
    Json,
}

/// `LOG_FORMAT` holds neither `text` nor `json`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("LOG_FORMAT must be `text` or `json`, not {0:?}")]
pub struct BadLogFormat(pub String);

impl FromStr for LogFormat {
    type Err = BadLogFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(BadLogFormat(s.to_owned())),
        }
    }
}

impl LogFormat {
    /// `LOG_FORMAT` from the environment; unset or empty is `text`.
    pub fn from_env() -> Result<Self, BadLogFormat> {
        match std::env::var(LOG_FORMAT_VAR) {
            Ok(v) if !v.trim().is_empty() => v.parse(),
            Ok(_) => Ok(LogFormat::Text),
            // Not unicode cannot be a valid value; say so rather than silently log as text.
            Err(std::env::VarError::NotUnicode(v)) => Err(BadLogFormat(v.to_string_lossy().into_owned())),
            Err(std::env::VarError::NotPresent) => Ok(LogFormat::Text),
        }
    }
}

/// Installs the subscriber in the format `LOG_FORMAT` asks for. A bad value is the caller's to
/// report (the worker stops with it, as with any other bad setting) and nothing is installed;
/// a second call (tests) is harmless.
pub fn try_init() -> Result<(), BadLogFormat> {
    init_with(LogFormat::from_env()?);
    Ok(())
}

/// Installs the subscriber where start-up cannot fail (the serverless entry points): a bad
/// `LOG_FORMAT` logs as text, with a warning saying why.
pub fn init() {
    match LogFormat::from_env() {
        Ok(format) => init_with(format),
        Err(e) => {
            init_with(LogFormat::Text);
            tracing::warn!("{e}; logging as text");
        }
    }
}

/// Installs the subscriber in `format`; a second call is harmless.
pub fn init_with(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_target(false).with_ansi(std::io::stderr().is_terminal()).try_init(),
        // The target (the module) stays: a collector filters on it. No colour codes in JSON.
        LogFormat::Json => builder.json().with_ansi(false).with_target(true).try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_text_or_json_and_nothing_else() {
        assert_eq!("text".parse(), Ok(LogFormat::Text));
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        assert_eq!(" JSON ".parse(), Ok(LogFormat::Json), "case and spaces are forgiven");
        let bad = "xml".parse::<LogFormat>().expect_err("xml is no format");
        assert_eq!(bad.to_string(), "LOG_FORMAT must be `text` or `json`, not \"xml\"");
        assert!("".parse::<LogFormat>().is_err(), "the caller maps unset to text, not the parser");
    }
}
