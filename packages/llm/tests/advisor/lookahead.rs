//! No look-ahead: the news retrieved for a decision at time t, and so the prompt, is byte for byte
//! the same whether or not the store also holds news published after t, even news more similar
//! to the query than anything before t; live, the same holds for news published before t but
//! first seen by Mirai after it (backfilled); and a backtest delay hides news published just
//! before t.

use mirai_core::{Collection, Symbol, Timestamp, VectorDoc, VectorQuery, VectorStore};
use mirai_llm::LocalEmbedder;
use mirai_llm::advisor::prompt::{self, PromptNews};
use mirai_llm::advisor::retrieval::{self, RetrievalSettings};
use mirai_store_local::vectors::LocalVectorIndex;

use crate::support::{T, request};

const HOUR: i64 = 3_600_000;

/// The words the retrieval query is made of for BTCUSDT.
const QUERY_WORDS: &str = "BTCUSDT bitcoin market news";

fn btc() -> Symbol {
    Symbol::new("BTCUSDT")
}

/// An item first seen when it was published (unless changed by the caller).
fn doc(e: &LocalEmbedder, id: &str, published_ms: i64, title: &str, text: &str) -> VectorDoc {
    VectorDoc {
        id: id.into(),
        symbol: Some(btc()),
        published_at: Timestamp::from_millis(published_ms),
        first_seen_at: Timestamp::from_millis(published_ms),
        source: "wire".into(),
        url: Some(format!("https://example.com/{id}")),
        title: title.into(),
        text: text.into(),
        embedding: e.embed_one(&format!("{title} {text}")).expect("words to embed"),
    }
}

/// Twenty items from the three days before `T`, the last one published exactly at `T`.
fn before_t(e: &LocalEmbedder) -> Vec<VectorDoc> {
    let topics = ["ETF flows", "miner reserves", "exchange volumes", "funding rates", "options expiry"];
    let mut docs: Vec<VectorDoc> = (0..19)
        .map(|i| {
            let topic = topics[i % topics.len()];
            doc(
                e,
                &format!("old-{i}"),
                T - (i as i64 + 1) * 3 * HOUR,
                &format!("Bitcoin {topic}, report {i}"),
                &format!("The bitcoin market saw {topic} change on day {i}."),
            )
        })
        .collect();
    docs.push(doc(e, "at-t", T, "Bitcoin market news at the bell", "Bitcoin traded flat."));
    docs
}

/// Sixty items published after `T` (the first a millisecond after) whose words are the query's
/// own: each more similar to the query than any item before `T`.
fn after_t(e: &LocalEmbedder) -> Vec<VectorDoc> {
    (0..60)
        .map(|i| doc(e, &format!("future-{i}"), T + 1 + i * HOUR, QUERY_WORDS, &format!("{QUERY_WORDS} {i}")))
        .collect()
}

fn index(e: &LocalEmbedder, sets: &[Vec<VectorDoc>]) -> LocalVectorIndex {
    let index = LocalVectorIndex::open_in_memory(mirai_core::Embedder::model(e).clone()).expect("an index");
    for docs in sets {
        index.upsert_sync(Collection::News, docs).expect("the documents are stored");
    }
    index
}

async fn news_at(
    e: &LocalEmbedder,
    store: &LocalVectorIndex,
    settings: RetrievalSettings,
) -> Vec<PromptNews> {
    retrieval::news_at(e, store, btc(), Timestamp::from_millis(T), settings).await.expect("a search")
}

fn ids(news: &[PromptNews]) -> Vec<&str> {
    news.iter().map(|n| n.id.as_str()).collect()
}

