//! Request parameters as Binance reads them: the query string then the form body (the query wins
//! on a duplicate), values percent-decoded; and the exact bytes a signature covers.

use std::str::FromStr;

use mirai_core::Decimal;
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

impl Params {
    /// From a raw query string and a form-encoded body.
    pub fn from_request(query: &str, body: &str) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in [query, body] {
            for kv in part.split('&').filter(|s| !s.is_empty()) {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                let k = decode(k);
                if !pairs.iter().any(|(existing, _)| *existing == k) {
                    pairs.push((k, decode(v)));
                }
            }
        }
        Self { pairs }
    }

    /// From a WebSocket API `params` object: strings raw, numbers and booleans as JSON text.
    pub fn from_json(params: &serde_json::Map<String, serde_json::Value>) -> Self {
        let pairs = params
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect();
        Self { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    pub fn require(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| ApiError::mandatory(key))
    }

    pub fn decimal(&self, key: &str) -> Result<Option<Decimal>, ApiError> {
        self.get(key).map(|v| Decimal::from_str(v).map_err(|_| ApiError::illegal(key))).transpose()
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key).map(|v| v.parse::<i64>().map_err(|_| ApiError::illegal(key))).transpose()
    }

    /// The WebSocket API's signing payload: all but `signature`, sorted by name, raw values.
    pub fn sorted_payload(&self) -> String {
        let mut sorted: Vec<&(String, String)> =
            self.pairs.iter().filter(|(k, _)| k != "signature").collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        sorted.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }
}

/// The bytes a REST signature covers: the query string then the body, exactly as received,
/// each without its `signature=` pair.
pub(crate) fn rest_signed_payload(query: &str, body: &str) -> String {
    let strip =
        |s: &str| s.split('&').filter(|kv| !kv.starts_with("signature=")).collect::<Vec<_>>().join("&");
    let (q, b) = (strip(query), strip(body));
    format!("{q}{b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wins_and_values_are_decoded() {
        let p = Params::from_request("symbol=BTCUSDT&newClientOrderId=a%3Ab", "symbol=ETHUSDT&quantity=1");
        assert_eq!(p.get("symbol"), Some("BTCUSDT"));
        assert_eq!(p.get("newClientOrderId"), Some("a:b"));
        assert_eq!(p.get("quantity"), Some("1"));
        assert!(p.require("price").is_err());
    }

    #[test]
    fn the_signed_payload_is_the_raw_query_then_body_without_the_signature() {
        assert_eq!(
            rest_signed_payload(
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd1"
            ),
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        );
        assert_eq!(rest_signed_payload("a=%EF%BC%91&signature=x", ""), "a=%EF%BC%91");
    }
}
