//! The ledger's records the analysts' reports are computed from (`mirai_reports::Inputs`), read
//! from the local store: all of them for `mirai analytics`, only what round trips need for
//! `GET /api/performance` and `GET /api/round-trips`, and all but the candles for
//! `GET /api/decisions`.

use mirai_core::Timestamp;
use mirai_reports::{Inputs, OrderLink, ProposalLink};
use mirai_store_local::{LocalStore, StoreError};

/// Every record any report needs.
pub fn inputs(store: &LocalStore) -> Result<Inputs, StoreError> {
    Ok(Inputs {
        candles: store.candles(None, Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX))?,
        ..outcome_inputs(store)?
    })
}

/// What `mirai_reports::decision_outcomes` reads: the decisions, their refusals and proposals, and
/// the fills and orders of their round trips. No candles are read.
pub fn outcome_inputs(store: &LocalStore) -> Result<Inputs, StoreError> {
    Ok(Inputs {
        decisions: store.decisions(usize::MAX)?,
        risk_events: store.risk_event_records()?,
        proposals: store
            .proposals(None, usize::MAX)?
            .into_iter()
            .map(|p| ProposalLink {
                id: p.id.as_str().to_owned(),
                decision_id: p.decision_id,
                status: p.status.as_str().to_owned(),
                decided_by: p.decided_by,
            })
            .collect(),
        ..trip_inputs(store)?
    })
}

/// What `mirai_reports::round_trips` reads: the fills, and the orders that name each fill's
/// decision. The rest is left empty (no candles, decisions, proposals or refusals are read).
pub fn trip_inputs(store: &LocalStore) -> Result<Inputs, StoreError> {
    Ok(Inputs {
        fills: store.fill_records()?,
        orders: store
            .orders(usize::MAX)?
            .into_iter()
            .map(|o| OrderLink {
                client_order_id: o.request.client_order_id,
                decision_id: o.request.decision_id,
                status: o.status,
            })
            .collect(),
        ..Inputs::default()
    })
}
