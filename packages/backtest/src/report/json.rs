//! The JSON a `--json` run prints: every statistic at the top level (`trades`, `open_trades`,
//! `final_equity`, `return_pct`, `max_drawdown_pct`, `sharpe`, …), then the setup, the counts
//! and the trade lists; with a model, its `model` section. Money is written as decimal strings, exactly; ratios as numbers, and
//! `null` where a ratio is undefined.

use serde_json::{Map, Value, json};

use crate::BacktestReport;

pub fn report_json(r: &BacktestReport) -> Value {
    let mut out = match serde_json::to_value(&r.stats) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    out.insert("config".into(), json!(r.config));
    out.insert("counts".into(), json!(r.counts));
    out.insert("trade_list".into(), json!(r.trade_list));
    out.insert("open_trade_list".into(), json!(r.open_trade_list));
    if let Some(model) = &r.model {
        out.insert("model".into(), json!(model));
    }
    Value::Object(out)
}
