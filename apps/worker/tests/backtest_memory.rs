//! What a backtest request can make the worker allocate: each request body is parsed, validated
//! and run exactly as the worker's backtest service does (`run_now`: the same checks and the same
//! run as a job) under this test binary's global allocator, capped (`cap::Cap`) at the service's
//! memory budget above what was in use before. The property: whatever the body, no allocation
//! ever goes past the cap. One that did would fail, and Rust would abort this whole test binary
//! ("memory allocation of N bytes failed"), which fails the run as loudly as it would abort the
//! worker. A refused request allocates next to nothing; an accepted one at most what
//! `memory_bound` promised when it was checked.
//!
//! `cap` rather than our own counting allocator: implementing `GlobalAlloc` takes `unsafe`, which
//! this workspace forbids.

use std::alloc::System;
use std::sync::Mutex;
use std::time::Duration;

use cap::Cap;
use mirai_web::BacktestRequest;
use mirai_worker::backtests::{Budget, memory_bound, run_now};
use proptest::prelude::*;
use serde_json::{Value, json};
use validator::Validate;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// One capped run at a time: the cap is the whole process's.
static CAPPED: Mutex<()> = Mutex::new(());

/// Runs `f` with at most `bytes` more heap than is in use now; the cap is lifted afterwards.
fn within<T>(bytes: u64, f: impl FnOnce() -> T) -> T {
    let _one = CAPPED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let limit = ALLOCATOR.allocated().saturating_add(usize::try_from(bytes).unwrap_or(usize::MAX));
    ALLOCATOR.set_limit(limit).expect("the cap is above what is allocated");
    let out = f();
    ALLOCATOR.set_limit(usize::MAX).expect("lifting the cap");
    out
}

/// What the web tier and then the worker do with a body: parse, validate, check and run.
fn serve(body: &[u8], budget: &Budget) -> Result<(), String> {
    let request: BacktestRequest = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    request.validate().map_err(|e| e.to_string())?;
    run_now(&request, budget).map(|_| ()).map_err(|e| e.to_string())
}

/// A budget small enough for debug-build runs that still refuses the larger requests below.
fn small_budget() -> Budget {
    Budget { max_bars: 40_000, memory_bytes: memory_bound(20_000, 0, 0), time: Duration::from_secs(60) }
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0u64..64).prop_map(Value::from),
        (0u64..100_000).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[0-9]{1,30}".prop_map(Value::from),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let strategy = prop_oneof![
        Just("sma-cross"),
        Just("rsi-reversion"),
        Just("macd"),
        Just("donchian"),
        Just("bollinger"),
        Just("ichimoku")
    ];
    let names = prop_oneof![
        Just("fast"),
        Just("slow"),
        Just("period"),
        Just("lower"),
        Just("upper"),
        Just("signal"),
        Just("entry"),
        Just("exit"),
        Just("k")
    ];
    let params = proptest::collection::btree_map(names, number(), 0..4);
    let data = prop_oneof![
        (any::<u32>(), any::<u64>(), prop_oneof![Just("1s"), Just("1m"), Just("1d"), Just("99999d"), Just("0m")])
            .prop_map(|(bars, seed, interval)| json!({ "generated": { "bars": bars % 60_000, "seed": seed, "interval": interval } })),
        (any::<u32>(), any::<u64>()).prop_map(|(bars, seed)| json!({ "generated": { "bars": bars, "seed": seed } })),
        Just(json!({ "bundled": { "name": "goog-daily" } })),
    ];
    let fill = prop_oneof![Just("next-open"), Just("close")];
    let sizing = prop_oneof![Just("whole"), Just("fractional")];
    (strategy, params, data, fill, sizing).prop_map(|(strategy, params, data, fill, sizing)| {
        serde_json::to_vec(
            &json!({ "strategy": strategy, "params": params, "data": data, "fill": fill, "sizing": sizing }),
        )
        .expect("json")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_request_body_makes_the_worker_allocate_beyond_its_budget(body in body()) {
        let budget = small_budget();
        // Reaching the end is the property: an allocation past the cap aborts the binary.
        let outcome = within(budget.memory_bytes, || serve(&body, &budget));
        if let Err(e) = &outcome {
            prop_assert!(!e.contains("internal error"), "{e}");
        }
    }
}

/// The busiest runs there are — a cross every other bar, fractional sizing, and either minute
/// bars or one calendar day a bar — run within the bound the service checks them against, so the
/// bound's per-bar and per-day figures are upper bounds (the property test above runs mostly
/// smaller series, where the fixed part dominates).
#[test]
fn the_busiest_runs_stay_within_their_bound() {
    let bars = 150_000u32;
    let budget = Budget { max_bars: u64::from(bars), memory_bytes: u64::MAX, time: Duration::from_secs(600) };
    for (interval, days) in [("1m", u64::from(bars) / 1_440 + 2), ("1d", u64::from(bars) + 1)] {
        let body = json!({
            "strategy": "sma-cross",
            "params": { "fast": 1, "slow": 2 },
            "data": { "generated": { "bars": bars, "seed": 7, "interval": interval } },
            "sizing": "fractional",
            "fill": "close",
        });
        let body = serde_json::to_vec(&body).expect("json");
        let bound = memory_bound(u64::from(bars), days, 2);
        within(bound, || serve(&body, &budget)).expect("runs within its bound");
    }
}

/// The request from the security review: a 10-bar series with a trillion-bar window. Refused
/// before anything of its size is allocated.
#[test]
fn a_trillion_bar_window_is_refused_without_allocating_it() {
    let body = br#"{"strategy":"sma-cross","params":{"fast":1,"slow":1000000000000},"data":{"generated":{"bars":10}}}"#;
    let e = within(1 << 20, || serve(body, &Budget::default())).expect_err("refused");
    assert!(e.contains("params.slow"), "{e}");
}
