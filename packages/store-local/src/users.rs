//! Dashboard users: a name, a role, an argon2id hash of the password (never the password itself:
//! the table refuses anything that is not an argon2id PHC string), when the account was created
//! and last changed, and whether it is disabled. Unlike the ledger's tables, rows are deleted when
//! a user is removed; the audit log keeps the history (kind `user`, never a hash).
//!
//! Every change runs in one IMMEDIATE transaction with its audit entry and bumps the key/value
//! counter [`KV_USERS_VERSION`], so a process that caches the users (the worker checks them on
//! every request) notices a change made by another process (`mirai users`) by reading that one
//! value. A user's `generation` is the counter's value when the account was created, its
//! password changed or it was disabled: a session token carries the generation it was issued
//! under, so those changes end the user's sessions.
//!
//! At least one enabled admin always remains: removing, disabling or lowering the last one is
//! refused ([`StoreError::LastAdmin`]).

use std::fmt;

use mirai_core::{AuditEvent, Role, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::codec::{opt_u64, parse, text, timestamp};
use crate::{LocalStore, Result, StoreError, audit, rows};

/// The key/value entry counting changes to the users (absent: none yet).
pub const KV_USERS_VERSION: &str = "users.version";

const COLUMNS: &str = "name, role, password_hash, created_at, updated_at, disabled, generation";

/// One stored user.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub name: String,
    pub role: Role,
    /// The argon2id PHC string (`$argon2id$v=19$...`): salt and hash, never the password.
    pub password_hash: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A disabled user cannot log in, and their tokens are refused.
    pub disabled: bool,
    /// See the module documentation.
    pub generation: u64,
}

impl fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("disabled", &self.disabled)
            .field("generation", &self.generation)
            .finish()
    }
}

/// Who changes the users, when and through what, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserChange<'a> {
    pub at: Timestamp,
    /// The audit entry's actor: an operator's name, or `cli` when it is not known.
    pub by: &'a str,
    /// How: `cli` (`mirai users`), `start` (the first admin, at the worker's first start).
    pub via: &'static str,
}

impl LocalStore {
    /// How many changes the users have had: unchanged means every user is as last read.
    pub fn users_version(&self) -> Result<u64> {
        version(&self.conn())
    }

    /// Every user, by name, with the counter they were read at, in one read transaction (so the
    /// list is at least as new as the counter).
    pub fn users_snapshot(&self) -> Result<(u64, Vec<StoredUser>)> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let version = version(&tx)?;
        let users = all(&tx)?;
        tx.commit()?;
        Ok((version, users))
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<StoredUser>> {
        all(&self.conn())
    }

    /// The user called exactly `name`, if any.
    pub fn user(&self, name: &str) -> Result<Option<StoredUser>> {
        user(&self.conn(), name)
    }

    /// Adds a user. [`StoreError::UserExists`] if the name is taken.
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        change: UserChange<'_>,
    ) -> Result<StoredUser> {
        self.in_transaction(|tx| {
            if user(tx, name)?.is_some() {
                return Err(StoreError::UserExists(name.to_owned()));
            }
            insert(tx, name, role, password_hash, change, "add")
        })
    }

    /// Adds `name` as an admin if, and only if, there is no user at all (the worker's first
    /// start, from `WEB_USER` and `WEB_PASS`). `None`: users exist, nothing was written.
    pub fn bootstrap_admin(
        &self,
        name: &str,
        password_hash: &str,
        change: UserChange<'_>,
    ) -> Result<Option<StoredUser>> {
        self.in_transaction(|tx| {
            let any: Option<i64> =
                tx.query_row("SELECT 1 FROM users LIMIT 1", [], |r| r.get(0)).optional()?;
            if any.is_some() {
                return Ok(None);
            }
            insert(tx, name, Role::Admin, password_hash, change, "bootstrap").map(Some)
        })
    }

    /// Removes a user and returns them as they were; refuses the last enabled admin.
    pub fn remove_user(&self, name: &str, change: UserChange<'_>) -> Result<StoredUser> {
        self.in_transaction(|tx| {
            let before = existing(tx, name)?;
            keep_an_admin(tx, &before, None)?;
            tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
            bump(tx)?;
            audit::record(tx, change.at, &AuditEvent::user("remove", name, None, change.via, change.by))?;
            Ok(before)
        })
    }

    /// Replaces a user's password hash; their sessions end (a new generation).
    pub fn set_user_password(
        &self,
        name: &str,
        password_hash: &str,
        change: UserChange<'_>,
    ) -> Result<StoredUser> {
        self.in_transaction(|tx| {
            let before = existing(tx, name)?;
            let generation = bump(tx)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2, updated_at = ?3, generation = ?4 WHERE name = ?1",
                params![name, password_hash, change.at.millis(), as_int(generation)?],
            )?;
            audit::record(
                tx,
                change.at,
                &AuditEvent::user("passwd", name, Some(before.role), change.via, change.by),
            )?;
            existing(tx, name)
        })
    }

    /// Changes a user's role; refuses to lower the last enabled admin. Sessions are kept, but a
    /// session never has more rights than the user has now (the web tier checks on each request).
    pub fn set_user_role(&self, name: &str, role: Role, change: UserChange<'_>) -> Result<StoredUser> {
        self.in_transaction(|tx| {
            let before = existing(tx, name)?;
            keep_an_admin(tx, &before, Some(role))?;
            tx.execute(
                "UPDATE users SET role = ?2, updated_at = ?3 WHERE name = ?1",
                params![name, role.as_str(), change.at.millis()],
            )?;
            bump(tx)?;
            audit::record(tx, change.at, &AuditEvent::user("role", name, Some(role), change.via, change.by))?;
            existing(tx, name)
        })
    }

    /// Disables (their sessions end) or enables a user; refuses to disable the last enabled admin.
    pub fn set_user_disabled(
        &self,
        name: &str,
        disabled: bool,
        change: UserChange<'_>,
    ) -> Result<StoredUser> {
        self.in_transaction(|tx| {
            let before = existing(tx, name)?;
            if disabled {
                keep_an_admin(tx, &before, None)?;
            }
            let generation = bump(tx)?;
            // A new generation on disable: enabling again does not revive the old sessions.
            let generation = if disabled { generation } else { before.generation };
            tx.execute(
                "UPDATE users SET disabled = ?2, updated_at = ?3, generation = ?4 WHERE name = ?1",
                params![name, i64::from(disabled), change.at.millis(), as_int(generation)?],
            )?;
            let action = if disabled { "disable" } else { "enable" };
            audit::record(
                tx,
                change.at,
                &AuditEvent::user(action, name, Some(before.role), change.via, change.by),
            )?;
            existing(tx, name)
        })
    }
}

