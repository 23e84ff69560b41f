//! The shared `VectorStore` contract (mirai-store-local's conformance suite) against Milvus.

use mirai_core::EmbeddingModel;
use mirai_store_local::vectors::conformance::{self as c, Harness};
use mirai_store_milvus::MilvusStore;

use crate::helpers::{cleanup, milvus_url, store, unique};

struct Milvus {
    url: String,
    names: (String, String),
}

impl Harness for Milvus {
    type Store = MilvusStore;

    async fn fresh(&mut self, model: EmbeddingModel) -> MilvusStore {
        store(&self.url, &self.names, model)
    }

    async fn reopen(&mut self, model: EmbeddingModel) -> MilvusStore {
        store(&self.url, &self.names, model)
    }
}

async fn run(tag: &str, check: impl AsyncFnOnce(&mut Milvus)) {
    let url = milvus_url();
    let names = unique(tag);
    check(&mut Milvus { url: url.clone(), names: names.clone() }).await;
    cleanup(&url, &names, c::model()).await;
}

#[tokio::test]
async fn upsert_then_search_best_first() {
    run("best", async |h| c::upsert_then_search_best_first(h).await).await;
}

#[tokio::test]
async fn filters_by_symbol_and_time() {
    run("filters", async |h| c::filters_by_symbol_and_time(h).await).await;
}

#[tokio::test]
async fn seen_until_filters_before_ranking() {
    run("seen", async |h| c::seen_until_filters_before_ranking(h).await).await;
}

#[tokio::test]
async fn upsert_keeps_the_earliest_first_seen() {
    run("earliest", async |h| c::upsert_keeps_the_earliest_first_seen(h).await).await;
}

#[tokio::test]
async fn upsert_is_idempotent_and_replaces() {
    run("idem", async |h| c::upsert_is_idempotent_and_replaces(h).await).await;
}

#[tokio::test]
async fn delete_older_than_removes_only_older() {
    run("retention", async |h| c::delete_older_than_removes_only_older(h).await).await;
}

#[tokio::test]
async fn collections_are_separate() {
    run("separate", async |h| c::collections_are_separate(h).await).await;
}

#[tokio::test]
async fn invalid_input_is_refused_and_writes_nothing() {
    run("invalid", async |h| c::invalid_input_is_refused_and_writes_nothing(h).await).await;
}

#[tokio::test]
async fn documents_survive_a_restart() {
    run("restart", async |h| c::documents_survive_a_restart(h).await).await;
}

#[tokio::test]
async fn model_mismatch_is_refused() {
    run("mismatch", async |h| c::model_mismatch_is_refused(h).await).await;
}
