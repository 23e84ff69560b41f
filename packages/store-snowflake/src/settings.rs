//! `SnowflakeSettings`: the `SNOWFLAKE_*` variables, typed and validated with every problem
//! reported at once. Nothing set means Snowflake is not configured (the embedded store is used);
//! anything set means the whole connection must be valid.

use std::path::PathBuf;
use std::time::Duration;

use reqwest012::Url;

use mirai_settings::{Reader, Settings};
use secrecy::SecretString;

/// Every variable this module reads, for error messages and documentation.
pub const VARIABLES: [&str; 9] = [
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_PASSWORD",
    "SNOWFLAKE_PRIVATE_KEY_PATH",
    "SNOWFLAKE_WAREHOUSE",
    "SNOWFLAKE_DATABASE",
    "SNOWFLAKE_SCHEMA",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_BASE_URL",
];

/// How long one HTTP request to Snowflake may take before the batch is retried later.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub enum Credentials {
    Password(SecretString),
    /// Key-pair authentication: the PKCS#8 PEM read from `path` at start-up.
    KeyPair {
        path: PathBuf,
        pem: SecretString,
    },
}

#[derive(Clone, Debug)]
pub struct SnowflakeSettings {
    /// The account identifier, e.g. `myorg-myaccount` or `xy12345.eu-central-1`.
    pub account: String,
    pub user: String,
    pub credentials: Credentials,
    pub warehouse: Option<String>,
    pub database: String,
    /// `PUBLIC` unless set.
    pub schema: String,
    pub role: Option<String>,
    /// Where requests go instead of `https://<account>.snowflakecomputing.com`: a PrivateLink
    /// host, or a local server in tests.
    pub base_url: Option<Url>,
    pub request_timeout: Duration,
}

/// Every invalid Snowflake setting, one line each. Secret values are never quoted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid Snowflake settings:\n  - {}", .0.join("\n  - "))]
pub struct SettingsError(pub Vec<String>);

impl SnowflakeSettings {
    /// Reads the settings through `get` (the environment, a `.env` file, a test map).
    /// `Ok(None)`: no `SNOWFLAKE_*` variable is set, so Snowflake is simply not used.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Settings<Self> {
        let mut r = Reader::new(get);
        if VARIABLES.iter().all(|k| r.raw(k).is_none()) {
            return Ok(None);
        }

        let account = required(&mut r, "SNOWFLAKE_ACCOUNT");
        if let Some(a) = &account
            && !is_account(a)
        {
            r.error(format!(
                "SNOWFLAKE_ACCOUNT={a:?} is not an account identifier (letters, digits, '-', '_' and '.'), \
                 e.g. myorg-myaccount"
            ));
        }
        let user = required(&mut r, "SNOWFLAKE_USER");
        if let Some(u) = &user
            && (u.len() > 255 || u.chars().any(char::is_control))
        {
            r.error("SNOWFLAKE_USER must be at most 255 characters, without control characters");
        }
        let credentials = credentials(&mut r);
        let warehouse = identifier(&mut r, "SNOWFLAKE_WAREHOUSE");
        let database = identifier(&mut r, "SNOWFLAKE_DATABASE");
        if r.raw("SNOWFLAKE_DATABASE").is_none() {
            r.error("SNOWFLAKE_DATABASE is required: the database that holds Mirai's tables");
        }
        let schema = identifier(&mut r, "SNOWFLAKE_SCHEMA").unwrap_or_else(|| "PUBLIC".into());
        let role = identifier(&mut r, "SNOWFLAKE_ROLE");
        let base_url = r.raw("SNOWFLAKE_BASE_URL").and_then(|v| match base_url(&v) {
            Ok(u) => Some(u),
            Err(why) => {
                r.error(format!("SNOWFLAKE_BASE_URL={v:?} {why}"));
                None
            }
        });

        match (account, user, credentials, database) {
            (Some(account), Some(user), Some(credentials), Some(database)) if !r.has_errors() => {
                r.finish(Some(Self {
                    account,
                    user,
                    credentials,
                    warehouse,
                    database,
                    schema,
                    role,
                    base_url,
                    request_timeout: DEFAULT_REQUEST_TIMEOUT,
                }))
            }
            // Each missing part has recorded why.
            _ => r.finish(None),
        }
    }
}

fn required(r: &mut Reader, key: &str) -> Option<String> {
    let v = r.raw(key);
    if v.is_none() {
        r.error(format!("{key} is required when any SNOWFLAKE_* variable is set"));
    }
    v
}

fn credentials(r: &mut Reader) -> Option<Credentials> {
    match (r.raw("SNOWFLAKE_PASSWORD"), r.raw("SNOWFLAKE_PRIVATE_KEY_PATH")) {
        (Some(_), Some(_)) => {
            r.error("set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH, not both");
            None
        }
        (None, None) => {
            r.error("SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH is required");
            None
        }
        (Some(p), None) => Some(Credentials::Password(SecretString::from(p))),
        (None, Some(path)) => match read_private_key(&path) {
            Ok(pem) => Some(Credentials::KeyPair { path: PathBuf::from(path), pem }),
            Err(why) => {
                r.error(format!("SNOWFLAKE_PRIVATE_KEY_PATH={path:?} {why}"));
                None
            }
        },
    }
}

/// Reads the key and checks its form, without ever quoting its content.
fn read_private_key(path: &str) -> Result<SecretString, String> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
    if pem.contains("ENCRYPTED PRIVATE KEY") {
        return Err("holds an encrypted key, which is not supported; decrypt it with \
                    `openssl pkcs8 -topk8 -nocrypt` and protect the file instead"
            .into());
    }
    if !pem.contains("-----BEGIN PRIVATE KEY-----") {
        return Err("is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----); convert it with \
                    `openssl pkcs8 -topk8 -nocrypt`"
            .into());
    }
    Ok(SecretString::from(pem))
}

