//! News, vector search and decision rationales, wired: the embedder and vector store the
//! settings chose, the scheduled news ingestion, the rationale shipper, and search for the web
//! tier. [`start`] is the one call `app.rs` makes; [`Knowledge::stop`] ends it.

mod error;
mod news_job;
mod service;
mod settings;
mod vectors;

pub use error::KnowledgeError;
pub use mirai_llm::AnyEmbedder;
pub use news_job::{LastPoll, NewsPoller, PollRecord};
pub use service::{Knowledge, start};
pub use settings::KnowledgeSettings;
pub use vectors::AnyVectorStore;
