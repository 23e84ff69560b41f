//! Request parameters: the ordered, percent-encoded query string that is signed byte for byte,
//! the WebSocket API's sorted signing payload, and the typed new-order request.

use mirai_core::{Amount, ClientOrderId, OrderKind, OrderRequest, Price, Qty, Side, Symbol, TimeInForce};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::common::credential::Credential;
use crate::common::enums::{OrderType, ResponseType};
use crate::common::error::BinanceError;

/// Everything but RFC 3986's unreserved characters is percent-encoded, as UTF-8. Binance signs
/// the encoded form (since 2026-01-15), so what we sign is exactly what goes on the wire.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Parameters in the order they will be sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(&'static str, String)>,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, key: &'static str, value: impl ToString) -> &mut Self {
        self.pairs.push((key, value.to_string()));
        self
    }

    pub fn push_opt<T: ToString>(&mut self, key: &'static str, value: Option<T>) -> &mut Self {
        if let Some(v) = value {
            self.push(key, v);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `k=v&k=v` with values percent-encoded.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            out.extend(utf8_percent_encode(v, QUERY_VALUE));
        }
        out
    }

    /// The encoded query with `recvWindow` and `timestamp` appended, signed, and the signature
    /// appended last. The signature covers every byte before `&signature=`.
    pub fn signed(&self, recv_window_ms: u64, timestamp_ms: i64, credential: &Credential) -> String {
        let mut q = self.encode();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!("recvWindow={recv_window_ms}&timestamp={timestamp_ms}"));
        let signature = credential.sign(q.as_bytes());
        q.push_str("&signature=");
        // HMAC hex needs no escaping; Ed25519's base64 has '+', '/' and '='.
        q.extend(utf8_percent_encode(&signature, QUERY_VALUE));
        q
    }
}

/// The WebSocket API's signing payload: every parameter but `signature`, sorted by name, joined
/// as `k=v&…`, with values raw (not percent-encoded).
pub fn ws_api_payload(params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().filter(|(k, _)| *k != "signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Which order a query or cancel is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderRef {
    /// Ours: `origClientOrderId`. How unknown outcomes are resolved.
    Client(ClientOrderId),
    /// The exchange's `orderId`.
    Exchange(u64),
}

impl OrderRef {
    pub(crate) fn push_to(&self, q: &mut Query) {
        match self {
            OrderRef::Client(id) => q.push("origClientOrderId", id.as_str()),
            OrderRef::Exchange(n) => q.push("orderId", n),
        };
    }
}

/// `POST /api/v3/order` (and `/order/test`) for any order type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: Option<TimeInForce>,
    pub quantity: Option<Qty>,
    /// MARKET only: spend (buy) or receive (sell) this much quote instead of a base quantity.
    pub quote_order_qty: Option<Amount>,
    pub price: Option<Price>,
    pub client_order_id: Option<ClientOrderId>,
    pub stop_price: Option<Price>,
    /// Trailing stops, in basis points.
    pub trailing_delta: Option<u32>,
    pub iceberg_qty: Option<Qty>,
    pub response_type: ResponseType,
}

impl NewOrder {
    fn base(symbol: Symbol, side: Side, order_type: OrderType) -> Self {
        Self {
            symbol,
            side,
            order_type,
            time_in_force: None,
            quantity: None,
            quote_order_qty: None,
            price: None,
            client_order_id: None,
            stop_price: None,
            trailing_delta: None,
            iceberg_qty: None,
            response_type: ResponseType::Full,
        }
    }

    pub fn market(symbol: Symbol, side: Side, quantity: Qty) -> Self {
        Self { quantity: Some(quantity), ..Self::base(symbol, side, OrderType::Market) }
    }

    pub fn limit(symbol: Symbol, side: Side, quantity: Qty, price: Price, tif: TimeInForce) -> Self {
        Self {
            quantity: Some(quantity),
            price: Some(price),
            time_in_force: Some(tif),
            ..Self::base(symbol, side, OrderType::Limit)
        }
    }

    /// Any other type; set the fields it needs, then [`NewOrder::validate`].
    pub fn of_type(symbol: Symbol, side: Side, order_type: OrderType) -> Self {
        Self::base(symbol, side, order_type)
    }

    pub fn with_client_order_id(mut self, id: ClientOrderId) -> Self {
        self.client_order_id = Some(id);
        self
    }

