//! The pipeline into the real embedded index with the local embedder: one record per
//! (article, symbol), stable ids, chunks, cleaned urls, idempotent re-ingestion, and search.

use mirai_core::{Collection, Symbol, Timestamp};
use mirai_news::{NewsItem, TextQuery, sample_items, search_text, stable_id};

use crate::helpers::{env, pipeline};

/// When the tests' ingestion runs.
const SEEN: Timestamp = Timestamp::from_millis(1_800_000_000_000);

fn item(title: &str, body: &str, tickers: &[&str], ms: i64) -> NewsItem {
    NewsItem {
        url: Some(format!("https://news.example.com/{}?apiKey=leaked&ref=feed", title.replace(' ', "-"))),
        published_at: Timestamp::from_millis(ms),
        title: title.into(),
        body: body.into(),
        source: "Example Wire".into(),
        tickers: tickers.iter().map(|t| t.to_string()).collect(),
    }
}

#[tokio::test]
async fn the_sample_is_searchable_by_text_and_filters() {
    let e = env();
    let sample = sample_items();
    let report = pipeline().ingest(&*e.embedder, &*e.index, &sample.items, SEEN).await.unwrap();
    assert_eq!(report.items, sample.items.len());
    assert!(report.chunks >= report.articles && report.articles > report.items, "{report:?}");

    let hits = search_text(&*e.embedder, &*e.index, Collection::News, &TextQuery::new("bitcoin ETF inflows"))
        .await
        .unwrap();
    assert!(hits[0].doc.title.contains("ETF"), "{:?}", hits.iter().map(|h| &h.doc.title).collect::<Vec<_>>());

    let q = TextQuery {
        symbol: Some(Symbol::new("ETHUSDT")),
        top_k: 50,
        ..TextQuery::new("staking upgrade fees")
    };
    let eth = search_text(&*e.embedder, &*e.index, Collection::News, &q).await.unwrap();
    assert!(!eth.is_empty() && eth.iter().all(|h| h.doc.symbol == Some(Symbol::new("ETHUSDT"))));

    let q = TextQuery {
        since: Some(Timestamp::from_millis(1_793_404_800_000)), // 2026-11-01
        top_k: 50,
        ..TextQuery::new("bitcoin")
    };
    let november = search_text(&*e.embedder, &*e.index, Collection::News, &q).await.unwrap();
    assert!(
        !november.is_empty()
            && november.iter().all(|h| h.doc.published_at.to_iso8601().starts_with("2026-11"))
    );
}

#[tokio::test]
async fn ingesting_again_changes_nothing() {
    let e = env();
    let items = sample_items().items;
    let first = pipeline().ingest(&*e.embedder, &*e.index, &items, SEEN).await.unwrap();
    let stored = e.index.len(Collection::News);
    let before = everything(&e).await;
    // A day later: the same chunks, which must not now look newly arrived.
    let second =
        pipeline().ingest(&*e.embedder, &*e.index, &items, SEEN.plus_millis(86_400_000)).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(e.index.len(Collection::News), stored, "no copies");
    assert_eq!(stored, first.chunks);
    let after = everything(&e).await;
    assert_eq!(after.len(), stored);
    assert!(after.iter().all(|h| h.doc.first_seen_at == SEEN), "first seen at the first ingestion");
    assert_eq!(after, before, "nothing changed");
}

/// Every stored chunk, best match to "bitcoin" first.
async fn everything(e: &crate::helpers::Env) -> Vec<mirai_core::VectorHit> {
    let q = mirai_core::VectorQuery {
        embedding: mirai_core::Embedder::embed(&*e.embedder, &["bitcoin".to_owned()])
            .await
            .expect("a query vector")
            .remove(0),
        top_k: 1000,
        symbol: None,
        since: None,
        until: None,
        seen_until: None,
    };
    mirai_core::VectorStore::search(&*e.index, Collection::News, &q).await.expect("a search")
}

#[tokio::test]
async fn one_record_per_symbol_with_stable_chunk_ids_and_clean_urls() {
    let e = env();
    let long = "Bitcoin rallied as ETF demand rose. ".repeat(60);
    let both = item("Both coins", "Bitcoin and ether rose.", &["BTC", "ethereum", "AAPL"], 1_000);
    let items = vec![
        both.clone(),
        item("Macro", "The dollar rose.", &["DXY"], 2_000),
        item("Long read", &long, &["X:BTCUSD"], 3_000),
        both.clone(),
    ];
    let r = pipeline().ingest(&*e.embedder, &*e.index, &items, SEEN).await.unwrap();
    assert_eq!((r.items, r.articles, r.duplicates), (4, 4, 2), "{r:?}");
    assert!(r.chunks > 5, "the long read is chunked: {r:?}");

    let q = TextQuery { top_k: 50, ..TextQuery::new("bitcoin ether dollar rose") };
    let hits = search_text(&*e.embedder, &*e.index, Collection::News, &q).await.unwrap();
    let btc_id = stable_id(&both, Some(Symbol::new("BTCUSDT")));
    let both_hits: Vec<_> = hits.iter().filter(|h| h.doc.title == "Both coins").collect();
    assert_eq!(both_hits.len(), 2);
    assert!(both_hits.iter().any(|h| h.doc.id == format!("news-{btc_id}-0")));
    let macro_hit = hits.iter().find(|h| h.doc.title == "Macro").unwrap();
    assert_eq!(macro_hit.doc.symbol, None);
    for h in &hits {
        let url = h.doc.url.as_deref().unwrap();
        assert!(!url.contains("apiKey") && !url.contains("leaked") && url.ends_with("?ref=feed"), "{url}");
        assert!(h.doc.text.chars().count() <= 1000);
    }
}
