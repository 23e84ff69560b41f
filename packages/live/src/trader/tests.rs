//! The trading task's handling of executor answers and venue reports, with a scripted executor:
//! what is booked, what is recorded as rejected, and that nothing halts trading on the way.

use std::collections::VecDeque;
use std::sync::Mutex;

use mirai_core::{
    Action, Confidence, Decimal, Decision, DecisionId, ExchangeError, OrderKind, OrderRequest, OrderStatus,
    Price, Qty, RiskApproved, RiskLimits, Side, TradeId,
};
use mirai_engine::{AnyStrategy, EngineConfig, Sizing};
use rust_decimal_macros::dec;

use super::*;

const SYM: &str = "BTCUSDT";

/// Answers `submit` from a script; `query` finds nothing.
#[derive(Default)]
struct Scripted(Mutex<VecDeque<Result<ExecutionReport, ExecError>>>);

impl Scripted {
    fn with(answers: Vec<Result<ExecutionReport, ExecError>>) -> Self {
        Self(Mutex::new(answers.into()))
    }
}

impl Executor for Scripted {
    async fn submit(&self, _: RiskApproved<mirai_core::OrderRequest>) -> Result<ExecutionReport, ExecError> {
        self.0.lock().unwrap().pop_front().expect("a scripted answer")
    }
    async fn cancel(&self, _: Symbol, _: &ClientOrderId) -> Result<ExecutionReport, ExecError> {
        Err(ExecError::Transport("not scripted".into()))
    }
    async fn query(&self, _: Symbol, _: &ClientOrderId) -> Result<Option<ExecutionReport>, ExecError> {
        Ok(None)
    }
}

fn trader(store: Arc<LocalStore>, exec: Scripted) -> Trader<Scripted> {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_000)));
    let config = EngineConfig {
        starting_cash: Amount::new(dec!(10000)),
        fee_rate: dec!(0.001),
        sizing: Sizing::FractionOfEquity(dec!(0.1)),
        limits: RiskLimits::default(),
    };
    let mut engine = Engine::new(config, RuleBasedAdvisor::default(), clock.clone());
    let strategy = AnyStrategy::from_spec("sma-cross", &[("fast", "5"), ("slow", "20")]).unwrap();
    engine.add_symbol(Symbol::new(SYM), strategy, None);
    let (tx, _rx) = mpsc::channel(1);
    let setting = Setting {
        mode: Mode::Testnet,
        dry_run: false,
        testnet: true,
        started_at: Timestamp::from_millis(0),
        last_event_at: None,
        blocked_reason: None,
        advisor: None,
        market_data: None,
    };
    let shared = Arc::new(Shared::new(Snapshot::of(&engine, setting), store.clone(), tx));
    Trader::new(
        engine,
        clock,
        exec,
        None,
        store,
        shared,
        Mode::Testnet,
        false,
        true,
        Timestamp::from_millis(0),
    )
}

fn outcome(n: i64) -> (Outcome, ClientOrderId) {
    let symbol = Symbol::new(SYM);
    let id = DecisionId::new("sma-cross", symbol, Timestamp::from_millis(n));
    let cid = ClientOrderId::for_decision(&id, Side::Buy);
    let req = OrderRequest {
        client_order_id: cid.clone(),
        decision_id: id.clone(),
        symbol,
        side: Side::Buy,
        kind: OrderKind::Market,
        qty: Qty::new(dec!(0.01)),
        reference_price: Price::new(dec!(60000)),
        created_at: Timestamp::from_millis(n),
    };
    let decision = Decision {
        id,
        ts: Timestamp::from_millis(n),
        symbol,
        strategy: "sma-cross".into(),
        action: Action::Buy,
        size_fraction: dec!(0.1),
        price: Price::new(dec!(60000)),
        stop_loss: None,
        take_profit: None,
        confidence: Confidence::ONE,
        rationale: "test".into(),
        citations: Vec::new(),
        advisor: mirai_core::AdviceSource::Rules,
    };
    (Outcome { decision, order: Some(Ok(RiskApproved::stub(req))) }, cid)
}

fn fill(cid: &ClientOrderId, trade: &str, qty: Decimal) -> Fill {
    Fill {
        trade_id: TradeId::new(trade),
        client_order_id: cid.clone(),
        symbol: Symbol::new(SYM),
        side: Side::Buy,
        qty: Qty::new(qty),
        price: Price::new(dec!(60000)),
        fee: Amount::new(dec!(0.6)),
        ts: Timestamp::from_millis(2_000),
    }
}

