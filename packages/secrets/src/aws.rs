//! `AwsSecrets`: one secret in AWS Secrets Manager, read with `GetSecretValue`. The client is
//! built once (its connection pool and credential cache live as long as the worker) from
//! [`AwsSettings`], anything unset there coming from the AWS SDK's default chain.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::Credentials;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use secrecy::ExposeSecret;

use crate::error::SecretsError;
use crate::map::SecretMap;
use crate::settings::AwsSettings;

/// How long opening a connection may take; an endpoint that does not answer fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct AwsSecrets {
    client: Client,
    secret_id: String,
    /// "region R, endpoint E", for messages.
    at: String,
}

impl AwsSecrets {
    /// Builds the client; nothing is sent yet. Fails only when no region can be found.
    pub async fn connect(settings: &AwsSettings) -> Result<Self, SecretsError> {
        let attempt = settings.timeout / settings.max_attempts.max(1);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(attempt)
                    .operation_timeout(settings.timeout)
                    .build(),
            );
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        if let Some(c) = &settings.credentials {
            loader = loader.credentials_provider(Credentials::new(
                &c.access_key_id,
                c.secret_access_key.expose_secret(),
                c.session_token.as_ref().map(|t| t.expose_secret().to_owned()),
                None,
                "mirai-settings",
            ));
        }
        let config = loader.load().await;
        let Some(region) = config.region().map(ToString::to_string) else {
            return Err(SecretsError::NoRegion { id: settings.secret_id.clone() });
        };
        let endpoint = settings
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
        Ok(Self {
            client: Client::new(&config),
            secret_id: settings.secret_id.clone(),
            at: format!("region {region}, endpoint {endpoint}"),
        })
    }

    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// "region R, endpoint E": where the secret is read from, for logs.
    pub fn location(&self) -> &str {
        &self.at
    }

    /// The SDK client, for tools and tests that create or update the secret.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Reads the secret's current version.
    pub async fn fetch(&self) -> Result<SecretMap, SecretsError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        let id = || self.secret_id.clone();
        let text = out.secret_string().ok_or_else(|| SecretsError::Format {
            id: id(),
            problem: "has no text value (a binary secret); store the settings as a JSON object".into(),
        })?;
        SecretMap::from_json(text).map_err(|problem| SecretsError::Format { id: id(), problem })
    }

    fn error(&self, e: SdkError<GetSecretValueError>) -> SecretsError {
        let (id, at) = (self.secret_id.clone(), self.at.clone());
        match e {
            SdkError::ServiceError(service) => match service.err() {
                GetSecretValueError::ResourceNotFoundException(_) => SecretsError::NotFound { id, at },
                other => {
                    let code = other.code().unwrap_or("an unknown error");
                    let reason = match other.message() {
                        Some(m) => format!("{code}: {m}"),
                        None => code.to_owned(),
                    };
                    SecretsError::Refused { id, at, reason }
                }
            },
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
                SecretsError::Unreachable { id, at, reason: causes(&e) }
            }
            // Before anything is sent: no credentials, say.
            other => SecretsError::Request { id, reason: causes(&other) },
        }
    }
}

/// An error and its causes, one line: "dispatch failure: io error: … Connection refused". (The
/// SDK's own `DisplayErrorContext` appends a `Debug` dump, too much for an operator's log.)
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(e) = next {
        let text = e.to_string();
        // Wrappers often repeat their cause's text; say each thing once.
        if !parts.last().is_some_and(|p| p.ends_with(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}
