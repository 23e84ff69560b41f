//! `mirai users add NAME --role ROLE | list | remove NAME | passwd NAME | role NAME ROLE |
//! disable NAME | enable NAME`: the dashboard's users in DATA_DIR's store. Passwords are read from
//! standard input, never from the command line (twice, without echo, when it is a terminal), and
//! only their argon2id hash is stored. Each change is appended to the audit log (kind `user`) with
//! the operating-system user who ran it as the actor (`cli` when unknown). It works while the
//! worker runs: the worker sees a change on its next request (SECURITY.md, "Users and roles").

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use mirai_core::{Clock as _, Role, SystemClock, Timestamp};
use mirai_store_local::{LocalStore, StoreError, StoredUser, UserChange};
use mirai_web::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordHash, check_username};

use super::data_dir::{data_dir, open_existing};
use super::{Failure, failure::print};

#[derive(Debug, Clone, Args)]
pub struct UsersArgs {
    /// The data directory whose store to use (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: UsersAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UsersAction {
    /// Add a user. The password is read from standard input (asked twice on a terminal).
    Add {
        name: String,
        /// viewer (reads), trader (+ pause, resume, proposals, backtests) or admin (+ kill switch,
        /// users, live approval).
        #[arg(long, value_name = "ROLE", value_parser = parse_role)]
        role: Role,
    },
    /// List the users: name, role, created, last changed, disabled or not (never a hash).
    List,
    /// Remove a user; their sessions end at their next request. The last admin cannot go.
    Remove { name: String },
    /// Set a user's password, read from standard input; their sessions end.
    Passwd { name: String },
    /// Change a user's role; a lowered role applies to their next request.
    Role {
        name: String,
        #[arg(value_name = "ROLE", value_parser = parse_role)]
        role: Role,
    },
    /// Disable a user (they cannot log in; their sessions end) without removing them.
    Disable { name: String },
    /// Enable a disabled user again (they log in anew).
    Enable { name: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse::<Role>().map_err(|e| e.to_string())
}

pub fn users(args: &UsersArgs) -> Result<(), Failure> {
    let dir = data_dir(args.data_dir.as_deref());
    let now = SystemClock.now();
    let actor = actor();
    let change = UserChange { at: now, by: &actor, via: "cli" };
    let text = match &args.action {
        UsersAction::Add { name, role } => {
            checked(name)?;
            // The store may not exist yet: users can be made before the first start (the worker
            // then makes no first admin from WEB_USER / WEB_PASS).
            let store = LocalStore::open(&dir)
                .map_err(|e| Failure::System(format!("opening the store in {}: {e}", dir.display())))?;
            if store.user(name).map_err(system)?.is_some() {
                return Err(Failure::Usage(format!(
                    "a user {name:?} already exists (mirai users passwd or role)"
                )));
            }
            let hash = hash(&read_password(name)?)?;
            let u = store.add_user(name, *role, hash.as_phc(), change).map_err(refused)?;
            format!("added {} ({}) in {}\n", u.name, u.role, dir.display())
        }
        UsersAction::List => {
            let store = open_existing(&dir)?;
            table(&store.users().map_err(system)?)
        }
        UsersAction::Remove { name } => {
            let store = open_existing(&dir)?;
            let u = store.remove_user(name, change).map_err(refused)?;
            format!("removed {} ({}); their sessions end at their next request\n", u.name, u.role)
        }
        UsersAction::Passwd { name } => {
            let store = open_existing(&dir)?;
            if store.user(name).map_err(system)?.is_none() {
                return Err(refused(StoreError::UnknownUser(name.clone())));
            }
            let hash = hash(&read_password(name)?)?;
            let u = store.set_user_password(name, hash.as_phc(), change).map_err(refused)?;
            format!("password of {} changed; their sessions have ended\n", u.name)
        }
        UsersAction::Role { name, role } => {
            let store = open_existing(&dir)?;
            let u = store.set_user_role(name, *role, change).map_err(refused)?;
            format!("{} is now {}\n", u.name, u.role)
        }
        UsersAction::Disable { name } => {
            let store = open_existing(&dir)?;
            let u = store.set_user_disabled(name, true, change).map_err(refused)?;
            format!("{} is disabled; their sessions have ended\n", u.name)
        }
        UsersAction::Enable { name } => {
            let store = open_existing(&dir)?;
            let u = store.set_user_disabled(name, false, change).map_err(refused)?;
            format!("{} is enabled\n", u.name)
        }
    };
    print(&text)
}

fn system(e: StoreError) -> Failure {
    Failure::System(e.to_string())
}

/// What the operator can fix (a name that does not exist or exists already, the last admin) is a
/// usage error; the rest is the system's.
fn refused(e: StoreError) -> Failure {
    match e {
        StoreError::UnknownUser(_) | StoreError::UserExists(_) | StoreError::LastAdmin(_) => {
            Failure::Usage(e.to_string())
        }
        e => system(e),
    }
}

fn checked(name: &str) -> Result<(), Failure> {
    check_username(name)
        .map_err(|why| Failure::Usage(format!("{why} (got {:?})", mirai_web::auth::sanitize_username(name))))
}

fn hash(password: &str) -> Result<PasswordHash, Failure> {
    PasswordHash::new(password).map_err(|e| Failure::System(format!("hashing the password: {e}")))
}

/// Who runs the command, for the audit log: the operating system's user name, else `cli`.
fn actor() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| check_username(v).is_ok())
        .unwrap_or_else(|| "cli".to_owned())
}

