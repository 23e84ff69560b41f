//! Authentication: one operator account (argon2-hashed password) and HS256 JWTs, plus the
//! login route's defences: per-username and per-address failure limits and login audit events.

mod authenticator;
mod client;
mod error;
mod event;
mod keyring;
mod limiter;
mod password;
mod token;

pub use authenticator::{Auth, IssuedToken, MIN_SECRET_BYTES};
pub use client::{ClientAddr, client_addr};
pub use error::{AuthError, TokenRejection};
pub use event::{LoginEvent, LoginOutcome, MAX_AUDITED_USERNAME_CHARS, sanitize_username};
pub use limiter::{
    DEFAULT_CAPACITY, DEFAULT_LOCKOUT_MINUTES, DEFAULT_MAX_FAILURES, LOCKOUT_MINUTES_RANGE, LoginLimiter,
    LoginPolicy, MAX_FAILURES_RANGE, Verdict,
};
pub use mirai_core::SystemClock;
pub use token::{Claims, LEEWAY_SECS, TOKEN_TTL_SECS};
