//! Orders: each request as sent, and the latest state the exchange reported for it.

use mirai_core::{
    ClientOrderId, DecisionId, OrderKind, OrderRequest, OrderStatus, Price, Qty, Symbol, Timestamp,
};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use crate::codec::{dec, int_u64, opt_u64, parse, side_from, text, tif_from, tif_str, timestamp};
use crate::{LocalStore, Result, StoreError, rows};

/// An order request and what is known of its fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOrder {
    #[serde(flatten)]
    pub request: OrderRequest,
    pub status: OrderStatus,
    /// Assigned by the exchange; `None` until it acknowledges the order.
    pub exchange_order_id: Option<u64>,
    pub filled_qty: Qty,
    pub updated_at: Timestamp,
}

/// The columns [`decode`] reads, in its order. A macro so queries stay compile-time constants.
macro_rules! columns {
    () => {
        "client_order_id, decision_id, symbol, side, kind, limit_price, time_in_force, qty, \
         reference_price, created_at, status, exchange_order_id, filled_qty, updated_at"
    };
}

/// The same list for other modules (the outbox reads rows by `seq`).
pub(crate) const COLUMNS: &str = columns!();

impl LocalStore {
    /// Stores a new order with `status`, nothing filled yet. Returns `false` if an order with the
    /// same client order id is already stored (a retry), leaving the stored one untouched.
    pub fn insert_order(&self, order: &OrderRequest, status: OrderStatus) -> Result<bool> {
        insert_order(&self.conn(), order, status)
    }

    /// Records the exchange's latest word on an order. `exchange_order_id: None` keeps the id
    /// already stored, since later reports do not always repeat it. Last write wins: callers
    /// apply reports in the order the exchange produced them.
    pub fn update_order(
        &self,
        client_order_id: &ClientOrderId,
        status: OrderStatus,
        exchange_order_id: Option<u64>,
        filled_qty: Qty,
        now: Timestamp,
    ) -> Result<()> {
        update_order(&self.conn(), client_order_id, status, exchange_order_id, filled_qty, now)
    }

    pub fn order(&self, client_order_id: &ClientOrderId) -> Result<Option<StoredOrder>> {
        rows::first(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM orders WHERE client_order_id = ?1"),
            [client_order_id.as_str()],
            decode,
        )
    }

    /// The latest `limit` orders by creation time, newest first.
    pub fn orders(&self, limit: usize) -> Result<Vec<StoredOrder>> {
        rows::all(
            &self.conn(),
            concat!("SELECT ", columns!(), " FROM orders ORDER BY created_at DESC, seq DESC LIMIT ?1"),
            [rows::limit(limit)],
            decode,
        )
    }

    /// Orders still working on the exchange (NEW or PARTIALLY_FILLED), oldest first: the list a
    /// restart must reconcile before trading again.
    pub fn open_orders(&self) -> Result<Vec<StoredOrder>> {
        rows::all(
            &self.conn(),
            concat!(
                "SELECT ",
                columns!(),
                " FROM orders WHERE status IN ('NEW', 'PARTIALLY_FILLED') \
                 ORDER BY created_at, seq"
            ),
            [],
            decode,
        )
    }

    /// How many orders were filled in whole, buys then sells: the pre-flight's evidence of a
    /// rehearsal that both bought and sold.
    pub fn filled_sides(&self) -> Result<(u64, u64)> {
        let conn = self.conn();
        let count = |side: &str| -> Result<u64> {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM orders WHERE status = 'FILLED' AND side = ?1",
                [side],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok((count("BUY")?, count("SELL")?))
    }
}

pub(crate) fn insert_order(conn: &Connection, order: &OrderRequest, status: OrderStatus) -> Result<bool> {
    let (kind, limit_price, tif) = match order.kind {
        OrderKind::Market => ("MARKET", None, None),
        OrderKind::Limit { price, time_in_force } => {
            ("LIMIT", Some(dec(price.get())), Some(tif_str(time_in_force)))
        }
    };
    let n = conn
        .prepare_cached(concat!(
            "INSERT INTO orders (",
            columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?10) \
             ON CONFLICT (client_order_id) DO NOTHING"
        ))?
        .execute(params![
            order.client_order_id.as_str(),
            order.decision_id.as_str(),
            order.symbol.as_str(),
            order.side.as_str(),
            kind,
            limit_price,
            tif,
            dec(order.qty.get()),
            dec(order.reference_price.get()),
            order.created_at.millis(),
            status.as_str(),
            dec(Qty::ZERO.get()),
        ])?;
    Ok(n == 1)
}

pub(crate) fn update_order(
    conn: &Connection,
    client_order_id: &ClientOrderId,
    status: OrderStatus,
    exchange_order_id: Option<u64>,
    filled_qty: Qty,
    now: Timestamp,
) -> Result<()> {
    let exchange_order_id = exchange_order_id.map(|id| int_u64("exchange order id", id)).transpose()?;
    let n = conn
        .prepare_cached(
            "UPDATE orders SET status = ?2, \
             exchange_order_id = COALESCE(?3, exchange_order_id), \
             filled_qty = ?4, updated_at = ?5 \
             WHERE client_order_id = ?1",
        )?
        .execute(params![
            client_order_id.as_str(),
            status.as_str(),
            exchange_order_id,
            dec(filled_qty.get()),
            now.millis(),
        ])?;
    if n == 0 {
        return Err(StoreError::UnknownOrder(client_order_id.clone()));
    }
    Ok(())
}

pub(crate) fn decode(row: &Row<'_>) -> Result<StoredOrder> {
    let is_limit = parse(row, 4, |s| match s {
        "MARKET" => Ok(false),
        "LIMIT" => Ok(true),
        _ => Err("not an order kind (MARKET or LIMIT)"),
    })?;
    let kind = if is_limit {
        // Required for a LIMIT order: a NULL here decodes as corruption, naming the column.
        OrderKind::Limit { price: parse(row, 5, Price::parse)?, time_in_force: parse(row, 6, tif_from)? }
    } else {
        OrderKind::Market
    };
    Ok(StoredOrder {
        request: OrderRequest {
            client_order_id: parse(row, 0, ClientOrderId::new_checked)?,
            decision_id: DecisionId::from_stored(text(row, 1)?),
            symbol: parse(row, 2, Symbol::new_checked)?,
            side: parse(row, 3, side_from)?,
            kind,
            qty: parse(row, 7, Qty::parse)?,
            reference_price: parse(row, 8, Price::parse)?,
            created_at: timestamp(row, 9)?,
        },
        status: parse(row, 10, |s| OrderStatus::parse(s).ok_or("not an order status"))?,
        exchange_order_id: opt_u64(row, 11)?,
        filled_qty: parse(row, 12, Qty::parse)?,
        updated_at: timestamp(row, 13)?,
    })
}
