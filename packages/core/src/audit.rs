//! `AuditEvent`: everything the append-only audit log may hold, one variant per kind of entry,
//! each with the actor it is recorded under. The store writes `kind()`, `actor()` and the
//! variant's fields as the payload; the payloads keep the field names the log has always had, so
//! entries written before and after read alike (in SQLite and in Snowflake's `AUDIT_LOG`).

use serde::{Deserialize, Serialize};

use crate::{
    Action, Amount, ClientOrderId, Confidence, DecisionId, Mode, OrderStatus, Price, ProposalStatus, Qty,
    RiskLimits, Role, Side, Symbol, Timestamp, TradeId,
};

/// Where a booked fill came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillSource {
    /// The venue's answer to an order or its stream (the paper exchange included).
    Exchange,
    /// Found by reconciliation after a restart.
    Reconcile,
}

/// How a login attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// The credentials matched and a token was issued.
    Success,
    /// Unknown user or wrong password (deliberately not told apart).
    Failure,
    /// Refused without checking the password: too many recent failures.
    Throttled,
}

impl LoginOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::Failure => "failure",
            LoginOutcome::Throttled => "throttled",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum AuditEvent {
    /// The engine decided (whatever became of it).
    Decision { id: DecisionId, symbol: Symbol, action: Action, confidence: Confidence },
    /// A risk gate refused the decision's order.
    RiskRefused { decision: DecisionId, gate: String, reason: String },
    /// An approved order, about to be sent.
    Order { client_order_id: ClientOrderId, symbol: Symbol, side: Side, qty: Qty },
    /// The order was not placed: rejected, refused or never sent (`gate` says which).
    OrderRejected { client_order_id: ClientOrderId, gate: String, why: String },
    /// A fill booked into the ledger.
    Fill {
        trade_id: TradeId,
        client_order_id: ClientOrderId,
        side: Side,
        qty: Qty,
        price: Price,
        fee: Amount,
        #[serde(skip)]
        source: FillSource,
    },
    /// An operator's command (pause, resume, kill), with who gave it.
    Control {
        action: String,
        #[serde(skip)]
        by: String,
    },
    /// Trading halted by the system (a fill the ledger could not take).
    Halt { why: String },
    /// An order left open by the last run, settled at start-up.
    OrderReconciled { client_order_id: ClientOrderId, status: OrderStatus, filled_qty: Qty },
    /// An open order the venue has never heard of: it never reached the matching engine.
    OrderNotOnVenue { client_order_id: ClientOrderId, status: OrderStatus, why: String },
    /// Reconciliation with a venue ended: how many orders it resolved and fills it booked, or
    /// why it failed (`ok: false`, new orders are then refused).
    Reconciled {
        venue: String,
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        resolved: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fills_booked: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
    /// The venue could not be reached at start-up; trading is refused.
    VenueUnavailable { venue: String, ok: bool, why: String },
    /// The worker started.
    Startup { mode: Mode, dry_run: bool, testnet: bool, halted: bool, resume_bar: u64 },
    /// A login attempt. The actor is the user on success, `anonymous` otherwise.
    Login { outcome: LoginOutcome, username: String, client: Option<String> },
    /// Failed logins held back by the audit budget, counted in one entry.
    LoginsSuppressed { outcome: &'static str, count: u64, from: i64, to: i64 },
    /// A proposal changed status: held (`by` the engine), approved or rejected by a person,
    /// expired, executed or failed.
    Proposal {
        client_order_id: ClientOrderId,
        status: ProposalStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(skip)]
        by: String,
    },
    /// Live trading approved by a person; `overridden` says which pre-flight checks failed and
    /// why the person approved anyway; `expires_at` when the approval lapses (milliseconds);
    /// `via` how it was given (`cli`, `web`). Entries written before expiry existed have neither.
    LiveApproved {
        action: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        overridden: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        expires_at: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<&'static str>,
        #[serde(skip)]
        by: String,
    },
    /// The live approval withdrawn.
    LiveRevoked {
        action: &'static str,
        was_approved_by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<&'static str>,
        #[serde(skip)]
        by: String,
    },
    /// The risk limits replaced by a person through `via` (`web`): the new ones and those they
    /// replaced, every field of each.
    RiskLimits {
        action: &'static str,
        limits: RiskLimits,
        previous: RiskLimits,
        via: &'static str,
        #[serde(skip)]
        by: String,
    },
    /// A dashboard account added (`add`, or `bootstrap` for the first admin at the first start),
    /// removed, or changed (`passwd`, `role`, `disable`, `enable`), by `by`, through `via` (`cli`,
    /// `start`). The role is the account's after the change. Never the password nor its hash.
    User {
        action: &'static str,
        user: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        role: Option<Role>,
        via: &'static str,
        #[serde(skip)]
        by: String,
    },
}

impl AuditEvent {
    /// A fill booked into the ledger.
    pub fn fill(fill: &crate::Fill, source: FillSource) -> Self {
        AuditEvent::Fill {
            trade_id: fill.trade_id.clone(),
            client_order_id: fill.client_order_id.clone(),
            side: fill.side,
            qty: fill.qty,
            price: fill.price,
            fee: fill.fee,
            source,
        }
    }

    /// Failed logins held back between `from` and `to`.
    pub fn logins_suppressed(count: u64, from: Timestamp, to: Timestamp) -> Self {
        AuditEvent::LoginsSuppressed { outcome: "suppressed", count, from: from.millis(), to: to.millis() }
    }

    pub fn live_approved(by: &str, overridden: Option<String>) -> Self {
        AuditEvent::LiveApproved {
            action: "approve",
            overridden,
            expires_at: None,
            via: None,
            by: by.to_owned(),
        }
    }

    /// Live trading approved by `by` through `via` until `expires_at`.
    pub fn live_approved_until(
        by: &str,
        overridden: Option<String>,
        expires_at: Timestamp,
        via: &'static str,
    ) -> Self {
        AuditEvent::LiveApproved {
            action: "approve",
            overridden,
            expires_at: Some(expires_at.millis()),
            via: Some(via),
            by: by.to_owned(),
        }
    }

    pub fn live_revoked(by: &str, was_approved_by: Option<String>) -> Self {
        AuditEvent::LiveRevoked { action: "revoke", was_approved_by, via: None, by: by.to_owned() }
    }

    /// The live approval withdrawn by `by` through `via`.
    pub fn live_revoked_via(by: &str, was_approved_by: Option<String>, via: &'static str) -> Self {
        AuditEvent::LiveRevoked { action: "revoke", was_approved_by, via: Some(via), by: by.to_owned() }
    }

    /// The risk limits set to `limits` (from `previous`) by `by` through `via`.
    pub fn risk_limits(limits: RiskLimits, previous: RiskLimits, via: &'static str, by: &str) -> Self {
        AuditEvent::RiskLimits { action: "set", limits, previous, via, by: by.to_owned() }
    }

    /// A change to the dashboard account `user` (see [`AuditEvent::User`]).
    pub fn user(action: &'static str, user: &str, role: Option<Role>, via: &'static str, by: &str) -> Self {
        AuditEvent::User { action, user: user.to_owned(), role, via, by: by.to_owned() }
    }

    /// The entry's kind, as the log's `kind` column holds it.
    pub fn kind(&self) -> &'static str {
        match self {
            AuditEvent::Decision { .. } => "decision",
            AuditEvent::RiskRefused { .. } => "risk_refused",
            AuditEvent::Order { .. } => "order",
            AuditEvent::OrderRejected { .. } => "order_rejected",
            AuditEvent::Fill { .. } => "fill",
            AuditEvent::Control { .. } => "control",
            AuditEvent::Halt { .. } => "halt",
            AuditEvent::OrderReconciled { .. }
            | AuditEvent::OrderNotOnVenue { .. }
            | AuditEvent::Reconciled { .. } => "reconcile",
            AuditEvent::VenueUnavailable { .. } => "venue",
            AuditEvent::Startup { .. } => "startup",
            AuditEvent::Login { .. } | AuditEvent::LoginsSuppressed { .. } => "login",
            AuditEvent::LiveApproved { .. } | AuditEvent::LiveRevoked { .. } => "live_approval",
            AuditEvent::Proposal { .. } => "proposal",
            AuditEvent::User { .. } => "user",
            AuditEvent::RiskLimits { .. } => "risk_limits",
        }
    }

    /// Who the entry is recorded under: the engine, a gate, the exchange, the system, or a person.
    pub fn actor(&self) -> &str {
        match self {
            AuditEvent::Decision { .. } | AuditEvent::Order { .. } => "engine",
            AuditEvent::RiskRefused { .. } => "risk",
            AuditEvent::OrderRejected { .. } => "exchange",
            AuditEvent::Fill { source: FillSource::Exchange, .. } => "exchange",
            AuditEvent::Fill { source: FillSource::Reconcile, .. } => "reconcile",
            AuditEvent::Control { by, .. }
            | AuditEvent::Proposal { by, .. }
            | AuditEvent::LiveApproved { by, .. }
            | AuditEvent::LiveRevoked { by, .. }
            | AuditEvent::User { by, .. }
            | AuditEvent::RiskLimits { by, .. } => by,
            AuditEvent::Login { outcome: LoginOutcome::Success, username, .. } => username,
            AuditEvent::Login { .. } => "anonymous",
            AuditEvent::Halt { .. }
            | AuditEvent::OrderReconciled { .. }
            | AuditEvent::OrderNotOnVenue { .. }
            | AuditEvent::Reconciled { .. }
            | AuditEvent::VenueUnavailable { .. }
            | AuditEvent::Startup { .. }
            | AuditEvent::LoginsSuppressed { .. } => "system",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Fill, Symbol};

    fn payload(e: &AuditEvent) -> serde_json::Value {
        serde_json::to_value(e).unwrap()
    }

    #[test]
    fn payloads_keep_the_logs_field_names_and_actors_name_who_acted() {
        let fill = Fill {
            trade_id: TradeId::new("paper-7"),
            client_order_id: ClientOrderId::new_checked("mi-1").unwrap(),
            symbol: Symbol::new("BTCUSDT"),
            side: Side::Buy,
            qty: Qty::new(rust_decimal::Decimal::ONE),
            price: Price::new(rust_decimal::Decimal::from(100)),
            fee: Amount::new(rust_decimal::Decimal::new(1, 1)),
            ts: Timestamp::from_millis(5),
        };
        let e = AuditEvent::fill(&fill, FillSource::Reconcile);
        assert_eq!((e.kind(), e.actor()), ("fill", "reconcile"));
        assert_eq!(
            payload(&e),
            json!({ "trade_id": "paper-7", "client_order_id": "mi-1", "side": "BUY", "qty": "1", "price": "100", "fee": "0.1" })
        );
        let control = AuditEvent::Control { action: "kill".into(), by: "alice".into() };
        assert_eq!((control.kind(), control.actor()), ("control", "alice"));
        assert_eq!(
            payload(&control),
            json!({ "action": "kill" }),
            "the actor is not repeated in the payload"
        );
        let failed =
            AuditEvent::Login { outcome: LoginOutcome::Failure, username: "root".into(), client: None };
        assert_eq!((failed.kind(), failed.actor()), ("login", "anonymous"));
        assert_eq!(payload(&failed), json!({ "outcome": "failure", "username": "root", "client": null }));
        let ok = AuditEvent::Login { outcome: LoginOutcome::Success, username: "admin".into(), client: None };
        assert_eq!(ok.actor(), "admin");
        let done = AuditEvent::Reconciled {
            venue: "testnet".into(),
            ok: true,
            resolved: Some(2),
            fills_booked: Some(1),
            why: None,
        };
        assert_eq!(
            (done.kind(), done.actor(), payload(&done)),
            (
                "reconcile",
                "system",
                json!({ "venue": "testnet", "ok": true, "resolved": 2, "fills_booked": 1 })
            )
        );
        let revoked = AuditEvent::live_revoked("bob", Some("alice".into()));
        assert_eq!((revoked.kind(), revoked.actor()), ("live_approval", "bob"));
        assert_eq!(payload(&revoked), json!({ "action": "revoke", "was_approved_by": "alice" }));
        let added = AuditEvent::user("add", "carol", Some(Role::Trader), "cli", "ops");
        assert_eq!((added.kind(), added.actor()), ("user", "ops"));
        assert_eq!(
            payload(&added),
            json!({ "action": "add", "user": "carol", "role": "trader", "via": "cli" })
        );
        let removed = AuditEvent::user("remove", "carol", None, "cli", "cli");
        assert_eq!(payload(&removed), json!({ "action": "remove", "user": "carol", "via": "cli" }));
        let approved = AuditEvent::live_approved_until("ann", None, Timestamp::from_millis(9), "web");
        assert_eq!((approved.kind(), approved.actor()), ("live_approval", "ann"));
        assert_eq!(payload(&approved), json!({ "action": "approve", "expires_at": 9, "via": "web" }));
        let lower = RiskLimits { max_trades_per_day: 5, ..RiskLimits::default() };
        let set = AuditEvent::risk_limits(lower, RiskLimits::default(), "web", "ann");
        assert_eq!((set.kind(), set.actor()), ("risk_limits", "ann"));
        let p = payload(&set);
        assert_eq!((p["action"].as_str(), p["via"].as_str()), (Some("set"), Some("web")));
        assert_eq!(
            (p["limits"]["max_trades_per_day"].as_u64(), p["previous"]["max_trades_per_day"].as_u64()),
            (Some(5), Some(50))
        );
    }
}
