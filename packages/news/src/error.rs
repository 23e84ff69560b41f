//! `NewsError` (a step failed and nothing of it can be trusted) and `Issue` (one input record
//! was refused; the rest went on).

use std::path::PathBuf;

use mirai_core::VectorError;

pub type Result<T, E = NewsError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum NewsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{name} is not an RSS feed: {why}")]
    Feed { name: String, why: String },

    /// Polygon could not be reached or answered with something unusable. Never carries the key.
    #[error("Polygon news: {0}")]
    Polygon(String),

    #[error(transparent)]
    Vector(#[from] VectorError),

    #[error("invalid news search: {0}")]
    Query(String),
}

impl NewsError {
    /// True when trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            NewsError::Polygon(_) => true,
            NewsError::Vector(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// One record refused on import, with where it was: `news.jsonl line 12: no published_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The file, feed or API the record came from.
    pub source: String,
    /// `line 12`, `item 3`, `article abc123`.
    pub position: String,
    pub why: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.source, self.position, self.why)
    }
}
