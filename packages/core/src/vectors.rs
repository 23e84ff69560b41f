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
pub struct VectorDoc {
    /// Stable id: re-ingesting the same chunk upserts it instead of adding a copy.
    pub id: String,
    pub symbol: Option<Symbol>,
    pub published_at: Timestamp,
    pub source: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub embedding: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorQuery {
    pub embedding: Vec<f32>,
    pub top_k: usize,
    pub symbol: Option<Symbol>,
    /// Inclusive bounds on `published_at`.
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
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
    /// Inserts or replaces documents by id.
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
