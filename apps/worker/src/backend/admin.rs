//! The admin routes inside the worker: the risk limits (changed through the trading task, which
//! keeps them in the store before they apply), the audit log with its hash chain checked a piece
//! at a time, the live-trading approval (with the pre-flight checks `mirai live approve` runs),
//! and the users (the store functions `mirai users` uses, audited with the acting admin).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mirai_core::{Clock as _, RiskLimits, SystemClock};
use mirai_store_local::{GENESIS_HASH, LocalStore, StoreError, StoredUser, UserChange, live_approval_end};
use mirai_web::{
    AuditEntryView, AuditPage, AuditQuery, BackendError, LIVE_CONFIRMATION, LiveApprovalView,
    LiveApproveRequest, NewUser, PasswordHash, RiskLimitsView, RiskSource, UserUpdate, UserView,
    check_password, check_risk_limits, check_username,
};
use tokio::sync::oneshot;

use super::{COMMAND_TIMEOUT, LocalBackend, read_store};
use crate::shared::{Act, Command};

/// How often the audit log is checked from its first entry again; between two such checks only
/// the entries appended since the last check are (and the entry it ended on). A full check reads
/// and hashes every entry: measured at 172 ms for 200,000 entries in a release build (about 0.9 s
/// per million, a year of one-minute bars on two symbols), against 0.08 ms for the check of what
/// was appended since, so it is not made on every request.
pub const AUDIT_FULL_CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
/// How long the pre-flight checks may take before an approval from the dashboard gives up (the
/// Binance account is asked whether the key can withdraw).
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(4);
/// What the audit log's entries record as the way a change was made.
const VIA: &str = "web";

/// The pre-flight checks of `mirai live approve` (all but the approval itself): the failed ones,
/// each as (name, detail). Run off the async workers.
pub type Preflight = Arc<dyn Fn() -> Vec<(String, String)> + Send + Sync>;

/// What the admin routes need beside the shared state.
#[derive(Clone)]
pub struct AdminSettings {
    /// A connection of its own for the admin reads (the audit log's check), so they never hold
    /// the trading task's.
    pub reader: Arc<LocalStore>,
    /// `LIVE_APPROVAL_HOURS`.
    pub approval_hours: u32,
    /// `DRY_RUN=false` with `BINANCE_ENV=live`.
    pub live_configured: bool,
    pub preflight: Preflight,
}

impl fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSettings")
            .field("reader", &self.reader.location())
            .field("approval_hours", &self.approval_hours)
            .field("live_configured", &self.live_configured)
            .finish_non_exhaustive()
    }
}

impl AdminSettings {
    /// Reads through `store`; approvals last the default hours; no pre-flight can pass (an
    /// approval then needs an override reason). `app::start` gives the real ones.
    pub fn new(store: Arc<LocalStore>) -> Self {
        Self {
            reader: store,
            approval_hours: mirai_store_local::DEFAULT_LIVE_APPROVAL_HOURS,
            live_configured: false,
            preflight: Arc::new(|| {
                vec![("pre-flight".to_owned(), "not available in this process".to_owned())]
            }),
        }
    }
}

/// The pre-flight checks `mirai live approve` runs on `data_dir`, with the settings it reads (the
/// process environment, and the AWS secret when `SECRETS_SOURCE=aws`).
pub fn preflight_of(data_dir: std::path::PathBuf) -> Preflight {
    use crate::commands::{Purpose, command_settings, run_checks};
    Arc::new(move || match command_settings() {
        Ok(lookup) => run_checks(&data_dir, None, &*lookup, Purpose::Approve)
            .into_iter()
            .filter(|c| !c.passed)
            .map(|c| (c.name.to_owned(), c.detail))
            .collect(),
        Err(e) => vec![("settings".to_owned(), e.message().to_owned())],
    })
}

/// Where the audit log's check stands: the last entry it covered, and the first bad one.
#[derive(Debug, Default)]
pub struct AuditChain {
    state: Mutex<ChainState>,
}

#[derive(Debug)]
struct ChainState {
    through: u64,
    hash: String,
    full_at: Option<Instant>,
    broken: Option<(u64, String)>,
}

impl Default for ChainState {
    fn default() -> Self {
        Self { through: 0, hash: GENESIS_HASH.to_owned(), full_at: None, broken: None }
    }
}

/// The chain's state for a page: verified, through which entry, and the first bad one.
type Verdict = (bool, u64, Option<(u64, String)>);

