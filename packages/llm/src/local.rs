//! `LocalEmbedder`: a deterministic embedder that needs no model file and no network.
//!
//! It hashes words and word pairs into a fixed number of buckets ("feature hashing", the
//! hashing trick) and scales the result to unit length. Two texts score high when they share
//! words, so it is good enough for keyword-like news search ("bitcoin etf outflows") and costs
//! microseconds; it knows nothing of meaning: "BTC" and "bitcoin" are different words to it, and
//! so are "rally" and "surge". Set `OPENAI_API_KEY` for semantic search.
//!
//! The hash is written out (FNV-1a) because the vectors are persisted: std's `DefaultHasher`
//! may change between Rust releases, and a changed hash would silently scramble every stored
//! vector. Any change to this file's output must change [`LOCAL_MODEL_NAME`], so that stores
//! built with the old vectors refuse the new ones instead of returning nonsense.

use mirai_core::{Embedder, EmbeddingModel, VectorError};

use crate::tokens::{Token, tokens};

/// The model name stores record; bump the version with any change to the output.
pub const LOCAL_MODEL_NAME: &str = "mirai-local-hash-v1";

/// 384 buckets: few enough collisions for news-sized vocabularies, small enough that the
/// embedded index scans 100,000 documents well within 10 ms (docs/benchmarks.md).
pub const LOCAL_DIMENSION: usize = 384;

/// Word pairs count half as much as single words: they reward phrases without letting a shared
/// pair outweigh the words themselves.
const PAIR_WEIGHT: f32 = 0.5;

#[derive(Clone, Debug)]
pub struct LocalEmbedder {
    model: EmbeddingModel,
}

impl Default for LocalEmbedder {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalEmbedder {
    pub fn new() -> Self {
        Self { model: EmbeddingModel { name: LOCAL_MODEL_NAME.into(), dimension: LOCAL_DIMENSION } }
    }

    /// One text's unit vector; fails when the text holds no word at all.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, VectorError> {
        let dim = self.model.dimension;
        let mut v = vec![0f32; dim];
        let words = tokens(text);
        if words.is_empty() {
            return Err(VectorError::Invalid("a text with no words cannot be embedded".into()));
        }
        let mut add = |feature: &[u8], kind: u8, weight: f32| {
            let h = fnv1a(kind, feature);
            let bucket = (h % dim as u64) as usize;
            // The sign bit spreads collisions around zero instead of piling them up.
            v[bucket] += if h >> 63 == 1 { -weight } else { weight };
        };
        for w in &words {
            add(w.text.as_bytes(), b'w', 1.0);
        }
        for pair in words.windows(2) {
            if let [Token { text: a, .. }, Token { text: b, .. }] = pair {
                add(format!("{a} {b}").as_bytes(), b'p', PAIR_WEIGHT);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm == 0.0 {
            // Every feature cancelled out (possible, if unlikely, with signed buckets): fall back
            // to the first word alone so the vector still points somewhere meaningful.
            let h = fnv1a(b'w', words[0].text.as_bytes());
            v[(h % dim as u64) as usize] = 1.0;
            return Ok(v);
        }
        v.iter_mut().for_each(|x| *x /= norm);
        Ok(v)
    }
}

impl Embedder for LocalEmbedder {
    fn model(&self) -> &EmbeddingModel {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, VectorError> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                self.embed_one(t).map_err(|e| match e {
                    VectorError::Invalid(why) => VectorError::Invalid(format!("text {i}: {why}")),
                    other => other,
                })
            })
            .collect()
    }
}

/// FNV-1a, 64-bit, over a one-byte feature kind and the feature's bytes.
fn fnv1a(kind: u8, bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for b in std::iter::once(&kind).chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn vectors_are_unit_length_and_deterministic() {
        let e = LocalEmbedder::new();
        let a = e.embed_one("Bitcoin ETF sees record inflows").unwrap();
        assert_eq!(a.len(), LOCAL_DIMENSION);
        assert!((cos(&a, &a) - 1.0).abs() < 1e-5);
        assert_eq!(a, e.embed_one("Bitcoin ETF sees record inflows").unwrap());
    }

    /// Pins the output: if this fails, the vectors changed and [`LOCAL_MODEL_NAME`] must change
    /// with them, or stores built before would mix old and new vectors.
    #[test]
    fn the_output_is_pinned_to_the_model_name() {
        assert_eq!(LOCAL_MODEL_NAME, "mirai-local-hash-v1");
        assert_eq!(fnv1a(b'w', b"bitcoin"), 0x9ae7_aabf_6298_1318);
        // Bucket 0x9ae7aabf62981318 % 384 = 280, sign bit set: one word, one negative component.
        let v = LocalEmbedder::new().embed_one("Bitcoin").unwrap();
        assert_eq!(v.iter().filter(|x| **x != 0.0).count(), 1);
        assert!((v[280] + 1.0).abs() < 1e-6, "{:?}", v.iter().position(|x| *x != 0.0));
    }

    #[test]
    fn shared_words_score_higher_than_unrelated_text() {
        let e = LocalEmbedder::new();
        let q = e.embed_one("bitcoin etf inflows").unwrap();
        let near = e.embed_one("Spot bitcoin ETFs recorded strong inflows this week").unwrap();
        let far = e.embed_one("Ethereum developers schedule the next network upgrade").unwrap();
        assert!(cos(&q, &near) > 0.3, "{}", cos(&q, &near));
        assert!(cos(&q, &near) > cos(&q, &far) + 0.2);
    }

    #[test]
    fn a_text_without_words_is_refused_with_its_position() {
        let e = LocalEmbedder::new();
        let texts = vec!["fine words".to_owned(), " ... !!! ".to_owned()];
        let err = tokio_free_block_on(e.embed(&texts)).unwrap_err();
        assert!(err.to_string().contains("text 1"), "{err}");
    }

    fn tokio_free_block_on<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the local embedder never waits"),
        }
    }
}
