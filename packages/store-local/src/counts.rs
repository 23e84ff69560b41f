//! `LedgerCounts`: how many orders, fills and risk refusals the ledger holds, grouped by their
//! few fixed values (side, status, gate), for the worker's `/metrics`. Counted from the rows at
//! each scrape rather than kept beside them, so the figures cannot drift from the ledger and
//! survive restarts as the ledger does.

use rusqlite::Row;

use crate::codec::text;
use crate::{LocalStore, Result, rows};

/// At most this many groups per count. The grouped columns hold a handful of values (two sides,
/// a few statuses, a dozen gates); more could only come from a ledger edited behind the worker's
/// back, and must not turn into an unbounded number of metric series.
pub const MAX_GROUPS: usize = 64;

/// Row counts by group, each list in the order of its labels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerCounts {
    /// Orders by side (`BUY`, `SELL`) and status (`NEW`, `FILLED`, …).
    pub orders: Vec<(String, String, u64)>,
    /// Fills by side.
    pub fills: Vec<(String, u64)>,
    /// Risk refusals by the gate that refused (`kill_switch`, `max_position`, …).
    pub refusals: Vec<(String, u64)>,
}

impl LocalStore {
    /// The counts, read under one hold of the connection so that they agree with each other.
    /// Each is one pass over its table (rows are never deleted, so this grows with the ledger:
    /// milliseconds for the tens of thousands of rows a year of trading makes).
    pub fn ledger_counts(&self) -> Result<LedgerCounts> {
        let conn = self.conn();
        let max = rows::limit(MAX_GROUPS);
        Ok(LedgerCounts {
            orders: rows::all(
                &conn,
                "SELECT side, status, COUNT(*) FROM orders GROUP BY side, status ORDER BY side, status LIMIT ?1",
                [max],
                |r| Ok((text(r, 0)?, text(r, 1)?, count(r, 2)?)),
            )?,
            fills: rows::all(
                &conn,
                "SELECT side, COUNT(*) FROM fills GROUP BY side ORDER BY side LIMIT ?1",
                [max],
                pair,
            )?,
            refusals: rows::all(
                &conn,
                "SELECT gate, COUNT(*) FROM risk_events GROUP BY gate ORDER BY gate LIMIT ?1",
                [max],
                pair,
            )?,
        })
    }
}

fn pair(r: &Row<'_>) -> Result<(String, u64)> {
    Ok((text(r, 0)?, count(r, 1)?))
}

/// `COUNT(*)` is never negative; SQLite hands it over as a signed integer.
fn count(r: &Row<'_>, i: usize) -> Result<u64> {
    let n: i64 = r.get(i)?;
    Ok(u64::try_from(n).unwrap_or(0))
}
