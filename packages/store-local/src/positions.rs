//! Positions: the latest holding per symbol, written only together with the fill that made it.

use mirai_core::{Amount, Position, Qty, Symbol};
use rusqlite::{Connection, Row, params};

use crate::codec::{dec, parse, timestamp};
use crate::{LocalStore, Result, rows};

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "symbol, qty, cost, realised_pnl, fees, updated_at"
    };
}

impl LocalStore {
    /// Every symbol ever traded: open positions first, then flat ones, each group by symbol.
    pub fn positions(&self) -> Result<Vec<Position>> {
        let mut all = rows::all(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM positions ORDER BY symbol"),
            [],
            decode,
        )?;
        // Flatness is a decimal test ("0.000" is flat), so it is done here rather than in SQL;
        // the sort is stable and keeps the symbol order within each group.
        all.sort_by_key(Position::is_flat);
        Ok(all)
    }

    pub fn position(&self, symbol: Symbol) -> Result<Option<Position>> {
        rows::first(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM positions WHERE symbol = ?1"),
            [symbol.as_str()],
            decode,
        )
    }
}

/// Called inside `record_fill`'s transaction; never on its own, so a position always matches
/// the fills stored.
pub(crate) fn upsert(conn: &Connection, p: &Position) -> Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO positions (",
        columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, cost = excluded.cost, \
         realised_pnl = excluded.realised_pnl, fees = excluded.fees, \
         updated_at = excluded.updated_at"
    ))?
    .execute(params![
        p.symbol.as_str(),
        dec(p.qty.get()),
        dec(p.cost.get()),
        dec(p.realised_pnl.get()),
        dec(p.fees.get()),
        p.updated_at.millis(),
    ])?;
    Ok(())
}

fn decode(row: &Row<'_>) -> Result<Position> {
    Ok(Position {
        symbol: parse(row, 0, Symbol::new_checked)?,
        qty: parse(row, 1, Qty::parse)?,
        cost: parse(row, 2, Amount::parse)?,
        realised_pnl: parse(row, 3, Amount::parse)?,
        fees: parse(row, 4, Amount::parse)?,
        updated_at: timestamp(row, 5)?,
    })
}
