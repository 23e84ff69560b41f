//! The ingestion pipeline: articles → one record per (article, symbol) with a stable id →
//! cleaned and chunked → embedded → upserted. Running it again on the same articles writes the
//! same ids, so it is idempotent: re-imports and overlapping polls never add copies.

use mirai_core::{Collection, Embedder, Symbol, Timestamp, VectorDoc, VectorStore};

use crate::chunk::chunks;
use crate::clean::{clip, safe_url};
use crate::error::Result;
use crate::item::{NewsItem, stable_id};
use crate::symbols::SymbolMap;

/// Bytes kept of a title and a source name (the stores accept 1024 and 128).
const TITLE_BYTES: usize = 512;
const SOURCE_BYTES: usize = 128;
/// Chunks per embed-and-upsert round: one OpenAI request, one store write.
const BATCH: usize = 64;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Articles handed in.
    pub items: usize,
    /// (article, symbol) records written.
    pub articles: usize,
    /// Records dropped because the same id came earlier in the same call.
    pub duplicates: usize,
    /// Chunks embedded and upserted.
    pub chunks: usize,
    /// The latest publication time among the records written, per symbol: what the news
    /// embargo gate is told.
    pub latest: std::collections::BTreeMap<Symbol, Timestamp>,
}

impl std::ops::AddAssign for IngestReport {
    fn add_assign(&mut self, o: Self) {
        self.items += o.items;
        self.articles += o.articles;
        self.duplicates += o.duplicates;
        self.chunks += o.chunks;
        for (symbol, at) in o.latest {
            let t = self.latest.entry(symbol).or_insert(at);
            *t = (*t).max(at);
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pipeline {
    pub symbols: SymbolMap,
    /// Characters per chunk (see [`crate::DEFAULT_CHUNK_CHARS`]).
    pub chunk_chars: usize,
}

impl Pipeline {
    /// Stores `items`, each chunk first seen at `seen_at`: the ingest time, which the caller
    /// takes from its clock. A chunk stored before keeps its earlier first sight (the stores
    /// keep the earliest), so re-ingesting never makes old news look newly arrived.
    pub async fn ingest<E: Embedder, S: VectorStore>(
        &self,
        embedder: &E,
        store: &S,
        items: &[NewsItem],
        seen_at: Timestamp,
    ) -> Result<IngestReport> {
        let mut report = IngestReport { items: items.len(), ..IngestReport::default() };
        let mut seen = std::collections::HashSet::new();
        let mut docs = Vec::new();
        for item in items {
            let mut symbols: Vec<Option<Symbol>> =
                self.symbols.symbols_of(&item.tickers).into_iter().map(Some).collect();
            if symbols.is_empty() {
                symbols.push(None);
            }
            for symbol in symbols {
                let id = stable_id(item, symbol);
                if !seen.insert(id.clone()) {
                    report.duplicates += 1;
                    continue;
                }
                report.articles += 1;
                if let Some(s) = symbol {
                    let t = report.latest.entry(s).or_insert(item.published_at);
                    *t = (*t).max(item.published_at);
                }
                docs.extend(self.docs(item, symbol, &id, seen_at));
            }
        }
        for batch in docs.chunks_mut(BATCH) {
            let inputs: Vec<String> = batch.iter().map(|d| format!("{}\n\n{}", d.title, d.text)).collect();
            let vectors = embedder.embed(&inputs).await?;
            for (d, v) in batch.iter_mut().zip(vectors) {
                d.embedding = v;
            }
            store.upsert(Collection::News, batch).await?;
            report.chunks += batch.len();
        }
        tracing::debug!(?report, "news ingested");
        Ok(report)
    }

    /// The chunks of one (article, symbol) record, embeddings still empty. Chunk `i` of article
    /// `id` is `news-<id>-<i>`.
    fn docs(&self, item: &NewsItem, symbol: Option<Symbol>, id: &str, seen_at: Timestamp) -> Vec<VectorDoc> {
        let title = clip(&item.title, TITLE_BYTES);
        let url = item.url.as_deref().and_then(safe_url).filter(|u| u.len() <= 2048);
        let mut parts = chunks(&item.body, self.chunk_chars);
        if parts.is_empty() {
            parts.push(title.clone());
        }
        parts
            .into_iter()
            .enumerate()
            .map(|(i, text)| VectorDoc {
                id: format!("news-{id}-{i}"),
                symbol,
                published_at: item.published_at,
                first_seen_at: seen_at,
                source: clip(&item.source, SOURCE_BYTES),
                url: url.clone(),
                title: title.clone(),
                text,
                embedding: Vec::new(),
            })
            .collect()
    }
}
