//! `TradeBook`: turns fills into round trips ("trades" as backtesting.py and freqtrade list them),
//! with exact prices, P&L and commissions.

use std::borrow::Cow;

use mirai_core::{Amount, Fill, Price, Qty, Side, Timestamp};
use serde::Serialize;

use crate::float::decimal_to_f64;
use crate::metrics::TradeFigures;

/// A closed round trip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trade {
    /// Index of the bar the entry filled in (0-based).
    pub entry_bar: u64,
    pub exit_bar: u64,
    /// The open times of those bars, as the data gives them.
    pub entry_time: Timestamp,
    pub exit_time: Timestamp,
    pub qty: Qty,
    pub entry_price: Price,
    pub exit_price: Price,
    /// Net of both commissions.
    pub pnl: Amount,
    /// Entry and exit commissions together.
    pub commission: Amount,
    /// `pnl` over the entry notional (backtesting.py's `ReturnPct`), as a fraction.
    pub return_frac: f64,
}

/// The round trip still open at the end, marked at the last close.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpenTrade {
    pub entry_bar: u64,
    pub entry_time: Timestamp,
    pub qty: Qty,
    pub entry_price: Price,
    pub mark: Price,
    /// Net of the entry commission; the exit commission is not paid yet.
    pub unrealised_pnl: Amount,
    pub commission: Amount,
}

#[derive(Clone, Debug)]
struct Open {
    bar: u64,
    time: Timestamp,
    qty: Qty,
    /// Notional paid, fees excluded.
    cost: Amount,
    fees: Amount,
}

#[derive(Clone, Debug, Default)]
pub struct TradeBook {
    open: Option<Open>,
    closed: Vec<Trade>,
    /// What the statistics read of each closed trade, kept as they close when the trades are not
    /// ([`TradeBook::figures_only`]).
    figures: TradeFigures,
    /// Only the figures are kept, not the trades ([`TradeBook::figures_only`]).
    figures_only: bool,
    commissions: Amount,
    /// Every fill as booked, when asked for ([`TradeBook::keep_fills`]).
    kept: Option<Vec<Fill>>,
}

impl TradeBook {
    /// From now on every fill is kept as well, for [`TradeBook::take_fills`].
    pub fn keep_fills(&mut self) {
        self.kept.get_or_insert_with(Vec::new);
    }

    /// From now on closed trades are not kept, only their figures for the statistics: a sweep
    /// reports only statistics, and building each trade (its average entry price is a decimal
    /// division) and keeping it (120 bytes) is much of a round trip's cost there.
    pub fn figures_only(&mut self) {
        self.figures_only = true;
    }

    /// The fills kept so far (none unless [`TradeBook::keep_fills`] was called).
    pub fn take_fills(&mut self) -> Vec<Fill> {
        self.kept.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn on_fill(&mut self, fill: &Fill, bar: u64, bar_time: Timestamp) {
        self.commissions += fill.fee;
        if let Some(kept) = &mut self.kept {
            kept.push(fill.clone());
        }
        match fill.side {
            Side::Buy => {
                let o = self.open.get_or_insert(Open {
                    bar,
                    time: bar_time,
                    qty: Qty::ZERO,
                    cost: Amount::ZERO,
                    fees: Amount::ZERO,
                });
                o.qty += fill.qty;
                o.cost += fill.notional();
                o.fees += fill.fee;
            }
            Side::Sell => {
                let Some(o) = self.open.as_mut() else { return };
                let q = fill.qty.min(o.qty);
                if q.is_zero() {
                    return;
                }
                // A partial exit closes its share of the entry; the rest stays open.
                let whole = q == o.qty;
                let (cost, fees) = if whole {
                    (o.cost, o.fees)
                } else {
                    let share = q.get() / o.qty.get();
                    (o.cost.scale(share), o.fees.scale(share))
                };
                let pnl = fill.price * q - cost - fees - fill.fee;
                let return_frac = ratio(pnl, cost);
                if self.figures_only {
                    self.figures.push(pnl, return_frac, o.time, bar_time);
                } else {
                    self.closed.push(Trade {
                        entry_bar: o.bar,
                        exit_bar: bar,
                        entry_time: o.time,
                        exit_time: bar_time,
                        qty: q,
                        entry_price: avg_price(cost, q),
                        exit_price: fill.price,
                        pnl,
                        commission: fees + fill.fee,
                        return_frac,
                    });
                }
                // A whole exit leaves nothing open: no need to take its share off first.
                if whole {
                    self.open = None;
                } else {
                    o.qty = o.qty.saturating_sub(q);
                    o.cost -= cost;
                    o.fees -= fees;
                }
            }
        }
    }

    /// The closed trades (none with [`TradeBook::figures_only`]).
    #[cfg(test)]
    pub fn closed(&self) -> &[Trade] {
        &self.closed
    }

    /// The closed trades, taken out of the book.
    pub fn take_closed(&mut self) -> Vec<Trade> {
        std::mem::take(&mut self.closed)
    }

    /// The closed trades' figures, for the statistics: kept as they closed with
    /// [`TradeBook::figures_only`], else read off the trades.
    pub fn figures(&self) -> Cow<'_, TradeFigures> {
        if self.figures_only {
            Cow::Borrowed(&self.figures)
        } else {
            Cow::Owned(TradeFigures::of(&self.closed))
        }
    }

