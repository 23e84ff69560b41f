//! Mirai's language models. For now the embedders that turn news and decision rationales into
//! vectors: [`OpenAiEmbedder`] when `OPENAI_API_KEY` is set, [`LocalEmbedder`] (deterministic,
//! offline, keyword-like) otherwise. Both implement `mirai_core::Embedder`.

pub mod advisor;
mod any;
mod error;
mod local;
mod openai;
mod scrub;
mod settings;
#[cfg(feature = "sim")]
pub mod sim;
mod tokens;

pub use any::AnyEmbedder;
pub use error::LlmError;
pub use local::{LOCAL_DIMENSION, LOCAL_MODEL_NAME, LocalEmbedder};
pub use openai::{
    DEFAULT_BATCH, DEFAULT_OPENAI_DIMENSION, DEFAULT_OPENAI_MODEL, DEFAULT_TIMEOUT, MAX_INPUT_CHARS,
    OpenAiEmbedder, OpenAiSettings,
};
pub use scrub::scrub;
pub use settings::EmbedderSettings;
