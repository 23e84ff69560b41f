//! Why a secret could not be read, and what a failed refresh leaves in place. Messages name the
//! secret, the region and the endpoint, and say what to do; they never hold a value.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    #[error("no AWS region for secret {id:?}: set AWS_REGION (for example us-east-1)")]
    NoRegion { id: String },
    #[error(
        "AWS Secrets Manager ({at}) has no secret {id:?}: create it, or set AWS_SECRETS_ID to its name or ARN"
    )]
    NotFound { id: String, at: String },
    #[error("AWS Secrets Manager ({at}) could not be reached to read secret {id:?}: {reason}")]
    Unreachable { id: String, at: String, reason: String },
    #[error("AWS Secrets Manager ({at}) refused to give secret {id:?}: {reason}")]
    Refused { id: String, at: String, reason: String },
    #[error("secret {id:?} could not be requested: {reason}")]
    Request { id: String, reason: String },
    #[error("secret {id:?} {problem}")]
    Format { id: String, problem: String },
}

/// A refresh that failed: the values read last are still served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refreshing the secrets failed; keeping the last good values (read {} s ago): {error}", .last_good_age.as_secs())]
pub struct RefreshError {
    /// How long ago the values still served were read.
    pub last_good_age: Duration,
    pub error: SecretsError,
}
