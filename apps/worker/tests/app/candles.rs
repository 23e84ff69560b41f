//! The closed candles the worker trades on are in its local store, each once, exactly as the feed
//! made them, with their source; a restart resumes without a gap or a second copy. (Shipping them
//! to Snowflake's CANDLES: `snowflake.rs`.)

use std::time::Duration;

use mirai_core::{CandleRecord, CandleSource, Symbol, Timestamp};
use mirai_store_local::LocalStore;
use mirai_worker::feed::ReplayFeed;

use crate::helpers::*;

/// Every candle in the store, by symbol, interval and open time.
fn stored(store: &LocalStore) -> Vec<CandleRecord> {
    store.candles(None, Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX)).expect("candles")
}

/// Runs the worker in `dir` until it has recorded at least `n` candles per symbol, then stops it.
async fn run_until(dir: &std::path::Path, n: usize) -> std::sync::Arc<LocalStore> {
    let app = spawn(dir).await;
    let store = app.running.store.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while stored(&store).len() < 2 * n {
        assert!(std::time::Instant::now() < deadline, "only {} candles after 30 s", stored(&store).len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replayed_bars_traded_on_are_recorded_once_each_with_their_source() {
    let dir = tempfile::tempdir().unwrap();
    let first = stored(run_until(dir.path(), 30).await.as_ref()).len();
    // Again on the same data directory: the feed resumes after the last bar traded.
    let store = run_until(dir.path(), first / 2 + 30).await;

    let symbols = [Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")];
    let anchor: i64 = store.get_kv("replay.anchor_ms").unwrap().expect("replay anchor").parse().unwrap();
    let candles = stored(&store);
    assert!(candles.len() > first, "the second run traded on: {} then {}", first, candles.len());
    // The replay (default seed 42) from its first bar: every bar traded, in order, nothing else.
    let mut feed = ReplayFeed::new(&symbols, 42, Timestamp::from_millis(anchor));
    let want: Vec<CandleRecord> = (0..candles.len())
        .flat_map(|_| feed.next_round())
        .map(|c| CandleRecord::new(&c, "1m", CandleSource::Replay))
        .collect();
    let per_symbol =
        |v: &[CandleRecord], s: Symbol| v.iter().filter(|c| c.symbol == s).cloned().collect::<Vec<_>>();
    for s in symbols {
        let got = per_symbol(&candles, s);
        let want = per_symbol(&want, s);
        assert_eq!(got[..], want[..got.len()], "{s}: the replayed bars, exactly, once each");
        // The last one recorded is the last one traded.
        let last: i64 = store
            .get_kv(&format!("{}.{s}", mirai_worker::trader::KV_FEED_LAST))
            .unwrap()
            .expect("last bar")
            .parse()
            .unwrap();
        assert_eq!(got.last().map(|c| c.open_time.millis()), Some(last), "{s}");
    }
    assert!(candles.iter().all(|c| c.close_time.millis() == c.open_time.millis() + 59_999));
}
