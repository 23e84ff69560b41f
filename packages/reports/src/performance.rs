//! Performance per symbol and in total, from the closed round trips ([`crate::round_trips`]): trades,
//! wins and losses, P&L and fees, gross profit and loss, profit factor and the deepest fall of the
//! cumulative P&L.

use std::collections::BTreeMap;

use mirai_core::{Symbol, Timestamp};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::round_trips::RoundTrip;

/// The places ratios are rounded to, half away from zero (as the views round `WIN_RATE`).
pub const RATIO_PLACES: u32 = 4;

/// How a set of closed round trips did. Money is exact, in the quote asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolPerformance {
    /// `None` for the total over every symbol.
    pub symbol: Option<Symbol>,
    /// Closed round trips.
    pub trades: u64,
    /// Trips with `pnl > 0`.
    pub wins: u64,
    /// Trips with `pnl < 0`; a trip at exactly zero is neither a win nor a loss.
    pub losses: u64,
    /// `wins / trades`, rounded to [`RATIO_PLACES`]; `None` without trades.
    pub win_rate: Option<Decimal>,
    /// Net of every fee: the sum of the trips' P&L.
    pub pnl: Decimal,
    /// Every fee of the trips.
    pub fees: Decimal,
    /// The sum of the winning trips' P&L.
    pub gross_profit: Decimal,
    /// The sum of the losing trips' P&L, as a positive number.
    pub gross_loss: Decimal,
    /// `gross_profit / gross_loss`, rounded to [`RATIO_PLACES`]; `None` without a losing trip.
    pub profit_factor: Option<Decimal>,
    /// The largest fall of the cumulative P&L from its running peak, the trips taken in exit order
    /// and the curve starting at 0 (so a first losing trip is a fall); never negative.
    pub max_drawdown: Decimal,
    /// The earliest entry and the latest exit of the trips; `None` without trades.
    pub first_entry: Option<Timestamp>,
    pub last_exit: Option<Timestamp>,
}

/// The performance of each symbol with trips, sorted by symbol, and of all of them together.
/// Trips are taken in exit order (ties by symbol, then trip number), as `ROUND_TRIPS` lists them.
pub fn performance(trips: &[RoundTrip]) -> (Vec<SymbolPerformance>, SymbolPerformance) {
    let mut ordered: Vec<&RoundTrip> = trips.iter().collect();
    ordered.sort_by(|a, b| {
        (a.exit_time, a.symbol.as_str(), a.trip_no).cmp(&(b.exit_time, b.symbol.as_str(), b.trip_no))
    });
    let mut by_symbol: BTreeMap<&str, (Symbol, Vec<&RoundTrip>)> = BTreeMap::new();
    for t in &ordered {
        by_symbol.entry(t.symbol.as_str()).or_insert_with(|| (t.symbol, Vec::new())).1.push(t);
    }
    let per_symbol = by_symbol.into_values().map(|(symbol, trips)| summarise(Some(symbol), &trips)).collect();
    (per_symbol, summarise(None, &ordered))
}

/// The figures of `trips`, given in exit order.
fn summarise(symbol: Option<Symbol>, trips: &[&RoundTrip]) -> SymbolPerformance {
    let mut p = SymbolPerformance {
        symbol,
        trades: 0,
        wins: 0,
        losses: 0,
        win_rate: None,
        pnl: Decimal::ZERO,
        fees: Decimal::ZERO,
        gross_profit: Decimal::ZERO,
        gross_loss: Decimal::ZERO,
        profit_factor: None,
        max_drawdown: Decimal::ZERO,
        first_entry: None,
        last_exit: None,
    };
    let mut peak = Decimal::ZERO;
    for t in trips {
        p.trades += 1;
        p.pnl += t.pnl;
        p.fees += t.fees;
        if t.pnl > Decimal::ZERO {
            p.wins += 1;
            p.gross_profit += t.pnl;
        } else if t.pnl < Decimal::ZERO {
            p.losses += 1;
            p.gross_loss -= t.pnl;
        }
        peak = peak.max(p.pnl);
        p.max_drawdown = p.max_drawdown.max(peak - p.pnl);
        p.first_entry = Some(p.first_entry.map_or(t.entry_time, |e| e.min(t.entry_time)));
        p.last_exit = Some(p.last_exit.map_or(t.exit_time, |e| e.max(t.exit_time)));
    }
    if p.trades > 0 {
        p.win_rate = ratio(Decimal::from(p.wins), Decimal::from(p.trades));
    }
    if p.losses > 0 {
        p.profit_factor = ratio(p.gross_profit, p.gross_loss);
    }
    for money in [&mut p.pnl, &mut p.fees, &mut p.gross_profit, &mut p.gross_loss, &mut p.max_drawdown] {
        *money = normal(*money);
    }
    p
}

