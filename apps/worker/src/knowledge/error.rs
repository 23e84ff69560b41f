//! `KnowledgeError`: why news and vector search could not start.

use mirai_core::VectorError;

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("embedder: {0}")]
    Embedder(#[from] mirai_llm::LlmError),
    /// Includes `ModelMismatch`: a collection built with another embedding model or dimension.
    #[error("vector store: {0}")]
    Vectors(#[from] VectorError),
    #[error("embedded vector index: {0}")]
    LocalIndex(mirai_store_local::StoreError),
    #[error("local store: {0}")]
    Store(#[from] mirai_store_local::StoreError),
    #[error("news: {0}")]
    News(#[from] mirai_news::NewsError),
    #[error("rationale shipping: {0}")]
    Shipping(#[from] crate::shipping::ShippingError),
}
