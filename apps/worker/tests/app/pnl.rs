//! `GET /api/pnl` on a running worker: the series is the ledger's own P&L snapshots, the last of
//! each step, ending on the latest; its drawdown is over every snapshot; a step too fine for the
//! window is refused naming the smallest that fits.

use std::time::{Duration, Instant};

use mirai_core::{PnlPoint, Timestamp};
use mirai_store_local::PnlSnapshot;
use mirai_web::{MAX_PNL_POINTS, PnlStep};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::*;

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("{v} is no decimal string")).parse().unwrap_or_else(|e| panic!("{e}"))
}

fn points(snapshots: &[PnlSnapshot]) -> Vec<PnlPoint> {
    snapshots
        .iter()
        .map(|s| PnlPoint {
            ts: s.ts,
            equity: s.equity,
            cash: s.cash,
            realised: s.realised,
            unrealised: s.unrealised,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_series_is_the_ledgers_snapshots_a_step_at_a_time() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let app = spawn(dir.path()).await;
    let store = app.running.store.clone();
    let deadline = Instant::now() + Duration::from_secs(120);
    let all = loop {
        let all = store.pnl_between(None, None).unwrap_or_else(|e| panic!("{e}"));
        if all.len() >= 50 && app.trades().await.len() >= 2 {
            break all;
        }
        assert!(Instant::now() < deadline, "only {} P&L snapshots in 120 s", all.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // A window the worker has finished writing: snapshots arriving meanwhile fall after it.
    let (first, last) = (all[0].ts, all[all.len() - 1].ts);
    let window = format!("from={}&to={}", first.millis(), last.millis() + 1);
    let snapshots = store
        .pnl_between(Some(first), Some(Timestamp::from_millis(last.millis() + 1)))
        .unwrap_or_else(|e| panic!("{e}"));

    // Without a step: the smallest that fits, and every point the last snapshot of its step.
    let v = app.get(&format!("/api/pnl?{window}")).await;
    let step = PnlStep::parse(v["step"].as_str().unwrap_or_default()).unwrap_or_else(|| panic!("{v}"));
    let fits = |s: PnlStep| mirai_reports::steps_between(first, last, s.millis()) <= MAX_PNL_POINTS;
    let smallest = PnlStep::LADDER.into_iter().find(|s| fits(*s)).unwrap_or_else(|| panic!("a step fits"));
    assert_eq!(step, smallest);
    let series = v["points"].as_array().cloned().unwrap_or_default();
    let expected = mirai_reports::downsample(&points(&snapshots), step.millis());
    assert_eq!(series.len(), expected.len());
    for (shown, p) in series.iter().zip(&expected) {
        assert_eq!(shown["ts"], p.ts.millis(), "{shown}");
        assert_eq!(dec(&shown["equity"]), p.equity.get(), "{shown}");
        assert_eq!(dec(&shown["cash"]), p.cash.get(), "{shown}");
        assert_eq!(dec(&shown["realised_pnl"]), p.realised.get(), "{shown}");
        assert_eq!(dec(&shown["unrealised_pnl"]), p.unrealised.get(), "{shown}");
    }
    let latest = series.last().unwrap_or_else(|| panic!("{v}"));
    let newest = snapshots.last().unwrap_or_else(|| panic!("snapshots"));
    assert_eq!(
        (latest["ts"].as_i64(), dec(&latest["equity"])),
        (Some(newest.ts.millis()), newest.equity.get()),
        "the chart ends on the latest value"
    );
    let drawdown = mirai_reports::max_drawdown(&points(&snapshots));
    assert_eq!(dec(&v["max_drawdown"]), drawdown.amount);
    assert_eq!(
        v["max_drawdown_ratio"].as_str().map(|r| r.parse::<Decimal>().unwrap_or_default()),
        drawdown.ratio
    );

    // A coarser step: fewer points, the same last one.
    let v = app.get(&format!("/api/pnl?{window}&step=1d")).await;
    assert_eq!(v["step"], "1d");
    let daily = v["points"].as_array().cloned().unwrap_or_default();
    assert_eq!(daily.len(), mirai_reports::downsample(&points(&snapshots), 86_400_000).len());
    assert_eq!(daily.last().map(|p| p["ts"].clone()), Some(latest["ts"].clone()));

    // 1s over this window is too fine (the replayed bars are a minute apart): refused, naming
    // the smallest step allowed.
    assert!(!fits(PnlStep::LADDER[0]), "the window is under 5000 s: {first:?}..{last:?}");
    let resp = app
        .client
        .get(format!("{}/api/pnl?{window}&step=1s", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["code"], "validation_failed");
    assert_eq!(
        (body["fields"][0]["field"].clone(), body["fields"][0]["code"].clone()),
        ("step".into(), "too_fine".into())
    );
    let message = body["fields"][0]["message"].as_str().unwrap_or_default();
    assert!(message.ends_with(&format!("the smallest step allowed is {smallest}")), "{message}");

    // Nothing in the window: no points, no drawdown.
    let v = app.get("/api/pnl?from=1970-01-01&to=1970-01-02").await;
    assert_eq!(v["points"], Value::Array(Vec::new()));
    assert_eq!(v["max_drawdown"], "0");
    let anonymous =
        app.client.get(format!("{}/api/pnl", app.base)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}
