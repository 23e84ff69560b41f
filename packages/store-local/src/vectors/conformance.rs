//! The [`VectorStore`] contract as executable checks, shared by every implementation's tests
//! (this crate's embedded index and `mirai-store-milvus` against a real milvus-lite), so the
//! default and the production store cannot drift apart. Each check panics on a breach.
//!
//! It lives in the library rather than under `tests/` because two crates run it; it is small,
//! pulls in nothing, and is never called by production code.

use std::future::Future;

use mirai_core::{
    Collection, EmbeddingModel, Symbol, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery,
    VectorStore,
};

/// How a test suite gives the checks stores to work on.
pub trait Harness {
    type Store: VectorStore;

    /// A new, empty store for vectors of `model`.
    fn fresh(&mut self, model: EmbeddingModel) -> impl Future<Output = Self::Store>;

    /// The data of the store `fresh` made last, opened again for vectors of `model`: a restart,
    /// perhaps with another embedder.
    fn reopen(&mut self, model: EmbeddingModel) -> impl Future<Output = Self::Store>;
}

pub const DIM: usize = 8;

/// The model the checks write with.
pub fn model() -> EmbeddingModel {
    EmbeddingModel { name: "conformance-a".into(), dimension: DIM }
}

/// How long after publication [`doc`] says a document was first seen: not zero, so a store that
/// handed the publication time back as the first sight is caught.
pub const SEEN_LAG_MS: i64 = 7;

pub fn doc(id: &str, symbol: Option<&str>, published_ms: i64, embedding: Vec<f32>) -> VectorDoc {
    VectorDoc {
        id: id.into(),
        symbol: symbol.map(Symbol::new),
        published_at: Timestamp::from_millis(published_ms),
        first_seen_at: Timestamp::from_millis(published_ms.saturating_add(SEEN_LAG_MS)),
        source: "conformance".into(),
        url: (!id.ends_with('u')).then(|| format!("https://example.com/news/{id}")),
        title: format!("Title of {id}"),
        text: format!("Text of {id}: naïve café ₿ — \"quoted\" and 'single' \\ backslash"),
        embedding,
    }
}

/// `DIM` values with the given components set.
pub fn vector(components: &[(usize, f32)]) -> Vec<f32> {
    let mut v = vec![0.0; DIM];
    for (i, x) in components {
        v[*i] = *x;
    }
    v
}

pub fn query(embedding: Vec<f32>, top_k: usize) -> VectorQuery {
    VectorQuery { embedding, top_k, symbol: None, since: None, until: None, seen_until: None }
}

/// `d`, first seen at `ms`.
pub fn seen_at(d: VectorDoc, ms: i64) -> VectorDoc {
    VectorDoc { first_seen_at: Timestamp::from_millis(ms), ..d }
}

fn ids(hits: &[VectorHit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc.id.as_str()).collect()
}

fn exact_cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let n = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (n(a) * n(b))
}

async fn all(store: &impl VectorStore, c: Collection) -> Vec<VectorHit> {
    store.search(c, &query(vector(&[(0, 1.0)]), 1000)).await.expect("search everything")
}

/// Results come best first with their exact cosine, every stored field back as written and the
/// embedding left empty; `top_k` caps the count.
pub async fn upsert_then_search_best_first(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let docs = vec![
        doc("d-far", Some("BTCUSDT"), 1_000, vector(&[(0, -1.0), (2, 0.2)])),
        doc("d-best", Some("BTCUSDT"), 2_000, vector(&[(0, 1.0)])),
        doc("d-side", None, 3_000, vector(&[(1, 1.0)])),
        doc("d-nearu", Some("ETHUSDT"), 4_000, vector(&[(0, 1.0), (1, 1.0)])),
    ];
    s.upsert(Collection::News, &docs).await.expect("upsert");
    let q = vector(&[(0, 1.0), (1, 0.1)]);
    let hits = s.search(Collection::News, &query(q.clone(), 10)).await.expect("search");
    assert_eq!(ids(&hits), ["d-best", "d-nearu", "d-side", "d-far"]);
    for hit in &hits {
        let written = docs.iter().find(|d| d.id == hit.doc.id).expect("a written doc");
        let expected = exact_cosine(&q, &written.embedding);
        assert!((hit.score - expected).abs() < 1e-4, "{}: score {} not {expected}", hit.doc.id, hit.score);
        assert!(hit.doc.embedding.is_empty(), "hits carry no embedding");
        assert_eq!(VectorDoc { embedding: written.embedding.clone(), ..hit.doc.clone() }, *written);
    }
    let top2 = s.search(Collection::News, &query(q, 2)).await.expect("search");
    assert_eq!(ids(&top2), ["d-best", "d-nearu"]);
}

