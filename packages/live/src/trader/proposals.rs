//! Proposals in the trading task: an approved order held for a person (approval modes `semi` and
//! `advisor`), a person's decision on it — an approval re-runs every risk gate at the price of
//! the moment — and the expiry of those nobody decided in time.

use mirai_core::{
    ClientOrderId, Clock, Decision, Executor, OrderRequest, Proposal, ProposalStatus, SystemClock,
};
use mirai_store_local::StoreError;
use mirai_web::BackendError;

use super::{Placement, Trader, TraderError};

impl<E: Executor> Trader<E> {
    /// Keeps an approved order as a proposal for a person instead of sending it. Its symbol
    /// stays busy until the proposal is decided or expires.
    pub(super) fn hold(&mut self, order: OrderRequest, decision: &Decision) -> Result<(), TraderError> {
        let wall = SystemClock.now();
        let ttl = i64::try_from(self.approval.ttl.as_millis()).unwrap_or(i64::MAX);
        self.engine.hold();
        let proposal = Proposal {
            id: order.client_order_id.clone(),
            decision_id: decision.id.clone(),
            confidence: decision.confidence,
            order,
            status: ProposalStatus::Pending,
            created_at: wall,
            expires_at: wall.plus_millis(ttl),
            decided_by: None,
            decided_at: None,
            reason: None,
        };
        self.store.journal_proposal(self.clock.now(), &proposal)?;
        tracing::info!(id = %proposal.id, symbol = %proposal.order.symbol, mode = self.approval.mode.as_str(), "order held for approval");
        Ok(())
    }

    /// A person approves or rejects proposal `id`. An approval runs every risk gate again at the
    /// price of the moment and is refused (the proposal fails) if any says no; an expired
    /// proposal never executes.
    pub(super) async fn decide_proposal(
        &mut self,
        id: &ClientOrderId,
        approve: bool,
        by: &str,
    ) -> Result<(), BackendError> {
        let internal = |e: StoreError| BackendError::Internal(e.to_string());
        let Some(p) = self.store.proposal(id).map_err(internal)? else {
            return Err(BackendError::NotFound(format!("no proposal {id}")));
        };
        let wall = SystemClock.now();
        if p.status == ProposalStatus::Pending && wall >= p.expires_at {
            self.expire_proposals().map_err(|e| BackendError::Internal(e.to_string()))?;
            return Err(BackendError::Refused(format!("proposal {id} expired")));
        }
        let pending = [ProposalStatus::Pending];
        if !approve {
            let moved = self
                .store
                .transition_proposal(id, &pending, ProposalStatus::Rejected, by, None, wall)
                .map_err(internal)?;
            if moved.is_none() {
                return Err(BackendError::Refused(format!("proposal {id} is {}", p.status.as_str())));
            }
            self.engine.on_order_closed(id);
            return Ok(());
        }
        let Some(p) = self
            .store
            .transition_proposal(id, &pending, ProposalStatus::Approved, by, None, wall)
            .map_err(internal)?
        else {
            return Err(BackendError::Refused(format!("proposal {id} is {}", p.status.as_str())));
        };
        let approved = [ProposalStatus::Approved];
        match self.engine.reapprove(p.order.clone(), p.confidence) {
            Err(refused) => {
                let why = format!("refused by the risk gates at approval: {}", refused.reason);
                self.store
                    .transition_proposal(
                        id,
                        &approved,
                        ProposalStatus::Failed,
                        "system",
                        Some(&why),
                        SystemClock.now(),
                    )
                    .map_err(internal)?;
                self.engine.on_order_closed(id);
                let _ = self.save_risk_state();
                Err(BackendError::Refused(why))
            }
            Ok(order) => {
                let now = self.clock.now();
                let placed = self
                    .place(order, &p.decision_id, now)
                    .await
                    .map_err(|e| BackendError::Internal(e.to_string()))?;
                let _ = self.save_risk_state();
                let (to, why) = match placed {
                    Placement::Placed | Placement::Unknown => (ProposalStatus::Executed, None),
                    Placement::NotPlaced(why) => (ProposalStatus::Failed, Some(why)),
                };
                self.store
                    .transition_proposal(id, &approved, to, "system", why.as_deref(), SystemClock.now())
                    .map_err(internal)?;
                match why {
                    None => Ok(()),
                    Some(why) => Err(BackendError::Refused(format!("the order was not placed: {why}"))),
                }
            }
        }
    }

    /// Expires every proposal past its time and frees its symbol.
    pub fn expire_proposals(&mut self) -> Result<(), TraderError> {
        let expired = self.store.expire_proposals(SystemClock.now())?;
        for p in &expired {
            tracing::info!(id = %p.id, "proposal expired");
            self.engine.on_order_closed(&p.id);
        }
        if !expired.is_empty() {
            self.publish();
        }
        Ok(())
    }
}
