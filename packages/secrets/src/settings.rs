//! `SecretsSettings`: which source (`SECRETS_SOURCE`), which secret (`AWS_SECRETS_ID`), how often
//! to refresh it (`SECRETS_REFRESH_MINUTES`) and how to reach AWS: the standard `AWS_REGION`,
//! `AWS_ENDPOINT_URL` and `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
//! read through the same lookup as every other setting (so a test gives each client its own, and
//! never has to change the process environment). Whatever is not given is left to the AWS SDK's
//! default chain (profile files, web identity, the ECS and EC2 instance roles).

use std::fmt;
use std::time::Duration;

use mirai_settings::{Reader, Transport, check_base_url};
use secrecy::SecretString;

/// `SECRETS_REFRESH_MINUTES` when unset.
pub const DEFAULT_REFRESH_MINUTES: u64 = 60;
/// The longest refresh period accepted: a week.
const MAX_REFRESH_MINUTES: u64 = 7 * 24 * 60;

/// Whether `key` may only come from the environment: the settings that choose and reach the
/// secret cannot sensibly come from it.
pub fn env_only(key: &str) -> bool {
    key.starts_with("SECRETS_") || key.starts_with("AWS_")
}

#[derive(Clone, Debug)]
pub struct SecretsSettings {
    pub source: SecretsSource,
    /// `SECRETS_REFRESH_MINUTES` (default 60); `None` when 0 or when the source is the
    /// environment (it cannot change under a running process).
    pub refresh: Option<Duration>,
}

#[derive(Clone, Debug)]
pub enum SecretsSource {
    /// `SECRETS_SOURCE=env` (the default).
    Env,
    /// `SECRETS_SOURCE=aws`.
    Aws(AwsSettings),
}

/// How to reach the secret in AWS Secrets Manager.
#[derive(Clone, Debug)]
pub struct AwsSettings {
    /// `AWS_SECRETS_ID`: the secret's name or ARN.
    pub secret_id: String,
    /// `AWS_REGION`; `None` leaves it to the SDK (profile, instance metadata).
    pub region: Option<String>,
    /// `AWS_ENDPOINT_URL`: another Secrets Manager (a VPC endpoint, moto in tests). https, or
    /// http to this machine only: the secret's values travel in the responses.
    pub endpoint_url: Option<String>,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); `None` leaves
    /// credentials to the SDK's default chain.
    pub credentials: Option<StaticCredentials>,
    /// How long one read may take in all, retries included.
    pub timeout: Duration,
    /// Attempts per read (the first and the retries).
    pub max_attempts: u32,
}

impl AwsSettings {
    /// A secret reached with the given region, endpoint and keys: what tests (and tools) use.
    pub fn new(secret_id: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            region: None,
            endpoint_url: None,
            credentials: None,
            timeout: Duration::from_secs(15),
            max_attempts: 3,
        }
    }
}

