//! Searching stored news (or rationales) by text: embed the question with the same embedder
//! the collection was built with, then a filtered vector search.

use mirai_core::{Collection, Embedder, Symbol, Timestamp, VectorHit, VectorQuery, VectorStore};

use crate::error::{NewsError, Result};

pub const MAX_QUERY_CHARS: usize = 1000;
pub const MAX_RESULTS: usize = 50;

#[derive(Clone, Debug, PartialEq)]
pub struct TextQuery {
    pub text: String,
    pub symbol: Option<Symbol>,
    /// Inclusive bounds on the publication time.
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub top_k: usize,
}

impl TextQuery {
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), symbol: None, since: None, until: None, top_k: 10 }
    }
}

/// The `top_k` chunks of `collection` most similar to the query's text that pass its filters.
pub async fn search_text<E: Embedder, S: VectorStore>(
    embedder: &E,
    store: &S,
    collection: Collection,
    q: &TextQuery,
) -> Result<Vec<VectorHit>> {
    let text = q.text.trim();
    if text.is_empty() {
        return Err(NewsError::Query("the search text is empty".into()));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(NewsError::Query(format!("the search text is longer than {MAX_QUERY_CHARS} characters")));
    }
    if !(1..=MAX_RESULTS).contains(&q.top_k) {
        return Err(NewsError::Query(format!("ask for 1 to {MAX_RESULTS} results, not {}", q.top_k)));
    }
    let mut vectors = embedder.embed(&[text.to_owned()]).await?;
    let embedding = vectors.pop().ok_or_else(|| NewsError::Query("the embedder returned nothing".into()))?;
    let query = VectorQuery {
        embedding,
        top_k: q.top_k,
        symbol: q.symbol,
        since: q.since,
        until: q.until,
        seen_until: None,
    };
    Ok(store.search(collection, &query).await?)
}
