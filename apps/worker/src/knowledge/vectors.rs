//! `AnyVectorStore`: the vector store the settings chose — the embedded index in `DATA_DIR`, or
//! Milvus — as one concrete type. The `VectorStore` port returns `impl Future`, so it cannot be
//! a trait object; an enum keeps dispatch static.

use std::path::Path;

use mirai_core::{
    Collection, EmbeddingModel, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery, VectorStore,
};
use mirai_store_local::vectors::LocalVectorIndex;
use mirai_store_milvus::{MilvusSettings, MilvusStore};

use super::KnowledgeError;

#[derive(Debug)]
pub enum AnyVectorStore {
    // Boxed: the index's locks and slots are large beside a handle.
    Local(Box<LocalVectorIndex>),
    Milvus(Box<MilvusStore>),
}

impl AnyVectorStore {
    /// Milvus when `milvus` is set, else the embedded index in `data_dir`, for vectors of
    /// `model`. Opening Milvus contacts nothing; [`AnyVectorStore::check`] does.
    pub fn open(
        milvus: Option<&MilvusSettings>,
        data_dir: &Path,
        model: EmbeddingModel,
    ) -> Result<Self, KnowledgeError> {
        Ok(match milvus {
            Some(m) => Self::Milvus(Box::new(MilvusStore::new(m.clone(), model)?)),
            None => Self::Local(Box::new(
                LocalVectorIndex::open(data_dir, model).map_err(KnowledgeError::LocalIndex)?,
            )),
        })
    }

    /// Fails with `ModelMismatch` when either collection was built with another embedding
    /// model (or dimension); Milvus also fails with `Unavailable` when it cannot be reached.
    pub async fn check(&self) -> Result<(), VectorError> {
        match self {
            Self::Local(v) => {
                v.check(Collection::News)?;
                v.check(Collection::Rationales)
            }
            Self::Milvus(m) => m.check().await,
        }
    }

    /// Where the news collection lives, for keys that must change when the store does.
    pub fn identity(&self) -> String {
        match self {
            Self::Local(v) => format!("local:{}:{}", v.location(), v.model().name),
            Self::Milvus(m) => format!("milvus:{}:{}", m.collection_name(Collection::News), m.model().name),
        }
    }

    /// Whether the news collection is known to be empty (only the embedded index can tell
    /// cheaply; Milvus answers `false`).
    pub fn news_is_empty(&self) -> bool {
        match self {
            Self::Local(v) => v.len(Collection::News) == 0,
            Self::Milvus(_) => false,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Local(_) => "embedded",
            Self::Milvus(_) => "milvus",
        }
    }
}

impl VectorStore for AnyVectorStore {
    async fn upsert(&self, collection: Collection, docs: &[VectorDoc]) -> Result<(), VectorError> {
        match self {
            Self::Local(v) => v.upsert(collection, docs).await,
            Self::Milvus(m) => m.upsert(collection, docs).await,
        }
    }

    async fn search(
        &self,
        collection: Collection,
        query: &VectorQuery,
    ) -> Result<Vec<VectorHit>, VectorError> {
        match self {
            Self::Local(v) => v.search(collection, query).await,
            Self::Milvus(m) => m.search(collection, query).await,
        }
    }

    async fn delete_older_than(&self, collection: Collection, cutoff: Timestamp) -> Result<u64, VectorError> {
        match self {
            Self::Local(v) => v.delete_older_than(collection, cutoff).await,
            Self::Milvus(m) => m.delete_older_than(collection, cutoff).await,
        }
    }
}
