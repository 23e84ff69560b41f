//! Approval modes in the trading task: a held order reaches the executor only after a person
//! approved it and the gates passed again at the price of the moment; an expired or rejected
//! proposal never executes; every step is in the ledger and the audit log.

use std::sync::Mutex;
use std::time::Duration;

use mirai_core::{
    Action, Candle, Confidence, Decimal, Decision, DecisionId, OrderKind, OrderRequest, OrderStatus, Price,
    ProposalStatus, Qty, RiskApproved, RiskLimits, Side,
};
use mirai_engine::{AnyStrategy, EngineConfig, Sizing};
use rust_decimal_macros::dec;

use super::*;
use crate::approval::{ApprovalMode, ApprovalPolicy};

const SYM: &str = "BTCUSDT";

/// Fills every order it is given, after checking that the ledger holds a person's approval for
/// it: the one rule approval modes exist for.
struct Guarded {
    store: Arc<LocalStore>,
    sent: Mutex<Vec<ClientOrderId>>,
}

impl Executor for Guarded {
    async fn submit(&self, order: RiskApproved<OrderRequest>) -> Result<ExecutionReport, ExecError> {
        let o = order.into_inner();
        let p = self.store.proposal(&o.client_order_id).unwrap().expect("every order sent has a proposal");
        assert_eq!(p.status, ProposalStatus::Approved, "sent only once approved");
        assert!(p.decided_by.is_some(), "approved by a person");
        self.sent.lock().unwrap().push(o.client_order_id.clone());
        let fill = Fill {
            trade_id: mirai_core::TradeId::new(format!("t-{}", o.client_order_id)),
            client_order_id: o.client_order_id.clone(),
            symbol: o.symbol,
            side: o.side,
            qty: o.qty,
            price: o.reference_price,
            fee: Amount::ZERO,
            ts: o.created_at,
        };
        Ok(ExecutionReport {
            client_order_id: o.client_order_id,
            exchange_order_id: 1,
            status: OrderStatus::Filled,
            filled_qty: o.qty,
            fills: vec![fill],
        })
    }
    async fn cancel(&self, _: Symbol, _: &ClientOrderId) -> Result<ExecutionReport, ExecError> {
        Err(ExecError::Transport("not used".into()))
    }
    async fn query(&self, _: Symbol, _: &ClientOrderId) -> Result<Option<ExecutionReport>, ExecError> {
        Ok(None)
    }
}

fn trader(store: &Arc<LocalStore>, ttl: Duration) -> Trader<Guarded> {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_000)));
    let config = EngineConfig {
        starting_cash: Amount::new(dec!(10000)),
        fee_rate: dec!(0.001),
        sizing: Sizing::FractionOfEquity(dec!(0.1)),
        limits: RiskLimits::default(),
    };
    let mut engine = Engine::new(config, RuleBasedAdvisor::default(), clock.clone());
    engine.add_symbol(
        Symbol::new(SYM),
        AnyStrategy::from_spec("sma-cross", &[("fast", "5"), ("slow", "20")]).unwrap(),
        None,
    );
    let (tx, _rx) = mpsc::channel(1);
    let setting = Setting {
        mode: Mode::Paper,
        dry_run: true,
        testnet: true,
        started_at: Timestamp::from_millis(0),
        last_event_at: None,
        blocked_reason: None,
        advisor: None,
        market_data: None,
    };
    let shared = Arc::new(Shared::new(Snapshot::of(&engine, setting), store.clone(), tx));
    let exec = Guarded { store: store.clone(), sent: Mutex::new(Vec::new()) };
    let mut t = Trader::new(
        engine,
        clock,
        exec,
        None,
        store.clone(),
        shared,
        Mode::Paper,
        true,
        true,
        Timestamp::from_millis(0),
    )
    .with_approval(ApprovalPolicy { mode: ApprovalMode::Advisor, ttl, ..ApprovalPolicy::default() });
    price(&mut t, dec!(60000));
    t
}

/// The market moves to `p` (the engine's mark, which an approval is judged at).
fn price(t: &mut Trader<Guarded>, p: Decimal) {
    let c = Candle { symbol: Symbol::new(SYM), ..mirai_core::stubs::flat_minute_bar(0, p) };
    t.engine.warm_up(&c);
}

