//! A simulator per test and a client signed for it.

use std::sync::Arc;
use std::time::Duration;

use mirai_binance::{BinanceHttpClient, Credential, HttpConfig};
use mirai_exchange_sim::{SimConfig, SimHandle, serve};

pub const KEY: &str = "adapter-test-key";
pub const SECRET: &str = "adapter-test-secret-0123456789";

pub async fn sim(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig::new(KEY, SECRET);
    c.bar_every = None;
    // Stepped by hand, faster than real time: room to do so without reaching the wall clock.
    c.past_bars = 10_000;
    c.history_bars = 100;
    adjust(&mut c);
    serve(c).await.expect("simulator starts")
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
