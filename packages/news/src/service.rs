//! `NewsService`: everything news needs between two polls. Each [`NewsService::poll`] ingests
//! what is new (the bundled sample and import files once, and again when a file changes;
//! Polygon since the last article seen); [`NewsService::retain`] applies retention.
//!
//! Progress lives in memory: after a restart the sample and files are ingested again and
//! Polygon is asked for the last `lookback` hours. The ids are stable, so that costs some
//! embedding calls and never adds a copy.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use mirai_core::{Embedder, Symbol, Timestamp, VectorStore};

use crate::error::{Issue, NewsError, Result};
use crate::jsonl::{Imported, read_jsonl};
use crate::pipeline::{IngestReport, Pipeline};
use crate::polygon::PolygonClient;
use crate::retention::{RetentionReport, apply_retention};
use crate::rss_feed::read_rss;
use crate::sample::sample_items;
use crate::settings::NewsSettings;
use crate::symbols::SymbolMap;

/// What one poll did. A failing source is listed and the others still run.
#[derive(Debug, Default)]
pub struct PollReport {
    pub ingested: IngestReport,
    /// Records refused, with where they were.
    pub issues: Vec<Issue>,
    /// Sources that failed this time ("polygon X:BTCUSD: HTTP 429 ...").
    pub failures: Vec<String>,
}

#[derive(Debug)]
pub struct NewsService<E, S> {
    embedder: Arc<E>,
    store: Arc<S>,
    pipeline: Pipeline,
    settings: NewsSettings,
    polygon: Option<PolygonClient>,
    /// Per Polygon ticker: ask for news from here on.
    cursors: HashMap<String, Timestamp>,
    /// Per import file: its modification time when last imported.
    imported: HashMap<PathBuf, Option<SystemTime>>,
    sample_done: bool,
}

impl<E: Embedder, S: VectorStore> NewsService<E, S> {
    pub fn new(settings: NewsSettings, symbols: &[Symbol], embedder: Arc<E>, store: Arc<S>) -> Result<Self> {
        let mut map = SymbolMap::for_symbols(symbols);
        for (ticker, symbol) in &settings.polygon_tickers {
            map.add(ticker, *symbol);
        }
        let polygon = settings.polygon.clone().map(PolygonClient::new).transpose()?;
        Ok(Self {
            embedder,
            store,
            pipeline: Pipeline { symbols: map, chunk_chars: settings.chunk_chars },
            settings,
            polygon,
            cursors: HashMap::new(),
            imported: HashMap::new(),
            sample_done: false,
        })
    }

    pub fn settings(&self) -> &NewsSettings {
        &self.settings
    }

    /// Ingests what is new, first seen at `now` (the poll's start: a chunk may be written up to
    /// one poll's duration later). Fails only when the vector store or embedder fails (the
    /// caller retries at the next poll); a bad file or an unreachable Polygon is reported and
    /// skipped.
    pub async fn poll(&mut self, now: Timestamp) -> Result<PollReport> {
        let mut report = PollReport::default();
        if self.settings.sample && !self.sample_done {
            let imported = sample_items();
            report.issues.extend(imported.issues);
            report.ingested +=
                self.pipeline.ingest(&*self.embedder, &*self.store, &imported.items, now).await?;
            self.sample_done = true;
        }
        for path in self.settings.import_paths.clone() {
            self.import_file(&path, now, &mut report).await?;
        }
        let tickers = self.settings.polygon_tickers.clone();
        if let Some(client) = &self.polygon {
            let lookback = self.settings.lookback.as_millis() as i64;
            for (ticker, _) in &tickers {
                let since = *self.cursors.get(ticker).unwrap_or(&now.plus_millis(-lookback));
                match client.fetch(ticker, since).await {
                    Ok(fetched) => {
                        report.issues.extend(fetched.issues);
                        report.ingested +=
                            self.pipeline.ingest(&*self.embedder, &*self.store, &fetched.items, now).await?;
                        // `published_utc.gte` repeats the newest article next time; its id is
                        // stable, so that costs one embedding and adds nothing.
                        let newest = fetched.items.iter().map(|i| i.published_at).max();
                        self.cursors.insert(ticker.clone(), newest.unwrap_or(since).max(since));
                        if fetched.truncated {
                            report.failures.push(format!(
                                "polygon {ticker}: more pages than one poll reads; continuing next poll"
                            ));
                        }
                    }
                    Err(e) => report.failures.push(format!("polygon {ticker}: {e}")),
                }
            }
        }
        if !report.issues.is_empty() || !report.failures.is_empty() {
            tracing::warn!(issues = report.issues.len(), failures = ?report.failures, "news poll had problems");
        }
        for issue in &report.issues {
            tracing::warn!(%issue, "news record refused");
        }
        Ok(report)
    }

    /// Deletes news and rationales older than the retention period.
    pub async fn retain(&self, now: Timestamp) -> Result<RetentionReport> {
        apply_retention(&*self.store, now, self.settings.retention_days).await
    }

    async fn import_file(&mut self, path: &Path, now: Timestamp, report: &mut PollReport) -> Result<()> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if self.imported.get(path).is_some_and(|m| *m == modified && modified.is_some()) {
            return Ok(());
        }
        let name = path.display().to_string();
        let file = match std::fs::File::open(path) {
            Ok(f) => std::io::BufReader::new(f),
            Err(source) => {
                report.failures.push(NewsError::Read { path: path.to_owned(), source }.to_string());
                return Ok(());
            }
        };
        let is_jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
        let imported: Imported = if is_jsonl {
            read_jsonl(file, &name)
        } else {
            match read_rss(file, &name) {
                Ok(i) => i,
                Err(e) => {
                    report.failures.push(e.to_string());
                    self.imported.insert(path.to_owned(), modified);
                    return Ok(());
                }
            }
        };
        report.issues.extend(imported.issues);
        report.ingested += self.pipeline.ingest(&*self.embedder, &*self.store, &imported.items, now).await?;
        self.imported.insert(path.to_owned(), modified);
        Ok(())
    }
}
