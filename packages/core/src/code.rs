//! Exchange codes: `Symbol` ("BTCUSDT") and `Asset` ("USDT"). Both are small `Copy` values stored
//! inline so the hot path never allocates or clones a string for them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

macro_rules! inline_code {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name {
            len: u8,
            bytes: [u8; $max],
        }

        impl $name {
            pub const MAX_LEN: usize = $max;

            /// Accepts 1 to MAX_LEN characters of `A-Z` and `0-9` (Binance's alphabet for codes);
            /// lower case is upper-cased.
            pub fn new_checked(s: &str) -> Result<Self, DomainError> {
                let s = s.trim();
                if s.is_empty() || s.len() > $max {
                    return Err(DomainError::Invalid {
                        what: $what,
                        value: s.to_owned(),
                        why: concat!("must be 1 to ", stringify!($max), " characters"),
                    });
                }
                let mut bytes = [0u8; $max];
                for (i, b) in s.bytes().enumerate() {
                    let b = b.to_ascii_uppercase();
                    if !b.is_ascii_uppercase() && !b.is_ascii_digit() {
                        return Err(DomainError::Invalid {
                            what: $what,
                            value: s.to_owned(),
                            why: "only letters A-Z and digits 0-9 are allowed",
                        });
                    }
                    bytes[i] = b;
                }
                Ok(Self { len: s.len() as u8, bytes })
            }

            /// For literals and tests. Panics on an invalid code.
            #[track_caller]
            pub fn new(s: &str) -> Self {
                match Self::new_checked(s) {
                    Ok(v) => v,
                    Err(e) => panic!("{e}"),
                }
            }

            /// The code's bytes (ASCII), without the UTF-8 check `as_str` makes.
            #[inline]
            pub fn as_bytes(&self) -> &[u8] {
                &self.bytes[..self.len as usize]
            }

            pub fn as_str(&self) -> &str {
                // Only ASCII letters and digits are ever stored.
                std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new_checked(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::new_checked(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

inline_code!(
    /// A trading pair as the exchange names it, e.g. `BTCUSDT`.
    Symbol,
    "symbol",
    20
);
inline_code!(
    /// An asset code, e.g. `BTC` or `USDT`.
    Asset,
    "asset",
    12
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_validated_and_upper_cased() {
        assert_eq!(Symbol::new("btcusdt").as_str(), "BTCUSDT");
        assert!(Symbol::new_checked("").is_err());
        assert!(Symbol::new_checked("BTC-USDT").is_err());
        assert!(Symbol::new_checked("ABCDEFGHIJKLMNOPQRSTU").is_err());
        let json = serde_json::to_string(&Symbol::new("ETHUSDT")).unwrap();
        assert_eq!(json, "\"ETHUSDT\"");
        assert!(serde_json::from_str::<Symbol>("\"DROP TABLE\"").is_err());
    }
}
