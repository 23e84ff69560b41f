//! Risk events: every refusal by a risk gate, with the gate's name and its reason in words.

use mirai_core::{DecisionId, RiskEventRecord, Symbol, Timestamp};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use crate::codec::{opt_text, opt_u64, parse, text, timestamp};
use crate::{LocalStore, Result, rows};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskEvent {
    pub ts: Timestamp,
    /// The decision refused, when the refusal came from one (a kill switch may not).
    pub decision_id: Option<DecisionId>,
    pub symbol: Symbol,
    /// The gate's stable short name, as `RefusalReason::gate` gives it.
    pub gate: String,
    pub reason: String,
}

impl LocalStore {
    pub fn insert_risk_event(
        &self,
        ts: Timestamp,
        decision_id: Option<&DecisionId>,
        symbol: Symbol,
        gate: &str,
        reason: &str,
    ) -> Result<()> {
        insert_risk_event(&self.conn(), ts, decision_id, symbol, gate, reason)
    }

    /// The latest `limit` risk events, newest first.
    pub fn risk_events(&self, limit: usize) -> Result<Vec<RiskEvent>> {
        rows::all(
            &self.conn(),
            "SELECT ts, decision_id, symbol, gate, reason FROM risk_events \
             ORDER BY ts DESC, seq DESC LIMIT ?1",
            [rows::limit(limit)],
            decode,
        )
    }
}

/// The columns [`decode_record`] reads, in its order.
pub(crate) const RECORD_COLUMNS: &str = "seq, ts, decision_id, symbol, gate, reason";

impl LocalStore {
    /// Every refusal as it is shipped (the store's sequence number as its id), oldest first.
    pub fn risk_event_records(&self) -> Result<Vec<RiskEventRecord>> {
        rows::all(
            &self.conn(),
            "SELECT seq, ts, decision_id, symbol, gate, reason FROM risk_events ORDER BY ts, seq",
            [],
            decode_record,
        )
    }
}

pub(crate) fn decode_record(r: &Row<'_>) -> Result<RiskEventRecord> {
    Ok(RiskEventRecord {
        // The store's sequence number: unique per event, stable across restarts.
        id: opt_u64(r, 0)?.unwrap_or(0).to_string(),
        ts: timestamp(r, 1)?,
        decision_id: opt_text(r, 2)?.map(DecisionId::from_stored),
        symbol: parse(r, 3, Symbol::new_checked)?,
        gate: text(r, 4)?,
        reason: text(r, 5)?,
    })
}

pub(crate) fn insert_risk_event(
    conn: &Connection,
    ts: Timestamp,
    decision_id: Option<&DecisionId>,
    symbol: Symbol,
    gate: &str,
    reason: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO risk_events (ts, decision_id, symbol, gate, reason) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        ts.millis(),
        decision_id.map(DecisionId::as_str),
        symbol.as_str(),
        gate,
        reason,
    ])?;
    Ok(())
}

fn decode(row: &Row<'_>) -> Result<RiskEvent> {
    Ok(RiskEvent {
        ts: timestamp(row, 0)?,
        decision_id: opt_text(row, 1)?.map(DecisionId::from_stored),
        symbol: parse(row, 2, Symbol::new_checked)?,
        gate: text(row, 3)?,
        reason: text(row, 4)?,
    })
}
