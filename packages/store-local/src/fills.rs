//! Fills: executions, recorded exactly once each, together with the position they produce.

use mirai_core::{Amount, ClientOrderId, Fill, Position, Price, Qty, Symbol, Timestamp, TradeId};
use rusqlite::{Connection, Row, TransactionBehavior, params};

use crate::codec::{dec, parse, side_from, text, timestamp};
use crate::{LocalStore, Result, StoreError, positions, rows};

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "trade_id, client_order_id, symbol, side, qty, price, fee, ts"
    };
}

/// The same list for other modules (the outbox reads rows by `seq`).
pub(crate) const COLUMNS: &str = columns!();

impl LocalStore {
    /// Stores `fill` and sets its symbol's position to `position` (the caller's result of
    /// applying the fill), both or neither. A fill already stored (same symbol and trade id:
    /// the exchange re-delivered it) returns `false` and changes nothing, not even the position,
    /// so a re-delivery can never count a trade twice.
    pub fn record_fill(&self, fill: &Fill, position: &Position) -> Result<bool> {
        let mut conn = self.conn();
        // IMMEDIATE takes the write lock up front, so the insert and the upsert cannot be split
        // by another process's write.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = record_fill(&tx, fill, position)?;
        tx.commit()?;
        Ok(inserted)
    }

    /// Up to `limit` fills older than `before_ts` (all if `None`), newest first; fills with the
    /// same time come in reverse order of recording. To page, pass the oldest `ts` of the
    /// previous page; fills sharing that exact millisecond across a page boundary are skipped,
    /// so use a limit larger than any burst within one millisecond.
    pub fn fills(&self, limit: usize, before_ts: Option<Timestamp>) -> Result<Vec<Fill>> {
        rows::all(
            &self.conn(),
            concat!(
                "SELECT ",
                columns!(),
                " FROM fills WHERE ?2 IS NULL OR ts < ?2 \
                 ORDER BY ts DESC, seq DESC LIMIT ?1"
            ),
            params![rows::limit(limit), before_ts.map(Timestamp::millis)],
            decode,
        )
    }

    /// Every fill, oldest first: the input for rebuilding positions and P&L from scratch.
    pub fn all_fills(&self) -> Result<Vec<Fill>> {
        rows::all(&self.conn(), concat!("SELECT ", columns!(), " FROM fills ORDER BY ts, seq"), [], decode)
    }
}

pub(crate) fn record_fill(tx: &Connection, fill: &Fill, position: &Position) -> Result<bool> {
    if fill.symbol != position.symbol {
        return Err(StoreError::PositionMismatch {
            trade_id: fill.trade_id.clone(),
            fill_symbol: fill.symbol,
            position_symbol: position.symbol,
        });
    }
    let inserted =
        tx.prepare_cached(concat!(
            "INSERT INTO fills (",
            columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (symbol, trade_id) DO NOTHING"
        ))?
        .execute(params![
            fill.trade_id.0,
            fill.client_order_id.as_str(),
            fill.symbol.as_str(),
            fill.side.as_str(),
            dec(fill.qty.get()),
            dec(fill.price.get()),
            dec(fill.fee.get()),
            fill.ts.millis(),
        ])? == 1;
    if inserted {
        positions::upsert(tx, position)?;
    } else {
        warn_if_different(tx, fill)?;
    }
    Ok(inserted)
}

/// A re-delivery should repeat the stored fill exactly; if it does not, the venue or an adapter
/// is confused, and the first version is kept. Worth a warning, not a failure of the caller.
fn warn_if_different(conn: &rusqlite::Connection, fill: &Fill) -> Result<()> {
    let stored = rows::first(
        conn,
        concat!("SELECT ", columns!(), " FROM fills WHERE symbol = ?1 AND trade_id = ?2"),
        params![fill.symbol.as_str(), fill.trade_id.0],
        decode,
    )?;
    if stored.as_ref() != Some(fill) {
        tracing::warn!(
            trade_id = %fill.trade_id,
            symbol = %fill.symbol,
            "re-delivered fill differs from the stored one; keeping the stored one"
        );
    }
    Ok(())
}

pub(crate) fn decode(row: &Row<'_>) -> Result<Fill> {
    Ok(Fill {
        trade_id: TradeId(text(row, 0)?),
        client_order_id: parse(row, 1, ClientOrderId::new_checked)?,
        symbol: parse(row, 2, Symbol::new_checked)?,
        side: parse(row, 3, side_from)?,
        qty: parse(row, 4, Qty::parse)?,
        price: parse(row, 5, Price::parse)?,
        fee: parse(row, 6, Amount::parse)?,
        ts: timestamp(row, 7)?,
    })
}
