//! `StoreApproval`: the live-trading approval as recorded in the local store (`mirai live
//! approve`). Read afresh on every call, so an approval revoked by another process stops the
//! next live order.

use std::sync::Arc;

use mirai_store_local::LocalStore;

use super::approval::{ApprovalSource, LiveApproval};

#[derive(Clone, Debug)]
pub struct StoreApproval(pub Arc<LocalStore>);

impl ApprovalSource for StoreApproval {
    fn live_approval(&self) -> Result<Option<LiveApproval>, String> {
        self.0.live_approval().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::Timestamp;

    use super::*;

    #[test]
    fn follows_the_store() {
        let store = Arc::new(LocalStore::open_in_memory().unwrap());
        let approval = StoreApproval(store.clone());
        assert_eq!(approval.live_approval(), Ok(None));
        store.approve_live("ops", Timestamp::from_millis(7)).unwrap();
        assert_eq!(
            approval.live_approval(),
            Ok(Some(LiveApproval {
                approved_by: "ops".into(),
                approved_at: Timestamp::from_millis(7),
                expires_at: Some(Timestamp::from_millis(7 + 24 * 3_600_000)),
            }))
        );
        store.revoke_live("ops", Timestamp::from_millis(8)).unwrap();
        assert_eq!(approval.live_approval(), Ok(None));
    }
}
