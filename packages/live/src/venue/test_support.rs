//! A simulator per test and the settings that point the worker at it.

use std::sync::Arc;
use std::time::Duration;

use mirai_binance::{Endpoints, Environment, KlineInterval};
use mirai_core::Symbol;
use mirai_exchange_sim::{SimConfig, SimHandle};

use super::approval::{ApprovalSource, NoApproval};
use super::connect::{BinanceVenue, connect};
use super::settings::BinanceSettings;
use secrecy::SecretString;

pub const KEY: &str = "worker-test-key";
pub const SECRET: &str = "worker-test-secret-0123456789";

pub async fn sim(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    mirai_exchange_sim::testing::stepped(KEY, SECRET, adjust).await
}

pub fn settings(sim: &SimHandle, env: Environment) -> BinanceSettings {
    BinanceSettings {
        env,
        endpoints: Endpoints::local(&sim.base_url()),
        custom_endpoints: true,
        api_key: KEY.into(),
        api_secret: Some(SecretString::from(SECRET)),
        private_key_path: None,
        recv_window_ms: 5_000,
        timeout: Duration::from_millis(1_500),
        kline_interval: KlineInterval::M1,
    }
}

pub fn symbols() -> Vec<Symbol> {
    vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]
}

pub async fn venue(sim: &SimHandle) -> BinanceVenue {
    venue_with(sim, Environment::Testnet, Arc::new(NoApproval)).await
}

pub async fn venue_with(
    sim: &SimHandle,
    env: Environment,
    approval: Arc<dyn ApprovalSource>,
) -> BinanceVenue {
    connect(&settings(sim, env), &symbols(), approval).await.expect("connects to the simulator")
}
