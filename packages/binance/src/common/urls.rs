//! Where each environment lives: testnet (the default), Demo Mode, live, or explicit URLs (the
//! local simulator).

use std::fmt;
use std::str::FromStr;

/// Which Binance the worker talks to. Testnet is the default; live needs explicit configuration
/// and a recorded approval (checked by the worker, not here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    #[default]
    Testnet,
    /// Demo Mode: realistic prices and live limits, with demo funds.
    Demo,
    Live,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Testnet => "testnet",
            Environment::Demo => "demo",
            Environment::Live => "live",
        }
    }

    pub fn is_live(self) -> bool {
        self == Environment::Live
    }
}

impl FromStr for Environment {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "testnet" => Ok(Environment::Testnet),
            "demo" => Ok(Environment::Demo),
            "live" => Ok(Environment::Live),
            other => Err(format!("unknown Binance environment {other:?} (testnet, demo or live)")),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three base URLs an account needs. `rest` has no trailing slash and no `/api` (paths add
/// `/api/v3/...`); `streams` is the market-stream host (paths add `/ws/...` or `/stream?...`);
/// `ws_api` is the full WebSocket API URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub rest: String,
    pub streams: String,
    pub ws_api: String,
}

impl Endpoints {
    pub fn for_environment(env: Environment) -> Self {
        let (rest, streams, ws_api) = match env {
            Environment::Testnet => (
                "https://testnet.binance.vision",
                "wss://stream.testnet.binance.vision",
                "wss://ws-api.testnet.binance.vision/ws-api/v3",
            ),
            Environment::Demo => (
                "https://demo-api.binance.com",
                "wss://demo-stream.binance.com",
                "wss://demo-ws-api.binance.com/ws-api/v3",
            ),
            Environment::Live => (
                "https://api.binance.com",
                "wss://stream.binance.com:9443",
                "wss://ws-api.binance.com:443/ws-api/v3",
            ),
        };
        Self { rest: rest.into(), streams: streams.into(), ws_api: ws_api.into() }
    }

    /// All three at one host, as the local simulator serves them (`http://127.0.0.1:PORT`).
    pub fn local(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let ws = base.replacen("http://", "ws://", 1).replacen("https://", "wss://", 1);
        Self { rest: base.to_owned(), streams: ws.clone(), ws_api: format!("{ws}/ws-api/v3") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_and_endpoints() {
        assert_eq!(Environment::default(), Environment::Testnet);
        assert_eq!("LIVE".parse::<Environment>(), Ok(Environment::Live));
        assert!("mainnet".parse::<Environment>().is_err());
        let t = Endpoints::for_environment(Environment::Testnet);
        assert!(t.rest.contains("testnet") && t.streams.contains("testnet") && t.ws_api.contains("testnet"));
        let l = Endpoints::local("http://127.0.0.1:9000/");
        assert_eq!(l.rest, "http://127.0.0.1:9000");
        assert_eq!(l.streams, "ws://127.0.0.1:9000");
        assert_eq!(l.ws_api, "ws://127.0.0.1:9000/ws-api/v3");
    }
}
