//! `Ctx`: what every request needs — the authenticator (with the users it checks), the login
//! limiter, the request rate limiter and deadline, and the backend — built once per process.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mirai_settings::Reader;

use crate::auth::{
    Auth, DEFAULT_LOCKOUT_MINUTES, DEFAULT_MAX_FAILURES, LoginLimiter, LoginPolicy, MIN_SECRET_BYTES,
    RATE_PER_MIN_RANGE, RateLimiter, RatePolicy,
};
use crate::backend::Backend;
use crate::config::ConfigError;
use crate::control_api::{MIN_SERVICE_TOKEN_BYTES, RemoteBackend};

/// Default `WORKER_URL`: the worker's control API on loopback.
pub const DEFAULT_WORKER_URL: &str = "http://127.0.0.1:8080";
/// Default `WEB_USER` (the worker's first admin; the serverless tier does not read it).
pub const DEFAULT_WEB_USER: &str = "admin";

/// Default `WEB_REQUEST_TIMEOUT_SECS`: a request's whole answer, well inside Vercel's 10 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(8);
/// Accepted range of `WEB_REQUEST_TIMEOUT_SECS` (keep it under 10 on Vercel).
pub const REQUEST_TIMEOUT_SECS_RANGE: std::ops::RangeInclusive<u64> = 1..=60;

/// What one request may take: `WEB_RATE_PER_USER_PER_MIN`, `WEB_RATE_PER_ADDR_PER_MIN` (the
/// authenticated routes) and `WEB_REQUEST_TIMEOUT_SECS` (every route). Read alike by the worker
/// and the serverless functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    pub rate: RatePolicy,
    pub timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self { rate: RatePolicy::default(), timeout: DEFAULT_REQUEST_TIMEOUT }
    }
}

impl RequestLimits {
    /// Reads the three settings through `r`, each checked against its range (a problem is
    /// recorded in `r` and the default kept).
    pub fn read(r: &mut Reader<'_>) -> Self {
        let d = Self::default();
        let (lo, hi) = (*RATE_PER_MIN_RANGE.start(), *RATE_PER_MIN_RANGE.end());
        let per_user = r.ranged("WEB_RATE_PER_USER_PER_MIN", d.rate.per_user_per_min, lo, hi);
        let per_addr = r.ranged("WEB_RATE_PER_ADDR_PER_MIN", d.rate.per_addr_per_min, lo, hi);
        let (lo, hi) = (*REQUEST_TIMEOUT_SECS_RANGE.start(), *REQUEST_TIMEOUT_SECS_RANGE.end());
        let secs = r.ranged("WEB_REQUEST_TIMEOUT_SECS", d.timeout.as_secs(), lo, hi);
        Self {
            rate: RatePolicy { per_user_per_min: per_user, per_addr_per_min: per_addr },
            timeout: Duration::from_secs(secs),
        }
    }
}

pub struct Ctx {
    pub auth: Auth,
    /// Failed-login counters of this process (see SECURITY.md for what that means on serverless).
    pub limiter: LoginLimiter,
    /// Requests per user and per address on the authenticated routes, in this process.
    pub rate: RateLimiter,
    /// Every request is answered within this, or with `504`.
    pub request_timeout: Duration,
    /// Served over https (the serverless tier): responses carry `Strict-Transport-Security`.
    pub https: bool,
    pub backend: Arc<dyn Backend>,
}

impl Ctx {
    /// A context with the default login policy (5 failures, 15 minutes), the default request
    /// limits ([`RequestLimits::default`]), served over plain http (the local server).
    pub fn new(auth: Auth, backend: Arc<dyn Backend>) -> Self {
        Self {
            auth,
            limiter: LoginLimiter::default(),
            rate: RateLimiter::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            https: false,
            backend,
        }
    }

    /// Replaces the rate limits and the request deadline.
    pub fn with_request_limits(mut self, limits: RequestLimits) -> Self {
        self.rate = RateLimiter::new(limits.rate);
        self.request_timeout = limits.timeout;
        self
    }

    /// Replaces the rate limiter (another table size, for tests of the bound).
    pub fn with_rate_limiter(mut self, rate: RateLimiter) -> Self {
        self.rate = rate;
        self
    }

    /// Marks the context as served over https: every response gets `Strict-Transport-Security`.
    pub fn over_https(mut self, https: bool) -> Self {
        self.https = https;
        self
    }

    /// Replaces the login limiter (a different policy or table size).
    pub fn with_limiter(mut self, limiter: LoginLimiter) -> Self {
        self.limiter = limiter;
        self
    }

    /// The serverless configuration, from the process environment: `JWT_SECRET` (≥ 32 bytes),
    /// `WORKER_URL` (default `http://127.0.0.1:8080`) and `WORKER_SERVICE_TOKEN` (≥ 32 bytes, not
    /// the JWT secret), `LOGIN_MAX_FAILURES` (default 5) and `LOGIN_LOCKOUT_MINUTES` (default
    /// 15), and the [`RequestLimits`]. Served over https (Vercel, Lambda behind API Gateway).
    /// Reports every problem at once. The users are the worker's: each login and each
    /// request's user is checked over the control API (`WEB_USER` and `WEB_PASS` are not read
    /// here; they only create the worker's first admin).
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
        let limits = RequestLimits::read(&mut r);
        let problems = match r.finish(()) {
            Ok(()) => Vec::new(),
            Err(problems) => problems,
        };

        let (Some(secret), Some(service_token), true) = (secret, service_token, problems.is_empty()) else {
            return Err(ConfigError::new(problems));
        };
        let backend = Arc::new(
            RemoteBackend::new(&url, &service_token).map_err(|e| ConfigError::new(vec![e.to_string()]))?,
        );
        let auth = Auth::with_users(secret.as_bytes(), backend.clone())
            .map_err(|e| ConfigError::new(vec![e.to_string()]))?;
        Ok(Self::new(auth, backend)
            .with_limiter(LoginLimiter::new(policy))
            .with_request_limits(limits)
            .over_https(true))
    }
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("auth", &self.auth)
            .field("login_policy", &self.limiter.policy())
            .field("rate_policy", &self.rate.policy())
            .field("request_timeout", &self.request_timeout)
            .field("https", &self.https)
            .field("backend", &"dyn Backend")
            .finish()
    }
}