/// `a / b` rounded to [`RATIO_PLACES`], half away from zero; `None` when `b` is zero.
fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(b)
        .map(|r| normal(r.round_dp_with_strategy(RATIO_PLACES, RoundingStrategy::MidpointAwayFromZero)))
}

/// The same value without trailing zeros (and never `-0`).
fn normal(d: Decimal) -> Decimal {
    if d.is_zero() { Decimal::ZERO } else { d.normalize() }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    /// A closed trip on `symbol` from `entry` to `exit` (milliseconds) with this P&L and a fee of
    /// 0.1.
    fn trip(symbol: &str, trip_no: u64, entry: i64, exit: i64, pnl: Decimal) -> RoundTrip {
        RoundTrip {
            symbol: Symbol::new(symbol),
            trip_no,
            entry_time: Timestamp::from_millis(entry),
            exit_time: Timestamp::from_millis(exit),
            qty: dec!(0.001),
            entry_notional: dec!(60),
            exit_notional: dec!(60) + pnl,
            fees: dec!(0.1),
            pnl,
            opening_decision: None,
            closing_decision: None,
        }
    }

    fn ms(t: i64) -> Option<Timestamp> {
        Some(Timestamp::from_millis(t))
    }

    #[test]
    fn no_trips_is_all_zeros_and_no_ratios() {
        let (per_symbol, total) = performance(&[]);
        assert!(per_symbol.is_empty());
        assert_eq!(
            total,
            SymbolPerformance {
                symbol: None,
                trades: 0,
                wins: 0,
                losses: 0,
                win_rate: None,
                pnl: Decimal::ZERO,
                fees: Decimal::ZERO,
                gross_profit: Decimal::ZERO,
                gross_loss: Decimal::ZERO,
                profit_factor: None,
                max_drawdown: Decimal::ZERO,
                first_entry: None,
                last_exit: None,
            }
        );
    }

    #[test]
    fn all_winners_have_no_profit_factor_and_no_drawdown() {
        let trips = [trip("BTCUSDT", 1, 100, 200, dec!(10)), trip("BTCUSDT", 2, 300, 400, dec!(5.5))];
        let (per_symbol, total) = performance(&trips);
        assert_eq!(per_symbol.len(), 1);
        assert_eq!(
            per_symbol[0],
            SymbolPerformance { symbol: Some(Symbol::new("BTCUSDT")), ..total.clone() }
        );
        assert_eq!((total.trades, total.wins, total.losses), (2, 2, 0));
        // 2 wins / 2 trades = 1.
        assert_eq!(total.win_rate, Some(dec!(1)));
        // 10 + 5.5 = 15.5; nothing lost, so no profit factor.
        assert_eq!((total.pnl, total.gross_profit, total.gross_loss), (dec!(15.5), dec!(15.5), dec!(0)));
        assert_eq!(total.profit_factor, None);
        // Fees 0.1 + 0.1; the curve 0 → 10 → 15.5 never falls.
        assert_eq!(total.fees, dec!(0.2));
        assert_eq!(total.max_drawdown, dec!(0));
        assert_eq!((total.first_entry, total.last_exit), (ms(100), ms(400)));
    }

    #[test]
    fn a_drawdown_that_recovers_counts_its_deepest_fall() {
        // Given out of exit order: the curve follows the exits.
        let trips = [
            trip("BTCUSDT", 4, 70, 80, dec!(12)),
            trip("BTCUSDT", 1, 5, 20, dec!(10)),
            trip("BTCUSDT", 3, 50, 60, dec!(-3)),
            trip("BTCUSDT", 5, 90, 100, dec!(-2)),
            trip("BTCUSDT", 2, 30, 40, dec!(-4)),
        ];
        let (_, total) = performance(&trips);
        // In exit order the P&L is +10, -4, -3, +12, -2: the curve 10, 6, 3, 15, 13 with peaks
        // 10, 10, 10, 15, 15 falls 0, 4, 7, 0, 2 from them: at most 7 (the recovery to 15 and the
        // fall of 2 after it do not change that).
        assert_eq!(total.max_drawdown, dec!(7));
        // 10 - 4 - 3 + 12 - 2 = 13; won 10 + 12 = 22; lost 4 + 3 + 2 = 9.
        assert_eq!((total.pnl, total.gross_profit, total.gross_loss), (dec!(13), dec!(22), dec!(9)));
        assert_eq!((total.trades, total.wins, total.losses), (5, 2, 3));
        // 2 / 5 = 0.4; 22 / 9 = 2.444… → 2.4444.
        assert_eq!(total.win_rate, Some(dec!(0.4)));
        assert_eq!(total.profit_factor, Some(dec!(2.4444)));
        // 5 × 0.1.
        assert_eq!(total.fees, dec!(0.5));
        assert_eq!((total.first_entry, total.last_exit), (ms(5), ms(100)));
    }

    #[test]
    fn two_symbols_each_and_together() {
        let trips = [
            trip("ETHUSDT", 1, 1, 3, dec!(-3)),
            trip("ETHUSDT", 2, 3, 4, dec!(1)),
            trip("ETHUSDT", 3, 4, 6, dec!(0)),
            trip("BTCUSDT", 1, 0, 2, dec!(10)),
            trip("BTCUSDT", 2, 4, 5, dec!(-6)),
        ];
        let (per_symbol, total) = performance(&trips);
        let symbols: Vec<_> = per_symbol.iter().map(|p| p.symbol.map(|s| s.to_string())).collect();
        assert_eq!(symbols, [Some("BTCUSDT".to_owned()), Some("ETHUSDT".to_owned())], "sorted by symbol");

        let btc = &per_symbol[0];
        // +10 then -6: pnl 4, the curve 10, 4 falls 6 from its peak; 1 / 2 = 0.5; 10 / 6 = 1.66… →
        // 1.6667.
        assert_eq!((btc.trades, btc.wins, btc.losses), (2, 1, 1));
        assert_eq!((btc.pnl, btc.gross_profit, btc.gross_loss), (dec!(4), dec!(10), dec!(6)));
        assert_eq!((btc.win_rate, btc.profit_factor), (Some(dec!(0.5)), Some(dec!(1.6667))));
        assert_eq!(btc.max_drawdown, dec!(6));
        assert_eq!((btc.first_entry, btc.last_exit, btc.fees), (ms(0), ms(5), dec!(0.2)));

        let eth = &per_symbol[1];
        // -3, +1, 0: pnl -2; the zero trip is neither a win nor a loss; 1 / 3 = 0.3333; 1 / 3 =
        // 0.3333; the curve -3, -2, -2 starts at 0, so the first loss is a fall of 3.
        assert_eq!((eth.trades, eth.wins, eth.losses), (3, 1, 1));
        assert_eq!((eth.pnl, eth.gross_profit, eth.gross_loss), (dec!(-2), dec!(1), dec!(3)));
        assert_eq!((eth.win_rate, eth.profit_factor), (Some(dec!(0.3333)), Some(dec!(0.3333))));
        assert_eq!(eth.max_drawdown, dec!(3));
        assert_eq!((eth.first_entry, eth.last_exit, eth.fees), (ms(1), ms(6), dec!(0.3)));

        // Together, by exit: BTC +10 (t2), ETH -3 (t3), ETH +1 (t4), BTC -6 (t5), ETH 0 (t6): the
        // curve 10, 7, 8, 2, 2 falls 8 from its peak of 10. pnl 4 - 2 = 2; won 11, lost 9;
        // 2 / 5 = 0.4; 11 / 9 = 1.222… → 1.2222.
        assert_eq!(total.symbol, None);
        assert_eq!((total.trades, total.wins, total.losses), (5, 2, 2));
        assert_eq!((total.pnl, total.gross_profit, total.gross_loss), (dec!(2), dec!(11), dec!(9)));
        assert_eq!((total.win_rate, total.profit_factor), (Some(dec!(0.4)), Some(dec!(1.2222))));
        assert_eq!(total.max_drawdown, dec!(8));
        assert_eq!((total.first_entry, total.last_exit, total.fees), (ms(0), ms(6), dec!(0.5)));
    }

    #[test]
    fn ratios_round_half_away_from_zero() {
        // 2.0001 / 2 = 1.00005: half away from zero gives 1.0001 (half to even would give 1).
        let trips = [trip("BTCUSDT", 1, 0, 1, dec!(2.0001)), trip("BTCUSDT", 2, 1, 2, dec!(-2))];
        assert_eq!(performance(&trips).1.profit_factor, Some(dec!(1.0001)));
        // 1 win in 8 trades = 0.125, exact at 4 places: nothing to round.
        let mut eight = vec![trip("BTCUSDT", 1, 0, 1, dec!(1))];
        eight.extend((2..=8).map(|n| trip("BTCUSDT", n, n as i64, n as i64 + 1, dec!(-1))));
        assert_eq!(performance(&eight).1.win_rate, Some(dec!(0.125)));
    }

    #[test]
    fn money_is_exact_and_written_without_trailing_zeros() {
        let trips = [trip("BTCUSDT", 1, 0, 1, dec!(0.10000000)), trip("BTCUSDT", 2, 1, 2, dec!(0.20000000))];
        let total = performance(&trips).1;
        // 0.1 + 0.2 is exactly 0.3.
        assert_eq!(total.pnl.to_string(), "0.3");
        assert_eq!(total.win_rate.map(|r| r.to_string()), Some("1".to_owned()));
    }
}

