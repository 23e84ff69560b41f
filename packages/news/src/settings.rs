//! News settings, read from the environment and validated at once. With nothing set, the
//! bundled sample news is ingested so search works out of the box.

use std::path::PathBuf;
use std::time::Duration;

use mirai_core::Symbol;
use mirai_settings::Reader;
use secrecy::SecretString;

use crate::chunk::DEFAULT_CHUNK_CHARS;
use crate::polygon::{DEFAULT_BASE_URL, PolygonSettings};
use crate::retention::RETENTION_DAYS;
use crate::symbols::base_asset;

#[derive(Clone, Debug)]
pub struct NewsSettings {
    pub polygon: Option<PolygonSettings>,
    /// Tickers asked of Polygon, each bound to the symbol its news is about.
    pub polygon_tickers: Vec<(String, Symbol)>,
    /// JSONL (`.jsonl`) and RSS (`.xml`, `.rss`) files imported at start and when they change.
    pub import_paths: Vec<PathBuf>,
    pub sample: bool,
    pub poll_every: Duration,
    /// How far back the first Polygon poll after a start reaches.
    pub lookback: Duration,
    pub retention_days: u32,
    pub chunk_chars: usize,
}

impl NewsSettings {
    /// The defaults for `symbols`: sample news only, polled every 15 minutes.
    pub fn new(symbols: &[Symbol]) -> Self {
        Self {
            polygon: None,
            polygon_tickers: default_tickers(symbols),
            import_paths: Vec::new(),
            sample: true,
            poll_every: Duration::from_secs(15 * 60),
            lookback: Duration::from_secs(24 * 3600),
            retention_days: RETENTION_DAYS,
            chunk_chars: DEFAULT_CHUNK_CHARS,
        }
    }

    /// Reads `POLYGON_API_KEY`, `POLYGON_BASE_URL`, `POLYGON_NEWS_TICKERS`, `NEWS_IMPORT_PATHS`,
    /// `NEWS_SAMPLE`, `NEWS_POLL_MINUTES`, `NEWS_LOOKBACK_HOURS`, `NEWS_RETENTION_DAYS` and
    /// `NEWS_CHUNK_CHARS`; one line per invalid setting, secrets never echoed.
    pub fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        symbols: &[Symbol],
    ) -> Result<Self, Vec<String>> {
        let mut r = Reader::new(get);
        let mut s = Self::new(symbols);
        if let Some(key) = r.raw("POLYGON_API_KEY") {
            let mut p = PolygonSettings::new(SecretString::from(key));
            if let Some(url) = r.raw("POLYGON_BASE_URL") {
                match mirai_settings::check_base_url(&url, mirai_settings::Transport::HttpsUnlessLoopback) {
                    Ok(_) => p.base_url = url.trim_end_matches('/').to_owned(),
                    Err(why) => r.error(format!("POLYGON_BASE_URL={url:?} {why}")),
                }
            } else {
                p.base_url = DEFAULT_BASE_URL.into();
            }
            s.polygon = Some(p);
        }
        if let Some(list) = r.raw("POLYGON_NEWS_TICKERS") {
            s.polygon_tickers.clear();
            for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match parse_ticker(entry, symbols) {
                    Ok(t) => s.polygon_tickers.push(t),
                    Err(why) => r.error(format!("POLYGON_NEWS_TICKERS entry {entry:?} {why}")),
                }
            }
        }
        if let Some(paths) = r.raw("NEWS_IMPORT_PATHS") {
            s.import_paths =
                paths.split(',').map(str::trim).filter(|p| !p.is_empty()).map(PathBuf::from).collect();
            for p in &s.import_paths {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if !matches!(ext.as_str(), "jsonl" | "xml" | "rss") {
                    r.error(format!("NEWS_IMPORT_PATHS: {} must end in .jsonl, .xml or .rss", p.display()));
                }
            }
        }
        s.sample = s.polygon.is_none() && s.import_paths.is_empty();
        s.sample = r.bool("NEWS_SAMPLE", s.sample);
        s.poll_every = Duration::from_secs(60 * r.ranged("NEWS_POLL_MINUTES", 15u64, 1, 1440));
        s.lookback = Duration::from_secs(3600 * r.ranged("NEWS_LOOKBACK_HOURS", 24u64, 1, 24 * 30));
        s.retention_days = r.ranged("NEWS_RETENTION_DAYS", RETENTION_DAYS, 1, RETENTION_DAYS);
        s.chunk_chars = r.ranged("NEWS_CHUNK_CHARS", DEFAULT_CHUNK_CHARS, 200, 4000);
        r.finish(s)
    }
}

