//! Tests of `backend`.

use super::*;

#[test]
fn a_search_service_that_is_down_is_named_without_its_address() {
    let down = NewsError::Vector(VectorError::Unavailable("connect 10.0.0.7:19530 refused".into()));
    let BackendError::DependencyUnavailable(said) = search_error(Collection::Rationales, down) else {
        panic!("a store that is down is a dependency failure");
    };
    assert!(said.starts_with("rationale search is unavailable"), "{said}");
    assert!(!said.contains("10.0.0.7"), "{said}");
    let bad = NewsError::Query("q must not be empty".into());
    assert_eq!(search_error(Collection::News, bad), BackendError::Invalid("q must not be empty".into()));
}

fn decision(at: i64, rationale: &str) -> mirai_core::Decision {
    use mirai_core::{Action, Confidence, DecisionId, Price, Symbol, Timestamp};
    let symbol = Symbol::new("BTCUSDT");
    mirai_core::Decision {
        id: DecisionId::new("llm", symbol, Timestamp::from_millis(at)),
        ts: Timestamp::from_millis(at),
        symbol,
        strategy: "llm".into(),
        action: Action::Buy,
        size_fraction: rust_decimal_macros::dec!(0.1),
        price: Price::parse("62000.1").expect("price"),
        stop_loss: None,
        take_profit: None,
        confidence: Confidence::parse("0.8").expect("confidence"),
        rationale: rationale.to_owned(),
        citations: Vec::new(),
        advisor: Default::default(),
    }
}

fn held(d: &mirai_core::Decision, id: &str) -> Proposal {
    use mirai_core::{OrderKind, OrderRequest, Qty, Side, Timestamp};
    let id = ClientOrderId::new_checked(id).expect("id");
    Proposal {
        id: id.clone(),
        decision_id: d.id.clone(),
        order: OrderRequest {
            client_order_id: id,
            decision_id: d.id.clone(),
            symbol: d.symbol,
            side: Side::Buy,
            kind: OrderKind::Market,
            qty: Qty::parse("0.001").expect("qty"),
            reference_price: d.price,
            created_at: d.ts,
        },
        confidence: d.confidence,
        status: ProposalStatus::Pending,
        created_at: d.ts,
        expires_at: Timestamp::from_millis(d.ts.millis() + 300_000),
        decided_by: None,
        decided_at: None,
        reason: None,
    }
}

#[test]
fn proposals_carry_their_decisions_rationale_placed_or_not() {
    let store = LocalStore::open_in_memory().expect("store");
    let (placed, pending, lost) = (
        decision(1_000, "breakout on volume"),
        decision(2_000, "<b>mean</b> reversion"),
        decision(3_000, "x"),
    );
    for d in [&placed, &pending] {
        store.insert_decision(d).expect("decision");
    }
    let at = mirai_core::Timestamp::from_millis(5_000);
    for (d, id) in [(&placed, "mi-a-b"), (&pending, "mi-b-b"), (&lost, "mi-c-b")] {
        store.journal_proposal(at, &held(d, id)).expect("proposal");
    }
    // The first one was approved and its order placed: found through the ledger's order.
    store.journal_order(at, &held(&placed, "mi-a-b").order).expect("order");

    let views = with_rationales(&store, &store.proposals(None, 10).expect("list")).expect("views");
    let got: Vec<(&str, Option<&str>)> =
        views.iter().map(|v| (v.id.as_str(), v.rationale.as_deref())).collect();
    assert_eq!(
        got,
        [("mi-c-b", None), ("mi-b-b", Some("<b>mean</b> reversion")), ("mi-a-b", Some("breakout on volume"))],
        "newest first; a decision the ledger lacks gives no rationale rather than a wrong one"
    );
    assert_eq!(views[2].notional.to_string(), "62.0001", "qty × reference price");
}

#[test]
fn performance_counts_the_trips_that_exit_in_the_window() {
    use mirai_core::Symbol;
    use rust_decimal::Decimal;
    let trip = |symbol: &str, exit: i64, pnl: i64| RoundTrip {
        symbol: Symbol::new(symbol),
        trip_no: 1,
        entry_time: Timestamp::from_millis(exit - 5),
        exit_time: Timestamp::from_millis(exit),
        qty: Decimal::ONE,
        entry_notional: Decimal::ONE_HUNDRED,
        exit_notional: Decimal::ONE_HUNDRED + Decimal::from(pnl),
        fees: Decimal::ZERO,
        pnl: Decimal::from(pnl),
        opening_decision: None,
        closing_decision: None,
    };
    let trips = || vec![trip("ETHUSDT", 10, 1), trip("BTCUSDT", 20, 2), trip("BTCUSDT", 30, 4)];
    let t = |ms| Some(Timestamp::from_millis(ms));
    // `from` is included and `to` excluded: the exits at 20 only.
    let v = performance_view(t(20), t(30), trips());
    assert_eq!((v.from, v.to), (t(20), t(30)));
    assert_eq!(v.symbols.iter().map(|s| s.symbol).collect::<Vec<_>>(), [Some(Symbol::new("BTCUSDT"))]);
    assert_eq!((v.total.trades, v.total.pnl), (1, Amount::new(Decimal::TWO)));
    assert_eq!(v.definition, mirai_web::PERFORMANCE_DEFINITION);
    // Unbounded: every trip, per symbol sorted by symbol, and 1 + 2 + 4 in total.
    let v = performance_view(None, None, trips());
    let symbols: Vec<_> = v.symbols.iter().map(|s| (s.symbol.map(|s| s.to_string()), s.trades)).collect();
    assert_eq!(symbols, [(Some("BTCUSDT".to_owned()), 2), (Some("ETHUSDT".to_owned()), 1)]);
    assert_eq!((v.total.symbol, v.total.trades, v.total.pnl), (None, 3, Amount::new(Decimal::from(7))));
    // An empty window: zeros and no ratios.
    let v = performance_view(t(31), None, trips());
    assert!(v.symbols.is_empty());
    assert_eq!((v.total.trades, v.total.win_rate, v.total.first_entry), (0, None, None));
}
