//! The live-trading approval. Live needs two things: the configuration asks for it
//! (`BINANCE_ENV=live`) and an authenticated admin has recorded an approval in the store. The
//! environment alone never enables it. The store backs [`ApprovalSource`]; this module only asks.

use mirai_binance::Environment;

use super::error::VenueError;

/// Who approved live trading, and when: the store's record.
pub use mirai_store_local::LiveApproval;

/// "Is a live approval recorded?" Implemented by the store (the approval workflow comes with the
/// web tier). It is asked before every live order, so revoking an approval stops new orders.
pub trait ApprovalSource: Send + Sync + 'static {
    /// `Ok(None)`: no approval. An `Err` (the store cannot be read) counts as no approval.
    fn live_approval(&self) -> Result<Option<LiveApproval>, String>;
}

/// No approval is ever recorded: what testnet, Demo Mode and tests use.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoApproval;

impl ApprovalSource for NoApproval {
    fn live_approval(&self) -> Result<Option<LiveApproval>, String> {
        Ok(None)
    }
}

/// Testnet and Demo Mode need nothing; live needs a recorded approval that has not lapsed
/// (`LIVE_APPROVAL_HOURS` after it was given, by the wall clock), which is returned.
pub fn check(env: Environment, approval: &dyn ApprovalSource) -> Result<Option<LiveApproval>, VenueError> {
    check_at(env, approval, mirai_core::Clock::now(&mirai_core::SystemClock))
}

/// [`check`] at the wall-clock time `now`.
pub fn check_at(
    env: Environment,
    approval: &dyn ApprovalSource,
    now: mirai_core::Timestamp,
) -> Result<Option<LiveApproval>, VenueError> {
    if !env.is_live() {
        return Ok(None);
    }
    match approval.live_approval() {
        Ok(Some(record)) if record.in_force(now) => Ok(Some(record)),
        Ok(Some(record)) => Err(VenueError::LiveRefused(format!(
            "the live-trading approval given by {} expired at {} (ms since epoch); an admin must approve again (the dashboard, or `mirai live approve --by NAME`)",
            record.approved_by,
            record.expires_at()
        ))),
        Ok(None) => Err(VenueError::LiveRefused(
            "BINANCE_ENV=live is configured but no live-trading approval is recorded; an admin must approve it in the dashboard or run `mirai live approve --by NAME` against this DATA_DIR".into(),
        )),
        Err(e) => Err(VenueError::LiveRefused(format!(
            "the live approval could not be read ({e}); refusing to trade live"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Option<LiveApproval>, String>);
    impl ApprovalSource for Fixed {
        fn live_approval(&self) -> Result<Option<LiveApproval>, String> {
            self.0.clone()
        }
    }

    #[test]
    fn live_needs_a_recorded_approval_and_nothing_else_does() {
        let record = LiveApproval {
            approved_by: "admin".into(),
            approved_at: mirai_core::Timestamp::from_millis(1),
            expires_at: Some(mirai_core::Timestamp::from_millis(i64::MAX)),
        };
        assert!(check(Environment::Testnet, &NoApproval).is_ok());
        assert!(check(Environment::Demo, &NoApproval).is_ok());
        assert!(matches!(check(Environment::Live, &NoApproval), Err(VenueError::LiveRefused(_))));
        assert!(
            matches!(check(Environment::Live, &Fixed(Err("db locked".into()))), Err(VenueError::LiveRefused(m)) if m.contains("db locked"))
        );
        assert_eq!(check(Environment::Live, &Fixed(Ok(Some(record.clone())))).unwrap(), Some(record));
    }

    #[test]
    fn a_lapsed_approval_is_no_approval() {
        use mirai_core::Timestamp;
        let record = LiveApproval {
            approved_by: "ann".into(),
            approved_at: Timestamp::from_millis(0),
            expires_at: Some(Timestamp::from_millis(1_000)),
        };
        let source = Fixed(Ok(Some(record.clone())));
        assert_eq!(check_at(Environment::Live, &source, Timestamp::from_millis(999)).unwrap(), Some(record));
        let lapsed = check_at(Environment::Live, &source, Timestamp::from_millis(1_000));
        assert!(
            matches!(lapsed, Err(VenueError::LiveRefused(m)) if m.contains("expired") && m.contains("ann"))
        );
        assert!(check_at(Environment::Testnet, &source, Timestamp::from_millis(5_000)).is_ok());
    }
}
