//! Identifiers: decisions, client order ids (deterministic, so a retry never makes a second order)
//! and trade ids.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::inline_text::{InlineText, SpillText};
use crate::{DomainError, Side, Symbol, Timestamp};

mod trade_id;
pub use trade_id::TradeId;

/// Room for `strategy:SYMBOL:millis` with a strategy name of up to 20 characters; longer ids
/// (stored ones, or a long strategy name) go on the heap.
const DECISION_ID_INLINE: usize = 62;

/// Identifies one decision: the strategy, the symbol and the time of the event that caused it.
/// The same event replayed gives the same id, which is what makes replays and restarts idempotent.
/// Kept inline when short (every id the engine builds), so a decision allocates nothing for it;
/// compares, hashes and serialises as its text, exactly as the `String` it used to be.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DecisionId(SpillText<DECISION_ID_INLINE>);

impl DecisionId {
    /// `strategy:SYMBOL:millis`, written straight into the id: every decision of a backtest
    /// builds one.
    #[inline]
    pub fn new(strategy: &str, symbol: Symbol, ts: Timestamp) -> Self {
        let mut digits = itoa::Buffer::new();
        let millis = digits.format(ts.millis()).as_bytes();
        let parts: [&[u8]; 5] = [strategy.as_bytes(), b":", symbol.as_bytes(), b":", millis];
        match SpillText::join(&parts) {
            Some(t) => Self(t),
            None => Self::long(&parts),
        }
    }

    /// The heap form, for a strategy name too long to keep inline.
    #[cold]
    #[inline(never)]
    fn long(parts: &[&[u8]]) -> Self {
        // Every part is a `str` or ASCII digits, so the joined bytes are UTF-8.
        Self::from_stored(String::from_utf8(parts.concat()).unwrap_or_default())
    }

    pub fn from_stored(s: String) -> Self {
        Self(SpillText::from_string(s))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DecisionId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for DecisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DecisionId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DecisionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::from_stored)
    }
}

/// `strategy:SYMBOL:` written and hashed once: the start of the id of every decision one strategy
/// takes on one symbol. [`DecisionIdPrefix::ids`] then writes and hashes only the time, and gives
/// exactly what [`DecisionId::new`] and [`ClientOrderId::for_decision`] give.
#[derive(Clone, Debug)]
pub struct DecisionIdPrefix {
    strategy: &'static str,
    symbol: Symbol,
    /// The prefix and the FNV-1a state after it; none if it is too long to keep inline.
    text: Option<(InlineText<DECISION_ID_INLINE>, u64)>,
}

impl DecisionIdPrefix {
    pub fn new(strategy: &'static str, symbol: Symbol) -> Self {
        let text = InlineText::join(&[strategy.as_bytes(), b":", symbol.as_bytes(), b":"])
            .map(|t| (t, fnv1a64(FNV_START, t.as_bytes())));
        Self { strategy, symbol, text }
    }

    /// Whether this is the prefix of `strategy`'s decisions on `symbol`.
    #[inline]
    pub fn is_for(&self, strategy: &str, symbol: Symbol) -> bool {
        self.strategy == strategy && self.symbol == symbol
    }

    /// The id of the decision taken at `ts`, and the client order id of its order on `side`.
    #[inline]
    pub fn ids(&self, ts: Timestamp, side: Option<Side>) -> (DecisionId, Option<ClientOrderId>) {
        let mut digits = itoa::Buffer::new();
        let millis = digits.format(ts.millis()).as_bytes();
        if let Some((mut text, h)) = self.text
            && text.push(millis)
        {
            let order = side.map(|s| ClientOrderId::from_hash(fnv1a64(h, millis), s));
            return (DecisionId(SpillText::Inline(text)), order);
        }
        let id = DecisionId::new(self.strategy, self.symbol, ts);
        let order = side.map(|s| ClientOrderId::for_decision(&id, s));
        (id, order)
    }
}

/// Binance's `newClientOrderId`: 1 to 36 characters of `[.A-Z:/a-z0-9_-]`, kept inline (no
/// allocation to build, clone or drop one). Serialises as its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientOrderId(InlineText<36>);

