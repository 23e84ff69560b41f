//! Account and trading endpoints, shared by REST and the WebSocket API: account, new order (with
//! injected faults), test order, query, cancel, open orders, trades.

use std::sync::Arc;

use axum::http::StatusCode;
use mirai_core::Decimal;
use serde_json::{Value, json};

use super::Reply;
use crate::error::ApiError;
use crate::faults::{FaultEffect, FaultPoint, OrderFault};
use crate::params::Params;
use crate::render::{d8, order_json, query_json, trade_json};
use crate::server::{Shared, lock, now_ms};

pub(crate) fn account(sim: &Shared, p: &Params, now: i64) -> Result<Value, ApiError> {
    let omit_zero = p.get("omitZeroBalances") == Some("true");
    let balances: Vec<Value> = lock(&sim.exchange)
        .balances()
        .into_iter()
        .filter(|b| !omit_zero || !(b.free + b.locked).is_zero())
        .map(|b| json!({ "asset": b.asset.as_str(), "free": d8(b.free), "locked": d8(b.locked) }))
        .collect();
    let fee = sim.config.fee_rate;
    let bps = (fee * Decimal::from(10_000)).round().to_string().parse::<i64>().unwrap_or(10);
    Ok(json!({
        "makerCommission": bps,
        "takerCommission": bps,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": { "maker": d8(fee), "taker": d8(fee), "buyer": d8(Decimal::ZERO), "seller": d8(Decimal::ZERO) },
        "canTrade": true,
        "canWithdraw": sim.config.can_withdraw,
        "canDeposit": false,
        "brokered": false,
        "requireSelfTradePrevention": false,
        "preventSor": false,
        "updateTime": now,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": 1
    }))
}

fn fault_error(effect: FaultEffect) -> Option<ApiError> {
    match effect {
        FaultEffect::Status(status) => Some(ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            -1006,
            "An unexpected response was received from the message bus. Execution status unknown.",
        )),
        FaultEffect::Code { code, status } => Some(ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            if code == -1007 {
                "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
            } else {
                "An unexpected response was received from the message bus. Execution status unknown."
            },
        )),
        FaultEffect::Delay(_) => None,
    }
}

async fn delay_of(effect: FaultEffect) {
    if let FaultEffect::Delay(d) = effect {
        tokio::time::sleep(d).await;
    }
}

/// `POST /api/v3/order` / `order.place`. A queued fault strikes before or after the order
/// reaches the matching engine.
pub(crate) async fn new_order(sim: &Arc<Shared>, p: &Params, now: i64) -> Result<Reply, ApiError> {
    let fault: Option<OrderFault> = lock(&sim.faults).pop_front();
    if let Some(f) = fault.filter(|f| f.point == FaultPoint::BeforeAccept) {
        if let Some(e) = fault_error(f.effect) {
            return Err(e);
        }
        delay_of(f.effect).await;
    }
    let counts = sim.limits.charge_order(now)?;
    let (quote, market_now) = {
        let m = lock(&sim.market);
        let symbol = lock(&sim.exchange).symbol(p)?;
        // Orders rest from just after the last market update, so the next one can fill them.
        (m.quote(symbol), m.order_time())
    };
    let wall = now_ms();
    let (body, events) = {
        let mut ex = lock(&sim.exchange);
        let result = ex.new_order(p, quote, market_now, wall);
        let events = std::mem::take(&mut ex.outbox);
        let body = result.and_then(|(n, resp)| {
            ex.state(n)
                .map(|s| order_json(&s, resp, wall))
                .ok_or_else(|| ApiError::bad(-2013, "Order does not exist."))
        });
        (body, events)
    };
    sim.publish(events);
    let body = body?;
    if let Some(f) = fault.filter(|f| f.point == FaultPoint::AfterAccept) {
        if let Some(e) = fault_error(f.effect) {
            return Err(e);
        }
        delay_of(f.effect).await;
    }
    Ok(Reply { body, orders: Some(counts) })
}

pub(crate) fn test_order(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let (quote, last) = {
        let m = lock(&sim.market);
        let symbol = lock(&sim.exchange).symbol(p)?;
        (m.quote(symbol), m.last_price(symbol))
    };
    lock(&sim.exchange).test_order(p, quote, last)
}

pub(crate) fn query_order(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let ex = lock(&sim.exchange);
    let symbol = ex.symbol(p)?;
    let missing = || ApiError::bad(-2013, "Order does not exist.");
    let n = ex.find(symbol, p)?.ok_or_else(missing)?;
    ex.state(n).map(|s| query_json(&s)).ok_or_else(missing)
}

pub(crate) fn cancel_order(sim: &Shared, p: &Params, now: i64) -> Result<Value, ApiError> {
    let (body, events) = {
        let mut ex = lock(&sim.exchange);
        let body = ex.cancel(p, now);
        (body, std::mem::take(&mut ex.outbox))
    };
    sim.publish(events);
    body
}

pub(crate) fn open_orders(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let ex = lock(&sim.exchange);
    let symbol = p.get("symbol").map(|_| ex.symbol(p)).transpose()?;
    Ok(Value::Array(ex.open_orders(symbol).iter().map(query_json).collect()))
}

pub(crate) fn my_trades(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let ex = lock(&sim.exchange);
    let symbol = ex.symbol(p)?;
    let order_id = p.int("orderId")?.and_then(|n| u64::try_from(n).ok());
    let limit = p.int("limit")?.unwrap_or(500).clamp(1, 1000) as usize;
    let rows = ex.trades(symbol, order_id, p.int("fromId")?, limit);
    Ok(Value::Array(rows.into_iter().map(trade_json).collect()))
}