/// An approved buy of 0.01 BTC at 60,000 (600 USDT: within every default limit).
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
    let decision =
        Decision { action: Action::Buy, confidence: Confidence::ONE, ..mirai_core::stubs::decision(n) };
    let decision = Decision { id, ..decision };
    (Outcome { decision, order: Some(Ok(RiskApproved::stub(req))) }, cid)
}

fn decide(id: &ClientOrderId, approve: bool) -> Act {
    Act::Proposal { id: id.clone(), approve }
}

#[tokio::test]
async fn in_advisor_mode_an_order_reaches_the_executor_only_after_a_persons_approval() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(&store, Duration::from_secs(300));
    let (o, cid) = outcome(1);
    t.handle_outcome(o).await.unwrap();
    assert!(t.executor.sent.lock().unwrap().is_empty(), "held, not sent");
    assert_eq!(store.proposal(&cid).unwrap().unwrap().status, ProposalStatus::Pending);
    assert!(store.order(&cid).unwrap().is_none(), "no order exists yet");

    t.command(decide(&cid, true), "alice").await.unwrap();
    assert_eq!(t.executor.sent.lock().unwrap().as_slice(), std::slice::from_ref(&cid));
    let p = store.proposal(&cid).unwrap().unwrap();
    assert_eq!((p.status, p.decided_by.as_deref()), (ProposalStatus::Executed, Some("alice")));
    assert_eq!(store.order(&cid).unwrap().unwrap().status, OrderStatus::Filled);
    assert_eq!(t.engine.portfolio().position(Symbol::new(SYM)).unwrap().qty.get(), dec!(0.01));
    // Approving again changes nothing and says why.
    let again = t.command(decide(&cid, true), "bob").await.unwrap_err();
    assert!(matches!(again, BackendError::Refused(ref m) if m.contains("EXECUTED")), "{again:?}");
    let kinds: Vec<(String, String)> =
        store.audit(20).unwrap().iter().map(|e| (e.kind.clone(), e.actor.clone())).collect();
    assert!(kinds.contains(&("proposal".into(), "alice".into())), "{kinds:?}");
    assert_eq!(t.executor.sent.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_rejected_or_expired_proposal_never_executes() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(&store, Duration::from_secs(300));
    let (o, cid) = outcome(1);
    t.handle_outcome(o).await.unwrap();
    t.command(decide(&cid, false), "alice").await.unwrap();
    let p = store.proposal(&cid).unwrap().unwrap();
    assert_eq!((p.status, p.decided_by.as_deref()), (ProposalStatus::Rejected, Some("alice")));
    assert!(t.command(decide(&cid, true), "alice").await.is_err(), "a rejected proposal stays rejected");

    let mut t = trader(&store, Duration::ZERO);
    let (o, cid) = outcome(2);
    t.handle_outcome(o).await.unwrap();
    let late = t.command(decide(&cid, true), "alice").await.unwrap_err();
    assert!(matches!(late, BackendError::Refused(ref m) if m.contains("expired")), "{late:?}");
    assert_eq!(store.proposal(&cid).unwrap().unwrap().status, ProposalStatus::Expired);
    assert!(t.executor.sent.lock().unwrap().is_empty());
    assert!(matches!(
        t.command(decide(&ClientOrderId::new_checked("mi-none").unwrap(), true), "alice").await,
        Err(BackendError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_approval_after_the_price_moved_past_a_limit_is_refused_by_the_gates() {
    let store = Arc::new(LocalStore::open_in_memory().unwrap());
    let mut t = trader(&store, Duration::from_secs(300));
    let (o, cid) = outcome(1);
    t.handle_outcome(o).await.unwrap();
    // 0.01 BTC at 200,000 is 2,000 USDT: over the 1,000 a single order may carry.
    price(&mut t, dec!(200000));
    let refused = t.command(decide(&cid, true), "alice").await.unwrap_err();
    assert!(matches!(refused, BackendError::Refused(ref m) if m.contains("risk gates")), "{refused:?}");
    let p = store.proposal(&cid).unwrap().unwrap();
    assert_eq!(p.status, ProposalStatus::Failed);
    assert!(p.reason.unwrap().contains("order notional"));
    assert!(t.executor.sent.lock().unwrap().is_empty(), "nothing reached the executor");
    assert_eq!(t.engine.risk_state().trades_today, 0, "a held, then refused, order is no trade");
}
