//! Fixtures shared by the tests: a self-deleting directory, a raw connection for tampering, and
//! small constructors for domain values.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use mirai_core::{
    Action, Amount, Citation, ClientOrderId, Confidence, Decision, DecisionId, Fill, OrderKind, OrderRequest,
    Position, Price, Qty, Side, Symbol, Timestamp, TradeId,
};
use mirai_store_local::DB_FILE;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fresh directory under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("mirai-store-local-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A connection to the store's file that bypasses the store, for inspection and tampering.
    pub fn raw(&self) -> rusqlite::Result<rusqlite::Connection> {
        rusqlite::Connection::open(self.0.join(DB_FILE))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s)
}

pub fn price(s: &str) -> Price {
    Price::parse(s).expect("valid test price")
}

pub fn qty(s: &str) -> Qty {
    Qty::parse(s).expect("valid test qty")
}

pub fn amount(s: &str) -> Amount {
    Amount::parse(s).expect("valid test amount")
}

pub fn cid(s: &str) -> ClientOrderId {
    ClientOrderId::new_checked(s).expect("valid test client order id")
}

pub fn decision(at: i64) -> Decision {
    Decision {
        id: DecisionId::new("sma", sym("BTCUSDT"), ts(at)),
        ts: ts(at),
        symbol: sym("BTCUSDT"),
        strategy: "sma".into(),
        action: Action::Buy,
        size_fraction: rust_decimal_macros::dec!(0.25),
        price: price("62000.10000000"),
        stop_loss: Some(price("60000")),
        take_profit: None,
        confidence: Confidence::parse("0.75").expect("valid confidence"),
        rationale: "SMA(10) crossed above SMA(20); \"quotes\" and ünïcode survive".to_owned(),
        citations: vec![
            Citation {
                title: "ETF inflows".to_owned(),
                url: Some("https://example.com/a?b=1&c=2".to_owned()),
                news_id: Some("polygon:abc-1".to_owned()),
                published_at: Some(ts(at - 60_000)),
                content_hash: Some("9f".repeat(32)),
            },
            Citation::titled("RSI 41", None),
        ],
        advisor: mirai_core::AdviceSource::fallback(
            "gpt-4o-mini".into(),
            "citation n-9 was not retrieved".into(),
            Some("0f".repeat(32)),
            Some(mirai_core::CallUsage {
                tokens_in: 912,
                tokens_out: 71,
                cost_usd: rust_decimal_macros::dec!(0.0001794),
                latency_ms: 1_240,
            }),
        ),
    }
}

pub fn order(id: &str, at: i64) -> OrderRequest {
    OrderRequest {
        client_order_id: cid(id),
        decision_id: DecisionId::new("sma", sym("BTCUSDT"), ts(at)),
        symbol: sym("BTCUSDT"),
        side: Side::Buy,
        kind: OrderKind::Market,
        qty: qty("0.00100000"),
        reference_price: price("62000.1"),
        created_at: ts(at),
    }
}

pub fn fill(trade: &str, symbol: &str, side: Side, q: &str, p: &str, at: i64) -> Fill {
    Fill {
        trade_id: TradeId::new(trade),
        client_order_id: cid("mi-0000000000000001-b"),
        symbol: sym(symbol),
        side,
        qty: qty(q),
        price: price(p),
        fee: amount("0.01"),
        ts: ts(at),
    }
}

/// The position after applying `f` to `before` (flat if `None`), as the worker computes it.
pub fn after(before: Option<Position>, f: &Fill) -> Position {
    let mut p = before.unwrap_or_else(|| Position::flat(f.symbol));
    p.apply(f).expect("test fill applies");
    p
}
