//! The real `mirai` binary shipping its history to Snowflake, played by a fakesnow server: the
//! binary the tests run is built with the `fakesnow` feature (the worker's dev-dependency on
//! itself), and a default build is not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use mirai_store_local::LocalStore;
use mirai_store_snowflake::{SnowflakeStore, fakesnow_compat};
use serde_json::Value;

use crate::faults::{BarPump, Worker, eventually, last_bar, ledger_fills, stepped_sim, worker_vars};
use mirai_exchange_sim::SimHandle;

/// The shared fakesnow server's URL (the test script's, or one started for this test binary).
pub fn fakesnow_url() -> String {
    mirai_testkit::shared(mirai_testkit::Kind::Fakesnow)
        .unwrap_or_else(|e| panic!("fakesnow (run ./scripts/test.sh, which installs it): {e}"))
        .url()
}

/// A database name no other test (or run) uses; fakesnow creates it at the first login.
pub fn fresh_database(name: &str) -> String {
    format!("MIRAI_{}_{}", name.to_ascii_uppercase(), std::process::id())
}

/// The `SNOWFLAKE_*` settings that send the worker's history to `base_url` (fakesnow, or a proxy
/// in front of it), in `database`.
pub fn snowflake_env(base_url: &str, database: &str) -> Vec<(String, String)> {
    [
        ("SNOWFLAKE_ACCOUNT", "fakesnow"),
        ("SNOWFLAKE_USER", "mirai"),
        ("SNOWFLAKE_PASSWORD", "fakesnow-does-not-check-passwords"),
        ("SNOWFLAKE_WAREHOUSE", "MIRAI_WH"),
        ("SNOWFLAKE_DATABASE", database),
        ("SNOWFLAKE_SCHEMA", "MIRAI"),
        ("SNOWFLAKE_BASE_URL", base_url),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// What Snowflake holds, compared with the ledger.
#[derive(Debug)]
pub struct Shipped {
    pub fills: usize,
    pub orders: usize,
    pub decisions: usize,
}

async fn column(store: &SnowflakeStore, sql: &'static str) -> Vec<Vec<String>> {
    let rows = store.query_static(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.into_iter().map(Option::unwrap_or_default).collect()).collect()
}

/// Keys listed more than once.
fn repeated(keys: &[String]) -> Vec<&String> {
    let mut seen = BTreeSet::new();
    keys.iter().filter(|k| !seen.insert(*k)).collect()
}

/// FILLS, ORDERS and DECISIONS in fakesnow's `database` hold exactly the ledger in `data_dir`:
/// every row once, nothing else, each order in the state the ledger has it in.
pub async fn assert_snowflake_is_the_ledger(database: &str, data_dir: &Path) -> Shipped {
    let ledger = LocalStore::open(data_dir).expect("the worker's ledger");
    let snowflake = fakesnow_compat::connect(fakesnow_compat::settings(&fakesnow_url(), database))
        .await
        .unwrap_or_else(|e| panic!("fakesnow: {e}"));

    let fills: Vec<String> = column(&snowflake, "SELECT SYMBOL || '/' || TRADE_ID FROM FILLS")
        .await
        .into_iter()
        .map(|r| r.concat())
        .collect();
    assert!(repeated(&fills).is_empty(), "fills shipped twice: {:?}", repeated(&fills));
    let want: BTreeSet<String> =
        ledger.all_fills().expect("fills").iter().map(|f| format!("{}/{}", f.symbol, f.trade_id)).collect();
    assert_eq!(fills.iter().cloned().collect::<BTreeSet<_>>(), want, "FILLS is the ledger's fills");

    let orders: Vec<Vec<String>> = column(&snowflake, "SELECT CLIENT_ORDER_ID, STATUS FROM ORDERS").await;
    let ids: Vec<String> = orders.iter().map(|r| r[0].clone()).collect();
    assert!(repeated(&ids).is_empty(), "orders shipped twice: {:?}", repeated(&ids));
    let shipped: BTreeMap<String, String> =
        orders.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let want: BTreeMap<String, String> = ledger
        .orders(usize::MAX)
        .expect("orders")
        .iter()
        .map(|o| (o.request.client_order_id.as_str().to_owned(), o.status.as_str().to_owned()))
        .collect();
    assert_eq!(shipped, want, "ORDERS is the ledger's orders, each in its last state");

    let decisions: Vec<String> =
        column(&snowflake, "SELECT ID FROM DECISIONS").await.into_iter().map(|r| r.concat()).collect();
    assert!(repeated(&decisions).is_empty(), "decisions shipped twice: {:?}", repeated(&decisions));
    let want: BTreeSet<String> =
        ledger.decisions(usize::MAX).expect("decisions").iter().map(|d| d.id.as_str().to_owned()).collect();
    assert_eq!(
        decisions.iter().cloned().collect::<BTreeSet<_>>(),
        want,
        "DECISIONS is the ledger's decisions"
    );

    Shipped { fills: fills.len(), orders: ids.len(), decisions: decisions.len() }
}

/// The closed candles in the ledger in `data_dir` are the venue's bars (`sim`'s, to the last
/// digit, source `venue`), and CANDLES in fakesnow's `database` holds each of them exactly once.
/// Returns how many.
pub async fn assert_candles_shipped_once(database: &str, data_dir: &Path, sim: &SimHandle) -> usize {
    use mirai_core::{CandleRecord, CandleSource, Timestamp};
    let ledger = LocalStore::open(data_dir).expect("the worker's ledger");
    let local = ledger
        .candles(None, Timestamp::from_millis(i64::MIN), Timestamp::from_millis(i64::MAX))
        .expect("candles");
    for c in &local {
        let bar = sim.candles(c.symbol).into_iter().find(|b| b.open_time == c.open_time);
        let want = bar.map(|b| CandleRecord::new(&b, "1m", CandleSource::Venue));
        assert_eq!(Some(c), want.as_ref(), "a recorded candle is the venue's bar");
    }
    let snowflake = fakesnow_compat::connect(fakesnow_compat::settings(&fakesnow_url(), database))
        .await
        .unwrap_or_else(|e| panic!("fakesnow: {e}"));
    let rows = column(
        &snowflake,
        "SELECT SYMBOL, INTERVAL, TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, OPEN_TIME)), \
         TO_VARCHAR(DATE_PART(EPOCH_MILLISECOND, CLOSE_TIME)), TO_VARCHAR(OPEN), TO_VARCHAR(HIGH), \
         TO_VARCHAR(LOW), TO_VARCHAR(CLOSE), TO_VARCHAR(VOLUME), SOURCE FROM CANDLES",
    )
    .await;
    let keys: Vec<String> = rows.iter().map(|r| r[..3].join("/")).collect();
    assert!(repeated(&keys).is_empty(), "candles shipped twice: {:?}", repeated(&keys));
    let dec = |s: &str| s.parse::<mirai_core::Decimal>().unwrap_or_else(|e| panic!("{s}: {e}"));
    let shipped: BTreeSet<String> = rows
        .iter()
        .map(|r| {
            let ms = |s: &str| s.parse::<i64>().unwrap_or_else(|e| panic!("{s}: {e}"));
            // Decimals normalised: the column pads to 18 places.
            let n: Vec<String> = r[4..9].iter().map(|v| dec(v).normalize().to_string()).collect();
            format!("{}/{}/{}/{}/{}/{}", r[0], r[1], ms(&r[2]), ms(&r[3]), n.join("/"), r[9])
        })
        .collect();
    let want: BTreeSet<String> = local
        .iter()
        .map(|c| {
            let n = [c.open.get(), c.high.get(), c.low.get(), c.close.get(), c.volume.get()]
                .map(|v| v.normalize().to_string())
                .join("/");
            let (open, close) = (c.open_time.millis(), c.close_time.millis());
            format!("{}/{}/{open}/{close}/{n}/{}", c.symbol, c.interval, c.source)
        })
        .collect();
    assert_eq!(shipped, want, "CANDLES is the ledger's candles, to the last digit");
    local.len()
}

/// The outbox entry of `topic` (`analytics`, `rationales`) in a `/api/status` answer.
pub fn outbox(status: &Value, topic: &str) -> Value {
    status["outbox"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["topic"] == topic))
        .cloned()
        .unwrap_or_else(|| panic!("no {topic} outbox in {status}"))
}

/// The features `cargo tree` resolves for `package` in a build of mirai-worker with `args`.
fn features(args: &[&str], package: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "--locked", "-p", "mirai-worker", "--prefix", "none", "-f", "{p} [{f}]"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "cargo tree {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{package} v")))
        .unwrap_or_else(|| panic!("{package} is not in the tree:\n{text}"));
    line.rsplit_once('[').map(|(_, f)| f.trim_end_matches(']').to_owned()).unwrap_or_default()
}

