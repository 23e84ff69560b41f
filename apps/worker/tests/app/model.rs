//! `ADVISOR=llm`: the worker asks a model (the local simulator) about each entry, records who
//! decided on every decision, keeps trading on the rules when the model cannot answer in time,
//! and shows the model's totals in `/api/status`.

use std::time::{Duration, Instant};

use mirai_core::AdviceSource;
use mirai_llm::sim::{Sim, serve};

use crate::helpers::*;

struct RunningSim {
    addr: std::net::SocketAddr,
    sim: Sim,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn sim() -> RunningSim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let sim = Sim::new();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, sim.clone(), async move {
        let _ = stopped.await;
    }));
    RunningSim { addr, sim, _stop: stop }
}

/// Waits until the ledger holds a decision `pick` accepts.
async fn wait_for_decision(
    app: &TestApp,
    secs: u64,
    pick: impl Fn(&mirai_core::Decision) -> bool,
) -> mirai_core::Decision {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(d) =
            app.running.store.decisions(10_000).expect("the ledger reads").into_iter().find(|d| pick(d))
        {
            return d;
        }
        assert!(Instant::now() < deadline, "no such decision within {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_decided_with_the_models_advice_and_recorded() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let base_url = format!("http://{}/v1", sim.addr);
    let app = spawn_with(
        dir.path(),
        &[("ADVISOR", "llm"), ("OPENAI_BASE_URL", &base_url), ("OPENAI_MODEL", "sim-follow")],
    )
    .await;
    let buy = wait_for_decision(&app, 60, |d| matches!(d.advisor, AdviceSource::Model(_))).await;
    assert_eq!(buy.action, mirai_core::Action::Buy);
    assert_eq!(buy.rationale, format!("Following the sma-cross signal on {}.", buy.symbol));
    // The model's size (0.5) can only shrink the worker's (POSITION_SIZE, 0.1 by default).
    assert_eq!(buy.size_fraction, rust_decimal_macros::dec!(0.05));
    let AdviceSource::Model(m) = &buy.advisor else { unreachable!() };
    let (model, prompt_hash) = (&m.model, &m.prompt_hash);
    assert_eq!(model, "sim-follow");
    let recorded = dir.path().join(mirai_worker::advice::CALL_LOG_DIR).join(format!("{prompt_hash}.json"));
    assert!(recorded.exists(), "the call is recorded under its prompt hash");

    let status = app.get("/api/status").await;
    assert_eq!(status["advisor"]["kind"], "llm");
    assert_eq!(status["advisor"]["model"], "sim-follow");
    assert!(status["advisor"]["calls"].as_u64().unwrap() >= 1, "{status}");
    assert!(sim.sim.calls() >= 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_model_falls_back_to_the_rules_at_once_with_the_reason() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let base_url = format!("http://{}/v1", sim.addr);
    let app = spawn_with(
        dir.path(),
        &[("ADVISOR", "llm"), ("OPENAI_BASE_URL", &base_url), ("OPENAI_MODEL", "sim-429")],
    )
    .await;
    let d = wait_for_decision(&app, 60, |d| matches!(d.advisor, AdviceSource::Fallback(_))).await;
    let AdviceSource::Fallback(f) = &d.advisor else { unreachable!() };
    let reason = &f.reason;
    assert!(reason.contains("rate limited"), "{reason}");
    assert!(d.rationale.contains("crossed"), "the rules decided: {}", d.rationale);
    // Trading goes on by the rules: the server's "retry after a day" held nothing up.
    let trades = app.wait_for_trades(1, 60).await;
    // The dashboard's trade list says who decided each buy, and why the model did not.
    let advised: Vec<&serde_json::Value> =
        trades.iter().filter(|t| t["side"] == "BUY").map(|t| &t["advisor"]).collect();
    assert!(!advised.is_empty(), "{trades:?}");
    for a in advised {
        assert_eq!(a["kind"], "fallback", "{a}");
        assert!(!a["reason"].as_str().unwrap_or("").is_empty(), "the reason is shown: {a}");
    }
    let status = app.get("/api/status").await;
    assert!(status["advisor"]["fallbacks"].as_u64().unwrap() >= 1, "{status}");
    assert!(status["advisor"]["last_fallback_reason"].as_str().unwrap().contains("rate limited"));
    // After a few 429s the breaker opens: those fall back as `breaker_open`.
    let causes = status["advisor"]["fallbacks_by_cause"].as_object().expect("counts by cause");
    assert!(causes["rate_limited"].as_u64().unwrap() >= 1, "{status}");
    let counted: u64 = causes.values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(counted, status["advisor"]["fallbacks"].as_u64().unwrap(), "each under one cause: {status}");
    let guard = dir.path().join(format!("{}.guard.json", mirai_worker::advice::CALL_LOG_DIR));
    assert!(guard.exists(), "the day's guards are kept beside the call log");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_the_status_says_the_rules_decide() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(dir.path()).await;
    let status = app.get("/api/status").await;
    assert_eq!(status["advisor"]["kind"], "rules");
    assert_eq!(status["advisor"]["calls"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_advisor_mode_orders_wait_for_a_person_and_run_only_once_approved() {
    let dir = tempfile::tempdir().unwrap();
    // Limits wide enough that the replayed market's moves between proposal and approval do not
    // trip a gate: this test is about the approval, the gate re-check has its own.
    let app = spawn_with(
        dir.path(),
        &[
            ("APPROVAL_MODE", "advisor"),
            ("MAX_ORDER_NOTIONAL", "5000"),
            ("MAX_POSITION_PCT", "50"),
            ("MAX_EXPOSURE_PCT", "90"),
        ],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let pending = loop {
        let list = app.get("/api/proposals?status=pending").await;
        if let Some(p) = list["proposals"].as_array().and_then(|a| a.first()).cloned() {
            break p;
        }
        assert!(app.trades().await.is_empty(), "nothing trades before an approval");
        assert!(Instant::now() < deadline, "no proposal within 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let id = pending["id"].as_str().unwrap().to_owned();
    assert!(app.running.store.orders(100).unwrap().is_empty(), "no order exists while the proposal waits");
    assert!(pending["rationale"].as_str().is_some_and(|r| !r.is_empty()), "the person sees why: {pending}");

    let resp = app
        .client
        .post(format!("{}/api/proposals/{id}/approve", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let decided: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(decided["status"], "EXECUTED", "{decided}");
    assert_eq!(decided["decided_by"], "admin");
    // Every order in the ledger went through a person's approval.
    for o in app.running.store.orders(100).unwrap() {
        let p =
            app.running.store.proposal(&o.request.client_order_id).unwrap().expect("a proposal per order");
        assert!(p.decided_by.is_some(), "{p:?}");
    }
    let again = app
        .client
        .post(format!("{}/api/proposals/{id}/approve", app.base))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "approved once only");
    app.stop().await;
}
