//! News for Mirai: fetched from Polygon's news API or imported from JSONL and RSS files,
//! deduplicated by a stable id (url + publication time + symbol), chunked, embedded and
//! upserted into the vector store; searched by text; deleted after two years. Bundled sample
//! news keeps search useful when no source is configured. See docs/news.md.

mod chunk;
mod clean;
mod error;
mod item;
mod jsonl;
mod pipeline;
pub mod polygon;
mod retention;
mod rss_feed;
mod sample;
mod search;
mod service;
mod settings;
mod symbols;

pub use chunk::{DEFAULT_CHUNK_CHARS, chunks};
pub use error::{Issue, NewsError, Result};
pub use item::{NewsItem, stable_id};
pub use jsonl::{Imported, read_jsonl};
pub use pipeline::{IngestReport, Pipeline};
pub use retention::{RETENTION_DAYS, RetentionReport, apply_retention};
pub use rss_feed::read_rss;
pub use sample::{SAMPLE_JSONL, sample_items};
pub use search::{MAX_QUERY_CHARS, MAX_RESULTS, TextQuery, search_text};
pub use service::{NewsService, PollReport};
pub use settings::NewsSettings;
pub use symbols::{SymbolMap, base_asset};
