//! The live-trading approval: who allowed real-money trading on Binance, when, and until when.
//! Kept as one key/value entry so the worker can re-read it before every live order (a revoke
//! written by another process takes effect at the next order); every approve and revoke is also
//! appended to the hash-chained audit log, so the history cannot be quietly rewritten.
//!
//! An approval lapses `LIVE_APPROVAL_HOURS` after it was given (the hours are read by whoever
//! approves, `mirai live approve` or the dashboard, and the end is stored with the approval). A
//! record written before approvals expired has no end: it lapses
//! [`DEFAULT_LIVE_APPROVAL_HOURS`] after it was given.

use mirai_core::{AuditEvent, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{LocalStore, Result, StoreError};

const KV_LIVE_APPROVAL: &str = "live.approval";

/// `LIVE_APPROVAL_HOURS` when it is not set: an approval lasts a day.
pub const DEFAULT_LIVE_APPROVAL_HOURS: u32 = 24;
/// The longest `LIVE_APPROVAL_HOURS`: thirty days.
pub const MAX_LIVE_APPROVAL_HOURS: u32 = 720;

/// A recorded approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveApproval {
    pub approved_by: String,
    pub approved_at: Timestamp,
    /// When it lapses; `None` in records written before approvals expired (see
    /// [`LiveApproval::expires_at`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl LiveApproval {
    /// When the approval lapses: as recorded, or [`DEFAULT_LIVE_APPROVAL_HOURS`] after it was
    /// given for a record that has no end.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at.unwrap_or_else(|| {
            Timestamp::from_millis(
                self.approved_at.millis().saturating_add(i64::from(DEFAULT_LIVE_APPROVAL_HOURS) * 3_600_000),
            )
        })
    }

    /// Whether it is in force at `now` (wall-clock time): given, and not yet lapsed.
    pub fn in_force(&self, now: Timestamp) -> bool {
        now < self.expires_at()
    }
}

/// The end of an approval given at `at` for `hours` (clamped to 1 to [`MAX_LIVE_APPROVAL_HOURS`]).
pub fn live_approval_end(at: Timestamp, hours: u32) -> Timestamp {
    let hours = i64::from(hours.clamp(1, MAX_LIVE_APPROVAL_HOURS));
    Timestamp::from_millis(at.millis().saturating_add(hours * 3_600_000))
}

