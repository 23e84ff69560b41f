//! The worker's users: the web tier's [`UserDirectory`] over the store's `users` table, the first
//! admin at the first start, and the JWT secret kept in DATA_DIR when none is configured.
//!
//! Every authenticated request asks [`StoreUsers::current`] about its token's user. The answer
//! comes from a cache of the whole table (a handful of rows), checked against the store's
//! `users.version` counter on each call: one primary-key read of one key/value row, on a
//! connection of its own (never waiting behind the trading task's writes). Every change to the
//! users — by this process or by `mirai users` in another — bumps the counter in the same
//! transaction, so the next request after a change reloads the table and sees it: a removed,
//! disabled or lowered user loses their rights on their next request.

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use anyhow::Context as _;
use mirai_core::Timestamp;
use mirai_store_local::{LocalStore, StoreError, UserChange};
use mirai_web::{Account, BackendError, BackendFuture, PasswordHash, UserDirectory, check_username};
use secrecy::{ExposeSecret, SecretString};

/// The file in DATA_DIR that keeps the JWT secret when `JWT_SECRET` is not set.
pub const JWT_SECRET_FILE: &str = "jwt-secret";

/// Password checks run at once, at most: each is argon2id with 19 MiB and tens of milliseconds
/// of CPU, and logins from every serverless instance land here, beside the trading task.
pub const CONCURRENT_PASSWORD_CHECKS: usize = 2;
/// How long a login waits for a turn before it is answered 503.
const PASSWORD_CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The users in a store, cached (see the module documentation).
pub struct StoreUsers {
    store: Arc<LocalStore>,
    cache: RwLock<Cache>,
    checks: Arc<tokio::sync::Semaphore>,
}

#[derive(Default)]
struct Cache {
    /// The `users.version` the table was read at; `None` before the first read.
    version: Option<u64>,
    users: HashMap<String, Cached>,
}

struct Cached {
    account: Account,
    /// `None` when the stored hash does not parse: the user cannot log in.
    hash: Option<PasswordHash>,
    disabled: bool,
}

impl StoreUsers {
    /// Reads `store`, which should be a connection of its own (`LocalStore::open` again on the
    /// same directory): the check on every request then never waits for the trading task's
    /// connection.
    pub fn new(store: Arc<LocalStore>) -> Self {
        Self {
            store,
            cache: RwLock::new(Cache::default()),
            checks: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_PASSWORD_CHECKS)),
        }
    }

    /// Runs `f` on the cache, reloaded first if the users changed since it was read.
    fn with_fresh<T>(&self, f: impl FnOnce(&Cache) -> T) -> Result<T, StoreError> {
        let version = self.store.users_version()?;
        {
            let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
            if cache.version == Some(version) {
                return Ok(f(&cache));
            }
        }
        // Read after the counter, in one transaction: the rows are at least as new as `version`
        // says (a change in between shows as a new counter on the next call, and reloads again).
        let (version, rows) = self.store.users_snapshot()?;
        let users = rows
            .into_iter()
            .map(|u| {
                let hash = PasswordHash::from_phc(&u.password_hash).ok();
                if hash.is_none() {
                    tracing::error!(user = %u.name, "the stored password hash of this user does not parse; they cannot log in (mirai users passwd)");
                }
                let account = Account { name: u.name.clone(), role: u.role, generation: u.generation };
                (u.name, Cached { account, hash, disabled: u.disabled })
            })
            .collect();
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        *cache = Cache { version: Some(version), users };
        tracing::debug!(version, users = cache.users.len(), "users read from the store");
        Ok(f(&cache))
    }

    /// The enabled user `name` as they are now.
    pub fn current_now(&self, name: &str) -> Result<Option<Account>, StoreError> {
        self.with_fresh(|c| c.users.get(name).filter(|u| !u.disabled).map(|u| u.account.clone()))
    }

    /// The enabled user `name` and their hash, for a login.
    fn for_login(&self, name: &str) -> Result<Option<(Account, PasswordHash)>, StoreError> {
        self.with_fresh(|c| {
            c.users.get(name).filter(|u| !u.disabled).and_then(|u| Some((u.account.clone(), u.hash.clone()?)))
        })
    }
}

/// A store that is busy (another process holding it past the busy timeout) may answer on a
/// retry; anything else is the worker's fault. The detail goes to the log, never to a client.
fn unavailable(e: &StoreError) -> BackendError {
    tracing::error!(error = %e, "the users could not be read");
    if e.is_transient() {
        BackendError::Unavailable("the store is busy".to_owned())
    } else {
        BackendError::Internal(format!("reading the users: {e}"))
    }
}

