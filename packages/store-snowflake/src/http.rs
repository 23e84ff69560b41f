//! The HTTP client handed to snowflake-api: our timeouts, no hidden retries (the outbox owns
//! retrying, with backoff it can report), and the base-URL rewrite when one is configured.

use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

use crate::{BaseUrl, SnowflakeError, SnowflakeSettings};

/// Connecting must be quick to fail so that an outage shows up at once.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The middleware stack before it is built, so callers can add their own layer (tests add the
/// fakesnow adapter) on top of ours.
pub fn client_builder(settings: &SnowflakeSettings) -> Result<ClientBuilder, SnowflakeError> {
    // Unlike the crate's default client: no `connection_verbose` (which logs request bodies, and
    // the login body holds the password) and no retry middleware.
    let client = reqwest012::Client::builder()
        .user_agent(concat!("mirai/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(settings.request_timeout)
        .build()
        .map_err(|e| SnowflakeError::Unreachable(format!("cannot build the HTTP client: {e}")))?;
    let mut builder = ClientBuilder::new(client);
    if let Some(target) = &settings.base_url {
        builder = builder.with(BaseUrl::new(&settings.account, target.clone()));
    }
    Ok(builder)
}

pub fn client(settings: &SnowflakeSettings) -> Result<ClientWithMiddleware, SnowflakeError> {
    Ok(client_builder(settings)?.build())
}
