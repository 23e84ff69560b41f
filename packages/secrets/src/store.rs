//! `Secrets`: the settings lookup the worker reads through (the environment first, then the
//! secret) and the last good copy of the secret, swapped whole on each successful refresh.
//! Listeners ([`Secrets::subscribe`]) see each new copy and apply what changed.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::aws::AwsSecrets;
use crate::error::{RefreshError, SecretsError};
use crate::map::SecretMap;
use crate::settings::{SecretsSettings, SecretsSource, env_only};

/// The environment the worker was started with: a lookup by name.
type Env = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct Secrets {
    aws: Option<AwsSecrets>,
    env: Env,
    /// The last good copy; the channel doubles as the holder (`borrow`) and the notifier.
    current: watch::Sender<Arc<SecretMap>>,
    /// When the copy served was read.
    read_at: Mutex<Instant>,
    refresh: Option<Duration>,
}

/// A successful refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The settings whose value changed, by name (those the environment overrides excluded).
    pub changed: Vec<String>,
    /// How long reading the secret took.
    pub took: Duration,
}

impl Secrets {
    /// Reads the source `settings` name: nothing for the environment, the secret for AWS (an
    /// error then stops the start: a worker without its secrets is not one to run).
    pub async fn load(
        settings: &SecretsSettings,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, SecretsError> {
        let (aws, map) = match &settings.source {
            SecretsSource::Env => (None, SecretMap::default()),
            SecretsSource::Aws(s) => {
                let aws = AwsSecrets::connect(s).await?;
                let map = aws.fetch().await?;
                (Some(aws), map)
            }
        };
        Ok(Self {
            aws,
            env: Box::new(env),
            current: watch::Sender::new(Arc::new(map)),
            read_at: Mutex::new(Instant::now()),
            refresh: settings.refresh,
        })
    }

    /// The value of setting `key`: the environment's when set (and not blank), else the
    /// secret's; settings that choose the secret come from the environment only.
    pub fn lookup(&self, key: &str) -> Option<String> {
        if let Some(v) = (self.env)(key).filter(|v| !v.trim().is_empty()) {
            return Some(v);
        }
        if env_only(key) {
            return None;
        }
        self.current.borrow().get(key)
    }

    /// "the environment", or `AWS Secrets Manager secret "ID" (region R, endpoint E)`: for logs.
    pub fn source(&self) -> String {
        match &self.aws {
            None => "the environment".to_owned(),
            Some(aws) => format!("AWS Secrets Manager secret {:?} ({})", aws.secret_id(), aws.location()),
        }
    }

    /// The secret's client, when the source is AWS.
    pub fn aws(&self) -> Option<&AwsSecrets> {
        self.aws.as_ref()
    }

    /// `SECRETS_REFRESH_MINUTES` as a period; `None` when off or nothing can change.
    pub fn refresh_interval(&self) -> Option<Duration> {
        self.aws.as_ref().and(self.refresh)
    }

    /// The secret's keys, in three lists: used, overridden by the environment, and ignored (they
    /// choose the secret, so only the environment may set them). Names only, for logs.
    pub fn key_report(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let map = Arc::clone(&self.current.borrow());
        let (mut used, mut overridden, mut ignored) = (Vec::new(), Vec::new(), Vec::new());
        for key in map.keys() {
            let list = if env_only(key) {
                &mut ignored
            } else if self.overridden(key) {
                &mut overridden
            } else {
                &mut used
            };
            list.push(key.to_owned());
        }
        (used, overridden, ignored)
    }

    fn overridden(&self, key: &str) -> bool {
        (self.env)(key).is_some_and(|v| !v.trim().is_empty())
    }

    /// Each new copy of the secret, as refreshes read it.
    pub fn subscribe(&self) -> watch::Receiver<Arc<SecretMap>> {
        self.current.subscribe()
    }

    /// The settings whose effective value differs between two copies of the secret: keys whose
    /// value changed, appeared or went, less those the environment overrides or ignores.
    pub fn changed_keys(&self, old: &SecretMap, new: &SecretMap) -> Vec<String> {
        let mut keys: Vec<&str> = old.keys().chain(new.keys()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .filter(|k| !env_only(k) && !self.overridden(k) && old.get(k) != new.get(k))
            .map(str::to_owned)
            .collect()
    }

    /// Reads the secret again. On success the new copy is served from the next lookup on and
    /// listeners are told; on failure the last good copy stays and the error says so (it is
    /// also logged as a warning). Logs name the changed keys, never a value.
    pub async fn refresh(&self) -> Result<Refreshed, RefreshError> {
        let started = Instant::now();
        let Some(aws) = &self.aws else {
            return Ok(Refreshed { changed: Vec::new(), took: started.elapsed() });
        };
        match aws.fetch().await {
            Ok(map) => {
                let took = started.elapsed();
                *self.read_at.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                let old = Arc::clone(&self.current.borrow());
                let changed = self.changed_keys(&old, &map);
                if !old.same_as(&map) {
                    self.current.send_replace(Arc::new(map));
                }
                tracing::info!(
                    source = %self.source(),
                    took_ms = took.as_millis(),
                    changed = ?changed,
                    "secrets refreshed"
                );
                Ok(Refreshed { changed, took })
            }
            Err(error) => {
                let age = self.read_at.lock().unwrap_or_else(PoisonError::into_inner).elapsed();
                let e = RefreshError { last_good_age: age, error };
                tracing::warn!(source = %self.source(), error = %e, "secrets refresh failed; the last good values stay in use");
                Err(e)
            }
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("source", &self.source())
            .field("keys", &self.current.borrow().keys().collect::<Vec<_>>())
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn secrets(env: &[(&str, &str)], json: &str) -> Secrets {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Secrets {
            aws: None,
            env: Box::new(move |k| env.get(k).cloned()),
            current: watch::Sender::new(Arc::new(SecretMap::from_json(json).unwrap())),
            read_at: Mutex::new(Instant::now()),
            refresh: None,
        }
    }

    #[test]
    fn the_environment_overrides_the_secret_and_alone_chooses_it() {
        let s = secrets(
            &[("WEB_PASS", "from-env"), ("JWT_SECRET", "  ")],
            r#"{"WEB_PASS": "from-secret", "JWT_SECRET": "jwt-from-secret", "AWS_REGION": "eu-west-1", "SECRETS_SOURCE": "env"}"#,
        );
        assert_eq!(s.lookup("WEB_PASS").as_deref(), Some("from-env"));
        assert_eq!(s.lookup("JWT_SECRET").as_deref(), Some("jwt-from-secret"), "a blank variable is unset");
        assert_eq!(s.lookup("AWS_REGION"), None);
        assert_eq!(s.lookup("SECRETS_SOURCE"), None);
        assert_eq!(s.lookup("MISSING"), None);
        let (used, overridden, ignored) = s.key_report();
        assert_eq!(
            (used, overridden, ignored),
            (
                vec!["JWT_SECRET".to_owned()],
                vec!["WEB_PASS".to_owned()],
                vec!["AWS_REGION".to_owned(), "SECRETS_SOURCE".to_owned()]
            )
        );
        assert!(!format!("{s:?}").contains("from-secret"));
    }

    #[test]
    fn changes_are_named_unless_the_environment_overrides_them() {
        let s = secrets(&[("WEB_PASS", "from-env")], "{}");
        let old = SecretMap::from_json(r#"{"A": "1", "B": "2", "WEB_PASS": "x", "GONE": "g"}"#).unwrap();
        let new = SecretMap::from_json(r#"{"A": "1", "B": "3", "WEB_PASS": "y", "NEW": "n"}"#).unwrap();
        assert_eq!(s.changed_keys(&old, &new), ["B", "GONE", "NEW"]);
    }
}
