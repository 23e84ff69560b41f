//! `Position`: a spot holding with exact average-cost accounting.
//!
//! The cost basis is kept as a total, not as an average price, so that conservation holds exactly:
//! every unit of quote currency paid for the asset is either still in `cost` or has been released
//! into realised P&L. The average price is derived for display only.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{Amount, Fill, Price, Qty, Side, Symbol, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Quote currency paid for the units still held, excluding fees.
    pub cost: Amount,
    /// Realised profit and loss net of every fee paid on this symbol.
    pub realised_pnl: Amount,
    pub fees: Amount,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PositionError {
    #[error("cannot sell {wanted} {symbol}: only {held} held (spot has no short selling)")]
    Oversell { symbol: Symbol, wanted: Qty, held: Qty },
    #[error("fill for {got} applied to the {expected} position")]
    WrongSymbol { expected: Symbol, got: Symbol },
}

/// Decimal places kept when part of a cost basis is released on a partial sell.
const COST_DP: u32 = 12;

impl Position {
    pub fn flat(symbol: Symbol) -> Self {
        Self {
            symbol,
            qty: Qty::ZERO,
            cost: Amount::ZERO,
            realised_pnl: Amount::ZERO,
            fees: Amount::ZERO,
            updated_at: Timestamp::default(),
        }
    }

    pub fn is_flat(&self) -> bool {
        self.qty.is_zero()
    }

    /// The volume-weighted average entry price of what is held.
    pub fn avg_price(&self) -> Option<Price> {
        if self.qty.is_zero() {
            return None;
        }
        Price::new_checked(self.cost.get() / self.qty.get()).ok()
    }

    pub fn market_value(&self, mark: Price) -> Amount {
        mark * self.qty
    }

    pub fn unrealised_pnl(&self, mark: Price) -> Amount {
        self.market_value(mark) - self.cost
    }

    /// Applies a fill and returns the P&L it realised (net of its fee).
    pub fn apply(&mut self, fill: &Fill) -> Result<Amount, PositionError> {
        if fill.symbol != self.symbol {
            return Err(PositionError::WrongSymbol { expected: self.symbol, got: fill.symbol });
        }
        let realised = match fill.side {
            Side::Buy => {
                self.qty += fill.qty;
                self.cost += fill.notional();
                -fill.fee
            }
            Side::Sell => {
                if fill.qty > self.qty {
                    return Err(PositionError::Oversell {
                        symbol: self.symbol,
                        wanted: fill.qty,
                        held: self.qty,
                    });
                }
                let released = if fill.qty == self.qty {
                    self.cost
                } else {
                    // Rounded so that `cost - released` never needs more than 28 digits, which
                    // is what keeps the conservation below exact rather than nearly so.
                    Amount::new((self.cost.get() * fill.qty.get() / self.qty.get()).round_dp(COST_DP))
                };
                self.qty = self.qty.saturating_sub(fill.qty);
                self.cost -= released;
                fill.notional() - released - fill.fee
            }
        };
        self.fees += fill.fee;
        self.realised_pnl += realised;
        self.updated_at = fill.ts;
        Ok(realised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn fill(side: Side, qty: Decimal, price: Decimal, fee: Decimal) -> Fill {
        crate::stubs::fill("BTCUSDT", side, qty, price, fee, 1)
    }

    #[test]
    fn average_cost_and_realised_pnl() {
        let mut p = Position::flat(Symbol::new("BTCUSDT"));
        p.apply(&fill(Side::Buy, dec!(1), dec!(100), dec!(0.1))).unwrap();
        p.apply(&fill(Side::Buy, dec!(1), dec!(200), dec!(0.2))).unwrap();
        assert_eq!(p.avg_price().unwrap().get(), dec!(150));
        let r = p.apply(&fill(Side::Sell, dec!(1), dec!(180), dec!(0.18))).unwrap();
        assert_eq!(r.get(), dec!(29.82));
        assert_eq!(p.qty.get(), dec!(1));
        assert_eq!(p.cost.get(), dec!(150));
        assert_eq!(p.realised_pnl.get(), dec!(29.52));
        assert_eq!(p.fees.get(), dec!(0.48));
        assert_eq!(p.unrealised_pnl(Price::new(dec!(160))).get(), dec!(10));
    }

    #[test]
    fn overselling_is_refused_and_changes_nothing() {
        let mut p = Position::flat(Symbol::new("BTCUSDT"));
        p.apply(&fill(Side::Buy, dec!(1), dec!(100), dec!(0))).unwrap();
        let before = p.clone();
        assert!(matches!(
            p.apply(&fill(Side::Sell, dec!(1.5), dec!(100), dec!(0))),
            Err(PositionError::Oversell { .. })
        ));
        assert_eq!(p, before);
    }

    fn arb_fill() -> impl Strategy<Value = (bool, u32, u32, u32)> {
        (any::<bool>(), 1u32..5_000_000, 1u32..10_000_000, 0u32..1000)
    }

    proptest! {
        /// Cash conservation: starting cash + realised + unrealised always equals cash + market
        /// value, to the last digit, whatever sequence of fills arrives.
        #[test]
        fn equity_identity_holds_exactly(fills in proptest::collection::vec(arb_fill(), 1..60), mark in 1u32..10_000_000) {
            let mut p = Position::flat(Symbol::new("BTCUSDT"));
            let start = Amount::new(dec!(1000000));
            let mut cash = start;
            for (buy, q, px, fee_bp) in fills {
                let qty = Decimal::new(q as i64, 6);
                let price = Decimal::new(px as i64, 2);
                let fee = (qty * price * Decimal::new(fee_bp as i64, 4)).round_dp(8);
                let side = if buy { Side::Buy } else { Side::Sell };
                let f = fill(side, qty, price, fee);
                if p.apply(&f).is_ok() {
                    cash += f.cash_delta();
                }
                prop_assert!(p.qty.get() >= Decimal::ZERO);
                prop_assert!(!p.cost.is_negative());
            }
            let mark = Price::new(Decimal::new(mark as i64, 2));
            let equity = cash + p.market_value(mark);
            prop_assert_eq!(equity - start, p.realised_pnl + p.unrealised_pnl(mark));
            if p.is_flat() {
                prop_assert_eq!(p.cost, Amount::ZERO);
            }
        }
    }
}
