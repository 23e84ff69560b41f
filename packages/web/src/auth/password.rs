//! `PasswordHash`: the operator's password, kept only as an argon2id hash.

use std::fmt;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AuthError;

/// An argon2id PHC string with a random salt. The plain password is never stored.
#[derive(Clone)]
pub(crate) struct PasswordHash(String);

impl PasswordHash {
    /// Hashes `password` with argon2id's default (OWASP) parameters and a fresh 16-byte salt.
    pub(crate) fn new(password: &str) -> Result<Self, AuthError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AuthError::Internal(format!("no randomness: {e}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Internal(format!("salt: {e}")))?;
        let phc = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AuthError::Internal(format!("argon2: {e}")))?
            .to_string();
        Ok(Self(phc))
    }

    /// Whether `candidate` is the password, by argon2 verification (constant-time on the output).
    pub(crate) fn verify(&self, candidate: &str) -> bool {
        match argon2::PasswordHash::new(&self.0) {
            Ok(parsed) => Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(argon2id, redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = PasswordHash::new("correct horse").expect("hash");
        let b = PasswordHash::new("correct horse").expect("hash");
        assert_ne!(a.0, b.0, "salts must differ");
        assert!(a.0.starts_with("$argon2id$"));
        assert!(a.verify("correct horse"));
        assert!(!a.verify("correct horse "));
        assert!(!a.verify(""));
        assert!(!format!("{a:?}").contains("correct"));
    }
}
