//! Start-up with `SECRETS_SOURCE`: the settings are read from the environment alone (`env`, the
//! default) or from the environment and then one JSON secret in AWS Secrets Manager (`aws`),
//! which is read here, before anything else starts, and kept with the settings so the running
//! worker can refresh it (`rotation.rs`). The log says where the settings came from and which
//! keys the secret gave, never a value.

use std::sync::Arc;

use mirai_secrets::{Secrets, SecretsError, SecretsSettings, SecretsSource};

use crate::config::{ConfigErrors, Settings};

/// Why the worker cannot start on its settings.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A setting is wrong (exit code 2, as for every invalid setting).
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// The secret could not be read: a worker without its secrets must not start.
    #[error("{0}")]
    Secrets(#[from] SecretsError),
    #[error("cannot start the async runtime to read the secret: {0}")]
    Runtime(std::io::Error),
}

/// A settings lookup by name.
pub type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The settings from the process environment (and `.env`), and from the secret it names.
pub async fn settings_from_process_env() -> Result<Settings, LoadError> {
    load_settings(|k| std::env::var(k).ok()).await
}

/// As [`settings_from_process_env`], through `env` (tests give each worker its own).
pub async fn load_settings(
    env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Settings, LoadError> {
    let source = SecretsSettings::from_lookup(&env).map_err(ConfigErrors)?;
    if matches!(source.source, SecretsSource::Env) {
        return Ok(Settings::from_lookup(&env)?);
    }
    let secrets = Arc::new(Secrets::load(&source, env).await?);
    let (used, overridden, ignored) = secrets.key_report();
    tracing::info!(
        source = %secrets.source(),
        keys = ?used,
        overridden_by_environment = ?overridden,
        refresh_minutes = secrets.refresh_interval().map_or(0, |d| d.as_secs() / 60),
        "settings read from the environment, then the secret"
    );
    if !ignored.is_empty() {
        tracing::warn!(keys = ?ignored, "the secret holds settings only the environment may give; they are ignored");
    }
    let mut settings = Settings::from_lookup(&|k| secrets.lookup(k))?;
    settings.secrets = Some(secrets);
    Ok(settings)
}

/// The lookup for one-shot subcommands (`mirai live approve`, `mirai backtest --advisor llm`,
/// ...), which must see the same settings as the worker: `env`, then the secret when
/// `SECRETS_SOURCE=aws`, read once (nothing to refresh). Blocking: call it outside any async
/// runtime; it runs a small one of its own for the read.
pub fn command_lookup(
    env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<Lookup, LoadError> {
    let source = SecretsSettings::from_lookup(&env).map_err(ConfigErrors)?;
    if matches!(source.source, SecretsSource::Env) {
        return Ok(Box::new(env));
    }
    let rt =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(LoadError::Runtime)?;
    // The client is not used again: lookups read the copy taken here.
    let secrets = rt.block_on(Secrets::load(&source, env))?;
    tracing::info!(source = %secrets.source(), "settings read from the environment, then the secret");
    Ok(Box::new(move |k| secrets.lookup(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_the_environment_as_the_source_the_lookup_is_the_environment() {
        let lookup = command_lookup(|k| (k == "WEB_USER").then(|| "ops".to_owned())).expect("env source");
        assert_eq!(lookup("WEB_USER").as_deref(), Some("ops"));
        assert_eq!(lookup("JWT_SECRET"), None);
        let err = command_lookup(|k| (k == "SECRETS_SOURCE").then(|| "vault".to_owned())).err();
        assert!(
            matches!(err, Some(LoadError::Config(ConfigErrors(ref e))) if e[0].contains("SECRETS_SOURCE")),
            "{err:?}"
        );
    }
}
