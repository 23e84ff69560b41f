//! Which embedder to use, read from the environment: OpenAI when `OPENAI_API_KEY` is set, the
//! local embedder otherwise. Every problem is reported at once; values of secrets never are.

use std::time::Duration;

use mirai_settings::Reader;
use secrecy::SecretString;

use crate::openai::{DEFAULT_OPENAI_DIMENSION, DEFAULT_OPENAI_MODEL, DEFAULT_TIMEOUT, OpenAiSettings};

#[derive(Clone, Debug)]
pub enum EmbedderSettings {
    Local,
    OpenAi(OpenAiSettings),
}

impl EmbedderSettings {
    /// Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_EMBEDDING_MODEL`,
    /// `OPENAI_EMBEDDING_DIMENSIONS` and `OPENAI_TIMEOUT_SECS` through `get`; returns one line per
    /// invalid setting.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut r = Reader::new(get);
        let Some(key) = r.raw("OPENAI_API_KEY") else { return Ok(Self::Local) };
        let mut s = OpenAiSettings::new(SecretString::from(key));
        if let Some(url) = r.raw("OPENAI_BASE_URL") {
            match check_base_url(&url) {
                Ok(_) => s.base_url = Some(url.trim_end_matches('/').to_owned()),
                Err(why) => r.error(format!("OPENAI_BASE_URL={url:?} {why}")),
            }
        }
        s.model = r.raw("OPENAI_EMBEDDING_MODEL").unwrap_or_else(|| DEFAULT_OPENAI_MODEL.into());
        if s.model.len() > 100
            || !s.model.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            r.error("OPENAI_EMBEDDING_MODEL must be a model name (letters, digits, - _ .)");
        }
        let default_dim = if s.model == DEFAULT_OPENAI_MODEL { Some(DEFAULT_OPENAI_DIMENSION) } else { None };
        match (r.raw("OPENAI_EMBEDDING_DIMENSIONS").map(|v| v.parse::<usize>()), default_dim) {
            (Some(Ok(d)), _) if (1..=4096).contains(&d) => s.dimension = d,
            (Some(_), _) => r.error("OPENAI_EMBEDDING_DIMENSIONS must be a whole number from 1 to 4096"),
            (None, Some(d)) => s.dimension = d,
            (None, None) => r.error(format!(
                "OPENAI_EMBEDDING_DIMENSIONS must be set for {} (the vector size is recorded with each collection)",
                s.model
            )),
        }
        s.timeout = Duration::from_secs(r.ranged("OPENAI_TIMEOUT_SECS", DEFAULT_TIMEOUT.as_secs(), 1, 300));
        r.finish(Self::OpenAi(s))
    }
}

/// HTTPS anywhere; plain HTTP only to this machine, since the API key travels in a header.
fn check_base_url(url: &str) -> Result<mirai_settings::Url, String> {
    mirai_settings::check_base_url(url, mirai_settings::Transport::HttpsUnlessLoopback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<EmbedderSettings, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EmbedderSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    #[test]
    fn nothing_configured_means_the_local_embedder() {
        assert!(matches!(read(&[]), Ok(EmbedderSettings::Local)));
        assert!(matches!(read(&[("OPENAI_API_KEY", "  ")]), Ok(EmbedderSettings::Local)));
    }

    #[test]
    fn a_key_selects_openai_with_the_small_model_by_default() {
        let Ok(EmbedderSettings::OpenAi(s)) = read(&[("OPENAI_API_KEY", "sk-test-key-123456")]) else {
            panic!()
        };
        assert_eq!((s.model.as_str(), s.dimension), ("text-embedding-3-small", 1536));
        assert!(!format!("{s:?}").contains("sk-test-key-123456"), "Debug shows no key");
    }

    #[test]
    fn every_problem_is_reported_and_the_key_is_not_echoed() {
        let errors = read(&[
            ("OPENAI_API_KEY", "sk-secret-value-999"),
            ("OPENAI_BASE_URL", "http://api.example.com/v1"),
            ("OPENAI_EMBEDDING_MODEL", "some model"),
            ("OPENAI_EMBEDDING_DIMENSIONS", "0"),
            ("OPENAI_TIMEOUT_SECS", "forever"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(!errors.join(" ").contains("sk-secret-value-999"));
    }

    #[test]
    fn base_urls() {
        assert!(check_base_url("https://api.openai.com/v1").is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/v1").is_ok());
        assert!(check_base_url("http://[::1]:8080").is_ok());
        assert!(check_base_url("http://localhost.evil.com/v1").is_err());
        assert!(check_base_url("https://user:pw@proxy.example.com").is_err());
        assert!(check_base_url("ftp://x").is_err());
    }

    #[test]
    fn another_model_needs_its_dimension() {
        let errors = read(&[("OPENAI_API_KEY", "k"), ("OPENAI_EMBEDDING_MODEL", "text-embedding-3-large")])
            .unwrap_err();
        assert!(errors[0].contains("OPENAI_EMBEDDING_DIMENSIONS"));
        let ok = read(&[
            ("OPENAI_API_KEY", "k"),
            ("OPENAI_EMBEDDING_MODEL", "text-embedding-3-large"),
            ("OPENAI_EMBEDDING_DIMENSIONS", "1024"),
        ]);
        assert!(matches!(ok, Ok(EmbedderSettings::OpenAi(s)) if s.dimension == 1024));
    }
}
