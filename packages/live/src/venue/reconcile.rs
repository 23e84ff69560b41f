//! Start-up reconciliation with Binance. Before trading, the ledger must agree with the account:
//! every order the store shows open is looked up by its client order id (fills the last run never
//! booked are booked now, orders that never reached the exchange are closed), every open order
//! on the exchange must be one of ours, and the exchange must hold at least what the ledger says
//! we hold. Anything that does not add up is returned as reasons, and trading stays refused.

use std::collections::HashSet;

use mirai_binance::{BinanceError, BinanceHttpClient};
use mirai_core::{
    Amount, AuditEvent, ClientOrderId, Decimal, ExecError, Executor, FillSource, OrderStatus, Position, Qty,
    Symbol, Timestamp, TradeId,
};
use mirai_store_local::{LocalStore, StoreError};

use super::connect::BinanceVenue;

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Binance could not be asked; nothing was changed for the orders not yet reached.
    #[error("cannot reconcile: Binance did not answer ({0}); refusing to trade until it does")]
    Venue(String),
    #[error("cannot reconcile: the local store failed ({0})")]
    Store(#[from] StoreError),
    /// The ledger and the account disagree; each reason says how.
    #[error("refusing to trade: the ledger and the Binance account disagree: {}", .0.join("; "))]
    Mismatch(Vec<String>),
}

impl From<BinanceError> for ReconcileError {
    fn from(e: BinanceError) -> Self {
        ReconcileError::Venue(e.to_string())
    }
}

impl From<ExecError> for ReconcileError {
    fn from(e: ExecError) -> Self {
        ReconcileError::Venue(e.to_string())
    }
}

/// What reconciliation changed in the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Locally open orders and the state Binance reported for them.
    pub resolved: Vec<(ClientOrderId, OrderStatus)>,
    /// Fills booked now that the last run missed.
    pub fills_booked: usize,
}

/// What the ledger expects the account to hold.
#[derive(Clone, Debug)]
pub struct Expected {
    /// `STARTING_CASH`: the ledger's cash is this moved by every stored fill, counted after the
    /// fills reconciliation itself books.
    pub starting_cash: Amount,
    /// Base holdings may fall short of the ledger by this fraction. Fills are booked net of
    /// base-asset commissions, so zero is right unless the account is shared.
    pub tolerance: Decimal,
}

/// Reconciles and, if all adds up, unblocks the executor; otherwise blocks it with the reasons.
pub async fn reconcile(
    store: &LocalStore,
    venue: &BinanceVenue,
    expected: &Expected,
    now: Timestamp,
) -> Result<ReconcileReport, ReconcileError> {
    let result = run(store, venue, expected, now).await;
    match &result {
        Ok(report) => {
            venue.executor.unblock();
            store.record(
                now,
                &AuditEvent::Reconciled {
                    venue: venue.env.as_str().to_owned(),
                    ok: true,
                    resolved: Some(report.resolved.len()),
                    fills_booked: Some(report.fills_booked),
                    why: None,
                },
            )?;
            tracing::info!(
                resolved = report.resolved.len(),
                fills = report.fills_booked,
                "reconciled with Binance"
            );
        }
        Err(e) => {
            venue.executor.block(e.to_string());
            let event = AuditEvent::Reconciled {
                venue: venue.env.as_str().to_owned(),
                ok: false,
                resolved: None,
                fills_booked: None,
                why: Some(e.to_string()),
            };
            if let Err(e) = store.record(now, &event) {
                tracing::error!(error = %e, "the failed reconciliation could not be audited");
            }
            tracing::error!(error = %e, "reconciliation failed; new orders are refused");
        }
    }
    result
}

