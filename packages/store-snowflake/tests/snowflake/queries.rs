//! The web tier's reads: the trades page (filters, cursor paging through ties), P&L per day, and
//! per-symbol statistics, checked against figures worked out by hand.

use mirai_core::time::MS_PER_DAY;
use mirai_core::{Amount, AnalyticsRecord, AnalyticsStore, Side, Symbol};
use mirai_store_snowflake::{TimeRange, TradeCursor, TradeQuery};

use crate::helpers::{dec, fill, fills, fresh_store, pnl, ts};

fn amount(s: &str) -> Amount {
    Amount::new(dec(s))
}

fn ledger() -> Vec<mirai_core::Fill> {
    vec![
        fill("BTCUSDT", "1", Side::Buy, "1", "100", "0.1", 1_000),
        fill("ETHUSDT", "1", Side::Buy, "2", "10", "0.02", 1_500),
        fill("BTCUSDT", "2", Side::Buy, "1", "200", "0.2", 2_000),
        fill("ETHUSDT", "2", Side::Sell, "2", "11", "0.022", 2_500),
        fill("BTCUSDT", "3", Side::Sell, "1", "180", "0.18", 3_000),
        fill("BTCUSDT", "4", Side::Sell, "1", "120", "0.12", 4_000),
        fill("ETHUSDT", "3", Side::Buy, "1", "10", "0.01", 4_000),
    ]
}

#[tokio::test]
async fn trades_page_filters_and_pages_without_gaps() {
    let store = fresh_store("trades").await;
    store.write_batch(&fills(&ledger())).await.unwrap();
    let ids = |page: &[mirai_core::Fill]| -> Vec<String> {
        page.iter().map(|f| format!("{}/{}", f.symbol, f.trade_id)).collect()
    };

    // Newest first; at equal times by symbol, then trade id, descending.
    let all = store.trades(&TradeQuery { limit: 100, ..TradeQuery::default() }).await.unwrap();
    assert_eq!(
        ids(&all.trades),
        ["ETHUSDT/3", "BTCUSDT/4", "BTCUSDT/3", "ETHUSDT/2", "BTCUSDT/2", "ETHUSDT/1", "BTCUSDT/1"]
    );

    // One at a time through the cursor, carried as the opaque token a URL would hold.
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.trades(&TradeQuery { limit: 1, cursor, ..TradeQuery::default() }).await.unwrap();
        walked.extend(ids(&page.trades));
        match page.next {
            Some(c) => cursor = Some(TradeCursor::decode(&c.encode()).unwrap()),
            None => break,
        }
    }
    assert_eq!(walked, ids(&all.trades));

    let sells =
        TradeQuery { symbol: Some(Symbol::new("BTCUSDT")), side: Some(Side::Sell), ..TradeQuery::default() };
    assert_eq!(ids(&store.trades(&sells).await.unwrap().trades), ["BTCUSDT/4", "BTCUSDT/3"]);
    let window = TradeQuery {
        range: TimeRange { since: Some(ts(2_000)), until: Some(ts(3_000)) },
        ..TradeQuery::default()
    };
    assert_eq!(ids(&store.trades(&window).await.unwrap().trades), ["ETHUSDT/2", "BTCUSDT/2"]);

    for bad in [0, mirai_store_snowflake::MAX_PAGE + 1] {
        assert!(store.trades(&TradeQuery { limit: bad, ..TradeQuery::default() }).await.is_err());
    }
    let backwards =
        TradeQuery { range: TimeRange { since: Some(ts(5)), until: Some(ts(1)) }, ..TradeQuery::default() };
    assert!(store.trades(&backwards).await.is_err());
}

#[tokio::test]
async fn symbol_statistics_use_average_cost_over_the_whole_history() {
    let store = fresh_store("stats").await;
    store.write_batch(&fills(&ledger())).await.unwrap();

    let all = store.symbol_stats(None, TimeRange::all()).await.unwrap();
    assert_eq!(all.len(), 2);
    let (btc, eth) = (&all[0], &all[1]);
    assert_eq!(btc.symbol, Symbol::new("BTCUSDT"));
    assert_eq!((btc.trades, btc.buys, btc.sells, btc.wins, btc.losses), (4, 2, 2, 1, 1));
    assert_eq!((btc.volume, btc.fees), (amount("600"), amount("0.6")));
    // -0.1 - 0.2 + (180 - 150 - 0.18) + (120 - 150 - 0.12)
    assert_eq!(btc.realised_pnl, amount("-0.6"));
    assert_eq!(btc.win_rate, Some(dec("0.5")));
    assert_eq!((eth.trades, eth.wins, eth.losses, eth.win_rate), (3, 1, 0, Some(dec("1"))));
    assert_eq!((eth.volume, eth.fees, eth.realised_pnl), (amount("52"), amount("0.052"), amount("1.948")));

    // Only fills inside the range count, but their P&L still uses the cost of earlier buys.
    let window = TimeRange { since: Some(ts(2_500)), until: Some(ts(4_000)) };
    let some = store.symbol_stats(None, window).await.unwrap();
    assert_eq!(some.len(), 2);
    assert_eq!((some[0].trades, some[0].realised_pnl, some[0].wins), (1, amount("29.82"), 1));
    assert_eq!((some[1].trades, some[1].realised_pnl), (1, amount("1.978")));
    let only_eth = store.symbol_stats(Some(Symbol::new("ETHUSDT")), TimeRange::all()).await.unwrap();
    assert_eq!(only_eth.len(), 1);
    assert_eq!(only_eth[0].symbol, Symbol::new("ETHUSDT"));
}

#[tokio::test]
async fn daily_pnl_merges_batches_in_any_order() {
    let store = fresh_store("daily").await;
    let d1 = MS_PER_DAY;
    let first = [pnl(1_000, "10000", "0"), pnl(50_000, "10010", "5")];
    // Arrives later: a lower point in the middle of day 0, then its close, then day 1.
    let second = [
        pnl(30_000, "9990", "4"),
        pnl(60_000, "10020", "6"),
        pnl(d1 + 1_000, "10100", "10"),
        pnl(d1 + 5_000, "10050", "12"),
    ];
    let batch = |p: &[mirai_core::PnlPoint]| p.iter().copied().map(AnalyticsRecord::Pnl).collect::<Vec<_>>();
    store.write_batch(&batch(&first)).await.unwrap();
    store.write_batch(&batch(&second)).await.unwrap();
    store.write_batch(&batch(&first)).await.unwrap();

    let days = store.daily_pnl(ts(0), ts(d1 + 1)).await.unwrap();
    assert_eq!(days.len(), 2);
    let (a, b) = (&days[0], &days[1]);
    assert_eq!((a.day, b.day), (ts(0), ts(d1)));
    assert_eq!((a.open_equity, a.close_equity), (amount("10000"), amount("10020")));
    assert_eq!((a.high_equity, a.low_equity), (amount("10020"), amount("9990")));
    assert_eq!((a.pnl, a.realised), (amount("20"), amount("6")));
    assert_eq!(
        (b.open_equity, b.close_equity, b.high_equity, b.low_equity),
        (amount("10100"), amount("10050"), amount("10100"), amount("10050"))
    );
    // Against the previous day's close, even when that day is outside the range asked for.
    assert_eq!((b.pnl, b.realised), (amount("30"), amount("6")));
    let only_b = store.daily_pnl(ts(d1 + 10), ts(d1 + 20)).await.unwrap();
    assert_eq!(only_b, vec![*b]);
    assert!(store.daily_pnl(ts(d1), ts(0)).await.is_err());
}
