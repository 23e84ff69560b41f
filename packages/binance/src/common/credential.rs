//! API credentials and request signing: HMAC-SHA256 (hex) or Ed25519 (base64), over exactly the
//! payload bytes given. The secret never leaves this module and never prints.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use aws_lc_rs::{hmac, signature::Ed25519KeyPair};
use base64::Engine as _;

/// Why a credential could not be built. Never carries key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the API key is empty")]
    EmptyApiKey,
    #[error("the API secret is empty")]
    EmptySecret,
    #[error("the Ed25519 private key is not a PKCS#8 PEM or DER key: {0}")]
    BadEd25519Key(&'static str),
}

enum SigningKey {
    // Boxed: the HMAC key state is large next to an Ed25519 key pair.
    Hmac(Box<hmac::Key>),
    Ed25519(Ed25519KeyPair),
}

/// An API key and the key that signs its requests. `Debug` shows a prefix of the API key (so logs
/// can tell accounts apart) and never the secret.
pub struct Credential {
    api_key: String,
    key: SigningKey,
}

impl Credential {
    /// An HMAC-SHA256 credential from the API key and secret Binance issued together.
    pub fn hmac(api_key: &str, secret: &str) -> Result<Self, CredentialError> {
        if api_key.trim().is_empty() {
            return Err(CredentialError::EmptyApiKey);
        }
        if secret.is_empty() {
            return Err(CredentialError::EmptySecret);
        }
        Ok(Self {
            api_key: api_key.trim().to_owned(),
            key: SigningKey::Hmac(Box::new(hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()))),
        })
    }

    /// An Ed25519 credential from a PKCS#8 private key, PEM (`-----BEGIN PRIVATE KEY-----`, as
    /// Binance's key generator writes it) or DER. Binance recommends Ed25519 over HMAC.
    pub fn ed25519_pkcs8(api_key: &str, key: &[u8]) -> Result<Self, CredentialError> {
        if api_key.trim().is_empty() {
            return Err(CredentialError::EmptyApiKey);
        }
        let der = if key.starts_with(b"-----") { pem_body(key)? } else { key.to_vec() };
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|_| CredentialError::BadEd25519Key("not an Ed25519 PKCS#8 key"))?;
        Ok(Self { api_key: api_key.trim().to_owned(), key: SigningKey::Ed25519(pair) })
    }

    /// An Ed25519 credential from the 32-byte seed (RFC 8032's "secret key").
    pub fn ed25519_seed(api_key: &str, seed: &[u8]) -> Result<Self, CredentialError> {
        if api_key.trim().is_empty() {
            return Err(CredentialError::EmptyApiKey);
        }
        let pair = Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| CredentialError::BadEd25519Key("an Ed25519 seed is 32 bytes"))?;
        Ok(Self { api_key: api_key.trim().to_owned(), key: SigningKey::Ed25519(pair) })
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Signs `payload` as Binance expects: lowercase hex for HMAC, standard base64 for Ed25519.
    /// Callers percent-encode the base64 form before putting it in a REST query.
    pub fn sign(&self, payload: &[u8]) -> String {
        match &self.key {
            SigningKey::Hmac(k) => hex::encode(hmac::sign(k, payload).as_ref()),
            SigningKey::Ed25519(k) => {
                base64::engine::general_purpose::STANDARD.encode(k.sign(payload).as_ref())
            }
        }
    }

    /// "HMAC-SHA256" or "Ed25519", for logs.
    pub fn algorithm(&self) -> &'static str {
        match self.key {
            SigningKey::Hmac(_) => "HMAC-SHA256",
            SigningKey::Ed25519(_) => "Ed25519",
        }
    }

    /// The Ed25519 public key, to register with Binance (or a simulator); none for HMAC.
    pub fn ed25519_public_key(&self) -> Option<Vec<u8>> {
        use aws_lc_rs::signature::KeyPair as _;
        match &self.key {
            SigningKey::Ed25519(k) => Some(k.public_key().as_ref().to_vec()),
            SigningKey::Hmac(_) => None,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Six characters identify a key among a user's keys without being usable.
        let prefix: String = self.api_key.chars().take(6).collect();
        write!(f, "Credential {{ api_key: \"{prefix}…\", key: {}(***) }}", self.algorithm())
    }
}

/// The credential in use, replaceable while the client runs (a rotated key): every request takes
/// the one current when it is signed, so a new key is used from the next request on and no
/// request mixes one key's header with another's signature. Clones share the slot.
#[derive(Clone)]
pub struct SharedCredential(Arc<RwLock<Arc<Credential>>>);

impl SharedCredential {
    pub fn new(credential: Credential) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(credential))))
    }

    /// The credential to sign the next request with.
    pub fn current(&self) -> Arc<Credential> {
        // A panic while holding the lock cannot leave the slot half-written (it is one `Arc`).
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Signs every request from now on with `credential`; requests already signed keep theirs.
    pub fn replace(&self, credential: Credential) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(credential);
    }
}

