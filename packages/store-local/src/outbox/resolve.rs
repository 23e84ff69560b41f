//! An outbox entry back to its record: the referenced row read as it is now (an order's latest
//! state), or the inline JSON.

use mirai_core::{Amount, AnalyticsRecord, AuditRecord, OrderRecord, PnlPoint};
use rusqlite::{Connection, params};

use crate::codec::{int_u64, opt_u64, parse, text, timestamp};
use crate::{Result, StoreError, candles, decisions, fills, orders, proposals, risk_events, rows};

pub(super) fn record(
    conn: &Connection,
    source: &str,
    source_seq: Option<u64>,
    payload: Option<&str>,
) -> Result<AnalyticsRecord> {
    if source == "inline" {
        let json = payload.unwrap_or_default();
        return serde_json::from_str(json).map_err(|e| corrupt("outbox.payload", json, e));
    }
    let seq = int_u64(
        "outbox source_seq",
        source_seq.ok_or_else(|| corrupt("outbox.source_seq", "NULL", "missing"))?,
    )?;
    let found = match source {
        "decisions" => by_seq(conn, "decisions", decisions::COLUMNS, seq, |r| {
            decisions::decode(r).map(AnalyticsRecord::Decision)
        })?,
        "orders" => by_seq(conn, "orders", orders::COLUMNS, seq, |r| {
            let o = orders::decode(r)?;
            Ok(AnalyticsRecord::Order(OrderRecord {
                request: o.request,
                status: o.status,
                exchange_order_id: o.exchange_order_id,
                filled_qty: o.filled_qty,
                updated_at: o.updated_at,
            }))
        })?,
        "fills" => by_seq(conn, "fills", fills::RECORD_COLUMNS, seq, |r| {
            fills::decode_record(r).map(AnalyticsRecord::Fill)
        })?,
        "risk_events" => by_seq(conn, "risk_events", risk_events::RECORD_COLUMNS, seq, |r| {
            risk_events::decode_record(r).map(AnalyticsRecord::RiskEvent)
        })?,
        "pnl_snapshots" => {
            by_seq(conn, "pnl_snapshots", "ts, equity, cash, realised, unrealised", seq, |r| {
                Ok(AnalyticsRecord::Pnl(PnlPoint {
                    ts: timestamp(r, 0)?,
                    equity: parse(r, 1, Amount::parse)?,
                    cash: parse(r, 2, Amount::parse)?,
                    realised: parse(r, 3, Amount::parse)?,
                    unrealised: parse(r, 4, Amount::parse)?,
                }))
            })?
        }
        "audit_log" => {
            by_seq(conn, "audit_log", "seq, ts, kind, actor, payload, prev_hash, hash", seq, |r| {
                // The payload text as stored: exactly the bytes that were hashed.
                Ok(AnalyticsRecord::Audit(AuditRecord {
                    seq: opt_u64(r, 0)?.unwrap_or(0),
                    ts: timestamp(r, 1)?,
                    kind: text(r, 2)?,
                    actor: text(r, 3)?,
                    payload_json: text(r, 4)?,
                    prev_hash: text(r, 5)?,
                    hash: text(r, 6)?,
                }))
            })?
        }
        "candles" => by_seq(conn, "candles", candles::COLUMNS, seq, |r| {
            candles::decode(r).map(AnalyticsRecord::Candle)
        })?,
        // The proposal as it is now: a later state queued before this entry was shipped is
        // shipped in its place (the destination keeps the furthest state either way).
        "proposals" => by_seq(conn, "proposals", proposals::COLUMNS, seq, |r| {
            proposals::decode(r).map(|p| AnalyticsRecord::Proposal(p.into()))
        })?,
        other => return Err(corrupt("outbox.source", other, "unknown source table")),
    };
    found.ok_or_else(|| corrupt("outbox.source_seq", &seq.to_string(), format!("no such row in {source}")))
}

/// The row `seq` of `table`. Both names are constants of this crate, never input.
fn by_seq(
    conn: &Connection,
    table: &'static str,
    columns: &'static str,
    seq: i64,
    decode: fn(&rusqlite::Row<'_>) -> Result<AnalyticsRecord>,
) -> Result<Option<AnalyticsRecord>> {
    rows::first(conn, &format!("SELECT {columns} FROM {table} WHERE seq = ?1"), params![seq], decode)
}

fn corrupt(column: &str, value: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        column: column.to_owned(),
        value: value.chars().take(80).collect(),
        why: why.to_string(),
    }
}
