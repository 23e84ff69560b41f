//! Shared fixtures: an in-memory `Backend`, a settable clock, request builders and a caller.

use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use mirai_core::{
    Action, Amount, ClientOrderId, Confidence, Decimal, DecisionId, ManualClock, Price, Qty, Side, Symbol,
    Timestamp, TradeId,
};
use mirai_web::{
    Auth, Backend, BackendError, BackendFuture, BacktestJobView, BacktestMetricsView, BacktestRequest,
    BacktestResultView, BacktestSummaryView, BacktestsPage, BacktestsQuery, ControlAction, Ctx, DecisionView,
    DecisionsPage, DecisionsQuery, JobStatus, LoginEvent, MemoryUsers, Mode, PerformanceView, PnlPointView,
    PnlQuery, PnlStep, PnlView, PositionView, ProposalStatus, ProposalView, Role, RoundTripView,
    RoundTripsPage, RoundTripsQuery, SearchHitView, SearchRequest, StatusView, SymbolPerformanceView,
    TradeView, UserDirectory, newest_first_page, pnl_step_too_fine,
};

pub const USER: &str = "admin";
/// The other roles' users in [`harness_with_roles`], and their passwords.
pub const TRADER: &str = "tess";
pub const TRADER_PASSWORD: &str = "trader-pa55-that-must-never-leak";
pub const VIEWER: &str = "vic";
pub const VIEWER_PASSWORD: &str = "viewer-pa55-that-must-never-leak";
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
    /// The users the fake worker keeps, once a test sets them (served over the control API).
    pub users: std::sync::OnceLock<Arc<MemoryUsers>>,
    /// Each performance window asked for: from, to.
    pub performance_queries: Mutex<Vec<(Option<Timestamp>, Option<Timestamp>)>>,
    /// Each P&L series, round-trips, decisions and backtests listing asked for.
    pub pnl_queries: Mutex<Vec<PnlQuery>>,
    pub round_trip_queries: Mutex<Vec<RoundTripsQuery>>,
    pub decision_queries: Mutex<Vec<DecisionsQuery>>,
    pub backtest_queries: Mutex<Vec<BacktestsQuery>>,
    /// The admin side: risk limits, the audit log, the live approval, users (`admin.rs`).
    pub admin: crate::admin::FakeAdmin,
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The fake's P&L: snapshots over the three days before `T0` (a minute a point is 4,320 points;
/// the fake refuses any finer step as too fine), of which it shows three, equity falling from
/// 10012.5 to 9990 and ending at 10005.
pub fn fake_pnl(query: &PnlQuery) -> Result<PnlView, BackendError> {
    let step = query.step.or_else(|| PnlStep::parse("1m")).unwrap_or_else(|| panic!("a step"));
    if step.millis() < 60_000 {
        return Err(pnl_step_too_fine(step, 3 * 86_400_000 / step.millis() as u64, PnlStep::parse("1m")));
    }
    let point = |ago: i64, equity: &str| PnlPointView {
        ts: Timestamp::from_millis(T0 - ago),
        equity: Amount::new(dec(equity)),
        cash: Amount::new(dec("9950")),
        realised_pnl: Amount::new(dec("-3.25")),
        unrealised_pnl: Amount::new(dec(equity) - dec("9946.75")),
    };
    Ok(PnlView {
        from: query.from,
        to: query.to,
        step,
        points: vec![point(120_000, "10012.5"), point(60_000, "9990"), point(0, "10005")],
        max_drawdown: Amount::new(dec("22.5")),
        max_drawdown_ratio: Some(dec("0.0022")),
    })
}

/// A round trip on `symbol` exiting `ago` ms before `T0`, with this P&L on 60 paid.
pub fn round_trip(symbol: &str, trip_no: u64, ago: i64, pnl: &str) -> RoundTripView {
    let symbol = Symbol::new(symbol);
    let exit = Timestamp::from_millis(T0 - ago);
    RoundTripView {
        symbol,
        trip_no,
        entry_time: Timestamp::from_millis(T0 - ago - 90_000),
        exit_time: exit,
        qty: dec("0.001"),
        entry_price: Some(dec("60000")),
        exit_price: Some((dec("60") + dec(pnl) + dec("0.12")) / dec("0.001")),
        entry_notional: Amount::new(dec("60")),
        exit_notional: Amount::new(dec("60") + dec(pnl) + dec("0.12")),
        fees: Amount::new(dec("0.12")),
        pnl: Amount::new(dec(pnl)),
        return_fraction: Some((dec(pnl) / dec("60")).round_dp(8)),
        duration_ms: 90_000,
        opening_decision_id: Some(DecisionId::new(
            "sma-cross",
            symbol,
            Timestamp::from_millis(T0 - ago - 90_000),
        )),
        closing_decision_id: Some(DecisionId::new("sma-cross", symbol, exit)),
    }
}

