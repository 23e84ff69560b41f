//! Each strategy trades through the whole backtest (engine, advisor, risk gates, paper exchange)
//! on a short series built to make exactly one entry and one exit at bars worked out by hand in
//! the strategy's own tests (packages/engine/src/strategies). Fills on the signal bar's close, so
//! the trade's bars are the signal bars.

use mirai_backtest::{BacktestConfig, FillAt, run};
use mirai_core::{Candle, Decimal, Price, Qty, Symbol, Timestamp};
use rust_decimal_macros::dec;

/// Daily bars of (high, low, close), each opening at its close.
fn series(bars: &[(Decimal, Decimal, Decimal)]) -> Vec<Candle> {
    let day = 86_400_000;
    bars.iter()
        .enumerate()
        .map(|(i, &(high, low, close))| {
            let t = Timestamp::from_millis(1_704_067_200_000 + i as i64 * day);
            Candle {
                symbol: Symbol::new("TEST"),
                open_time: t,
                close_time: t.plus_millis(day - 1),
                open: Price::new(close),
                high: Price::new(high),
                low: Price::new(low),
                close: Price::new(close),
                volume: Qty::new(dec!(1)),
                closed: true,
            }
        })
        .collect()
}

fn flat(closes: &[Decimal]) -> Vec<Candle> {
    series(&closes.iter().map(|&c| (c, c, c)).collect::<Vec<_>>())
}

/// The one round trip: (entry bar, exit bar, entry price, exit price).
fn round_trip(strategy: &str, params: &[(&str, &str)], candles: Vec<Candle>) -> (u64, u64, Decimal, Decimal) {
    let config = BacktestConfig {
        symbol: Symbol::new("TEST"),
        strategy: strategy.into(),
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        fill: FillAt::Close,
        ..BacktestConfig::default()
    };
    let r = run(&config, candles).unwrap_or_else(|e| panic!("{strategy}: {e}"));
    assert_eq!((r.stats.trades, r.stats.open_trades), (1, 0), "{strategy}: {:?}", r.trade_list);
    let t = &r.trade_list[0];
    (t.entry_bar, t.exit_bar, t.entry_price.get(), t.exit_price.get())
}

#[test]
fn donchian_buys_the_breakout_and_sells_the_breakdown() {
    // entry 3, exit 2: bar 4 closes at 12.5 above the previous 3 highs (12); bar 7 at 10.5
    // below the previous 2 lows (11).
    let bars = [
        (dec!(10), dec!(8), dec!(9)),
        (dec!(11), dec!(9), dec!(10)),
        (dec!(12), dec!(10), dec!(11)),
        (dec!(12), dec!(10), dec!(11.5)),
        (dec!(13), dec!(11), dec!(12.5)),
        (dec!(13), dec!(11.5), dec!(12)),
        (dec!(12.5), dec!(11), dec!(11.5)),
        (dec!(11.5), dec!(10), dec!(10.5)),
        (dec!(13), dec!(10), dec!(13)),
    ];
    let trip = round_trip("donchian", &[("entry", "3"), ("exit", "2")], series(&bars));
    assert_eq!(trip, (4, 7, dec!(12.5), dec!(10.5)));
}

#[test]
fn macd_buys_the_cross_above_its_signal_and_sells_the_cross_below() {
    // MACD(3, 4), signal 3: above its signal on bar 7 (0.36075 > 0.1885), below on bar 9.
    let closes = [10, 12, 14, 13, 11, 10, 12, 15, 13, 10, 9].map(Decimal::from);
    let trip = round_trip("macd", &[("fast", "3"), ("slow", "4"), ("signal", "3")], flat(&closes));
    assert_eq!(trip, (7, 9, dec!(15), dec!(10)));
}

#[test]
fn bollinger_buys_below_the_lower_band_and_sells_back_above_the_middle() {
    // Period 4, k 1: 8 is below the lower band 8.84 on bar 4; 11 is above the middle 10 on bar 6.
    let closes = [dec!(10), dec!(10), dec!(12), dec!(12), dec!(8), dec!(9), dec!(11), dec!(10.5)];
    let trip = round_trip("bollinger", &[("period", "4"), ("k", "1")], flat(&closes));
    assert_eq!(trip, (4, 6, dec!(8), dec!(11)));
}
