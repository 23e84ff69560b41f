//! `BinanceHttpClient`: Spot REST over reqwest (rustls). Signed requests carry the server-time
//! offset and `recvWindow`; every request goes through the governor first; responses feed it
//! their rate-limit headers; 429/418 open its circuit breaker.

use std::sync::Arc;
use std::time::Duration;

use mirai_core::{Candle, Quote, Symbol, SymbolRules, Timestamp};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use super::error::{LimitHeaders, from_status, from_transport};
use super::governor::{Governor, GovernorConfig, Permit};
use super::models::{self, Account, BookTicker, ExchangeInfo, KlineRow, MyTrade, Order, ServerTime};
use super::parse::{self, Balance};
use super::query::{NewOrder, OrderRef, Query};
use crate::common::codes;
use crate::common::credential::{Credential, SharedCredential};
use crate::common::enums::KlineInterval;
use crate::common::error::{BinanceError, Result};
use crate::common::time::{ServerClock, local_millis};

#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// e.g. `https://testnet.binance.vision` (paths add `/api/v3/…`).
    pub base_url: String,
    /// How long after `timestamp` Binance may still execute a signed request; at most 60,000.
    pub recv_window_ms: u64,
    /// The whole request, connect to last byte. An order past it has an unknown outcome.
    pub timeout: Duration,
    pub governor: GovernorConfig,
}

impl HttpConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            recv_window_ms: 5_000,
            timeout: Duration::from_secs(10),
            governor: GovernorConfig::default(),
        }
    }
}

/// Who may call an endpoint (rest-api.md "Endpoint security type").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    None,
    /// TRADE and USER_DATA: API key header plus timestamp and signature.
    Signed,
}

/// One client per account. Cheap to clone behind an `Arc`; safe to share between tasks.
#[derive(Debug)]
pub struct BinanceHttpClient {
    http: reqwest::Client,
    config: HttpConfig,
    /// Replaceable while running (a rotated key); read once per request.
    credential: Option<SharedCredential>,
    clock: ServerClock,
    governor: Arc<Governor>,
}

impl BinanceHttpClient {
    /// A client for public market data only.
    pub fn public(config: HttpConfig) -> Result<Self> {
        Self::build(config, None)
    }

    /// A client signing with `credential`: a [`Credential`], or a [`SharedCredential`] whose
    /// holder may replace it while the client runs.
    pub fn new(config: HttpConfig, credential: impl Into<SharedCredential>) -> Result<Self> {
        Self::build(config, Some(credential.into()))
    }