// The library these tests link (and the binary they run, built with it) has the adapter: checked
// when this file compiles.
const _: () = assert!(mirai_worker::shipping::FAKESNOW_ADAPTER, "the test build lacks the fakesnow adapter");

#[test]
fn only_a_build_that_asks_for_it_has_the_fakesnow_adapter() {
    // `cargo build --release -p mirai-worker` (no dev-dependencies): neither the worker's feature
    // nor the store's adapter.
    for package in ["mirai-worker", "mirai-store-snowflake"] {
        let plain = features(&["-e", "no-dev"], package);
        assert!(!plain.contains("fakesnow"), "{package} in a default build: [{plain}]");
        // The same check sees it when it is there: asked for explicitly, and in the test build.
        let asked = features(&["-e", "no-dev", "--features", "fakesnow"], package);
        assert!(asked.contains("fakesnow"), "{package} with --features fakesnow: [{asked}]");
        let tests = features(&[], package);
        assert!(tests.contains("fakesnow"), "{package} in the test build: [{tests}]");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_ships_fills_orders_and_decisions_to_snowflake_once_each() {
    // On the simulator, bars made by the test: when it stops making them the worker is quiet, and
    // the ledger holds still while Snowflake is compared with it.
    let sim = stepped_sim(|_| {}).await;
    let database = fresh_database("binary");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vars = worker_vars(&data, &sim, &snowflake_env(&fakesnow_url(), &database));
    let w = Worker::start(dir.path(), &vars).await;
    let pump = BarPump::start(&sim, Duration::from_millis(10));
    eventually(90, async || {
        let shipped = outbox(&w.get("/api/status").await, "analytics")["shipped"].as_u64().unwrap_or(0);
        let fills = ledger_fills(&data);
        if fills >= 3 && shipped > 0 { Ok(fills) } else { Err(format!("{fills} fills, {shipped} shipped")) }
    })
    .await;

    // Killed mid-run: what its outbox still held is shipped by the next start, as after any crash.
    let logs = w.kill();
    assert!(logs.contains("fakesnow adapter"), "the binary the tests run has the adapter:\n{logs}");
    let w = Worker::start(dir.path(), &vars).await;
    let fills = ledger_fills(&data);
    eventually(
        60,
        async || if ledger_fills(&data) > fills { Ok(()) } else { Err("a fill after the restart".into()) },
    )
    .await;
    pump.stop().await;
    eventually(30, async || {
        let (btc, eth) = (last_bar(&data, "BTCUSDT"), last_bar(&data, "ETHUSDT"));
        let last = |s: &str| sim.candles(mirai_core::Symbol::new(s)).last().map(|c| c.open_time.millis());
        if btc == last("BTCUSDT") && eth == last("ETHUSDT") {
            Ok(())
        } else {
            Err("the last bar traded".into())
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    eventually(60, async || {
        let o = outbox(&w.get("/api/status").await, "analytics");
        if o["pending"] == 0 && o["parked"] == 0 && o["consecutive_failures"] == 0 {
            Ok(())
        } else {
            Err(format!("the backlog shipped: {o}"))
        }
    })
    .await;
    let _ = w.kill();
    let shipped = assert_snowflake_is_the_ledger(&database, &data).await;
    assert!(shipped.fills >= 3 && shipped.orders >= 3 && shipped.decisions >= 3, "{shipped:?}");
    let candles = assert_candles_shipped_once(&database, &data, &sim).await;
    assert!(candles >= 10, "{candles} candles");
    // The analysts' views over what was shipped equal the same reports from the ledger.
    let reports = crate::analytics::assert_reports_agree(&database, &data);
    let trips = reports.iter().find(|(r, _)| *r == mirai_reports::Report::RoundTrips).map_or(0, |r| r.1);
    assert!(trips >= 1, "a closed round trip to compare: {reports:?}");
}
