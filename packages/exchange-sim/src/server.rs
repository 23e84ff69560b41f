//! Starting and driving the simulator: shared state, the bar clock, and the handle tests and the
//! CLI use to step bars, inject faults, cut streams, inspect orders and stop it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mirai_core::{Candle, Symbol, Timestamp};
use serde_json::Value;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::error::SimError;
use crate::exchange::SimExchange;
use crate::faults::OrderFault;
use crate::limits::Limits;
use crate::market::{Market, Tick};

/// Everything the handlers share. Locks are held only inside synchronous sections.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: SimConfig,
    pub limits: Limits,
    pub market: Mutex<Market>,
    pub exchange: Mutex<SimExchange>,
    pub ticks: broadcast::Sender<Arc<Vec<Tick>>>,
    pub user_events: broadcast::Sender<Arc<Value>>,
    pub streams_up: watch::Sender<bool>,
    pub faults: Mutex<VecDeque<OrderFault>>,
    pub stream_connections: AtomicU64,
    /// How far the venue's clock (server time and the timestamp check) is ahead of the wall
    /// clock, in ms: a client's clock skew seen from the venue's side. Rate limits, bans and
    /// bars keep the wall clock.
    pub clock_skew_ms: AtomicI64,
    /// Error answers given so far, by HTTP status and Binance code (REST and the WebSocket API).
    pub errors: Mutex<BTreeMap<(u16, i32), u64>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in a handler must not take the whole venue down with a poisoned lock.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn now_ms() -> i64 {
    mirai_core::Clock::now(&mirai_core::SystemClock).millis()
}

impl Shared {
    /// The venue's clock as clients see it (serverTime, the timestamp check): the wall clock plus
    /// the skew a test set.
    pub fn now(&self) -> i64 {
        now_ms() + self.clock_skew_ms.load(Ordering::Relaxed)
    }

    /// Counts an error answer (see [`SimHandle::errors_answered`]).
    pub fn count_error(&self, status: u16, code: i32) {
        *lock(&self.errors).entry((status, code)).or_default() += 1;
    }

    /// The rest of the bar being formed on every symbol, as one update that closes it.
    pub fn advance(&self) -> Vec<Candle> {
        let wall = now_ms();
        let ticks = lock(&self.market).finish_bar(wall);
        self.apply(ticks, wall)
    }

    /// The market updates due by market time `until` (none past the wall clock), at most `max`.
    pub fn run_until(&self, until: i64, max: usize) -> Vec<Candle> {
        let wall = now_ms();
        let ticks = lock(&self.market).run_until(until, wall, max);
        self.apply(ticks, wall)
    }

    /// Resting orders are matched against each update in turn, then the updates go to the
    /// streams. Returns the bars they closed.
    fn apply(&self, ticks: Vec<Tick>, wall: i64) -> Vec<Candle> {
        if ticks.is_empty() {
            return Vec::new();
        }
        let events = {
            let mut ex = lock(&self.exchange);
            for t in &ticks {
                ex.on_market(&t.segment, &t.quote, wall);
            }
            std::mem::take(&mut ex.outbox)
        };
        self.publish(events);
        let candles = ticks.iter().filter(|t| t.kline.closed).map(|t| t.kline).collect();
        let _ = self.ticks.send(Arc::new(ticks));
        candles
    }

    /// Sends execution reports to user-data subscribers.
    pub fn publish(&self, events: Vec<Value>) {
        for e in events {
            let _ = self.user_events.send(Arc::new(e));
        }
    }
}

/// Updates applied in one go at most (each for every symbol): a clock that fell far behind
/// catches up over several ticks instead of holding the market's lock for long.
const MAX_UPDATES_AT_ONCE: usize = 2_000;

