//! What every vector store accepts, so a document the embedded index takes is one Milvus takes too
//! (the shared conformance suite pins both stores to these rules).
//!
//! Ids are limited to characters that need no escaping inside a quoted filter literal, so an
//! `id in [..]` filter built from them cannot be broken out of.

use crate::{EmbeddingModel, VectorDoc, VectorError, VectorQuery};

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
/// the copies had been upserted one after another.
pub fn last_copy_wins(docs: &[VectorDoc]) -> Vec<&VectorDoc> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&VectorDoc> = docs.iter().rev().filter(|d| seen.insert(d.id.as_str())).collect();
    out.reverse();
    out
}

/// Long hostile input is cut before it is echoed in an error.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
