//! The shape of an exchange code (`Symbol`, `Asset`): a small `Copy` value of `A-Z0-9` kept in an
//! [`InlineText`](crate::inline_text::InlineText), so the hot path never allocates or clones a
//! string for one. Each code is declared in its own file with this macro.

macro_rules! inline_code {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name($crate::inline_text::InlineText<$max>);

        impl $name {
            pub const MAX_LEN: usize = $max;

            /// Accepts 1 to MAX_LEN characters of `A-Z` and `0-9` (Binance's alphabet for codes);
            /// lower case is upper-cased.
            pub fn new_checked(s: &str) -> Result<Self, $crate::DomainError> {
                let s = s.trim();
                if s.is_empty() || s.len() > $max {
                    return Err($crate::DomainError::Invalid {
                        what: $what,
                        value: s.to_owned(),
                        why: concat!("must be 1 to ", stringify!($max), " characters"),
                    });
                }
                if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err($crate::DomainError::Invalid {
                        what: $what,
                        value: s.to_owned(),
                        why: "only letters A-Z and digits 0-9 are allowed",
                    });
                }
                let mut text = $crate::inline_text::InlineText::EMPTY;
                for b in s.bytes() {
                    text.push(&[b.to_ascii_uppercase()]);
                }
                Ok(Self(text))
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
                self.0.as_bytes()
            }

            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new_checked(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::new_checked(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use inline_code;

#[cfg(test)]
mod tests {
    use crate::Symbol;

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
