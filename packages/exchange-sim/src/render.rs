//! Binance's JSON, written from the docs: order responses (ACK, RESULT, FULL, query, cancel),
//! account, trades, klines, exchangeInfo and the market-stream events. Decimals are strings with
//! eight places, as Binance sends them.

use mirai_core::{Candle, Decimal, SymbolRules};
use serde_json::{Value, json};

use crate::exchange::{OrderState, TradeRow};
use crate::market::Tick;

/// `newOrderRespType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RespType {
    Ack,
    Result,
    Full,
}

pub(crate) fn d8(d: Decimal) -> String {
    format!("{:.8}", d.round_dp(8))
}

/// A new-order response of the requested type.
pub(crate) fn order_json(s: &OrderState, resp: RespType, transact_time: i64) -> Value {
    let m = &s.meta;
    let mut v = json!({
        "symbol": m.symbol.as_str(),
        "orderId": m.order_id,
        "orderListId": -1,
        "clientOrderId": m.client_order_id.as_str(),
        "transactTime": transact_time,
    });
    if resp == RespType::Ack {
        return v;
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("price".into(), d8(m.price).into());
        o.insert("origQty".into(), d8(m.orig_qty).into());
        o.insert("executedQty".into(), d8(s.executed).into());
        o.insert("origQuoteOrderQty".into(), d8(m.orig_quote_qty).into());
        o.insert("cummulativeQuoteQty".into(), d8(s.quote_executed).into());
        o.insert("status".into(), s.status.as_str().into());
        o.insert("timeInForce".into(), m.time_in_force.into());
        o.insert("type".into(), m.order_type.into());
        o.insert("side".into(), m.side.as_str().into());
        o.insert("workingTime".into(), m.time.into());
        o.insert("selfTradePreventionMode".into(), "NONE".into());
        if resp == RespType::Full {
            let fills: Vec<Value> = s
                .fills
                .iter()
                .zip(&s.commissions)
                .map(|(f, (commission, asset))| {
                    json!({
                        "price": d8(f.price.get()),
                        "qty": d8(f.qty.get()),
                        "commission": d8(*commission),
                        "commissionAsset": asset,
                        "tradeId": f.trade_id.as_str().rsplit('-').next().and_then(|n| n.parse::<i64>().ok()).unwrap_or(-1),
                    })
                })
                .collect();
            o.insert("fills".into(), fills.into());
        }
    }
    v
}

/// `GET /api/v3/order` and `openOrders` entries.
pub(crate) fn query_json(s: &OrderState) -> Value {
    let m = &s.meta;
    json!({
        "symbol": m.symbol.as_str(),
        "orderId": m.order_id,
        "orderListId": -1,
        "clientOrderId": m.client_order_id.as_str(),
        "price": d8(m.price),
        "origQty": d8(m.orig_qty),
        "executedQty": d8(s.executed),
        "cummulativeQuoteQty": d8(s.quote_executed),
        "status": s.status.as_str(),
        "timeInForce": m.time_in_force,
        "type": m.order_type,
        "side": m.side.as_str(),
        "stopPrice": d8(Decimal::ZERO),
        "icebergQty": d8(Decimal::ZERO),
        "time": m.time,
        "updateTime": m.update_time,
        "isWorking": s.status.is_open(),
        "workingTime": m.time,
        "origQuoteOrderQty": d8(m.orig_quote_qty),
        "selfTradePreventionMode": "NONE"
    })
}

pub(crate) fn trade_json(t: &TradeRow) -> Value {
    json!({
        "symbol": t.symbol.as_str(),
        "id": t.id,
        "orderId": t.order_id,
        "orderListId": -1,
        "price": d8(t.price.get()),
        "qty": d8(t.qty.get()),
        "quoteQty": d8((t.price * t.qty).get()),
        "commission": d8(t.commission),
        "commissionAsset": t.commission_asset,
        "time": t.time,
        "isBuyer": t.is_buyer,
        "isMaker": t.is_maker,
        "isBestMatch": true
    })
}

/// A `/klines` row; `trades`: the bar's number of trades.
pub(crate) fn kline_row(c: &Candle, trades: i64) -> Value {
    let quote_volume = (c.close * c.volume).get();
    json!([
        c.open_time.millis(),
        d8(c.open.get()),
        d8(c.high.get()),
        d8(c.low.get()),
        d8(c.close.get()),
        d8(c.volume.get()),
        c.close_time.millis(),
        d8(quote_volume),
        trades,
        d8(Decimal::ZERO),
        d8(Decimal::ZERO),
        "0"
    ])
}

