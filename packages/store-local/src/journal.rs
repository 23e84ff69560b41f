//! The trading task's writes that belong together, each in one IMMEDIATE transaction with its
//! audit entry, so the ledger and the audit log never disagree after a crash: a decision and its
//! entry; a refusal (risk event) and its entry; an order and its entry; a rejection (the order
//! closed, a risk event) and its entry; a fill, the position it leaves and its entry.

use mirai_core::{
    AuditEvent, Decision, DecisionId, Fill, FillSource, OrderRequest, OrderStatus, Position, Qty,
    RefusalReason, Timestamp, TripMark,
};
use rusqlite::{Connection, TransactionBehavior};

use crate::{LocalStore, Result, audit, decisions, fills, orders, risk_events};

impl LocalStore {
    pub(crate) fn in_transaction<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// A decision and its audit entry. A decision already stored (a replayed event) writes
    /// nothing and returns `false`.
    #[tracing::instrument(name = "journal.decision", level = "debug", skip_all)]
    pub fn journal_decision(&self, now: Timestamp, d: &Decision) -> Result<bool> {
        self.in_transaction(|tx| {
            let inserted = decisions::insert_decision(tx, d)?;
            if inserted {
                let event = AuditEvent::Decision {
                    id: d.id.clone(),
                    symbol: d.symbol,
                    action: d.action,
                    confidence: d.confidence,
                };
                audit::record(tx, now, &event)?;
            }
            Ok(inserted)
        })
    }

    /// A risk gate's refusal of a decision's order: the risk event and its audit entry.
    #[tracing::instrument(name = "journal.refusal", level = "debug", skip_all)]
    pub fn journal_refusal(&self, now: Timestamp, d: &Decision, reason: &RefusalReason) -> Result<()> {
        let why = reason.to_string();
        self.in_transaction(|tx| {
            risk_events::insert_risk_event(tx, now, Some(&d.id), d.symbol, reason.gate(), &why)?;
            let event = AuditEvent::RiskRefused {
                decision: d.id.clone(),
                gate: reason.gate().to_owned(),
                reason: why.clone(),
            };
            audit::record(tx, now, &event).map(|_| ())
        })
    }

    /// An approved order about to be sent: stored as new, with its audit entry.
    #[tracing::instrument(name = "journal.order", level = "debug", skip_all)]
    pub fn journal_order(&self, now: Timestamp, order: &OrderRequest) -> Result<()> {
        self.in_transaction(|tx| {
            orders::insert_order(tx, order, OrderStatus::New)?;
            let event = AuditEvent::Order {
                client_order_id: order.client_order_id.clone(),
                symbol: order.symbol,
                side: order.side,
                qty: order.qty,
            };
            audit::record(tx, now, &event).map(|_| ())
        })
    }

    /// An order that was not placed (`gate`: exchange, venue_blocked, exchange_unavailable):
    /// closed as rejected, a risk event naming why, and its audit entry.
    #[tracing::instrument(name = "journal.rejection", level = "debug", skip_all)]
    pub fn journal_rejection(
        &self,
        now: Timestamp,
        decision: &DecisionId,
        order: &OrderRequest,
        gate: &str,
        why: &str,
    ) -> Result<()> {
        self.in_transaction(|tx| {
            orders::update_order(tx, &order.client_order_id, OrderStatus::Rejected, None, Qty::ZERO, now)?;
            risk_events::insert_risk_event(tx, now, Some(decision), order.symbol, gate, why)?;
            let event = AuditEvent::OrderRejected {
                client_order_id: order.client_order_id.clone(),
                gate: gate.to_owned(),
                why: why.to_owned(),
            };
            audit::record(tx, now, &event).map(|_| ())
        })
    }

    /// A fill, the position it leaves and its audit entry, all or nothing. A fill already stored
    /// returns `false` and writes nothing (see [`LocalStore::record_fill`]). `trip` is the
    /// engine's mark; `None` (a fill no engine judged) marks it by the position alone.
    #[tracing::instrument(name = "journal.fill", level = "debug", skip_all)]
    pub fn journal_fill(
        &self,
        fill: &Fill,
        position: &Position,
        trip: Option<TripMark>,
        source: FillSource,
    ) -> Result<bool> {
        self.in_transaction(|tx| {
            let inserted = fills::record_fill(tx, fill, position, trip)?;
            if inserted {
                audit::record(tx, fill.ts, &AuditEvent::fill(fill, source))?;
            }
            Ok(inserted)
        })
    }
}
