//! `LlmError`: what can go wrong setting up a model client (calls fail with the port's
//! `VectorError`).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("language model settings: {0}")]
    Config(String),
}
