//! `AuthError` and `TokenRejection`: why building `Auth`, logging in or checking a token failed.

use thiserror::Error;

use crate::backend::BackendError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("the JWT secret is {len} bytes; at least {min} are required")]
    SecretTooShort { len: usize, min: usize },
    #[error("the username must not be empty")]
    EmptyUsername,
    #[error("the password must not be empty")]
    EmptyPassword,
    /// Unknown user or wrong password; deliberately one variant for both.
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("token rejected: {0}")]
    Token(TokenRejection),
    /// Hashing or signing failed (a bug or an exhausted system), never a client error.
    #[error("credential machinery failed: {0}")]
    Internal(String),
    /// The users could not be read (the worker is down, the store failed): nobody is let in.
    #[error("the users cannot be checked: {0}")]
    Directory(BackendError),
}

/// Why a bearer token was refused. Clients all see the same 401; the reason is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenRejection {
    #[error("malformed token")]
    Malformed,
    #[error("algorithm not accepted")]
    Algorithm,
    #[error("bad signature")]
    Signature,
    #[error("expired")]
    Expired,
    #[error("not valid yet")]
    NotYetValid,
    /// Signed with our secret but living longer than the tokens we issue (`exp − iat` above
    /// 12 h), or issued longer ago than that: not a token we made, so not one we accept.
    #[error("lifetime longer than ours")]
    Lifetime,
    /// The user no longer exists or is disabled.
    #[error("unknown or disabled user")]
    Subject,
    /// Issued before the user's password changed, the user was disabled, or the name was given
    /// to a new account.
    #[error("issued to an earlier generation of the user")]
    Revoked,
}
