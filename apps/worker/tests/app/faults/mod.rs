//! The fault suite: the real `mirai` binary trading on the exchange simulator while things break
//! — SIGKILL at random points (kill.rs), Snowflake and Milvus going away (outage.rs), the market
//! and user-data sockets cut (sockets.rs), 5xx, 429 and 418 storms and a skewed clock
//! (storms.rs) — and, after each, nothing lost, nothing duplicated, the ledger equal to the
//! venue's account.
//!
//! The short form runs in the test command. `MIRAI_FAULTS_LONG=1` is the long form
//! (`scripts/faults.sh`, figures in docs/reliability.md). Random choices are seeded and the seed
//! printed; `MIRAI_FAULTS_SEED=<n>` replays a run. Each test prints `FAULTS <test>: …` lines with
//! its figures (shown with `--nocapture`).

mod kill;
mod outage;
mod sockets;
mod storms;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirai_core::{Amount, Decimal, OrderStatus, Symbol};
use mirai_exchange_sim::{SimConfig, SimHandle};
use mirai_store_local::LocalStore;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::binance::{binance_env, dec_of, sim_with};
use crate::helpers::*;

/// The long form, for `scripts/faults.sh`.
pub fn long_form() -> bool {
    std::env::var("MIRAI_FAULTS_LONG").is_ok_and(|v| v == "1")
}

/// A figure for the long form's summary (and anyone reading the output).
pub fn figure(test: &str, text: impl std::fmt::Display) {
    println!("FAULTS {test}: {text}");
}

/// SplitMix64, seeded from `MIRAI_FAULTS_SEED` or the clock; the seed is printed first.
pub struct Rng(u64);

impl Rng {
    pub fn seeded(test: &str) -> Self {
        let seed =
            std::env::var("MIRAI_FAULTS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        figure(test, format!("seed {seed} (MIRAI_FAULTS_SEED={seed} replays it)"));
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// The simulator the suite trades on: the worker's 10,000 USDT and nothing else (so the ledger
/// and the account compare one to one), and bars only when the test makes them ([`BarPump`]),
/// so that "quiet" means quiet when the books are compared.
pub async fn stepped_sim(adjust: impl FnOnce(&mut SimConfig)) -> Arc<SimHandle> {
    Arc::new(
        sim_with(|c| {
            c.bar_every = None;
            adjust(c);
        })
        .await,
    )
}

/// Makes a bar on every symbol every `every` until stopped: the market, at test speed.
pub struct BarPump {
    stop: watch::Sender<bool>,
    task: JoinHandle<u64>,
}

impl BarPump {
    pub fn start(sim: &Arc<SimHandle>, every: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let sim = sim.clone();
        let task = tokio::spawn(async move {
            let mut bars = 0;
            let mut tick = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        sim.advance(1);
                        bars += 1;
                    }
                    _ = stopped.changed() => return bars,
                }
            }
        });
        Self { stop, task }
    }

    /// Stops it and returns how many bars it made.
    pub async fn stop(self) -> u64 {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or(0)
    }
}

/// Settings that keep the rules trading: the suite wants many orders quickly, and a trade cap, a
/// cooldown, a news embargo or the notional cap (which entries sized at 10 % of equity cross as
/// soon as equity passes 10,000) would leave minutes with nothing happening.
const BUSY: [(&str, &str); 7] = [
    ("STRATEGY_PARAMS", "fast=2,slow=5"),
    ("MAX_TRADES_PER_DAY", "100000"),
    ("MAX_CONSECUTIVE_LOSSES", "1000"),
    ("COOLDOWN_MINUTES", "0"),
    ("EMBARGO_MINUTES_AFTER_NEWS", "0"),
    ("MAX_DAILY_LOSS_PCT", "100"),
    ("MAX_ORDER_NOTIONAL", "100000"),
];

/// The binary's environment: `data_dir`, Binance at `sim` (testnet, auto approval), the busy
/// trading settings, then `extra` (which wins).
pub fn worker_vars(data_dir: &Path, sim: &SimHandle, extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut vars: BTreeMap<String, String> = [
        ("PORT", "0"),
        ("DATA_DIR", data_dir.to_str().expect("utf-8 temp path")),
        ("WEB_PASS", PASSWORD),
        ("JWT_SECRET", JWT_SECRET),
    ]
    .into_iter()
    .chain(BUSY)
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    vars.extend(binance_env(sim, "testnet"));
    vars.extend(extra.iter().cloned());
    vars.into_iter().collect()
}

/// The binary and a logged-in client.
pub struct Worker {
    pub bin: Binary,
    client: reqwest::Client,
    token: String,
}

impl Worker {
    /// Starts the binary and logs in.
    pub async fn start(dir: &Path, vars: &[(String, String)]) -> Self {
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::ready(Binary::start(dir, &pairs)).await
    }

    /// Logs in to a binary that printed its address.
    pub async fn ready(bin: Binary) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        let token = bin.login(&client).await;
        Self { bin, client, token }
    }

    pub async fn get(&self, path: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}{path}", self.bin.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("json")
    }

    pub async fn control(&self, action: &str) -> Value {
        let resp = self
            .client
            .post(format!("{}/api/control", self.bin.base))
            .bearer_auth(&self.token)
            .json(&json!({ "action": action }))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "control {action}");
        resp.json().await.expect("json")
    }

    /// SIGKILL; returns what it printed.
    pub fn kill(self) -> String {
        self.bin.stop()
    }
}

/// Fills booked in the ledger in `data_dir` so far (read beside the running binary).
pub fn ledger_fills(data_dir: &Path) -> usize {
    LocalStore::open(data_dir).and_then(|s| s.all_fills()).map_or(0, |f| f.len())
}