/// The symbol filter keeps that symbol's documents only; `since` and `until` are inclusive.
pub async fn filters_by_symbol_and_time(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let docs = vec![
        doc("btc-1", Some("BTCUSDT"), 1_000, vector(&[(0, 1.0)])),
        doc("btc-2", Some("BTCUSDT"), 2_000, vector(&[(0, 1.0), (1, 0.5)])),
        doc("btc-3", Some("BTCUSDT"), 3_000, vector(&[(0, 1.0), (1, 1.0)])),
        doc("eth-2", Some("ETHUSDT"), 2_000, vector(&[(0, 1.0), (1, 0.1)])),
        doc("none-2", None, 2_000, vector(&[(0, 1.0), (1, 0.2)])),
    ];
    s.upsert(Collection::News, &docs).await.expect("upsert");
    let base = query(vector(&[(0, 1.0)]), 10);
    let run = |q: VectorQuery| {
        let s = &s;
        async move { s.search(Collection::News, &q).await.expect("search") }
    };
    let btc = run(VectorQuery { symbol: Some(Symbol::new("BTCUSDT")), ..base.clone() }).await;
    assert_eq!(ids(&btc), ["btc-1", "btc-2", "btc-3"]);
    let window = run(VectorQuery {
        since: Some(Timestamp::from_millis(2_000)),
        until: Some(Timestamp::from_millis(3_000)),
        ..base.clone()
    })
    .await;
    assert_eq!(ids(&window), ["eth-2", "none-2", "btc-2", "btc-3"]);
    let both = run(VectorQuery {
        symbol: Some(Symbol::new("BTCUSDT")),
        since: Some(Timestamp::from_millis(1_001)),
        until: Some(Timestamp::from_millis(2_000)),
        ..base.clone()
    })
    .await;
    assert_eq!(ids(&both), ["btc-2"]);
    let none = run(VectorQuery { symbol: Some(Symbol::new("SOLUSDT")), ..base }).await;
    assert!(none.is_empty());
}

/// `seen_until` bounds the first sight inclusively, alone and with the other filters, and applies
/// before ranking: documents first stored later (backfilled news, say), however similar, neither
/// appear nor push an earlier one out of the top k.
pub async fn seen_until_filters_before_ranking(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let docs = vec![
        seen_at(doc("early", Some("BTCUSDT"), 1_000, vector(&[(0, 1.0), (1, 1.0)])), 1_000),
        seen_at(doc("edge", Some("BTCUSDT"), 1_500, vector(&[(0, 1.0), (1, 2.0)])), 5_000),
        seen_at(doc("eth-early", Some("ETHUSDT"), 900, vector(&[(0, 1.0), (1, 0.5)])), 2_000),
        // Published long before 5,000 but first stored after it; the closest to the query.
        seen_at(doc("backfilled-1", Some("BTCUSDT"), 500, vector(&[(0, 1.0)])), 5_001),
        seen_at(doc("backfilled-2", Some("BTCUSDT"), 600, vector(&[(0, 1.0), (1, 0.1)])), 9_000),
    ];
    s.upsert(Collection::News, &docs).await.expect("upsert");
    let run = |q: VectorQuery| {
        let s = &s;
        async move { s.search(Collection::News, &q).await.expect("search") }
    };
    let top2 = query(vector(&[(0, 1.0)]), 2);
    let seen_by = |ms: i64| VectorQuery { seen_until: Some(Timestamp::from_millis(ms)), ..top2.clone() };
    assert_eq!(ids(&run(top2.clone()).await), ["backfilled-1", "backfilled-2"], "unbounded, they win");
    assert_eq!(ids(&run(seen_by(5_000)).await), ["eth-early", "early"], "and bounded, they push nothing out");
    let all_seen = run(VectorQuery { top_k: 10, ..seen_by(5_000) }).await;
    assert_eq!(ids(&all_seen), ["eth-early", "early", "edge"], "the bound is inclusive");
    assert!(all_seen.iter().all(|h| h.doc.first_seen_at <= Timestamp::from_millis(5_000)));
    let btc_published_by_1000 = VectorQuery {
        symbol: Some(Symbol::new("BTCUSDT")),
        until: Some(Timestamp::from_millis(1_000)),
        top_k: 10,
        ..top2.clone()
    };
    let both = |ms: i64| VectorQuery {
        seen_until: Some(Timestamp::from_millis(ms)),
        ..btc_published_by_1000.clone()
    };
    assert_eq!(ids(&run(both(5_000)).await), ["early"]);
    assert_eq!(ids(&run(both(5_001)).await), ["backfilled-1", "early"]);
    assert!(run(seen_by(999)).await.is_empty(), "nothing was seen before 1,000");
}

