//! Keyset pages, newest first: the lists of round trips, decisions and backtests answer at most
//! `limit` items and, when more remain, a [`PageCursor`] (`next`) that asks for the page after.
//!
//! A cursor is the position of the last item of a page, (time, id), the list's sort key; the next
//! page holds the items strictly older than it. Items that arrive meanwhile are newer, so paging on
//! lists every item present when the first page was asked exactly once.

use std::fmt;

use mirai_core::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `limit` when none is given.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;
/// The largest `limit`.
pub const MAX_PAGE_LIMIT: u32 = 500;
/// The longest id a cursor carries, in bytes (a decision id is at most a few dozen).
const MAX_CURSOR_ID_BYTES: usize = 256;

/// Where a page ended: the last item's time and id. Ordered as the lists sort, by time then id;
/// a page lists its items in descending order.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageCursor {
    pub ts: Timestamp,
    pub id: String,
}

impl PageCursor {
    pub fn new(ts: Timestamp, id: impl Into<String>) -> Self {
        Self { ts, id: id.into() }
    }

    /// An opaque token for URLs: `ms.hex(id)`, of `[0-9a-f.-]` only.
    pub fn encode(&self) -> String {
        let mut token = format!("{}.", self.ts.millis());
        for b in self.id.as_bytes() {
            token.push_str(&format!("{b:02x}"));
        }
        token
    }

    /// Reads a token that [`PageCursor::encode`] wrote; anything else is `None`.
    pub fn decode(token: &str) -> Option<Self> {
        let (ms, hex) = token.split_once('.')?;
        if ms.is_empty() || ms.len() > 20 || hex.len() % 2 != 0 || hex.len() > 2 * MAX_CURSOR_ID_BYTES {
            return None;
        }
        let ms: i64 = ms.parse().ok()?;
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| {
                let pair = hex.get(i..i + 2)?;
                // `from_str_radix` would take a sign: only two hex digits are a byte here.
                pair.bytes().all(|b| b.is_ascii_hexdigit()).then(|| u8::from_str_radix(pair, 16).ok())?
            })
            .collect::<Option<Vec<u8>>>()?;
        Some(Self { ts: Timestamp::from_millis(ms), id: String::from_utf8(bytes).ok()? })
    }
}

/// The token only: the parts are the server's business.
impl fmt::Debug for PageCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PageCursor({})", self.encode())
    }
}

impl Serialize for PageCursor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for PageCursor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
        Self::decode(&s).ok_or_else(|| serde::de::Error::custom("not a page cursor"))
    }
}

/// One page of `items`, newest first: sorted by `key` descending, only those strictly before
/// `after`, at most `limit` (at least 1), and the cursor of the last one when more remain.
pub fn newest_first_page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> PageCursor,
    after: Option<&PageCursor>,
    limit: u32,
) -> (Vec<T>, Option<PageCursor>) {
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let mut keyed: Vec<(PageCursor, T)> =
        items.into_iter().map(|t| (key(&t), t)).filter(|(k, _)| after.is_none_or(|a| k < a)).collect();
    keyed.sort_by(|a, b| b.0.cmp(&a.0));
    let next = if keyed.len() > limit {
        keyed.truncate(limit);
        keyed.last().map(|(k, _)| k.clone())
    } else {
        None
    };
    (keyed.into_iter().map(|(_, t)| t).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        for c in [
            PageCursor::new(Timestamp::from_millis(1_700_000_000_123), "sma-cross:BTCUSDT:1700000000123"),
            PageCursor::new(Timestamp::from_millis(-5), ""),
            PageCursor::new(Timestamp::from_millis(0), "été. /?&"),
        ] {
            let token = c.encode();
            assert!(token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b'-'), "{token}");
            assert_eq!(PageCursor::decode(&token), Some(c.clone()), "{token}");
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{token}\""));
            assert_eq!(serde_json::from_str::<PageCursor>(&json).unwrap(), c);
        }
        for bad in
            ["", "5", ".00", "x.00", "5.0", "5.zz", "5.+1", "5.ff", "5.00.00", "1e3.00", &"1".repeat(21)]
        {
            assert_eq!(PageCursor::decode(bad), None, "{bad}");
        }
        assert_eq!(PageCursor::decode(&format!("1.{}", "61".repeat(257))), None, "too long");
        assert!(PageCursor::decode(&format!("1.{}", "61".repeat(256))).is_some());
        assert!(serde_json::from_str::<PageCursor>("\"nope\"").is_err());
    }

    #[test]
    fn pages_go_newest_first_and_list_each_item_once() {
        // (time, id), deliberately out of order, two at the same time.
        let items: Vec<(i64, &str)> = vec![(3, "a"), (1, "x"), (5, "b"), (3, "c"), (2, "y")];
        let key = |t: &(i64, &str)| PageCursor::new(Timestamp::from_millis(t.0), t.1);
        let (page, next) = newest_first_page(items.clone(), key, None, 2);
        assert_eq!(page, [(5, "b"), (3, "c")]);
        let next = next.unwrap();
        let (page, next) = newest_first_page(items.clone(), key, Some(&next), 2);
        assert_eq!(page, [(3, "a"), (2, "y")]);
        let (page, last) = newest_first_page(items.clone(), key, next.as_ref(), 2);
        assert_eq!((page, last), (vec![(1, "x")], None));
        // Exactly `limit` left: no next page.
        assert_eq!(newest_first_page(items.clone(), key, None, 5).1, None);
        assert_eq!(newest_first_page(Vec::<(i64, &str)>::new(), key, None, 5), (Vec::new(), None));
    }
}
