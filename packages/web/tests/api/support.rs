//! Shared fixtures: an in-memory `Backend`, a settable clock, request builders and a caller.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use mirai_core::{
    Amount, ClientOrderId, Confidence, DecisionId, ManualClock, Price, Qty, Side, Symbol, Timestamp, TradeId,
};
use mirai_web::{
    Auth, Backend, BackendError, BackendFuture, BacktestJobView, BacktestRequest, BacktestResultView,
    ControlAction, Ctx, JobStatus, LoginEvent, Mode, PositionView, ProposalStatus, ProposalView,
    SearchHitView, SearchRequest, StatusView, TradeView,
};

pub const USER: &str = "admin";
pub const PASSWORD: &str = "pa55-word-that-must-never-leak";
pub const SECRET: &str = "jwt-secret-that-must-never-leak-0123456789";
pub const SERVICE_TOKEN: &str = "service-token-distinct-from-jwt-secret-42";
/// 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000_000;

/// The clock every harness starts at `T0`; tests move it with [`Harness::set_time`].
pub type TestClock = ManualClock;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An in-memory worker: pause/resume/kill change its status; resume after a kill is refused.
#[derive(Debug)]
pub struct FakeBackend {
    status: Mutex<StatusView>,
    positions: Vec<PositionView>,
    trades: Vec<TradeView>,
    pub actions: Mutex<Vec<ControlAction>>,
    /// Who gave each command, in order.
    pub given_by: Mutex<Vec<String>>,
    pub limits: Mutex<Vec<u32>>,
    pub fail_with: Mutex<Option<BackendError>>,
    /// Backtests asked for; each starts running and finishes when a test says so.
    pub backtests: Mutex<Vec<BacktestJobView>>,
    pub searches: Mutex<Vec<(&'static str, SearchRequest)>>,
    /// Login attempts recorded for the audit log.
    pub logins: Mutex<Vec<LoginEvent>>,
    /// When set, recording a login fails with this error (an audit log that is down).
    pub fail_logins_with: Mutex<Option<BackendError>>,
    /// Proposals held for approval, deliberately out of order (see [`proposal`]).
    pub proposals: Mutex<Vec<ProposalView>>,
    /// Each proposals listing asked for: its status filter and limit.
    pub proposal_queries: Mutex<Vec<(Option<ProposalStatus>, u32)>>,
    /// Each decision asked for: the id, approve (else reject) and who decided.
    pub decided: Mutex<Vec<(String, bool, String)>>,
    /// When set, the risk gates refuse every approval with this reason, as at the price of the
    /// moment they can.
    pub gates_refuse: Mutex<Option<String>>,
}

/// A proposal for order `id`, created at `created` and expiring five minutes later.
pub fn proposal(id: &str, created: i64, side: Side, status: ProposalStatus) -> ProposalView {
    let symbol = Symbol::new(if side == Side::Buy { "BTCUSDT" } else { "ETHUSDT" });
    let qty = Qty::parse("0.00150000").expect("qty");
    let reference_price = Price::parse("62000.10").expect("price");
    ProposalView {
        id: ClientOrderId::new_checked(id).expect("id"),
        decision_id: DecisionId::new("llm", symbol, Timestamp::from_millis(created)),
        symbol,
        side,
        qty,
        reference_price,
        notional: qty * reference_price,
        confidence: Confidence::parse("0.82").expect("confidence"),
        status,
        created_at: Timestamp::from_millis(created),
        expires_at: Timestamp::from_millis(created + 300_000),
        decided_by: None,
        decided_at: None,
        reason: None,
        rationale: Some(format!("<img src=x onerror=alert(1)> momentum on {symbol}")),
        advisor: None,
    }
}

/// The fake's proposals: two pending, one already expired, and one still PENDING but past its
/// time (the worker expires it when someone tries to decide it).
pub fn fake_proposals() -> Vec<ProposalView> {
    let mut expired = proposal("mi-p0-b", T0 - 900_000, Side::Buy, ProposalStatus::Expired);
    expired.reason = Some("not approved in time".into());
    vec![
        proposal("mi-p1-b", T0 - 60_000, Side::Buy, ProposalStatus::Pending),
        expired,
        proposal("mi-p2-s", T0 - 5_000, Side::Sell, ProposalStatus::Pending),
        proposal("mi-p3-b", T0 - 400_000, Side::Buy, ProposalStatus::Pending),
    ]
}

pub fn trade(id: &str, ts: i64, side: Side) -> TradeView {
    TradeView {
        trade_id: TradeId(id.to_owned()),
        ts: Timestamp::from_millis(ts),
        symbol: Symbol::new("BTCUSDT"),
        side,
        qty: Qty::parse("0.00100000").expect("qty"),
        price: Price::parse("62000.10").expect("price"),
        fee: Amount::parse("0.062").expect("fee"),
        client_order_id: ClientOrderId::new_checked(&format!("mi-{id}-b")).expect("id"),
        decision_id: None,
        rationale: None,
        advisor: None,
        confidence: None,
    }
}

impl FakeBackend {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            status: Mutex::new(StatusView {
                mode: Mode::Testnet,
                dry_run: true,
                testnet: true,
                halted: false,
                paused: false,
                symbols: vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")],
                equity: Amount::parse("10012.5").expect("amount"),
                cash: Amount::parse("9950.00").expect("amount"),
                realised_pnl: Amount::parse("-3.25").expect("amount"),
                unrealised_pnl: Amount::parse("15.75").expect("amount"),
                started_at: Timestamp::from_millis(T0 - 3_600_000),
                last_event_at: Some(Timestamp::from_millis(T0 - 1_000)),
                trades_today: 3,
                blocked_reason: None,
                outbox: Vec::new(),
                news: None,
                advisor: mirai_core::AdvisorStats { kind: "rules".into(), ..Default::default() },
            }),
            positions: vec![PositionView {
                symbol: Symbol::new("BTCUSDT"),
                qty: Qty::parse("0.001").expect("qty"),
                avg_price: Some(Price::parse("60000").expect("price")),
                mark: Some(Price::parse("62000.10").expect("price")),
                market_value: Amount::parse("62.0001").expect("amount"),
                unrealised_pnl: Amount::parse("2.0001").expect("amount"),
                realised_pnl: Amount::ZERO,
            }],
            // Deliberately out of order: the web tier must return newest first.
            trades: vec![
                trade("1", T0 - 30_000, Side::Buy),
                trade("3", T0 - 10_000, Side::Sell),
                trade("2", T0 - 20_000, Side::Buy),
            ],
            actions: Mutex::new(Vec::new()),
            given_by: Mutex::new(Vec::new()),
            limits: Mutex::new(Vec::new()),
            fail_with: Mutex::new(None),
            backtests: Mutex::new(Vec::new()),
            searches: Mutex::new(Vec::new()),
            logins: Mutex::new(Vec::new()),
            fail_logins_with: Mutex::new(None),
            proposals: Mutex::new(fake_proposals()),
            proposal_queries: Mutex::new(Vec::new()),
            decided: Mutex::new(Vec::new()),
            gates_refuse: Mutex::new(None),
        })
    }

    /// The searches received, each with the corpus it asked.
    pub fn searches(&self) -> Vec<(&'static str, SearchRequest)> {
        lock(&self.searches).clone()
    }

    fn search(&self, corpus: &'static str, r: SearchRequest) -> Result<Vec<SearchHitView>, BackendError> {
        self.check()?;
        lock(&self.searches).push((corpus, r.clone()));
        // Worst first and more than asked: the web tier must sort and cut.
        Ok((0..r.limit + 2)
            .map(|i| SearchHitView {
                id: format!("{corpus}-{i}"),
                symbol: r.symbol,
                published_at: Timestamp::from_millis(T0 - i64::from(i)),
                source: "fake".into(),
                url: None,
                title: format!("<b>{corpus} {i}</b>"),
                text: r.q.clone(),
                score: i as f32 / 100.0,
            })
            .collect())
    }

    /// The login attempts recorded so far.
    pub fn logins(&self) -> Vec<LoginEvent> {
        lock(&self.logins).clone()
    }

    pub fn fail(&self, e: BackendError) {
        *lock(&self.fail_with) = Some(e);
    }

    pub fn actions(&self) -> Vec<ControlAction> {
        lock(&self.actions).clone()
    }

    pub fn limits(&self) -> Vec<u32> {
        lock(&self.limits).clone()
    }

    /// Marks a backtest done.
    pub fn finish_backtest(&self, id: &str) {
        for job in lock(&self.backtests).iter_mut().filter(|j| j.id == id) {
            job.status = JobStatus::Done;
            job.bars_done = job.bars_total;
        }
    }

    /// The decisions asked for so far: id, approve, by.
    pub fn decided(&self) -> Vec<(String, bool, String)> {
        lock(&self.decided).clone()
    }

    pub fn proposal_queries(&self) -> Vec<(Option<ProposalStatus>, u32)> {
        lock(&self.proposal_queries).clone()
    }

    /// Decides as the worker's trading task does (`decide_proposal` in mirai-live).
    fn decide(&self, id: String, approve: bool, by: String) -> Result<ProposalView, BackendError> {
        self.check()?;
        lock(&self.decided).push((id.clone(), approve, by.clone()));
        let mut list = lock(&self.proposals);
        let p = list
            .iter_mut()
            .find(|p| p.id.as_str() == id)
            .ok_or_else(|| BackendError::NotFound(format!("no proposal {id}")))?;
        if p.status == ProposalStatus::Pending && p.expires_at.millis() <= T0 {
            p.status = ProposalStatus::Expired;
            return Err(BackendError::Refused(format!("proposal {id} expired")));
        }
        if p.status != ProposalStatus::Pending {
            return Err(BackendError::Refused(format!("proposal {id} is {}", p.status.as_str())));
        }
        p.decided_by = Some(by);
        p.decided_at = Some(Timestamp::from_millis(T0));
        if !approve {
            p.status = ProposalStatus::Rejected;
            return Ok(p.clone());
        }
        if let Some(why) = lock(&self.gates_refuse).clone() {
            let why = format!("refused by the risk gates at approval: {why}");
            p.status = ProposalStatus::Failed;
            p.reason = Some(why.clone());
            return Err(BackendError::Refused(why));
        }
        p.status = ProposalStatus::Executed;
        Ok(p.clone())
    }

    fn check(&self) -> Result<(), BackendError> {
        match lock(&self.fail_with).clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn find_job(jobs: &[BacktestJobView], id: &str) -> Result<BacktestJobView, BackendError> {
    jobs.iter()
        .find(|j| j.id == id)
        .cloned()
        .ok_or_else(|| BackendError::NotFound(format!("no backtest {id}")))
}

impl Backend for FakeBackend {
    fn record_login(&self, event: LoginEvent) -> BackendFuture<'_, ()> {
        Box::pin(async move {
            if let Some(e) = lock(&self.fail_logins_with).clone() {
                return Err(e);
            }
            lock(&self.logins).push(event);
            Ok(())
        })
    }

    fn search_news(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(async move { self.search("news", request) })
    }

    fn search_rationales(&self, request: SearchRequest) -> BackendFuture<'_, Vec<SearchHitView>> {
        Box::pin(async move { self.search("rationales", request) })
    }

    fn create_backtest(&self, request: BacktestRequest) -> BackendFuture<'_, BacktestJobView> {
        Box::pin(async move {
            self.check()?;
            if request.strategy != "sma-cross" {
                return Err(BackendError::Invalid(format!("unknown strategy {:?}", request.strategy)));
            }
            if let Some(slow) = request.params.get("slow").map(|v| v.as_text()).filter(|v| v.len() > 6) {
                return Err(BackendError::InvalidField {
                    field: "params.slow".into(),
                    message: format!("{slow} bars is too long a window"),
                });
            }
            let mut jobs = lock(&self.backtests);
            let job = BacktestJobView {
                id: format!("bt-{}", jobs.len() + 1),
                status: JobStatus::Running,
                bars_done: 0,
                bars_total: 2148,
                created_at: Timestamp::from_millis(T0),
                finished_at: None,
                error: None,
                request,
            };
            jobs.push(job.clone());
            Ok(job)
        })
    }

    fn backtest(&self, id: &str) -> BackendFuture<'_, BacktestJobView> {
        let id = id.to_owned();
        Box::pin(async move {
            self.check()?;
            find_job(&lock(&self.backtests), &id)
        })
    }

    fn backtest_result(&self, id: &str) -> BackendFuture<'_, BacktestResultView> {
        let id = id.to_owned();
        Box::pin(async move {
            self.check()?;
            let job = find_job(&lock(&self.backtests), &id)?;
            if job.status != JobStatus::Done {
                return Err(BackendError::Refused(format!("backtest {id} is still running")));
            }
            Ok(BacktestResultView {
                id,
                trades: 46,
                open_trades: 1,
                final_equity: Amount::parse("69336.74099").expect("amount"),
                return_pct: Some(593.3674099),
                max_drawdown_pct: Some(-19.578),
                sharpe: Some(0.9),
                stats: serde_json::json!({ "trades": 46 }),
                trade_list: serde_json::json!([]),
                trade_list_truncated: false,
                open_trade_list: serde_json::json!([]),
                curve: serde_json::json!([]),
            })
        })
    }

    fn status(&self) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            self.check()?;
            Ok(lock(&self.status).clone())
        })
    }

    fn positions(&self) -> BackendFuture<'_, Vec<PositionView>> {
        Box::pin(async move {
            self.check()?;
            Ok(self.positions.clone())
        })
    }

    fn trades(&self, limit: u32) -> BackendFuture<'_, Vec<TradeView>> {
        Box::pin(async move {
            self.check()?;
            lock(&self.limits).push(limit);
            Ok(self.trades.iter().take(limit as usize).cloned().collect())
        })
    }

    fn proposals(&self, status: Option<ProposalStatus>, limit: u32) -> BackendFuture<'_, Vec<ProposalView>> {
        Box::pin(async move {
            self.check()?;
            lock(&self.proposal_queries).push((status, limit));
            // In the stored order, not newest first: the web tier must sort.
            Ok(lock(&self.proposals)
                .iter()
                .filter(|p| status.is_none_or(|s| p.status == s))
                .take(limit as usize)
                .cloned()
                .collect())
        })
    }

    fn decide_proposal(&self, id: String, approve: bool, by: String) -> BackendFuture<'_, ProposalView> {
        Box::pin(async move { self.decide(id, approve, by) })
    }

    fn control(&self, action: ControlAction, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            self.check()?;
            lock(&self.actions).push(action);
            lock(&self.given_by).push(by);
            let mut s = lock(&self.status);
            match action {
                ControlAction::Pause => s.paused = true,
                ControlAction::Resume if s.halted => {
                    return Err(BackendError::Refused(
                        "the worker is halted; restart it to trade again".to_owned(),
                    ));
                }
                ControlAction::Resume => s.paused = false,
                ControlAction::Kill => s.halted = true,
            }
            Ok(s.clone())
        })
    }
}