impl UserDirectory for StoreUsers {
    fn authenticate(&self, username: String, password: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move {
            let found = self.for_login(&username).map_err(|e| unavailable(&e))?;
            // A few at a time, whoever asks: the turn is held until the hash is done, even if the
            // caller goes away meanwhile.
            let turn = tokio::time::timeout(PASSWORD_CHECK_WAIT, self.checks.clone().acquire_owned())
                .await
                .map_err(|_| {
                    tracing::warn!("a login waited too long for a password check; answered 503");
                    BackendError::Unavailable("too many logins at once".to_owned())
                })?
                .map_err(|e| BackendError::Internal(format!("password checks: {e}")))?;
            // argon2 takes tens of milliseconds: off the async workers. An unknown user is checked
            // against a decoy hash, so the answer takes as long as for a wrong password.
            tokio::task::spawn_blocking(move || {
                let _turn = turn;
                match found {
                    Some((account, hash)) => hash.verify(&password).then_some(account),
                    None => {
                        PasswordHash::verify_decoy(&password);
                        None
                    }
                }
            })
            .await
            .map_err(|e| BackendError::Internal(format!("password check: {e}")))
        })
    }

    fn current(&self, username: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move { self.current_now(&username).map_err(|e| unavailable(&e)) })
    }
}

impl fmt::Debug for StoreUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("StoreUsers")
            .field("store", &self.store.location())
            .field("version", &cache.version)
            .field("users", &cache.users.len())
            .finish()
    }
}

/// What the first start did about users.
#[derive(Debug)]
pub enum Bootstrap {
    /// The table was empty: `name` is the first admin, with `WEB_PASS` or, when that was not set,
    /// the password `generated` here (shown once on the console, never logged; only its hash is
    /// kept).
    Created { name: String, generated: Option<SecretString> },
    /// Users exist: `WEB_USER` and `WEB_PASS` were not used.
    Existing { users: usize },
}

/// The first admin: `user` with `pass` (`WEB_USER`, `WEB_PASS`), or with a generated password,
/// when, and only when, the store holds no user. Audited (kind `user`, action `bootstrap`, actor
/// `system`).
pub fn bootstrap(
    store: &LocalStore,
    user: &str,
    pass: Option<&SecretString>,
    now: Timestamp,
) -> anyhow::Result<Bootstrap> {
    let existing = store.users().context("reading the users")?.len();
    if existing > 0 {
        if pass.is_some() {
            tracing::info!(
                users = existing,
                "WEB_PASS is not used: the users are in the store (`mirai users` manages them)"
            );
        }
        return Ok(Bootstrap::Existing { users: existing });
    }
    check_username(user).map_err(|why| anyhow::anyhow!("WEB_USER: {why}"))?;
    let generated = match pass {
        Some(_) => None,
        None => Some(SecretString::from(crate::secret::random_hex(12).context("generating a password")?)),
    };
    let password = pass.or(generated.as_ref()).map(ExposeSecret::expose_secret).unwrap_or_default();
    let hash = PasswordHash::new(password).context("hashing the first admin's password")?;
    let change = UserChange { at: now, by: "system", via: "start" };
    match store.bootstrap_admin(user, hash.as_phc(), change).context("adding the first admin")? {
        Some(_) => {
            tracing::info!(user, generated = generated.is_some(), "first admin created");
            Ok(Bootstrap::Created { name: user.to_owned(), generated })
        }
        // Another process added a user in the meantime.
        None => Ok(Bootstrap::Existing { users: store.users().context("reading the users")?.len() }),
    }
}

/// The JWT secret kept in `dir` ([`JWT_SECRET_FILE`]): read if it is there, else 32 random bytes
/// (hex) written to a new file, mode 0600, so that a restart logs nobody out. A file shorter than
/// 32 bytes is refused (delete it: a new one is made, and everyone logs in again).
pub fn jwt_secret(dir: &Path) -> anyhow::Result<SecretString> {
    let path = dir.join(JWT_SECRET_FILE);
    match read_secret(&path)? {
        Some(secret) => Ok(secret),
        None => {
            let secret = crate::secret::random_hex(32).context("generating a JWT secret")?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(mut file) => {
                    file.write_all(secret.as_bytes())
                        .and_then(|()| file.write_all(b"\n"))
                        .and_then(|()| file.sync_all())
                        .with_context(|| format!("writing {}", path.display()))?;
                    tracing::info!(file = %path.display(), "JWT_SECRET is not set: a secret was made and kept in this file (mode 0600), so sessions survive restarts");
                    Ok(SecretString::from(secret))
                }
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    read_secret(&path)?.with_context(|| format!("{} appeared empty", path.display()))
                }
                Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
    }
}

