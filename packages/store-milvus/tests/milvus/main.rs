//! mirai-store-milvus against a real milvus-lite on 127.0.0.1: the shared `VectorStore`
//! conformance suite, then what only Milvus has (collection schema, foreign collections,
//! outages). All tests are in one binary; each uses collections of its own.

mod conformance;
mod helpers;
mod milvus_only;