fn report(cid: &ClientOrderId, status: OrderStatus, fills: Vec<Fill>) -> ExecutionReport {
    let filled = fills.iter().fold(Qty::ZERO, |a, f| a + f.qty);
    ExecutionReport { client_order_id: cid.clone(), exchange_order_id: 7, status, filled_qty: filled, fills }
}

fn held(t: &Trader<Scripted>) -> Decimal {
    t.engine.portfolio().position(Symbol::new(SYM)).map_or(Decimal::ZERO, |p| p.qty.get())
}

#[tokio::test]
async fn refused_throttled_and_unsent_orders_are_rejected_and_trading_goes_on() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(
        store.clone(),
        Scripted::with(vec![
            Err(ExecError::RateLimited { retry_after_ms: 1_000 }),
            Err(ExecError::Transport("connection refused".into())),
            Err(ExecError::Refused("reconciliation failed".into())),
            Err(ExecError::Rejected(ExchangeError::new(-2010, "Account has insufficient balance"))),
        ]),
    );
    let mut gates = Vec::new();
    for n in 1..=4 {
        let (o, cid) = outcome(n);
        t.handle_outcome(o).await.unwrap();
        assert_eq!(store.order(&cid).unwrap().unwrap().status, OrderStatus::Rejected, "order {n}");
        gates.push(store.risk_events(1).unwrap()[0].gate.clone());
    }
    assert_eq!(gates, ["exchange_unavailable", "exchange_unavailable", "venue_blocked", "exchange"]);
    assert!(!t.engine.risk_state().halted, "no halt for a venue's refusal");
    assert!(store.open_orders().unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_outcome_stays_open_until_the_venue_reports_it() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let (o, cid) = outcome(1);
    let unknown = ExecError::Unknown { client_order_id: cid.clone(), why: "timeout; 5 queries".into() };
    let mut t = trader(store.clone(), Scripted::with(vec![Err(unknown)]));
    t.handle_outcome(o).await.unwrap();
    assert_eq!(store.order(&cid).unwrap().unwrap().status, OrderStatus::New, "never guessed");
    let f = fill(&cid, "41", dec!(0.01));
    t.on_venue_update(VenueUpdate::Fill(f.clone())).await.unwrap();
    t.on_venue_update(VenueUpdate::Closed(report(&cid, OrderStatus::Filled, vec![f]))).await.unwrap();
    let stored = store.order(&cid).unwrap().unwrap();
    assert_eq!((stored.status, stored.exchange_order_id), (OrderStatus::Filled, Some(7)));
    assert_eq!(store.all_fills().unwrap().len(), 1);
    assert_eq!(held(&t), dec!(0.01));
}

#[tokio::test]
async fn a_fill_reported_twice_is_booked_once_even_across_a_restart() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let (o, cid) = outcome(1);
    let f = fill(&cid, "42", dec!(0.01));
    let mut t =
        trader(store.clone(), Scripted::with(vec![Ok(report(&cid, OrderStatus::Filled, vec![f.clone()]))]));
    t.handle_outcome(o).await.unwrap();
    // The same trade again from the user-data stream, and the closure.
    t.on_venue_update(VenueUpdate::Fill(f.clone())).await.unwrap();
    t.on_venue_update(VenueUpdate::Closed(report(&cid, OrderStatus::Filled, vec![f.clone()]))).await.unwrap();
    assert_eq!(store.all_fills().unwrap().len(), 1);
    assert_eq!(held(&t), dec!(0.01), "the engine applied it once");
    // A new process on the same store: the stream may replay it once more.
    let mut again = trader(store.clone(), Scripted::default());
    again.engine.restore(Amount::new(dec!(9399.4)), store.positions().unwrap(), Default::default());
    again.on_venue_update(VenueUpdate::Fill(f)).await.unwrap();
    assert_eq!(store.all_fills().unwrap().len(), 1);
    assert_eq!(held(&again), dec!(0.01));
}

