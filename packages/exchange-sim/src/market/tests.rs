use super::*;

fn market(cfg: &SimConfig, now: i64) -> Market {
    Market::new(cfg, now, HashMap::new())
}

#[test]
fn history_then_bars_are_contiguous_and_klines_select_by_open_time() {
    let mut cfg = SimConfig::new("k", "s");
    cfg.history_bars = 10;
    let now = 1_700_000_010_000; // 30 s into the minute that starts at 1_699_999_980_000
    let mut m = market(&cfg, now);
    assert!(m.finish_bar(now).is_empty(), "in real time, the bar opening now has not closed yet");
    let now = now + 60_000;
    let btc = Symbol::new("BTCUSDT");
    let all = m.klines(btc, None, None, 1000).unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(
        all[9].close_time.millis(),
        1_699_999_980_000 - 1,
        "history ends where the current minute starts"
    );
    let ticks = m.finish_bar(now);
    assert_eq!(ticks.len(), 2);
    assert_eq!(ticks[0].kline.open_time.millis(), 1_699_999_980_000);
    assert!(ticks[0].kline.closed);
    let q = m.quote(btc).unwrap();
    assert!(q.bid < q.ask);
    let from = all[3].open_time.millis();
    let some = m.klines(btc, Some(from), Some(all[5].open_time.millis()), 1000).unwrap();
    assert_eq!(some, all[3..=5].to_vec());
    assert_eq!(m.klines(btc, None, None, 2).unwrap().len(), 2);
    assert!(m.klines(Symbol::new("XRPUSDT"), None, None, 5).is_none());
    assert!(m.finish_bar(now).is_empty(), "never ahead of the wall clock");
    cfg.past_bars = 1_000;
    let mut fast = market(&cfg, now);
    assert_eq!((0..500).map(|_| fast.finish_bar(now).len()).sum::<usize>(), 1_000, "room to run fast");
}

#[test]
fn updates_form_the_bar_every_two_seconds_and_close_it_as_one_bar_would() {
    let mut cfg = SimConfig::new("k", "s");
    cfg.history_bars = 5;
    cfg.past_bars = 100;
    let now = 1_700_000_000_000;
    let mut m = market(&cfg, now);
    assert_eq!(m.updates_per_bar(), 30);
    let mut coarse = market(&cfg, now);
    let whole = coarse.finish_bar(now);
    let start = m.now();
    assert_eq!(m.next_update_time(), start + 2_000);
    let mut ticks = m.run_until(start + 60_000, now, usize::MAX);
    assert_eq!(ticks.len(), 60, "30 updates of 2 symbols");
    ticks.retain(|t| t.kline.symbol == Symbol::new("BTCUSDT"));
    let (forming, closing) = ticks.split_at(29);
    assert!(forming.iter().all(|t| !t.kline.closed) && closing[0].kline.closed);
    assert_eq!(closing[0].kline, whole[0].kline, "the same bar, watched or not");
    for (i, t) in ticks.iter().enumerate() {
        assert_eq!(t.trade.id, t.first_trade_id + i as i64, "one trade per update, ids in a row");
        assert_eq!(t.update_id, t.trade.id as u64);
        assert_eq!(t.kline.close, t.trade.price);
        let q = t.quote;
        assert!(q.bid < q.ask && (q.bid == t.trade.price || q.ask == t.trade.price));
        assert_eq!(t.trade.buyer_maker, q.bid == t.trade.price && q.ask != t.trade.price);
        assert!(t.kline.low <= t.segment.low && t.segment.high <= t.kline.high);
        if i > 0 {
            assert!(t.kline.high >= ticks[i - 1].kline.high && t.kline.volume >= ticks[i - 1].kline.volume);
            assert!(t.segment.close_time > ticks[i - 1].segment.close_time);
        }
    }
    assert_eq!(forming[0].segment.close_time.millis(), start + 2_000);
    assert_eq!(closing[0].segment.close_time, closing[0].kline.close_time);
    let next = m.run_until(m.now() + 2_000, now, usize::MAX);
    assert!(next[0].trade.id > closing[0].trade.id, "ids go on growing across bars");
    let (first, last, n) = m.bar_trades(&closing[0].kline);
    assert_eq!((first, last, n), (closing[0].first_trade_id, closing[0].trade.id, 30));
}

#[test]
fn the_day_s_statistics_come_from_the_last_24_hours_of_bars() {
    let mut cfg = SimConfig::new("k", "s");
    cfg.history_bars = 2_000;
    cfg.past_bars = 100;
    let now = 1_700_000_000_000;
    let mut m = market(&cfg, now);
    m.run_until(m.now() + 10_000, now, usize::MAX);
    let btc = Symbol::new("BTCUSDT");
    let d = m.day_stats(btc).unwrap();
    let bars = m.klines(btc, Some(d.open_time), None, 5_000).unwrap();
    assert_eq!(bars.len(), 1_440 - 1, "a day of minutes, the last one still forming");
    assert_eq!(d.close_time - d.open_time, DAY_MS);
    assert_eq!(d.open, bars[0].open.get());
    let high = bars.iter().map(|c| c.high.get()).max().unwrap();
    assert!(d.high >= high);
    assert_eq!(d.last, m.last_price(btc).unwrap().get());
    assert_eq!(d.count, d.last_id - d.first_id + 1);
    assert_eq!(d.count, 1_439 * 30 + 5, "30 trades a bar, 5 so far in this one");
    let before = m.klines(btc, None, Some(d.open_time - 1), 1).unwrap();
    assert_eq!(d.prev_close, before[0].close.get());
    assert_eq!(d.quote, m.quote(btc).unwrap());
}
