//! Public market data: exchangeInfo, klines and bookTicker.

use std::sync::Arc;

use mirai_core::Symbol;
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

pub(super) fn exchange_info(sim: &Shared, p: &Params, now: i64) -> Result<Value, ApiError> {
    let mut wanted: Option<Vec<Symbol>> = None;
    if let Some(s) = p.get("symbol") {
        wanted = Some(vec![known_symbol(sim, s)?]);
    } else if let Some(list) = p.get("symbols") {
        let names: Vec<String> = serde_json::from_str(list)
            .map_err(|_| ApiError::bad(-1130, "Data sent for parameter 'symbols' is not valid."))?;
        wanted = Some(names.iter().map(|n| known_symbol(sim, n)).collect::<Result<_, _>>()?);
    }
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
    let bars =
        lock(&sim.market).klines(symbol, p.int("startTime")?, p.int("endTime")?, limit).unwrap_or_default();
    Ok(Value::Array(bars.iter().map(kline_row).collect()))
}

pub(super) fn book_ticker(sim: &Arc<Shared>, p: &Params) -> Result<Value, ApiError> {
    let one = |s: Symbol| -> Value {
        let q = lock(&sim.market).quote(s);
        q.map_or(Value::Null, |q| {
            json!({
                "symbol": s.as_str(),
                "bidPrice": d8(q.bid.get()),
                "bidQty": d8(q.bid_qty.get()),
                "askPrice": d8(q.ask.get()),
                "askQty": d8(q.ask_qty.get())
            })
        })
    };
    match p.get("symbol") {
        Some(s) => Ok(one(known_symbol(sim, s)?)),
        None => Ok(Value::Array(sim.config.symbols.iter().map(|s| one(s.rules.symbol)).collect())),
    }
}