#[tokio::test]
async fn fills_of_orders_mirai_did_not_place_are_not_booked() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(store.clone(), Scripted::default());
    let foreign = ClientOrderId::new_checked("placed-by-hand").unwrap();
    t.on_venue_update(VenueUpdate::Fill(fill(&foreign, "43", dec!(1)))).await.unwrap();
    t.on_venue_update(VenueUpdate::Closed(report(&foreign, OrderStatus::Filled, Vec::new()))).await.unwrap();
    assert!(store.all_fills().unwrap().is_empty());
    assert!(store.order(&foreign).unwrap().is_none());
    assert_eq!(held(&t), Decimal::ZERO);
}

#[tokio::test]
async fn a_fill_the_ledger_cannot_take_halts_trading_and_is_audited() {
    // The one policy of the order lifecycle (`Engine::on_report`), as the backtest applies it.
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let (o, cid) = outcome(1);
    let mut oversell = fill(&cid, "43", dec!(5));
    oversell.side = Side::Sell;
    let mut t =
        trader(store.clone(), Scripted::with(vec![Ok(report(&cid, OrderStatus::Filled, vec![oversell]))]));
    t.handle_outcome(o).await.expect("the step itself succeeds");
    assert!(t.engine.risk_state().halted, "trading halted");
    assert_eq!(store.all_fills().unwrap().len(), 0, "nothing booked that the portfolio refused");
    assert_eq!(
        store.order(&cid).unwrap().unwrap().status,
        OrderStatus::Filled,
        "the venue's status recorded"
    );
    let halt = store.audit(5).unwrap().into_iter().find(|e| e.kind == "halt").expect("the halt is audited");
    assert!(
        halt.payload["why"].as_str().unwrap_or_default().contains("trading halted"),
        "{:?}",
        halt.payload
    );
}

#[tokio::test]
async fn a_resume_that_may_not_lift_the_kill_switch_ends_a_pause_only() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(store.clone(), Scripted::default());
    t.command(Act::Control(ControlAction::Pause), "tess").await.unwrap();
    t.command(Act::ResumeUnlessHalted, "tess").await.expect("a pause ends");
    assert!(!t.engine.risk_state().paused);
    t.command(Act::Control(ControlAction::Kill), "ann").await.unwrap();
    let refused = t.command(Act::ResumeUnlessHalted, "tess").await.expect_err("the kill switch stays");
    assert!(matches!(refused, BackendError::Refused(ref m) if m.contains("only an admin")), "{refused:?}");
    assert!(t.engine.risk_state().halted);
    t.command(Act::Control(ControlAction::Resume), "ann").await.expect("an admin's resume lifts it");
    assert!(!t.engine.risk_state().halted);
    let actors: Vec<(String, String)> = store
        .audit(10)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "control")
        .map(|e| (e.actor, e.payload["action"].as_str().unwrap_or_default().to_owned()))
        .rev()
        .collect();
    let want = [("tess", "pause"), ("tess", "resume"), ("ann", "kill"), ("ann", "resume")];
    assert_eq!(
        actors,
        want.map(|(a, b)| (a.to_owned(), b.to_owned())),
        "the refused resume is not a command"
    );
}

#[tokio::test]
async fn new_risk_limits_are_kept_before_they_apply_and_published() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(store.clone(), Scripted::default());
    let lower = RiskLimits { max_order_notional: Amount::new(dec!(5)), ..RiskLimits::default() };
    let at = Timestamp::from_millis(1_700_000_000_000);
    t.command(Act::SetRiskLimits { limits: lower.clone(), at }, "ann").await.expect("set");
    assert_eq!(t.engine.limits(), &lower, "the next decision is checked against them");
    assert_eq!(t.shared.snapshot().limits, lower, "published");
    let kept = store.risk_limits().unwrap().expect("kept for the next start");
    assert_eq!((kept.limits, kept.set_by.as_str(), kept.set_at), (lower.clone(), "ann", at));
    let entry = store.audit(1).unwrap().remove(0);
    assert_eq!((entry.kind.as_str(), entry.actor.as_str()), ("risk_limits", "ann"));

    let bad = RiskLimits { max_order_notional: Amount::ZERO, ..RiskLimits::default() };
    let refused = t.command(Act::SetRiskLimits { limits: bad, at }, "ann").await.expect_err("invalid");
    assert!(
        matches!(refused, BackendError::Invalid(ref m) if m.contains("max_order_notional")),
        "{refused:?}"
    );
    assert_eq!(t.engine.limits(), &lower, "unchanged");
}
