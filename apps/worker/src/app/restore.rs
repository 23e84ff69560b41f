//! What start-up checks in the store before trading: the audit chain, orders a crash left open,
//! the risk limits in force, and whether the market data changed since the last run.

use anyhow::Context as _;
use mirai_core::{AuditEvent, CandleSource, Fill, OrderStatus, Qty, Timestamp};
use mirai_store_local::{LocalStore, StoreError};

/// The market data last traded on in this data directory (`replay`, `binance`, `venue`).
const KV_MARKET_DATA: &str = "market_data.source";

/// The market traded on is kept in the store; a run on another one (the replay's clock runs
/// ahead of the wall clock, Binance's does not) is warned about, since the risk gates' days and
/// the ledger's times then jump. A separate `DATA_DIR` per market keeps them apart.
pub(super) fn warn_on_market_switch(store: &LocalStore, source: CandleSource) -> anyhow::Result<()> {
    if let Some(before) = store.get_kv(KV_MARKET_DATA)?
        && before != source.as_str()
    {
        tracing::warn!(before = %before, now = source.as_str(), "this data directory traded on other market data before; the ledger's market times may jump (use a DATA_DIR per market data source)");
    }
    store.set_kv(KV_MARKET_DATA, source.as_str())?;
    Ok(())
}

/// The risk limits to trade with: those an admin set from the dashboard (kept in the store), which
/// win over the environment's and `STRATEGY_FILE`'s from the moment they are set, else
/// `configured`. Stored limits that cannot be read stop the start rather than fall back.
pub(super) fn starting_limits(
    store: &LocalStore,
    configured: &mirai_core::RiskLimits,
) -> anyhow::Result<mirai_core::RiskLimits> {
    match store.risk_limits().context("the risk limits set from the dashboard")? {
        Some(kept) => {
            if &kept.limits != configured {
                tracing::warn!(set_by = %kept.set_by, set_at = %kept.set_at, "risk limits set from the dashboard are in force; the environment's and STRATEGY_FILE's are not used");
            }
            Ok(kept.limits)
        }
        None => Ok(configured.clone()),
    }
}

/// Walks the audit log's hash chain. `Some(reason)` when it is broken: the ledger was changed
/// behind the worker's back (or damaged), so nothing it says can be trusted to trade on, and
/// trading stays blocked (shown in `/api/status`) until the log is restored and the worker
/// restarted. Any other store failure stops the start.
pub(super) fn verify_audit_chain(store: &LocalStore) -> anyhow::Result<Option<String>> {
    match store.verify_audit() {
        Ok(entries) => {
            tracing::info!(entries, "audit log verified");
            Ok(None)
        }
        Err(e @ StoreError::AuditBroken { .. }) => {
            let why = format!(
                "{e}; restore the store from a backup (`mirai audit verify` checks it), then restart"
            );
            tracing::error!(reason = %why, "the audit log does not verify; trading refused");
            Ok(Some(why))
        }
        Err(e) => Err(e).context("verifying the audit log"),
    }
}

/// Orders the store still shows open were lost with the paper exchange's memory when the process
/// stopped: an order with fills on record is settled as filled, any other as cancelled.
pub(super) fn reconcile_open_orders(
    store: &LocalStore,
    fills: &[Fill],
    now: Timestamp,
) -> anyhow::Result<()> {
    for o in store.open_orders()? {
        let filled = fills
            .iter()
            .filter(|f| f.client_order_id == o.request.client_order_id)
            .fold(Qty::ZERO, |acc, f| acc + f.qty);
        let status = if filled.is_zero() { OrderStatus::Canceled } else { OrderStatus::Filled };
        store.update_order(&o.request.client_order_id, status, None, filled, now)?;
        let event = AuditEvent::OrderReconciled {
            client_order_id: o.request.client_order_id.clone(),
            status,
            filled_qty: filled,
        };
        store.record(now, &event)?;
        tracing::warn!(id = %o.request.client_order_id, status = status.as_str(), "reconciled an order left open by the last run");
    }
    Ok(())
}
