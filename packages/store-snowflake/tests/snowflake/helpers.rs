//! Fixtures: a store in a fresh fakesnow database, and small constructors for records.

use std::sync::atomic::{AtomicU32, Ordering};

use mirai_core::{
    Action, Amount, AnalyticsRecord, Citation, ClientOrderId, Confidence, Decision, DecisionId, Fill,
    OrderKind, OrderRecord, OrderRequest, OrderStatus, PnlPoint, Price, Qty, Side, Symbol, Timestamp,
    TradeId,
};
use mirai_store_snowflake::{SnowflakeSettings, SnowflakeStore, fakesnow_compat};
use mirai_testkit::{Kind, shared};

pub fn fakesnow_url() -> String {
    shared(Kind::Fakesnow).unwrap_or_else(|e| panic!("fakesnow: {e}")).url()
}

/// Settings for a database no other test uses.
pub fn fresh_settings(name: &str) -> SnowflakeSettings {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let db = format!("T{}_{}_{n}", std::process::id(), name.to_ascii_uppercase());
    fakesnow_compat::settings(&fakesnow_url(), &db)
}

pub async fn fresh_store(name: &str) -> SnowflakeStore {
    fakesnow_compat::connect(fresh_settings(name)).await.unwrap_or_else(|e| panic!("connect: {e}"))
}

/// The one cell of a one-row, one-column answer.
pub async fn scalar(store: &SnowflakeStore, sql: &'static str) -> String {
    let rows = store.query_static(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_else(|| panic!("{sql}: no value"))
}

pub fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

pub fn dec(s: &str) -> mirai_core::Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub fn fill(symbol: &str, trade: &str, side: Side, qty: &str, price: &str, fee: &str, at: i64) -> Fill {
    Fill {
        trade_id: TradeId::new(trade),
        client_order_id: ClientOrderId::new_checked(&format!("c-{trade}")).unwrap_or_else(|e| panic!("{e}")),
        symbol: Symbol::new(symbol),
        side,
        qty: Qty::new(dec(qty)),
        price: Price::new(dec(price)),
        fee: Amount::new(dec(fee)),
        ts: ts(at),
    }
}

pub fn decision(id_ms: i64, rationale: &str) -> Decision {
    let symbol = Symbol::new("BTCUSDT");
    Decision {
        id: DecisionId::new("sma-cross", symbol, ts(id_ms)),
        ts: ts(id_ms),
        symbol,
        strategy: "sma-cross".into(),
        action: Action::Buy,
        size_fraction: dec("0.1"),
        price: Price::new(dec("62000.12345678")),
        stop_loss: Some(Price::new(dec("60000"))),
        take_profit: None,
        confidence: Confidence::new_checked(dec("0.8125")).unwrap_or_else(|e| panic!("{e}")),
        rationale: rationale.into(),
        citations: vec![Citation::titled("SMA(5) crossed SMA(20)", None)],
        advisor: mirai_core::AdviceSource::Rules,
    }
}

pub fn order(cid: &str, status: OrderStatus, filled: &str, updated_ms: i64) -> OrderRecord {
    OrderRecord {
        request: OrderRequest {
            client_order_id: ClientOrderId::new_checked(cid).unwrap_or_else(|e| panic!("{e}")),
            decision_id: DecisionId::from_stored("sma-cross:BTCUSDT:1".into()),
            symbol: Symbol::new("BTCUSDT"),
            side: Side::Buy,
            kind: OrderKind::Market,
            qty: Qty::new(dec("0.015")),
            reference_price: Price::new(dec("62000.1")),
            created_at: ts(1_000),
        },
        status,
        exchange_order_id: (status != OrderStatus::New).then_some(77),
        filled_qty: Qty::new(dec(filled)),
        updated_at: ts(updated_ms),
    }
}

pub fn pnl(at: i64, equity: &str, realised: &str) -> PnlPoint {
    PnlPoint {
        ts: ts(at),
        equity: Amount::new(dec(equity)),
        cash: Amount::new(dec("9000")),
        realised: Amount::new(dec(realised)),
        unrealised: Amount::new(dec("-1.5")),
    }
}

pub fn fills(records: &[Fill]) -> Vec<AnalyticsRecord> {
    records.iter().cloned().map(|f| AnalyticsRecord::Fill(f.into())).collect()
}
