//! `SearchRequest` and `SearchHitView`: a text search over stored news or decision rationales,
//! and one result as the dashboard shows it.

use mirai_core::{Symbol, Timestamp};
use serde::{Deserialize, Serialize};

/// The longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 1000;
/// The most results one search returns.
pub const MAX_SEARCH_LIMIT: u32 = 50;
pub const DEFAULT_SEARCH_LIMIT: u32 = 10;

/// A validated search: non-blank text of at most [`MAX_SEARCH_CHARS`], 1 to
/// [`MAX_SEARCH_LIMIT`] results, `since` not after `until` (both inclusive, epoch ms).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchRequest {
    pub q: String,
    pub symbol: Option<Symbol>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: u32,
}

/// One matching chunk, best first. `score` is the cosine similarity (a statistic, not money).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHitView {
    pub id: String,
    pub symbol: Option<Symbol>,
    pub published_at: Timestamp,
    pub source: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub score: f32,
}