/// A running simulator. [`SimHandle::stop`] shuts it down; dropping it leaves it running until
/// the runtime ends.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    driver: Option<JoinHandle<()>>,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the REST base URL (streams and the WebSocket API are at the
    /// same host, `ws://`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes `bars` bars on every symbol now, each as one update (the rest of the bar being
    /// formed at once: one closed kline, one trade and one book ticker per symbol), matching
    /// resting orders and pushing them to stream subscribers. Returns them in order.
    pub fn advance(&self, bars: usize) -> Vec<Candle> {
        (0..bars).flat_map(|_| self.shared.advance()).collect()
    }

    /// Moves market time on by `by`, update by update as the running simulator does (the open
    /// candle every [`SimConfig::kline_update_every`], each with a trade and a book ticker; bars
    /// closing on the way), matching resting orders and pushing to stream subscribers. Returns the
    /// bars that closed. Market time never passes the wall clock.
    pub fn advance_time(&self, by: Duration) -> Vec<Candle> {
        let until = lock(&self.shared.market).now().saturating_add(millis(by));
        let mut closed = Vec::new();
        loop {
            let before = lock(&self.shared.market).now();
            closed.extend(self.shared.run_until(until, MAX_UPDATES_AT_ONCE));
            let after = lock(&self.shared.market).now();
            if after == before || after >= until {
                return closed;
            }
        }
    }

    /// Market time now (ms): the last update's time. It starts `history + past_bars` bars before
    /// the wall clock and runs `SimConfig::speed` times as fast.
    pub fn market_time(&self) -> Timestamp {
        Timestamp::from_millis(lock(&self.shared.market).now())
    }

    /// Market updates per bar (the open candle's pushes, the last closing it).
    pub fn updates_per_bar(&self) -> u32 {
        lock(&self.shared.market).updates_per_bar()
    }

    /// Queues a fault for the next new order.
    pub fn inject(&self, fault: OrderFault) {
        lock(&self.shared.faults).push_back(fault);
    }

    /// Faults queued and not yet met by an order.
    pub fn faults_pending(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// `false` cuts every market-stream connection and refuses new ones (503) until `true`.
    pub fn set_streams_up(&self, up: bool) {
        // `send_replace`: `send` drops the value when no connection is listening.
        self.shared.streams_up.send_replace(up);
    }

    /// Sets the venue's clock `ms` ahead of the wall clock (negative: behind). A client whose clock
    /// was in step is now skewed by as much, and its signed requests earn -1021 until it
    /// resynchronises.
    pub fn set_clock_skew(&self, ms: i64) {
        self.shared.clock_skew_ms.store(ms, Ordering::Relaxed);
    }

    /// A 429 storm: every request (REST and WebSocket API) is answered 429 with `Retry-After` for
    /// `duration`; a client that sends more than `ban_after_429s` of them anyway is banned (418).
    pub fn throttle(&self, duration: Duration) {
        self.shared.limits.throttle(now_ms() + millis(duration));
    }

    /// A 418 storm: the IP is banned for `duration`, every request answered 418 with
    /// `Retry-After`.
    pub fn ban(&self, duration: Duration) {
        self.shared.limits.ban(now_ms() + millis(duration));
    }

    /// Error answers given so far with this HTTP status and Binance code (429/-1003 throttled,
    /// 418/-1003 banned, 400/-1021 a timestamp outside the window, …).
    pub fn errors_answered(&self, status: u16, code: i32) -> u64 {
        lock(&self.shared.errors).get(&(status, code)).copied().unwrap_or(0)
    }

    /// The client order id of every order the venue accepted, once per order: an id listed twice
    /// is an order placed twice.
    pub fn client_order_ids(&self) -> Vec<String> {
        lock(&self.shared.exchange).client_order_ids()
    }

    /// Every trade on the account, as its symbol and trade id (what myTrades lists, all pages).
    pub fn trade_ids(&self) -> Vec<(Symbol, String)> {
        lock(&self.shared.exchange).trade_ids()
    }

    /// Market-stream connections accepted so far.
    pub fn stream_connections(&self) -> u64 {
        self.shared.stream_connections.load(Ordering::Relaxed)
    }

    /// Orders the venue has accepted.
    pub fn order_count(&self) -> usize {
        lock(&self.shared.exchange).order_count()
    }

    /// Orders accepted with this client order id (0 or 1, unless something resent it).
    pub fn orders_with_client_id(&self, id: &str) -> usize {
        lock(&self.shared.exchange).orders_with_client_id(id)
    }

    /// Closed bars of `symbol` in `[start, end]` by open time, as `/klines` serves them.
    pub fn candles(&self, symbol: Symbol) -> Vec<Candle> {
        lock(&self.shared.market).klines(symbol, None, None, usize::MAX).unwrap_or_default()
    }

    /// Free and locked balance of an asset.
    pub fn balance(&self, asset: &str) -> Option<(mirai_core::Decimal, mirai_core::Decimal)> {
        lock(&self.shared.exchange)
            .balances()
            .into_iter()
            .find(|b| b.asset.as_str() == asset)
            .map(|b| (b.free, b.locked))
    }

    pub async fn stop(mut self) {
        if let Some(d) = self.driver.take() {
            d.abort();
        }
        self.shared.streams_up.send_replace(false);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
    }
}