/// `X:BTCUSD` for `BTCUSDT`: Polygon's name for the coin against the dollar.
fn default_tickers(symbols: &[Symbol]) -> Vec<(String, Symbol)> {
    symbols.iter().filter_map(|s| base_asset(*s).map(|b| (format!("X:{b}USD"), *s))).collect()
}

/// `TICKER=SYMBOL` binds any ticker (an ETF, a miner); a bare ticker must name a traded coin.
fn parse_ticker(entry: &str, symbols: &[Symbol]) -> Result<(String, Symbol), String> {
    let ok_ticker = |t: &str| {
        !t.is_empty()
            && t.len() <= 32
            && t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-'))
    };
    let (ticker, symbol) = match entry.split_once('=') {
        Some((t, s)) => {
            let sym = Symbol::new_checked(s).map_err(|e| e.to_string())?;
            if !symbols.contains(&sym) {
                return Err(format!("binds to {sym}, which is not in SYMBOLS"));
            }
            (t.trim().to_owned(), sym)
        }
        None => {
            let map = crate::SymbolMap::for_symbols(symbols);
            let sym = map.get(entry).ok_or("names no symbol in SYMBOLS; write TICKER=SYMBOL")?;
            (entry.to_owned(), sym)
        }
    };
    if !ok_ticker(&ticker) {
        return Err("is not a ticker (letters, digits, : . -)".into());
    }
    Ok((ticker, symbol))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn syms() -> Vec<Symbol> {
        vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]
    }

    fn read(pairs: &[(&str, &str)]) -> Result<NewsSettings, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        NewsSettings::from_lookup(&move |k| env.get(k).cloned(), &syms())
    }

    #[test]
    fn nothing_set_means_sample_news_only() {
        let s = read(&[]).unwrap();
        assert!(s.sample && s.polygon.is_none() && s.import_paths.is_empty());
        let tickers: Vec<&str> = s.polygon_tickers.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(tickers, ["X:BTCUSD", "X:ETHUSD"]);
        assert_eq!(s.retention_days, 730);
    }

    #[test]
    fn a_real_source_turns_the_sample_off_unless_asked() {
        let s = read(&[("POLYGON_API_KEY", "pk-123")]).unwrap();
        assert!(!s.sample && s.polygon.is_some());
        assert!(!format!("{s:?}").contains("pk-123"));
        let s = read(&[("NEWS_IMPORT_PATHS", "a.jsonl, b.xml"), ("NEWS_SAMPLE", "yes")]).unwrap();
        assert!(s.sample);
        assert_eq!(s.import_paths.len(), 2);
    }

    #[test]
    fn every_problem_at_once() {
        let errors = read(&[
            ("POLYGON_API_KEY", "pk-secret-777"),
            ("POLYGON_BASE_URL", "http://evil.example.com"),
            ("POLYGON_NEWS_TICKERS", "IBIT=BTCUSDT, AAPL, X:SOLUSD=SOLUSDT"),
            ("NEWS_IMPORT_PATHS", "notes.txt"),
            ("NEWS_SAMPLE", "maybe"),
            ("NEWS_POLL_MINUTES", "0"),
            ("NEWS_RETENTION_DAYS", "1000"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(!errors.join(" ").contains("pk-secret-777"));
    }

    #[test]
    fn tickers_can_be_bound_to_symbols() {
        let s = read(&[("POLYGON_NEWS_TICKERS", "IBIT=BTCUSDT,bitcoin")]).unwrap();
        assert_eq!(
            s.polygon_tickers,
            [("IBIT".to_owned(), Symbol::new("BTCUSDT")), ("bitcoin".to_owned(), Symbol::new("BTCUSDT"))]
        );
    }
}