fn version(conn: &Connection) -> Result<u64> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM kv WHERE key = ?1")?
        .query_row([KV_USERS_VERSION], |r| r.get(0))
        .optional()?;
    match value {
        None => Ok(0),
        Some(v) => v.parse().map_err(|_| StoreError::Corrupt {
            column: format!("kv.{KV_USERS_VERSION}"),
            value: v,
            why: "not a whole number".to_owned(),
        }),
    }
}

/// Adds one to the counter and returns its new value.
fn bump(tx: &Connection) -> Result<u64> {
    let next =
        version(tx)?.checked_add(1).ok_or(StoreError::TooLarge { what: "users version", value: u64::MAX })?;
    tx.prepare_cached(
        "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![KV_USERS_VERSION, next.to_string()])?;
    Ok(next)
}

fn as_int(generation: u64) -> Result<i64> {
    crate::codec::int_u64("user generation", generation)
}

fn insert(
    tx: &Connection,
    name: &str,
    role: Role,
    password_hash: &str,
    change: UserChange<'_>,
    action: &'static str,
) -> Result<StoredUser> {
    let generation = bump(tx)?;
    tx.prepare_cached(
        "INSERT INTO users (name, role, password_hash, created_at, updated_at, disabled, generation) \
         VALUES (?1, ?2, ?3, ?4, ?4, 0, ?5)",
    )?
    .execute(params![name, role.as_str(), password_hash, change.at.millis(), as_int(generation)?])?;
    audit::record(tx, change.at, &AuditEvent::user(action, name, Some(role), change.via, change.by))?;
    existing(tx, name)
}

/// Refuses a change that would leave no enabled admin: `target` removed or disabled (`new_role`
/// `None`), or given `new_role`.
fn keep_an_admin(tx: &Connection, target: &StoredUser, new_role: Option<Role>) -> Result<()> {
    let stays_admin = new_role == Some(Role::Admin);
    if target.role != Role::Admin || target.disabled || stays_admin {
        return Ok(());
    }
    let others: i64 = tx.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != ?1",
        [&target.name],
        |r| r.get(0),
    )?;
    if others == 0 {
        return Err(StoreError::LastAdmin(target.name.clone()));
    }
    Ok(())
}

fn all(conn: &Connection) -> Result<Vec<StoredUser>> {
    rows::all(conn, &format!("SELECT {COLUMNS} FROM users ORDER BY name"), [], decode)
}

fn user(conn: &Connection, name: &str) -> Result<Option<StoredUser>> {
    rows::first(conn, &format!("SELECT {COLUMNS} FROM users WHERE name = ?1"), [name], decode)
}

fn existing(conn: &Connection, name: &str) -> Result<StoredUser> {
    user(conn, name)?.ok_or_else(|| StoreError::UnknownUser(name.to_owned()))
}

