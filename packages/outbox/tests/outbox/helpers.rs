//! Fixtures: a local store with the outbox on, a "trader" that writes the way the worker's
//! trading task does, an in-memory sink whose failures the test controls, and fakesnow.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use mirai_core::{
    Action, Amount, AnalyticsRecord, ClientOrderId, Confidence, Decision, DecisionId, Fill, OrderKind,
    OrderRequest, OrderStatus, Position, Price, Qty, Side, Symbol, Timestamp, TradeId,
};
use mirai_outbox::{OutboxTopic, Sink, SinkError};
use mirai_store_local::{LocalStore, PnlSnapshot};
use rust_decimal::Decimal;

pub fn store_with_outbox(topics: &[OutboxTopic]) -> Arc<LocalStore> {
    let store = LocalStore::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
    store.enable_outbox(topics).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(store)
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Writes one round trip the way `apps/worker/src/trader.rs` does: a decision with its audit
/// entry, an order, its fill with the position, the order's final state, a P&L snapshot, and
/// every few steps a risk refusal. `i` makes everything unique. Returns the records written.
pub fn trade(store: &LocalStore, i: i64) -> usize {
    let symbol = Symbol::new(if i % 2 == 0 { "BTCUSDT" } else { "ETHUSDT" });
    let ts = Timestamp::from_millis(1_700_000_000_000 + i * 60_000);
    let decision = Decision {
        id: DecisionId::new("sma-cross", symbol, ts),
        ts,
        symbol,
        strategy: "sma-cross".into(),
        action: Action::Buy,
        size_fraction: d("0.1"),
        price: Price::new(d("62000.12345678")),
        stop_loss: None,
        take_profit: None,
        confidence: Confidence::new_checked(d("0.8")).unwrap_or(Confidence::ONE),
        rationale: format!("fast SMA crossed above slow SMA on bar {i}; it's a 'buy' at $62k"),
        citations: vec![],
        advisor: mirai_core::AdviceSource::Rules,
    };
    ok(store.insert_decision(&decision));
    ok(store.append_audit(ts, "decision", "engine", &serde_json::json!({ "id": decision.id })));
    let order = OrderRequest {
        client_order_id: ClientOrderId::for_decision(&decision.id, Side::Buy),
        decision_id: decision.id.clone(),
        symbol,
        side: Side::Buy,
        kind: OrderKind::Market,
        qty: Qty::new(d("0.00123456")),
        reference_price: decision.price,
        created_at: ts,
    };
    ok(store.insert_order(&order, OrderStatus::New));
    let fill = Fill {
        trade_id: TradeId::new(format!("paper-{i}")),
        client_order_id: order.client_order_id.clone(),
        symbol,
        side: Side::Buy,
        qty: order.qty,
        price: Price::new(d("62001.00000001")),
        fee: Amount::new(d("0.07654")),
        ts,
    };
    let mut position = Position::flat(symbol);
    position.apply(&fill).unwrap_or_else(|e| panic!("{e}"));
    ok(store.record_fill(&fill, &position));
    ok(store.update_order(&order.client_order_id, OrderStatus::Filled, Some(i as u64 + 1), order.qty, ts));
    ok(store.insert_pnl_snapshot(&PnlSnapshot {
        ts,
        equity: Amount::new(d("10000.123456789012345678")),
        cash: Amount::new(d("9923.4")),
        realised: Amount::new(d("-0.07654")),
        unrealised: Amount::new(d("0.000001234")),
    }));
    let mut n = 6;
    if i % 3 == 0 {
        ok(store.insert_risk_event(
            ts,
            Some(&decision.id),
            symbol,
            "cooldown",
            "cooling down after 3 losses",
        ));
        n += 1;
    }
    n
}

fn ok<T>(r: Result<T, mirai_store_local::StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// What an in-memory sink does with the next delivery.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Accept,
    /// Answer "unavailable" this many more times, then accept.
    Unavailable(u32),
    /// Refuse any batch holding a fill with this trade id (as Snowflake refuses a statement).
    RefuseTrade(String),
    /// Refuse everything (a destination that is broken, not the data).
    RefuseAll,
    /// Never answer (a destination that hangs).
    Hang,
}

/// Clones share one state, so the test keeps a handle on what the shipper's copy receives.
#[derive(Clone, Debug)]
pub struct MemorySink {
    pub topic: OutboxTopic,
    pub delivered: Arc<Mutex<Vec<AnalyticsRecord>>>,
    pub behaviour: Arc<Mutex<Behaviour>>,
    pub calls: Arc<AtomicU32>,
}

impl MemorySink {
    pub fn new(topic: OutboxTopic) -> Self {
        Self {
            topic,
            delivered: Arc::default(),
            behaviour: Arc::new(Mutex::new(Behaviour::Accept)),
            calls: Arc::default(),
        }
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn set(&self, b: Behaviour) {
        *self.behaviour.lock().unwrap_or_else(|p| p.into_inner()) = b;
    }

    pub fn delivered(&self) -> Vec<AnalyticsRecord> {
        self.delivered.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Sink for MemorySink {
    fn topic(&self) -> OutboxTopic {
        self.topic
    }

    fn name(&self) -> &str {
        "memory"
    }

    async fn ship(&self, records: &[AnalyticsRecord]) -> Result<(), SinkError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if matches!(*self.behaviour.lock().unwrap_or_else(|p| p.into_inner()), Behaviour::Hang) {
            return std::future::pending().await;
        }
        let mut b = self.behaviour.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *b {
            Behaviour::Hang => {}
            Behaviour::Accept => {}
            Behaviour::Unavailable(0) => *b = Behaviour::Accept,
            Behaviour::Unavailable(n) => {
                *n -= 1;
                return Err(SinkError::retryable("connection refused"));
            }
            Behaviour::RefuseTrade(id) => {
                if records
                    .iter()
                    .any(|r| matches!(r, AnalyticsRecord::Fill(f) if f.fill.trade_id.as_str() == id))
                {
                    return Err(SinkError::refused(format!("bad value in trade {id}")));
                }
            }
            Behaviour::RefuseAll => return Err(SinkError::refused("permission denied on table FILLS")),
        }
        self.delivered.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(records);
        Ok(())
    }
}

pub fn fakesnow_url() -> String {
    mirai_testkit::shared(mirai_testkit::Kind::Fakesnow).unwrap_or_else(|e| panic!("fakesnow: {e}")).url()
}

pub fn fresh_db(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("O{}_{}_{}", std::process::id(), name.to_ascii_uppercase(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The one cell of a one-row, one-column answer.
pub async fn scalar(store: &mirai_store_snowflake::SnowflakeStore, sql: &'static str) -> String {
    let rows = store.query_static(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_else(|| panic!("{sql}: no value"))
}