impl LocalStore {
    /// The current approval, if any.
    pub fn live_approval(&self) -> Result<Option<LiveApproval>> {
        match self.get_kv(KV_LIVE_APPROVAL)? {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| StoreError::Corrupt {
                column: format!("kv.{KV_LIVE_APPROVAL}"),
                value: v,
                why: e.to_string(),
            }),
        }
    }

    /// Records that `by` approves live trading from `at` for [`DEFAULT_LIVE_APPROVAL_HOURS`],
    /// replacing any earlier approval.
    pub fn approve_live(&self, by: &str, at: Timestamp) -> Result<LiveApproval> {
        self.approve_live_with(by, at, None)
    }

    /// [`LocalStore::approve_live`], with the reason the pre-flight was overridden, if it was.
    pub fn approve_live_with(
        &self,
        by: &str,
        at: Timestamp,
        overridden: Option<String>,
    ) -> Result<LiveApproval> {
        self.approve_live_until(by, at, live_approval_end(at, DEFAULT_LIVE_APPROVAL_HOURS), overridden, "cli")
    }

    /// Records that `by` approves live trading from `at` until `expires_at`, through `via`
    /// (`cli`, `web`), with the reason the pre-flight was overridden, if it was. The record and
    /// its audit entry are written in one transaction.
    pub fn approve_live_until(
        &self,
        by: &str,
        at: Timestamp,
        expires_at: Timestamp,
        overridden: Option<String>,
        via: &'static str,
    ) -> Result<LiveApproval> {
        let record =
            LiveApproval { approved_by: by.to_owned(), approved_at: at, expires_at: Some(expires_at) };
        let json = serde_json::to_string(&record)?;
        self.in_transaction(|tx| {
            crate::kv::set(tx, KV_LIVE_APPROVAL, &json)?;
            crate::audit::record(tx, at, &AuditEvent::live_approved_until(by, overridden, expires_at, via))
        })?;
        Ok(record)
    }

    /// Withdraws the approval. Returns the one that was recorded, if any (lapsed or not);
    /// revoking when none is recorded is not an error (and is still audited).
    pub fn revoke_live(&self, by: &str, at: Timestamp) -> Result<Option<LiveApproval>> {
        self.revoke_live_via(by, at, "cli")
    }

    /// [`LocalStore::revoke_live`] through `via` (`cli`, `web`), in one transaction with its audit
    /// entry.
    pub fn revoke_live_via(
        &self,
        by: &str,
        at: Timestamp,
        via: &'static str,
    ) -> Result<Option<LiveApproval>> {
        let previous = self.live_approval()?;
        self.in_transaction(|tx| {
            crate::kv::set(tx, KV_LIVE_APPROVAL, "")?;
            let was = previous.as_ref().map(|p| p.approved_by.clone());
            crate::audit::record(tx, at, &AuditEvent::live_revoked_via(by, was, via))
        })?;
        Ok(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approve_and_revoke_are_recorded_and_audited() {
        let store = LocalStore::open_in_memory().unwrap();
        assert_eq!(store.live_approval().unwrap(), None);
        let rec = store.approve_live("alice", Timestamp::from_millis(10)).unwrap();
        assert_eq!(store.live_approval().unwrap(), Some(rec.clone()));
        assert_eq!(store.revoke_live("bob", Timestamp::from_millis(20)).unwrap(), Some(rec));
        assert_eq!(store.live_approval().unwrap(), None);
        let audit = store.audit(10).unwrap();
        assert_eq!(audit.len(), 2);
        assert_eq!((audit[0].actor.as_str(), audit[0].payload["action"].as_str()), ("bob", Some("revoke")));
        assert_eq!(audit[1].payload["expires_at"].as_i64(), Some(10 + 24 * 3_600_000));
        assert_eq!(
            (audit[1].actor.as_str(), audit[1].payload["action"].as_str()),
            ("alice", Some("approve"))
        );
        assert_eq!(store.verify_audit().unwrap(), 2);
    }

    #[test]
    fn an_approval_lapses_when_its_time_is_up() {
        let store = LocalStore::open_in_memory().unwrap();
        let at = Timestamp::from_millis(1_000);
        let end = live_approval_end(at, 2);
        let rec = store.approve_live_until("ann", at, end, None, "web").unwrap();
        assert_eq!(rec.expires_at(), Timestamp::from_millis(1_000 + 2 * 3_600_000));
        assert!(rec.in_force(Timestamp::from_millis(end.millis() - 1)));
        assert!(!rec.in_force(end));
        assert_eq!(store.live_approval().unwrap(), Some(rec), "a lapsed approval is still on record");
        // A record from before approvals expired lapses after the default hours.
        store.set_kv(KV_LIVE_APPROVAL, r#"{"approved_by":"old","approved_at":5}"#).unwrap();
        let old = store.live_approval().unwrap().unwrap();
        assert_eq!(old.expires_at(), Timestamp::from_millis(5 + 24 * 3_600_000));
        assert_eq!(live_approval_end(at, 0), live_approval_end(at, 1), "at least an hour");
        assert_eq!(live_approval_end(at, 10_000), live_approval_end(at, MAX_LIVE_APPROVAL_HOURS));
        assert_eq!(store.verify_audit().unwrap(), 1);
    }

    #[test]
    fn a_damaged_record_is_an_error_not_an_approval() {
        let store = LocalStore::open_in_memory().unwrap();
        store.set_kv(KV_LIVE_APPROVAL, "{not json").unwrap();
        assert!(matches!(store.live_approval(), Err(StoreError::Corrupt { .. })));
    }
}
