//! A simulator per test and a client signed for it.

use std::sync::Arc;
use std::time::Duration;

use mirai_binance::{BinanceHttpClient, Credential, HttpConfig};
use mirai_exchange_sim::{SimConfig, SimHandle};

pub const KEY: &str = "adapter-test-key";
pub const SECRET: &str = "adapter-test-secret-0123456789";

pub async fn sim(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    mirai_exchange_sim::testing::stepped(KEY, SECRET, adjust).await
}

pub fn config(sim: &SimHandle) -> HttpConfig {
    let mut c = HttpConfig::new(sim.base_url());
    c.timeout = Duration::from_millis(1_500);
    c
}

pub fn client(sim: &SimHandle) -> Arc<BinanceHttpClient> {
    let credential = Credential::hmac(KEY, SECRET).expect("credential");
    Arc::new(BinanceHttpClient::new(config(sim), credential).expect("client"))
}
