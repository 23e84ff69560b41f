//! Comparison of secrets in time that depends on neither their contents nor their lengths.

use sha2::{Digest, Sha256};

/// Whether `a == b`, comparing SHA-256 digests with a branch-free fold so that neither where the
/// first difference lies nor the length of either input shows in the timing.
pub(crate) fn secret_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    let diff = da.iter().zip(db.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::secret_eq;

    #[test]
    fn equal_and_unequal_secrets() {
        assert!(secret_eq(b"token-123", b"token-123"));
        assert!(!secret_eq(b"token-123", b"token-124"));
        assert!(!secret_eq(b"token-123", b"token-1234"));
        assert!(!secret_eq(b"", b"x"));
        assert!(secret_eq(b"", b""));
    }
}