/// A document written again keeps the earliest first sight it was ever written with, while its
/// other fields are replaced: re-ingesting an old item must not make it look newly arrived. An
/// earlier first sight does replace a later one, and within one batch the copies' earliest is
/// kept.
pub async fn upsert_keeps_the_earliest_first_seen(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    s.upsert(
        Collection::News,
        &[
            seen_at(doc("n", Some("BTCUSDT"), 1_000, vector(&[(0, 1.0)])), 2_000),
            seen_at(doc("other", None, 1_000, vector(&[(1, 1.0)])), 2_000),
        ],
    )
    .await
    .expect("upsert");
    // Again, seen later and changed, in a batch with an id new to the store.
    let again = VectorDoc {
        text: "rewritten".into(),
        ..seen_at(doc("n", Some("ETHUSDT"), 1_100, vector(&[(0, 1.0), (2, 0.5)])), 8_000)
    };
    let fresh = seen_at(doc("fresh", None, 1_000, vector(&[(2, 1.0)])), 8_000);
    s.upsert(Collection::News, &[fresh, again]).await.expect("upsert again");
    let hits = all(&s, Collection::News).await;
    let get = |hits: &[VectorHit], id: &str| hits.iter().find(|h| h.doc.id == id).expect(id).doc.clone();
    let n = get(&hits, "n");
    assert_eq!((n.text.as_str(), n.symbol), ("rewritten", Some(Symbol::new("ETHUSDT"))), "replaced");
    assert_eq!(n.published_at, Timestamp::from_millis(1_100));
    assert_eq!(n.first_seen_at, Timestamp::from_millis(2_000), "but first seen when first written");
    assert_eq!(get(&hits, "fresh").first_seen_at, Timestamp::from_millis(8_000));
    assert_eq!(get(&hits, "other").first_seen_at, Timestamp::from_millis(2_000));
    let by_2000 =
        VectorQuery { seen_until: Some(Timestamp::from_millis(2_000)), ..query(vector(&[(0, 1.0)]), 10) };
    let mut seen = ids(&s.search(Collection::News, &by_2000).await.expect("search"))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    seen.sort_unstable();
    assert_eq!(seen, ["n", "other"], "the filter reads the kept first sight");

    s.upsert(Collection::News, &[seen_at(doc("n", Some("ETHUSDT"), 1_100, vector(&[(0, 1.0)])), 1_500)])
        .await
        .expect("upsert, seen earlier");
    assert_eq!(get(&all(&s, Collection::News).await, "n").first_seen_at, Timestamp::from_millis(1_500));

    let batch = [
        seen_at(doc("dup", None, 1, vector(&[(3, 1.0)])), 1_200),
        VectorDoc { text: "last copy".into(), ..seen_at(doc("dup", None, 1, vector(&[(4, 1.0)])), 3_000) },
    ];
    s.upsert(Collection::News, &batch).await.expect("a batch repeating an id");
    let dup = get(&all(&s, Collection::News).await, "dup");
    assert_eq!((dup.text.as_str(), dup.first_seen_at), ("last copy", Timestamp::from_millis(1_200)));
}