    fn build(config: HttpConfig, credential: Option<SharedCredential>) -> Result<Self> {
        if config.recv_window_ms == 0 || config.recv_window_ms > 60_000 {
            return Err(BinanceError::Invalid(format!(
                "recvWindow must be 1 to 60000 ms (got {})",
                config.recv_window_ms
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("mirai/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BinanceError::Invalid(e.to_string()))?;
        let governor = Arc::new(Governor::new(config.governor.clone()));
        Ok(Self { http, config, credential, clock: ServerClock::default(), governor })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// The credential the next request is signed with.
    pub fn credential(&self) -> Option<Arc<Credential>> {
        self.credential.as_ref().map(SharedCredential::current)
    }

    /// The server clock this client signs with (shared with the WebSocket API client).
    pub fn clock(&self) -> &ServerClock {
        &self.clock
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    /// `GET /api/v3/ping`, weight 1.
    pub async fn ping(&self) -> Result<()> {
        let _: serde_json::Value =
            self.call(Method::GET, "/api/v3/ping", Query::new(), Security::None, 1, 0).await?;
        Ok(())
    }

    /// `GET /api/v3/time`, weight 1.
    pub async fn server_time(&self) -> Result<i64> {
        // `send`, not `call`: `call` resynchronises through this method.
        let t: ServerTime =
            self.send(Method::GET, "/api/v3/time", &Query::new(), Security::None, 1, 0).await?;
        Ok(t.server_time)
    }

    /// Measures the offset between our clock and Binance's and signs with it from now on.
    pub async fn sync_time(&self) -> Result<i64> {
        let sent = local_millis();
        let server = self.server_time().await?;
        let offset = self.clock.observe(sent, server, local_millis());
        tracing::debug!(offset_ms = offset, "server time offset measured");
        Ok(offset)
    }

    /// `GET /api/v3/exchangeInfo`, weight 20. Also adopts the venue's rate limits.
    pub async fn exchange_info(&self, symbols: &[Symbol]) -> Result<ExchangeInfo> {
        let mut q = Query::new();
        match symbols {
            [] => {}
            [one] => {
                q.push("symbol", one);
            }
            many => {
                let list: Vec<String> = many.iter().map(|s| format!("\"{s}\"")).collect();
                q.push("symbols", format!("[{}]", list.join(",")));
            }
        }
        let info: ExchangeInfo =
            self.call(Method::GET, "/api/v3/exchangeInfo", q, Security::None, 20, 0).await?;
        self.adopt_rate_limits(&info.rate_limits);
        Ok(info)
    }

    fn adopt_rate_limits(&self, limits: &[models::RateLimit]) {
        let find = |kind: &str, interval: &str, num: u32| {
            limits
                .iter()
                .find(|l| l.rate_limit_type == kind && l.interval == interval && l.interval_num == num)
                .map(|l| l.limit)
        };
        self.governor.set_limits(
            find("REQUEST_WEIGHT", "MINUTE", 1),
            find("ORDERS", "SECOND", 10),
            find("ORDERS", "DAY", 1),
        );
    }

    /// The trading rules of `symbols`, filters compared as decimals.
    pub async fn symbol_rules(&self, symbols: &[Symbol]) -> Result<Vec<SymbolRules>> {
        let info = self.exchange_info(symbols).await?;
        info.symbols.iter().map(parse::symbol_rules).collect()
    }

    /// `GET /api/v3/klines`, weight 2. The last bar is marked open if its close time has not
    /// passed (Binance returns the forming bar last).
    pub async fn klines(
        &self,
        symbol: Symbol,
        interval: KlineInterval,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        limit: u16,
    ) -> Result<Vec<Candle>> {
        let mut q = Query::new();
        q.push("symbol", symbol)
            .push("interval", interval.as_str())
            .push_opt("startTime", start.map(Timestamp::millis))
            .push_opt("endTime", end.map(Timestamp::millis))
            .push("limit", limit.clamp(1, 1000));
        let rows: Vec<KlineRow> = self.call(Method::GET, "/api/v3/klines", q, Security::None, 2, 0).await?;
        let now = self.clock.server_now();
        let last = rows.len().saturating_sub(1);
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                // Only the last row can be the forming bar; any bar followed by another is closed.
                parse::candle(symbol, r, now).map(|mut c| {
                    c.closed |= i < last;
                    c
                })
            })
            .collect()
    }

    /// `GET /api/v3/ticker/bookTicker?symbol=…`, weight 2.
    pub async fn book_ticker(&self, symbol: Symbol) -> Result<Quote> {
        let mut q = Query::new();
        q.push("symbol", symbol);
        let bt: BookTicker =
            self.call(Method::GET, "/api/v3/ticker/bookTicker", q, Security::None, 2, 0).await?;
        parse::quote(&bt, Timestamp::from_millis(self.clock.server_now()))
    }

    /// `GET /api/v3/account`, weight 20.
    pub async fn account(&self) -> Result<Account> {
        self.call(Method::GET, "/api/v3/account", Query::new(), Security::Signed, 20, 0).await
    }

    /// Balances by asset.
    pub async fn balances(&self) -> Result<Vec<Balance>> {
        Ok(parse::balances(&self.account().await?))
    }

    /// `POST /api/v3/order`, weight 1, one order. Validated locally first.
    pub async fn new_order(&self, order: &NewOrder) -> Result<Order> {
        order.validate()?;
        self.call(Method::POST, "/api/v3/order", order.to_query(), Security::Signed, 1, 1).await
    }

    /// `POST /api/v3/order/test`, weight 1: validated by the venue, never sent to the engine.
    pub async fn test_order(&self, order: &NewOrder) -> Result<()> {
        order.validate()?;
        let _: serde_json::Value =
            self.call(Method::POST, "/api/v3/order/test", order.to_query(), Security::Signed, 1, 0).await?;
        Ok(())
    }

    /// `GET /api/v3/order`, weight 4. -2013 ("Order does not exist.") comes back as an error.
    pub async fn query_order(&self, symbol: Symbol, order: &OrderRef) -> Result<Order> {
        let mut q = Query::new();
        q.push("symbol", symbol);
        order.push_to(&mut q);
        self.call(Method::GET, "/api/v3/order", q, Security::Signed, 4, 0).await
    }

    /// `DELETE /api/v3/order`, weight 1.
    pub async fn cancel_order(&self, symbol: Symbol, order: &OrderRef) -> Result<Order> {
        let mut q = Query::new();
        q.push("symbol", symbol);
        order.push_to(&mut q);
        self.call(Method::DELETE, "/api/v3/order", q, Security::Signed, 1, 0).await
    }

    /// `GET /api/v3/openOrders`, weight 6 for one symbol, 80 for all.
    pub async fn open_orders(&self, symbol: Option<Symbol>) -> Result<Vec<Order>> {
        let mut q = Query::new();
        q.push_opt("symbol", symbol);
        let weight = if symbol.is_some() { 6 } else { 80 };
        self.call(Method::GET, "/api/v3/openOrders", q, Security::Signed, weight, 0).await
    }

    /// `GET /api/v3/myTrades`, weight 20 (5 with an order id).
    pub async fn my_trades(
        &self,
        symbol: Symbol,
        order_id: Option<u64>,
        from_id: Option<i64>,
        limit: u16,
    ) -> Result<Vec<MyTrade>> {
        let mut q = Query::new();
        q.push("symbol", symbol)
            .push_opt("orderId", order_id)
            .push_opt("fromId", from_id)
            .push("limit", limit.clamp(1, 1000));
        let weight = if order_id.is_some() { 5 } else { 20 };
        self.call(Method::GET, "/api/v3/myTrades", q, Security::Signed, weight, 0).await
    }

    /// Sends a request; a signed one rejected for its timestamp (-1021, so it changed nothing) is
    /// re-signed once after resynchronising the clock.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &'static str,
        query: Query,
        security: Security,
        weight: u32,
        orders: u32,
    ) -> Result<T> {
        let first = self.send(method.clone(), path, &query, security, weight, orders).await;
        match first {
            Err(BinanceError::Api { code: codes::INVALID_TIMESTAMP, .. }) if security == Security::Signed => {
                tracing::warn!(
                    path,
                    "timestamp outside recvWindow; resynchronising the clock and retrying once"
                );
                self.sync_time().await?;
                self.send(method, path, &query, security, weight, orders).await
            }
            other => other,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &'static str,
        query: &Query,
        security: Security,
        weight: u32,
        orders: u32,
    ) -> Result<T> {
        self.wait_for_budget(weight, orders).await?;
        // Taken once: the key header and the signature come from the same credential even if it
        // is replaced meanwhile.
        let credential = self.credential();
        let qs = match security {
            Security::None => query.encode(),
            Security::Signed => {
                let cred = credential
                    .as_deref()
                    .ok_or_else(|| BinanceError::Invalid(format!("{path} needs an API key")))?;
                query.signed(self.config.recv_window_ms, self.clock.server_now(), cred)
            }
        };
        let url = if qs.is_empty() {
            format!("{}{path}", self.config.base_url)
        } else {
            format!("{}{path}?{qs}", self.config.base_url)
        };
        let mut req = self.http.request(method.clone(), url);
        if let Some(c) = &credential {
            req = req.header("X-MBX-APIKEY", c.api_key());
        }
        let timeout_ms = u64::try_from(self.config.timeout.as_millis()).unwrap_or(u64::MAX);
        let span = tracing::debug_span!("binance_rest", %method, path, weight);
        async move {
            let resp = req.send().await.map_err(|e| from_transport(e, timeout_ms))?;
            let status = resp.status().as_u16();
            let limits = LimitHeaders::read(resp.headers());
            let now = self.clock.server_now();
            self.governor.observe(limits.used_weight_1m, limits.order_count_10s, limits.order_count_1d, now);
            let body = resp.bytes().await.map_err(|e| from_transport(e, timeout_ms))?;
            if (200..300).contains(&status) {
                return serde_json::from_slice(&body)
                    .map_err(|e| BinanceError::Decode(format!("{path}: {e}")));
            }
            let retry_after = if matches!(status, 418 | 429) {
                let ms = self.governor.trip(status, limits.retry_after_ms, now);
                tracing::error!(status, retry_after_ms = ms, "Binance throttled us; circuit breaker open");
                ms
            } else {
                0
            };
            let err = from_status(status, &body, retry_after);
            tracing::debug!(status, error = %err, "request failed");
            Err(err)
        }
        .instrument(span)
        .await
    }

    async fn wait_for_budget(&self, weight: u32, orders: u32) -> Result<()> {
        // Bounded: each wait ends at a window boundary, after which the budget is fresh.
        for _ in 0..4 {
            match self.governor.acquire(weight, orders, self.clock.server_now())? {
                Permit::Go => return Ok(()),
                Permit::Wait(ms) => tokio::time::sleep(Duration::from_millis(ms + 5)).await,
            }
        }
        Err(BinanceError::Budget { what: "request weight per minute", wait_ms: 1_000 })
    }
}