#[cfg(test)]
mod property_tests {
    use proptest::prelude::*;

    use super::*;

    const SYMBOLS: [&str; 3] = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];

    fn trips() -> impl Strategy<Value = Vec<RoundTrip>> {
        prop::collection::vec((0..SYMBOLS.len(), -1_000_000i64..1_000_000, 0i64..10_000, 0i64..1_000), 0..40)
            .prop_map(|raw| {
                raw.into_iter()
                    .enumerate()
                    .map(|(i, (s, pnl_cents, fee_cents, exit))| RoundTrip {
                        symbol: Symbol::new(SYMBOLS[s]),
                        trip_no: i as u64 + 1,
                        entry_time: Timestamp::from_millis(exit - 10),
                        exit_time: Timestamp::from_millis(exit),
                        qty: Decimal::ONE,
                        entry_notional: Decimal::ONE_HUNDRED,
                        exit_notional: Decimal::ONE_HUNDRED,
                        fees: Decimal::new(fee_cents, 2),
                        pnl: Decimal::new(pnl_cents, 2),
                        opening_decision: None,
                        closing_decision: None,
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn totals_add_up_and_drawdowns_are_bounded(trips in trips()) {
            let (per_symbol, total) = performance(&trips);
            let trip_pnl: Decimal = trips.iter().map(|t| t.pnl).sum();
            let symbol_pnl: Decimal = per_symbol.iter().map(|p| p.pnl).sum();
            prop_assert_eq!(total.pnl, trip_pnl);
            prop_assert_eq!(symbol_pnl, trip_pnl);
            prop_assert_eq!(total.trades, trips.len() as u64);
            prop_assert_eq!(per_symbol.iter().map(|p| p.trades).sum::<u64>(), total.trades);
            prop_assert_eq!(total.gross_profit - total.gross_loss, total.pnl);
            for p in per_symbol.iter().chain([&total]) {
                prop_assert!(p.max_drawdown >= Decimal::ZERO, "{p:?}");
                prop_assert!(p.max_drawdown <= p.gross_loss, "{p:?}");
                prop_assert_eq!(p.profit_factor.is_none(), p.losses == 0);
                prop_assert_eq!(p.win_rate.is_none(), p.trades == 0);
            }
        }
    }
}