    /// Every commission paid, the open trade's entry included.
    pub fn commissions(&self) -> Amount {
        self.commissions
    }

    /// The open trade, marked at `mark`.
    pub fn open_trade(&self, mark: Price) -> Option<OpenTrade> {
        self.open.as_ref().map(|o| OpenTrade {
            entry_bar: o.bar,
            entry_time: o.time,
            qty: o.qty,
            entry_price: avg_price(o.cost, o.qty),
            mark,
            unrealised_pnl: mark * o.qty - o.cost - o.fees,
            commission: o.fees,
        })
    }
}

fn avg_price(cost: Amount, qty: Qty) -> Price {
    if qty.is_zero() {
        return Price::ZERO;
    }
    Price::new_checked(cost.get() / qty.get()).unwrap_or_default()
}

/// A statistic from two exact amounts.
pub(crate) fn ratio(a: Amount, b: Amount) -> f64 {
    if b.get().is_zero() {
        return f64::NAN;
    }
    decimal_to_f64(a.get() / b.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::Decimal;
    use rust_decimal_macros::dec;

    fn fill(side: Side, qty: Decimal, price: Decimal, fee: Decimal) -> Fill {
        mirai_core::stubs::fill("GOOG", side, qty, price, fee, 0)
    }

    #[test]
    fn a_round_trip_nets_both_commissions() {
        let mut b = TradeBook::default();
        // backtesting.py's first GOOG trade (next-open fills): 55 at 179.13, out at 182.
        b.on_fill(&fill(Side::Buy, dec!(55), dec!(179.13), dec!(9.85215)), 75, Timestamp::from_millis(1));
        let open = b.open_trade(Price::new(dec!(180))).unwrap();
        assert_eq!(open.unrealised_pnl.get(), dec!(37.99785));
        b.on_fill(&fill(Side::Sell, dec!(55), dec!(182), dec!(10.01)), 85, Timestamp::from_millis(2));
        let t = &b.closed()[0];
        assert_eq!(t.pnl.get(), dec!(137.98785));
        assert_eq!(t.commission.get(), dec!(19.86215));
        assert_eq!((t.entry_bar, t.exit_bar), (75, 85));
        assert!((t.return_frac - 137.98785 / (55.0 * 179.13)).abs() < 1e-15);
        assert!(b.open_trade(Price::new(dec!(1))).is_none());
        assert_eq!(b.commissions().get(), dec!(19.86215));
    }

    #[test]
    fn a_partial_exit_closes_its_share() {
        let mut b = TradeBook::default();
        b.on_fill(&fill(Side::Buy, dec!(4), dec!(10), dec!(0.4)), 0, Timestamp::from_millis(0));
        b.on_fill(&fill(Side::Sell, dec!(1), dec!(12), dec!(0.12)), 1, Timestamp::from_millis(1));
        assert_eq!(b.closed()[0].pnl.get(), dec!(1.78));
        let open = b.open_trade(Price::new(dec!(10))).unwrap();
        assert_eq!((open.qty.get(), open.commission.get()), (dec!(3), dec!(0.3)));
    }
}
