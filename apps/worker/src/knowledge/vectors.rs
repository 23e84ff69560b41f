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

    /// Whether the news collection is known to be empty (only the embedded index can tell
    /// cheaply; Milvus answers `false`).
    pub fn news_is_empty(&self) -> bool {
        match self {
            Self::Local(v) => v.len(Collection::News) == 0,
            Self::Milvus(_) => false,
        }
    }

    /// Whether the rationales collection is known to be empty (as [`AnyVectorStore::news_is_empty`]).
    pub fn rationales_are_empty(&self) -> bool {
        match self {
            Self::Local(v) => v.len(Collection::Rationales) == 0,
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

/// Which store and model the vectors go to, for ledger keys that must change when either does
/// ("ingested the sample into …", "backfilled the rationales to …"). Holds no credentials:
/// `MILVUS_ADDRESS` is refused with any.
pub fn store_identity(milvus: Option<&MilvusSettings>, model: &EmbeddingModel) -> String {
    match milvus {
        // The embedded index lives beside the ledger that holds these keys: it moves with them.
        None => format!("local:{}", model.name),
        Some(m) => format!(
            "milvus:{}/{}/{}+{}:{}",
            m.address,
            m.database.as_deref().unwrap_or("default"),
            m.news_collection,
            m.rationales_collection,
            model.name
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_follows_the_store_and_model_and_holds_no_password() {
        let model = EmbeddingModel { name: "m1".into(), dimension: 3 };
        let a = MilvusSettings::from_lookup(&|k| match k {
            "MILVUS_ADDRESS" => Some("http://127.0.0.1:19530".into()),
            "MILVUS_USERNAME" => Some("root".into()),
            "MILVUS_PASSWORD" => Some("pw-never-in-a-key".into()),
            _ => None,
        })
        .ok()
        .flatten()
        .expect("valid settings");
        let b = MilvusSettings::new("http://milvus-b:19530");
        let ids = [
            store_identity(None, &model),
            store_identity(Some(&a), &model),
            store_identity(Some(&b), &model),
            store_identity(Some(&b), &EmbeddingModel { name: "m2".into(), dimension: 3 }),
        ];
        assert_eq!(ids[0], "local:m1");
        assert_eq!(ids[1], "milvus:http://127.0.0.1:19530/default/news_chunks+rationales:m1");
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), 4);
        assert!(ids.iter().all(|i| !i.contains("pw-never")));
    }
}