impl AuditChain {
    /// Checks the log in `store`: from the first entry when the last full check is older than
    /// [`AUDIT_FULL_CHECK_EVERY`] (or there was none), else only the entries appended since the
    /// last check (and the entry it ended on, which must be unchanged). A broken chain stays
    /// broken until a full check passes. One check at a time.
    pub fn check(&self, store: &LocalStore) -> Result<Verdict, StoreError> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let full = s.full_at.is_none_or(|t| t.elapsed() >= AUDIT_FULL_CHECK_EVERY);
        if !full && s.broken.is_some() {
            return Ok((false, s.through, s.broken.clone()));
        }
        let started = Instant::now();
        let result = if full {
            store.verify_audit_after(0, GENESIS_HASH)
        } else {
            store.verify_audit_after(s.through, &s.hash)
        };
        if full {
            s.full_at = Some(Instant::now());
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "audit log checked from the start"
            );
        }
        match result {
            Ok((through, hash)) => {
                (s.through, s.hash, s.broken) = (through, hash, None);
                Ok((true, through, None))
            }
            Err(StoreError::AuditBroken { seq, why }) => {
                tracing::error!(seq, %why, "the audit log does not verify");
                s.broken = Some((seq, why));
                Ok((false, s.through, s.broken.clone()))
            }
            Err(e) => Err(e),
        }
    }

    /// Forgets the last full check, so the next one starts from the first entry.
    pub fn recheck_all(&self) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).full_at = None;
    }
}

fn store_error(e: StoreError) -> BackendError {
    match e {
        StoreError::UnknownUser(_) => BackendError::NotFound("no such user".to_owned()),
        e @ (StoreError::UserExists(_) | StoreError::LastAdmin(_)) => BackendError::Refused(e.to_string()),
        e if e.is_transient() => BackendError::Unavailable(format!("the store is busy: {e}")),
        e => BackendError::Internal(e.to_string()),
    }
}

fn user_view(u: StoredUser) -> UserView {
    UserView {
        name: u.name,
        role: u.role,
        disabled: u.disabled,
        created_at: u.created_at,
        updated_at: u.updated_at,
    }
}

/// Hashes a password off the async workers (argon2id, tens of milliseconds).
async fn hash(password: String) -> Result<String, BackendError> {
    tokio::task::spawn_blocking(move || PasswordHash::new(&password).map(|h| h.as_phc().to_owned()))
        .await
        .map_err(|e| BackendError::Internal(e.to_string()))?
        .map_err(|e| BackendError::Internal(format!("hashing the password: {e}")))
}

/// Runs a store call off the async runtime, its errors mapped for the admin routes.
async fn on_store<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, BackendError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| BackendError::Internal(e.to_string()))?
        .map_err(store_error)
}

impl LocalBackend {
    pub(super) async fn admin_risk_limits(&self) -> Result<RiskLimitsView, BackendError> {
        let limits = self.shared.snapshot().limits;
        let reader = self.admin.reader.clone();
        let stored = read_store(move || reader.risk_limits()).await?;
        Ok(match stored {
            Some(s) if s.limits == limits => RiskLimitsView {
                limits,
                source: RiskSource::Dashboard,
                updated_by: Some(s.set_by),
                updated_at: Some(s.set_at),
            },
            _ => RiskLimitsView {
                limits,
                source: RiskSource::Configuration,
                updated_by: None,
                updated_at: None,
            },
        })
    }