/// The password from standard input: on a terminal, asked twice without echo; otherwise the
/// first line. Never echoed, logged or put in an error message.
fn read_password(name: &str) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = prompt_hidden(&format!("Password for {name}: "))?;
        let again = prompt_hidden("The same again: ")?;
        if first != again {
            return Err(Failure::Usage("the two passwords differ; nothing changed".to_owned()));
        }
        first
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::System(format!("reading the password from standard input: {e}")))?;
        strip_newline(line)
    };
    let chars = password.chars().count();
    if chars == 0 {
        return Err(Failure::Usage(
            "no password on standard input (e.g. `printf '%s\\n' \"$PASS\" | mirai users add NAME --role viewer`)"
                .to_owned(),
        ));
    }
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(Failure::Usage(format!(
            "a password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters (this one has {chars})"
        )));
    }
    Ok(password)
}

fn strip_newline(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

/// One line from the terminal with echo off, the prompt on standard error.
fn prompt_hidden(prompt: &str) -> Result<String, Failure> {
    let io = |e: std::io::Error| Failure::System(format!("reading the password from the terminal: {e}"));
    let mut err = std::io::stderr();
    let _ = err.write_all(prompt.as_bytes()).and_then(|()| err.flush());
    let line = {
        let _quiet = NoEcho::new();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io)?;
        line
    };
    let _ = err.write_all(b"\n");
    Ok(strip_newline(line))
}

/// Terminal echo off while alive, restored when dropped (a no-op off unix or off a terminal).
struct NoEcho {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

impl NoEcho {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
            let stdin = std::io::stdin();
            let saved = tcgetattr(&stdin).ok();
            if let Some(saved) = &saved {
                let mut quiet = saved.clone();
                quiet.local_modes.remove(LocalModes::ECHO);
                quiet.local_modes.insert(LocalModes::ECHONL);
                let _ = tcsetattr(&stdin, OptionalActions::Now, &quiet);
            }
            Self { saved }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ =
                rustix::termios::tcsetattr(std::io::stdin(), rustix::termios::OptionalActions::Now, saved);
        }
    }
}

/// The users as a table: no hash, times in UTC to the second.
fn table(users: &[StoredUser]) -> String {
    if users.is_empty() {
        return "no users: the worker makes the first admin from WEB_USER and WEB_PASS at its next start\n"
            .to_owned();
    }
    let width = users.iter().map(|u| u.name.chars().count()).max().unwrap_or(4).max(4);
    let time = |t: Timestamp| format!("{}Z", t.to_iso8601().get(..19).unwrap_or_default().replace('T', " "));
    let mut out =
        format!("{:<width$}  {:<6}  {:<20}  {:<20}  {}\n", "NAME", "ROLE", "CREATED", "UPDATED", "STATE");
    for u in users {
        let state = if u.disabled { "disabled" } else { "enabled" };
        out.push_str(&format!(
            "{:<width$}  {:<6}  {:<20}  {:<20}  {state}\n",
            u.name,
            u.role.as_str(),
            time(u.created_at),
            time(u.updated_at)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_newline_only() {
        assert_eq!(strip_newline("pw\r\n".into()), "pw");
        assert_eq!(strip_newline("pw\n".into()), "pw");
        assert_eq!(strip_newline(" pw ".into()), " pw ", "spaces are part of a password");
    }

    #[test]
    fn the_table_has_no_hash() {
        let u = StoredUser {
            name: "ann".into(),
            role: Role::Admin,
            password_hash: "$argon2id$v=19$secret".into(),
            created_at: Timestamp::from_millis(1_700_000_000_000),
            updated_at: Timestamp::from_millis(1_700_000_060_000),
            disabled: true,
            generation: 3,
        };
        let t = table(&[u]);
        assert!(t.contains("ann   admin   2023-11-14 22:13:20Z  2023-11-14 22:14:20Z  disabled"), "{t}");
        assert!(!t.contains("argon2"));
    }
}
