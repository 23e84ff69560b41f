//! `TradeId`: an exchange's id for one execution, kept inline when short.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::inline_text::SpillText;

/// Room for `paper-` and any `u64`, or any venue's numeric id; longer ids go on the heap.
const TRADE_ID_INLINE: usize = 30;

/// An exchange trade (execution) id, unique per venue. Kept inline when short (every id the paper
/// exchange and Binance give), so a fill allocates nothing for it: a backtest makes one per
/// order. Serialises, compares and hashes as its text, exactly as the `String` it used to be.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TradeId(SpillText<TRADE_ID_INLINE>);

impl TradeId {
    pub fn new(id: impl AsRef<str>) -> Self {
        Self(SpillText::from_str(id.as_ref()))
    }

    /// `prefix` followed by `n` in decimal digits (`paper-12`), written straight into the id.
    #[inline]
    pub fn numbered(prefix: &str, n: u64) -> Self {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(n).as_bytes();
        match SpillText::join(&[prefix.as_bytes(), digits]) {
            Some(t) => Self(t),
            None => Self::new(format!("{prefix}{n}")),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for TradeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TradeId").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TradeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TradeId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TradeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{Hash, Hasher};

    use super::*;

    #[test]
    fn trade_ids_serialise_compare_and_hash_as_the_strings_they_were() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |v: &dyn Fn(&mut DefaultHasher)| {
            let mut h = DefaultHasher::new();
            v(&mut h);
            h.finish()
        };
        let long = "a-trade-id-far-too-long-to-be-kept-inline-in-the-value";
        for text in ["paper-1", "12345", "", long, "paper-18446744073709551615"] {
            let id = TradeId::new(text);
            assert_eq!(id.as_str(), text);
            assert_eq!(serde_json::to_string(&id).unwrap(), serde_json::to_string(text).unwrap());
            assert_eq!(serde_json::from_str::<TradeId>(&serde_json::to_string(text).unwrap()).unwrap(), id);
            assert_eq!(hash(&|h| id.hash(h)), hash(&|h| text.to_owned().hash(h)));
            assert_eq!(format!("{id:?}"), format!("TradeId({text:?})"));
            assert_eq!(id.to_string(), text);
        }
        assert_eq!(TradeId::numbered("paper-", 7), TradeId::new("paper-7"));
        assert_eq!(TradeId::numbered("paper-", u64::MAX).as_str(), format!("paper-{}", u64::MAX));
        assert_eq!(TradeId::numbered(long, 3).as_str(), format!("{long}3"));
        let (a, b) = (TradeId::new("paper-10"), TradeId::new("paper-9"));
        assert!(a < b, "string order, not number order");
        assert!(TradeId::new(long) < TradeId::new("b"));
    }
}
