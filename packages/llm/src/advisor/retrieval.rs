//! Point-in-time news for a decision: only what was available at the decision's time reaches the
//! prompt. Live, an item is available from `max(published_at, first_seen_at)`: published, and
//! stored by Mirai (backfilled news published long ago arrives late). In backtests nobody saw
//! items arrive, so one counts from its publication plus a delay. The time bound is part of the
//! search itself (the store filters before it ranks), so an item not yet available can neither
//! appear nor push an earlier one out of the top results; the model never chooses the window.
//!
//! The `top_k` most similar items (48 by default) are re-ranked by similarity, recency and
//! symbol match, and the best `final_k` (12) are shown, in that order. Ties break on the id, so
//! the same store gives the same prompt.

use mirai_core::{
    Collection, Embedder, Symbol, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery, VectorStore,
};

use super::prompt::PromptNews;

pub const DEFAULT_TOP_K: usize = 48;
pub const DEFAULT_FINAL_K: usize = 12;

/// How news is found for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetrievalSettings {
    /// Candidates taken from the store (`NEWS_TOPK`).
    pub top_k: usize,
    /// Shown to the model after re-ranking (`NEWS_FINAL_K`).
    pub final_k: usize,
    /// In backtests, how long after publication an item counts as known, since nobody saw it
    /// arrive (`NEWS_BACKTEST_DELAY_MINUTES`). Not used live.
    pub delay_ms: i64,
    /// `true` in backtests: an item counts from its publication plus `delay_ms`. `false` live:
    /// from when the worker first saw it, or its publication if later.
    pub backtest: bool,
}

impl Default for RetrievalSettings {
    fn default() -> Self {
        Self { top_k: DEFAULT_TOP_K, final_k: DEFAULT_FINAL_K, delay_ms: 0, backtest: false }
    }
}

/// What a decision may know: news published by `published_until` and, live, first stored by
/// `seen_until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Availability {
    pub published_until: Timestamp,
    pub seen_until: Option<Timestamp>,
}

impl Availability {
    /// Live: published and first seen by `at`. Backtest: published by `at` minus the delay; when
    /// a backtest's news was first seen says nothing about the period it replays.
    pub fn at(at: Timestamp, settings: &RetrievalSettings) -> Self {
        if settings.backtest {
            let delay = settings.delay_ms.max(0);
            Self {
                published_until: Timestamp::from_millis(at.millis().saturating_sub(delay)),
                seen_until: None,
            }
        } else {
            Self { published_until: at, seen_until: Some(at) }
        }
    }

    pub fn admits(&self, doc: &VectorDoc) -> bool {
        doc.published_at <= self.published_until && self.seen_until.is_none_or(|s| doc.first_seen_at <= s)
    }
}

/// The news available at `at` about `symbol`, best first.
pub async fn news_at<E: Embedder, S: VectorStore>(
    embedder: &E,
    store: &S,
    symbol: Symbol,
    at: Timestamp,
    settings: RetrievalSettings,
) -> Result<Vec<PromptNews>, VectorError> {
    if settings.final_k == 0 || settings.top_k == 0 {
        return Ok(Vec::new());
    }
    let query_text = format!("{} {} market news", symbol, base_name(symbol));
    let embedding = embedder
        .embed(&[query_text])
        .await?
        .pop()
        .ok_or_else(|| VectorError::Invalid("no query vector".into()))?;
    let bound = Availability::at(at, &settings);
    let query = VectorQuery {
        embedding,
        top_k: settings.top_k,
        symbol: None,
        since: None,
        until: Some(bound.published_until),
        seen_until: bound.seen_until,
    };
    let hits = store.search(Collection::News, &query).await?;
    Ok(rerank(hits, symbol, bound, settings.final_k))
}

