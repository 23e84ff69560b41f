//! The live-trading approval: who allowed real-money trading on Binance, and when. Kept as one
//! key/value entry so the worker can re-read it before every live order (a revoke written by
//! another process takes effect at the next order); every approve and revoke is also appended to
//! the hash-chained audit log, so the history cannot be quietly rewritten.

use mirai_core::{AuditEvent, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{LocalStore, Result, StoreError};

const KV_LIVE_APPROVAL: &str = "live.approval";

/// A recorded approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveApproval {
    pub approved_by: String,
    pub approved_at: Timestamp,
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

    /// Records that `by` approves live trading from `at`, replacing any earlier approval.
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
        let record = LiveApproval { approved_by: by.to_owned(), approved_at: at };
        self.set_kv(KV_LIVE_APPROVAL, &serde_json::to_string(&record)?)?;
        self.record(at, &AuditEvent::live_approved(by, overridden))?;
        Ok(record)
    }

    /// Withdraws the approval. Returns the one that was in force, if any; revoking when none is
    /// recorded is not an error (and is still audited).
    pub fn revoke_live(&self, by: &str, at: Timestamp) -> Result<Option<LiveApproval>> {
        let previous = self.live_approval()?;
        self.set_kv(KV_LIVE_APPROVAL, "")?;
        self.record(at, &AuditEvent::live_revoked(by, previous.as_ref().map(|p| p.approved_by.clone())))?;
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
        assert_eq!(
            (audit[1].actor.as_str(), audit[1].payload["action"].as_str()),
            ("alice", Some("approve"))
        );
        assert_eq!(store.verify_audit().unwrap(), 2);
    }

    #[test]
    fn a_damaged_record_is_an_error_not_an_approval() {
        let store = LocalStore::open_in_memory().unwrap();
        store.set_kv(KV_LIVE_APPROVAL, "{not json").unwrap();
        assert!(matches!(store.live_approval(), Err(StoreError::Corrupt { .. })));
    }
}
