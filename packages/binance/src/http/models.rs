//! Binance's REST JSON, field for field as the docs spell it (`cummulativeQuoteQty` included).
//! Only what the adapter reads is modelled; unknown fields are ignored so additions on Binance's
//! side do not break parsing. Conversion to domain types is in `parse.rs`.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `{"code": -1121, "msg": "Invalid symbol."}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    pub code: i32,
    pub msg: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    pub server_time: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeInfo {
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub server_time: i64,
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    pub symbols: Vec<SymbolInfo>,
}

/// One of exchangeInfo's `rateLimits` (and the WebSocket API's per-response `rateLimits`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub rate_limit_type: String,
    pub interval: String,
    pub interval_num: u32,
    pub limit: u32,
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolInfo {
    pub symbol: String,
    pub status: String,
    pub base_asset: String,
    pub quote_asset: String,
    #[serde(default)]
    pub order_types: Vec<String>,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// A symbol filter. Numbers arrive as strings and stay decimals.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "filterType")]
pub enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price { min_price: Decimal, max_price: Decimal, tick_size: Decimal },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize { min_qty: Decimal, max_qty: Decimal, step_size: Decimal },
    #[serde(rename = "MARKET_LOT_SIZE", rename_all = "camelCase")]
    MarketLotSize { min_qty: Decimal, max_qty: Decimal, step_size: Decimal },
    #[serde(rename = "MIN_NOTIONAL", rename_all = "camelCase")]
    MinNotional {
        min_notional: Decimal,
        #[serde(default)]
        apply_to_market: bool,
    },
    #[serde(rename = "NOTIONAL", rename_all = "camelCase")]
    Notional {
        min_notional: Decimal,
        #[serde(default)]
        apply_min_to_market: bool,
        #[serde(default)]
        max_notional: Option<Decimal>,
        #[serde(default)]
        apply_max_to_market: bool,
    },
    /// PERCENT_PRICE, ICEBERG_PARTS, MAX_NUM_ORDERS, TRAILING_DELTA…: not enforced locally; the
    /// venue still enforces them and answers -1013.
    #[serde(other)]
    Other,
}

/// `GET /api/v3/ticker/bookTicker?symbol=…`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookTicker {
    pub symbol: String,
    pub bid_price: Decimal,
    pub bid_qty: Decimal,
    pub ask_price: Decimal,
    pub ask_qty: Decimal,
}

/// `GET /api/v3/account`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(default)]
    pub can_trade: bool,
    /// Whether the key may withdraw; `None` when the answer leaves it out. Mirai's keys must
    /// not (`mirai preflight`).
    #[serde(default)]
    pub can_withdraw: Option<bool>,
    #[serde(default)]
    pub update_time: i64,
    #[serde(default)]
    pub account_type: String,
    pub balances: Vec<AccountBalance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AccountBalance {
    pub asset: String,
    pub free: Decimal,
    pub locked: Decimal,
}

/// An order as the order endpoints return it: new (ACK/RESULT/FULL), query, cancel, openOrders.
/// Fields absent from some of those responses are optional.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub symbol: String,
    pub order_id: u64,
    #[serde(default = "minus_one")]
    pub order_list_id: i64,
    pub client_order_id: String,
    /// On a cancel: the id of the order cancelled (`clientOrderId` is the cancel's own id).
    #[serde(default)]
    pub orig_client_order_id: Option<String>,
    #[serde(default)]
    pub transact_time: Option<i64>,
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub orig_qty: Option<Decimal>,
    #[serde(default)]
    pub executed_qty: Option<Decimal>,
    #[serde(default)]
    pub cummulative_quote_qty: Option<Decimal>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default, rename = "type")]
    pub order_type: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub stop_price: Option<Decimal>,
    #[serde(default)]
    pub fills: Vec<OrderFill>,
}

fn minus_one() -> i64 {
    -1
}

/// One fill in a FULL order response.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFill {
    pub price: Decimal,
    pub qty: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub trade_id: i64,
}

/// `GET /api/v3/myTrades`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyTrade {
    pub symbol: String,
    pub id: i64,
    pub order_id: u64,
    pub price: Decimal,
    pub qty: Decimal,
    #[serde(default)]
    pub quote_qty: Option<Decimal>,
    pub commission: Decimal,
    pub commission_asset: String,
    pub time: i64,
    pub is_buyer: bool,
    pub is_maker: bool,
}

/// One row of `GET /api/v3/klines`: a heterogeneous array, read by position.
pub type KlineRow = Vec<serde_json::Value>;