async fn run(
    store: &LocalStore,
    venue: &BinanceVenue,
    expected: &Expected,
    now: Timestamp,
) -> Result<ReconcileReport, ReconcileError> {
    let mut report = ReconcileReport::default();
    let mut booked: HashSet<(Symbol, TradeId)> =
        store.all_fills()?.into_iter().map(|f| (f.symbol, f.trade_id)).collect();
    let mut still_open: HashSet<ClientOrderId> = HashSet::new();
    for o in store.open_orders()? {
        let req = &o.request;
        let id = &req.client_order_id;
        match venue.executor.query(req.symbol, id).await? {
            Some(r) => {
                for fill in &r.fills {
                    if booked.insert((fill.symbol, fill.trade_id.clone())) {
                        let mut position =
                            store.position(fill.symbol)?.unwrap_or_else(|| Position::flat(fill.symbol));
                        position.apply(fill).map_err(|e| {
                            ReconcileError::Mismatch(vec![format!("fill {} of {id}: {e}", fill.trade_id)])
                        })?;
                        store.journal_fill(fill, &position, None, FillSource::Reconcile)?;
                        report.fills_booked += 1;
                    }
                }
                store.update_order(id, r.status, Some(r.exchange_order_id), r.filled_qty, now)?;
                if r.status.is_open() {
                    still_open.insert(id.clone());
                }
                report.resolved.push((id.clone(), r.status));
            }
            None => {
                // Binance has no order with this id: it never reached the matching engine.
                store.update_order(id, OrderStatus::Rejected, None, Qty::ZERO, now)?;
                let event = AuditEvent::OrderNotOnVenue {
                    client_order_id: id.clone(),
                    status: OrderStatus::Rejected,
                    why: "not on the exchange".into(),
                };
                store.record(now, &event)?;
                report.resolved.push((id.clone(), OrderStatus::Rejected));
            }
        }
    }
    let mut problems = Vec::new();
    let symbols: Vec<Symbol> = venue.rules.iter().map(|r| r.symbol).collect();
    problems.extend(foreign_open_orders(&venue.client, &symbols, &still_open).await?);
    problems.extend(holdings(store, venue, expected).await?);
    if problems.is_empty() { Ok(report) } else { Err(ReconcileError::Mismatch(problems)) }
}

/// Open orders on the exchange that the ledger does not have open.
async fn foreign_open_orders(
    client: &BinanceHttpClient,
    symbols: &[Symbol],
    ours: &HashSet<ClientOrderId>,
) -> Result<Vec<String>, ReconcileError> {
    let mut problems = Vec::new();
    for s in symbols {
        for o in client.open_orders(Some(*s)).await? {
            let known = ClientOrderId::new_checked(&o.client_order_id).is_ok_and(|id| ours.contains(&id));
            if !known {
                problems.push(format!(
                    "open order {} (orderId {}) on {s} is not in the ledger; cancel it on Binance or record it",
                    o.client_order_id, o.order_id
                ));
            }
        }
    }
    Ok(problems)
}

