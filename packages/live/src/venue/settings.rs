//! `BinanceSettings`: which Binance, which keys, which URLs. Read from the same environment as
//! the rest of the settings, every problem reported at once, secrets never echoed. Safe defaults:
//! testnet, no keys (so nothing can trade until keys are given).

use std::path::PathBuf;
use std::time::Duration;

use mirai_binance::{Endpoints, Environment, KlineInterval};

use mirai_settings::{Reader, Settings};
use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct BinanceSettings {
    /// `BINANCE_ENV`: testnet (default), demo or live.
    pub env: Environment,
    pub endpoints: Endpoints,
    /// Whether the URLs were overridden (`BINANCE_LOCAL_URL` or the per-URL settings).
    pub custom_endpoints: bool,
    pub api_key: String,
    /// `BINANCE_API_SECRET`: the HMAC secret, unless an Ed25519 key file is given.
    pub api_secret: Option<SecretString>,
    /// `BINANCE_PRIVATE_KEY_PATH`: an Ed25519 PKCS#8 PEM file (Binance recommends Ed25519).
    pub private_key_path: Option<PathBuf>,
    pub recv_window_ms: u64,
    pub timeout: Duration,
    pub kline_interval: KlineInterval,
}

impl BinanceSettings {
    /// Reads `BINANCE_*` through `get`. `Ok(None)` when no API key is configured: Binance is not
    /// in use and the paper exchange stays.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Settings<Self> {
        let mut r = Reader::new(get);
        let env = match r.raw("BINANCE_ENV") {
            None => Environment::Testnet,
            Some(v) => v.parse().unwrap_or_else(|e: String| {
                r.error(format!("BINANCE_ENV: {e}"));
                Environment::Testnet
            }),
        };
        let Some(api_key) = r.raw("BINANCE_API_KEY") else {
            for k in ["BINANCE_API_SECRET", "BINANCE_PRIVATE_KEY_PATH"] {
                if r.raw(k).is_some() {
                    r.error(format!("{k} is set but BINANCE_API_KEY is not"));
                }
            }
            return r.finish(None);
        };
        let api_secret = r.raw("BINANCE_API_SECRET").map(SecretString::from);
        let private_key_path = r.raw("BINANCE_PRIVATE_KEY_PATH").map(PathBuf::from);
        match (&api_secret, &private_key_path) {
            (None, None) => r.error("BINANCE_API_KEY needs BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_PATH"),
            (Some(_), Some(_)) => r.error("set BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_PATH, not both"),
            _ => {}
        }
        let mut endpoints = Endpoints::for_environment(env);
        let mut custom_endpoints = false;
        if let Some(local) = r.raw("BINANCE_LOCAL_URL") {
            endpoints = Endpoints::local(&local);
            custom_endpoints = true;
        }
        for (key, slot) in [
            ("BINANCE_REST_URL", &mut endpoints.rest),
            ("BINANCE_STREAM_URL", &mut endpoints.streams),
            ("BINANCE_WS_API_URL", &mut endpoints.ws_api),
        ] {
            if let Some(v) = r.raw(key) {
                *slot = v.trim_end_matches('/').to_owned();
                custom_endpoints = true;
            }
        }
        // Live keys go to Binance or to this machine (a local exchange-sim, to rehearse the live
        // approval procedure), never to another host named in a URL override.
        if env.is_live()
            && custom_endpoints
            && ![&endpoints.rest, &endpoints.streams, &endpoints.ws_api]
                .iter()
                .all(|u| is_loopback_url(u.as_str()))
        {
            r.error(
                "BINANCE_ENV=live cannot be combined with URL overrides (BINANCE_LOCAL_URL, BINANCE_*_URL) \
                 other than loopback ones (127.0.0.1, localhost, [::1])",
            );
        }
        let recv_window_ms = r.ranged("BINANCE_RECV_WINDOW_MS", 5_000u64, 1, 60_000);
        let timeout = Duration::from_millis(r.ranged("BINANCE_TIMEOUT_MS", 10_000u64, 1, 120_000));
        let kline_interval = match r.raw("BINANCE_KLINE_INTERVAL") {
            None => KlineInterval::M1,
            Some(v) => v.parse().unwrap_or_else(|e: String| {
                r.error(format!("BINANCE_KLINE_INTERVAL: {e}"));
                KlineInterval::M1
            }),
        };
        if r.has_errors() {
            return r.finish(None);
        }
        Ok(Some(Self {
            env,
            endpoints,
            custom_endpoints,
            api_key,
            api_secret,
            private_key_path,
            recv_window_ms,
            timeout,
            kline_interval,
        }))
    }
}