/// A plain (unquoted) Snowflake identifier. They travel as URL parameters of the login request,
/// never inside SQL text; the check only catches typos early.
fn identifier(r: &mut Reader, key: &str) -> Option<String> {
    let v = r.raw(key)?;
    let mut chars = v.chars();
    let ok = v.len() <= 255
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !ok {
        r.error(format!(
            "{key}={v:?} is not a plain identifier (a letter or '_', then letters, digits, '_' or '$')"
        ));
    }
    Some(v)
}

fn is_account(a: &str) -> bool {
    a.len() <= 255
        && a.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !a.starts_with(['.', '-'])
        && !a.ends_with(['.', '-'])
}

/// `https://host[:port]`, or `http://` to a loopback host only: a password must never cross a
/// network in clear text.
fn base_url(v: &str) -> Result<Url, String> {
    let url = mirai_settings::check_base_url(v, mirai_settings::Transport::HttpsUnlessLoopback)?;
    if url.path() != "/" {
        return Err("must be a bare origin such as https://host:443, without a path or query".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Settings<SnowflakeSettings> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SnowflakeSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    const MINIMAL: [(&str, &str); 4] = [
        ("SNOWFLAKE_ACCOUNT", "myorg-myaccount"),
        ("SNOWFLAKE_USER", "mirai"),
        ("SNOWFLAKE_PASSWORD", "correct horse battery staple"),
        ("SNOWFLAKE_DATABASE", "MIRAI"),
    ];

    #[test]
    fn nothing_set_means_not_configured() {
        assert!(read(&[]).unwrap().is_none());
        assert!(read(&[("SNOWFLAKE_ROLE", "  ")]).unwrap().is_none());
    }

    #[test]
    fn minimal_settings_and_defaults() {
        let s = read(&MINIMAL).unwrap().unwrap();
        assert_eq!(s.account, "myorg-myaccount");
        assert_eq!(s.schema, "PUBLIC");
        assert_eq!(s.warehouse, None);
        assert_eq!(s.base_url, None);
        assert_eq!(s.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert!(matches!(s.credentials, Credentials::Password(_)));
    }

    #[test]
    fn every_problem_is_reported_at_once_and_the_password_is_never_echoed() {
        let err = read(&[
            ("SNOWFLAKE_ACCOUNT", "bad account!"),
            ("SNOWFLAKE_PASSWORD", "s3cret-pa55word"),
            ("SNOWFLAKE_PRIVATE_KEY_PATH", "/nowhere/key.p8"),
            ("SNOWFLAKE_WAREHOUSE", "1WH"),
            ("SNOWFLAKE_SCHEMA", "a;drop"),
            ("SNOWFLAKE_BASE_URL", "http://example.com"),
        ])
        .unwrap_err();
        let text = err.join("\n");
        for needle in [
            "SNOWFLAKE_ACCOUNT",
            "SNOWFLAKE_USER is required",
            "not both",
            "SNOWFLAKE_WAREHOUSE",
            "SNOWFLAKE_DATABASE is required",
            "SNOWFLAKE_SCHEMA",
            "must use https",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
        assert_eq!(err.len(), 7, "{text}");
        assert!(!text.contains("s3cret-pa55word"));
    }

    #[test]
    fn debug_output_hides_the_password_and_the_key() {
        let s = read(&MINIMAL).unwrap().unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("correct horse"), "{dbg}");
        assert!(dbg.contains("[REDACTED]"), "{dbg}");
    }

    #[test]
    fn private_keys_are_read_checked_and_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("key.p8");
        std::fs::write(&good, "-----BEGIN PRIVATE KEY-----\nMIIEsecretbytes\n-----END PRIVATE KEY-----\n")
            .unwrap();
        let encrypted = dir.path().join("enc.p8");
        std::fs::write(&encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nxx\n").unwrap();
        let mut pairs = MINIMAL.to_vec();
        pairs.retain(|(k, _)| *k != "SNOWFLAKE_PASSWORD");

        let with_key = |p: &std::path::Path| {
            let mut v: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            v.push(("SNOWFLAKE_PRIVATE_KEY_PATH".into(), p.display().to_string()));
            let env: HashMap<String, String> = v.into_iter().collect();
            SnowflakeSettings::from_lookup(&move |k| env.get(k).cloned())
        };
        let s = with_key(&good).unwrap().unwrap();
        assert!(
            matches!(&s.credentials, Credentials::KeyPair { pem, .. } if pem.expose_secret().contains("MIIE"))
        );
        assert!(!format!("{s:?}").contains("MIIEsecretbytes"));

        let err = with_key(&encrypted).unwrap_err().join("\n");
        assert!(err.contains("encrypted key"), "{err}");
        let err = with_key(&dir.path().join("missing.p8")).unwrap_err().join("\n");
        assert!(err.contains("cannot be read"), "{err}");
    }

    #[test]
    fn base_urls_are_origins_and_https_off_loopback() {
        assert!(base_url("https://xy12345.eu-central-1.privatelink.snowflakecomputing.com").is_ok());
        assert!(base_url("http://127.0.0.1:8123").is_ok());
        assert!(base_url("http://10.0.0.5:80").is_err());
        assert!(base_url("https://user:pw@host").is_err());
        assert!(base_url("https://host/path").is_err());
        assert!(base_url("ftp://host").is_err());
        assert!(base_url("not a url").is_err());
    }
}