/// The open time (ms) of the last bar of `symbol` the worker traded on, from its ledger.
pub fn last_bar(data_dir: &Path, symbol: &str) -> Option<i64> {
    let key = format!("{}.{symbol}", mirai_worker::trader::KV_FEED_LAST);
    LocalStore::open(data_dir).ok()?.get_kv(&key).ok()??.parse().ok()
}

/// Polls `check` until it answers `Ok`, or fails with its last answer after `secs`.
pub async fn eventually<T>(secs: u64, mut check: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match check().await {
            Ok(v) => return v,
            Err(why) if Instant::now() >= deadline => panic!("after {secs} s: {why}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// What the books hold once they agree.
#[derive(Clone, Copy, Debug, Default)]
pub struct Books {
    /// Orders the venue accepted (each once).
    pub orders: usize,
    /// Trades on the account, every one booked once.
    pub fills: usize,
}

/// No client order id twice at the venue: checked on its own because it never heals.
pub fn assert_no_duplicate_order(sim: &SimHandle) -> usize {
    let ids = sim.client_order_ids();
    let mut seen = BTreeSet::new();
    let twice: Vec<&String> = ids.iter().filter(|id| !seen.insert(*id)).collect();
    assert!(twice.is_empty(), "orders placed twice at the venue: {twice:?}");
    ids.len()
}

/// The ledger in `data_dir` against the venue, once quiet: every order at the venue is in the
/// ledger and at most once at the venue, every trade on the account is booked exactly once (and
/// nothing else is), and the ledger's cash and holdings are the account's balances, to the last
/// digit. Polls (a paused worker may still be answering an order in flight) for up to 20 s.
pub async fn assert_ledger_is_the_account(data_dir: &Path, sim: &SimHandle) -> Books {
    let ledger = LocalStore::open(data_dir).expect("the worker's ledger");
    eventually(20, async || {
        let orders = assert_no_duplicate_order(sim);
        compare(&ledger, sim).map(|fills| Books { orders, fills })
    })
    .await
}

fn compare(ledger: &LocalStore, sim: &SimHandle) -> Result<usize, String> {
    let stored = ledger.orders(usize::MAX).map_err(|e| e.to_string())?;
    let by_id: BTreeMap<&str, OrderStatus> =
        stored.iter().map(|o| (o.request.client_order_id.as_str(), o.status)).collect();
    for id in sim.client_order_ids() {
        if !by_id.contains_key(id.as_str()) {
            return Err(format!("{id} is at the venue but not in the ledger"));
        }
    }
    for o in &stored {
        let id = o.request.client_order_id.as_str();
        if matches!(o.status, OrderStatus::Filled | OrderStatus::PartiallyFilled)
            && sim.orders_with_client_id(id) != 1
        {
            return Err(format!("{id} is {:?} in the ledger but not at the venue", o.status));
        }
    }
    let fills = ledger.all_fills().map_err(|e| e.to_string())?;
    let booked: Vec<(Symbol, String)> =
        fills.iter().map(|f| (f.symbol, f.trade_id.as_str().to_owned())).collect();
    let booked_set: BTreeSet<&(Symbol, String)> = booked.iter().collect();
    if booked_set.len() != booked.len() {
        return Err("a fill is booked twice".into());
    }
    let venue = sim.trade_ids();
    let venue_set: BTreeSet<&(Symbol, String)> = venue.iter().collect();
    let lost: Vec<_> = venue_set.difference(&booked_set).collect();
    if !lost.is_empty() {
        return Err(format!("trades on the account the ledger lacks: {lost:?}"));
    }
    let invented: Vec<_> = booked_set.difference(&venue_set).collect();
    if !invented.is_empty() {
        return Err(format!("fills in the ledger the account never had: {invented:?}"));
    }
    let total = |asset: &str| sim.balance(asset).map_or(Decimal::ZERO, |(free, locked)| free + locked);
    let cash = mirai_worker::trader::cash_from_fills(Amount::new(Decimal::from(10_000)), &fills);
    if cash.get() != total("USDT") {
        return Err(format!("ledger cash {} but the account holds {} USDT", cash.get(), total("USDT")));
    }
    let positions = ledger.positions().map_err(|e| e.to_string())?;
    for (symbol, base) in [("BTCUSDT", "BTC"), ("ETHUSDT", "ETH")] {
        let held =
            positions.iter().find(|p| p.symbol.as_str() == symbol).map_or(Decimal::ZERO, |p| p.qty.get());
        if held != total(base) {
            return Err(format!("ledger holds {held} {base} but the account {}", total(base)));
        }
    }
    Ok(fills.len())
}

/// The ledger's cash and positions as the dashboard shows them agree with the account too (the
/// running engine, not only what it stored).
pub async fn assert_dashboard_is_the_account(w: &Worker, sim: &SimHandle) {
    let total = |asset: &str| sim.balance(asset).map_or(Decimal::ZERO, |(free, locked)| free + locked);
    let positions = w.get("/api/positions").await["positions"].as_array().cloned().expect("positions");
    for (symbol, base) in [("BTCUSDT", "BTC"), ("ETHUSDT", "ETH")] {
        let held =
            positions.iter().find(|p| p["symbol"] == symbol).map_or(Decimal::ZERO, |p| dec_of(&p["qty"]));
        assert_eq!(held, total(base), "{symbol}: the dashboard's position and the account's {base}");
    }
    assert_eq!(dec_of(&w.get("/api/status").await["cash"]), total("USDT"), "the dashboard's cash");
}
