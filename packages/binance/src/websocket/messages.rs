//! Websocket JSON: market-stream events (kline, trade, bookTicker, the combined-stream wrapper),
//! WebSocket API requests and responses, and the user-data `executionReport`. Field names are
//! Binance's one-letter keys, case-sensitive (`e` and `E` are different fields).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::error::BinanceError;
use crate::http::models::{ErrorBody, RateLimit};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct KlineEvent {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "k")]
    pub kline: KlinePayload,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct KlinePayload {
    #[serde(rename = "t")]
    pub open_time: i64,
    #[serde(rename = "T")]
    pub close_time: i64,
    #[serde(rename = "i")]
    pub interval: String,
    #[serde(rename = "o")]
    pub open: Decimal,
    #[serde(rename = "c")]
    pub close: Decimal,
    #[serde(rename = "h")]
    pub high: Decimal,
    #[serde(rename = "l")]
    pub low: Decimal,
    #[serde(rename = "v")]
    pub volume: Decimal,
    #[serde(rename = "n", default)]
    pub trades: u64,
    /// Whether the bar is final.
    #[serde(rename = "x")]
    pub closed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TradeEvent {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "t")]
    pub trade_id: i64,
    #[serde(rename = "p")]
    pub price: Decimal,
    #[serde(rename = "q")]
    pub qty: Decimal,
    #[serde(rename = "T")]
    pub trade_time: i64,
    /// Is the buyer the market maker?
    #[serde(rename = "m")]
    pub buyer_is_maker: bool,
}

/// bookTicker events have no `e` field and no time.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BookTickerEvent {
    #[serde(rename = "u")]
    pub update_id: u64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "b")]
    pub bid: Decimal,
    #[serde(rename = "B")]
    pub bid_qty: Decimal,
    #[serde(rename = "a")]
    pub ask: Decimal,
    #[serde(rename = "A")]
    pub ask_qty: Decimal,
}

/// One decoded market-stream frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarketMessage {
    Kline(KlineEvent),
    Trade(TradeEvent),
    BookTicker(BookTickerEvent),
    /// The answer to a SUBSCRIBE/UNSUBSCRIBE command (`{"result":null,"id":1}`).
    CommandResult,
    /// An event type this adapter does not consume.
    Other(String),
}

fn decode_err(e: impl std::fmt::Display) -> BinanceError {
    BinanceError::Decode(format!("market stream: {e}"))
}

/// Decodes a raw (`/ws`) or combined (`/stream`, `{"stream":…,"data":…}`) frame.
pub fn decode_market(text: &str) -> Result<MarketMessage, BinanceError> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(decode_err)?;
    if v.get("stream").is_some() {
        v = v
            .get_mut("data")
            .map(serde_json::Value::take)
            .ok_or_else(|| decode_err("combined frame without data"))?;
    }
    let kind = v.get("e").and_then(serde_json::Value::as_str).map(str::to_owned);
    match kind.as_deref() {
        Some("kline") => serde_json::from_value(v).map(MarketMessage::Kline).map_err(decode_err),
        Some("trade") => serde_json::from_value(v).map(MarketMessage::Trade).map_err(decode_err),
        Some(other) => Ok(MarketMessage::Other(other.to_owned())),
        None if v.get("u").is_some() && v.get("b").is_some() => {
            serde_json::from_value(v).map(MarketMessage::BookTicker).map_err(decode_err)
        }
        None if v.get("id").is_some() => Ok(MarketMessage::CommandResult),
        None => Ok(MarketMessage::Other("unknown".into())),
    }
}

/// A WebSocket API request (`{"id":…,"method":…,"params":{…}}`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WsApiRequest {
    pub id: String,
    pub method: String,
    pub params: serde_json::Map<String, serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsApiResponse {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    pub status: u16,
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
    #[serde(default)]
    pub rate_limits: Option<Vec<RateLimit>>,
}

/// A pushed user-data event: `{"subscriptionId":0,"event":{…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDataEnvelope {
    pub subscription_id: u64,
    pub event: serde_json::Value,
}

/// One frame from the WebSocket API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsApiMessage {
    Response(WsApiResponse),
    Event(UserDataEnvelope),
}

pub fn decode_ws_api(text: &str) -> Result<WsApiMessage, BinanceError> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BinanceError::Decode(format!("ws-api: {e}")))?;
    let msg = if v.get("event").is_some() {
        serde_json::from_value(v).map(WsApiMessage::Event)
    } else {
        serde_json::from_value(v).map(WsApiMessage::Response)
    };
    msg.map_err(|e| BinanceError::Decode(format!("ws-api: {e}")))
}

/// `executionReport` (user-data-stream.md "Order Update").
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ExecutionReportEvent {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    /// The order's client id (a cancel's own id on CANCELED; see `orig_client_order_id`).
    #[serde(rename = "c")]
    pub client_order_id: String,
    #[serde(rename = "S")]
    pub side: String,
    #[serde(rename = "o")]
    pub order_type: String,
    #[serde(rename = "f")]
    pub time_in_force: String,
    #[serde(rename = "q")]
    pub qty: Decimal,
    #[serde(rename = "p")]
    pub price: Decimal,
    #[serde(rename = "C", default)]
    pub orig_client_order_id: String,
    /// Execution type: NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED, TRADE_PREVENTION.
    #[serde(rename = "x")]
    pub execution_type: String,
    #[serde(rename = "X")]
    pub status: String,
    #[serde(rename = "r")]
    pub reject_reason: String,
    #[serde(rename = "i")]
    pub order_id: u64,
    #[serde(rename = "l")]
    pub last_qty: Decimal,
    #[serde(rename = "z")]
    pub cumulative_qty: Decimal,
    #[serde(rename = "L")]
    pub last_price: Decimal,
    #[serde(rename = "n")]
    pub commission: Decimal,
    #[serde(rename = "N")]
    pub commission_asset: Option<String>,
    #[serde(rename = "T")]
    pub transaction_time: i64,
    #[serde(rename = "t")]
    pub trade_id: i64,
    #[serde(rename = "m")]
    pub is_maker: bool,
}