impl From<Credential> for SharedCredential {
    fn from(credential: Credential) -> Self {
        Self::new(credential)
    }
}

impl From<Arc<Credential>> for SharedCredential {
    fn from(credential: Arc<Credential>) -> Self {
        Self(Arc::new(RwLock::new(credential)))
    }
}

impl fmt::Debug for SharedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedCredential").field(&self.current()).finish()
    }
}

/// The base64 body of a PEM block, decoded.
fn pem_body(pem: &[u8]) -> Result<Vec<u8>, CredentialError> {
    let text = std::str::from_utf8(pem).map_err(|_| CredentialError::BadEd25519Key("PEM is not text"))?;
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| CredentialError::BadEd25519Key("PEM body is not base64"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

    /// Binance's published sample key pair (rest-api.md, web-socket-api.md).
    pub(crate) const API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    pub(crate) const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

    #[test]
    fn a_replaced_credential_signs_from_the_next_call_and_clones_share_it() {
        let shared = SharedCredential::new(Credential::hmac(API_KEY, SECRET).unwrap());
        let clone = shared.clone();
        let before = clone.current();
        shared.replace(Credential::hmac("rotated-key", "rotated-secret").unwrap());
        assert_eq!(clone.current().api_key(), "rotated-key");
        assert_eq!(clone.current().sign(b"x"), Credential::hmac("k", "rotated-secret").unwrap().sign(b"x"));
        // What was taken before the swap stays whole.
        assert_eq!(before.api_key(), API_KEY);
        assert!(!format!("{shared:?}").contains("rotated-secret"));
    }

    #[test]
    fn hmac_matches_every_documented_vector() {
        let c = Credential::hmac(API_KEY, SECRET).unwrap();
        let vectors = [
            // V1 rest-api.md, ASCII.
            (
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
                "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
            ),
            // V2 rest-api.md, non-ASCII symbol percent-encoded before signing.
            (
                "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
                "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
            ),
            // V3 legacy mixed query + body, concatenated without '&'.
            (
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
                "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77",
            ),
            // V4 web-socket-api.md order.place, params sorted, not encoded.
            (
                "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
                "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24",
            ),
            // V5 web-socket-api.md non-ASCII order.place, raw UTF-8.
            (
                "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=１２３４５６&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
                "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd",
            ),
            // V6 web-socket-api.md session.logon.
            (
                "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1649729878532",
                "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed",
            ),
        ];
        for (payload, want) in vectors {
            assert_eq!(c.sign(payload.as_bytes()), want, "payload {payload}");
        }
    }

    /// RFC 8032 section 7.1, tests 1 to 3: seed, public key, message, signature.
    #[test]
    fn ed25519_matches_rfc8032_vectors() {
        let vectors = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
            (
                "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
                "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
            ),
        ];
        for (seed, public, msg, sig) in vectors {
            let c = Credential::ed25519_seed("key", &hex::decode(seed).unwrap()).unwrap();
            assert_eq!(hex::encode(c.ed25519_public_key().unwrap()), public);
            let msg = hex::decode(msg).unwrap();
            let b64 = c.sign(&msg);
            let raw = base64::engine::general_purpose::STANDARD.decode(&b64).unwrap();
            assert_eq!(hex::encode(&raw), sig);
            assert_eq!(b64.len(), 88, "Binance expects 88 base64 characters");
            assert!(
                UnparsedPublicKey::new(&ED25519, hex::decode(public).unwrap()).verify(&msg, &raw).is_ok()
            );
        }
    }

    #[test]
    fn ed25519_pem_keys_load_and_sign_like_the_seed() {
        // RFC 8410 section 10.3's example private key (PKCS#8 v1, as `openssl genpkey` writes it);
        // the seed is its last 32 bytes. PEM loading and seed loading must sign alike.
        let pem = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
        let from_pem = Credential::ed25519_pkcs8("key", pem).unwrap();
        let seed = hex::decode("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842").unwrap();
        let from_seed = Credential::ed25519_seed("key", &seed).unwrap();
        assert_eq!(from_pem.sign(b"payload"), from_seed.sign(b"payload"));
        assert!(Credential::ed25519_pkcs8("key", b"-----BEGIN PRIVATE KEY-----\n!!\n-----END").is_err());
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_whole_key() {
        let c = Credential::hmac(API_KEY, SECRET).unwrap();
        let text = format!("{c:?}");
        assert!(!text.contains(SECRET));
        assert!(!text.contains(API_KEY));
        assert_eq!(text, "Credential { api_key: \"vmPUZE…\", key: HMAC-SHA256(***) }");
        assert_eq!(Credential::hmac("", SECRET).err(), Some(CredentialError::EmptyApiKey));
        assert_eq!(Credential::hmac(API_KEY, "").err(), Some(CredentialError::EmptySecret));
    }
}