    /// The venue form of an engine order, carrying its deterministic client order id.
    pub fn from_request(req: &OrderRequest) -> Self {
        let order = match req.kind {
            OrderKind::Market => Self::market(req.symbol, req.side, req.qty),
            OrderKind::Limit { price, time_in_force } => {
                Self::limit(req.symbol, req.side, req.qty, price, time_in_force)
            }
        };
        order.with_client_order_id(req.client_order_id.clone())
    }

    /// Binance's mandatory parameters for the type, checked before anything is sent.
    pub fn validate(&self) -> Result<(), BinanceError> {
        let t = self.order_type;
        let mut missing = Vec::new();
        let has_qty = self.quantity.is_some_and(|q| !q.is_zero());
        let has_quote = self.quote_order_qty.is_some_and(|q| q.get() > rust_decimal::Decimal::ZERO);
        match (t, has_qty, has_quote) {
            (OrderType::Market, false, false) => missing.push("quantity or quoteOrderQty"),
            (OrderType::Market, true, true) => {
                return Err(BinanceError::Invalid("send quantity or quoteOrderQty, not both".into()));
            }
            (OrderType::Market, _, _) => {}
            (_, false, _) => missing.push("quantity"),
            (_, true, true) => {
                return Err(BinanceError::Invalid(format!("quoteOrderQty is for MARKET, not {t}")));
            }
            _ => {}
        }
        if t.needs_time_in_force() && self.time_in_force.is_none() {
            missing.push("timeInForce");
        }
        if t.needs_price() && self.price.is_none_or(Price::is_zero) {
            missing.push("price");
        }
        if t.needs_trigger() && self.stop_price.is_none() && self.trailing_delta.is_none() {
            missing.push("stopPrice or trailingDelta");
        }
        if !missing.is_empty() {
            return Err(BinanceError::Invalid(format!("{t} order needs {}", missing.join(", "))));
        }
        if !t.needs_time_in_force() && self.time_in_force.is_some() {
            return Err(BinanceError::Invalid(format!("{t} order takes no timeInForce")));
        }
        if self.iceberg_qty.is_some() && self.time_in_force.is_some_and(|f| f != TimeInForce::Gtc) {
            return Err(BinanceError::Invalid("an iceberg order must be GTC".into()));
        }
        Ok(())
    }

    /// The unsigned parameters, in Binance's documented order.
    pub fn to_query(&self) -> Query {
        let mut q = Query::new();
        q.push("symbol", self.symbol)
            .push("side", self.side.as_str())
            .push("type", self.order_type.as_str())
            .push_opt("timeInForce", self.time_in_force.map(tif_str))
            .push_opt("quantity", self.quantity)
            .push_opt("quoteOrderQty", self.quote_order_qty.map(|a| a.get().normalize()))
            .push_opt("price", self.price)
            .push_opt("newClientOrderId", self.client_order_id.as_ref().map(ClientOrderId::as_str))
            .push_opt("stopPrice", self.stop_price)
            .push_opt("trailingDelta", self.trailing_delta)
            .push_opt("icebergQty", self.iceberg_qty)
            .push("newOrderRespType", self.response_type.as_str());
        q
    }
}

