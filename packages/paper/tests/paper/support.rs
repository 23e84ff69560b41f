//! Fixtures: Binance-like BTCUSDT rules, an account, order and market-event builders.

use mirai_core::{
    Asset, Candle, ClientOrderId, Decimal, DecisionId, MarketEvent, NotionalFilter, OrderKind, OrderRequest,
    Price, Qty, Quote, Side, Symbol, SymbolRules, TimeInForce, Timestamp,
};
use mirai_paper::{PaperConfig, PaperExchange};
use rust_decimal_macros::dec;

/// When the tests' orders are placed; market events come after it.
pub const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);

pub fn btcusdt() -> Symbol {
    Symbol::new("BTCUSDT")
}

pub fn ethbtc() -> Symbol {
    Symbol::new("ETHBTC")
}

pub fn asset(code: &str) -> Asset {
    Asset::new(code)
}

/// BTCUSDT's filters as Binance publishes them (tick 0.01, step 0.00001, notional 5).
pub fn btcusdt_rules() -> SymbolRules {
    mirai_core::stubs::btcusdt_rules()
}

/// A pair still on the legacy MIN_NOTIONAL filter.
pub fn ethbtc_rules() -> SymbolRules {
    SymbolRules {
        symbol: ethbtc(),
        base: asset("ETH"),
        quote: asset("BTC"),
        price_filter: None,
        lot_size: None,
        market_lot_size: None,
        notional: Some(NotionalFilter {
            min_notional: Price::new(dec!(0.0001)),
            apply_min_to_market: true,
            max_notional: None,
            apply_max_to_market: false,
            legacy_min_notional: true,
        }),
    }
}

/// 10 000 USDT and 1 BTC, BTCUSDT and ETHBTC tradable.
pub fn exchange(fee_rate: Decimal, slippage_bps: Decimal) -> PaperExchange {
    let config = PaperConfig {
        fee_rate,
        slippage_bps,
        rules: vec![btcusdt_rules(), ethbtc_rules()],
        balances: vec![(asset("USDT"), dec!(10000)), (asset("BTC"), dec!(1))],
    };
    PaperExchange::new(config).expect("valid config")
}

/// The default fee (0.1 %), no slippage.
pub fn default_exchange() -> PaperExchange {
    exchange(dec!(0.001), Decimal::ZERO)
}

pub fn id(s: &str) -> ClientOrderId {
    ClientOrderId::new_checked(s).expect("valid client order id")
}

pub fn request(client_id: &str, symbol: Symbol, side: Side, kind: OrderKind, qty: Decimal) -> OrderRequest {
    OrderRequest {
        client_order_id: id(client_id),
        decision_id: DecisionId::from_stored(format!("test:{client_id}")),
        symbol,
        side,
        kind,
        qty: Qty::new(qty),
        reference_price: Price::new(dec!(60000)),
        created_at: T0,
    }
}

pub fn market(client_id: &str, side: Side, qty: Decimal) -> OrderRequest {
    request(client_id, btcusdt(), side, OrderKind::Market, qty)
}

pub fn limit(
    client_id: &str,
    side: Side,
    price: Decimal,
    qty: Decimal,
    time_in_force: TimeInForce,
) -> OrderRequest {
    let kind = OrderKind::Limit { price: Price::new(price), time_in_force };
    request(client_id, btcusdt(), side, kind, qty)
}

/// A closed BTCUSDT candle ending `offset_ms` after `T0`.
pub fn candle(offset_ms: i64, high: Decimal, low: Decimal, close: Decimal) -> MarketEvent {
    MarketEvent::Candle(Candle {
        symbol: btcusdt(),
        open_time: T0.plus_millis(offset_ms - 59_999),
        close_time: T0.plus_millis(offset_ms),
        open: Price::new(close),
        high: Price::new(high),
        low: Price::new(low),
        close: Price::new(close),
        volume: Qty::new(dec!(12.5)),
        closed: true,
    })
}

/// A BTCUSDT candle that opens, stays and closes at `price`.
pub fn flat(offset_ms: i64, price: Decimal) -> MarketEvent {
    candle(offset_ms, price, price, price)
}

pub fn quote(offset_ms: i64, bid: Decimal, ask: Decimal) -> MarketEvent {
    MarketEvent::Quote(Quote {
        symbol: btcusdt(),
        time: T0.plus_millis(offset_ms),
        bid: Price::new(bid),
        bid_qty: Qty::new(dec!(1)),
        ask: Price::new(ask),
        ask_qty: Qty::new(dec!(1)),
    })
}

/// (free, locked) of `code`; zero for an asset never held.
pub fn balance(ex: &PaperExchange, code: &str) -> (Decimal, Decimal) {
    ex.balances()
        .into_iter()
        .find(|b| b.asset == asset(code))
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.free, b.locked))
}