    /// Through the trading task, in order with the other commands: it keeps the limits in the
    /// store (with the audit entry) and then applies them.
    pub(super) async fn admin_set_risk_limits(
        &self,
        limits: RiskLimits,
        by: String,
    ) -> Result<RiskLimitsView, BackendError> {
        if let Some(f) = check_risk_limits(&limits).into_iter().next() {
            return Err(BackendError::InvalidField { field: f.field, message: f.message });
        }
        let (reply, answer) = oneshot::channel();
        let act = Act::SetRiskLimits { limits, at: SystemClock.now() };
        self.shared
            .commands
            .send(Command { act, by, reply })
            .await
            .map_err(|_| BackendError::Unavailable("the trading task has stopped".into()))?;
        match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
            Ok(Ok(Ok(()))) => self.admin_risk_limits().await,
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(_)) | Err(_) => Err(BackendError::Unavailable("the trading task did not answer".into())),
        }
    }

    pub(super) async fn admin_audit(&self, query: AuditQuery) -> Result<AuditPage, BackendError> {
        let reader = self.admin.reader.clone();
        let chain = self.admin.chain.clone();
        read_store(move || {
            let (verified, verified_through, broken) = chain.check(&reader)?;
            let limit = query.limit as usize;
            let mut entries = reader.audit_page(query.before, limit + 1)?;
            let next = if entries.len() > limit {
                entries.truncate(limit);
                entries.last().map(|e| e.seq.to_string())
            } else {
                None
            };
            let entries = entries
                .into_iter()
                .map(|e| AuditEntryView {
                    seq: e.seq,
                    ts: e.ts,
                    kind: e.kind,
                    actor: e.actor,
                    payload: e.payload,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                })
                .collect();
            let (broken_at, broken_reason) = broken.map_or((None, None), |(seq, why)| (Some(seq), Some(why)));
            Ok(AuditPage { entries, next, verified, verified_through, broken_at, broken_reason })
        })
        .await
    }

    pub(super) async fn admin_live_approval(&self) -> Result<LiveApprovalView, BackendError> {
        let reader = self.admin.reader.clone();
        let record = on_store(move || reader.live_approval()).await?;
        let now = SystemClock.now();
        let in_force = record.as_ref().is_some_and(|r| r.in_force(now));
        Ok(LiveApprovalView {
            approved: in_force,
            expired: record.is_some() && !in_force,
            approved_by: record.as_ref().map(|r| r.approved_by.clone()),
            approved_at: record.as_ref().map(|r| r.approved_at),
            expires_at: record.as_ref().map(|r| r.expires_at()),
            live_configured: self.admin.live_configured,
            approval_hours: self.admin.approval_hours,
            confirm: LIVE_CONFIRMATION.to_owned(),
        })
    }

    /// As `mirai live approve`: the pre-flight checks run first, and a failure refuses unless an
    /// override reason is given (then the audit entry records the failed checks and the reason).
    pub(super) async fn admin_approve_live(
        &self,
        request: LiveApproveRequest,
    ) -> Result<LiveApprovalView, BackendError> {
        let by = request.by;
        if check_username(&by).is_err() {
            return Err(BackendError::InvalidField {
                field: "by".into(),
                message: "not a user's name".into(),
            });
        }
        let preflight = self.admin.preflight.clone();
        let failed =
            match tokio::time::timeout(PREFLIGHT_TIMEOUT, tokio::task::spawn_blocking(move || preflight()))
                .await
            {
                Ok(Ok(failed)) => failed,
                Ok(Err(e)) => return Err(BackendError::Internal(format!("the pre-flight checks: {e}"))),
                Err(_) => vec![(
                    "pre-flight".to_owned(),
                    format!("did not finish within {} s", PREFLIGHT_TIMEOUT.as_secs()),
                )],
            };
        let names = failed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        let overridden = match (failed.is_empty(), request.override_reason) {
            (true, _) => None,
            (false, None) => {
                let details = failed.iter().map(|(n, d)| format!("{n}: {d}")).collect::<Vec<_>>().join("; ");
                tracing::warn!(%by, failed = %names, "live approval refused: the pre-flight failed");
                return Err(BackendError::Refused(format!(
                    "not approved: the pre-flight failed ({details}); fix it (docs/runbook.md, section 6) or give \
                     an override reason, which the audit log records"
                )));
            }
            (false, Some(reason)) => Some(format!("pre-flight failed ({names}): {}", reason.trim())),
        };
        let store = self.shared.store.clone();
        let now = SystemClock.now();
        let end = live_approval_end(now, self.admin.approval_hours);
        let record = on_store(move || store.approve_live_until(&by, now, end, overridden, VIA)).await?;
        tracing::warn!(by = %record.approved_by, expires_at = %end, "live trading approved from the dashboard");
        self.admin_live_approval().await
    }

    pub(super) async fn admin_revoke_live(&self, by: String) -> Result<LiveApprovalView, BackendError> {
        let store = self.shared.store.clone();
        let now = SystemClock.now();
        let who = by.clone();
        let previous = on_store(move || store.revoke_live_via(&who, now, VIA)).await?;
        tracing::warn!(%by, was_approved_by = ?previous.map(|p| p.approved_by), "live trading approval revoked from the dashboard");
        self.admin_live_approval().await
    }

    pub(super) async fn admin_list_users(&self) -> Result<Vec<UserView>, BackendError> {
        let reader = self.admin.reader.clone();
        Ok(on_store(move || reader.users()).await?.into_iter().map(user_view).collect())
    }

    pub(super) async fn admin_add_user(&self, user: NewUser, by: String) -> Result<UserView, BackendError> {
        check_username(&user.name)
            .map_err(|why| BackendError::InvalidField { field: "name".into(), message: why })?;
        check_password(&user.password)
            .map_err(|why| BackendError::InvalidField { field: "password".into(), message: why })?;
        let store = self.shared.store.clone();
        let name = user.name.clone();
        let exists = on_store(move || store.user(&name)).await?;
        if exists.is_some() {
            return Err(BackendError::Refused(format!("a user {:?} already exists", user.name)));
        }
        let phc = hash(user.password).await?;
        let store = self.shared.store.clone();
        let at = SystemClock.now();
        let added = on_store(move || {
            store.add_user(&user.name, user.role, &phc, UserChange { at, by: &by, via: VIA })
        })
        .await?;
        Ok(user_view(added))
    }

    /// The role first (it may be refused: the last admin), then the password: each its own
    /// audited change.
    pub(super) async fn admin_update_user(
        &self,
        name: String,
        update: UserUpdate,
        by: String,
    ) -> Result<UserView, BackendError> {
        if let Some(p) = &update.password {
            check_password(p)
                .map_err(|why| BackendError::InvalidField { field: "password".into(), message: why })?;
        }
        let store = self.shared.store.clone();
        let who = name.clone();
        if on_store(move || store.user(&who)).await?.is_none() {
            return Err(BackendError::NotFound("no such user".to_owned()));
        }
        let mut after = None;
        if let Some(role) = update.role {
            let (store, who, by) = (self.shared.store.clone(), name.clone(), by.clone());
            let at = SystemClock.now();
            after = Some(
                on_store(move || store.set_user_role(&who, role, UserChange { at, by: &by, via: VIA }))
                    .await?,
            );
        }
        if let Some(password) = update.password {
            let phc = hash(password).await?;
            let (store, who, by) = (self.shared.store.clone(), name.clone(), by.clone());
            let at = SystemClock.now();
            after = Some(
                on_store(move || store.set_user_password(&who, &phc, UserChange { at, by: &by, via: VIA }))
                    .await?,
            );
        }
        after
            .map(user_view)
            .ok_or_else(|| BackendError::Invalid("give a role, a password or both".to_owned()))
    }

    pub(super) async fn admin_remove_user(&self, name: String, by: String) -> Result<UserView, BackendError> {
        let store = self.shared.store.clone();
        let at = SystemClock.now();
        let removed =
            on_store(move || store.remove_user(&name, UserChange { at, by: &by, via: VIA })).await?;
        Ok(user_view(removed))
    }
}

