//! `NewsPoller`: the worker's [`NewsJob`] — `mirai_news::NewsService` over the chosen embedder
//! and vector store — and the first-time bookkeeping for the bundled sample news.
//!
//! The sample is ingested once per vector store: a key/value entry in the local store records
//! it, so a restart does not embed it again (which costs money with OpenAI). The embedded index
//! is checked directly: if its news collection is empty (deleted, or re-indexed after a model
//! change), the sample goes in again.

use std::sync::{Arc, Mutex, PoisonError};

use mirai_core::Timestamp;
use mirai_llm::AnyEmbedder;
use mirai_news::NewsService;
use mirai_store_local::LocalStore;

use super::AnyVectorStore;
use crate::news::{NewsJob, NewsRun};

const KV_SAMPLE_PREFIX: &str = "news.sample_ingested.";

/// The last poll: when it ended and how it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollRecord {
    pub at: Timestamp,
    pub outcome: Result<NewsRun, String>,
}

/// The last poll, readable while the task runs.
pub type LastPoll = Arc<Mutex<Option<PollRecord>>>;

#[derive(Debug)]
pub struct NewsPoller {
    service: NewsService<AnyEmbedder, AnyVectorStore>,
    store: Arc<LocalStore>,
    /// Set while the sample is still to be recorded as ingested.
    sample_key: Option<String>,
    last: LastPoll,
    /// Where each poll's latest news per symbol goes (the trading task's news embargo).
    notify: Option<tokio::sync::mpsc::Sender<(mirai_core::Symbol, Timestamp)>>,
}

impl NewsPoller {
    pub fn new(
        mut settings: mirai_news::NewsSettings,
        symbols: &[mirai_core::Symbol],
        embedder: Arc<AnyEmbedder>,
        vectors: Arc<AnyVectorStore>,
        store: Arc<LocalStore>,
        identity: &str,
    ) -> Result<Self, super::KnowledgeError> {
        let key = format!("{KV_SAMPLE_PREFIX}{identity}");
        let mut sample_key = None;
        if settings.sample {
            let done = store.get_kv(&key)?.is_some() && !vectors.news_is_empty();
            settings.sample = !done;
            sample_key = settings.sample.then_some(key);
        }
        let service = NewsService::new(settings, symbols, embedder, vectors)?;
        Ok(Self { service, store, sample_key, last: LastPoll::default(), notify: None })
    }

    /// Tells `notify` the latest publication time per symbol after each poll. A full channel
    /// drops the notice rather than holding news up; the next poll repeats it.
    pub fn with_notify(mut self, notify: tokio::sync::mpsc::Sender<(mirai_core::Symbol, Timestamp)>) -> Self {
        self.notify = Some(notify);
        self
    }

    pub fn last(&self) -> LastPoll {
        self.last.clone()
    }

    fn record(&self, at: Timestamp, outcome: Result<NewsRun, String>) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(PollRecord { at, outcome });
    }
}

impl NewsJob for NewsPoller {
    async fn poll(&mut self, now: Timestamp) -> anyhow::Result<NewsRun> {
        let report = match self.service.poll(now).await {
            Ok(r) => r,
            Err(e) => {
                self.record(now, Err(e.to_string()));
                return Err(e.into());
            }
        };
        if let Some(tx) = &self.notify {
            for (symbol, at) in &report.ingested.latest {
                let _ = tx.try_send((*symbol, *at));
            }
        }
        if let Some(key) = self.sample_key.take() {
            self.store.set_kv(&key, &now.millis().to_string())?;
        }
        let run = NewsRun {
            items: report.ingested.items,
            chunks: report.ingested.chunks,
            issues: report.issues.len(),
            failures: report.failures,
        };
        self.record(now, Ok(run.clone()));
        Ok(run)
    }

    async fn retain(&mut self, now: Timestamp) -> anyhow::Result<u64> {
        let r = self.service.retain(now).await?;
        Ok(r.news_deleted + r.rationales_deleted)
    }
}

#[cfg(test)]
mod tests {
    use mirai_core::{Embedder, Symbol};
    use mirai_llm::LocalEmbedder;
    use mirai_store_local::vectors::LocalVectorIndex;

    use super::*;

    const DAY: i64 = 86_400_000;

    #[tokio::test]
    async fn the_sample_goes_in_once_per_store_and_retention_deletes_by_age() {
        let symbols = [Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")];
        let embedder = Arc::new(AnyEmbedder::Local(LocalEmbedder::new()));
        let index = LocalVectorIndex::open_in_memory(embedder.model().clone()).unwrap();
        let vectors = Arc::new(AnyVectorStore::Local(Box::new(index)));
        let store = Arc::new(LocalStore::open_in_memory().unwrap());
        let settings = mirai_news::NewsSettings::new(&symbols);
        let poller = |id: &str| {
            NewsPoller::new(settings.clone(), &symbols, embedder.clone(), vectors.clone(), store.clone(), id)
                .unwrap()
        };
        // 2026-12-01: after the sample's newest article.
        let now = Timestamp::from_millis(1_796_083_200_000);

        let mut first = poller("local:test");
        let run = first.poll(now).await.unwrap();
        assert!(run.items >= 30 && run.chunks >= run.items, "{run:?}");
        assert_eq!(first.last().lock().unwrap().as_ref().map(|r| r.at), Some(now));
        assert_eq!(first.poll(now).await.unwrap().items, 0, "not twice in one process");
        assert_eq!(poller("local:test").poll(now).await.unwrap().items, 0, "nor after a restart");
        assert!(poller("milvus:elsewhere").poll(now).await.unwrap().items >= 30, "another store gets it");

        // Nothing is two years old yet; two years and a day later, everything is.
        assert_eq!(first.retain(now).await.unwrap(), 0);
        let deleted = first.retain(now.plus_millis(731 * DAY)).await.unwrap();
        assert!(deleted as usize >= run.chunks, "{deleted}");
        assert!(vectors.news_is_empty());
    }
}