/// Writing the same documents again changes nothing; writing an id again replaces it; within
/// one batch the last copy of an id wins.
pub async fn upsert_is_idempotent_and_replaces(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let docs: Vec<VectorDoc> = (0..5)
        .map(|i| doc(&format!("n-{i}"), Some("BTCUSDT"), 1_000 + i, vector(&[(0, 1.0), (1, i as f32)])))
        .collect();
    s.upsert(Collection::News, &docs).await.expect("upsert");
    let first = all(&s, Collection::News).await;
    s.upsert(Collection::News, &docs).await.expect("upsert again");
    let second = all(&s, Collection::News).await;
    assert_eq!(first.len(), 5);
    assert_eq!(first, second, "a re-delivered batch changes nothing");

    let mut changed = doc("n-0", Some("ETHUSDT"), 9_000, vector(&[(3, 1.0)]));
    changed.text = "rewritten".into();
    s.upsert(Collection::News, std::slice::from_ref(&changed)).await.expect("replace");
    let hits = s.search(Collection::News, &query(vector(&[(3, 1.0)]), 10)).await.expect("search");
    assert_eq!(hits.len(), 5, "replaced, not added");
    assert_eq!(hits[0].doc.id, "n-0");
    assert_eq!(hits[0].doc.text, "rewritten");
    assert_eq!(hits[0].doc.symbol, Some(Symbol::new("ETHUSDT")));
    assert!((hits[0].score - 1.0).abs() < 1e-4);

    let v1 = doc("dup", None, 5_000, vector(&[(4, 1.0)]));
    let v2 = VectorDoc { text: "second copy".into(), ..doc("dup", None, 6_000, vector(&[(5, 1.0)])) };
    s.upsert(Collection::News, &[v1, v2]).await.expect("batch with a repeated id");
    let hits = s.search(Collection::News, &query(vector(&[(5, 1.0)]), 10)).await.expect("search");
    assert_eq!(hits.len(), 6);
    assert_eq!((hits[0].doc.id.as_str(), hits[0].doc.text.as_str()), ("dup", "second copy"));
    assert_eq!(hits[0].doc.published_at, Timestamp::from_millis(6_000));
}

/// Retention: documents published before the cutoff go, the count is reported, and the cutoff
/// itself is kept.
pub async fn delete_older_than_removes_only_older(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let docs = vec![
        doc("old", None, 1_000, vector(&[(0, 1.0)])),
        doc("edge", None, 2_000, vector(&[(0, 1.0), (1, 0.5)])),
        doc("new", None, 3_000, vector(&[(0, 1.0), (1, 1.0)])),
    ];
    s.upsert(Collection::Rationales, &docs).await.expect("upsert");
    let cutoff = Timestamp::from_millis(2_000);
    assert_eq!(s.delete_older_than(Collection::Rationales, cutoff).await.expect("delete"), 1);
    assert_eq!(ids(&all(&s, Collection::Rationales).await), ["edge", "new"]);
    assert_eq!(s.delete_older_than(Collection::Rationales, cutoff).await.expect("delete again"), 0);
    assert_eq!(
        s.delete_older_than(Collection::Rationales, Timestamp::from_millis(10_000)).await.expect("all"),
        2
    );
    assert!(all(&s, Collection::Rationales).await.is_empty());
}

/// News and rationales never see each other's documents.
pub async fn collections_are_separate(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    assert!(all(&s, Collection::News).await.is_empty(), "a new store is empty");
    s.upsert(Collection::News, &[doc("only-news", None, 1, vector(&[(0, 1.0)]))]).await.expect("upsert");
    assert!(all(&s, Collection::Rationales).await.is_empty());
    assert_eq!(
        s.delete_older_than(Collection::Rationales, Timestamp::from_millis(i64::MAX)).await.expect("delete"),
        0
    );
    assert_eq!(ids(&all(&s, Collection::News).await), ["only-news"]);
}