impl ClientOrderId {
    pub fn new_checked(s: &str) -> Result<Self, DomainError> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-');
        let text = (!s.is_empty() && s.chars().all(ok_char)).then(|| InlineText::join(&[s.as_bytes()]));
        text.flatten().map(Self).ok_or_else(|| DomainError::Invalid {
            what: "client order id",
            value: s.to_owned(),
            why: "must be 1 to 36 characters of A-Z a-z 0-9 . : / _ -",
        })
    }

    /// The id of the order that carries out `decision` on `side`: `mi-` and 16 hex digits of a
    /// stable hash. The same decision always gets the same id, so the exchange rejects a resend as
    /// a duplicate instead of filling it twice.
    #[inline]
    pub fn for_decision(decision: &DecisionId, side: Side) -> Self {
        Self::from_hash(fnv1a64(FNV_START, decision.0.as_bytes()), side)
    }

    /// `mi-` + 16 lower-case hex digits of `h` + `-b`/`-s`: 21 bytes, written without `format!`.
    #[inline]
    fn from_hash(h: u64, side: Side) -> Self {
        let mut id = *b"mi-0000000000000000-b";
        id[3..19].copy_from_slice(&hex16(h));
        id[20] = match side {
            Side::Buy => b'b',
            Side::Sell => b's',
        };
        // 21 bytes always fit in 36.
        Self(InlineText::join(&[&id]).unwrap_or(InlineText::EMPTY))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientOrderId").field(&self.as_str()).finish()
    }
}

impl Serialize for ClientOrderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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
        f.write_str(self.as_str())
    }
}

/// `h` as 16 lower-case hex digits, all at once: each nibble spread into a byte of a `u128`,
/// then turned into ASCII with adds and masks (no table lookups, no per-digit branches).
#[inline]
fn hex16(h: u64) -> [u8; 16] {
    let mut x = u128::from(h);
    // Spread 64 bits so that each nibble sits in the low half of its own byte, most significant
    // first when read big-endian.
    x = (x & 0xffff_ffff) | ((x & 0xffff_ffff_0000_0000) << 32);
    x = (x & 0x0000_ffff_0000_0000_0000_ffff) | ((x & 0xffff_0000_0000_0000_ffff_0000) << 16);
    x = (x & 0x0000_00ff_0000_00ff_0000_00ff_0000_00ff)
        | ((x & 0x0000_ff00_0000_ff00_0000_ff00_0000_ff00) << 8);
    x = (x & 0x000f_000f_000f_000f_000f_000f_000f_000f)
        | ((x & 0x00f0_00f0_00f0_00f0_00f0_00f0_00f0_00f0) << 4);
    // Nibbles 10 to 15 carry into bit 4 when 6 is added: those get `'a' - '0' - 10` more.
    let ones = 0x0101_0101_0101_0101_0101_0101_0101_0101u128;
    let letters = ((x + 6 * ones) >> 4) & ones;
    (x + 0x30 * ones + letters * (b'a' - b'0' - 10) as u128).to_be_bytes()
}

