//! `Client`: one Snowflake session, logged in on first use and dropped after any failure that
//! may have ended it, so the next statement logs in again (after an outage, a restarted server
//! has forgotten every session).

use secrecy::ExposeSecret;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest_middleware::ClientWithMiddleware;
use snowflake_api::{AuthArgs, AuthType, CertificateArgs, PasswordArgs, SnowflakeApi, SnowflakeApiBuilder};

use crate::rows::{self, Row};
use crate::{Credentials, SnowflakeError, SnowflakeSettings};

pub(crate) struct Client {
    settings: SnowflakeSettings,
    http: ClientWithMiddleware,
    session: Mutex<Option<Arc<SnowflakeApi>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(settings: SnowflakeSettings, http: ClientWithMiddleware) -> Self {
        Self { settings, http, session: Mutex::new(None) }
    }

    pub(crate) fn settings(&self) -> &SnowflakeSettings {
        &self.settings
    }

    /// Runs one statement and returns its rows as text.
    pub(crate) async fn exec(&self, sql: &str) -> Result<Vec<Row>, SnowflakeError> {
        let api = self.session()?;
        tracing::trace!(bytes = sql.len(), "snowflake statement");
        match api.exec(sql).await {
            Ok(result) => rows::decode(result),
            Err(e) => {
                let e = SnowflakeError::from(e);
                if e.resets_session() {
                    self.forget(&api);
                }
                Err(e)
            }
        }
    }

    /// The current session, or a new one (which logs in on its first statement).
    fn session(&self) -> Result<Arc<SnowflakeApi>, SnowflakeError> {
        let mut slot = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(api) = slot.as_ref() {
            return Ok(api.clone());
        }
        let s = &self.settings;
        let auth_type = match &s.credentials {
            Credentials::Password(p) => {
                AuthType::Password(PasswordArgs { password: p.expose_secret().to_owned() })
            }
            Credentials::KeyPair { pem, .. } => {
                AuthType::Certificate(CertificateArgs { private_key_pem: pem.expose_secret().to_owned() })
            }
        };
        let auth = AuthArgs {
            account_identifier: s.account.clone(),
            warehouse: s.warehouse.clone(),
            database: Some(s.database.clone()),
            schema: Some(s.schema.clone()),
            username: s.user.clone(),
            role: s.role.clone(),
            auth_type,
        };
        let api = Arc::new(SnowflakeApiBuilder::new(auth).with_client(self.http.clone()).build()?);
        *slot = Some(api.clone());
        Ok(api)
    }

    /// Drops `failed` if it is still the current session (another task may have replaced it).
    fn forget(&self, failed: &Arc<SnowflakeApi>) {
        let mut slot = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|cur| Arc::ptr_eq(cur, failed)) {
            *slot = None;
            tracing::debug!("snowflake session dropped; the next statement logs in again");
        }
    }
}
