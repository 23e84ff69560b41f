//! `RationaleSink`: decisions' rationales, embedded and upserted into the vector store's
//! Rationales collection by decision id (so a re-delivery replaces, never adds).

use std::sync::Arc;

use mirai_core::{AnalyticsRecord, Collection, Decision, Embedder, VectorDoc, VectorStore};
use mirai_store_local::outbox::OutboxTopic;

use crate::{Sink, SinkError};

#[derive(Debug)]
pub struct RationaleSink<V, E> {
    vectors: Arc<V>,
    embedder: Arc<E>,
}

impl<V: VectorStore, E: Embedder> RationaleSink<V, E> {
    pub fn new(vectors: Arc<V>, embedder: Arc<E>) -> Self {
        Self { vectors, embedder }
    }
}

/// The title a rationale is stored under: what was decided, on what, at what price.
pub fn rationale_doc_title(d: &Decision) -> String {
    format!("{} {} at {} ({})", d.action.as_str(), d.symbol, d.price, d.strategy)
}

impl<V: VectorStore + 'static, E: Embedder + 'static> Sink for RationaleSink<V, E> {
    fn topic(&self) -> OutboxTopic {
        OutboxTopic::Rationales
    }

    fn name(&self) -> &str {
        "rationales"
    }

    async fn ship(&self, records: &[AnalyticsRecord]) -> Result<(), SinkError> {
        let decisions: Vec<&Decision> = records
            .iter()
            .filter_map(|r| match r {
                AnalyticsRecord::Decision(d) => Some(d),
                _ => None,
            })
            .collect();
        if decisions.is_empty() {
            return Ok(());
        }
        // The title is embedded with the text so that "why did it sell ETH" finds the sells of ETH.
        let texts: Vec<String> =
            decisions.iter().map(|d| format!("{}. {}", rationale_doc_title(d), d.rationale)).collect();
        let vectors = self
            .embedder
            .embed(&texts)
            .await
            .map_err(|e| SinkError { retryable: e.is_retryable(), message: format!("embedding: {e}") })?;
        if vectors.len() != decisions.len() {
            return Err(SinkError::refused(format!(
                "the embedder returned {} vectors for {} texts",
                vectors.len(),
                decisions.len()
            )));
        }
        let docs: Vec<VectorDoc> = decisions
            .iter()
            .zip(vectors)
            .map(|(d, embedding)| VectorDoc {
                id: d.id.as_str().to_owned(),
                symbol: Some(d.symbol),
                published_at: d.ts,
                // The rationale exists from the decision on; shipping it later does not make it
                // newer.
                first_seen_at: d.ts,
                source: format!("mirai:{}", d.strategy),
                url: None,
                title: rationale_doc_title(d),
                text: d.rationale.clone(),
                embedding,
            })
            .collect();
        self.vectors
            .upsert(Collection::Rationales, &docs)
            .await
            .map_err(|e| SinkError { retryable: e.is_retryable(), message: format!("vector store: {e}") })
    }
}
