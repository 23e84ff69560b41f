//! Property-based fuzzing of every Binance payload parser: the docs' recorded payloads (tests/data)
//! with one value anywhere in them replaced by something hostile (a huge or negative number, a
//! number as text, an empty or non-ASCII string, null, a nested structure), and arbitrary text,
//! through the REST models and their conversions, the market-stream and WebSocket-API decoders
//! and the error reader. Whatever comes in, they answer with a value or a typed error: never a
//! panic (an overflow, an index out of range, an `unwrap`), and never an execution report with a
//! negative quantity or price.
//!
//! proptest's `PROPTEST_CASES` sets the cases per property (256 by default; the long form,
//! `scripts/faults.sh`, runs 1,000,000).

use mirai_binance::http::error::from_status;
use mirai_binance::http::models::{Account, BookTicker, ExchangeInfo, KlineRow, MyTrade, Order};
use mirai_binance::http::parse;
use mirai_binance::websocket::messages::{
    ExecutionReportEvent, MarketMessage, WsApiMessage, decode_market, decode_ws_api,
};
use mirai_binance::websocket::parse as ws_parse;
use mirai_core::{Asset, ClientOrderId, Decimal, ExecutionReport, Symbol, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Runs `test` on as many values of `strategy` as `PROPTEST_CASES` says; a failure is reported
/// with its shrunk input.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let config = Config { failure_persistence: None, ..Config::default() };
    let cases = config.cases;
    let started = std::time::Instant::now();
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{name}: {e}");
    }
    println!("FUZZ binance {name}: {cases} cases in {:.0} s", started.elapsed().as_secs_f64());
}

const REST: [&str; 12] = [
    "exchange_info.json",
    "klines.json",
    "book_ticker.json",
    "account.json",
    "my_trades.json",
    "order_ack.json",
    "order_full.json",
    "order_result.json",
    "query_order.json",
    "cancel_order.json",
    "error.json",
    "ws_api_error.json",
];

const STREAMS: [&str; 7] = [
    "ws_kline.json",
    "ws_trade.json",
    "ws_book_ticker.json",
    "execution_report.json",
    "execution_report_trade.json",
    "user_data_event.json",
    "ws_api_order_place.json",
];