/// The fake's closed trips, deliberately out of order, two exiting at the same time.
pub fn fake_round_trips() -> Vec<RoundTripView> {
    vec![
        round_trip("BTCUSDT", 1, 50_000, "4.25"),
        round_trip("ETHUSDT", 1, 10_000, "-1.5"),
        round_trip("BTCUSDT", 2, 10_000, "0.5"),
        round_trip("BTCUSDT", 3, 1_000, "-0.25"),
        round_trip("ETHUSDT", 2, 5_000, "1"),
    ]
}

/// A decision on `symbol` `ago` ms before `T0`, with `outcome` and nothing sent.
pub fn decision(symbol: &str, ago: i64, action: Action, outcome: &str) -> DecisionView {
    let symbol = Symbol::new(symbol);
    let ts = Timestamp::from_millis(T0 - ago);
    DecisionView {
        decision_id: DecisionId::new("sma-cross", symbol, ts),
        ts,
        symbol,
        strategy: "sma-cross".into(),
        action,
        confidence: Confidence::parse("0.8").expect("confidence"),
        advisor_kind: "rules".into(),
        model: None,
        fallback_reason: None,
        outcome: outcome.into(),
        refused_by: None,
        refusal_reason: None,
        proposal_status: None,
        decided_by: None,
        orders: 0,
        fills: 0,
        filled_qty: Decimal::ZERO,
        notional: Amount::ZERO,
        fees: Amount::ZERO,
        trip_pnl: None,
    }
}

/// The fake's decisions, deliberately out of order: one of each kind, the refused one with its
/// gate and reason, and one where the model's answer was not used.
pub fn fake_decisions() -> Vec<DecisionView> {
    let mut executed = decision("BTCUSDT", 40_000, Action::Buy, "executed");
    (executed.orders, executed.fills, executed.filled_qty) = (1, 1, dec("0.001"));
    (executed.notional, executed.fees) = (Amount::new(dec("60")), Amount::new(dec("0.06")));
    executed.trip_pnl = Some(Amount::new(dec("4.25")));
    let mut refused = decision("ETHUSDT", 20_000, Action::Buy, "refused");
    refused.refused_by = Some("max_position".into());
    refused.refusal_reason = Some("position would be 1200 USDT, above the 1000 allowed".into());
    let mut fallback = decision("BTCUSDT", 10_000, Action::Sell, "no_order");
    fallback.advisor_kind = "fallback".into();
    fallback.model = Some("gpt-4.1-mini".into());
    fallback.fallback_reason = Some("no answer within 8000 ms".into());
    let mut proposal = decision("BTCUSDT", 30_000, Action::Buy, "proposal_pending");
    proposal.proposal_status = Some("PENDING".into());
    vec![
        refused,
        decision("BTCUSDT", 50_000, Action::Hold, "hold"),
        executed,
        fallback,
        proposal,
        decision("ETHUSDT", 60_000, Action::Buy, "rejected_by_exchange"),
        decision("ETHUSDT", 70_000, Action::Buy, "not_filled"),
    ]
}

