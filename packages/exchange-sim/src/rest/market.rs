//! Public market data: exchangeInfo, klines, depth, and the price, 24-hour and book tickers.

use std::sync::Arc;

use mirai_core::{Decimal, Symbol};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::params::Params;
use crate::render::{d8, exchange_info_json, kline_row};
use crate::server::{Shared, lock};

fn known_symbol(sim: &Shared, s: &str) -> Result<Symbol, ApiError> {
    let sym = Symbol::new_checked(s).map_err(|_| ApiError::unknown_symbol())?;
    if sim.config.symbols.iter().any(|x| x.rules.symbol == sym) {
        Ok(sym)
    } else {
        Err(ApiError::unknown_symbol())
    }
}

/// `symbol=` (one), `symbols=["A","B"]` (some) or neither (`None`: all), as Binance reads them.
fn wanted_symbols(sim: &Shared, p: &Params) -> Result<Option<Vec<Symbol>>, ApiError> {
    match (p.get("symbol"), p.get("symbols")) {
        (Some(_), Some(_)) => Err(ApiError::bad(-1128, "Combination of optional parameters invalid.")),
        (Some(s), None) => Ok(Some(vec![known_symbol(sim, s)?])),
        (None, Some(list)) => {
            let names: Vec<String> = serde_json::from_str(list)
                .map_err(|_| ApiError::bad(-1130, "Data sent for parameter 'symbols' is not valid."))?;
            Ok(Some(names.iter().map(|n| known_symbol(sim, n)).collect::<Result<_, _>>()?))
        }
        (None, None) => Ok(None),
    }
}

/// How many symbols a request names (`symbols` counted; for weights).
pub(super) fn symbols_named(p: &Params) -> Option<usize> {
    p.get("symbols").map(|list| serde_json::from_str::<Vec<String>>(list).map_or(1, |v| v.len()))
}

/// One object for `symbol=`, an array otherwise.
fn one_or_many(
    sim: &Shared,
    p: &Params,
    one: impl Fn(Symbol) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    match wanted_symbols(sim, p)? {
        Some(list) if p.get("symbol").is_some() => list.into_iter().next().map_or(Ok(Value::Null), &one),
        Some(list) => Ok(Value::Array(list.into_iter().map(&one).collect::<Result<_, _>>()?)),
        None => Ok(Value::Array(
            sim.config.symbols.iter().map(|s| one(s.rules.symbol)).collect::<Result<_, _>>()?,
        )),
    }
}

pub(super) fn exchange_info(sim: &Shared, p: &Params, now: i64) -> Result<Value, ApiError> {
    let wanted = wanted_symbols(sim, p)?;
    let rules = sim
        .config
        .symbols
        .iter()
        .map(|s| &s.rules)
        .filter(|r| wanted.as_ref().is_none_or(|w| w.contains(&r.symbol)));
    Ok(exchange_info_json(now, &sim.limits.rate_limits(), rules))
}

pub(super) fn klines(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let symbol = known_symbol(sim, p.require("symbol")?)?;
    let interval = p.require("interval")?;
    // One interval is generated per simulator; others are refused like an unknown one.
    if interval != sim.config.interval {
        return Err(ApiError::bad(-1120, "Invalid interval."));
    }
    let limit = p.int("limit")?.unwrap_or(500).clamp(1, 1000) as usize;
    let m = lock(&sim.market);
    let bars = m.klines(symbol, p.int("startTime")?, p.int("endTime")?, limit).unwrap_or_default();
    Ok(Value::Array(bars.iter().map(|c| kline_row(c, m.bar_trades(c).2)).collect()))
}

pub(super) fn book_ticker(sim: &Arc<Shared>, p: &Params) -> Result<Value, ApiError> {
    one_or_many(sim, p, |s| {
        let q = lock(&sim.market).quote(s).ok_or_else(ApiError::unknown_symbol)?;
        Ok(json!({
            "symbol": s.as_str(),
            "bidPrice": d8(q.bid.get()),
            "bidQty": d8(q.bid_qty.get()),
            "askPrice": d8(q.ask.get()),
            "askQty": d8(q.ask_qty.get())
        }))
    })
}

/// `GET /api/v3/ticker/price`: the last trade's price.
pub(super) fn ticker_price(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    one_or_many(sim, p, |s| {
        let price = lock(&sim.market).last_price(s).ok_or_else(ApiError::unknown_symbol)?;
        Ok(json!({ "symbol": s.as_str(), "price": d8(price.get()) }))
    })
}

/// `GET /api/v3/ticker/24hr`: the rolling 24 hours of market time, `type=FULL` (the default) or
/// `MINI`.
pub(super) fn ticker_24hr(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let full = match p.get("type") {
        None | Some("FULL") => true,
        Some("MINI") => false,
        Some(_) => return Err(ApiError::bad(-1139, "Invalid ticker type.")),
    };
    one_or_many(sim, p, |s| {
        let d = lock(&sim.market).day_stats(s).ok_or_else(ApiError::unknown_symbol)?;
        let mut v = json!({
            "symbol": s.as_str(),
            "openPrice": d8(d.open),
            "highPrice": d8(d.high),
            "lowPrice": d8(d.low),
            "lastPrice": d8(d.last),
            "volume": d8(d.volume),
            "quoteVolume": d8(d.quote_volume),
            "openTime": d.open_time,
            "closeTime": d.close_time,
            "firstId": d.first_id,
            "lastId": d.last_id,
            "count": d.count
        });
        if full && let Some(o) = v.as_object_mut() {
            let change = d.last - d.open;
            let percent =
                if d.open.is_zero() { Decimal::ZERO } else { change * Decimal::ONE_HUNDRED / d.open };
            let weighted = if d.volume.is_zero() { Decimal::ZERO } else { d.quote_volume / d.volume };
            let q = d.quote;
            for (k, val) in [
                ("priceChange", d8(change)),
                ("priceChangePercent", format!("{:.3}", percent.round_dp(3))),
                ("weightedAvgPrice", d8(weighted)),
                ("prevClosePrice", d8(d.prev_close)),
                ("lastQty", d8(d.last_qty)),
                ("bidPrice", d8(q.bid.get())),
                ("bidQty", d8(q.bid_qty.get())),
                ("askPrice", d8(q.ask.get())),
                ("askQty", d8(q.ask_qty.get())),
            ] {
                o.insert(k.into(), val.into());
            }
        }
        Ok(v)
    })
}

/// The `limit` of `/depth`: 100 unless given, at most 5,000 (more is cut to 5,000, as Binance
/// does).
pub(super) fn depth_limit(p: &Params) -> Result<usize, ApiError> {
    match p.int("limit")? {
        None => Ok(100),
        Some(n) if n < 1 => Err(ApiError::illegal("limit")),
        Some(n) => Ok(n.min(5_000) as usize),
    }
}

/// `GET /api/v3/depth`: the book around the last trade, its best levels those of bookTicker.
pub(super) fn depth(sim: &Shared, p: &Params) -> Result<Value, ApiError> {
    let symbol = known_symbol(sim, p.require("symbol")?)?;
    let limit = depth_limit(p)?;
    let (update_id, levels) = lock(&sim.market).depth(symbol, limit).ok_or_else(ApiError::unknown_symbol)?;
    let side =
        |l: &[(Decimal, Decimal)]| -> Vec<Value> { l.iter().map(|(p, q)| json!([d8(*p), d8(*q)])).collect() };
    Ok(json!({ "lastUpdateId": update_id, "bids": side(&levels.bids), "asks": side(&levels.asks) }))
}