/// Access keys given as settings. `Debug` shows the key id only.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl SecretsSettings {
    /// Reads the settings above through `get`, every problem at once, no value echoed but the
    /// source's name.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut r = Reader::new(get);
        let aws = match r.raw("SECRETS_SOURCE").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("env") => false,
            Some("aws") => true,
            Some(other) => {
                r.error(format!("SECRETS_SOURCE={other:?} is not one of env, aws"));
                false
            }
        };
        let minutes = r.ranged("SECRETS_REFRESH_MINUTES", DEFAULT_REFRESH_MINUTES, 0, MAX_REFRESH_MINUTES);
        let secret_id = r.raw("AWS_SECRETS_ID");
        if !aws {
            if secret_id.is_some() && !r.has_errors() {
                r.error(
                    "AWS_SECRETS_ID is set but SECRETS_SOURCE is not aws; set SECRETS_SOURCE=aws to read it",
                );
            }
            return r.finish(Self { source: SecretsSource::Env, refresh: None });
        }
        let Some(secret_id) = secret_id else {
            r.error("SECRETS_SOURCE=aws needs AWS_SECRETS_ID (the secret's name or ARN)");
            return Err(r.finish(()).err().unwrap_or_default());
        };
        let region = r.raw("AWS_REGION");
        if let Some(region) = &region
            && !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            r.error(format!("AWS_REGION={region:?} is not a region name (like us-east-1)"));
        }
        let endpoint_url = r.raw("AWS_ENDPOINT_URL");
        if let Some(url) = &endpoint_url
            && let Err(why) = check_base_url(url, Transport::HttpsUnlessLoopback)
        {
            r.error(format!("AWS_ENDPOINT_URL {why}"));
        }
        let credentials = match (r.raw("AWS_ACCESS_KEY_ID"), r.raw("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret)) => Some(StaticCredentials {
                access_key_id,
                secret_access_key: SecretString::from(secret),
                session_token: r.raw("AWS_SESSION_TOKEN").map(SecretString::from),
            }),
            (None, None) => None,
            (Some(_), None) => {
                r.error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
                None
            }
            (None, Some(_)) => {
                r.error("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
                None
            }
        };
        let aws = AwsSettings { region, endpoint_url, credentials, ..AwsSettings::new(secret_id) };
        let refresh = (minutes > 0).then(|| Duration::from_secs(minutes * 60));
        r.finish(Self { source: SecretsSource::Aws(aws), refresh })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<SecretsSettings, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SecretsSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    #[test]
    fn the_environment_is_the_default_source() {
        let s = read(&[]).unwrap();
        assert!(matches!(s.source, SecretsSource::Env));
        assert_eq!(s.refresh, None);
        let s = read(&[("SECRETS_SOURCE", "ENV"), ("SECRETS_REFRESH_MINUTES", "5")]).unwrap();
        assert!(matches!(s.source, SecretsSource::Env), "nothing to refresh from the environment");
        assert_eq!(s.refresh, None);
    }

    #[test]
    fn aws_reads_the_secret_id_region_endpoint_and_keys() {
        let s = read(&[
            ("SECRETS_SOURCE", "aws"),
            ("AWS_SECRETS_ID", "mirai/prod"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-very-secret"),
        ])
        .unwrap();
        let SecretsSource::Aws(aws) = &s.source else { panic!("aws expected") };
        assert_eq!(aws.secret_id, "mirai/prod");
        assert_eq!(aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(s.refresh, Some(Duration::from_secs(DEFAULT_REFRESH_MINUTES * 60)));
        let dbg = format!("{s:?}");
        assert!(dbg.contains("AKIDEXAMPLE") && !dbg.contains("wJalr"), "{dbg}");
        let s = read(&[("SECRETS_SOURCE", "aws"), ("AWS_SECRETS_ID", "x"), ("SECRETS_REFRESH_MINUTES", "0")]);
        assert_eq!(s.unwrap().refresh, None, "0 turns the timer off");
    }

    #[test]
    fn every_problem_is_reported_without_echoing_secrets() {
        let errors = read(&[("SECRETS_SOURCE", "vault")]).unwrap_err();
        assert_eq!(errors, ["SECRETS_SOURCE=\"vault\" is not one of env, aws"]);
        let errors = read(&[("SECRETS_SOURCE", "aws")]).unwrap_err();
        assert!(errors[0].contains("needs AWS_SECRETS_ID"), "{errors:?}");
        let errors = read(&[("AWS_SECRETS_ID", "mirai/prod")]).unwrap_err();
        assert!(errors[0].contains("SECRETS_SOURCE is not aws"), "{errors:?}");
        let errors = read(&[
            ("SECRETS_SOURCE", "aws"),
            ("AWS_SECRETS_ID", "x"),
            ("AWS_REGION", "Mars 1"),
            ("AWS_ENDPOINT_URL", "http://secrets.example.com"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-very-secret"),
            ("SECRETS_REFRESH_MINUTES", "-1"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("SECRETS_REFRESH_MINUTES")));
        assert!(errors.iter().any(|e| e.contains("AWS_REGION")));
        assert!(errors.iter().any(|e| e.contains("AWS_ENDPOINT_URL must use https")));
        assert!(errors.iter().any(|e| e.contains("AWS_ACCESS_KEY_ID is not")));
        assert!(!errors.join(" ").contains("wJalr"));
    }

    #[test]
    fn only_the_environment_chooses_the_secret() {
        for key in
            ["SECRETS_SOURCE", "SECRETS_REFRESH_MINUTES", "AWS_SECRETS_ID", "AWS_REGION", "AWS_ENDPOINT_URL"]
        {
            assert!(env_only(key), "{key}");
        }
        for key in ["JWT_SECRET", "BINANCE_API_KEY", "WEB_PASS", "OPENAI_API_KEY", "SNOWFLAKE_PASSWORD"] {
            assert!(!env_only(key), "{key}");
        }
    }
}
