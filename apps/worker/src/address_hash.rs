//! Client addresses as keyed hashes in the audit log. The same address always gives the same
//! value, so a burst of failed logins from one place still reads as one place, but neither the
//! log nor its copy in Snowflake holds an IP address. The key is 32 random bytes made once per
//! data directory and kept in its store (never shipped: the key/value table has no outbox
//! trigger); a plain hash would not do, since every IPv4 address can be hashed and looked up in
//! minutes.

use std::net::IpAddr;

use aws_lc_rs::hmac;
use mirai_store_local::{LocalStore, StoreError};

/// The store key holding the hex-encoded key.
const KEY_NAME: &str = "audit.address_key";
/// Bytes of the tag kept: 128 bits is far beyond any collision among one deployment's clients.
const TAG_BYTES: usize = 16;

pub struct AddressHasher {
    key: hmac::Key,
}

impl std::fmt::Debug for AddressHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddressHasher(..)")
    }
}

impl AddressHasher {
    /// The data directory's key, made and stored on first use.
    pub fn load_or_create(store: &LocalStore) -> Result<Self, StoreError> {
        if let Some(hex_key) = store.get_kv(KEY_NAME)?
            && let Ok(bytes) = hex::decode(hex_key.trim())
            && bytes.len() == 32
        {
            return Ok(Self::from_bytes(&bytes));
        }
        let bytes = random_key();
        store.set_kv(KEY_NAME, &hex::encode(bytes))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A key for this process only: hashes stay private but do not match across restarts.
    /// For when the store cannot keep one.
    pub fn ephemeral() -> Self {
        Self::from_bytes(&random_key())
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, bytes) }
    }

    /// `addr:` and 32 hex digits. The prefix says what the value is when read in the log.
    pub fn hash(&self, addr: IpAddr) -> String {
        // The canonical text form, so an IPv4 address and its IPv4-mapped IPv6 form stay
        // distinct values only if the server saw them differently.
        let tag = hmac::sign(&self.key, addr.to_string().as_bytes());
        format!("addr:{}", hex::encode(&tag.as_ref()[..TAG_BYTES]))
    }
}

fn random_key() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // The OS's generator failing leaves the process unable to do anything safely.
    getrandom::fill(&mut bytes).expect("the operating system's random generator works");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_one_value_per_data_directory_and_no_address_in_it() {
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        let store = LocalStore::open_in_memory().unwrap();
        let h = AddressHasher::load_or_create(&store).unwrap();
        let ha = h.hash(a);
        assert!(ha.starts_with("addr:") && ha.len() == 5 + 32, "{ha}");
        assert!(!ha.contains("203") && !ha.contains("113"), "{ha}");
        assert_eq!(ha, h.hash(a), "stable");
        assert_ne!(ha, h.hash(b));
        let again = AddressHasher::load_or_create(&store).unwrap();
        assert_eq!(again.hash(a), ha, "the same key after a restart");
        let other = AddressHasher::load_or_create(&LocalStore::open_in_memory().unwrap()).unwrap();
        assert_ne!(other.hash(a), ha, "another data directory, another key");
        assert_ne!(AddressHasher::ephemeral().hash(a), ha);
    }
}
