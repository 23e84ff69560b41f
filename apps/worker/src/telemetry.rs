//! Logging, set up once: `RUST_LOG` filters (default `info`). Secrets never enter a span or an
//! event: they travel as `Secret`, whose Debug output is redacted.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}
