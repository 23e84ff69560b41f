//! The vector port: news and decision rationales as embedded documents (Milvus in production; an
//! embedded index by default), and the embedders that turn text into vectors. Embeddings are
//! `f32`: they are statistics, not money.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::{Symbol, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    News,
    Rationales,
}

/// One chunk of text with its metadata and embedding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "VectorDocWire")]
pub struct VectorDoc {
    /// Stable id: re-ingesting the same chunk upserts it instead of adding a copy.
    pub id: String,
    pub symbol: Option<Symbol>,
    pub published_at: Timestamp,
    /// When Mirai first stored the chunk. Stores keep the earliest value an id was ever written
    /// with, so re-ingesting an old item never makes it look newly arrived. Live, an item counts
    /// as known from [`VectorDoc::available_at`]; a backfilled item published long before it was
    /// fetched must not reach a decision taken before the fetch.
    pub first_seen_at: Timestamp,
    pub source: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub embedding: Vec<f32>,
}

impl VectorDoc {
    /// When the item could first have been known live: its publication, or when Mirai first
    /// saw it if that was later.
    pub fn available_at(&self) -> Timestamp {
        self.published_at.max(self.first_seen_at)
    }
}

/// `VectorDoc` as read: documents serialised before first-seen times existed carry none, and
/// count as seen when published (what every reader assumed of them then).
#[derive(Deserialize)]
struct VectorDocWire {
    id: String,
    symbol: Option<Symbol>,
    published_at: Timestamp,
    #[serde(default)]
    first_seen_at: Option<Timestamp>,
    source: String,
    url: Option<String>,
    title: String,
    text: String,
    embedding: Vec<f32>,
}

impl From<VectorDocWire> for VectorDoc {
    fn from(w: VectorDocWire) -> Self {
        Self {
            first_seen_at: w.first_seen_at.unwrap_or(w.published_at),
            id: w.id,
            symbol: w.symbol,
            published_at: w.published_at,
            source: w.source,
            url: w.url,
            title: w.title,
            text: w.text,
            embedding: w.embedding,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorQuery {
    pub embedding: Vec<f32>,
    pub top_k: usize,
    pub symbol: Option<Symbol>,
    /// Inclusive bounds on `published_at`.
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Inclusive bound on `first_seen_at`: documents Mirai first stored later are left out before
    /// ranking, so they can neither appear nor push another out of the top `top_k`.
    #[serde(default)]
    pub seen_until: Option<Timestamp>,
}

/// A search result: the document (its embedding left empty) and its cosine similarity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorHit {
    pub doc: VectorDoc,
    pub score: f32,
}

/// Which model a collection's vectors come from; a collection refuses vectors of another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmbeddingModel {
    pub name: String,
    pub dimension: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    #[error("vector store unavailable: {0}")]
    Unavailable(String),
    #[error(
        "collection {collection} was built with {expected_name} ({expected_dim} dimensions), not {found_name} ({found_dim}); re-index or switch the embedder back"
    )]
    ModelMismatch {
        collection: String,
        expected_name: String,
        expected_dim: usize,
        found_name: String,
        found_dim: usize,
    },
    #[error("invalid vector request: {0}")]
    Invalid(String),
}

impl VectorError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, VectorError::Unavailable(_))
    }
}

pub trait VectorStore: Send + Sync {
    /// Inserts or replaces documents by id. A replaced document keeps the earlier of its stored
    /// and its new `first_seen_at`; within one batch the last copy of an id wins, except that it
    /// too keeps the earliest `first_seen_at` of the copies.
    fn upsert(
        &self,
        collection: Collection,
        docs: &[VectorDoc],
    ) -> impl Future<Output = Result<(), VectorError>> + Send;

    /// The `top_k` documents most similar to the query's embedding that pass its filters, best first.
    fn search(
        &self,
        collection: Collection,
        query: &VectorQuery,
    ) -> impl Future<Output = Result<Vec<VectorHit>, VectorError>> + Send;

    /// Deletes documents published before `cutoff` (retention); returns how many went.
    fn delete_older_than(
        &self,
        collection: Collection,
        cutoff: Timestamp,
    ) -> impl Future<Output = Result<u64, VectorError>> + Send;
}

pub trait Embedder: Send + Sync {
    fn model(&self) -> &EmbeddingModel;

    /// One vector per text, in order, each of `model().dimension` values.
    fn embed(&self, texts: &[String]) -> impl Future<Output = Result<Vec<Vec<f32>>, VectorError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> VectorDoc {
        VectorDoc {
            id: "news-a-0".into(),
            symbol: Some(Symbol::new("BTCUSDT")),
            published_at: Timestamp::from_millis(1_000),
            first_seen_at: Timestamp::from_millis(5_000),
            source: "wire".into(),
            url: None,
            title: "t".into(),
            text: "x".into(),
            embedding: vec![1.0, 0.0],
        }
    }

    #[test]
    fn a_document_serialised_before_first_seen_times_reads_as_seen_when_published() {
        let mut old = serde_json::to_value(doc()).expect("serialisable");
        old.as_object_mut().expect("an object").remove("first_seen_at");
        let back: VectorDoc = serde_json::from_value(old).expect("an old document still loads");
        assert_eq!(back.first_seen_at, Timestamp::from_millis(1_000));
        let round: VectorDoc =
            serde_json::from_str(&serde_json::to_string(&doc()).expect("json")).expect("round trip");
        assert_eq!(round, doc());
    }

    #[test]
    fn available_at_is_the_later_of_publication_and_first_sight() {
        assert_eq!(doc().available_at(), Timestamp::from_millis(5_000));
        let early = VectorDoc { first_seen_at: Timestamp::from_millis(900), ..doc() };
        assert_eq!(early.available_at(), Timestamp::from_millis(1_000));
    }

    #[test]
    fn a_query_without_seen_until_reads_as_unbounded() {
        let q: VectorQuery =
            serde_json::from_str(r#"{"embedding":[1.0],"top_k":3,"symbol":null,"since":null,"until":null}"#)
                .expect("an old query still loads");
        assert_eq!(q.seen_until, None);
    }
}
