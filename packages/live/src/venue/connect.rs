//! Building the Binance venue from settings: the live check first (before any key is used),
//! then the credential, the signed client with its clock synchronised, the symbols' rules from
//! exchangeInfo, and the executor (blocked until reconciliation clears it).

use secrecy::ExposeSecret;
use std::sync::Arc;

use mirai_binance::{
    BinanceExecutor, BinanceHttpClient, Credential, Endpoints, Environment, HttpConfig, SharedCredential,
};
use mirai_core::{Symbol, SymbolRules};

use super::approval::{self, ApprovalSource};
use super::error::VenueError;
use super::executor::VenueExecutor;
use super::settings::BinanceSettings;

/// A connected account.
#[derive(Debug)]
pub struct BinanceVenue {
    pub env: Environment,
    pub endpoints: Endpoints,
    /// Shared by the executor, the feed's gap fill and reconciliation, so one rate-limit budget
    /// covers them all (Binance counts weight per IP).
    pub client: Arc<BinanceHttpClient>,
    /// The key the client and the user-data stream sign with; replacing it (a rotated key) takes
    /// effect from their next request.
    pub credential: SharedCredential,
    pub rules: Vec<SymbolRules>,
    pub executor: VenueExecutor,
    pub kline_interval: mirai_binance::KlineInterval,
}

pub async fn connect(
    settings: &BinanceSettings,
    symbols: &[Symbol],
    approval: Arc<dyn ApprovalSource>,
) -> Result<BinanceVenue, VenueError> {
    if let Some(record) = approval::check(settings.env, approval.as_ref())? {
        tracing::warn!(approved_by = %record.approved_by, approved_at = %record.approved_at, "LIVE trading on Binance");
    }
    let credential = SharedCredential::new(credential(settings)?);
    let mut http = HttpConfig::new(settings.endpoints.rest.clone());
    http.recv_window_ms = settings.recv_window_ms;
    http.timeout = settings.timeout;
    let client = Arc::new(BinanceHttpClient::new(http, credential.clone())?);
    client.sync_time().await?;
    let rules = client.symbol_rules(symbols).await?;
    if let Some(missing) = symbols.iter().find(|s| !rules.iter().any(|r| r.symbol == **s)) {
        return Err(VenueError::UnknownSymbol(*missing));
    }
    let executor =
        VenueExecutor::new(BinanceExecutor::new(Arc::clone(&client), &rules), settings.env, approval);
    tracing::info!(env = %settings.env, rest = %settings.endpoints.rest, signing = credential.current().algorithm(), symbols = symbols.len(), "connected to Binance");
    Ok(BinanceVenue {
        env: settings.env,
        endpoints: settings.endpoints.clone(),
        client,
        credential,
        rules,
        executor,
        kline_interval: settings.kline_interval,
    })
}

/// The signing credential `settings` name: the HMAC secret, or the Ed25519 key file read now.
/// Also used to rebuild it when the key is rotated while running.
pub fn credential(settings: &BinanceSettings) -> Result<Credential, VenueError> {
    match (&settings.api_secret, &settings.private_key_path) {
        (_, Some(path)) => {
            let pem = std::fs::read(path).map_err(|e| {
                VenueError::Settings(format!("BINANCE_PRIVATE_KEY_PATH {}: {e}", path.display()))
            })?;
            Credential::ed25519_pkcs8(&settings.api_key, &pem)
        }
        (Some(secret), None) => Credential::hmac(&settings.api_key, secret.expose_secret()),
        (None, None) => return Err(VenueError::Settings("no API secret or private key".into())),
    }
    .map_err(|e| VenueError::Settings(e.to_string()))
}