/// `scheme://host[:port]/...` with a loopback host.
fn is_loopback_url(url: &str) -> bool {
    mirai_settings::Url::parse(url).is_ok_and(|u| mirai_settings::is_loopback(&u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<Option<BinanceSettings>, Vec<String>> {
        let env: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        BinanceSettings::from_lookup(&move |k| env.get(k).cloned())
    }

    #[test]
    fn no_key_means_no_binance_and_the_default_is_testnet() {
        assert!(read(&[]).unwrap().is_none());
        let s = read(&[("BINANCE_API_KEY", "k"), ("BINANCE_API_SECRET", "s3cr3t-value")]).unwrap().unwrap();
        assert_eq!(s.env, Environment::Testnet);
        assert!(s.endpoints.rest.contains("testnet"));
        assert_eq!((s.recv_window_ms, s.kline_interval), (5_000, KlineInterval::M1));
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn every_problem_is_reported_and_secrets_are_not_echoed() {
        let errs = read(&[
            ("BINANCE_ENV", "mainnet"),
            ("BINANCE_API_KEY", "k"),
            ("BINANCE_RECV_WINDOW_MS", "90000"),
            ("BINANCE_KLINE_INTERVAL", "7m"),
        ])
        .unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:?}");
        let errs = read(&[("BINANCE_API_SECRET", "hunter2-secret")]).unwrap_err();
        assert!(errs[0].contains("BINANCE_API_KEY") && !errs[0].contains("hunter2"));
        let live_local = read(&[
            ("BINANCE_ENV", "live"),
            ("BINANCE_API_KEY", "k"),
            ("BINANCE_API_SECRET", "s"),
            ("BINANCE_LOCAL_URL", "http://10.0.0.7:9400"),
        ]);
        assert!(live_local.unwrap_err()[0].contains("live"));
        let live_loopback = read(&[
            ("BINANCE_ENV", "live"),
            ("BINANCE_API_KEY", "k"),
            ("BINANCE_API_SECRET", "s"),
            ("BINANCE_LOCAL_URL", "http://127.0.0.1:9400"),
        ]);
        assert!(live_loopback.is_ok_and(|s| s.is_some_and(|s| s.env.is_live())));
        let half_remote = read(&[
            ("BINANCE_ENV", "live"),
            ("BINANCE_API_KEY", "k"),
            ("BINANCE_API_SECRET", "s"),
            ("BINANCE_REST_URL", "http://localhost:9400"),
            ("BINANCE_WS_API_URL", "ws://evil.example:9400/ws-api/v3"),
        ]);
        assert!(half_remote.is_err(), "the live stream URL still names Binance, the WS API does not");
        assert!(is_loopback_url("ws://[::1]:1/ws-api/v3") && !is_loopback_url("https://api.binance.com"));
    }

    #[test]
    fn the_simulator_is_one_setting() {
        let s = read(&[
            ("BINANCE_API_KEY", "k"),
            ("BINANCE_API_SECRET", "s"),
            ("BINANCE_LOCAL_URL", "http://127.0.0.1:9400/"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(s.endpoints, Endpoints::local("http://127.0.0.1:9400"));
        assert!(s.custom_endpoints);
    }
}