pub(crate) fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    fn doc_query(symbol: &str) -> Query {
        let mut q = Query::new();
        q.push("symbol", symbol)
            .push("side", "BUY")
            .push("type", "LIMIT")
            .push("timeInForce", "GTC")
            .push("quantity", "1")
            .push("price", "0.1");
        q
    }

    #[test]
    fn rest_queries_are_signed_over_the_encoded_bytes_sent() {
        let c = Credential::hmac(API_KEY, SECRET).unwrap();
        let signed = doc_query("LTCBTC").signed(5000, 1_499_827_319_559, &c);
        assert_eq!(
            signed,
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000\
             &timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
        );
        // V2: the full-width symbol is percent-encoded as UTF-8 and the encoded form is signed.
        let signed = doc_query("１２３４５６").signed(5000, 1_499_827_319_559, &c);
        assert!(signed.starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"));
        assert!(
            signed.ends_with("&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3")
        );
    }

    #[test]
    fn ed25519_signatures_are_percent_encoded_in_queries() {
        let c = Credential::ed25519_seed("k", &[7u8; 32]).unwrap();
        let signed = doc_query("BTCUSDT").signed(5000, 1, &c);
        let sig = signed.rsplit_once("&signature=").unwrap().1;
        assert!(!sig.contains('+') && !sig.contains('/') && !sig.contains('='), "{sig}");
        assert!(sig.ends_with("%3D%3D"), "base64 of 64 bytes ends in ==, encoded: {sig}");
    }

    #[test]
    fn ws_api_payload_is_sorted_and_raw_and_matches_the_documented_vectors() {
        let c = Credential::hmac(API_KEY, SECRET).unwrap();
        let v4 = [
            ("symbol", "BTCUSDT".to_string()),
            ("side", "SELL".into()),
            ("type", "LIMIT".into()),
            ("timeInForce", "GTC".into()),
            ("quantity", "0.01000000".into()),
            ("price", "52000.00".into()),
            ("recvWindow", "100".into()),
            ("timestamp", "1645423376532".into()),
            ("apiKey", API_KEY.into()),
            ("signature", "ignored".into()),
        ];
        assert_eq!(
            c.sign(ws_api_payload(&v4).as_bytes()),
            "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
        );
        let mut v5: Vec<(&str, String)> = v4.iter().filter(|(k, _)| *k != "signature").cloned().collect();
        for (k, v) in &mut v5 {
            match *k {
                "symbol" => *v = "１２３４５６".into(),
                "side" => *v = "BUY".into(),
                "quantity" => *v = "1.00000000".into(),
                "price" => *v = "0.10000000".into(),
                "recvWindow" => *v = "5000".into(),
                _ => {}
            }
        }
        assert_eq!(
            c.sign(ws_api_payload(&v5).as_bytes()),
            "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"
        );
        let v6 = [("timestamp", "1649729878532".to_string()), ("apiKey", API_KEY.into())];
        assert_eq!(
            c.sign(ws_api_payload(&v6).as_bytes()),
            "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"
        );
    }

    #[test]
    fn new_orders_check_each_types_mandatory_parameters() {
        let s = Symbol::new("BTCUSDT");
        let q = Qty::new(dec!(0.001));
        let p = Price::new(dec!(60000));
        assert!(NewOrder::market(s, Side::Buy, q).validate().is_ok());
        assert!(NewOrder::limit(s, Side::Buy, q, p, TimeInForce::Gtc).validate().is_ok());
        let mut stop = NewOrder::of_type(s, Side::Sell, OrderType::StopLossLimit);
        stop.quantity = Some(q);
        let err = stop.validate().unwrap_err().to_string();
        assert!(err.contains("timeInForce") && err.contains("price") && err.contains("stopPrice"), "{err}");
        stop.time_in_force = Some(TimeInForce::Gtc);
        stop.price = Some(p);
        stop.stop_price = Some(Price::new(dec!(59000)));
        assert!(stop.validate().is_ok());
        let mut maker = NewOrder::of_type(s, Side::Buy, OrderType::LimitMaker);
        maker.quantity = Some(q);
        maker.price = Some(p);
        assert!(maker.validate().is_ok());
        maker.time_in_force = Some(TimeInForce::Gtc);
        assert!(maker.validate().is_err(), "LIMIT_MAKER takes no timeInForce");
        let mut quote = NewOrder::of_type(s, Side::Buy, OrderType::Market);
        quote.quote_order_qty = Some(Amount::new(dec!(100)));
        assert!(quote.validate().is_ok());
        quote.quantity = Some(q);
        assert!(quote.validate().is_err());
        assert!(NewOrder::of_type(s, Side::Buy, OrderType::Market).validate().is_err());
    }

    #[test]
    fn order_queries_carry_every_field_in_documented_order() {
        let id = ClientOrderId::new_checked("mi-00ff-b").unwrap();
        let o = NewOrder::limit(
            Symbol::new("BTCUSDT"),
            Side::Buy,
            Qty::new(dec!(0.00100)),
            Price::new(dec!(60000.10)),
            TimeInForce::Gtc,
        )
        .with_client_order_id(id);
        assert_eq!(
            o.to_query().encode(),
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000.1&newClientOrderId=mi-00ff-b&newOrderRespType=FULL"
        );
        let with_colon = ClientOrderId::new_checked("a:b/c").unwrap();
        let mut q = Query::new();
        OrderRef::Client(with_colon).push_to(&mut q);
        assert_eq!(q.encode(), "origClientOrderId=a%3Ab%2Fc");
    }
}
