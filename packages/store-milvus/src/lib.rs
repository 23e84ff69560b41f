//! News chunks and decision rationales in Milvus (`milvus-sdk-rust`), behind mirai-core's
//! `VectorStore`: cosine search with symbol and time filters, upsert by stable id, retention by
//! age, and a collection that records its embedding model and refuses vectors of another.

mod errors;
mod filter;
mod model_record;
mod settings;
mod store;
mod validate;

pub use settings::{
    DEFAULT_NEWS_COLLECTION, DEFAULT_RATIONALES_COLLECTION, DEFAULT_TIMEOUT, MilvusSettings, check_name,
};
pub use store::MilvusStore;
