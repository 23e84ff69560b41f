//! Domain fixtures for tests, here and in other crates (the `stubs` feature, which only
//! dev-dependencies enable): one copy of each instead of one per test suite.

use rust_decimal::Decimal;

use crate::{
    Action, AdviceSource, Amount, Asset, Candle, ClientOrderId, Confidence, Decision, DecisionId, Fill,
    LotSize, NotionalFilter, Price, PriceFilter, Qty, Side, Symbol, SymbolRules, Timestamp, TradeId,
};

/// BTCUSDT's filters as Binance publishes them: tick 0.01, step 0.00001, market lots up to 100,
/// notional 5 to 9,000,000.
pub fn btcusdt_rules() -> SymbolRules {
    SymbolRules {
        symbol: Symbol::new("BTCUSDT"),
        base: Asset::new("BTC"),
        quote: Asset::new("USDT"),
        price_filter: Some(PriceFilter {
            min_price: Price::new(Decimal::new(1, 2)),
            max_price: Price::new(Decimal::from(1_000_000)),
            tick_size: Price::new(Decimal::new(1, 2)),
        }),
        lot_size: Some(LotSize {
            min_qty: Qty::new(Decimal::new(1, 5)),
            max_qty: Qty::new(Decimal::from(9_000)),
            step_size: Qty::new(Decimal::new(1, 5)),
        }),
        market_lot_size: Some(LotSize {
            min_qty: Qty::ZERO,
            max_qty: Qty::new(Decimal::from(100)),
            step_size: Qty::ZERO,
        }),
        notional: Some(NotionalFilter {
            min_notional: Price::new(Decimal::from(5)),
            apply_min_to_market: true,
            max_notional: Some(Price::new(Decimal::from(9_000_000))),
            apply_max_to_market: false,
            legacy_min_notional: false,
        }),
    }
}

/// A fill of order `c` (trade `t`) in `symbol` at time `ts`.
pub fn fill(symbol: &str, side: Side, qty: Decimal, price: Decimal, fee: Decimal, ts: i64) -> Fill {
    Fill {
        trade_id: TradeId::new("t"),
        client_order_id: ClientOrderId::new_checked("c").expect("a valid client order id"),
        symbol: Symbol::new(symbol),
        side,
        qty: Qty::new(qty),
        price: Price::new(price),
        fee: Amount::new(fee),
        ts: Timestamp::from_millis(ts),
    }
}

/// A closed one-minute BTCUSDT bar number `i` (from the epoch) with every price at `close` and a
/// volume of 1.
pub fn flat_minute_bar(i: i64, close: Decimal) -> Candle {
    Candle {
        symbol: Symbol::new("BTCUSDT"),
        open_time: Timestamp::from_millis(i * 60_000),
        close_time: Timestamp::from_millis(i * 60_000 + 59_999),
        open: Price::new(close),
        high: Price::new(close),
        low: Price::new(close),
        close: Price::new(close),
        volume: Qty::new(Decimal::ONE),
        closed: true,
    }
}

/// A decision of strategy `sma` to buy a tenth of equity's worth of BTCUSDT at 100, taken at
/// `ms`, with full confidence and no stops or citations; tests change what they need with
/// `Decision { action: …, ..decision(ms) }`.
pub fn decision(ms: i64) -> Decision {
    let symbol = Symbol::new("BTCUSDT");
    let ts = Timestamp::from_millis(ms);
    Decision {
        id: DecisionId::new("sma", symbol, ts),
        ts,
        symbol,
        strategy: "sma".into(),
        action: Action::Buy,
        size_fraction: Decimal::new(1, 1),
        price: Price::new(Decimal::ONE_HUNDRED),
        stop_loss: None,
        take_profit: None,
        confidence: Confidence::ONE,
        rationale: "because".into(),
        citations: Vec::new(),
        advisor: AdviceSource::Rules,
    }
}
