//! What the embedded index accepts: the shared rules of every vector store, from `mirai-core`.

pub use mirai_core::vector_rules::*;