/// The fake's performance over any window: BTCUSDT and ETHUSDT, and their total.
pub fn fake_performance(from: Option<Timestamp>, to: Option<Timestamp>) -> PerformanceView {
    let amount = |s: &str| Amount::parse(s).expect("amount");
    let ratio = |s: &str| Some(s.parse().expect("ratio"));
    let one =
        |symbol: Option<&str>, trades, wins, losses, win_rate, pnl, fees, gross: (&str, &str), pf, dd| {
            SymbolPerformanceView {
                symbol: symbol.map(Symbol::new),
                trades,
                wins,
                losses,
                win_rate,
                pnl: amount(pnl),
                fees: amount(fees),
                gross_profit: amount(gross.0),
                gross_loss: amount(gross.1),
                profit_factor: pf,
                max_drawdown: amount(dd),
                first_entry: Some(Timestamp::from_millis(T0 - 86_400_000)),
                last_exit: Some(Timestamp::from_millis(T0 - 1_000)),
            }
        };
    PerformanceView::new(
        from,
        to,
        vec![
            one(
                Some("BTCUSDT"),
                2,
                1,
                1,
                ratio("0.5"),
                "4.25",
                "0.124",
                ("10.25", "6"),
                ratio("1.7083"),
                "6",
            ),
            one(Some("ETHUSDT"), 1, 1, 0, ratio("1"), "1.5", "0.05", ("1.5", "0"), None, "0"),
        ],
        one(None, 3, 2, 1, ratio("0.6667"), "5.75", "0.174", ("11.75", "6"), ratio("1.9583"), "6"),
    )
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
        trade_id: TradeId::new(id),
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
                market_data: Some(mirai_core::CandleSource::Venue),
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
            users: std::sync::OnceLock::new(),
            performance_queries: Mutex::new(Vec::new()),
            pnl_queries: Mutex::new(Vec::new()),
            round_trip_queries: Mutex::new(Vec::new()),
            decision_queries: Mutex::new(Vec::new()),
            backtest_queries: Mutex::new(Vec::new()),
            admin: crate::admin::FakeAdmin::new(),
        })
    }

    /// The P&L series asked for so far.
    pub fn pnl_queries(&self) -> Vec<PnlQuery> {
        lock(&self.pnl_queries).clone()
    }

    /// The round-trip pages asked for so far.
    pub fn round_trip_queries(&self) -> Vec<RoundTripsQuery> {
        lock(&self.round_trip_queries).clone()
    }

    /// The decision pages asked for so far.
    pub fn decision_queries(&self) -> Vec<DecisionsQuery> {
        lock(&self.decision_queries).clone()
    }

    /// The backtest pages asked for so far.
    pub fn backtest_queries(&self) -> Vec<BacktestsQuery> {
        lock(&self.backtest_queries).clone()
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

    /// The performance windows asked for so far.
    pub fn performance_queries(&self) -> Vec<(Option<Timestamp>, Option<Timestamp>)> {
        lock(&self.performance_queries).clone()
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

/// What every finished fake backtest found.
pub fn fake_result(id: &str) -> BacktestResultView {
    BacktestResultView {
        id: id.to_owned(),
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
            Ok(fake_result(&id))
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

    fn performance(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> BackendFuture<'_, PerformanceView> {
        Box::pin(async move {
            self.check()?;
            lock(&self.performance_queries).push((from, to));
            Ok(fake_performance(from, to))
        })
    }

    fn pnl(&self, query: PnlQuery) -> BackendFuture<'_, PnlView> {
        Box::pin(async move {
            self.check()?;
            lock(&self.pnl_queries).push(query.clone());
            fake_pnl(&query)
        })
    }

    fn round_trips(&self, query: RoundTripsQuery) -> BackendFuture<'_, RoundTripsPage> {
        Box::pin(async move {
            self.check()?;
            lock(&self.round_trip_queries).push(query.clone());
            let trips = fake_round_trips()
                .into_iter()
                .filter(|t| query.symbol.is_none_or(|s| t.symbol == s))
                .filter(|t| {
                    query.from.is_none_or(|f| t.exit_time >= f) && query.to.is_none_or(|to| t.exit_time < to)
                })
                .collect();
            let key = |t: &RoundTripView| RoundTripsQuery::key(t.exit_time, t.symbol, t.trip_no);
            let (round_trips, next) = newest_first_page(trips, key, query.cursor.as_ref(), query.limit);
            Ok(RoundTripsPage { round_trips, next })
        })
    }

    fn decisions(&self, query: DecisionsQuery) -> BackendFuture<'_, DecisionsPage> {
        Box::pin(async move {
            self.check()?;
            lock(&self.decision_queries).push(query.clone());
            let list = fake_decisions()
                .into_iter()
                .filter(|d| {
                    query.kind.is_none_or(|k| k.matches(d)) && query.symbol.is_none_or(|s| d.symbol == s)
                })
                .collect();
            let key = |d: &DecisionView| DecisionsQuery::key(d.ts, &d.decision_id);
            let (decisions, next) = newest_first_page(list, key, query.cursor.as_ref(), query.limit);
            Ok(DecisionsPage { decisions, next })
        })
    }

    fn backtests(&self, query: BacktestsQuery) -> BackendFuture<'_, BacktestsPage> {
        Box::pin(async move {
            self.check()?;
            lock(&self.backtest_queries).push(query.clone());
            let jobs: Vec<BacktestSummaryView> = lock(&self.backtests)
                .iter()
                .map(|job| {
                    let done = job.status == JobStatus::Done;
                    let metrics = done.then(|| BacktestMetricsView::of(&fake_result(&job.id)));
                    BacktestSummaryView::new(job.clone(), metrics)
                })
                .collect();
            let (backtests, next) =
                newest_first_page(jobs, BacktestsQuery::key, query.cursor.as_ref(), query.limit);
            Ok(BacktestsPage { backtests, next })
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

    fn users(&self) -> Option<&dyn UserDirectory> {
        self.users.get().map(|u| u.as_ref() as &dyn UserDirectory)
    }

    fn risk_limits(&self) -> BackendFuture<'_, mirai_web::RiskLimitsView> {
        Box::pin(async move { self.admin.risk_limits() })
    }

    fn set_risk_limits(
        &self,
        limits: mirai_core::RiskLimits,
        by: String,
    ) -> BackendFuture<'_, mirai_web::RiskLimitsView> {
        Box::pin(async move { self.admin.set_risk_limits(limits, by) })
    }

    fn audit(&self, query: mirai_web::AuditQuery) -> BackendFuture<'_, mirai_web::AuditPage> {
        Box::pin(async move { self.admin.audit(query) })
    }

    fn live_approval(&self) -> BackendFuture<'_, mirai_web::LiveApprovalView> {
        Box::pin(async move { self.admin.live_approval() })
    }

    fn approve_live(
        &self,
        request: mirai_web::LiveApproveRequest,
    ) -> BackendFuture<'_, mirai_web::LiveApprovalView> {
        Box::pin(async move { self.admin.approve_live(request) })
    }

    fn revoke_live(&self, by: String) -> BackendFuture<'_, mirai_web::LiveApprovalView> {
        Box::pin(async move { self.admin.revoke_live(by) })
    }

    fn list_users(&self) -> BackendFuture<'_, Vec<mirai_web::UserView>> {
        Box::pin(async move { self.admin.list_users() })
    }

    fn add_user(&self, user: mirai_web::NewUser, by: String) -> BackendFuture<'_, mirai_web::UserView> {
        Box::pin(async move { self.admin.add_user(user, by) })
    }

    fn update_user(
        &self,
        name: String,
        update: mirai_web::UserUpdate,
        by: String,
    ) -> BackendFuture<'_, mirai_web::UserView> {
        Box::pin(async move { self.admin.update_user(name, update, by) })
    }

    fn remove_user(&self, name: String, by: String) -> BackendFuture<'_, mirai_web::UserView> {
        Box::pin(async move { self.admin.remove_user(name, by) })
    }

    /// As the worker: a pause ends, the kill switch stays (checked in order with the commands).
    fn resume_unless_halted(&self, by: String) -> BackendFuture<'_, StatusView> {
        Box::pin(async move {
            self.check()?;
            lock(&self.actions).push(ControlAction::Resume);
            lock(&self.given_by).push(by);
            let mut s = lock(&self.status);
            if s.halted {
                return Err(BackendError::Refused(
                    "the kill switch is on: only an admin may resume".to_owned(),
                ));
            }
            s.paused = false;
            Ok(s.clone())
        })
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
    /// The users the harness's `Auth` checks: change them and the next request sees it.
    pub users: Arc<MemoryUsers>,
}

