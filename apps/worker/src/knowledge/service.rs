//! `Knowledge`: the running news and vector search — what [`start`] returns. It holds the
//! embedder and vector store (shared with the rationale shipper), the news task, and answers
//! text searches for the web tier.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mirai_core::{Collection, Embedder, VectorHit};
use mirai_llm::AnyEmbedder;
use mirai_news::{NewsError, TextQuery, search_text};
use mirai_outbox::{OutboxTopic, RationaleSink};
use mirai_store_local::LocalStore;
use mirai_web::NewsStatusView;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::news_job::{LastPoll, NewsPoller, PollRecord};
use super::vectors::store_identity;
use super::{AnyVectorStore, KnowledgeError};
use crate::config::Settings;
use crate::news::{NewsSchedule, NewsTask};
use crate::shipping::Shipping;
use mirai_core::SystemClock;

/// How long start-up waits for Milvus to answer its collection check before going on without
/// it (records wait in the outbox; news polls retry).
const MILVUS_CHECK_TIMEOUT: Duration = Duration::from_secs(15);

pub struct Knowledge {
    embedder: Arc<AnyEmbedder>,
    vectors: Arc<AnyVectorStore>,
    last_poll: LastPoll,
    news: Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knowledge")
            .field("embedder", &self.embedder.model())
            .field("vectors", &self.vectors.kind())
            .finish_non_exhaustive()
    }
}

/// Opens the embedder and vector store the settings chose, refuses a collection built with
/// another embedding model, starts shipping decision rationales to the store (through the
/// outbox, so they are committed locally first), and starts the scheduled news ingestion.
///
/// Call it before the trading task starts, so every decision is queued.
pub async fn start(
    settings: &Settings,
    store: &Arc<LocalStore>,
    shipping: &mut Shipping,
    news_notices: tokio::sync::mpsc::Sender<(mirai_core::Symbol, mirai_core::Timestamp)>,
) -> Result<Arc<Knowledge>, KnowledgeError> {
    let k = &settings.knowledge;
    let embedder = Arc::new(AnyEmbedder::from_settings(&k.embedder)?);
    let model = embedder.model().clone();
    let identity = store_identity(k.milvus.as_ref(), &model);
    let vectors = Arc::new(AnyVectorStore::open(k.milvus.as_ref(), &settings.data_dir, model)?);
    match tokio::time::timeout(MILVUS_CHECK_TIMEOUT, vectors.check()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) if e.is_retryable() => {
            tracing::warn!(error = %e, "vector store unreachable at start; rationales wait in the outbox")
        }
        Ok(Err(e)) => return Err(e.into()),
        Err(_) => tracing::warn!("vector store did not answer at start; rationales wait in the outbox"),
    }
    tracing::info!("{}", k.describe());

    // Everything fallible before anything starts, so a refusal leaves no task behind.
    let poller = NewsPoller::new(
        k.news.clone(),
        &settings.trading.symbols,
        embedder.clone(),
        vectors.clone(),
        store.clone(),
        &identity,
    )?
    .with_notify(news_notices);
    if vectors.rationales_are_empty() {
        // A fresh or deleted embedded index: every decision in the ledger goes in (again).
        shipping.forget_backfill(OutboxTopic::Rationales, &identity)?;
    }
    shipping.spawn_to(RationaleSink::new(vectors.clone(), embedder.clone()), &identity)?;
    let last_poll = poller.last();
    let schedule = NewsSchedule { poll_every: k.news.poll_every, ..NewsSchedule::default() };
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(NewsTask::new(poller, SystemClock, schedule).run(stopped));
    Ok(Arc::new(Knowledge { embedder, vectors, last_poll, news: Mutex::new(Some((stop, task))) }))
}

impl Knowledge {
    /// The chunks of `collection` most similar to the query's text that pass its filters.
    pub async fn search(&self, collection: Collection, q: &TextQuery) -> Result<Vec<VectorHit>, NewsError> {
        search_text(&*self.embedder, &*self.vectors, collection, q).await
    }

    pub fn vectors(&self) -> &Arc<AnyVectorStore> {
        &self.vectors
    }

    pub fn embedder(&self) -> &Arc<AnyEmbedder> {
        &self.embedder
    }

    /// The last news poll; `None` before the first one ends.
    pub fn last_poll(&self) -> Option<PollRecord> {
        self.last_poll.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// What `/api/status` shows about news and the vector store.
    pub fn status(&self) -> NewsStatusView {
        let last = self.last_poll();
        let (items, failures, error) = match last.as_ref().map(|r| &r.outcome) {
            None => (0, Vec::new(), None),
            Some(Ok(run)) => (run.items as u64, run.failures.clone(), None),
            Some(Err(e)) => (0, Vec::new(), Some(e.clone())),
        };
        NewsStatusView {
            vector_store: self.vectors.kind().to_owned(),
            embedding_model: self.embedder.model().name.clone(),
            last_poll_at: last.map(|r| r.at),
            last_poll_items: items,
            last_poll_failures: failures,
            last_error: error,
        }
    }

    /// Stops the news task; a poll in progress finishes first (bounded at 10 s).
    pub async fn stop(&self) {
        let taken = self.news.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((stop, mut task)) = taken {
            let _ = stop.send(());
            if tokio::time::timeout(Duration::from_secs(10), &mut task).await.is_err() {
                // Only ingestion is cut short: its writes are idempotent and redone next start.
                tracing::warn!("the news task did not stop within 10 s; aborting it");
                task.abort();
            }
        }
    }
}
