//! `KnowledgeSettings`: the embedder, the vector store and the news sources, read from the
//! environment with every problem reported at once. Nothing set means the local embedder, the
//! embedded index in `DATA_DIR/vectors.db` and the bundled sample news.
//!
//! Each part is parsed by the crate that uses it (`mirai_llm`, `mirai_store_milvus`,
//! `mirai_news`), so the rules live once; this module only gathers them. Their secrets
//! (`OPENAI_API_KEY`, `MILVUS_PASSWORD`, `POLYGON_API_KEY`) are `secrecy::SecretString`s, which
//! like `secrecy::SecretString` print as redacted and are never echoed in an error.

use mirai_core::Symbol;
use mirai_llm::EmbedderSettings;
use mirai_news::NewsSettings;
use mirai_store_milvus::MilvusSettings;

#[derive(Clone, Debug)]
pub struct KnowledgeSettings {
    /// OpenAI when `OPENAI_API_KEY` is set; the local deterministic embedder otherwise.
    pub embedder: EmbedderSettings,
    /// Milvus when `MILVUS_ADDRESS` is set; the embedded index otherwise.
    pub milvus: Option<MilvusSettings>,
    pub news: NewsSettings,
}

impl KnowledgeSettings {
    /// The defaults for `symbols`: local embedder, embedded index, sample news.
    pub fn defaults(symbols: &[Symbol]) -> Self {
        Self { embedder: EmbedderSettings::Local, milvus: None, news: NewsSettings::new(symbols) }
    }

    /// Reads `OPENAI_*`, `MILVUS_*`, `POLYGON_*` and `NEWS_*` through `get`; one line per
    /// invalid setting, from all three parts together.
    pub fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        symbols: &[Symbol],
    ) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let embedder = EmbedderSettings::from_lookup(get).unwrap_or_else(|e| {
            errors.extend(e);
            EmbedderSettings::Local
        });
        let milvus = MilvusSettings::from_lookup(get).unwrap_or_else(|e| {
            errors.extend(e);
            None
        });
        let news = NewsSettings::from_lookup(get, symbols).unwrap_or_else(|e| {
            errors.extend(e);
            NewsSettings::new(symbols)
        });
        if errors.is_empty() { Ok(Self { embedder, milvus, news }) } else { Err(errors) }
    }

    /// One line for the start-up log: which embedder and which store, no secrets.
    pub fn describe(&self) -> String {
        let embedder = match &self.embedder {
            EmbedderSettings::Local => mirai_llm::LOCAL_MODEL_NAME.to_owned(),
            EmbedderSettings::OpenAi(o) => format!("OpenAI {} ({} dimensions)", o.model, o.dimension),
        };
        let store = match &self.milvus {
            None => "the embedded index".to_owned(),
            Some(m) => format!("Milvus at {}", m.address),
        };
        format!("embeddings by {embedder}, vectors in {store}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    fn syms() -> Vec<Symbol> {
        vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]
    }

    fn read(pairs: &[(&str, &str)]) -> Result<KnowledgeSettings, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        KnowledgeSettings::from_lookup(&move |k| env.get(k).cloned(), &syms())
    }

    #[test]
    fn nothing_set_means_local_embedder_embedded_index_and_sample_news() {
        let s = read(&[]).unwrap();
        assert!(matches!(s.embedder, EmbedderSettings::Local));
        assert!(s.milvus.is_none());
        assert!(s.news.sample && s.news.polygon.is_none() && s.news.import_paths.is_empty());
        assert_eq!(s.news.poll_every, Duration::from_secs(15 * 60));
        assert_eq!(s.news.retention_days, 730);
        assert_eq!(s.describe(), "embeddings by mirai-local-hash-v1, vectors in the embedded index");
    }

    #[test]
    fn real_services_are_picked_with_their_defaults() {
        let s = read(&[
            ("OPENAI_API_KEY", "sk-test-openai-key-0000"),
            ("MILVUS_ADDRESS", "http://127.0.0.1:19530"),
            ("POLYGON_API_KEY", "pk-test-polygon-key-0000"),
            ("NEWS_POLL_MINUTES", "5"),
        ])
        .unwrap();
        let EmbedderSettings::OpenAi(o) = &s.embedder else { panic!("OpenAI expected") };
        assert_eq!((o.model.as_str(), o.dimension), ("text-embedding-3-small", 1536));
        let m = s.milvus.as_ref().unwrap();
        assert_eq!(
            (m.news_collection.as_str(), m.rationales_collection.as_str()),
            ("news_chunks", "rationales")
        );
        assert!(s.news.polygon.is_some() && !s.news.sample, "a real source replaces the sample");
        assert_eq!(s.news.poll_every, Duration::from_secs(300));
        let debug = format!("{s:?}");
        assert!(!debug.contains("sk-test-openai-key") && !debug.contains("pk-test-polygon-key"), "{debug}");
        assert_eq!(
            s.describe(),
            "embeddings by OpenAI text-embedding-3-small (1536 dimensions), vectors in Milvus at http://127.0.0.1:19530"
        );
    }

    #[test]
    fn the_example_env_file_is_valid_and_means_the_defaults() {
        let example = include_str!("../../../../.env.example");
        let pairs: Vec<(&str, &str)> = example
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .collect();
        for key in ["OPENAI_API_KEY", "MILVUS_ADDRESS", "POLYGON_API_KEY", "NEWS_POLL_MINUTES", "NEWS_SAMPLE"]
        {
            assert!(pairs.iter().any(|(k, _)| *k == key), "{key} missing from .env.example");
        }
        let s = read(&pairs).unwrap();
        assert!(matches!(s.embedder, EmbedderSettings::Local) && s.milvus.is_none());
        assert!(s.news.sample && s.news.polygon.is_none());
        assert_eq!(s.news.poll_every, Duration::from_secs(15 * 60));
    }

    #[test]
    fn every_problem_of_every_part_at_once_and_no_secret_echoed() {
        let errors = read(&[
            ("OPENAI_API_KEY", "sk-secret-openai-999"),
            ("OPENAI_EMBEDDING_DIMENSIONS", "0"),
            ("MILVUS_ADDRESS", "http://milvus.example.com:19530"),
            ("MILVUS_USERNAME", "root"),
            ("MILVUS_PASSWORD", "milvus-secret-999"),
            ("POLYGON_API_KEY", "pk-secret-polygon-999"),
            ("NEWS_POLL_MINUTES", "0"),
            ("NEWS_SAMPLE", "maybe"),
        ])
        .unwrap_err();
        let text = errors.join("\n");
        for needle in ["OPENAI_EMBEDDING_DIMENSIONS", "MILVUS_ADDRESS", "NEWS_POLL_MINUTES", "NEWS_SAMPLE"] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert_eq!(errors.len(), 4, "{text}");
        for secret in ["sk-secret-openai-999", "milvus-secret-999", "pk-secret-polygon-999"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
