//! A simulator per test (manual bars, short history) and a minimal signed client written from
//! the docs, independent of `mirai-binance`.

use aws_lc_rs::hmac;
use mirai_exchange_sim::{SimConfig, SimHandle};
use serde_json::Value;

pub const KEY: &str = "sim-test-key";
pub const SECRET: &str = "sim-test-secret-0123456789";

pub async fn start(adjust: impl FnOnce(&mut SimConfig)) -> SimHandle {
    mirai_exchange_sim::testing::stepped(KEY, SECRET, |c| {
        c.history_bars = 50;
        adjust(c);
    })
    .await
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64
}

pub fn sign(payload: &str) -> String {
    hex::encode(
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes()), payload.as_bytes()).as_ref(),
    )
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> i64 {
        self.body["code"].as_i64().unwrap_or(0)
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    pub fn new(sim: &SimHandle) -> Self {
        Self { http: reqwest::Client::new(), base: sim.base_url() }
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, query: &str, key: Option<&str>) -> Answer {
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let mut req = self.http.request(method, url);
        if let Some(k) = key {
            req = req.header("X-MBX-APIKEY", k);
        }
        let resp = req.send().await.expect("request reaches the simulator");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(Value::Null);
        Answer { status, headers, body }
    }

    pub async fn public(&self, path: &str, query: &str) -> Answer {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    /// Appends `timestamp` and a signature over exactly the query sent.
    pub async fn signed(&self, method: reqwest::Method, path: &str, query: &str) -> Answer {
        let q = if query.is_empty() {
            format!("timestamp={}", now_ms())
        } else {
            format!("{query}&timestamp={}", now_ms())
        };
        let q = format!("{q}&signature={}", sign(&q));
        self.send(method, path, &q, Some(KEY)).await
    }
}