#[tokio::test]
async fn the_prompt_at_t_is_identical_with_or_without_news_published_after_t() {
    let e = LocalEmbedder::new();
    let past = before_t(&e);
    let future = after_t(&e);
    let without = index(&e, std::slice::from_ref(&past));
    // Stored through the port, as ingestion does.
    let with = index(&e, &[]);
    VectorStore::upsert(&with, Collection::News, &past).await.expect("stored");
    VectorStore::upsert(&with, Collection::News, &future).await.expect("stored");

    // The later items would win an unbounded search outright: every one of the first `top_k`
    // places. Filtering after such a search would leave nothing from before t.
    let settings = RetrievalSettings::default();
    let query = e.embed_one(QUERY_WORDS).expect("a query vector");
    let unbounded = VectorQuery {
        embedding: query,
        top_k: settings.top_k,
        symbol: None,
        since: None,
        until: None,
        seen_until: None,
    };
    let hits = with.search(Collection::News, &unbounded).await.expect("a search");
    assert_eq!(hits.len(), settings.top_k);
    assert!(
        hits.iter().all(|h| h.doc.id.starts_with("future-")),
        "{:?}",
        hits.iter().map(|h| &h.doc.id).collect::<Vec<_>>()
    );

    let a = news_at(&e, &without, settings).await;
    let b = news_at(&e, &with, settings).await;
    assert_eq!(a.len(), settings.final_k, "a full page of news before t: {:?}", ids(&a));
    assert!(a.iter().all(|n| n.published_at.millis() <= T));
    assert!(ids(&a).contains(&"at-t"), "published at t is known at t: {:?}", ids(&a));
    assert_eq!(ids(&b), ids(&a), "the same items, in the same order");

    let req = request();
    let pa = prompt::build(&req, &a);
    let pb = prompt::build(&req, &b);
    assert_eq!(pa.system.as_bytes(), pb.system.as_bytes());
    assert_eq!(pa.user.as_bytes(), pb.user.as_bytes());
    assert_eq!(pa.shown, pb.shown);
    assert!(!pb.user.contains("future-"));
}

#[tokio::test]
async fn live_news_published_before_t_but_first_seen_after_t_stays_out_of_the_prompt() {
    let e = LocalEmbedder::new();
    let past = before_t(&e);
    // Published in the hour before t, fetched only after it (a backfill): each more similar to
    // the query than anything seen by t, so enough of them to fill every place of the search.
    let backfilled: Vec<VectorDoc> = (0..60)
        .map(|i| VectorDoc {
            first_seen_at: Timestamp::from_millis(T + 1 + i * HOUR),
            ..doc(
                &e,
                &format!("backfilled-{i}"),
                T - HOUR + i * 10_000,
                QUERY_WORDS,
                &format!("{QUERY_WORDS} {i}"),
            )
        })
        .collect();
    let without = index(&e, std::slice::from_ref(&past));
    let with = index(&e, &[past, backfilled]);

    let live = RetrievalSettings::default();
    let a = news_at(&e, &without, live).await;
    let b = news_at(&e, &with, live).await;
    assert_eq!(a.len(), live.final_k, "a full page of news seen by t: {:?}", ids(&a));
    assert_eq!(ids(&b), ids(&a), "the same items, in the same order");
    let req = request();
    let (pa, pb) = (prompt::build(&req, &a), prompt::build(&req, &b));
    assert_eq!(pa.system.as_bytes(), pb.system.as_bytes());
    assert_eq!(pa.user.as_bytes(), pb.user.as_bytes());
    assert_eq!(pa.shown, pb.shown);
    assert!(!pb.user.contains("backfilled-"));

    // A backtest cannot know when an item was first seen: publication plus the delay decides,
    // and the backfilled items, published more than the delay before t, are shown.
    let backtest = RetrievalSettings { delay_ms: 5 * 60_000, backtest: true, ..RetrievalSettings::default() };
    let c = news_at(&e, &with, backtest).await;
    assert!(ids(&c).iter().any(|id| id.starts_with("backfilled-")), "{:?}", ids(&c));
    assert!(c.iter().all(|n| n.published_at.millis() <= T - 5 * 60_000), "{:?}", ids(&c));
    assert!(prompt::build(&req, &c).user.contains("backfilled-"));
}

#[tokio::test]
async fn a_backtest_delay_hides_news_published_just_before_t() {
    let e = LocalEmbedder::new();
    let store = index(
        &e,
        &[vec![
            doc(&e, "one-minute-before", T - 60_000, "Bitcoin market news", "Bitcoin jumped on ETF news."),
            doc(&e, "six-minutes-before", T - 360_000, "Bitcoin market news", "Bitcoin slipped on ETF news."),
        ]],
    );
    let live = news_at(&e, &store, RetrievalSettings::default()).await;
    let mut seen = ids(&live);
    seen.sort_unstable();
    assert_eq!(seen, ["one-minute-before", "six-minutes-before"], "live, both were seen before t");

    let delayed = RetrievalSettings { delay_ms: 5 * 60_000, backtest: true, ..RetrievalSettings::default() };
    let backtest = news_at(&e, &store, delayed).await;
    assert_eq!(ids(&backtest), ["six-minutes-before"], "published 1 min before t, known 4 min after it");
    let p = prompt::build(&request(), &backtest);
    assert!(!p.user.contains("one-minute-before") && !p.user.contains("jumped"), "{}", p.user);
}
