//! `Auth`: checks the operator's credentials and issues and verifies their tokens.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use mirai_core::{Clock, Timestamp};
use serde::Serialize;

use super::keyring::KeyRing;
use super::password::PasswordHash;
use super::{AuthError, Claims, SystemClock, TokenRejection};
use crate::secret_eq::secret_eq;

/// The shortest JWT secret accepted: 32 bytes (256 bits, HS256's key size).
pub const MIN_SECRET_BYTES: usize = 32;

/// A freshly issued token and when it expires.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: Timestamp,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The single operator account and the token keys. Built once per process: hashing the password
/// costs tens of milliseconds by design. The JWT secret can be rotated in place
/// ([`Auth::rotate_secret`]).
pub struct Auth {
    username: String,
    password: PasswordHash,
    keys: RwLock<KeyRing>,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl Auth {
    /// Refuses a secret shorter than [`MIN_SECRET_BYTES`] and an empty username or password.
    /// The password is hashed with argon2id here and the plain text dropped.
    pub fn new(username: &str, password: &str, jwt_secret: &[u8]) -> Result<Self, AuthError> {
        if jwt_secret.len() < MIN_SECRET_BYTES {
            return Err(AuthError::SecretTooShort { len: jwt_secret.len(), min: MIN_SECRET_BYTES });
        }
        if username.trim().is_empty() {
            return Err(AuthError::EmptyUsername);
        }
        if password.is_empty() {
            return Err(AuthError::EmptyPassword);
        }
        Ok(Self {
            username: username.to_owned(),
            password: PasswordHash::new(password)?,
            keys: RwLock::new(KeyRing::new(jwt_secret)),
            clock: Arc::new(SystemClock),
        })
    }

    /// Replaces the wall clock, for tests.
    pub fn with_clock(mut self, clock: Arc<dyn Clock + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn now_secs(&self) -> i64 {
        self.clock.now().millis().div_euclid(1000)
    }

    /// Issues a token if `username` and `password` match. The password hash is checked even for
    /// an unknown user, so both failures take the same time and give the same error.
    pub fn login(&self, username: &str, password: &str) -> Result<IssuedToken, AuthError> {
        let password_ok = self.password.verify(password);
        let user_ok = secret_eq(username.as_bytes(), self.username.as_bytes());
        if !(password_ok & user_ok) {
            return Err(AuthError::InvalidCredentials);
        }
        self.issue()
    }

    /// Signs new tokens with `jwt_secret` from now on. Tokens signed with the secret it replaces
    /// still verify until they expire (12 h at most), so nobody is logged out; a restart forgets
    /// the replaced secret at once. `Ok(false)` when `jwt_secret` is the secret already in use.
    pub fn rotate_secret(&self, jwt_secret: &[u8]) -> Result<bool, AuthError> {
        if jwt_secret.len() < MIN_SECRET_BYTES {
            return Err(AuthError::SecretTooShort { len: jwt_secret.len(), min: MIN_SECRET_BYTES });
        }
        let now = self.now_secs();
        Ok(self.keys.write().unwrap_or_else(PoisonError::into_inner).rotate(jwt_secret, now))
    }

    /// How many replaced JWT secrets still verify tokens (see [`Auth::rotate_secret`]).
    pub fn retired_secrets(&self) -> usize {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).retired(self.now_secs())
    }

    /// Issues a token for the operator, valid from now for 12 hours.
    pub fn issue(&self) -> Result<IssuedToken, AuthError> {
        // A poisoned lock still holds a whole key ring: rotation swaps it in one assignment.
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let (token, claims) = keys.current().issue(&self.username, self.now_secs())?;
        Ok(IssuedToken { token, expires_at: Timestamp::from_millis(claims.exp.saturating_mul(1000)) })
    }

    /// Verifies a bearer token: HS256 signature with our secret (or one it replaced less than
    /// 12 h ago), within its validity window (5 s leeway), and issued to the operator.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .verify(token, self.now_secs())
            .map_err(AuthError::Token)?;
        if !secret_eq(claims.sub.as_bytes(), self.username.as_bytes()) {
            return Err(AuthError::Token(TokenRejection::Subject));
        }
        Ok(claims)
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("jwt_secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(i64);
    impl Clock for Fixed {
        fn now(&self) -> Timestamp {
            Timestamp::from_millis(self.0)
        }
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn short_secrets_are_refused() {
        let err = Auth::new("admin", "pw", &SECRET[..31]).expect_err("31 bytes");
        assert_eq!(err, AuthError::SecretTooShort { len: 31, min: 32 });
        assert_eq!(Auth::new(" ", "pw", SECRET).expect_err("empty user"), AuthError::EmptyUsername);
        assert_eq!(Auth::new("admin", "", SECRET).expect_err("empty password"), AuthError::EmptyPassword);
    }

    #[test]
    fn tokens_live_twelve_hours_with_five_seconds_leeway() {
        let t0 = 1_700_000_000_000;
        let auth = Auth::new("admin", "pw", SECRET).expect("auth").with_clock(Arc::new(Fixed(t0)));
        let issued = auth.login("admin", "pw").expect("login");
        assert_eq!(issued.expires_at.millis(), t0 + 12 * 3_600_000);
        let claims = auth.verify(&issued.token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.iat, claims.nbf), ("admin", t0 / 1000, t0 / 1000));

        let later =
            |ms: i64| Auth::new("admin", "pw", SECRET).expect("auth").with_clock(Arc::new(Fixed(t0 + ms)));
        let at_expiry_plus_leeway = later(12 * 3_600_000 + 5_000);
        assert!(at_expiry_plus_leeway.verify(&issued.token).is_ok());
        let past = later(12 * 3_600_000 + 6_000);
        assert_eq!(past.verify(&issued.token), Err(AuthError::Token(TokenRejection::Expired)));
        let before = later(-6_000);
        assert_eq!(before.verify(&issued.token), Err(AuthError::Token(TokenRejection::NotYetValid)));
    }

    #[test]
    fn a_rotated_secret_signs_new_tokens_and_old_ones_still_verify() {
        let t0 = 1_700_000_000_000;
        let auth = Auth::new("admin", "pw", SECRET).expect("auth").with_clock(Arc::new(Fixed(t0)));
        let old = auth.issue().expect("issue").token;
        let next = b"fedcba9876543210fedcba9876543210-next";
        assert_eq!(auth.rotate_secret(&next[..31]), Err(AuthError::SecretTooShort { len: 31, min: 32 }));
        assert_eq!(auth.rotate_secret(SECRET), Ok(false), "the same secret changes nothing");
        assert_eq!(auth.rotate_secret(next), Ok(true));
        assert_eq!(auth.retired_secrets(), 1);
        assert!(auth.verify(&old).is_ok(), "a token signed before the rotation still verifies");
        let new = auth.issue().expect("issue").token;
        let signed_with = |secret: &[u8]| {
            Auth::new("admin", "pw", secret)
                .expect("auth")
                .with_clock(Arc::new(Fixed(t0)))
                .issue()
                .unwrap()
                .token
        };
        assert_eq!(new, signed_with(next), "new tokens are signed with the new secret");
        let forged = signed_with(b"some-random-secret-nobody-configured-000");
        assert_eq!(auth.verify(&forged), Err(AuthError::Token(TokenRejection::Signature)));
    }

    #[test]
    fn unknown_user_and_wrong_password_look_the_same() {
        let auth = Auth::new("admin", "pw", SECRET).expect("auth");
        let a = auth.login("root", "pw").expect_err("unknown user");
        let b = auth.login("admin", "nope").expect_err("wrong password");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "invalid username or password");
    }

    #[test]
    fn debug_redacts_secrets() {
        let auth = Auth::new("admin", "hunter2-password", SECRET).expect("auth");
        let dbg = format!("{auth:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(!dbg.contains("0123456789abcdef"), "{dbg}");
        let issued = auth.issue().expect("issue");
        assert!(!format!("{issued:?}").contains(&issued.token));
    }
}
