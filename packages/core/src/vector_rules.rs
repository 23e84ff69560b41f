//! What every vector store accepts, so a document the embedded index takes is one Milvus takes too
//! (the shared conformance suite pins both stores to these rules).
//!
//! Ids are limited to characters that need no escaping inside a quoted filter literal, so an
//! `id in [..]` filter built from them cannot be broken out of.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::{EmbeddingModel, Timestamp, VectorDoc, VectorError, VectorQuery};

pub const MAX_ID_BYTES: usize = 128;
pub const MAX_TITLE_BYTES: usize = 1024;
pub const MAX_TEXT_BYTES: usize = 16_384;
pub const MAX_SOURCE_BYTES: usize = 128;
pub const MAX_URL_BYTES: usize = 2048;
pub const MAX_TOP_K: usize = 1000;

/// 1 to 128 characters of `A-Z a-z 0-9 . : / _ -` (decision ids and news chunk ids fit).
pub fn check_id(id: &str) -> Result<(), VectorError> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-');
    if id.is_empty() || id.len() > MAX_ID_BYTES || !id.chars().all(ok) {
        return Err(VectorError::Invalid(format!(
            "document id {:?} must be 1 to {MAX_ID_BYTES} characters of A-Z a-z 0-9 . : / _ -",
            clip(id)
        )));
    }
    Ok(())
}

/// A vector of the model's dimension, finite, and not all zeros (cosine is undefined for it).
pub fn check_embedding(what: &str, v: &[f32], model: &EmbeddingModel) -> Result<(), VectorError> {
    if v.len() != model.dimension {
        return Err(VectorError::Invalid(format!(
            "{what} has {} values; {} vectors have {}",
            v.len(),
            model.name,
            model.dimension
        )));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(VectorError::Invalid(format!("{what} contains NaN or infinite values")));
    }
    if v.iter().all(|x| *x == 0.0) {
        return Err(VectorError::Invalid(format!("{what} is all zeros; cosine similarity is undefined")));
    }
    Ok(())
}

pub fn check_doc(doc: &VectorDoc, model: &EmbeddingModel) -> Result<(), VectorError> {
    check_id(&doc.id)?;
    let field = |name: &str, value: &str, max: usize| {
        if value.len() > max {
            Err(VectorError::Invalid(format!(
                "document {}: {name} is {} bytes, more than {max}",
                doc.id,
                value.len()
            )))
        } else {
            Ok(())
        }
    };
    field("title", &doc.title, MAX_TITLE_BYTES)?;
    field("text", &doc.text, MAX_TEXT_BYTES)?;
    field("source", &doc.source, MAX_SOURCE_BYTES)?;
    field("url", doc.url.as_deref().unwrap_or_default(), MAX_URL_BYTES)?;
    if doc.url.as_deref() == Some("") {
        return Err(VectorError::Invalid(format!(
            "document {}: url is empty (leave it out instead)",
            doc.id
        )));
    }
    check_embedding(&format!("the embedding of document {}", doc.id), &doc.embedding, model)
}

pub fn check_query(q: &VectorQuery, model: &EmbeddingModel) -> Result<(), VectorError> {
    if q.top_k == 0 || q.top_k > MAX_TOP_K {
        return Err(VectorError::Invalid(format!("top_k must be 1 to {MAX_TOP_K}, not {}", q.top_k)));
    }
    if let (Some(s), Some(u)) = (q.since, q.until)
        && s > u
    {
        return Err(VectorError::Invalid(format!("since ({s}) is after until ({u})")));
    }
    check_embedding("the query embedding", &q.embedding, model)
}

/// The documents to write, each id once: when a batch repeats an id the last copy wins, as if
/// the copies had been upserted one after another, and so it keeps the earliest
/// `first_seen_at` of the copies (copied only in that rare case).
pub fn last_copy_wins(docs: &[VectorDoc]) -> Vec<Cow<'_, VectorDoc>> {
    let mut earliest: HashMap<&str, Timestamp> = HashMap::with_capacity(docs.len());
    for d in docs {
        earliest
            .entry(d.id.as_str())
            .and_modify(|t| *t = (*t).min(d.first_seen_at))
            .or_insert(d.first_seen_at);
    }
    let mut out: Vec<Cow<'_, VectorDoc>> = docs
        .iter()
        .rev()
        .filter_map(|d| {
            let first_seen = earliest.remove(d.id.as_str())?;
            Some(if first_seen < d.first_seen_at {
                Cow::Owned(VectorDoc { first_seen_at: first_seen, ..d.clone() })
            } else {
                Cow::Borrowed(d)
            })
        })
        .collect();
    out.reverse();
    out
}

/// Long hostile input is cut before it is echoed in an error.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, seen_ms: i64, text: &str) -> VectorDoc {
        VectorDoc {
            id: id.into(),
            symbol: None,
            published_at: Timestamp::from_millis(1),
            first_seen_at: Timestamp::from_millis(seen_ms),
            source: "s".into(),
            url: None,
            title: "t".into(),
            text: text.into(),
            embedding: vec![1.0],
        }
    }

    #[test]
    fn the_last_copy_wins_but_keeps_the_earliest_first_sight() {
        let docs = [doc("a", 50, "a1"), doc("b", 7, "b1"), doc("a", 90, "a2"), doc("a", 70, "a3")];
        let out = last_copy_wins(&docs);
        let got: Vec<(&str, &str, i64)> =
            out.iter().map(|d| (d.id.as_str(), d.text.as_str(), d.first_seen_at.millis())).collect();
        assert_eq!(got, [("b", "b1", 7), ("a", "a3", 50)]);
        assert!(matches!(out[0], Cow::Borrowed(_)), "a lone copy is not cloned");
    }
}
