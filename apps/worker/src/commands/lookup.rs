//! The settings a one-shot command reads: the environment, then the AWS secret when
//! `SECRETS_SOURCE=aws` — the worker's own lookup, so `mirai live approve` or a recording
//! backtest sees the keys the worker trades with.

use crate::secret_source::{LoadError, Lookup, command_lookup};

use super::Failure;

pub fn settings() -> Result<Lookup, Failure> {
    command_lookup(|k| std::env::var(k).ok()).map_err(|e| match e {
        LoadError::Config(_) => Failure::Usage(e.to_string()),
        other => Failure::System(other.to_string()),
    })
}