/// The admin parts of a [`LocalBackend`].
#[derive(Clone)]
pub(super) struct Admin {
    pub(super) reader: Arc<LocalStore>,
    pub(super) approval_hours: u32,
    pub(super) live_configured: bool,
    pub(super) preflight: Preflight,
    pub(super) chain: Arc<AuditChain>,
}

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin")
            .field("reader", &self.reader.location())
            .field("approval_hours", &self.approval_hours)
            .field("live_configured", &self.live_configured)
            .field("chain", &self.chain)
            .finish_non_exhaustive()
    }
}

impl Admin {
    pub(super) fn of(settings: AdminSettings) -> Self {
        Self {
            reader: settings.reader,
            approval_hours: settings.approval_hours,
            live_configured: settings.live_configured,
            preflight: settings.preflight,
            chain: Arc::new(AuditChain::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::Timestamp;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_chain_is_checked_from_where_it_ended_and_a_break_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let ts = Timestamp::from_millis(1);
        for i in 0..3 {
            store.append_audit(ts, "order", "engine", &json!({ "n": i })).unwrap();
        }
        let chain = AuditChain::default();
        assert_eq!(chain.check(&store).unwrap(), (true, 3, None));
        store.append_audit(ts, "order", "engine", &json!({ "n": 3 })).unwrap();
        assert_eq!(chain.check(&store).unwrap(), (true, 4, None), "the new entry only");

        // An old entry changed behind the store's back: seen at the next full check, and kept.
        let raw = rusqlite::Connection::open(dir.path().join(mirai_store_local::DB_FILE)).unwrap();
        raw.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'x' WHERE seq = 2")
            .unwrap();
        assert_eq!(chain.check(&store).unwrap(), (true, 4, None), "not yet: only new entries are read");
        chain.recheck_all();
        let broken = chain.check(&store).unwrap();
        assert_eq!((broken.0, broken.2.map(|b| b.0)), (false, Some(2)));
        store.append_audit(ts, "order", "engine", &json!({ "n": 4 })).unwrap();
        assert!(!chain.check(&store).unwrap().0, "still broken until a full check passes");

        // The entry the last check ended on, changed: caught without a full check.
        let other = AuditChain::default();
        let dir2 = tempfile::tempdir().unwrap();
        let store2 = LocalStore::open(dir2.path()).unwrap();
        store2.append_audit(ts, "order", "engine", &json!({})).unwrap();
        assert!(other.check(&store2).unwrap().0);
        let raw = rusqlite::Connection::open(dir2.path().join(mirai_store_local::DB_FILE)).unwrap();
        raw.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET kind = 'y' WHERE seq = 1")
            .unwrap();
        assert_eq!(other.check(&store2).unwrap().2.map(|b| b.0), Some(1));
    }
}
