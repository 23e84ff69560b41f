//! `OpenAiEmbedder`: embeddings from OpenAI's API (`text-embedding-3-small` by default) through
//! `async-openai`, in batches, each call bounded by a timeout, every answer checked before use.
//!
//! Why the checks: the response is data from the network. A vector of the wrong length, a
//! missing or repeated index, or a non-finite value would otherwise be stored and silently
//! corrupt search. Why the timeout: async-openai retries 429 and 5xx answers, honouring
//! `Retry-After`, with no cap of its own.

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput, EncodingFormat};
use mirai_core::{Embedder, EmbeddingModel, VectorError};
use secrecy::{ExposeSecret, SecretString};

use crate::LlmError;
use crate::scrub::scrub;

pub const DEFAULT_OPENAI_MODEL: &str = "text-embedding-3-small";
/// `text-embedding-3-small`'s native size.
pub const DEFAULT_OPENAI_DIMENSION: usize = 1536;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Inputs per request. OpenAI accepts up to 2048 and 300,000 tokens per request; news chunks
/// are a few hundred tokens, so 256 stays far inside both.
pub const DEFAULT_BATCH: usize = 256;
/// OpenAI refuses inputs over 8,192 tokens; about four characters make a token in English, so
/// longer texts are refused here, before any money is spent.
pub const MAX_INPUT_CHARS: usize = 30_000;

#[derive(Clone, Debug)]
pub struct OpenAiSettings {
    pub api_key: SecretString,
    /// None: `https://api.openai.com/v1`.
    pub base_url: Option<String>,
    pub model: String,
    /// Sent as `dimensions` to models that shorten their vectors on request (the
    /// `text-embedding-3` family); other models must natively produce this many.
    pub dimension: usize,
    pub timeout: Duration,
    pub batch: usize,
}

impl OpenAiSettings {
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: None,
            model: DEFAULT_OPENAI_MODEL.into(),
            dimension: DEFAULT_OPENAI_DIMENSION,
            timeout: DEFAULT_TIMEOUT,
            batch: DEFAULT_BATCH,
        }
    }
}

pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    model: EmbeddingModel,
    send_dimensions: bool,
    timeout: Duration,
    batch: usize,
    api_key: SecretString,
    base_url: String,
}

impl std::fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedder {
    pub fn new(s: OpenAiSettings) -> Result<Self, LlmError> {
        if s.dimension == 0 || s.batch == 0 || s.timeout.is_zero() {
            return Err(LlmError::Config("OpenAI dimension, batch and timeout must be above zero".into()));
        }
        let base_url = s.base_url.clone().unwrap_or_else(|| "https://api.openai.com/v1".into());
        // Redirects are refused so the key is never replayed to another host.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10).min(s.timeout))
            .timeout(s.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LlmError::Config(format!("building the HTTP client: {e}")))?;
        let config =
            OpenAIConfig::new().with_api_key(s.api_key.expose_secret()).with_api_base(base_url.clone());
        Ok(Self {
            client: Client::with_config(config).with_http_client(http),
            model: EmbeddingModel { name: s.model.clone(), dimension: s.dimension },
            send_dimensions: s.model.starts_with("text-embedding-3"),
            timeout: s.timeout,
            batch: s.batch,
            api_key: s.api_key,
            base_url,
        })
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        let request = CreateEmbeddingRequest {
            model: self.model.name.clone(),
            input: EmbeddingInput::StringArray(texts.to_vec()),
            encoding_format: Some(EncodingFormat::Float),
            user: None,
            dimensions: self.send_dimensions.then_some(self.model.dimension as u32),
        };
        let embeddings = self.client.embeddings();
        let response = match tokio::time::timeout(self.timeout, embeddings.create(request)).await {
            Err(_) => {
                return Err(VectorError::Unavailable(format!(
                    "OpenAI embeddings: no answer within {} s",
                    self.timeout.as_secs_f32()
                )));
            }
            Ok(Err(e)) => return Err(self.classify(e)),
            Ok(Ok(r)) => r,
        };
        let n = texts.len();
        if response.data.len() != n {
            return Err(malformed(format!("{} vectors for {n} texts", response.data.len())));
        }
        let mut out: Vec<Option<Vec<f32>>> = vec![None; n];
        for item in response.data {
            let i = item.index as usize;
            let slot = out.get_mut(i).ok_or_else(|| malformed(format!("index {i} for {n} texts")))?;
            if slot.is_some() {
                return Err(malformed(format!("index {i} twice")));
            }
            if item.embedding.len() != self.model.dimension {
                return Err(VectorError::ModelMismatch {
                    collection: "the OpenAI embeddings response".into(),
                    expected_name: self.model.name.clone(),
                    expected_dim: self.model.dimension,
                    found_name: scrub(&response.model, self.api_key.expose_secret()),
                    found_dim: item.embedding.len(),
                });
            }
            if item.embedding.iter().any(|x| !x.is_finite()) || item.embedding.iter().all(|x| *x == 0.0) {
                return Err(malformed(format!("vector {i} is non-finite or all zeros")));
            }
            *slot = Some(item.embedding);
        }
        // Every slot is filled: n items, each index in range and none twice.
        Ok(out.into_iter().flatten().collect())
    }

    /// Maps an async-openai error to the port's error, keeping server text scrubbed of secrets
    /// and raw bodies out entirely.
    fn classify(&self, e: OpenAIError) -> VectorError {
        let key = self.api_key.expose_secret();
        match e {
            OpenAIError::ApiError(r) => {
                let status = r.status_code.as_u16();
                let what = format!("OpenAI embeddings: HTTP {status}: {}", scrub(&r.api_error.message, key));
                match status {
                    401 | 403 => VectorError::Invalid(format!("{what} (check OPENAI_API_KEY)")),
                    408 | 409 | 429 | 500..=599 => VectorError::Unavailable(what),
                    _ => VectorError::Invalid(what),
                }
            }
            OpenAIError::Reqwest(e) => {
                let why = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "cannot connect"
                } else {
                    "transport error"
                };
                VectorError::Unavailable(format!("OpenAI embeddings at {}: {why}", self.base_url))
            }
            // The deserialisation error carries the whole body; only serde's reason is kept.
            OpenAIError::JSONDeserialize(err, _body) => malformed(scrub(&err.to_string(), key)),
            OpenAIError::InvalidArgument(why) => VectorError::Invalid(format!("OpenAI embeddings: {why}")),
            other => {
                VectorError::Unavailable(format!("OpenAI embeddings: {}", scrub(&other.to_string(), key)))
            }
        }
    }
}

impl Embedder for OpenAiEmbedder {
    fn model(&self) -> &EmbeddingModel {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        for (i, t) in texts.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(VectorError::Invalid(format!("text {i} is empty")));
            }
            if t.chars().count() > MAX_INPUT_CHARS {
                return Err(VectorError::Invalid(format!(
                    "text {i} is longer than {MAX_INPUT_CHARS} characters"
                )));
            }
        }
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.batch) {
            out.extend(self.embed_batch(batch).await?);
        }
        tracing::debug!(texts = texts.len(), model = %self.model.name, "embedded with OpenAI");
        Ok(out)
    }
}

/// A response that does not fit the request. Possibly a proxy's error page or a bad deploy, so
/// worth retrying later.
fn malformed(why: String) -> VectorError {
    VectorError::Unavailable(format!("OpenAI returned a malformed embeddings response: {why}"))
}