fn payload(name: &str) -> Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Values Binance never sends where they land, and a few it does.
fn hostile() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        prop_oneof![
            Just("".to_owned()),
            Just("-1".to_owned()),
            Just("0".to_owned()),
            Just("1e400".to_owned()),
            Just("NaN".to_owned()),
            Just("79228162514264337593543950336".to_owned()),
            Just("0.0000000000000000000000000001".to_owned()),
            Just("-0.00000001".to_owned()),
            "[0-9]{1,40}(\\.[0-9]{0,40})?",
            "-?[0-9]{0,3}\\.?[0-9]{0,3}[eE]?[-+]?[0-9]{0,4}",
            "[A-Z]{0,12}",
            "\\PC{0,24}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every place in `v` (the root, each member, each element), depth first.
fn places(v: &Value, at: &mut Vec<Vec<Step>>, path: &mut Vec<Step>) {
    at.push(path.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(Step::Key(k.clone()));
                places(child, at, path);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(Step::Index(i));
                places(child, at, path);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// `v` with the `which`-th place (modulo their number) replaced by `with`, or removed when
/// `remove` (a missing field) and it is a member.
fn mutate(mut v: Value, which: usize, with: Value, remove: bool) -> Value {
    let mut all = Vec::new();
    places(&v, &mut all, &mut Vec::new());
    let path = &all[which % all.len()];
    let Some((last, parent)) = path.split_last() else { return with };
    let mut node = &mut v;
    for step in parent {
        node = match step {
            Step::Key(k) => &mut node[k.as_str()],
            Step::Index(i) => &mut node[*i],
        };
    }
    match (last, node) {
        (Step::Key(k), Value::Object(m)) if remove => {
            m.remove(k);
        }
        (Step::Key(k), n) => n[k.as_str()] = with,
        (Step::Index(i), n) => n[*i] = with,
    }
    v
}

fn pair() -> (Asset, Asset) {
    (Asset::new("BTC"), Asset::new("USDT"))
}

/// What every accepted execution report must satisfy, whatever it was parsed from.
fn check_report(r: &ExecutionReport) -> Result<(), TestCaseError> {
    prop_assert!(r.filled_qty.get() >= Decimal::ZERO, "negative filled quantity accepted: {r:?}");
    for f in &r.fills {
        prop_assert!(f.qty.get() >= Decimal::ZERO && f.price.get() >= Decimal::ZERO, "negative fill: {f:?}");
    }
    Ok(())
}

/// Decodes `text` as the REST payload `name` is, and converts it as the client does.
fn rest(name: &str, text: &str) -> Result<(), TestCaseError> {
    match name {
        "exchange_info.json" => {
            if let Ok(info) = serde_json::from_str::<ExchangeInfo>(text) {
                for s in &info.symbols {
                    let _ = parse::symbol_rules(s);
                }
            }
        }
        "klines.json" => {
            if let Ok(rows) = serde_json::from_str::<Vec<KlineRow>>(text) {
                // Only totality is promised here: a bar whose fields disagree with each other
                // (closing before it opens, a high under its low) is accepted as sent.
                for row in &rows {
                    let _ = parse::candle(Symbol::new("BNBBTC"), row, 1_600_000_000_000);
                }
            }
        }
        "book_ticker.json" => {
            if let Ok(bt) = serde_json::from_str::<BookTicker>(text) {
                let _ = parse::quote(&bt, Timestamp::from_millis(1));
            }
        }
        "account.json" => {
            if let Ok(a) = serde_json::from_str::<Account>(text) {
                let _ = parse::balances(&a);
            }
        }
        "my_trades.json" => {
            if let Ok(trades) = serde_json::from_str::<Vec<MyTrade>>(text) {
                let id =
                    ClientOrderId::new_checked("fuzz").map_err(|e| TestCaseError::fail(e.to_string()))?;
                for t in &trades {
                    let _ = parse::trade_fill(t, &id, pair());
                }
            }
        }
        "error.json" | "ws_api_error.json" => {
            let _ = from_status(400, text.as_bytes(), 0).to_string();
        }
        _ => {
            if let Ok(o) = serde_json::from_str::<Order>(text)
                && let Ok(r) = parse::execution_report(&o, pair())
            {
                check_report(&r)?;
            }
        }
    }
    Ok(())
}

/// Decodes `text` as a market-stream or WebSocket-API frame, and converts what it holds.
fn frame(text: &str) -> Result<(), TestCaseError> {
    match decode_market(text) {
        Ok(MarketMessage::Kline(k)) => {
            let _ = ws_parse::candle(&k);
        }
        Ok(MarketMessage::Trade(t)) => {
            let _ = ws_parse::trade(&t);
        }
        Ok(MarketMessage::BookTicker(b)) => {
            let _ = ws_parse::quote(&b, Timestamp::from_millis(1));
        }
        Ok(MarketMessage::CommandResult | MarketMessage::Other(_)) | Err(_) => {}
    }
    if let Ok(e) = serde_json::from_str::<ExecutionReportEvent>(text) {
        let _ = ws_parse::order_update(&e, pair());
    }
    match decode_ws_api(text) {
        Ok(WsApiMessage::Event(env)) => {
            if let Ok(e) = serde_json::from_value::<ExecutionReportEvent>(env.event) {
                let _ = ws_parse::order_update(&e, pair());
            }
        }
        Ok(WsApiMessage::Response(r)) => {
            if let Some(o) = r.result.and_then(|v| serde_json::from_value::<Order>(v).ok())
                && let Ok(report) = parse::execution_report(&o, pair())
            {
                check_report(&report)?;
            }
        }
        Err(_) => {}
    }
    Ok(())
}

#[test]
fn rest_payloads_with_a_hostile_value_anywhere_never_break_the_parsers() {
    let payloads: Vec<(&str, Value)> = REST.iter().map(|n| (*n, payload(n))).collect();
    let strategy = (0..payloads.len(), any::<usize>(), hostile(), prop::bool::weighted(0.2));
    fuzz("rest payloads", strategy, |(file, which, with, remove)| {
        let (name, v) = &payloads[file];
        rest(name, &mutate(v.clone(), which, with, remove).to_string())
    });
}

#[test]
fn stream_frames_with_a_hostile_value_anywhere_never_break_the_decoders() {
    let payloads: Vec<Value> = STREAMS.iter().map(|n| payload(n)).collect();
    let combined = |v: Value| json!({ "stream": "btcusdt@kline_1m", "data": v });
    let strategy = (0..payloads.len(), any::<usize>(), hostile(), prop::bool::weighted(0.2), any::<bool>());
    fuzz("stream frames", strategy, |(file, which, with, remove, wrap)| {
        let v = mutate(payloads[file].clone(), which, with, remove);
        frame(&if wrap { combined(v) } else { v }.to_string())
    });
}

#[test]
fn arbitrary_text_never_breaks_any_parser() {
    let strategy = (
        prop_oneof![
            "\\PC{0,200}",
            "[\\[\\]{}\":,0-9a-zA-Z .eE+-]{0,200}",
            prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ],
        any::<u16>(),
    );
    fuzz("arbitrary text", strategy, |(text, status)| {
        for name in REST {
            rest(name, &text)?;
        }
        frame(&text)?;
        let _ = from_status(status, text.as_bytes(), 0).to_string();
        Ok(())
    });
}
