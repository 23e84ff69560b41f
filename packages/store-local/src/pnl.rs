//! P&L snapshots: equity and its parts at a moment, for the equity curve and daily loss limits.

use mirai_core::{Amount, Timestamp};
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use crate::codec::{dec, parse, timestamp};
use crate::{LocalStore, Result, rows};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlSnapshot {
    pub ts: Timestamp,
    pub equity: Amount,
    pub cash: Amount,
    pub realised: Amount,
    pub unrealised: Amount,
}

impl LocalStore {
    pub fn insert_pnl_snapshot(&self, s: &PnlSnapshot) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO pnl_snapshots (ts, equity, cash, realised, unrealised) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                s.ts.millis(),
                dec(s.equity.get()),
                dec(s.cash.get()),
                dec(s.realised.get()),
                dec(s.unrealised.get()),
            ])?;
        Ok(())
    }

    /// The most recent snapshot (the last recorded if several share a time).
    pub fn latest_pnl(&self) -> Result<Option<PnlSnapshot>> {
        rows::first(
            &self.conn(),
            "SELECT ts, equity, cash, realised, unrealised FROM pnl_snapshots \
             ORDER BY ts DESC, seq DESC LIMIT 1",
            [],
            decode,
        )
    }

    /// Snapshots from `from` (included) to `to` (excluded), each unbounded when `None`, oldest
    /// first (in the order recorded where several share a time), as a chart draws them.
    pub fn pnl_between(&self, from: Option<Timestamp>, to: Option<Timestamp>) -> Result<Vec<PnlSnapshot>> {
        rows::all(
            &self.conn(),
            "SELECT ts, equity, cash, realised, unrealised FROM pnl_snapshots \
             WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, seq",
            [from.map_or(i64::MIN, Timestamp::millis), to.map_or(i64::MAX, Timestamp::millis)],
            decode,
        )
    }

    /// Snapshots at or after `ts`, oldest first, as a chart draws them.
    pub fn pnl_since(&self, ts: Timestamp) -> Result<Vec<PnlSnapshot>> {
        rows::all(
            &self.conn(),
            "SELECT ts, equity, cash, realised, unrealised FROM pnl_snapshots \
             WHERE ts >= ?1 ORDER BY ts, seq",
            [ts.millis()],
            decode,
        )
    }
}

fn decode(row: &Row<'_>) -> Result<PnlSnapshot> {
    Ok(PnlSnapshot {
        ts: timestamp(row, 0)?,
        equity: parse(row, 1, Amount::parse)?,
        cash: parse(row, 2, Amount::parse)?,
        realised: parse(row, 3, Amount::parse)?,
        unrealised: parse(row, 4, Amount::parse)?,
    })
}
