//! `mirai exchange-sim --listen ADDR --api-key KEY --api-secret SECRET`: the simulator as a
//! command. The secret can (and should) come from `MIRAI_SIM_API_SECRET` instead of the command
//! line, where other users of the machine can read it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use mirai_core::{Asset, Decimal, Symbol};

use crate::config::{SimConfig, SimSecret};
use crate::error::SimError;
use crate::server::serve;

impl FromStr for SimSecret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SimSecret::new(s))
    }
}

/// Runs a local Binance-compatible exchange (REST, market streams, WebSocket API).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "exchange-sim")]
pub struct Args {
    /// Address to listen on. Loopback by default.
    #[arg(long, default_value = "127.0.0.1:9400")]
    pub listen: SocketAddr,
    /// The API key clients must send in X-MBX-APIKEY.
    #[arg(long, env = "MIRAI_SIM_API_KEY")]
    pub api_key: String,
    /// The HMAC secret requests are signed with. Prefer the environment variable.
    #[arg(long, env = "MIRAI_SIM_API_SECRET", hide_env_values = true)]
    pub api_secret: SimSecret,
    /// Also accept Ed25519 signatures from this public key (64 hex characters).
    #[arg(long)]
    pub ed25519_public_key: Option<String>,
    /// Kline interval served (1s, 1m, 5m, …).
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// Real milliseconds per bar: market time runs interval / bar-ms times as fast as the clock
    /// (the default closes a 1m bar every 3 s, 20 times real time, and pushes the open candle
    /// every 100 ms). 0 means real time. Never slower than real time.
    #[arg(long, default_value_t = DEFAULT_BAR_MS)]
    pub bar_ms: u64,
    /// Seed of the generated price path.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Closed bars available from /api/v3/klines at start.
    #[arg(long, default_value_t = 1000)]
    pub history: usize,
    /// Opening balances, ASSET=AMOUNT separated by commas. The default is the worker's: its
    /// STARTING_CASH (10,000 USDT) and no coins, so a worker pointed here reconciles and trades.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_BALANCES)]
    pub balances: Vec<String>,
    /// Replay a CSV of bars (the backtester's formats: a timestamp,open,high,low,close,volume
    /// header, or Binance's kline CSV) as SYMBOL's market instead of the generated one: its bars
    /// in order, one per interval, then a random walk from its last close. Repeatable.
    #[arg(long = "data", value_name = "SYMBOL=FILE")]
    pub data: Vec<String>,
    /// Charge buyers' commissions in the base asset, as Binance does (default: quote asset).
    #[arg(long)]
    pub buyer_fee_in_base: bool,
}

/// Real milliseconds per bar unless `--bar-ms` says otherwise: a 1m bar every 3 s.
pub const DEFAULT_BAR_MS: u64 = 3_000;

/// Opening balances unless `--balances` says otherwise: the worker's STARTING_CASH, no coins.
pub const DEFAULT_BALANCES: &str = "USDT=10000,BTC=0,ETH=0";

impl Args {
    pub fn to_config(&self) -> Result<SimConfig, SimError> {
        let mut c = SimConfig::new(self.api_key.clone(), self.api_secret.expose());
        c.listen = self.listen;
        c.interval = self.interval.clone();
        c.seed = self.seed;
        c.history_bars = self.history;
        let interval_ms = c
            .interval_ms()
            .ok_or_else(|| SimError::Config(format!("unknown interval {:?}", self.interval)))?;
        if self.bar_ms == 0 || self.bar_ms >= interval_ms as u64 {
            c.bar_every = Some(Duration::from_millis(interval_ms as u64));
        } else {
            c.bar_every = Some(Duration::from_millis(self.bar_ms));
            // Faster than real time: start far enough back not to reach the wall clock soon.
            c.past_bars = 100_000;
        }
        if let Some(hex_key) = &self.ed25519_public_key {
            c.ed25519_public_key = Some(
                hex::decode(hex_key.trim())
                    .map_err(|_| SimError::Config("--ed25519-public-key is not hex".into()))?,
            );
        }
        let mut balances = Vec::new();
        for b in &self.balances {
            let (asset, amount) = b
                .split_once('=')
                .ok_or_else(|| SimError::Config(format!("balance {b:?} is not ASSET=AMOUNT")))?;
            let asset = Asset::new_checked(asset).map_err(|e| SimError::Config(e.to_string()))?;
            let amount = Decimal::from_str(amount.trim())
                .map_err(|_| SimError::Config(format!("balance {b:?}: not a number")))?;
            balances.push((asset, amount));
        }
        c.balances = balances;
        c.buyer_fee_in_base = self.buyer_fee_in_base;
        for d in &self.data {
            let (symbol, path) = d
                .split_once('=')
                .ok_or_else(|| SimError::Config(format!("--data {d:?} is not SYMBOL=FILE")))?;
            let symbol = Symbol::new_checked(symbol.trim().to_ascii_uppercase().as_str())
                .map_err(|e| SimError::Config(format!("--data {d:?}: {e}")))?;
            c.data.push((symbol, PathBuf::from(path)));
        }
        Ok(c)
    }
}

