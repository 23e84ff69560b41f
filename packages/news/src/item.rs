//! `NewsItem`: one article as a source gives it, before it is split per symbol and chunked;
//! and its stable id.

use mirai_core::{Symbol, Timestamp};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewsItem {
    pub url: Option<String>,
    pub published_at: Timestamp,
    pub title: String,
    /// The article's text, summary or description (plain text).
    pub body: String,
    /// Who published it: a publisher's name, a feed's title or a file's name.
    pub source: String,
    /// Tickers or topics as the source names them ("X:BTCUSD", "bitcoin"); mapped to symbols
    /// by [`crate::SymbolMap`].
    pub tickers: Vec<String>,
}

/// The id of one article about one symbol: the same article re-fetched, re-imported or seen in
/// two feeds gets the same id, so storing it again replaces it instead of adding a copy.
/// Built from the url (the title when there is none), the publication time and the symbol.
pub fn stable_id(item: &NewsItem, symbol: Option<Symbol>) -> String {
    let mut h = Sha256::new();
    h.update(item.url.as_deref().unwrap_or(&item.title).as_bytes());
    h.update(b"\n");
    h.update(item.published_at.millis().to_string().as_bytes());
    h.update(b"\n");
    h.update(symbol.map(|s| s.as_str().to_owned()).unwrap_or_default().as_bytes());
    // 96 bits: collisions are out of reach for any news archive, and ids stay short.
    hex::encode(&h.finalize()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(url: Option<&str>, ms: i64) -> NewsItem {
        NewsItem {
            url: url.map(str::to_owned),
            published_at: Timestamp::from_millis(ms),
            title: "t".into(),
            body: "b".into(),
            source: "s".into(),
            tickers: vec![],
        }
    }

    #[test]
    fn the_id_depends_on_url_time_and_symbol_only() {
        let a = item(Some("https://x/1"), 1);
        let btc = Some(Symbol::new("BTCUSDT"));
        assert_eq!(stable_id(&a, btc), stable_id(&NewsItem { body: "edited".into(), ..a.clone() }, btc));
        assert_ne!(stable_id(&a, btc), stable_id(&a, Some(Symbol::new("ETHUSDT"))));
        assert_ne!(stable_id(&a, btc), stable_id(&a, None));
        assert_ne!(stable_id(&a, btc), stable_id(&item(Some("https://x/1"), 2), btc));
        assert_ne!(stable_id(&a, btc), stable_id(&item(Some("https://x/2"), 1), btc));
        assert_eq!(stable_id(&a, btc).len(), 24);
        assert_eq!(stable_id(&a, btc), "b596b7dc3c1d621db930ba99");
    }
}
