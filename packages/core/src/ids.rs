//! Identifiers: decisions, client order ids (deterministic, so a retry never makes a second order)
//! and trade ids.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{DomainError, Side, Symbol, Timestamp};

/// Identifies one decision: the strategy, the symbol and the time of the event that caused it.
/// The same event replayed gives the same id, which is what makes replays and restarts idempotent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionId(String);

impl DecisionId {
    /// `strategy:SYMBOL:millis`. Written straight into one exactly sized `String` (no `format!`
    /// machinery): every decision of a backtest builds one.
    #[inline]
    pub fn new(strategy: &str, symbol: Symbol, ts: Timestamp) -> Self {
        let mut digits = [0u8; 20];
        let millis = decimal_digits(ts.millis(), &mut digits);
        let symbol = symbol.as_str();
        let mut s = String::with_capacity(strategy.len() + symbol.len() + millis.len() + 2);
        s.push_str(strategy);
        s.push(':');
        s.push_str(symbol);
        s.push(':');
        s.push_str(millis);
        Self(s)
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Binance's `newClientOrderId`: 1 to 36 characters of `[.A-Z:/a-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ClientOrderId(String);

impl ClientOrderId {
    pub fn new_checked(s: &str) -> Result<Self, DomainError> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-');
        if s.is_empty() || s.len() > 36 || !s.chars().all(ok_char) {
            return Err(DomainError::Invalid {
                what: "client order id",
                value: s.to_owned(),
                why: "must be 1 to 36 characters of A-Z a-z 0-9 . : / _ -",
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The id of the order that carries out `decision` on `side`: `mi-` and 16 hex digits of a
    /// stable hash. The same decision always gets the same id, so the exchange rejects a resend as
    /// a duplicate instead of filling it twice.
    #[inline]
    pub fn for_decision(decision: &DecisionId, side: Side) -> Self {
        let h = fnv1a64(decision.as_str().as_bytes());
        // `mi-` + 16 lower-case hex digits + `-b`/`-s`: 21 bytes, written without `format!`.
        let mut id = *b"mi-0000000000000000-b";
        for (i, byte) in id[3..19].iter_mut().enumerate() {
            let nibble = ((h >> (60 - 4 * i)) & 0xf) as u8;
            *byte = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        }
        id[20] = match side {
            Side::Buy => b'b',
            Side::Sell => b's',
        };
        // Only ASCII was written.
        Self(std::str::from_utf8(&id).unwrap_or_default().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for ClientOrderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new_checked(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An exchange trade (execution) id, unique per venue.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TradeId(pub String);

impl fmt::Display for TradeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `n` in decimal, written into the end of `buf`; returns the digits (with a `-` if negative).
fn decimal_digits(n: i64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    // Only ASCII digits and '-' were written.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// FNV-1a, 64 bit. Hand-written because the id must stay the same across Rust releases and
/// machines, which `std`'s `DefaultHasher` does not promise, and it is six lines.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_order_ids_are_deterministic_valid_and_distinct() {
        let d = DecisionId::new("sma", Symbol::new("BTCUSDT"), Timestamp::from_millis(1_700_000_000_000));
        let a = ClientOrderId::for_decision(&d, Side::Buy);
        assert_eq!(a, ClientOrderId::for_decision(&d, Side::Buy));
        assert_ne!(a, ClientOrderId::for_decision(&d, Side::Sell));
        let other = DecisionId::new("sma", Symbol::new("BTCUSDT"), Timestamp::from_millis(1_700_000_060_000));
        assert_ne!(a, ClientOrderId::for_decision(&other, Side::Buy));
        assert!(ClientOrderId::new_checked(a.as_str()).is_ok());
        // The exact text both ids have always had (stored ids and resends depend on it).
        assert_eq!(d.as_str(), "sma:BTCUSDT:1700000000000");
        let h = fnv1a64(d.as_str().as_bytes());
        assert_eq!(a.as_str(), format!("mi-{h:016x}-b"));
        assert_eq!(ClientOrderId::for_decision(&d, Side::Sell).as_str(), format!("mi-{h:016x}-s"));
        let early = DecisionId::new("x", Symbol::new("ETHUSDT"), Timestamp::from_millis(-5));
        assert_eq!(early.as_str(), "x:ETHUSDT:-5");
        assert_eq!(
            DecisionId::new("x", Symbol::new("ETHUSDT"), Timestamp::from_millis(i64::MIN)).as_str(),
            format!("x:ETHUSDT:{}", i64::MIN)
        );
        // FNV-1a's published test value for "a".
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn bad_client_order_ids_are_refused() {
        assert!(ClientOrderId::new_checked("").is_err());
        assert!(ClientOrderId::new_checked("has space").is_err());
        assert!(ClientOrderId::new_checked(&"x".repeat(37)).is_err());
    }
}
