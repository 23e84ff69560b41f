//! `OpenAiEmbedder` against a local HTTP server that speaks OpenAI's embeddings wire format:
//! the happy path and batching, then malformed, hostile, failing and silent servers. No test
//! reaches the internet.

mod fake;
mod hostile;
mod wire;
