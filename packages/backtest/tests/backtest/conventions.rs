//! The fill, sizing, slippage and fee conventions on a hand-made series whose opens differ from
//! the previous closes, so each convention shows in the numbers; and the risk gates applying
//! exactly as live.

use mirai_backtest::{BacktestConfig, BacktestReport, FillAt, UnitSizing, run};
use mirai_core::{Candle, Decimal, Price, Qty, RiskLimits, Symbol, Timestamp};
use rust_decimal_macros::dec;

/// SMA(2) crosses above SMA(4) on bar 5's close (110) and back below on bar 8's (90). Each bar
/// opens half a unit above the previous close.
const CLOSES: [i64; 11] = [100, 99, 98, 97, 96, 110, 111, 112, 90, 80, 79];

fn series(closes: &[i64]) -> Vec<Candle> {
    let day = 86_400_000;
    closes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let open = if i == 0 { Decimal::from(c) } else { Decimal::from(closes[i - 1]) + dec!(0.5) };
            let close = Decimal::from(c);
            let t = Timestamp::from_millis(1_704_067_200_000 + i as i64 * day);
            Candle {
                symbol: Symbol::new("TEST"),
                open_time: t,
                close_time: t.plus_millis(day - 1),
                open: Price::new(open),
                high: Price::new(open.max(close)),
                low: Price::new(open.min(close)),
                close: Price::new(close),
                volume: Qty::new(dec!(1)),
                closed: true,
            }
        })
        .collect()
}

fn config(fill: FillAt) -> BacktestConfig {
    BacktestConfig {
        symbol: Symbol::new("TEST"),
        params: vec![("fast".into(), "2".into()), ("slow".into(), "4".into())],
        fill,
        ..BacktestConfig::default()
    }
}

fn backtest(config: &BacktestConfig, closes: &[i64]) -> BacktestReport {
    run(config, series(closes)).expect("backtest runs")
}

#[test]
fn next_open_fills_at_the_next_open_and_sizes_at_that_price() {
    let r = backtest(&config(FillAt::NextOpen), &CLOSES);
    assert_eq!((r.stats.trades, r.stats.open_trades), (1, 0));
    let t = &r.trade_list[0];
    // floor(10000 / (110.5 × 1.001)) = 90 units at bar 6's open; out at bar 9's open.
    assert_eq!((t.entry_bar, t.exit_bar), (6, 9));
    assert_eq!((t.qty.get(), t.entry_price.get(), t.exit_price.get()), (dec!(90), dec!(110.5), dec!(90.5)));
    assert_eq!(t.commission.get(), dec!(18.09));
    assert_eq!(t.pnl.get(), dec!(-1818.09));
    assert_eq!(r.stats.final_equity.get(), dec!(8181.91));
    assert_eq!(r.stats.commissions.get(), dec!(18.09));
}

#[test]
fn close_fills_at_the_signal_bar_s_close() {
    let r = backtest(&config(FillAt::Close), &CLOSES);
    let t = &r.trade_list[0];
    assert_eq!((t.entry_bar, t.exit_bar), (5, 8));
    assert_eq!((t.qty.get(), t.entry_price.get(), t.exit_price.get()), (dec!(90), dec!(110), dec!(90)));
    assert_eq!(t.pnl.get(), dec!(-1818));
}

#[test]
fn fractional_sizing_buys_whole_lot_steps_that_fit_the_cash() {
    let c = BacktestConfig { sizing: UnitSizing::Fractional, step: dec!(0.001), ..config(FillAt::NextOpen) };
    let t = &backtest(&c, &CLOSES).trade_list[0];
    // 10000 / (110.5 × 1.001) = 90.4073…
    assert_eq!(t.qty.get(), dec!(90.407));
    assert!(t.qty.get() * dec!(110.5) * dec!(1.001) <= dec!(10000));
}

#[test]
fn slippage_moves_both_fills_against_the_trader_and_sizing_allows_for_it() {
    let c = BacktestConfig { slippage_bps: dec!(10), ..config(FillAt::NextOpen) };
    let r = backtest(&c, &CLOSES);
    let t = &r.trade_list[0];
    assert_eq!((t.entry_price.get(), t.exit_price.get()), (dec!(110.6105), dec!(90.4095)));
    // Sized with fee and slippage together: floor(10000 / (110.5 × 1.002001)) = 90.
    assert_eq!(t.qty.get(), dec!(90));
    assert!(r.counts.rejected.is_empty(), "{:?}", r.counts.rejected);
}