fn filters_json(r: &SymbolRules) -> Vec<Value> {
    let mut f = Vec::new();
    if let Some(p) = r.price_filter {
        f.push(json!({"filterType": "PRICE_FILTER", "minPrice": d8(p.min_price.get()), "maxPrice": d8(p.max_price.get()), "tickSize": d8(p.tick_size.get())}));
    }
    if let Some(l) = r.lot_size {
        f.push(json!({"filterType": "LOT_SIZE", "minQty": d8(l.min_qty.get()), "maxQty": d8(l.max_qty.get()), "stepSize": d8(l.step_size.get())}));
    }
    if let Some(l) = r.market_lot_size {
        f.push(json!({"filterType": "MARKET_LOT_SIZE", "minQty": d8(l.min_qty.get()), "maxQty": d8(l.max_qty.get()), "stepSize": d8(l.step_size.get())}));
    }
    if let Some(n) = r.notional {
        if n.legacy_min_notional {
            f.push(json!({"filterType": "MIN_NOTIONAL", "minNotional": d8(n.min_notional.get()), "applyToMarket": n.apply_min_to_market, "avgPriceMins": 0}));
        } else {
            f.push(json!({
                "filterType": "NOTIONAL",
                "minNotional": d8(n.min_notional.get()),
                "applyMinToMarket": n.apply_min_to_market,
                "maxNotional": d8(n.max_notional.map_or(Decimal::from(9_000_000), |m| m.get())),
                "applyMaxToMarket": n.apply_max_to_market,
                "avgPriceMins": 0
            }));
        }
    }
    f
}

pub(crate) fn exchange_info_json<'a>(
    server_time: i64,
    limits: &[(&str, &str, u32, u32)],
    rules: impl Iterator<Item = &'a SymbolRules>,
) -> Value {
    let rate_limits: Vec<Value> = limits
        .iter()
        .map(|(kind, interval, num, limit)| json!({"rateLimitType": kind, "interval": interval, "intervalNum": num, "limit": limit}))
        .collect();
    let symbols: Vec<Value> = rules
        .map(|r| {
            json!({
                "symbol": r.symbol.as_str(),
                "status": "TRADING",
                "baseAsset": r.base.as_str(),
                "baseAssetPrecision": 8,
                "quoteAsset": r.quote.as_str(),
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
                "icebergAllowed": false,
                "ocoAllowed": false,
                "otoAllowed": false,
                "quoteOrderQtyMarketAllowed": true,
                "allowTrailingStop": false,
                "cancelReplaceAllowed": false,
                "isSpotTradingAllowed": true,
                "isMarginTradingAllowed": false,
                "filters": filters_json(r),
                "permissions": [],
                "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "NONE",
                "allowedSelfTradePreventionModes": ["NONE"]
            })
        })
        .collect();
    json!({"timezone": "UTC", "serverTime": server_time, "rateLimits": rate_limits, "exchangeFilters": [], "symbols": symbols})
}

/// The stream event for `stream` (`btcusdt@kline_1m`, `@trade`, `@bookTicker`) from a market
/// update, if the stream is about its symbol: the open candle (`"x": false`) or the closed one,
/// the update's trade, the book's best bid and ask after it.
pub(crate) fn stream_event(stream: &str, tick: &Tick, interval: &str) -> Option<Value> {
    let (sym, kind) = stream.split_once('@')?;
    if !sym.eq_ignore_ascii_case(tick.kline.symbol.as_str()) {
        return None;
    }
    let c = &tick.kline;
    let t = &tick.trade;
    let s = c.symbol.as_str();
    match kind {
        k if k.strip_prefix("kline_") == Some(interval) => Some(json!({
            "e": "kline",
            "E": tick.event_time,
            "s": s,
            "k": {
                "t": c.open_time.millis(),
                "T": c.close_time.millis(),
                "s": s,
                "i": interval,
                "f": tick.first_trade_id,
                "L": t.id,
                "o": d8(c.open.get()),
                "c": d8(c.close.get()),
                "h": d8(c.high.get()),
                "l": d8(c.low.get()),
                "v": d8(c.volume.get()),
                "n": t.id - tick.first_trade_id + 1,
                "x": c.closed,
                "q": d8((c.close * c.volume).get()),
                "V": d8(Decimal::ZERO),
                "Q": d8(Decimal::ZERO),
                "B": "0"
            }
        })),
        "trade" => Some(json!({
            "e": "trade",
            "E": tick.event_time,
            "s": s,
            "t": t.id,
            "p": d8(t.price.get()),
            "q": d8(t.qty.get()),
            "T": tick.event_time,
            "m": t.buyer_maker,
            "M": true
        })),
        "bookTicker" => Some(json!({
            "u": tick.update_id,
            "s": s,
            "b": d8(tick.quote.bid.get()),
            "B": d8(tick.quote.bid_qty.get()),
            "a": d8(tick.quote.ask.get()),
            "A": d8(tick.quote.ask_qty.get())
        })),
        _ => None,
    }
}