/// The account must hold what the ledger says: each position's base asset, and the cash.
async fn holdings(
    store: &LocalStore,
    venue: &BinanceVenue,
    expected: &Expected,
) -> Result<Vec<String>, ReconcileError> {
    let balances = venue.client.balances().await?;
    let total = |asset| balances.iter().find(|b| b.asset == asset).map_or(Decimal::ZERO, |b| b.total());
    let mut problems = Vec::new();
    for p in store.positions()?.into_iter().filter(|p| !p.is_flat()) {
        let Some(rules) = venue.rules.iter().find(|r| r.symbol == p.symbol) else {
            problems
                .push(format!("the ledger holds {} {} but the symbol is not configured", p.qty, p.symbol));
            continue;
        };
        let held = total(rules.base);
        let floor = p.qty.get() * (Decimal::ONE - expected.tolerance);
        if held < floor {
            problems.push(format!("the ledger holds {} {} but the account has {held}", p.qty, rules.base));
        }
    }
    if let Some(quote) = venue.rules.first().map(|r| r.quote) {
        let held = total(quote);
        let cash = crate::trader::cash_from_fills(expected.starting_cash, &store.all_fills()?);
        if held < cash.get() {
            problems.push(format!(
                "the ledger's cash is {cash} {quote} but the account has {held}; lower STARTING_CASH or fund the account"
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use mirai_binance::NewOrder;
    use mirai_core::{DecisionId, OrderKind, OrderRequest, Price, RiskApproved, Side};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::venue::test_support::{sim, venue};

    fn request(n: i64, side: Side, qty: Decimal) -> OrderRequest {
        let decision = DecisionId::new("sma-cross", Symbol::new("BTCUSDT"), Timestamp::from_millis(n));
        OrderRequest {
            client_order_id: ClientOrderId::for_decision(&decision, side),
            decision_id: decision,
            symbol: Symbol::new("BTCUSDT"),
            side,
            kind: OrderKind::Market,
            qty: Qty::new(qty),
            reference_price: Price::new(dec!(60000)),
            created_at: Timestamp::from_millis(n),
        }
    }

    fn expected() -> Expected {
        Expected { starting_cash: Amount::new(dec!(10000)), tolerance: dec!(0.01) }
    }

    #[tokio::test]
    async fn a_crash_between_order_and_fill_is_repaired_on_restart() {
        let sim = sim(|_| {}).await;
        let venue = venue(&sim).await;
        let store = LocalStore::open_in_memory().unwrap();
        // The last run stored the order, Binance filled it, and the process died before the
        // answer was booked.
        let filled = request(1, Side::Buy, dec!(0.002));
        store.insert_order(&filled, OrderStatus::New).unwrap();
        venue.client.new_order(&NewOrder::from_request(&filled)).await.unwrap();
        // And stored another that never left the machine.
        let lost = request(2, Side::Buy, dec!(0.001));
        store.insert_order(&lost, OrderStatus::New).unwrap();
        assert!(venue.executor.blocked_reason().is_some(), "blocked until reconciled");

        let now = Timestamp::from_millis(1_700_000_000_000);
        let report = reconcile(&store, &venue, &expected(), now).await.unwrap();
        assert_eq!(report.fills_booked, 1);
        assert_eq!(
            report.resolved,
            vec![
                (filled.client_order_id.clone(), OrderStatus::Filled),
                (lost.client_order_id.clone(), OrderStatus::Rejected)
            ]
        );
        let pos = store.position(Symbol::new("BTCUSDT")).unwrap().unwrap();
        assert_eq!(pos.qty.get(), dec!(0.002));
        assert_eq!(store.order(&filled.client_order_id).unwrap().unwrap().status, OrderStatus::Filled);
        assert!(store.open_orders().unwrap().is_empty());
        assert!(venue.executor.blocked_reason().is_none(), "cleared to trade");
        assert!(store.verify_audit().unwrap() > 0);

        // A second restart finds nothing to do and books nothing twice.
        let again = reconcile(&store, &venue, &expected(), now).await.unwrap();
        assert_eq!(again, ReconcileReport::default());
        assert_eq!(store.all_fills().unwrap().len(), 1);
        assert_eq!(sim.orders_with_client_id(filled.client_order_id.as_str()), 1);
        assert_eq!(
            sim.orders_with_client_id(lost.client_order_id.as_str()),
            0,
            "reconciliation never places orders"
        );
        sim.stop().await;
    }

    #[tokio::test]
    async fn a_resting_order_stays_open_and_is_recognised_as_ours() {
        let sim = sim(|_| {}).await;
        let venue = venue(&sim).await;
        let store = LocalStore::open_in_memory().unwrap();
        let mut resting = request(3, Side::Buy, dec!(0.001));
        resting.kind =
            OrderKind::Limit { price: Price::new(dec!(10000)), time_in_force: mirai_core::TimeInForce::Gtc };
        store.insert_order(&resting, OrderStatus::New).unwrap();
        venue.client.new_order(&NewOrder::from_request(&resting)).await.unwrap();
        let report = reconcile(&store, &venue, &expected(), Timestamp::from_millis(1)).await.unwrap();
        assert_eq!(report.resolved, vec![(resting.client_order_id.clone(), OrderStatus::New)]);
        assert_eq!(store.open_orders().unwrap().len(), 1);
        sim.stop().await;
    }

    #[tokio::test]
    async fn what_does_not_add_up_blocks_trading_and_says_why() {
        let sim = sim(|c| {
            c.balances =
                vec![(mirai_core::Asset::new("USDT"), dec!(500)), (mirai_core::Asset::new("BTC"), dec!(0.01))]
        })
        .await;
        let venue = venue(&sim).await;
        let store = LocalStore::open_in_memory().unwrap();
        // Someone placed an order on this account by hand.
        let mut stray = NewOrder::limit(
            Symbol::new("ETHUSDT"),
            Side::Buy,
            Qty::new(dec!(0.1)),
            Price::new(dec!(100)),
            mirai_core::TimeInForce::Gtc,
        );
        stray.client_order_id = Some(ClientOrderId::new_checked("manual-1").unwrap());
        venue.client.new_order(&stray).await.unwrap();
        // And the ledger believes it holds more BTC than the account does.
        let phantom = mirai_core::Fill {
            trade_id: TradeId::new("old-1"),
            client_order_id: ClientOrderId::new_checked("old").unwrap(),
            symbol: Symbol::new("BTCUSDT"),
            side: Side::Buy,
            qty: Qty::new(dec!(0.5)),
            price: Price::new(dec!(60000)),
            fee: Amount::ZERO,
            ts: Timestamp::from_millis(1),
        };
        let mut pos = Position::flat(phantom.symbol);
        pos.apply(&phantom).unwrap();
        store.record_fill(&phantom, &pos).unwrap();

        // Started with 40,000 and spent 30,000 on the phantom BTC: the ledger expects 10,000 USDT.
        let expected = Expected { starting_cash: Amount::new(dec!(40000)), tolerance: dec!(0.01) };
        let err = reconcile(&store, &venue, &expected, Timestamp::from_millis(2)).await.unwrap_err();
        let ReconcileError::Mismatch(reasons) = &err else { panic!("{err}") };
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("manual-1"));
        assert!(reasons[1].contains("0.5 BTC") && reasons[1].contains("0.01"));
        assert!(reasons[2].contains("10000") && reasons[2].contains("STARTING_CASH"));
        let blocked = venue.executor.blocked_reason().unwrap();
        assert!(blocked.contains("manual-1"));
        let refused = venue.executor.submit(RiskApproved::stub(request(9, Side::Buy, dec!(0.001)))).await;
        assert!(matches!(refused, Err(ExecError::Refused(why)) if why.contains("disagree")));
        // Cancels still pass: the kill switch works on a blocked venue.
        let id = ClientOrderId::new_checked("manual-1").unwrap();
        assert_eq!(
            venue.executor.cancel(Symbol::new("ETHUSDT"), &id).await.unwrap().status,
            OrderStatus::Canceled
        );
        let _ = Arc::new(());
        sim.stop().await;
    }

    #[tokio::test]
    async fn an_unreachable_exchange_blocks_trading() {
        let sim = sim(|_| {}).await;
        let venue = venue(&sim).await;
        sim.stop().await;
        let store = LocalStore::open_in_memory().unwrap();
        store.insert_order(&request(4, Side::Buy, dec!(0.001)), OrderStatus::New).unwrap();
        let err = reconcile(&store, &venue, &expected(), Timestamp::from_millis(3)).await.unwrap_err();
        assert!(matches!(err, ReconcileError::Venue(_)), "{err}");
        assert!(venue.executor.blocked_reason().unwrap().contains("did not answer"));
        assert_eq!(store.open_orders().unwrap().len(), 1, "nothing is changed on a guess");
    }
}
