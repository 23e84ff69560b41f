//! The embedded index against the shared conformance suite, plus what only it has: its file,
//! recall of the int8 candidate scan, and a damaged file.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};

use mirai_core::{Collection, EmbeddingModel, Timestamp, VectorDoc, VectorError, VectorQuery};

use super::conformance::{self as c, Harness};
use super::{LocalVectorIndex, VECTORS_FILE};

/// This crate has no async runtime, and needs none: the index does its work synchronously, so
/// its futures are ready on the first poll.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the embedded index never waits"),
    }
}

/// A fresh directory under the system temp dir, removed when dropped (this crate's tests do not
/// depend on `tempfile`).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("mirai-vectors-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Local {
    dir: TempDir,
}

impl Harness for Local {
    type Store = LocalVectorIndex;

    async fn fresh(&mut self, model: EmbeddingModel) -> LocalVectorIndex {
        self.dir = TempDir::new();
        LocalVectorIndex::open(self.dir.path(), model).unwrap()
    }

    async fn reopen(&mut self, model: EmbeddingModel) -> LocalVectorIndex {
        LocalVectorIndex::open(self.dir.path(), model).unwrap()
    }
}

fn harness() -> Local {
    Local { dir: TempDir::new() }
}

#[test]
fn conformance_upsert_then_search_best_first() {
    block_on(c::upsert_then_search_best_first(&mut harness()));
}

#[test]
fn conformance_filters_by_symbol_and_time() {
    block_on(c::filters_by_symbol_and_time(&mut harness()));
}

#[test]
fn conformance_seen_until_filters_before_ranking() {
    block_on(c::seen_until_filters_before_ranking(&mut harness()));
}

#[test]
fn conformance_upsert_keeps_the_earliest_first_seen() {
    block_on(c::upsert_keeps_the_earliest_first_seen(&mut harness()));
}

#[test]
fn conformance_upsert_is_idempotent_and_replaces() {
    block_on(c::upsert_is_idempotent_and_replaces(&mut harness()));
}

#[test]
fn conformance_delete_older_than_removes_only_older() {
    block_on(c::delete_older_than_removes_only_older(&mut harness()));
}

#[test]
fn conformance_collections_are_separate() {
    block_on(c::collections_are_separate(&mut harness()));
}

#[test]
fn conformance_invalid_input_is_refused_and_writes_nothing() {
    block_on(c::invalid_input_is_refused_and_writes_nothing(&mut harness()));
}

#[test]
fn conformance_documents_survive_a_restart() {
    block_on(c::documents_survive_a_restart(&mut harness()));
}

#[test]
fn conformance_model_mismatch_is_refused() {
    block_on(c::model_mismatch_is_refused(&mut harness()));
}

#[test]
fn the_index_lives_in_its_own_file_and_can_be_dropped_to_reindex() {
    let dir = TempDir::new();
    let idx = LocalVectorIndex::open(dir.path(), c::model()).unwrap();
    idx.upsert_sync(Collection::News, &[c::doc("a", None, 1, c::vector(&[(0, 1.0)]))]).unwrap();
    assert!(dir.path().join(VECTORS_FILE).exists());
    assert!(!dir.path().join(crate::DB_FILE).exists(), "the ledger is not touched");
    drop(idx);

    let other = EmbeddingModel { name: "other".into(), dimension: 3 };
    let idx = LocalVectorIndex::open(dir.path(), other.clone()).unwrap();
    assert!(matches!(idx.check(Collection::News), Err(VectorError::ModelMismatch { .. })));
    assert!(idx.check(Collection::Rationales).is_ok(), "an unused collection has no model yet");
    assert_eq!(idx.len(Collection::News), 0);
    assert_eq!(idx.drop_collection(Collection::News).unwrap(), 1);
    idx.check(Collection::News).unwrap();
    idx.upsert_sync(
        Collection::News,
        &[VectorDoc { embedding: vec![0.0, 1.0, 0.0], ..c::doc("b", None, 1, vec![]) }],
    )
    .unwrap();
    assert_eq!(idx.len(Collection::News), 1);
}

/// The int8 scan only proposes candidates; with the rescoring margin the top ten match an exact
/// f32 search on random data (where near-ties are the rule, the hard case).
#[test]
fn int8_candidates_then_rescoring_find_the_exact_top_k() {
    let dim = 64;
    let model = EmbeddingModel { name: "random".into(), dimension: dim };
    let idx = LocalVectorIndex::open_in_memory(model).unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 20_001) as f32 / 10_000.0 - 1.0
    };
    let docs: Vec<_> =
        (0..3_000).map(|i| c::doc(&format!("r{i}"), None, i, (0..dim).map(|_| next()).collect())).collect();
    idx.upsert_sync(Collection::News, &docs).unwrap();
    let mut exact_misses = 0;
    for _ in 0..50 {
        let q: Vec<f32> = (0..dim).map(|_| next()).collect();
        let got = idx.search_sync(Collection::News, &c::query(q.clone(), 10)).unwrap();
        let mut want: Vec<(f32, &str)> =
            docs.iter().map(|d| (super::codes::cosine(&q, &d.embedding), d.id.as_str())).collect();
        want.sort_by(|a, b| b.0.total_cmp(&a.0));
        let want: Vec<&str> = want[..10].iter().map(|w| w.1).collect();
        let got: Vec<&str> = got.iter().map(|h| h.doc.id.as_str()).collect();
        exact_misses += want.iter().filter(|w| !got.contains(w)).count();
    }
    assert_eq!(exact_misses, 0, "recall@10 below 100 % over 50 queries");
}