impl Harness {
    /// Logs `user` in with `password` and returns the token.
    pub async fn login_as(&self, user: &str, password: &str) -> String {
        let body = serde_json::json!({ "username": user, "password": password }).to_string();
        let a = call(&self.ctx, post("/api/auth/login", None, &body)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.json()["token"].as_str().expect("token").to_owned()
    }

    /// Moves the harness's clock to `ms` since the epoch.
    pub fn set_time(&self, ms: i64) {
        self.clock.set(Timestamp::from_millis(ms));
    }
}

/// A context at `T0` over a fresh `FakeBackend`, with one user: the admin [`USER`].
pub fn harness() -> Harness {
    let users = MemoryUsers::new().with(USER, PASSWORD, Role::Admin).unwrap_or_else(|e| panic!("{e}"));
    harness_of(users)
}

/// [`harness`], with a trader ([`TRADER`]) and a viewer ([`VIEWER`]) beside the admin.
pub fn harness_with_roles() -> Harness {
    let users = MemoryUsers::new()
        .with(USER, PASSWORD, Role::Admin)
        .and_then(|u| u.with(TRADER, TRADER_PASSWORD, Role::Trader))
        .and_then(|u| u.with(VIEWER, VIEWER_PASSWORD, Role::Viewer))
        .unwrap_or_else(|e| panic!("{e}"));
    harness_of(users)
}

fn harness_of(users: MemoryUsers) -> Harness {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(T0)));
    let backend = FakeBackend::new();
    let users = Arc::new(users);
    let auth = Auth::with_users(SECRET.as_bytes(), users.clone())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_clock(clock.clone());
    Harness { ctx: Ctx::new(auth, backend.clone()), backend, clock, users }
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