fn decode(row: &Row<'_>) -> Result<StoredUser> {
    Ok(StoredUser {
        name: text(row, 0)?,
        role: parse(row, 1, str::parse::<Role>)?,
        password_hash: text(row, 2)?,
        created_at: timestamp(row, 3)?,
        updated_at: timestamp(row, 4)?,
        disabled: row.get::<_, i64>(5)? != 0,
        generation: opt_u64(row, 6)?.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

    fn cli(at: i64) -> UserChange<'static> {
        UserChange { at: Timestamp::from_millis(at), by: "ops", via: "cli" }
    }

    #[test]
    fn users_are_added_changed_and_removed_with_an_audit_entry_and_a_new_version_each() {
        let store = LocalStore::open_in_memory().unwrap();
        assert_eq!(store.users_version().unwrap(), 0);
        let first = store.bootstrap_admin("admin", HASH, UserChange { via: "start", by: "system", ..cli(1) });
        let first = first.unwrap().expect("the table was empty");
        assert_eq!((first.role, first.generation, first.disabled), (Role::Admin, 1, false));
        assert!(store.bootstrap_admin("other", HASH, cli(2)).unwrap().is_none(), "only into an empty table");

        let alice = store.add_user("alice", Role::Trader, HASH, cli(3)).unwrap();
        assert_eq!((alice.created_at.millis(), alice.generation), (3, 2));
        assert!(
            matches!(store.add_user("alice", Role::Viewer, HASH, cli(4)), Err(StoreError::UserExists(n)) if n == "alice")
        );
        let raised = store.set_user_role("alice", Role::Admin, cli(5)).unwrap();
        assert_eq!((raised.role, raised.updated_at.millis(), raised.generation), (Role::Admin, 5, 2));
        let other = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXJoYXNob3RoZXJoYXNob3RoZXJoYXNo";
        let changed = store.set_user_password("alice", other, cli(6)).unwrap();
        assert_eq!((changed.password_hash.as_str(), changed.generation), (other, 4));
        let off = store.set_user_disabled("alice", true, cli(7)).unwrap();
        assert!(off.disabled && off.generation == 5);
        let on = store.set_user_disabled("alice", false, cli(8)).unwrap();
        assert!(!on.disabled && on.generation == 5, "enabling keeps the generation that ended the sessions");
        store.remove_user("alice", cli(9)).unwrap();
        assert!(store.user("alice").unwrap().is_none());
        assert!(matches!(store.remove_user("alice", cli(10)), Err(StoreError::UnknownUser(_))));

        let (version, users) = store.users_snapshot().unwrap();
        assert_eq!((version, users.len()), (7, 1));
        let audit = store.audit(20).unwrap();
        let actions: Vec<(&str, &str, &str)> = audit
            .iter()
            .rev()
            .map(|e| (e.kind.as_str(), e.actor.as_str(), e.payload["action"].as_str().unwrap_or_default()))
            .collect();
        assert_eq!(
            actions,
            [
                ("user", "system", "bootstrap"),
                ("user", "ops", "add"),
                ("user", "ops", "role"),
                ("user", "ops", "passwd"),
                ("user", "ops", "disable"),
                ("user", "ops", "enable"),
                ("user", "ops", "remove"),
            ]
        );
        for e in &audit {
            assert!(!e.payload.to_string().contains("argon2"), "no hash in the audit log: {}", e.payload);
        }
        assert_eq!(store.verify_audit().unwrap(), 7);
        assert!(!format!("{:?}", users[0]).contains("argon2"));
    }

    #[test]
    fn the_last_enabled_admin_cannot_be_removed_disabled_or_lowered() {
        let store = LocalStore::open_in_memory().unwrap();
        store.add_user("root", Role::Admin, HASH, cli(1)).unwrap();
        store.add_user("bob", Role::Viewer, HASH, cli(2)).unwrap();
        let last = |r: Result<StoredUser>| matches!(r, Err(StoreError::LastAdmin(n)) if n == "root");
        assert!(last(store.remove_user("root", cli(3))));
        assert!(last(store.set_user_disabled("root", true, cli(3))));
        assert!(last(store.set_user_role("root", Role::Trader, cli(3))));
        assert!(store.set_user_role("root", Role::Admin, cli(3)).is_ok(), "staying admin is fine");
        // A second admin, disabled, does not count; enabled, it does.
        store.add_user("eve", Role::Admin, HASH, cli(4)).unwrap();
        store.set_user_disabled("eve", true, cli(5)).unwrap();
        assert!(last(store.remove_user("root", cli(6))));
        store.set_user_disabled("eve", false, cli(7)).unwrap();
        store.remove_user("root", cli(8)).unwrap();
        assert_eq!(
            store.users().unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
            ["bob", "eve"]
        );
        assert!(store.remove_user("bob", cli(9)).is_ok(), "a viewer can always go");
    }

    #[test]
    fn the_table_holds_hashes_only() {
        let store = LocalStore::open_in_memory().unwrap();
        let plain = store.add_user("carol", Role::Viewer, "correct horse battery staple", cli(1));
        assert!(
            matches!(plain, Err(StoreError::Sqlite(_))),
            "a password that is not an argon2id hash is refused"
        );
        assert!(store.add_user("", Role::Viewer, HASH, cli(1)).is_err(), "an empty name is refused");
        assert_eq!(store.users_version().unwrap(), 0, "nothing was written");
    }
}
