//! Websocket events to domain types: closed klines to `Candle`s, bookTickers to `Quote`s, trades
//! to `TradeTick`s, and `executionReport`s to order updates with their fills.

use mirai_core::{
    Asset, Candle, ClientOrderId, ExecutionReport, Fill, OrderStatus, Price, Qty, Quote, Side, Symbol,
    Timestamp, TradeId,
};

use super::messages::{BookTickerEvent, ExecutionReportEvent, KlineEvent, TradeEvent};
use crate::common::error::BinanceError;
use crate::http::parse as rest;

type Result<T> = std::result::Result<T, BinanceError>;

fn price(d: mirai_core::Decimal, what: &str) -> Result<Price> {
    Price::new_checked(d.normalize()).map_err(|e| BinanceError::Decode(format!("{what}: {e}")))
}

fn qty(d: mirai_core::Decimal, what: &str) -> Result<Qty> {
    Qty::new_checked(d.normalize()).map_err(|e| BinanceError::Decode(format!("{what}: {e}")))
}

/// A kline event as a candle; `closed` is the event's `x`.
pub fn candle(e: &KlineEvent) -> Result<Candle> {
    let k = &e.kline;
    Ok(Candle {
        symbol: rest::symbol(&e.symbol)?,
        open_time: Timestamp::from_millis(k.open_time),
        close_time: Timestamp::from_millis(k.close_time),
        open: price(k.open, "open")?,
        high: price(k.high, "high")?,
        low: price(k.low, "low")?,
        close: price(k.close, "close")?,
        volume: qty(k.volume, "volume")?,
        closed: k.closed,
    })
}

/// A bookTicker as a quote stamped with the time it was received (the event has none).
pub fn quote(e: &BookTickerEvent, received: Timestamp) -> Result<Quote> {
    Ok(Quote {
        symbol: rest::symbol(&e.symbol)?,
        time: received,
        bid: price(e.bid, "bid")?,
        bid_qty: qty(e.bid_qty, "bid qty")?,
        ask: price(e.ask, "ask")?,
        ask_qty: qty(e.ask_qty, "ask qty")?,
    })
}

/// One public trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeTick {
    pub symbol: Symbol,
    pub trade_id: i64,
    pub price: Price,
    pub qty: Qty,
    pub time: Timestamp,
    pub buyer_is_maker: bool,
}

pub fn trade(e: &TradeEvent) -> Result<TradeTick> {
    Ok(TradeTick {
        symbol: rest::symbol(&e.symbol)?,
        trade_id: e.trade_id,
        price: price(e.price, "price")?,
        qty: qty(e.qty, "qty")?,
        time: Timestamp::from_millis(e.trade_time),
        buyer_is_maker: e.buyer_is_maker,
    })
}

/// An `executionReport` in domain terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderUpdate {
    pub symbol: Symbol,
    /// The order's own client id (for a cancel, the original order's, not the cancel's).
    pub client_order_id: ClientOrderId,
    pub exchange_order_id: u64,
    pub side: Side,
    /// NEW, CANCELED, TRADE, EXPIRED, REJECTED, TRADE_PREVENTION…
    pub execution_type: String,
    pub status: OrderStatus,
    pub cumulative_qty: Qty,
    /// Set when `execution_type` is TRADE.
    pub fill: Option<Fill>,
    pub reject_reason: String,
    pub time: Timestamp,
}

impl OrderUpdate {
    /// The order's state as a report (this event's fill only; earlier fills came earlier).
    pub fn report(&self) -> ExecutionReport {
        ExecutionReport {
            client_order_id: self.client_order_id.clone(),
            exchange_order_id: self.exchange_order_id,
            status: self.status,
            filled_qty: self.cumulative_qty,
            fills: self.fill.iter().cloned().collect(),
        }
    }
}

/// Converts an execution report; `assets` (base, quote) value the commission in the quote asset.
pub fn order_update(e: &ExecutionReportEvent, assets: (Asset, Asset)) -> Result<OrderUpdate> {
    let own_id = if e.execution_type == "CANCELED" && !e.orig_client_order_id.is_empty() {
        &e.orig_client_order_id
    } else {
        &e.client_order_id
    };
    let client_order_id =
        ClientOrderId::new_checked(own_id).map_err(|err| BinanceError::Decode(err.to_string()))?;
    let symbol = rest::symbol(&e.symbol)?;
    let side = rest::side(&e.side)?;
    let time = Timestamp::from_millis(e.transaction_time);
    let fill = if e.execution_type == "TRADE" {
        let p = price(e.last_price, "last price")?;
        let (booked, fee) = rest::booked_qty_and_fee(
            side,
            e.last_qty,
            p,
            e.commission,
            e.commission_asset.as_deref().unwrap_or(""),
            assets,
        );
        Some(Fill {
            trade_id: TradeId::new(e.trade_id.to_string()),
            client_order_id: client_order_id.clone(),
            symbol,
            side,
            qty: qty(booked, "last qty net of commission")?,
            price: p,
            fee,
            ts: time,
        })
    } else {
        None
    };
    Ok(OrderUpdate {
        symbol,
        client_order_id,
        exchange_order_id: e.order_id,
        side,
        execution_type: e.execution_type.clone(),
        status: rest::status(&e.status)?,
        cumulative_qty: qty(e.cumulative_qty, "cumulative qty")?,
        fill,
        reject_reason: e.reject_reason.clone(),
        time,
    })
}