/// Starts the simulator on `config.listen` and returns once it accepts connections.
pub async fn serve(config: SimConfig) -> Result<SimHandle, SimError> {
    config.validate()?;
    let replays = load_replays(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: config.listen, source })?;
    let market = Market::new(&config, now_ms(), replays);
    let mut exchange = SimExchange::new(&config)?;
    for q in market.quotes() {
        exchange.mark(&q);
    }
    let limits = Limits::new(
        config.weight_per_minute,
        config.orders_per_10s,
        config.orders_per_day,
        config.ban_after_429s,
        config.ban_ms,
    );
    let (ticks, _) = broadcast::channel(1024);
    let (user_events, _) = broadcast::channel(4096);
    let (streams_up, _) = watch::channel(true);
    let shared = Arc::new(Shared {
        config,
        limits,
        market: Mutex::new(market),
        exchange: Mutex::new(exchange),
        ticks,
        user_events,
        streams_up,
        faults: Mutex::new(VecDeque::new()),
        stream_connections: AtomicU64::new(0),
        clock_skew_ms: AtomicI64::new(0),
        errors: Mutex::new(BTreeMap::new()),
    });
    let app = crate::rest::router()
        .merge(crate::ws::router())
        .fallback(crate::rest::not_found)
        .method_not_allowed_fallback(crate::rest::method_not_allowed)
        .with_state(shared.clone());
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = shutdown_rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "exchange simulator stopped");
        }
    });
    let driver = shared.config.bar_every.map(|every| tokio::spawn(drive(shared.clone(), every)));
    tracing::info!(%addr, symbols = shared.config.symbols.len(), interval = %shared.config.interval, "exchange simulator listening");
    Ok(SimHandle { addr, shared, shutdown: Some(shutdown), server: Some(server), driver })
}

/// The market clock: market time runs `interval / every` times as fast as the wall clock, from
/// the open of the bar being formed (or, in real time, from now), and every update due is
/// applied on a timer at the pace of updates. Run faster than real time, a clock held up (a
/// stalled machine) resumes where it stopped instead of pushing the missed bars in a burst: a
/// bar's updates at most per tick, and market time falls behind by what was missed.
async fn drive(s: Arc<Shared>, every: Duration) {
    let interval = s.config.interval_ms().unwrap_or(60_000);
    let updates = lock(&s.market).updates_per_bar().max(1);
    let real_time = millis(every) == interval;
    let start = Instant::now();
    let mut origin = if real_time { now_ms() } else { lock(&s.market).now() };
    // Market milliseconds per wall-clock second.
    let speed = interval as f64 / every.as_secs_f64().max(1e-9);
    let period = (every / updates).max(Duration::from_millis(1));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let until = origin + (start.elapsed().as_secs_f64() * speed) as i64;
        if real_time {
            s.run_until(until, MAX_UPDATES_AT_ONCE);
            continue;
        }
        s.run_until(until, updates as usize);
        let behind = until - lock(&s.market).now();
        if behind > interval {
            origin -= behind;
        }
    }
}

/// The bars of every `--data` file, read with the backtester's CSV reader.
fn load_replays(config: &SimConfig) -> Result<HashMap<Symbol, Vec<Candle>>, SimError> {
    let mut replays = HashMap::new();
    for (symbol, path) in &config.data {
        let bars = mirai_backtest::data::Bars::load(path)
            .map_err(|e| SimError::Config(format!("data for {symbol} ({}): {e}", path.display())))?;
        if bars.is_empty() {
            return Err(SimError::Config(format!("data for {symbol} ({}): no bars", path.display())));
        }
        replays.insert(*symbol, bars.candles(*symbol, 0..bars.len()).collect());
    }
    Ok(replays)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}
