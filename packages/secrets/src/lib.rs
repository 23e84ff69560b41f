//! Where the worker's secrets come from, and how they are renewed while it runs.
//!
//! `SECRETS_SOURCE=env` (the default): every setting comes from the environment (and `.env`), as
//! it always has. `SECRETS_SOURCE=aws`: one JSON secret in AWS Secrets Manager (`AWS_SECRETS_ID`)
//! holds settings by their environment names (`{"BINANCE_API_KEY": "...", "JWT_SECRET": "..."}`);
//! a setting is looked up in the environment first and in the secret second, so an environment
//! value always overrides the secret's. Any setting may live in the secret except those that
//! choose the secret itself (`SECRETS_*`, `AWS_*`), which only the environment can give.
//!
//! [`Secrets::refresh`] reads the secret again (the worker does so on SIGHUP and every
//! `SECRETS_REFRESH_MINUTES`); a failed refresh keeps the last good values and says so. Values
//! are held as `secrecy::SecretString` and never logged: logs name the source, the secret and key
//! names only.
//!
//! Only the worker depends on this crate, so the AWS SDK stays out of the Vercel and Lambda
//! functions.

mod aws;
mod error;
mod map;
mod settings;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use aws::AwsSecrets;
pub use error::{RefreshError, SecretsError};
pub use map::SecretMap;
pub use settings::{
    AwsSettings, DEFAULT_REFRESH_MINUTES, SecretsSettings, SecretsSource, StaticCredentials, env_only,
};
pub use store::{Refreshed, Secrets};

/// The Secrets Manager SDK, for tools and tests that create or update secrets.
pub use aws_sdk_secretsmanager as sdk;
