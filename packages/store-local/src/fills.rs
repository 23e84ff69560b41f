//! Fills: executions, recorded exactly once each, together with the position they produce.

use mirai_core::{Amount, ClientOrderId, Fill, Position, Price, Qty, Symbol, Timestamp, TradeId};
use mirai_core::{FillLedger, FillRecord, TripMark};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::codec::{dec, opt_parse, opt_u64, parse, side_from, text, timestamp};
use crate::{LocalStore, Result, StoreError, positions, rows};

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "trade_id, client_order_id, symbol, side, qty, price, fee, ts"
    };
}

/// A fill with the ledger's state after it, for the outbox (which reads rows by `seq`):
/// [`decode_record`]'s columns.
pub(crate) const RECORD_COLUMNS: &str =
    concat!(columns!(), ", seq, realised_pnl, position_qty, position_cost, trip");

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
        let inserted = record_fill(&tx, fill, position, None)?;
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

impl LocalStore {
    /// Every fill with the ledger's state after it, in booking order: what analysts' reports
    /// (round trips, P&L by day and symbol) are computed from.
    pub fn fill_records(&self) -> Result<Vec<FillRecord>> {
        rows::all(
            &self.conn(),
            &format!("SELECT {RECORD_COLUMNS} FROM fills ORDER BY ts, seq"),
            [],
            decode_record,
        )
    }
}

/// `trip` is the engine's mark; `None` marks the fill by the position alone (flat is zero).
pub(crate) fn record_fill(
    tx: &Connection,
    fill: &Fill,
    position: &Position,
    trip: Option<TripMark>,
) -> Result<bool> {
    if fill.symbol != position.symbol {
        return Err(StoreError::PositionMismatch {
            trade_id: fill.trade_id.clone(),
            fill_symbol: fill.symbol,
            position_symbol: position.symbol,
        });
    }
    // What this fill realised: the position's running total after it, less the total before.
    let before: Option<String> = tx
        .prepare_cached("SELECT realised_pnl FROM positions WHERE symbol = ?1")?
        .query_row(params![fill.symbol.as_str()], |r| r.get(0))
        .optional()?;
    let before = match before {
        Some(t) => Amount::parse(&t).map_err(|e| StoreError::Corrupt {
            column: "positions.realised_pnl".to_owned(),
            value: t,
            why: e.to_string(),
        })?,
        None => Amount::ZERO,
    };
    let inserted =
        tx.prepare_cached(concat!(
            "INSERT INTO fills (",
            columns!(),
            ", realised_pnl, position_qty, position_cost, trip) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (symbol, trade_id) DO NOTHING"
        ))?
        .execute(params![
            fill.trade_id.as_str(),
            fill.client_order_id.as_str(),
            fill.symbol.as_str(),
            fill.side.as_str(),
            dec(fill.qty.get()),
            dec(fill.price.get()),
            dec(fill.fee.get()),
            fill.ts.millis(),
            dec((position.realised_pnl - before).get()),
            dec(position.qty.get()),
            dec(position.cost.get()),
            trip.unwrap_or_else(|| TripMark::by_position(fill, position.qty)).as_str(),
        ])? == 1;
    if inserted {
        positions::upsert(tx, position)?;
    } else {
        warn_if_different(tx, fill)?;
    }
    Ok(inserted)
}

/// Fills booked before the store kept the ledger's state (schema V5) get it by replaying the
/// ledger's rule over them in booking order, once, at the migration. A symbol whose history does
/// not replay (a sell of more than was held: a position set by hand) keeps empty columns from
/// that fill on, and says so; analysts then see `NULL`, never a wrong figure.
pub(crate) fn fill_in_ledger(tx: &Connection) -> Result<u64> {
    let rows = rows::all(tx, concat!("SELECT ", columns!(), ", seq FROM fills ORDER BY ts, seq"), [], |r| {
        Ok((decode(r)?, opt_u64(r, 8)?.unwrap_or(0)))
    })?;
    let mut positions: std::collections::HashMap<Symbol, Option<Position>> = Default::default();
    let mut update = tx.prepare_cached(
        "UPDATE fills SET realised_pnl = ?2, position_qty = ?3, position_cost = ?4, trip = ?5 WHERE seq = ?1",
    )?;
    let mut filled = 0;
    for (fill, seq) in rows {
        let slot = positions.entry(fill.symbol).or_insert_with(|| Some(Position::flat(fill.symbol)));
        let Some(position) = slot else { continue };
        match position.apply(&fill) {
            Ok(realised) => {
                update.execute(params![
                    i64::try_from(seq).unwrap_or(i64::MAX),
                    dec(realised.get()),
                    dec(position.qty.get()),
                    dec(position.cost.get()),
                    TripMark::by_position(&fill, position.qty).as_str(),
                ])?;
                filled += 1;
            }
            Err(e) => {
                tracing::warn!(symbol = %fill.symbol, trade_id = %fill.trade_id, error = %e,
                    "the fills' history does not replay; their ledger columns stay empty from this fill on");
                *slot = None;
            }
        }
    }
    Ok(filled)
}

/// A re-delivery should repeat the stored fill exactly; if it does not, the venue or an adapter
/// is confused, and the first version is kept. Worth a warning, not a failure of the caller.
fn warn_if_different(conn: &rusqlite::Connection, fill: &Fill) -> Result<()> {
    let stored = rows::first(
        conn,
        concat!("SELECT ", columns!(), " FROM fills WHERE symbol = ?1 AND trade_id = ?2"),
        params![fill.symbol.as_str(), fill.trade_id.as_str()],
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
        trade_id: TradeId::new(text(row, 0)?),
        client_order_id: parse(row, 1, ClientOrderId::new_checked)?,
        symbol: parse(row, 2, Symbol::new_checked)?,
        side: parse(row, 3, side_from)?,
        qty: parse(row, 4, Qty::parse)?,
        price: parse(row, 5, Price::parse)?,
        fee: parse(row, 6, Amount::parse)?,
        ts: timestamp(row, 7)?,
    })
}

/// A row read with [`RECORD_COLUMNS`]: the fill and, when the store has it, the ledger after it.
pub(crate) fn decode_record(row: &Row<'_>) -> Result<FillRecord> {
    let fill = decode(row)?;
    let seq = opt_u64(row, 8)?.unwrap_or(0);
    let ledger = match (
        opt_parse(row, 9, Amount::parse)?,
        opt_parse(row, 10, Qty::parse)?,
        opt_parse(row, 11, Amount::parse)?,
    ) {
        (Some(realised_pnl), Some(position_qty), Some(position_cost)) => Some(FillLedger {
            seq,
            realised_pnl,
            position_qty,
            position_cost,
            trip: opt_parse(row, 12, |s| TripMark::parse(Some(s)).ok_or("not open or close"))?
                .unwrap_or(TripMark::Within),
        }),
        _ => None,
    };
    Ok(FillRecord { fill, ledger })
}
