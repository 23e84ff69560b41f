//! Decisions: what the agent decided and why, kept so a person can read the reasoning later.

use std::str::FromStr;

use mirai_core::{ClientOrderId, Confidence, Decimal, Decision, DecisionId, Price, Symbol};
use rusqlite::{Connection, Row, params};

use crate::codec::{self, action_from, dec, opt_parse, parse, text, timestamp};
use crate::{LocalStore, Result, rows};

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "id, ts, symbol, strategy, action, size_fraction, price, stop_loss, take_profit, \
         confidence, rationale, citations, advisor"
    };
}

/// The same list for other modules (the outbox reads rows by `seq`).
pub(crate) const COLUMNS: &str = columns!();

impl LocalStore {
    /// Stores a decision once. Returns `false` if one with the same id is already stored (a
    /// replayed event), leaving the stored one untouched.
    pub fn insert_decision(&self, d: &Decision) -> Result<bool> {
        insert_decision(&self.conn(), d)
    }

    /// The decision that placed the order `client_order_id`, if both are in the ledger: how the
    /// dashboard answers "why this trade?" exactly, without a similarity search.
    pub fn decision_for_order(&self, client_order_id: &ClientOrderId) -> Result<Option<Decision>> {
        rows::all(
            &self.conn(),
            concat!(
                "SELECT ",
                columns!(),
                " FROM decisions WHERE id = (SELECT decision_id FROM orders WHERE client_order_id = ?1)"
            ),
            [client_order_id.as_str()],
            decode,
        )
        .map(|mut v| v.pop())
    }

    /// The latest `limit` decisions, newest first.
    pub fn decisions(&self, limit: usize) -> Result<Vec<Decision>> {
        rows::all(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM decisions ORDER BY ts DESC, seq DESC LIMIT ?1"),
            [rows::limit(limit)],
            decode,
        )
    }
}

pub(crate) fn insert_decision(conn: &Connection, d: &Decision) -> Result<bool> {
    let citations = serde_json::to_string(&d.citations)?;
    let advisor = serde_json::to_string(&d.advisor)?;
    let n = conn
        .prepare_cached(concat!(
            "INSERT INTO decisions (",
            columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (id) DO NOTHING"
        ))?
        .execute(params![
            d.id.as_str(),
            d.ts.millis(),
            d.symbol.as_str(),
            d.strategy,
            d.action.as_str(),
            dec(d.size_fraction),
            dec(d.price.get()),
            d.stop_loss.map(|p| dec(p.get())),
            d.take_profit.map(|p| dec(p.get())),
            dec(d.confidence.get()),
            d.rationale,
            citations,
            advisor,
        ])?;
    Ok(n == 1)
}

pub(crate) fn decode(row: &Row<'_>) -> Result<Decision> {
    Ok(Decision {
        id: DecisionId::from_stored(text(row, 0)?),
        ts: timestamp(row, 1)?,
        symbol: parse(row, 2, Symbol::new_checked)?,
        strategy: text(row, 3)?.into(),
        action: parse(row, 4, action_from)?,
        size_fraction: parse(row, 5, Decimal::from_str)?,
        price: parse(row, 6, Price::parse)?,
        stop_loss: opt_parse(row, 7, Price::parse)?,
        take_profit: opt_parse(row, 8, Price::parse)?,
        confidence: parse(row, 9, Confidence::parse)?,
        rationale: text(row, 10)?,
        citations: codec::parse(row, 11, |s| serde_json::from_str(s))?,
        advisor: codec::parse(row, 12, |s| serde_json::from_str(s))?,
    })
}
