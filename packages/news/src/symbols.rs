//! `SymbolMap`: which of the traded symbols a source's ticker or topic is about. Polygon says
//! `X:BTCUSD`, feeds say `Bitcoin` or `BTC`, Mirai trades `BTCUSDT`.

use std::collections::HashMap;

use mirai_core::Symbol;

/// Quote assets, longest first so `FDUSD` is tried before `USD`.
const QUOTES: &[&str] = &["FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "TRY", "BTC", "ETH", "BNB"];

/// Common names of the largest coins, as feeds tag them.
const NAMES: &[(&str, &[&str])] = &[
    ("BTC", &["bitcoin"]),
    ("ETH", &["ethereum", "ether"]),
    ("SOL", &["solana"]),
    ("BNB", &["binance coin"]),
    ("XRP", &["ripple"]),
    ("ADA", &["cardano"]),
    ("DOGE", &["dogecoin"]),
    ("AVAX", &["avalanche"]),
    ("DOT", &["polkadot"]),
    ("LINK", &["chainlink"]),
    ("LTC", &["litecoin"]),
];

#[derive(Clone, Debug, Default)]
pub struct SymbolMap {
    aliases: HashMap<String, Symbol>,
}

impl SymbolMap {
    /// Aliases for each symbol: itself, its base asset, Polygon's `X:<BASE>USD` and `<BASE>USD`,
    /// and the coin's common name.
    pub fn for_symbols(symbols: &[Symbol]) -> Self {
        let mut m = Self::default();
        for s in symbols {
            m.add(s.as_str(), *s);
            let Some(base) = base_asset(*s) else { continue };
            for alias in [base.clone(), format!("X:{base}USD"), format!("{base}USD")] {
                m.add(&alias, *s);
            }
            for (_, names) in NAMES.iter().filter(|(b, _)| *b == base) {
                for n in *names {
                    m.add(n, *s);
                }
            }
        }
        m
    }

    /// Binds `alias` (e.g. an ETF's ticker) to `symbol`.
    pub fn add(&mut self, alias: &str, symbol: Symbol) {
        self.aliases.entry(alias.trim().to_lowercase()).or_insert(symbol);
    }

    pub fn get(&self, ticker: &str) -> Option<Symbol> {
        self.aliases.get(&ticker.trim().to_lowercase()).copied()
    }

    /// The symbols `tickers` name, each once, in first-seen order.
    pub fn symbols_of(&self, tickers: &[String]) -> Vec<Symbol> {
        let mut out = Vec::new();
        for s in tickers.iter().filter_map(|t| self.get(t)) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

/// `BTCUSDT` → `BTC`. None when no known quote asset ends the symbol.
pub fn base_asset(s: Symbol) -> Option<String> {
    let s = s.as_str();
    QUOTES.iter().find_map(|q| s.strip_suffix(q).filter(|b| !b.is_empty()).map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickers_names_and_pairs_map_to_the_traded_symbol() {
        let m = SymbolMap::for_symbols(&[Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]);
        for t in ["X:BTCUSD", "btc", "Bitcoin", "BTCUSDT", " BTCUSD "] {
            assert_eq!(m.get(t), Some(Symbol::new("BTCUSDT")), "{t}");
        }
        assert_eq!(m.get("ether"), Some(Symbol::new("ETHUSDT")));
        assert_eq!(m.get("AAPL"), None);
        let tickers: Vec<String> = ["AAPL", "X:ETHUSD", "ethereum", "BTC"].map(String::from).to_vec();
        assert_eq!(m.symbols_of(&tickers), [Symbol::new("ETHUSDT"), Symbol::new("BTCUSDT")]);
        assert_eq!(base_asset(Symbol::new("SOLFDUSD")).as_deref(), Some("SOL"));
        assert_eq!(base_asset(Symbol::new("USDT")), None);
    }
}
