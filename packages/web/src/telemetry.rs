//! Logging, set up once per process the same way for the worker, the Vercel functions and the
//! Lambda entry point: to stderr (stdout carries only what a person needs to read; Vercel and
//! Lambda collect stderr), filtered by `RUST_LOG` (default `info`), coloured only on a terminal.
//! Secrets never enter a span or an event: they travel as `secrecy::SecretString`, whose Debug
//! output is redacted.

use std::io::IsTerminal;

/// Installs the subscriber; a second call (tests) is harmless.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