/// Bad documents and queries are refused with `Invalid`, and a batch with one bad document
/// writes nothing. Ids that would break out of a filter literal are among them.
pub async fn invalid_input_is_refused_and_writes_nothing(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    let good = doc("good", None, 1, vector(&[(0, 1.0)]));
    let bad_docs = [
        doc("has space", None, 1, vector(&[(0, 1.0)])),
        doc("x\" or id != \"", None, 1, vector(&[(0, 1.0)])),
        doc("", None, 1, vector(&[(0, 1.0)])),
        doc(&"a".repeat(129), None, 1, vector(&[(0, 1.0)])),
        doc("short-vector", None, 1, vec![1.0; DIM - 1]),
        doc("nan", None, 1, vector(&[(0, f32::NAN)])),
        doc("zero", None, 1, vec![0.0; DIM]),
        VectorDoc { text: "x".repeat(20_000), ..doc("long-text", None, 1, vector(&[(0, 1.0)])) },
    ];
    for bad in bad_docs {
        let err = s.upsert(Collection::News, &[good.clone(), bad.clone()]).await.expect_err(&bad.id);
        assert!(matches!(err, VectorError::Invalid(_)), "{}: {err:?}", bad.id);
        assert!(!err.is_retryable());
    }
    assert!(all(&s, Collection::News).await.is_empty(), "nothing of a refused batch was written");
    s.upsert(Collection::News, &[good]).await.expect("a good document");
    let bad_queries = [
        query(vector(&[(0, 1.0)]), 0),
        query(vec![1.0; DIM + 1], 5),
        query(vec![0.0; DIM], 5),
        VectorQuery {
            since: Some(Timestamp::from_millis(5)),
            until: Some(Timestamp::from_millis(4)),
            ..query(vector(&[(0, 1.0)]), 5)
        },
    ];
    for q in bad_queries {
        let err = s.search(Collection::News, &q).await.expect_err("a bad query");
        assert!(matches!(err, VectorError::Invalid(_)), "{q:?}: {err:?}");
    }
}

/// What was written is there after a restart.
pub async fn documents_survive_a_restart(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    s.upsert(Collection::News, &[doc("kept", Some("BTCUSDT"), 7, vector(&[(0, 1.0)]))])
        .await
        .expect("upsert");
    drop(s);
    let s = h.reopen(model()).await;
    let hits = all(&s, Collection::News).await;
    assert_eq!(ids(&hits), ["kept"]);
    assert_eq!(hits[0].doc.symbol, Some(Symbol::new("BTCUSDT")));
    assert_eq!(hits[0].doc.first_seen_at, Timestamp::from_millis(7 + SEEN_LAG_MS));
    let before = |ms: i64| VectorQuery {
        seen_until: Some(Timestamp::from_millis(ms)),
        ..query(vector(&[(0, 1.0)]), 3)
    };
    let search = |q: VectorQuery| {
        let s = &s;
        async move { s.search(Collection::News, &q).await.expect("search") }
    };
    assert!(search(before(6 + SEEN_LAG_MS)).await.is_empty(), "the first sight filters after a restart");
    assert_eq!(ids(&search(before(7 + SEEN_LAG_MS)).await), ["kept"]);
}

/// A collection built with one embedding model refuses every call made for another (other name
/// or other dimension), naming both; opened again for its own model it works as before.
pub async fn model_mismatch_is_refused(h: &mut impl Harness) {
    let s = h.fresh(model()).await;
    s.upsert(Collection::News, &[doc("a", None, 1, vector(&[(0, 1.0)]))]).await.expect("upsert");
    drop(s);
    for other in [
        EmbeddingModel { name: "conformance-b".into(), dimension: DIM },
        EmbeddingModel { name: model().name, dimension: 4 },
    ] {
        let s = h.reopen(other.clone()).await;
        let d = VectorDoc { embedding: vec![1.0; other.dimension], ..doc("b", None, 1, Vec::new()) };
        let errors = [
            s.upsert(Collection::News, &[d]).await.expect_err("upsert with another model"),
            s.search(Collection::News, &query(vec![1.0; other.dimension], 3)).await.expect_err("search"),
            s.delete_older_than(Collection::News, Timestamp::from_millis(10)).await.expect_err("delete"),
        ];
        for err in errors {
            match &err {
                VectorError::ModelMismatch { expected_name, expected_dim, found_name, found_dim, .. } => {
                    assert_eq!((expected_name.as_str(), *expected_dim), ("conformance-a", DIM));
                    assert_eq!((found_name, *found_dim), (&other.name, other.dimension));
                }
                e => panic!("expected ModelMismatch, got {e:?}"),
            }
            assert!(!err.is_retryable());
            assert!(err.to_string().contains("conformance-a"), "{err}");
        }
    }
    let s = h.reopen(model()).await;
    assert_eq!(ids(&all(&s, Collection::News).await), ["a"]);
}