/// FNV-1a's starting state.
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64 bit, continued from state `h` (`FNV_START` for a whole text). Hand-written because
/// the id must stay the same across Rust releases and machines, which `std`'s `DefaultHasher`
/// does not promise, and it is six lines; continuing a state lets a fixed prefix be hashed once.
#[inline]
fn fnv1a64(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use std::hash::{Hash, Hasher};

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
        let h = fnv1a64(FNV_START, d.as_str().as_bytes());
        assert_eq!(a.as_str(), format!("mi-{h:016x}-b"));
        assert_eq!(ClientOrderId::for_decision(&d, Side::Sell).as_str(), format!("mi-{h:016x}-s"));
        let early = DecisionId::new("x", Symbol::new("ETHUSDT"), Timestamp::from_millis(-5));
        assert_eq!(early.as_str(), "x:ETHUSDT:-5");
        assert_eq!(
            DecisionId::new("x", Symbol::new("ETHUSDT"), Timestamp::from_millis(i64::MIN)).as_str(),
            format!("x:ETHUSDT:{}", i64::MIN)
        );
        // FNV-1a's published test value for "a".
        assert_eq!(fnv1a64(FNV_START, b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn ids_serialise_compare_and_hash_as_the_strings_they_were() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |v: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            v(&mut h);
            h.finish()
        };
        let long_strategy = "a-strategy-with-a-very-long-name-indeed";
        let short = DecisionId::new("sma", Symbol::new("BTCUSDT"), Timestamp::from_millis(7));
        let long = DecisionId::new(long_strategy, Symbol::new("BTCUSDT"), Timestamp::from_millis(-7));
        assert_eq!(long.as_str(), format!("{long_strategy}:BTCUSDT:-7"));
        for (id, text) in
            [(&short, "sma:BTCUSDT:7".to_owned()), (&long, format!("{long_strategy}:BTCUSDT:-7"))]
        {
            assert_eq!(serde_json::to_string(id).unwrap(), serde_json::to_string(&text).unwrap());
            assert_eq!(
                &serde_json::from_str::<DecisionId>(&serde_json::to_string(&text).unwrap()).unwrap(),
                id
            );
            assert_eq!(&DecisionId::from_stored(text.clone()), id);
            assert_eq!(hash(&|h| id.hash(h)), hash(&|h| text.hash(h)));
            assert_eq!(format!("{id:?}"), format!("DecisionId({text:?})"));
            assert_eq!(id.to_string(), text);
        }
        assert_eq!(short.cmp(&long), "sma:BTCUSDT:7".cmp(long.as_str()));
        let a = ClientOrderId::new_checked("abc").unwrap();
        let b = ClientOrderId::new_checked("abc.d").unwrap();
        assert!(a < b && b < ClientOrderId::new_checked("abd").unwrap(), "string order, not length order");
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"abc.d\"");
        assert_eq!(hash(&|h| b.hash(h)), hash(&|h| "abc.d".to_owned().hash(h)));
        assert_eq!(format!("{b:?}"), "ClientOrderId(\"abc.d\")");
        let max = "x".repeat(36);
        assert_eq!(ClientOrderId::new_checked(&max).unwrap().as_str(), max);
    }

    #[test]
    fn a_prefix_gives_the_ids_built_from_scratch() {
        let long = "a-strategy-name-long-enough-to-leave-no-room-inline";
        for (strategy, symbol) in [("sma-cross", "BTCUSDT"), ("x", "ABCDEFGHIJKLMNOPQRST"), (long, "ETHUSDT")]
        {
            let symbol = Symbol::new(symbol);
            let prefix = DecisionIdPrefix::new(strategy, symbol);
            assert!(prefix.is_for(strategy, symbol) && !prefix.is_for("other", symbol));
            for ms in [0, 7, -5, 1_700_000_000_000, i64::MIN, i64::MAX] {
                let ts = Timestamp::from_millis(ms);
                let id = DecisionId::new(strategy, symbol, ts);
                for side in [Side::Buy, Side::Sell] {
                    let (p_id, p_order) = prefix.ids(ts, Some(side));
                    assert_eq!(p_id.as_str(), id.as_str());
                    assert_eq!(p_order, Some(ClientOrderId::for_decision(&id, side)), "{strategy} {ms}");
                }
                assert_eq!(prefix.ids(ts, None).1, None);
            }
        }
    }

    #[test]
    fn times_are_written_as_decimal_digits() {
        for n in [
            0,
            5,
            9,
            10,
            99,
            100,
            101,
            999,
            99_999_999,
            100_000_000,
            100_000_001,
            1_700_000_000_000,
            -1,
            -10,
            -100,
            -100_000_000,
            i64::MAX,
            i64::MIN,
        ] {
            let id = DecisionId::new("sma", Symbol::new("BTCUSDT"), Timestamp::from_millis(n));
            assert_eq!(id.as_str(), format!("sma:BTCUSDT:{n}"), "{n}");
        }
        for h in [0, 1, 0x9f, u64::MAX, 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0xa0a0_0a0a_5f5f_f5f5] {
            assert_eq!(hex16(h), format!("{h:016x}").as_bytes(), "{h:x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_time_and_hash_are_written_as_format_writes_them(n: i64, h: u64) {
            let id = DecisionId::new("sma", Symbol::new("BTCUSDT"), Timestamp::from_millis(n));
            let hex = format!("{h:016x}");
            proptest::prop_assert_eq!(id.as_str(), format!("sma:BTCUSDT:{n}"));
            proptest::prop_assert_eq!(&hex16(h)[..], hex.as_bytes());
        }
    }

    #[test]
    fn bad_client_order_ids_are_refused() {
        assert!(ClientOrderId::new_checked("").is_err());
        assert!(ClientOrderId::new_checked("has space").is_err());
        assert!(ClientOrderId::new_checked(&"x".repeat(37)).is_err());
    }
}