/// Serves until Ctrl-C.
pub async fn run(args: Args) -> Result<(), SimError> {
    let config = args.to_config()?;
    let speed = config.speed().map_or_else(|| "by hand".to_owned(), |s| format!("{s:.0}x real time"));
    let handle = serve(config).await?;
    println!(
        "exchange-sim listening: REST {0}/api/v3, streams ws://{1}/ws and /stream, WebSocket API ws://{1}/ws-api/v3 \
         ({2} bars, {speed})",
        handle.base_url(),
        handle.addr(),
        args.interval,
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[test]
    fn arguments_become_a_config_and_the_secret_never_prints() {
        let args = Args::try_parse_from([
            "exchange-sim",
            "--api-key",
            "k",
            "--api-secret",
            "very-secret-value",
            "--bar-ms",
            "50",
            "--balances",
            "USDT=5,BTC=0.5",
        ])
        .unwrap();
        assert!(!format!("{args:?}").contains("very-secret-value"));
        let c = args.to_config().unwrap();
        assert_eq!(c.bar_every, Some(Duration::from_millis(50)));
        assert_eq!(c.balances.len(), 2);
        assert_eq!(c.listen.to_string(), "127.0.0.1:9400");
        let defaults = Args::try_parse_from(["exchange-sim", "--api-key", "k", "--api-secret", "s"]).unwrap();
        let d = defaults.to_config().unwrap();
        assert_eq!(d.bar_every, Some(Duration::from_secs(3)), "a 1m bar every 3 s");
        assert_eq!(d.speed(), Some(20.0));
        assert_eq!(d.updates_per_bar(), 30, "the open candle every 2 s of market time");
        assert_eq!(d.balances[0], (Asset::new("USDT"), Decimal::from(10_000)));
        assert!(d.balances[1..].iter().all(|(_, amount)| amount.is_zero()));
        let real =
            Args::try_parse_from(["exchange-sim", "--api-key", "k", "--api-secret", "s", "--bar-ms", "0"])
                .unwrap()
                .to_config()
                .unwrap();
        assert_eq!((real.bar_every, real.past_bars), (Some(Duration::from_secs(60)), 0));
        let replay = Args::try_parse_from([
            "exchange-sim",
            "--api-key",
            "k",
            "--api-secret",
            "s",
            "--data",
            "btcusdt=a.csv",
            "--data",
            "ETHUSDT=b.csv",
        ])
        .unwrap()
        .to_config()
        .unwrap();
        assert_eq!(
            replay.data,
            vec![
                (Symbol::new("BTCUSDT"), PathBuf::from("a.csv")),
                (Symbol::new("ETHUSDT"), PathBuf::from("b.csv"))
            ]
        );
        for bad in ["BTCUSDT", "XRPUSDT=c.csv"] {
            let a =
                Args::try_parse_from(["exchange-sim", "--api-key", "k", "--api-secret", "s", "--data", bad])
                    .unwrap();
            assert!(a.to_config().and_then(|c| c.validate()).is_err(), "{bad}");
        }
        assert!(
            Args::try_parse_from([
                "exchange-sim",
                "--api-key",
                "k",
                "--api-secret",
                "s",
                "--balances",
                "USDT"
            ])
            .unwrap()
            .to_config()
            .is_err()
        );
    }
}
