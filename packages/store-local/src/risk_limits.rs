//! The risk limits an operator set from the dashboard (`PUT /api/risk`): kept as one key/value
//! entry, with who set them and when, so that they survive a restart and win over the limits the
//! environment and `STRATEGY_FILE` give from then on. Each change is written in one transaction
//! with its audit entry (kind `risk_limits`, the new limits and those they replaced).

use mirai_core::{AuditEvent, RiskLimits, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{LocalStore, Result, StoreError};

/// The key/value entry holding the limits set from the dashboard (absent: none were).
pub const KV_RISK_LIMITS: &str = "risk.limits";

/// Limits set by a person, and who and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRiskLimits {
    pub limits: RiskLimits,
    pub set_by: String,
    pub set_at: Timestamp,
}

impl LocalStore {
    /// The limits set from the dashboard, if any were. A record that does not read (damaged, or
    /// written by a build with other limits) is an error, never "none": the worker must not fall
    /// back to looser limits without saying so.
    pub fn risk_limits(&self) -> Result<Option<StoredRiskLimits>> {
        match self.get_kv(KV_RISK_LIMITS)? {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| StoreError::Corrupt {
                column: format!("kv.{KV_RISK_LIMITS}"),
                value: v,
                why: e.to_string(),
            }),
        }
    }

    /// Records `limits` as set by `by` at `at` through `via`, replacing `previous` (what the
    /// trading task enforced until now), with its audit entry, in one transaction.
    pub fn set_risk_limits(
        &self,
        limits: &RiskLimits,
        previous: &RiskLimits,
        by: &str,
        at: Timestamp,
        via: &'static str,
    ) -> Result<StoredRiskLimits> {
        let record = StoredRiskLimits { limits: limits.clone(), set_by: by.to_owned(), set_at: at };
        let json = serde_json::to_string(&record)?;
        let event = AuditEvent::risk_limits(limits.clone(), previous.clone(), via, by);
        self.in_transaction(|tx| {
            crate::kv::set(tx, KV_RISK_LIMITS, &json)?;
            crate::audit::record(tx, at, &event)
        })?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_kept_with_who_set_them_and_audited() {
        let store = LocalStore::open_in_memory().unwrap();
        assert_eq!(store.risk_limits().unwrap(), None);
        let lower = RiskLimits { max_trades_per_day: 3, ..RiskLimits::default() };
        let at = Timestamp::from_millis(42);
        let rec = store.set_risk_limits(&lower, &RiskLimits::default(), "ann", at, "web").unwrap();
        assert_eq!(store.risk_limits().unwrap(), Some(rec));
        let audit = store.audit(5).unwrap();
        assert_eq!((audit[0].kind.as_str(), audit[0].actor.as_str()), ("risk_limits", "ann"));
        assert_eq!(audit[0].payload["limits"]["max_trades_per_day"], 3);
        assert_eq!(audit[0].payload["previous"]["max_trades_per_day"], 50);
        assert_eq!(store.verify_audit().unwrap(), 1);
        store.set_kv(KV_RISK_LIMITS, r#"{"limits":{"max_order_notional":"5"}}"#).unwrap();
        assert!(matches!(store.risk_limits(), Err(StoreError::Corrupt { .. })));
    }
}
