//! Where Milvus is and which collections to use, read from the environment. Every problem is
//! reported at once; the password never appears in an error or in `Debug` output.

use std::time::Duration;

use mirai_settings::{Reader, Settings};
use secrecy::SecretString;

pub const DEFAULT_NEWS_COLLECTION: &str = "news_chunks";
pub const DEFAULT_RATIONALES_COLLECTION: &str = "rationales";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct MilvusSettings {
    /// `http://host:19530`, or `https://…` for TLS.
    pub address: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// None: Milvus's `default` database.
    pub database: Option<String>,
    pub news_collection: String,
    pub rationales_collection: String,
    /// Bounds every call, retries included.
    pub timeout: Duration,
}

impl MilvusSettings {
    /// Settings for `address` with the default collections and no credentials.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            username: None,
            password: None,
            database: None,
            news_collection: DEFAULT_NEWS_COLLECTION.into(),
            rationales_collection: DEFAULT_RATIONALES_COLLECTION.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Reads `MILVUS_ADDRESS`, `MILVUS_USERNAME`, `MILVUS_PASSWORD`, `MILVUS_DB`,
    /// `MILVUS_COLLECTION_NEWS`, `MILVUS_COLLECTION_RATIONALES` and `MILVUS_TIMEOUT_SECS`.
    /// `None` when `MILVUS_ADDRESS` is unset: the embedded index is used instead.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Settings<Self> {
        let mut r = Reader::new(get);
        let Some(address) = r.raw("MILVUS_ADDRESS") else { return Ok(None) };
        let mut s = Self::new(address.trim_end_matches('/'));
        s.username = r.raw("MILVUS_USERNAME");
        s.password = r.raw("MILVUS_PASSWORD").map(SecretString::from);
        if s.password.is_some() != s.username.is_some() {
            r.error("MILVUS_USERNAME and MILVUS_PASSWORD go together: set both or neither");
        }
        if let Err(why) = check_address(&s.address, s.password.is_some()) {
            r.error(format!("MILVUS_ADDRESS={:?} {why}", s.address));
        }
        s.database = r.raw("MILVUS_DB");
        for (key, value) in [
            ("MILVUS_DB", s.database.as_deref()),
            ("MILVUS_COLLECTION_NEWS", r.raw("MILVUS_COLLECTION_NEWS").as_deref()),
            ("MILVUS_COLLECTION_RATIONALES", r.raw("MILVUS_COLLECTION_RATIONALES").as_deref()),
        ] {
            if let Some(v) = value
                && let Err(why) = check_name(v)
            {
                r.error(format!("{key}={v:?} {why}"));
            }
        }
        if let Some(n) = r.raw("MILVUS_COLLECTION_NEWS") {
            s.news_collection = n;
        }
        if let Some(n) = r.raw("MILVUS_COLLECTION_RATIONALES") {
            s.rationales_collection = n;
        }
        if s.news_collection == s.rationales_collection {
            r.error("MILVUS_COLLECTION_NEWS and MILVUS_COLLECTION_RATIONALES must differ");
        }
        s.timeout = Duration::from_secs(r.ranged("MILVUS_TIMEOUT_SECS", s.timeout.as_secs(), 1, 300));
        r.finish(Some(s))
    }
}

/// Milvus names: a letter or underscore, then letters, digits and underscores, at most 255.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || name.len() > 255 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("must start with a letter or _ and hold only letters, digits and _ (at most 255)");
    }
    Ok(())
}

/// `http(s)://host:port`; with a password, plain http only to this machine, since gRPC would
/// carry it unencrypted.
fn check_address(address: &str, with_password: bool) -> Result<(), String> {
    let transport = if with_password {
        mirai_settings::Transport::HttpsUnlessLoopback
    } else {
        mirai_settings::Transport::AnyHttp
    };
    mirai_settings::check_base_url(address, transport).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Settings<MilvusSettings> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        MilvusSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    #[test]
    fn unset_address_means_no_milvus() {
        assert!(read(&[("MILVUS_PASSWORD", "x")]).unwrap().is_none());
    }

    #[test]
    fn defaults() {
        let s = read(&[("MILVUS_ADDRESS", "http://milvus:19530/")]).unwrap().unwrap();
        assert_eq!(s.address, "http://milvus:19530");
        assert_eq!(
            (s.news_collection.as_str(), s.rationales_collection.as_str()),
            ("news_chunks", "rationales")
        );
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
    }

    #[test]
    fn every_problem_at_once_and_no_password_in_them_or_in_debug() {
        let pw = "hunter2-milvus-password";
        let errors = read(&[
            ("MILVUS_ADDRESS", "http://milvus.example.com:19530"),
            ("MILVUS_USERNAME", "root"),
            ("MILVUS_PASSWORD", pw),
            ("MILVUS_DB", "my-db"),
            ("MILVUS_COLLECTION_NEWS", "news; drop"),
            ("MILVUS_TIMEOUT_SECS", "0"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(!errors.join(" ").contains(pw));
        let ok = read(&[
            ("MILVUS_ADDRESS", "https://m.example.com"),
            ("MILVUS_USERNAME", "u"),
            ("MILVUS_PASSWORD", pw),
        ]);
        let ok = ok.unwrap().unwrap();
        assert!(!format!("{ok:?}").contains(pw));
    }

    #[test]
    fn a_password_needs_its_username() {
        let errors =
            read(&[("MILVUS_ADDRESS", "http://127.0.0.1:19530"), ("MILVUS_PASSWORD", "p")]).unwrap_err();
        assert!(errors[0].contains("go together"));
    }
}
