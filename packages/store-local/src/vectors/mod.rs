//! The embedded vector index for news and rationales: the [`mirai_core::VectorStore`] used when
//! Milvus is not configured. Documents are kept in `vectors.db` (SQLite) beside the ledger and
//! searched in memory by an exactly filtered int8 scan, rescored with int16 codes.

mod codes;
pub mod conformance;
mod db;
mod index;
mod validate;

#[cfg(test)]
mod tests;

pub use index::{LocalVectorIndex, VECTORS_FILE};
pub use validate::{MAX_ID_BYTES, MAX_TEXT_BYTES, MAX_TITLE_BYTES, MAX_TOP_K, check_id};
