//! `AnyEmbedder`: the embedder the settings chose, as one concrete type. The `Embedder` port
//! returns `impl Future`, so it cannot be a trait object; an enum keeps dispatch static.

use mirai_core::{Embedder, EmbeddingModel, VectorError};

use crate::{EmbedderSettings, LlmError, LocalEmbedder, OpenAiEmbedder};

#[derive(Debug)]
pub enum AnyEmbedder {
    Local(LocalEmbedder),
    OpenAi(Box<OpenAiEmbedder>),
}

impl AnyEmbedder {
    pub fn from_settings(s: &EmbedderSettings) -> Result<Self, LlmError> {
        Ok(match s {
            EmbedderSettings::Local => Self::Local(LocalEmbedder::new()),
            EmbedderSettings::OpenAi(o) => Self::OpenAi(Box::new(OpenAiEmbedder::new(o.clone())?)),
        })
    }
}

impl Embedder for AnyEmbedder {
    fn model(&self) -> &EmbeddingModel {
        match self {
            Self::Local(e) => e.model(),
            Self::OpenAi(e) => e.model(),
        }
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        match self {
            Self::Local(e) => e.embed(texts).await,
            Self::OpenAi(e) => e.embed(texts).await,
        }
    }
}
