//! JWTs: HS256 only, `sub`/`role`/`gen`/`iat`/`nbf`/`exp` claims, 12 h lifetime (no token that
//! claims longer, or was issued longer ago, is accepted), checked against an injected clock with a
//! 5 s leeway.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use mirai_core::Role;
use serde::{Deserialize, Serialize};

use super::{AuthError, TokenRejection};

/// How long a token is valid: 12 hours.
pub const TOKEN_TTL_SECS: i64 = 12 * 60 * 60;
/// Clock skew tolerated on `exp` and `nbf` (jsonwebtoken's default is 60 s; ours is tighter).
pub const LEEWAY_SECS: i64 = 5;

/// The claims of a Mirai token. Times are seconds since the Unix epoch. A token without `role` or
/// `gen` (one issued before users had roles) is malformed: its user logs in again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's name.
    pub sub: String,
    /// The user's role when the token was issued: the most it can ever do (the user's role now,
    /// checked on each request, can only lower it).
    pub role: Role,
    /// The user's generation when the token was issued; a password change, a disabling or a
    /// re-creation gives the user a new one, which ends this token.
    #[serde(rename = "gen")]
    pub generation: u64,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Signing and verifying keys derived from the JWT secret.
pub(crate) struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub(crate) fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Time is checked below against the injected clock, not the library's wall clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Signs a token for `sub` (with its `role` and `generation`) issued at `now` (seconds).
    pub(crate) fn issue(
        &self,
        sub: &str,
        role: Role,
        generation: u64,
        now: i64,
    ) -> Result<(String, Claims), AuthError> {
        let claims =
            Claims { sub: sub.to_owned(), role, generation, iat: now, nbf: now, exp: now + TOKEN_TTL_SECS };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Internal(format!("jwt signing: {e}")))?;
        Ok((token, claims))
    }

    /// Checks the signature, the algorithm (HS256 only) and the times against `now` (seconds).
    /// The subject is left to the caller.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenRejection> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            match e.kind() {
                ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidAlgorithmName
                | ErrorKind::MissingAlgorithm
                | ErrorKind::UnsupportedAlgorithm => TokenRejection::Algorithm,
                ErrorKind::InvalidSignature => TokenRejection::Signature,
                _ => TokenRejection::Malformed,
            }
        })?;
        let c = data.claims;
        if now > c.exp.saturating_add(LEEWAY_SECS) {
            return Err(TokenRejection::Expired);
        }
        if c.nbf > now.saturating_add(LEEWAY_SECS) || c.iat > now.saturating_add(LEEWAY_SECS) {
            return Err(TokenRejection::NotYetValid);
        }
        // Every token we issue has exp = iat + TTL; one that claims longer, or was issued longer
        // ago, was minted with a leaked secret or by a bug, and lives on only if we let it.
        if c.exp.saturating_sub(c.iat) > TOKEN_TTL_SECS
            || now.saturating_sub(c.iat) > TOKEN_TTL_SECS.saturating_add(LEEWAY_SECS)
        {
            return Err(TokenRejection::Lifetime);
        }
        Ok(c)
    }
}
