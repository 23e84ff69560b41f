//! Authentication and authorisation: users with roles (argon2id-hashed passwords, kept by a
//! [`UserDirectory`]), HS256 JWTs checked against the user on every request, what each role may
//! do ([`may`]), and the login route's defences: per-username and per-address failure limits and
//! login audit events.

mod authenticator;
mod bounded;
mod client;
mod error;
mod event;
mod keyring;
mod limiter;
mod password;
mod rate;
mod roles;
mod token;
mod users;

pub use authenticator::{Auth, IssuedToken, MIN_SECRET_BYTES, Session};
pub use client::{ClientAddr, client_addr};
pub use error::{AuthError, TokenRejection};
pub use event::{LoginEvent, LoginOutcome, MAX_AUDITED_USERNAME_CHARS, sanitize_username};
pub use limiter::{
    DEFAULT_CAPACITY, DEFAULT_LOCKOUT_MINUTES, DEFAULT_MAX_FAILURES, LOCKOUT_MINUTES_RANGE, LoginLimiter,
    LoginPolicy, MAX_FAILURES_RANGE, Verdict,
};
pub use mirai_core::{Role, SystemClock};
pub use password::PasswordHash;
pub use rate::{
    DEFAULT_PER_ADDR_PER_MIN, DEFAULT_PER_USER_PER_MIN, DEFAULT_RATE_CAPACITY, RATE_PER_MIN_RANGE,
    RateLimiter, RatePolicy,
};
pub use roles::{Permission, may};
pub use token::{Claims, LEEWAY_SECS, TOKEN_TTL_SECS};
pub use users::{Account, MAX_USERNAME_CHARS, MemoryUsers, UserDirectory, check_username};
