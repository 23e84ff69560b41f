//! `UserDirectory`: where the web tier checks a login and, on every request, whether the token's
//! user still exists, is enabled and what their role is now. The worker's directory is its store
//! (with a cache, `mirai_worker::users`); the serverless tier asks the worker over the control API
//! (`RemoteBackend`); [`MemoryUsers`] keeps accounts in memory (tests, and [`super::Auth::new`]'s
//! single operator).

use std::collections::HashMap;
use std::fmt;
use std::sync::{PoisonError, RwLock};

use mirai_core::Role;
use serde::{Deserialize, Serialize};

use super::AuthError;
use super::password::PasswordHash;
use crate::backend::BackendFuture;

/// The longest user name, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// A user as the web tier needs them: never the password nor its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// Changes when the user's sessions must end (see `mirai_store_local::StoredUser`).
    pub generation: u64,
}

/// The users the web tier logs in and checks. Both calls answer `Ok(None)` for a user who does
/// not exist or is disabled, and `Err` only when the directory cannot be read (then nobody is let
/// in).
pub trait UserDirectory: Send + Sync {
    /// The account if `username` and `password` match an enabled user. Takes as long for an
    /// unknown or disabled user as for a wrong password.
    fn authenticate(&self, username: String, password: String) -> BackendFuture<'_, Option<Account>>;

    /// The enabled user `username` as they are now. Called on every authenticated request, so it
    /// must be cheap.
    fn current(&self, username: String) -> BackendFuture<'_, Option<Account>>;
}

/// Whether `name` can be a user's name: 1 to 64 characters, no whitespace, no control or
/// invisible formatting characters (names go into logs and the audit log as they are).
pub fn check_username(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_USERNAME_CHARS {
        return Err(format!("a user name must be 1 to {MAX_USERNAME_CHARS} characters"));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) || super::sanitize_username(name) != name {
        return Err("a user name must not contain spaces, control or invisible characters".to_owned());
    }
    Ok(())
}

struct Entry {
    account: Account,
    hash: PasswordHash,
    disabled: bool,
}

/// Accounts held in memory, with argon2id hashes. Changes apply to the next request at once.
pub struct MemoryUsers {
    inner: RwLock<Inner>,
}

struct Inner {
    users: HashMap<String, Entry>,
    /// The last generation given out.
    generation: u64,
}

impl MemoryUsers {
    pub fn new() -> Self {
        Self { inner: RwLock::new(Inner { users: HashMap::new(), generation: 0 }) }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds (or replaces) a user; hashing costs tens of milliseconds by design.
    pub fn add(&self, name: &str, password: &str, role: Role) -> Result<Account, AuthError> {
        if name.trim().is_empty() {
            return Err(AuthError::EmptyUsername);
        }
        if password.is_empty() {
            return Err(AuthError::EmptyPassword);
        }
        let hash = PasswordHash::new(password)?;
        let mut inner = self.write();
        inner.generation += 1;
        let account = Account { name: name.to_owned(), role, generation: inner.generation };
        inner.users.insert(name.to_owned(), Entry { account: account.clone(), hash, disabled: false });
        Ok(account)
    }

    /// [`MemoryUsers::add`], for building.
    pub fn with(self, name: &str, password: &str, role: Role) -> Result<Self, AuthError> {
        self.add(name, password, role)?;
        Ok(self)
    }

    /// Removes a user; whether they existed.
    pub fn remove(&self, name: &str) -> bool {
        self.write().users.remove(name).is_some()
    }

    /// Changes a user's role; whether they exist.
    pub fn set_role(&self, name: &str, role: Role) -> bool {
        self.write().users.get_mut(name).map(|e| e.account.role = role).is_some()
    }

    /// Disables or enables a user; disabling ends their sessions. Whether they exist.
    pub fn set_disabled(&self, name: &str, disabled: bool) -> bool {
        let mut inner = self.write();
        let next = inner.generation + 1;
        let Some(e) = inner.users.get_mut(name) else { return false };
        e.disabled = disabled;
        if disabled {
            e.account.generation = next;
            inner.generation = next;
        }
        true
    }

    /// Replaces a user's password, ending their sessions; whether they exist.
    pub fn set_password(&self, name: &str, password: &str) -> Result<bool, AuthError> {
        let hash = PasswordHash::new(password)?;
        let mut inner = self.write();
        let next = inner.generation + 1;
        let Some(e) = inner.users.get_mut(name) else { return Ok(false) };
        e.hash = hash;
        e.account.generation = next;
        inner.generation = next;
        Ok(true)
    }

    fn authenticate_now(&self, username: &str, password: &str) -> Option<Account> {
        let found = self
            .read()
            .users
            .get(username)
            .filter(|e| !e.disabled)
            .map(|e| (e.account.clone(), e.hash.clone()));
        match found {
            Some((account, hash)) => hash.verify(password).then_some(account),
            None => {
                PasswordHash::verify_decoy(password);
                None
            }
        }
    }

    fn current_now(&self, username: &str) -> Option<Account> {
        self.read().users.get(username).filter(|e| !e.disabled).map(|e| e.account.clone())
    }
}

impl Default for MemoryUsers {
    fn default() -> Self {
        Self::new()
    }
}

impl UserDirectory for MemoryUsers {
    fn authenticate(&self, username: String, password: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move { Ok(self.authenticate_now(&username, &password)) })
    }

    fn current(&self, username: String) -> BackendFuture<'_, Option<Account>> {
        Box::pin(async move { Ok(self.current_now(&username)) })
    }
}

impl fmt::Debug for MemoryUsers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.read();
        let mut names: Vec<(&str, Role)> =
            inner.users.values().map(|e| (e.account.name.as_str(), e.account.role)).collect();
        names.sort_unstable();
        f.debug_struct("MemoryUsers").field("users", &names).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_checked_and_changes_apply_at_once() {
        let users = MemoryUsers::new().with("ann", "pw-ann", Role::Admin).expect("ann");
        let bob = users.add("bob", "pw-bob", Role::Trader).expect("bob");
        let auth = |u: &str, p: &str| users.authenticate_now(u, p);
        assert_eq!(auth("bob", "pw-bob"), Some(bob.clone()));
        assert_eq!(auth("bob", "pw-ann"), None);
        assert_eq!(auth("carl", "pw-bob"), None);
        assert!(users.set_role("bob", Role::Viewer));
        assert_eq!(users.current_now("bob").map(|a| a.role), Some(Role::Viewer));
        assert!(users.set_password("bob", "new-pw").expect("hash"));
        assert!(users.current_now("bob").is_some_and(|a| a.generation > bob.generation));
        assert!(users.set_disabled("bob", true));
        assert_eq!(users.current_now("bob"), None);
        assert_eq!(auth("bob", "new-pw"), None, "a disabled user cannot log in");
        assert!(users.remove("ann") && !users.remove("ann"));
        assert!(!format!("{users:?}").contains("pw-"));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_username("alice.b@ops-1").is_ok());
        assert!(check_username(&"é".repeat(64)).is_ok());
        for bad in ["", "a b", "tab\there", "zero\u{200B}width", "bidi\u{202E}", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
    }
}