#[test]
fn a_damaged_vector_is_reported_when_the_file_is_opened() {
    let dir = TempDir::new();
    let idx = LocalVectorIndex::open(dir.path(), c::model()).unwrap();
    idx.upsert_sync(Collection::News, &[c::doc("a", None, 1, c::vector(&[(0, 1.0)]))]).unwrap();
    drop(idx);
    let conn = rusqlite::Connection::open(dir.path().join(VECTORS_FILE)).unwrap();
    conn.execute("UPDATE docs SET embedding = x'0000'", []).unwrap();
    drop(conn);
    let err = LocalVectorIndex::open(dir.path(), c::model()).unwrap_err();
    assert!(err.to_string().contains("docs.embedding"), "{err}");
}

#[test]
fn documents_can_be_deleted_by_id() {
    let idx = LocalVectorIndex::open_in_memory(c::model()).unwrap();
    let docs: Vec<_> = ["a", "b", "c"].iter().map(|id| c::doc(id, None, 1, c::vector(&[(0, 1.0)]))).collect();
    idx.upsert_sync(Collection::News, &docs).unwrap();
    assert_eq!(idx.delete_ids(Collection::News, &["a", "c", "missing"]).unwrap(), 2);
    assert_eq!(idx.len(Collection::News), 1);
    assert!(matches!(idx.delete_ids(Collection::News, &["x\" or \"1"]), Err(VectorError::Invalid(_))));
}

/// A file written before first-seen times existed (schema 1) is migrated in place: its
/// documents count as first seen when published, in the file and in memory, and new writes keep
/// the earliest first sight.
#[test]
fn a_file_from_before_first_seen_times_is_migrated() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.path()).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(VECTORS_FILE)).unwrap();
    conn.execute_batch(
        r#"
        CREATE TABLE models (collection TEXT PRIMARY KEY, name TEXT NOT NULL, dimension INTEGER NOT NULL) STRICT;
        CREATE TABLE docs (
            seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, symbol TEXT,
            published_at INTEGER NOT NULL, source TEXT NOT NULL, url TEXT, title TEXT NOT NULL,
            text TEXT NOT NULL, embedding BLOB NOT NULL, UNIQUE (collection, id)
        ) STRICT;
        CREATE INDEX docs_by_age ON docs (collection, published_at);
        PRAGMA user_version = 1;
        "#,
    )
    .unwrap();
    conn.execute(
        "INSERT INTO models VALUES ('news', ?1, ?2)",
        rusqlite::params![c::model().name, c::DIM as i64],
    )
    .unwrap();
    let blob: Vec<u8> = c::vector(&[(0, 1.0)]).iter().flat_map(|x| x.to_le_bytes()).collect();
    conn.execute(
        "INSERT INTO docs (collection, id, symbol, published_at, source, url, title, text, embedding)
         VALUES ('news', 'old', 'BTCUSDT', 4000, 'wire', NULL, 'Old', 'old text', ?1)",
        [blob],
    )
    .unwrap();
    drop(conn);

    let idx = LocalVectorIndex::open(dir.path(), c::model()).unwrap();
    let seen_by = |ms: i64| VectorQuery {
        seen_until: Some(Timestamp::from_millis(ms)),
        ..c::query(c::vector(&[(0, 1.0)]), 5)
    };
    let hits = idx.search_sync(Collection::News, &seen_by(4_000)).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].doc.first_seen_at, Timestamp::from_millis(4_000));
    assert!(idx.search_sync(Collection::News, &seen_by(3_999)).unwrap().is_empty());
    idx.upsert_sync(
        Collection::News,
        &[c::seen_at(c::doc("old", None, 4_000, c::vector(&[(0, 1.0)])), 9_000)],
    )
    .unwrap();
    assert_eq!(
        idx.search_sync(Collection::News, &seen_by(4_000)).unwrap().len(),
        1,
        "re-ingested, not newer"
    );
    drop(idx);

    let conn = rusqlite::Connection::open(dir.path().join(VECTORS_FILE)).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    drop(conn);
    // Opening again runs no migration twice.
    let idx = LocalVectorIndex::open(dir.path(), c::model()).unwrap();
    assert_eq!(idx.search_sync(Collection::News, &seen_by(4_000)).unwrap().len(), 1);
}