pub struct Harness {
    pub ctx: Ctx,
    pub backend: Arc<FakeBackend>,
    pub clock: Arc<TestClock>,
}

impl Harness {
    /// Moves the harness's clock to `ms` since the epoch.
    pub fn set_time(&self, ms: i64) {
        self.clock.set(Timestamp::from_millis(ms));
    }
}

/// A context at `T0` over a fresh `FakeBackend`.
pub fn harness() -> Harness {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(T0)));
    let backend = FakeBackend::new();
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth").with_clock(clock.clone());
    Harness { ctx: Ctx::new(auth, backend.clone()), backend, clock }
}

pub fn request(method: Method, path: &str, token: Option<&str>, body: &str) -> Request<Bytes> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if !body.is_empty() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    b.body(Bytes::from(body.to_owned())).expect("request")
}

pub fn get(path: &str, token: Option<&str>) -> Request<Bytes> {
    request(Method::GET, path, token, "")
}

pub fn post(path: &str, token: Option<&str>, body: &str) -> Request<Bytes> {
    request(Method::POST, path, token, body)
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).expect("JSON body")
    }

    /// Asserts the headers every JSON answer carries.
    pub fn assert_json_headers(&self) {
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(self.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(self.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    /// Everything a client sees, for leak checks.
    pub fn everything(&self) -> String {
        format!("{:?} {:?} {}", self.status, self.headers, self.text)
    }
}

pub async fn call(ctx: &Ctx, req: Request<Bytes>) -> Answer {
    let resp = mirai_web::handle(ctx, req).await;
    let (parts, body) = resp.into_parts();
    Answer {
        status: parts.status,
        headers: parts.headers,
        text: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
    }
}

pub async fn login(h: &Harness) -> String {
    let a = call(
        &h.ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.json()["token"].as_str().expect("token").to_owned()
}

/// Unpadded base64url, for hand-made tokens.
pub fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}
