//! `KeyRing`: the JWT secret in use and the ones it replaced. A rotated secret signs every new
//! token at once; a token signed with a replaced secret still verifies until it could have expired
//! (its 12 h lifetime and the leeway, counted from the rotation), so a rotation logs nobody out.
//! Past that the replaced secret is forgotten.

use sha2::{Digest, Sha256};

use super::TokenRejection;
use super::token::{Claims, LEEWAY_SECS, TOKEN_TTL_SECS, TokenKeys};

struct Entry {
    keys: TokenKeys,
    /// SHA-256 of the secret: tells a rotation to the same secret (a refresh that changed
    /// nothing) from a new one without keeping the secret itself.
    digest: [u8; 32],
}

impl Entry {
    fn new(secret: &[u8]) -> Self {
        Self { keys: TokenKeys::new(secret), digest: Sha256::digest(secret).into() }
    }
}

/// A replaced secret and the last second (Unix time) a token signed with it can be valid.
struct Retired {
    entry: Entry,
    until: i64,
}

pub(crate) struct KeyRing {
    current: Entry,
    retired: Vec<Retired>,
}

impl KeyRing {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Self { current: Entry::new(secret), retired: Vec::new() }
    }

    /// The keys new tokens are signed with.
    pub(crate) fn current(&self) -> &TokenKeys {
        &self.current.keys
    }

    /// Makes `secret` the one new tokens are signed with, keeping the replaced one for
    /// verification until its tokens have expired. `false` when `secret` is already current.
    pub(crate) fn rotate(&mut self, secret: &[u8], now: i64) -> bool {
        let next = Entry::new(secret);
        if same(&next.digest, &self.current.digest) {
            return false;
        }
        // Rotating back to a replaced secret makes it current again, not current and retired.
        self.retired.retain(|r| now <= r.until && !same(&r.entry.digest, &next.digest));
        let replaced = std::mem::replace(&mut self.current, next);
        let until = now.saturating_add(TOKEN_TTL_SECS).saturating_add(LEEWAY_SECS);
        self.retired.push(Retired { entry: replaced, until });
        true
    }

    /// Verifies with the current secret; a token whose signature does not match it is tried
    /// against the replaced secrets still within their window.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenRejection> {
        match self.current.keys.verify(token, now) {
            Err(TokenRejection::Signature) => {}
            other => return other,
        }
        for r in self.retired.iter().rev().filter(|r| now <= r.until) {
            match r.entry.keys.verify(token, now) {
                Err(TokenRejection::Signature) => {}
                other => return other,
            }
        }
        Err(TokenRejection::Signature)
    }

    /// How many replaced secrets still verify tokens at `now`.
    pub(crate) fn retired(&self, now: i64) -> usize {
        self.retired.iter().filter(|r| now <= r.until).count()
    }
}

fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"secret-A-0123456789abcdef0123456789";
    const B: &[u8] = b"secret-B-0123456789abcdef0123456789";
    const C: &[u8] = b"secret-C-0123456789abcdef0123456789";
    const T0: i64 = 1_700_000_000;

    fn token(secret: &[u8], at: i64) -> String {
        TokenKeys::new(secret).issue("admin", mirai_core::Role::Admin, 1, at).expect("signs").0
    }

    #[test]
    fn tokens_of_a_replaced_secret_verify_until_they_expire() {
        let mut ring = KeyRing::new(A);
        let old = token(A, T0);
        assert!(!ring.rotate(A, T0), "the same secret is no rotation");
        assert!(ring.rotate(B, T0 + 60));
        assert!(ring.verify(&old, T0 + 120).is_ok(), "signed with the replaced secret");
        assert!(ring.verify(&token(B, T0 + 120), T0 + 120).is_ok(), "signed with the new one");
        assert_eq!(ring.verify(&token(C, T0 + 120), T0 + 120), Err(TokenRejection::Signature));
        // New tokens are signed with the new secret only.
        let fresh = ring.current().issue("admin", mirai_core::Role::Admin, 1, T0 + 120).expect("signs").0;
        assert_eq!(KeyRing::new(A).verify(&fresh, T0 + 120), Err(TokenRejection::Signature));
        // The old token expires on its own schedule...
        assert_eq!(ring.verify(&old, T0 + TOKEN_TTL_SECS + LEEWAY_SECS + 1), Err(TokenRejection::Expired));
        // ...and the replaced secret is forgotten once every token it signed has.
        let late = T0 + 60 + TOKEN_TTL_SECS + LEEWAY_SECS + 1;
        assert_eq!(ring.retired(late - 1), 1);
        assert_eq!(ring.retired(late), 0);
        assert_eq!(ring.verify(&token(A, late - 10), late), Err(TokenRejection::Signature));
    }

    #[test]
    fn two_rotations_keep_both_replaced_secrets_and_rotating_back_is_clean() {
        let mut ring = KeyRing::new(A);
        assert!(ring.rotate(B, T0));
        assert!(ring.rotate(C, T0 + 1));
        assert!(ring.verify(&token(A, T0), T0 + 2).is_ok());
        assert!(ring.verify(&token(B, T0), T0 + 2).is_ok());
        assert!(ring.rotate(A, T0 + 3));
        assert_eq!(ring.retired(T0 + 3), 2, "B and C retired; A current, not also retired");
        assert!(ring.verify(&token(C, T0 + 3), T0 + 3).is_ok());
    }
}