#[test]
fn a_signal_on_the_last_bar_is_never_filled_with_next_open_fills() {
    // The data ends on the buy signal's bar: there is no next open to fill at.
    let r = backtest(&config(FillAt::NextOpen), &CLOSES[..6]);
    assert_eq!((r.stats.trades, r.stats.open_trades, r.counts.orders), (0, 0, 0));
    // On close, the same signal fills at once and stays open, marked at the last close.
    let r = backtest(&config(FillAt::Close), &CLOSES[..6]);
    assert_eq!((r.stats.trades, r.stats.open_trades), (0, 1));
    assert_eq!(r.open_trade_list[0].unrealised_pnl.get(), dec!(-9.9));
}

#[test]
fn the_live_risk_gates_apply_in_backtests() {
    // The live defaults cap one order at 1,000: the all-cash buy (9,945 with whole units) is sized
    // down to what the limit allows, whole units: floor(1000 × 1.001 / (110 × 1.001)) = 9, so
    // the gate has nothing to refuse and it trades, as the worker would.
    let c = BacktestConfig { limits: RiskLimits::default(), ..config(FillAt::NextOpen) };
    let r = backtest(&c, &CLOSES);
    assert_eq!((r.stats.trades, r.counts.orders), (1, 2));
    assert!(r.counts.refused.is_empty(), "{:?}", r.counts.refused);
    let t = &r.trade_list[0];
    assert!((t.entry_price * t.qty).get() <= dec!(1000), "{t:?}");
    // A gate that does refuse is counted by name, and nothing trades.
    let strict = RiskLimits { max_trades_per_day: 0, ..RiskLimits::default() };
    let r = backtest(&BacktestConfig { limits: strict, ..config(FillAt::NextOpen) }, &CLOSES);
    assert_eq!((r.stats.trades, r.counts.orders), (0, 0));
    assert_eq!(r.counts.refused.get("max_trades_per_day"), Some(&1), "{:?}", r.counts.refused);
    assert_eq!(r.stats.final_equity.get(), dec!(10000));
}

#[test]
fn a_position_size_commits_that_share_of_equity_as_the_worker_sizes_and_fills_are_kept() {
    // 10 % of 10,000 at the signal bar's close, sized with the fee alone as the worker sizes:
    // 1000 / (110 × 1.001) = 9.0818…, rounded down to the lot step. The live limits let it through.
    let c = BacktestConfig {
        position_size: Some(dec!(0.1)),
        step: dec!(0.001),
        slippage_bps: dec!(10),
        limits: RiskLimits::default(),
        keep_fills: true,
        ..config(FillAt::Close)
    };
    let r = backtest(&c, &CLOSES);
    assert!(r.counts.refused.is_empty() && r.counts.rejected.is_empty(), "{:?}", r.counts);
    let t = &r.trade_list[0];
    assert_eq!(
        (t.qty.get(), t.entry_price.get(), t.exit_price.get()),
        (dec!(9.081), dec!(110.11), dec!(89.91))
    );
    // Every fill, as the worker's ledger would hold it.
    let fills: Vec<_> = r.fills.iter().map(|f| (f.side, f.qty.get(), f.price.get(), f.fee.get())).collect();
    assert_eq!(
        fills,
        [
            (mirai_core::Side::Buy, dec!(9.081), dec!(110.11), dec!(0.99990891)),
            (mirai_core::Side::Sell, dec!(9.081), dec!(89.91), dec!(0.81647271)),
        ]
    );
    assert_eq!(r.fills[0].ts, series(&CLOSES)[5].close_time, "filled at the signal bar's close");
    assert_eq!(r.stats.commissions.get(), dec!(0.99990891) + dec!(0.81647271));
    // The exchange's rules, given: their lot step decides the quantity.
    let rules = mirai_core::SymbolRules::spot(
        Symbol::new("TEST"),
        mirai_core::Asset::new("TEST"),
        mirai_core::Asset::new("USD"),
        Price::new(dec!(0.01)),
        Qty::new(dec!(0.01)),
        Qty::new(dec!(1000)),
        Price::new(dec!(5)),
    );
    let r = backtest(&BacktestConfig { symbol_rules: Some(rules), keep_fills: false, ..c.clone() }, &CLOSES);
    assert_eq!(r.trade_list[0].qty.get(), dec!(9.08));
    assert!(r.fills.is_empty(), "kept only when asked");
    // A position size is a fraction of equity.
    let bad = BacktestConfig { position_size: Some(dec!(1.5)), ..c };
    assert!(bad.validate().is_err());
}

#[test]
fn the_same_bars_give_the_same_report() {
    let a = backtest(&config(FillAt::NextOpen), &CLOSES);
    let b = backtest(&config(FillAt::NextOpen), &CLOSES);
    assert_eq!(a.trade_list, b.trade_list);
    // As JSON, where the undefined ratios (NaN) compare equal as null.
    assert_eq!(serde_json::to_value(&a.stats).unwrap(), serde_json::to_value(&b.stats).unwrap());
    assert_eq!(a.stats.profit_factor.to_string(), "0", "no winning trade: a profit factor of 0, not -0");
}
