//! Secrets rotation while the worker runs (`SECRETS_SOURCE=aws`): the secret is read again on
//! SIGHUP and every `SECRETS_REFRESH_MINUTES`, and what changed is applied in place. A new JWT
//! secret signs every new token at once while tokens signed with the old one still verify until
//! they expire; a new Binance key or secret signs the next request. Other settings changed in the
//! secret take effect at the next start, and the log says which (names only, never values). A
//! failed refresh keeps the last good values (`mirai_secrets::Secrets::refresh` warns).

use std::sync::{Arc, Weak};

use mirai_binance::SharedCredential;
use mirai_secrets::{SecretMap, Secrets};
use mirai_web::{Auth, Ctx};
use tokio::task::JoinHandle;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::venue::BinanceSettings;

/// The settings that make up the Binance credential.
const BINANCE_KEYS: [&str; 3] = ["BINANCE_API_KEY", "BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_PATH"];

/// Starts refreshing `secrets` on SIGHUP and on its timer, applying changes to `ctx`'s login and
/// to `binance`, the credential the venue signs with (`None` when not trading on Binance). The
/// task ends by itself once the web tier (`ctx`) is gone.
pub fn spawn(secrets: Arc<Secrets>, ctx: &Arc<Ctx>, binance: Option<SharedCredential>) -> JoinHandle<()> {
    tracing::info!(
        source = %secrets.source(),
        every_minutes = secrets.refresh_interval().map_or(0, |d| d.as_secs() / 60),
        "secrets are refreshed on SIGHUP and on a timer (0: SIGHUP only)"
    );
    tokio::spawn(run(secrets, Arc::downgrade(ctx), binance))
}

async fn run(secrets: Arc<Secrets>, ctx: Weak<Ctx>, binance: Option<SharedCredential>) {
    let mut updates = secrets.subscribe();
    // What the running worker was built from: changes are counted from here.
    let mut applied: Arc<SecretMap> = Arc::clone(&updates.borrow_and_update());
    let mut hangups = Hangups::install();
    let mut timer = secrets.refresh_interval().map(|every| {
        let mut t = tokio::time::interval_at(Instant::now() + every, every);
        // A refresh that was missed (the machine slept) is done once, not once per period.
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        t
    });
    loop {
        if ctx.strong_count() == 0 {
            return;
        }
        tokio::select! {
            () = hangups.next() => {
                tracing::info!("SIGHUP: refreshing the secrets");
                // A failure is logged by `refresh`, and the last good values stay.
                let _ = secrets.refresh().await;
            }
            () = next_tick(&mut timer) => {
                let _ = secrets.refresh().await;
            }
            changed = updates.changed() => {
                let (Ok(()), Some(ctx)) = (changed, ctx.upgrade()) else { return };
                let new = Arc::clone(&updates.borrow_and_update());
                let changed = secrets.changed_keys(&applied, &new);
                apply(&|k| secrets.lookup(k), &changed, &ctx.auth, binance.as_ref());
                applied = new;
            }
        }
    }
}

/// What a change of the secret did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Settings now in use.
    pub rotated: Vec<String>,
    /// Settings read only at start: in use from the next start.
    pub at_next_start: Vec<String>,
    /// Settings whose new value was refused (the reason was logged); the old one stays.
    pub refused: Vec<String>,
}

/// Applies the `changed` settings, read through `lookup` (the environment, then the new secret).
pub fn apply(
    lookup: &dyn Fn(&str) -> Option<String>,
    changed: &[String],
    auth: &Auth,
    binance: Option<&SharedCredential>,
) -> Applied {
    let mut out = Applied::default();
    if changed.is_empty() {
        return out;
    }
    for key in changed {
        if key == "JWT_SECRET" {
            match lookup(key).map(|s| auth.rotate_secret(s.as_bytes())) {
                Some(Ok(_)) => out.rotated.push(key.clone()),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "JWT_SECRET in the secret was not applied; the current secret stays");
                    out.refused.push(key.clone());
                }
                None => {
                    tracing::warn!(
                        "JWT_SECRET left the secret; the current secret stays until the next start"
                    );
                    out.refused.push(key.clone());
                }
            }
        } else if !BINANCE_KEYS.contains(&key.as_str()) {
            out.at_next_start.push(key.clone());
        }
    }
    let binance_keys: Vec<String> =
        changed.iter().filter(|k| BINANCE_KEYS.contains(&k.as_str())).cloned().collect();
    match (binance_keys.is_empty(), binance) {
        (true, _) => {}
        // Not trading on Binance now (a dry run, or not connected): the next start reads them.
        (false, None) => out.at_next_start.extend(binance_keys),
        (false, Some(slot)) => match binance_credential(lookup) {
            Ok(credential) => {
                slot.replace(credential);
                out.rotated.extend(binance_keys);
            }
            Err(why) => {
                tracing::warn!(reason = %why, "the Binance key in the secret was not applied; the current key stays");
                out.refused.extend(binance_keys);
            }
        },
    }
    tracing::info!(
        rotated = ?out.rotated,
        at_next_start = ?out.at_next_start,
        refused = ?out.refused,
        "secrets changed"
    );
    out
}