fn read_secret(path: &Path) -> anyhow::Result<Option<SecretString>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let secret = text.trim();
            anyhow::ensure!(
                secret.len() >= mirai_web::auth::MIN_SECRET_BYTES,
                "{} holds a JWT secret shorter than {} bytes; delete the file to make a new one (everyone then logs in again)",
                path.display(),
                mirai_web::auth::MIN_SECRET_BYTES
            );
            Ok(Some(SecretString::from(secret.to_owned())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::Role;

    use super::*;

    fn hash(pw: &str) -> String {
        PasswordHash::new(pw).unwrap().as_phc().to_owned()
    }

    fn cli(at: i64) -> UserChange<'static> {
        UserChange { at: Timestamp::from_millis(at), by: "ops", via: "cli" }
    }

    #[tokio::test]
    async fn changes_by_another_connection_are_seen_on_the_next_call() {
        let dir = tempfile::tempdir().unwrap();
        let writer = LocalStore::open(dir.path()).unwrap();
        let users = StoreUsers::new(Arc::new(LocalStore::open(dir.path()).unwrap()));
        writer.add_user("ann", Role::Admin, &hash("pw-ann-1"), cli(1)).unwrap();
        writer.add_user("tess", Role::Trader, &hash("pw-tess-1"), cli(2)).unwrap();
        let tess = users.authenticate("tess".into(), "pw-tess-1".into()).await.unwrap().expect("logs in");
        assert_eq!(tess.role, Role::Trader);
        assert_eq!(users.authenticate("tess".into(), "wrong".into()).await.unwrap(), None);
        assert_eq!(users.authenticate("nobody".into(), "pw-tess-1".into()).await.unwrap(), None);

        // Another process (another connection) lowers, disables, removes: seen at once.
        writer.set_user_role("tess", Role::Viewer, cli(3)).unwrap();
        assert_eq!(users.current("tess".into()).await.unwrap().map(|a| a.role), Some(Role::Viewer));
        writer.set_user_disabled("tess", true, cli(4)).unwrap();
        assert_eq!(users.current("tess".into()).await.unwrap(), None);
        assert_eq!(users.authenticate("tess".into(), "pw-tess-1".into()).await.unwrap(), None);
        writer.set_user_disabled("tess", false, cli(5)).unwrap();
        writer.remove_user("tess", cli(6)).unwrap();
        assert_eq!(users.current("tess".into()).await.unwrap(), None);
        assert!(users.current("ann".into()).await.unwrap().is_some());
        assert!(!format!("{users:?}").contains("argon2"));
    }

    #[test]
    fn the_first_admin_is_made_once_and_only_in_an_empty_store() {
        let store = LocalStore::open_in_memory().unwrap();
        let pass = SecretString::from("a-web-pass-123".to_owned());
        let first = bootstrap(&store, "admin", Some(&pass), Timestamp::from_millis(1)).unwrap();
        assert!(matches!(first, Bootstrap::Created { ref name, generated: None } if name == "admin"));
        let stored = store.user("admin").unwrap().unwrap();
        assert_eq!(stored.role, Role::Admin);
        assert!(PasswordHash::from_phc(&stored.password_hash).unwrap().verify("a-web-pass-123"));
        // A second start, WEB_PASS changed or not: nothing is made or changed.
        let other = SecretString::from("another-pass-456".to_owned());
        assert!(matches!(
            bootstrap(&store, "root", Some(&other), Timestamp::from_millis(2)).unwrap(),
            Bootstrap::Existing { users: 1 }
        ));
        assert_eq!(store.users().unwrap().len(), 1);
        let audit = store.audit(5).unwrap();
        assert_eq!((audit[0].kind.as_str(), audit[0].actor.as_str()), ("user", "system"));
        assert_eq!(audit[0].payload["action"], "bootstrap");

        // No WEB_PASS: a generated one, kept hashed only.
        let empty = LocalStore::open_in_memory().unwrap();
        let Bootstrap::Created { generated: Some(pw), .. } =
            bootstrap(&empty, "admin", None, Timestamp::from_millis(1)).unwrap()
        else {
            panic!("a password is generated")
        };
        let stored = empty.user("admin").unwrap().unwrap();
        assert!(!stored.password_hash.contains(pw.expose_secret()));
        assert!(PasswordHash::from_phc(&stored.password_hash).unwrap().verify(pw.expose_secret()));
        assert!(
            bootstrap(&empty, "admin bad", None, Timestamp::from_millis(1)).is_ok(),
            "users exist: WEB_USER is not read"
        );
        assert!(
            bootstrap(&LocalStore::open_in_memory().unwrap(), "ad min", None, Timestamp::from_millis(1))
                .is_err()
        );
    }

    #[test]
    fn the_jwt_secret_is_made_once_kept_private_and_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = jwt_secret(dir.path()).unwrap();
        assert_eq!(first.expose_secret().len(), 64);
        let again = jwt_secret(dir.path()).unwrap();
        assert_eq!(first.expose_secret(), again.expose_secret(), "the same secret after a restart");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(JWT_SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.path().join(JWT_SECRET_FILE), "short\n").unwrap();
        let err = jwt_secret(dir.path()).unwrap_err().to_string();
        assert!(err.contains("shorter than 32 bytes") && !err.contains("short\n"), "{err}");
    }
}
