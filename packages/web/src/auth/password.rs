//! `PasswordHash`: a user's password, kept only as an argon2id hash.

use std::fmt;
use std::sync::LazyLock;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use super::AuthError;

/// An argon2id PHC string with a random salt. The plain password is never stored.
#[derive(Clone)]
pub struct PasswordHash(String);

/// A hash of a random password nobody knows: checked when the user asked for does not exist, so
/// that an unknown user takes as long to refuse as a wrong password. `None` only if the system
/// had no randomness, and then refusing fast is all that is left.
static DECOY: LazyLock<Option<PasswordHash>> = LazyLock::new(|| {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).ok()?;
    PasswordHash::new(&hex_of(&random)).ok()
});

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl PasswordHash {
    /// Hashes `password` with argon2id's default (OWASP) parameters and a fresh 16-byte salt.
    pub fn new(password: &str) -> Result<Self, AuthError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AuthError::Internal(format!("no randomness: {e}")))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Internal(format!("salt: {e}")))?;
        let phc = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AuthError::Internal(format!("argon2: {e}")))?
            .to_string();
        Ok(Self(phc))
    }

    /// A stored hash, as [`PasswordHash::as_phc`] gave it. Anything but an argon2id PHC string is
    /// refused: a plain password must never pass for a hash.
    pub fn from_phc(phc: &str) -> Result<Self, AuthError> {
        match argon2::PasswordHash::new(phc) {
            Ok(parsed) if parsed.algorithm.as_str() == "argon2id" => Ok(Self(phc.to_owned())),
            _ => Err(AuthError::Internal("a stored password hash is not an argon2id PHC string".to_owned())),
        }
    }

    /// The PHC string (`$argon2id$v=19$m=…$salt$hash`), for the store.
    pub fn as_phc(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is the password, by argon2 verification (constant-time on the output).
    pub fn verify(&self, candidate: &str) -> bool {
        match argon2::PasswordHash::new(&self.0) {
            Ok(parsed) => Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time a verification takes and says no: for a user who does not exist (or is
    /// disabled), so the answer comes as late as for a wrong password.
    pub fn verify_decoy(candidate: &str) -> bool {
        if let Some(decoy) = DECOY.as_ref() {
            let _ = std::hint::black_box(decoy.verify(candidate));
        }
        false
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
        let stored = PasswordHash::from_phc(a.as_phc()).expect("a stored hash reads back");
        assert!(stored.verify("correct horse"));
        assert!(PasswordHash::from_phc("correct horse").is_err(), "a password is not a hash");
        assert!(!PasswordHash::verify_decoy("correct horse"));
    }
}
