//! Who may call: the `X-MBX-APIKEY` header (-2014/-2015), the signature over exactly the bytes
//! received (-1022, HMAC-SHA256 hex or Ed25519 base64), and the timestamp window (-1021).

use aws_lc_rs::{hmac, signature};
use axum::http::StatusCode;
use base64::Engine as _;

use crate::config::SimConfig;
use crate::error::ApiError;
use crate::params::Params;

/// Checks the API key a request names.
pub(crate) fn check_api_key(config: &SimConfig, key: Option<&str>) -> Result<(), ApiError> {
    match key {
        None | Some("") => Err(ApiError::new(StatusCode::UNAUTHORIZED, -2014, "API-key format invalid.")),
        Some(k) if k == config.api_key => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        )),
    }
}

/// Verifies `signature` over `payload`: HMAC with the secret, or Ed25519 with the public key.
pub(crate) fn check_signature(config: &SimConfig, payload: &[u8], signature: &str) -> Result<(), ApiError> {
    let invalid = || ApiError::bad(-1022, "Signature for this request is not valid.");
    // HMAC signatures are 64 hex characters, case-insensitive.
    if let Ok(tag) = hex::decode(signature) {
        let key = hmac::Key::new(hmac::HMAC_SHA256, config.api_secret.expose().as_bytes());
        if !config.api_secret.expose().is_empty() && hmac::verify(&key, payload, &tag).is_ok() {
            return Ok(());
        }
    }
    if let Some(public) = &config.ed25519_public_key
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(signature)
    {
        let key = signature::UnparsedPublicKey::new(&signature::ED25519, public);
        if key.verify(payload, &raw).is_ok() {
            return Ok(());
        }
    }
    Err(invalid())
}

/// Binance's rule: `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow`.
pub(crate) fn check_timestamp(params: &Params, server_ms: i64) -> Result<(), ApiError> {
    let ts = params.int("timestamp")?.ok_or_else(|| ApiError::mandatory("timestamp"))?;
    let window = params.int("recvWindow")?.unwrap_or(5_000);
    if !(0..=60_000).contains(&window) {
        return Err(ApiError::bad(-1131, "recvWindow must be less than 60000"));
    }
    if ts >= server_ms + 1_000 {
        return Err(ApiError::bad(
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        ));
    }
    if server_ms - ts > window {
        return Err(ApiError::bad(-1021, "Timestamp for this request is outside of the recvWindow."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SimConfig {
        SimConfig::new(
            "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
        )
    }

    #[test]
    fn documented_signatures_verify_and_tampered_ones_do_not() {
        let c = config();
        let payload = b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        let sig = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
        assert!(check_signature(&c, payload, sig).is_ok());
        assert!(check_signature(&c, payload, &sig.to_uppercase()).is_ok(), "hex is case-insensitive");
        assert_eq!(check_signature(&c, b"symbol=LTCBTC&side=SELL", sig).unwrap_err().code, -1022);
        assert_eq!(check_signature(&c, payload, "not-a-signature").unwrap_err().code, -1022);
    }

    #[test]
    fn ed25519_signatures_verify_against_the_registered_key() {
        use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
        let pair = Ed25519KeyPair::from_seed_unchecked(&[9u8; 32]).unwrap();
        let mut c = config();
        c.ed25519_public_key = Some(pair.public_key().as_ref().to_vec());
        let sig = base64::engine::general_purpose::STANDARD.encode(pair.sign(b"timestamp=1").as_ref());
        assert!(check_signature(&c, b"timestamp=1", &sig).is_ok());
        assert!(check_signature(&c, b"timestamp=2", &sig).is_err());
    }

    #[test]
    fn api_keys_and_timestamps_are_checked() {
        let c = config();
        assert_eq!(check_api_key(&c, None).unwrap_err().code, -2014);
        assert_eq!(check_api_key(&c, Some("other")).unwrap_err().code, -2015);
        assert!(check_api_key(&c, Some(&c.api_key)).is_ok());
        let now = 1_700_000_000_000;
        let p = |ts: i64, w: &str| Params::from_request(&format!("timestamp={ts}&recvWindow={w}"), "");
        assert!(check_timestamp(&p(now - 4_000, "5000"), now).is_ok());
        assert_eq!(check_timestamp(&p(now - 6_000, "5000"), now).unwrap_err().code, -1021);
        assert_eq!(check_timestamp(&p(now + 1_000, "5000"), now).unwrap_err().code, -1021);
        assert_eq!(check_timestamp(&p(now, "60001"), now).unwrap_err().code, -1131);
        assert_eq!(check_timestamp(&Params::default(), now).unwrap_err().code, -1102);
    }
}
