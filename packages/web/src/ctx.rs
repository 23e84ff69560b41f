//! `Ctx`: what every request needs — the authenticator, the login limiter and the backend —
//! built once per process.

use std::fmt;
use std::sync::Arc;

use mirai_settings::Reader;

use crate::auth::{
    Auth, DEFAULT_LOCKOUT_MINUTES, DEFAULT_MAX_FAILURES, LoginLimiter, LoginPolicy, MIN_SECRET_BYTES,
};
use crate::backend::Backend;
use crate::config::ConfigError;
use crate::control_api::{MIN_SERVICE_TOKEN_BYTES, RemoteBackend};

/// Default `WORKER_URL`: the worker's control API on loopback.
pub const DEFAULT_WORKER_URL: &str = "http://127.0.0.1:8080";
/// Default `WEB_USER`.
pub const DEFAULT_WEB_USER: &str = "admin";

pub struct Ctx {
    pub auth: Auth,
    /// Failed-login counters of this process (see SECURITY.md for what that means on serverless).
    pub limiter: LoginLimiter,
    pub backend: Arc<dyn Backend>,
}

impl Ctx {
    /// A context with the default login policy (5 failures, 15 minutes).
    pub fn new(auth: Auth, backend: Arc<dyn Backend>) -> Self {
        Self { auth, limiter: LoginLimiter::default(), backend }
    }

    /// Replaces the login limiter (a different policy or table size).
    pub fn with_limiter(mut self, limiter: LoginLimiter) -> Self {
        self.limiter = limiter;
        self
    }

    /// The serverless configuration, from the process environment: `JWT_SECRET` (≥ 32 bytes),
    /// `WEB_USER` (default `admin`), `WEB_PASS`, `WORKER_URL` (default `http://127.0.0.1:8080`)
    /// and `WORKER_SERVICE_TOKEN` (≥ 32 bytes, not the JWT secret), `LOGIN_MAX_FAILURES` (default
    /// 5) and `LOGIN_LOCKOUT_MINUTES` (default 15). Reports every problem at once.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Ctx::from_env`], reading variables through `get` with the settings reader every
    /// part of Mirai uses: values trimmed, blank ones unset.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get: &dyn Fn(&str) -> Option<String> = &get;
        let mut r = Reader::new(get);

        let secret = r.raw("JWT_SECRET");
        match &secret {
            None => r.error("JWT_SECRET is not set"),
            Some(s) if s.len() < MIN_SECRET_BYTES => {
                r.error(format!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {})", s.len()))
            }
            Some(_) => {}
        }
        let user = r.raw("WEB_USER").unwrap_or_else(|| DEFAULT_WEB_USER.to_owned());
        let pass = r.raw("WEB_PASS");
        if pass.is_none() {
            r.error("WEB_PASS is not set");
        }
        let url = r.raw("WORKER_URL").unwrap_or_else(|| DEFAULT_WORKER_URL.to_owned());
        if let Err(why) = crate::control_api::check_base_url(&url) {
            r.error(format!("WORKER_URL is invalid: {why}"));
        }
        let service_token = r.raw("WORKER_SERVICE_TOKEN");
        match &service_token {
            None => r.error("WORKER_SERVICE_TOKEN is not set"),
            Some(t) if t.len() < MIN_SERVICE_TOKEN_BYTES => r.error(format!(
                "WORKER_SERVICE_TOKEN must be at least {MIN_SERVICE_TOKEN_BYTES} bytes (it has {})",
                t.len()
            )),
            Some(t) if secret.as_deref() == Some(t.as_str()) => {
                r.error("WORKER_SERVICE_TOKEN must differ from JWT_SECRET")
            }
            Some(_) => {}
        }
        let max_failures = r.parse("LOGIN_MAX_FAILURES", DEFAULT_MAX_FAILURES, "a whole number");
        let lockout_minutes = r.parse("LOGIN_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES, "a whole number");
        let policy = LoginPolicy::new(max_failures, lockout_minutes).unwrap_or_else(|why| {
            why.into_iter().for_each(|w| r.error(w));
            LoginPolicy::default()
        });
        let problems = match r.finish(()) {
            Ok(()) => Vec::new(),
            Err(problems) => problems,
        };

        let (Some(secret), Some(pass), Some(service_token), true) =
            (secret, pass, service_token, problems.is_empty())
        else {
            return Err(ConfigError::new(problems));
        };
        let auth =
            Auth::new(&user, &pass, secret.as_bytes()).map_err(|e| ConfigError::new(vec![e.to_string()]))?;
        let backend =
            RemoteBackend::new(&url, &service_token).map_err(|e| ConfigError::new(vec![e.to_string()]))?;
        Ok(Self::new(auth, Arc::new(backend)).with_limiter(LoginLimiter::new(policy)))
    }
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("auth", &self.auth)
            .field("login_policy", &self.limiter.policy())
            .field("backend", &"dyn Backend")
            .finish()
    }
}
