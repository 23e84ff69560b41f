//! `Auth`: logs users in against a [`UserDirectory`], issues their tokens, and checks each
//! request's token — its signature and times, then its user as they are now.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use mirai_core::{Clock, Role, Timestamp};
use serde::Serialize;

use super::keyring::KeyRing;
use super::users::{Account, MemoryUsers, UserDirectory};
use super::{AuthError, Claims, SystemClock, TokenRejection};

/// The shortest JWT secret accepted: 32 bytes (256 bits, HS256's key size).
pub const MIN_SECRET_BYTES: usize = 32;

/// A freshly issued token, when it expires, and whose it is.
#[derive(Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: String,
    pub role: Role,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .field("role", &self.role)
            .finish()
    }
}

/// Who a request comes from, once its token and its user have been checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub user: String,
    /// What the request may do: the token's role or the user's role now, whichever is lower (a
    /// raised role takes effect at the next login, a lowered one at once).
    pub role: Role,
    pub expires_at: Timestamp,
}

/// The users and the token keys. Built once per process. The JWT secret can be rotated in place
/// ([`Auth::rotate_secret`]).
pub struct Auth {
    keys: RwLock<KeyRing>,
    clock: Arc<dyn Clock + Send + Sync>,
    users: Arc<dyn UserDirectory>,
    /// The one admin [`Auth::new`] was built with, for [`Auth::issue`].
    operator: Option<Account>,
}

fn checked_secret(jwt_secret: &[u8]) -> Result<(), AuthError> {
    if jwt_secret.len() < MIN_SECRET_BYTES {
        return Err(AuthError::SecretTooShort { len: jwt_secret.len(), min: MIN_SECRET_BYTES });
    }
    Ok(())
}

impl Auth {
    /// One admin account, held in memory (tools and tests; the worker keeps its users in its
    /// store). Refuses a secret shorter than [`MIN_SECRET_BYTES`] and an empty username or
    /// password. The password is hashed with argon2id here and the plain text dropped.
    pub fn new(username: &str, password: &str, jwt_secret: &[u8]) -> Result<Self, AuthError> {
        checked_secret(jwt_secret)?;
        let users = MemoryUsers::new();
        let operator = users.add(username, password, Role::Admin)?;
        let mut auth = Self::with_users(jwt_secret, Arc::new(users))?;
        auth.operator = Some(operator);
        Ok(auth)
    }

    /// Logs in and checks the users of `users`. Refuses a secret shorter than
    /// [`MIN_SECRET_BYTES`].
    pub fn with_users(jwt_secret: &[u8], users: Arc<dyn UserDirectory>) -> Result<Self, AuthError> {
        checked_secret(jwt_secret)?;
        Ok(Self {
            keys: RwLock::new(KeyRing::new(jwt_secret)),
            clock: Arc::new(SystemClock),
            users,
            operator: None,
        })
    }

    /// Replaces the wall clock, for tests.
    pub fn with_clock(mut self, clock: Arc<dyn Clock + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn now_secs(&self) -> i64 {
        self.clock.now().millis().div_euclid(1000)
    }

    /// Issues a token if `username` and `password` match an enabled user. An unknown user and a
    /// wrong password take the same time and give the same error.
    pub async fn login(&self, username: &str, password: &str) -> Result<IssuedToken, AuthError> {
        match self.users.authenticate(username.to_owned(), password.to_owned()).await {
            Ok(Some(account)) => self.issue_for(&account),
            Ok(None) => Err(AuthError::InvalidCredentials),
            Err(e) => Err(AuthError::Directory(e)),
        }
    }

    /// Whether `password` is the password of the enabled user `username` now: asked again
    /// before an act that must not ride on a stolen token alone (approving live trading). Takes
    /// as long as a login; issues nothing.
    pub async fn verify_password(&self, username: &str, password: &str) -> Result<bool, AuthError> {
        match self.users.authenticate(username.to_owned(), password.to_owned()).await {
            Ok(found) => Ok(found.is_some_and(|a| a.name == username)),
            Err(e) => Err(AuthError::Directory(e)),
        }
    }

    /// Signs new tokens with `jwt_secret` from now on. Tokens signed with the secret it replaces
    /// still verify until they expire (12 h at most), so nobody is logged out; a restart forgets
    /// the replaced secret at once. `Ok(false)` when `jwt_secret` is the secret already in use.
    pub fn rotate_secret(&self, jwt_secret: &[u8]) -> Result<bool, AuthError> {
        checked_secret(jwt_secret)?;
        let now = self.now_secs();
        Ok(self.keys.write().unwrap_or_else(PoisonError::into_inner).rotate(jwt_secret, now))
    }

    /// How many replaced JWT secrets still verify tokens (see [`Auth::rotate_secret`]).
    pub fn retired_secrets(&self) -> usize {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).retired(self.now_secs())
    }

