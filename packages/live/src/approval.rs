//! Approval modes, from the Mirai Agent policy: `auto` places every risk-approved order (the
//! default on paper); `semi` holds live orders and any order over `SEMI_MAX_NOTIONAL` for a
//! person; `advisor` holds every order. A held order is a [`mirai_core::Proposal`].
//!
//! One exception in every mode: the sale a position's stop-loss triggers is placed at once. The
//! person set that limit already; holding the order for their approval would leave the position
//! exposed past it for up to the proposal's lifetime, and an expired proposal would never sell.

use std::time::Duration;

use mirai_core::{Amount, Decision, Mode, OrderRequest};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApprovalMode {
    #[default]
    Auto,
    Semi,
    Advisor,
}

impl ApprovalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Semi => "semi",
            Self::Advisor => "advisor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(Self::Auto),
            "semi" => Some(Self::Semi),
            "advisor" => Some(Self::Advisor),
            _ => None,
        }
    }
}

/// When an order waits for a person, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApprovalPolicy {
    pub mode: ApprovalMode,
    /// In `semi`, orders above this notional (quote currency) are held.
    pub semi_max_notional: Amount,
    /// A proposal not decided within this expires and never executes.
    pub ttl: Duration,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self {
            mode: ApprovalMode::Auto,
            semi_max_notional: Amount::new(rust_decimal::Decimal::ONE_HUNDRED),
            ttl: Duration::from_secs(300),
        }
    }
}

impl ApprovalPolicy {
    /// Whether `order`, approved by the gates for `decision`, waits for a person when trading
    /// in `mode`.
    pub fn holds(&self, order: &OrderRequest, decision: &Decision, mode: Mode) -> bool {
        if decision.strategy == mirai_engine::STOP_LOSS {
            return false;
        }
        match self.mode {
            ApprovalMode::Auto => false,
            ApprovalMode::Advisor => true,
            ApprovalMode::Semi => {
                let price = order.kind.limit_price().unwrap_or(order.reference_price);
                mode == Mode::Live || price * order.qty > self.semi_max_notional
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::{ClientOrderId, DecisionId, OrderKind, Price, Qty, Side, Symbol, Timestamp};
    use rust_decimal_macros::dec;

    fn order(notional_qty: rust_decimal::Decimal) -> OrderRequest {
        let symbol = Symbol::new("BTCUSDT");
        OrderRequest {
            client_order_id: ClientOrderId::new_checked("mi-1").unwrap(),
            decision_id: DecisionId::new("sma", symbol, Timestamp::from_millis(0)),
            symbol,
            side: Side::Buy,
            kind: OrderKind::Market,
            qty: Qty::new(notional_qty),
            reference_price: Price::new(dec!(100)),
            created_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn each_mode_holds_what_the_policy_says() {
        let p = |mode| ApprovalPolicy { mode, ..ApprovalPolicy::default() };
        let small = order(dec!(0.5));
        let large = order(dec!(2));
        let d = mirai_core::stubs::decision(0);
        assert!(!p(ApprovalMode::Auto).holds(&large, &d, Mode::Live));
        assert!(p(ApprovalMode::Advisor).holds(&small, &d, Mode::Paper));
        assert!(!p(ApprovalMode::Semi).holds(&small, &d, Mode::Testnet), "50 is under 100");
        assert!(p(ApprovalMode::Semi).holds(&large, &d, Mode::Testnet), "200 is over 100");
        assert!(p(ApprovalMode::Semi).holds(&small, &d, Mode::Live), "every live order");
        assert_eq!(ApprovalMode::parse(" Semi "), Some(ApprovalMode::Semi));
        assert_eq!(ApprovalMode::parse("yolo"), None);
    }

    #[test]
    fn a_stop_loss_sale_is_never_held_and_other_sales_are() {
        let sale = OrderRequest { side: Side::Sell, ..order(dec!(2)) };
        let stop = Decision {
            strategy: mirai_engine::STOP_LOSS.into(),
            action: mirai_core::Action::Sell,
            ..mirai_core::stubs::decision(0)
        };
        let signal = Decision { action: mirai_core::Action::Sell, ..mirai_core::stubs::decision(0) };
        for mode in [ApprovalMode::Semi, ApprovalMode::Advisor] {
            let p = ApprovalPolicy { mode, ..ApprovalPolicy::default() };
            assert!(!p.holds(&sale, &stop, Mode::Live), "{mode:?}: the stop-loss sells at once");
            assert!(p.holds(&sale, &signal, Mode::Live), "{mode:?}: a strategy's sale waits");
        }
    }
}