/// The Binance credential the settings now name, checked as at start.
fn binance_credential(lookup: &dyn Fn(&str) -> Option<String>) -> Result<mirai_binance::Credential, String> {
    let settings = BinanceSettings::from_lookup(lookup)
        .map_err(|problems| problems.join("; "))?
        .ok_or_else(|| "BINANCE_API_KEY is no longer set".to_owned())?;
    crate::venue::connect::credential(&settings).map_err(|e| e.to_string())
}

/// The next tick of `timer`, or never.
async fn next_tick(timer: &mut Option<Interval>) {
    match timer {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// SIGHUP, where there is one to listen for.
struct Hangups {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangups {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::hangup()) {
                Ok(s) => Self { signal: Some(s) },
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGHUP; secrets are refreshed on the timer only");
                    Self { signal: None }
                }
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The next SIGHUP; never, if none can come.
    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(s) = &mut self.signal {
            if s.recv().await.is_some() {
                return;
            }
            // The signal stream ended (the runtime is going away): stop listening.
            self.signal = None;
        }
        std::future::pending::<()>().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const OLD_JWT: &str = "old-jwt-secret-0123456789abcdef0123456789";
    const NEW_JWT: &str = "new-jwt-secret-0123456789abcdef0123456789";

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_new_jwt_secret_and_binance_key_apply_in_place_the_rest_at_the_next_start() {
        let auth = Auth::new("admin", "pw-123456", OLD_JWT.as_bytes()).expect("auth");
        let old_token = auth.issue().expect("token").token;
        let slot =
            SharedCredential::new(mirai_binance::Credential::hmac("key-1", "secret-1").expect("credential"));
        let get = lookup(&[
            ("JWT_SECRET", NEW_JWT),
            ("BINANCE_API_KEY", "key-2"),
            ("BINANCE_API_SECRET", "secret-2"),
            ("OPENAI_API_KEY", "sk-2"),
        ]);
        let applied = apply(
            &get,
            &keys(&["BINANCE_API_KEY", "BINANCE_API_SECRET", "JWT_SECRET", "OPENAI_API_KEY"]),
            &auth,
            Some(&slot),
        );
        assert_eq!(
            applied,
            Applied {
                rotated: keys(&["JWT_SECRET", "BINANCE_API_KEY", "BINANCE_API_SECRET"]),
                at_next_start: keys(&["OPENAI_API_KEY"]),
                refused: vec![],
            }
        );
        assert_eq!(slot.current().api_key(), "key-2", "the next request signs with the new key");
        let signed = mirai_binance::Credential::hmac("key-2", "secret-2").expect("credential").sign(b"q");
        assert_eq!(slot.current().sign(b"q"), signed);
        assert!(auth.verify(&old_token).is_ok(), "tokens of the old secret live on");
        let new_secret_token =
            Auth::new("admin", "pw-123456", NEW_JWT.as_bytes()).expect("auth").issue().expect("token").token;
        assert!(auth.verify(&new_secret_token).is_ok());
    }

    #[test]
    fn bad_new_values_are_refused_and_the_old_ones_stay() {
        let auth = Auth::new("admin", "pw-123456", OLD_JWT.as_bytes()).expect("auth");
        let slot =
            SharedCredential::new(mirai_binance::Credential::hmac("key-1", "secret-1").expect("credential"));
        // A JWT secret too short; a Binance key whose secret left.
        let get = lookup(&[("JWT_SECRET", "short"), ("BINANCE_API_KEY", "key-2")]);
        let applied = apply(&get, &keys(&["BINANCE_API_SECRET", "JWT_SECRET"]), &auth, Some(&slot));
        assert_eq!(applied.refused, keys(&["JWT_SECRET", "BINANCE_API_SECRET"]));
        assert!(applied.rotated.is_empty());
        assert_eq!(slot.current().api_key(), "key-1");
        assert_eq!(auth.retired_secrets(), 0, "the JWT secret did not change");
        // Not trading on Binance: the new key is for the next start.
        let get = lookup(&[("BINANCE_API_KEY", "key-2"), ("BINANCE_API_SECRET", "secret-2")]);
        let applied = apply(&get, &keys(&["BINANCE_API_KEY"]), &auth, None);
        assert_eq!(applied.at_next_start, keys(&["BINANCE_API_KEY"]));
    }
}
