//! Random secrets from the operating system (generated passwords, JWT secrets). Secrets
//! themselves travel as `secrecy::SecretString`, whose `Debug` output is redacted.

/// `bytes` random bytes from the operating system, hex-encoded.
pub fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(hex::encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_secrets_differ_and_secrets_never_print() {
        let s = secrecy::SecretString::from("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(random_hex(16).unwrap().len(), 32);
        assert_ne!(random_hex(16).unwrap(), random_hex(16).unwrap());
    }
}
