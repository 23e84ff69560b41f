//! The live-trading approval. Live needs two things: the configuration asks for it
//! (`BINANCE_ENV=live`) and an authenticated admin has recorded an approval in the store. The
//! environment alone never enables it. The store backs [`LiveApproval`]; this module only asks.

use mirai_binance::Environment;
use mirai_core::Timestamp;

use super::error::VenueError;

/// Who approved live trading, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRecord {
    pub approved_by: String,
    pub approved_at: Timestamp,
}

/// "Is a live approval recorded?" Implemented by the store (the approval workflow comes with the
/// web tier). It is asked before every live order, so revoking an approval stops new orders.
pub trait LiveApproval: Send + Sync + 'static {
    /// `Ok(None)`: no approval. An `Err` (the store cannot be read) counts as no approval.
    fn live_approval(&self) -> Result<Option<ApprovalRecord>, String>;
}

/// No approval is ever recorded: what testnet, Demo Mode and tests use.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoApproval;

impl LiveApproval for NoApproval {
    fn live_approval(&self) -> Result<Option<ApprovalRecord>, String> {
        Ok(None)
    }
}

/// Testnet and Demo Mode need nothing; live needs a recorded approval, which is returned.
pub fn check(env: Environment, approval: &dyn LiveApproval) -> Result<Option<ApprovalRecord>, VenueError> {
    if !env.is_live() {
        return Ok(None);
    }
    match approval.live_approval() {
        Ok(Some(record)) => Ok(Some(record)),
        Ok(None) => Err(VenueError::LiveRefused(
            "BINANCE_ENV=live is configured but no live-trading approval is recorded; an operator must run `mirai live approve --by NAME` against this DATA_DIR".into(),
        )),
        Err(e) => Err(VenueError::LiveRefused(format!(
            "the live approval could not be read ({e}); refusing to trade live"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Option<ApprovalRecord>, String>);
    impl LiveApproval for Fixed {
        fn live_approval(&self) -> Result<Option<ApprovalRecord>, String> {
            self.0.clone()
        }
    }

    #[test]
    fn live_needs_a_recorded_approval_and_nothing_else_does() {
        let record = ApprovalRecord { approved_by: "admin".into(), approved_at: Timestamp::from_millis(1) };
        assert!(check(Environment::Testnet, &NoApproval).is_ok());
        assert!(check(Environment::Demo, &NoApproval).is_ok());
        assert!(matches!(check(Environment::Live, &NoApproval), Err(VenueError::LiveRefused(_))));
        assert!(
            matches!(check(Environment::Live, &Fixed(Err("db locked".into()))), Err(VenueError::LiveRefused(m)) if m.contains("db locked"))
        );
        assert_eq!(check(Environment::Live, &Fixed(Ok(Some(record.clone())))).unwrap(), Some(record));
    }
}