    /// Issues a token for the admin [`Auth::new`] was built with, valid from now for 12 hours.
    pub fn issue(&self) -> Result<IssuedToken, AuthError> {
        match &self.operator {
            Some(operator) => self.issue_for(operator),
            None => Err(AuthError::Internal("no single operator: tokens are issued at login".to_owned())),
        }
    }

    /// Issues a token for `account`, valid from now for 12 hours.
    pub fn issue_for(&self, account: &Account) -> Result<IssuedToken, AuthError> {
        // A poisoned lock still holds a whole key ring: rotation swaps it in one assignment.
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let (token, claims) =
            keys.current().issue(&account.name, account.role, account.generation, self.now_secs())?;
        Ok(IssuedToken {
            token,
            expires_at: Timestamp::from_millis(claims.exp.saturating_mul(1000)),
            user: account.name.clone(),
            role: account.role,
        })
    }

    /// Verifies a bearer token: HS256 signature with our secret (or one it replaced less than
    /// 12 h ago) and within its validity window (5 s leeway). Says nothing of its user as they
    /// are now: [`Auth::check`] does.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .verify(token, self.now_secs())
            .map_err(AuthError::Token)
    }

    /// [`Auth::verify`], then the user as they are now: removed or disabled since the token was
    /// issued, or their password changed, and the token is refused; their role lowered, and the
    /// session has the lower role. One directory lookup per call (the worker's is a cache that
    /// costs one key/value read while nothing changes).
    pub async fn check(&self, token: &str) -> Result<Session, AuthError> {
        let claims = self.verify(token)?;
        let current = self.users.current(claims.sub.clone()).await.map_err(AuthError::Directory)?;
        let Some(account) = current else {
            return Err(AuthError::Token(TokenRejection::Subject));
        };
        if account.generation != claims.generation {
            return Err(AuthError::Token(TokenRejection::Revoked));
        }
        Ok(Session {
            user: account.name,
            role: claims.role.min(account.role),
            expires_at: Timestamp::from_millis(claims.exp.saturating_mul(1000)),
        })
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("operator", &self.operator.as_ref().map(|a| a.name.as_str()))
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
        let issued = auth.issue().expect("issue");
        assert_eq!(issued.expires_at.millis(), t0 + 12 * 3_600_000);
        assert_eq!((issued.user.as_str(), issued.role), ("admin", Role::Admin));
        let claims = auth.verify(&issued.token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.iat, claims.nbf), ("admin", t0 / 1000, t0 / 1000));
        assert_eq!(claims.role, Role::Admin);

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

    #[tokio::test]
    async fn unknown_user_and_wrong_password_look_the_same() {
        let auth = Auth::new("admin", "pw", SECRET).expect("auth");
        let a = auth.login("root", "pw").await.expect_err("unknown user");
        let b = auth.login("admin", "nope").await.expect_err("wrong password");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "invalid username or password");
        assert!(auth.login("admin", "pw").await.is_ok());
    }

    #[tokio::test]
    async fn a_token_is_checked_against_its_user_as_they_are_now() {
        let users = Arc::new(MemoryUsers::new().with("ann", "pw-ann", Role::Admin).expect("ann"));
        let auth = Auth::with_users(SECRET, users.clone()).expect("auth");
        let token = auth.login("ann", "pw-ann").await.expect("login").token;
        assert_eq!(auth.check(&token).await.expect("valid").role, Role::Admin);
        users.set_role("ann", Role::Viewer);
        assert_eq!(auth.check(&token).await.expect("valid").role, Role::Viewer, "lowered at once");
        users.set_role("ann", Role::Trader);
        assert_eq!(auth.check(&token).await.expect("valid").role, Role::Trader);
        users.set_role("ann", Role::Admin);
        let fresh = auth.login("ann", "pw-ann").await.expect("login").token;
        users.set_password("ann", "new-pw").expect("hash");
        for t in [&token, &fresh] {
            assert_eq!(auth.check(t).await, Err(AuthError::Token(TokenRejection::Revoked)));
        }
        let after = auth.login("ann", "new-pw").await.expect("login").token;
        assert!(auth.check(&after).await.is_ok());
        users.remove("ann");
        assert_eq!(auth.check(&after).await, Err(AuthError::Token(TokenRejection::Subject)));
        // Re-created under the same name: the old tokens stay dead.
        users.add("ann", "pw-ann", Role::Admin).expect("ann again");
        assert_eq!(auth.check(&after).await, Err(AuthError::Token(TokenRejection::Revoked)));
        assert!(auth.issue().is_err(), "no single operator here");
    }

    #[test]
    fn debug_redacts_secrets() {
        let auth = Auth::new("admin", "hunter2-password", SECRET).expect("auth");
        let dbg = format!("{auth:?}");
        assert!(dbg.contains("admin"), "{dbg}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(!dbg.contains("0123456789abcdef"), "{dbg}");
        let issued = auth.issue().expect("issue");
        assert!(!format!("{issued:?}").contains(&issued.token));
    }
}
