//! Decision rationales to a vector store, through the core ports only (the Milvus store is
//! written in parallel): an in-test store and a deterministic embedder stand in for them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use mirai_core::{
    Collection, Embedder, EmbeddingModel, Symbol, Timestamp, VectorDoc, VectorError, VectorHit, VectorQuery,
    VectorStore,
};
use mirai_outbox::{OutboxTopic, RationaleSink, Shipper, ShipperConfig, StatusSource, Step};

use crate::helpers::{store_with_outbox, trade};

#[derive(Debug, Default)]
struct MemoryVectors {
    docs: Mutex<BTreeMap<(String, String), VectorDoc>>,
    upserts: AtomicU32,
}

impl VectorStore for MemoryVectors {
    async fn upsert(&self, collection: Collection, docs: &[VectorDoc]) -> Result<(), VectorError> {
        self.upserts.fetch_add(1, Ordering::Relaxed);
        let mut all = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        for d in docs {
            all.insert((format!("{collection:?}"), d.id.clone()), d.clone());
        }
        Ok(())
    }

    async fn search(&self, _: Collection, _: &VectorQuery) -> Result<Vec<VectorHit>, VectorError> {
        Ok(Vec::new())
    }

    async fn delete_older_than(&self, _: Collection, _: Timestamp) -> Result<u64, VectorError> {
        Ok(0)
    }
}

/// Letter counts as a 4-dimensional vector; fails the first `fail` calls as unavailable.
#[derive(Debug)]
struct CountingEmbedder {
    model: EmbeddingModel,
    fail: AtomicU32,
}

impl Embedder for CountingEmbedder {
    fn model(&self) -> &EmbeddingModel {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        if self.fail.load(Ordering::Relaxed) > 0 {
            self.fail.fetch_sub(1, Ordering::Relaxed);
            return Err(VectorError::Unavailable("embedding service timed out".into()));
        }
        Ok(texts
            .iter()
            .map(|t| ['a', 'e', 'i', 'o'].iter().map(|c| t.matches(*c).count() as f32).collect())
            .collect())
    }
}

#[tokio::test]
async fn rationales_are_embedded_and_upserted_once_per_decision() {
    let store = store_with_outbox(&[OutboxTopic::Analytics, OutboxTopic::Rationales]);
    for i in 0..6 {
        trade(&store, i);
    }
    let vectors = Arc::new(MemoryVectors::default());
    let embedder = Arc::new(CountingEmbedder {
        model: EmbeddingModel { name: "letters".into(), dimension: 4 },
        fail: AtomicU32::new(1),
    });
    let shipper = Shipper::new(
        store.clone(),
        RationaleSink::new(vectors.clone(), embedder.clone()),
        ShipperConfig::default(),
    );

    let step = shipper.ship_once().await.unwrap();
    assert!(
        matches!(&step, Step::Failed { error, .. } if error.retryable && error.message.contains("timed out"))
    );
    assert_eq!(shipper.status().pending, 6);
    assert_eq!(shipper.ship_once().await.unwrap(), Step::Shipped { shipped: 6, parked: 0 });
    assert_eq!(shipper.ship_once().await.unwrap(), Step::Idle);

    let docs = vectors.docs.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert_eq!(docs.len(), 6);
    let decisions = store.decisions(10).unwrap();
    for d in &decisions {
        let doc = &docs[&("Rationales".to_owned(), d.id.as_str().to_owned())];
        assert_eq!(doc.text, d.rationale);
        assert_eq!((doc.symbol, doc.published_at), (Some(d.symbol), d.ts));
        assert_eq!(doc.embedding.len(), 4);
        assert!(doc.title.starts_with("buy "), "{}", doc.title);
    }
    assert!(docs.values().any(|d| d.symbol == Some(Symbol::new("ETHUSDT"))));
    // The analytics topic is a separate queue: still all there.
    assert_eq!(store.outbox_backlog(OutboxTopic::Analytics).unwrap().pending, 6 * 6 + 2);
}