/// Similarity, then a recency bonus (halving every day before `bound.published_until`), then a
/// bonus for naming the symbol.
pub fn rerank(hits: Vec<VectorHit>, symbol: Symbol, bound: Availability, final_k: usize) -> Vec<PromptNews> {
    let at = bound.published_until;
    let mut scored: Vec<(f64, VectorHit)> = hits
        .into_iter()
        // The store's filter already did this; checked again because a leak here is the one
        // mistake a backtest (or a rebuilt live prompt) cannot survive.
        .filter(|h| bound.admits(&h.doc))
        .map(|h| {
            let age_days = (at.millis() - h.doc.published_at.millis()).max(0) as f64 / 86_400_000.0;
            let recency = 0.5f64.powf(age_days);
            let symbol_match = if h.doc.symbol == Some(symbol) { 1.0 } else { 0.0 };
            (0.6 * f64::from(h.score) + 0.3 * recency + 0.1 * symbol_match, h)
        })
        .collect();
    scored.sort_by(|(a, ha), (b, hb)| b.total_cmp(a).then_with(|| ha.doc.id.cmp(&hb.doc.id)));
    scored
        .into_iter()
        .take(final_k)
        .map(|(_, h)| PromptNews {
            id: h.doc.id,
            published_at: h.doc.published_at,
            source: h.doc.source,
            title: h.doc.title,
            text: h.doc.text,
            url: h.doc.url,
        })
        .collect()
}

/// A plain name for the symbol's base asset, so the query reads the way the news is written.
fn base_name(symbol: Symbol) -> &'static str {
    match symbol.as_str() {
        s if s.starts_with("BTC") => "bitcoin",
        s if s.starts_with("ETH") => "ethereum",
        s if s.starts_with("SOL") => "solana",
        s if s.starts_with("BNB") => "bnb",
        s if s.starts_with("XRP") => "xrp",
        _ => "crypto",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, published: i64, score: f32, symbol: Option<&str>) -> VectorHit {
        VectorHit {
            doc: VectorDoc {
                id: id.into(),
                symbol: symbol.map(Symbol::new),
                published_at: Timestamp::from_millis(published),
                first_seen_at: Timestamp::from_millis(published),
                source: "test".into(),
                url: None,
                title: id.into(),
                text: "text".into(),
                embedding: Vec::new(),
            },
            score,
        }
    }

    #[test]
    fn later_news_never_passes_and_ties_break_on_the_id() {
        let btc = Symbol::new("BTCUSDT");
        let at = Timestamp::from_millis(10 * 86_400_000);
        let hits = vec![
            hit("b", at.millis(), 0.5, Some("BTCUSDT")),
            hit("a", at.millis(), 0.5, Some("BTCUSDT")),
            hit("future", at.millis() + 1, 0.99, Some("BTCUSDT")),
            hit("old", at.millis() - 3 * 86_400_000, 0.6, None),
        ];
        let ids: Vec<String> = rerank(hits, btc, live(at), 12).into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["a", "b", "old"]);
    }

    fn live(at: Timestamp) -> Availability {
        Availability::at(at, &RetrievalSettings::default())
    }

    #[test]
    fn live_an_item_first_seen_after_the_decision_never_passes_even_if_published_before() {
        let btc = Symbol::new("BTCUSDT");
        let at = Timestamp::from_millis(10 * 86_400_000);
        let mut backfilled = hit("backfilled", at.millis() - 86_400_000, 0.99, Some("BTCUSDT"));
        backfilled.doc.first_seen_at = at.plus_millis(1);
        let mut seen_at_t = hit("seen-at-t", at.millis() - 86_400_000, 0.5, Some("BTCUSDT"));
        seen_at_t.doc.first_seen_at = at;
        let hits = vec![backfilled, seen_at_t];
        let ids: Vec<String> = rerank(hits.clone(), btc, live(at), 12).into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["seen-at-t"]);
        // A backtest does not know when an item was first seen; publication plus delay rules.
        let backtest =
            Availability::at(at, &RetrievalSettings { backtest: true, ..RetrievalSettings::default() });
        assert_eq!(backtest, Availability { published_until: at, seen_until: None });
        let ids: Vec<String> = rerank(hits, btc, backtest, 12).into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["backfilled", "seen-at-t"]);
    }

    #[test]
    fn recency_and_the_symbol_lift_an_item_and_final_k_bounds_the_list() {
        let btc = Symbol::new("BTCUSDT");
        let at = Timestamp::from_millis(100 * 86_400_000);
        let hits = vec![
            hit("stale", at.millis() - 30 * 86_400_000, 0.7, None),
            hit("fresh-btc", at.millis() - 3_600_000, 0.6, Some("BTCUSDT")),
            hit("fresh-eth", at.millis() - 3_600_000, 0.6, Some("ETHUSDT")),
        ];
        let ids: Vec<String> = rerank(hits, btc, live(at), 2).into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["fresh-btc", "fresh-eth"]);
    }
}
