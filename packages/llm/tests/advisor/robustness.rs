//! Whatever a recorded call holds (arbitrary text, JSON objects with the schema's fields and
//! random values, a refusal, nothing), replaying it gives the model's advice exactly when the
//! answer validates, and otherwise a fallback with a reason: never a panic, never an error.

use mirai_core::{Action, ExternalAdvice};
use mirai_llm::advisor::answer::{self, ModelAction};
use mirai_llm::advisor::calls::{CallLog, RecordedCall};
use mirai_llm::advisor::prompt::{self, PromptNews};
use mirai_llm::advisor::{LlmAdvisor, Source};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

use crate::support::{TempDir, news, request, settings};

const MODEL: &str = "sim-follow";

fn shown_news() -> Vec<PromptNews> {
    vec![news(1), news(2), news(3)]
}

/// Records `content` / `refusal` as the answer to the decision's exact request, then replays it.
fn replay(content: Option<&str>, refusal: Option<&str>) -> Result<(), TestCaseError> {
    let dir = TempDir::new("robust");
    let log = CallLog::open(dir.path()).expect("a call log");
    let req = request();
    let shown = shown_news();
    let p = prompt::build(&req, &shown);
    let key = prompt::prompt_hash(MODEL, &p, &answer::schema());
    log.put(&RecordedCall {
        key: key.clone(),
        model: MODEL.into(),
        system: p.system.clone(),
        user: p.user.clone(),
        content: content.map(str::to_owned),
        refusal: refusal.map(str::to_owned),
        tokens_in: 100,
        tokens_out: 20,
        latency_ms: 5,
        cost_usd: "0".into(),
    })
    .expect("recorded");

    // Port 9 (discard) on loopback: a replay-only advisor never connects anyway.
    let addr = "127.0.0.1:9".parse().expect("an address");
    let advisor = LlmAdvisor::new(&settings(addr, MODEL), log, Source::ReplayOnly).expect("an advisor");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let advice = rt
        .block_on(advisor.advise(&req, &shown))
        .map_err(|e| TestCaseError::fail(format!("a recorded call must replay: {e}")))?;

    match (&advice, content) {
        (ExternalAdvice::Fallback { reason, prompt_hash, .. }, None) => {
            prop_assert!(!reason.is_empty());
            prop_assert_eq!(prompt_hash.as_deref(), Some(key.as_str()));
            let why = if refusal.is_some() { "refused" } else { "no content" };
            prop_assert!(reason.contains(why), "{}", reason);
        }
        (ExternalAdvice::Model(m), None) => {
            return Err(TestCaseError::fail(format!("advice from an answer with no content: {m:?}")));
        }
        (_, Some(content)) => match (&advice, answer::validate(content, Action::Buy, &p.shown)) {
            (ExternalAdvice::Model(m), Ok(valid)) => {
                prop_assert_eq!(m.enter, valid.action == ModelAction::Buy);
                prop_assert_eq!(m.abstained, valid.action == ModelAction::Abstain);
                prop_assert_eq!(m.confidence, valid.confidence);
                prop_assert_eq!(m.size_fraction, valid.size_fraction);
                prop_assert_eq!(&m.rationale, &valid.rationale);
                prop_assert_eq!(&m.citations, &valid.citations);
                prop_assert_eq!(&m.prompt_hash, &key);
                prop_assert_eq!(m.model.as_str(), MODEL);
            }
            (ExternalAdvice::Fallback { reason, prompt_hash, .. }, Err(rejection)) => {
                prop_assert!(!reason.is_empty());
                prop_assert_eq!(reason, &rejection.to_string());
                prop_assert_eq!(prompt_hash.as_deref(), Some(key.as_str()));
            }
            (advice, validated) => {
                return Err(TestCaseError::fail(format!(
                    "{content:?}: the advisor gave {advice:?} but validation says {validated:?}"
                )));
            }
        },
    }
    let stats = advisor.stats();
    prop_assert_eq!(stats.calls, 1);
    prop_assert_eq!(stats.fallbacks, u64::from(matches!(advice, ExternalAdvice::Fallback { .. })));
    Ok(())
}

/// Any JSON value, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A field's value: mostly plausible for that field, sometimes anything at all.
fn field(name: &'static str) -> BoxedStrategy<Value> {
    let plausible: BoxedStrategy<Value> = match name {
        "action" => prop_oneof![
            4 => prop::sample::select(vec!["buy", "hold", "abstain"]).prop_map(Value::from),
            1 => prop::sample::select(vec!["sell", "BUY", "", "strong_buy"]).prop_map(Value::from),
        ]
        .boxed(),
        "confidence" | "size_fraction" => prop_oneof![
            4 => (0.0..=1.0f64).prop_map(Value::from),
            1 => (-2.0..3.0f64).prop_map(Value::from),
        ]
        .boxed(),
        "rationale" => prop_oneof![
            3 => Just(Value::from("ETF flows look steady.")),
            1 => any::<String>().prop_map(Value::from),
        ]
        .boxed(),
        _ => {
            let shown = prop::sample::select(vec!["n-1", "n-2", "n-3"]).prop_map(Value::from);
            let id = prop_oneof![
                4 => shown.clone(),
                1 => prop::sample::select(vec!["n-9", "N-1", "", "n-1 "]).prop_map(Value::from),
                1 => any::<String>().prop_map(Value::from),
            ];
            prop_oneof![
                3 => prop::collection::vec(shown, 0..4).prop_map(Value::from),
                1 => prop::collection::vec(id, 0..15).prop_map(Value::from),
            ]
            .boxed()
        }
    };
    prop_oneof![9 => plausible, 1 => any_json()].boxed()
}

/// An object with the schema's field names and random values; now and then a field is missing
/// or an extra one is there.
fn object() -> impl Strategy<Value = String> {
    let names = ["action", "confidence", "size_fraction", "rationale", "citations"];
    (
        names.map(|n| (prop::bool::weighted(0.95), field(n))),
        prop::option::weighted(0.05, (any::<String>(), any_json())),
    )
        .prop_map(move |(fields, extra)| {
            let mut map = Map::new();
            for (name, (keep, value)) in names.into_iter().zip(fields) {
                if keep {
                    map.insert(name.to_owned(), value);
                }
            }
            if let Some((name, value)) = extra {
                map.insert(name, value);
            }
            Value::Object(map).to_string()
        })
}

fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

#[test]
fn arbitrary_recorded_text_replays_as_advice_only_when_it_validates() {
    let text = prop_oneof![
        3 => any::<String>(),
        1 => prop::sample::select(vec![
            "", "null", "[]", "{}", "{\"action\":", "```json\n{}\n```", "NaN", "1e999",
            "{\"action\":\"buy\",\"confidence\":0.9,\"size_fraction\":0.5,\"rationale\":\"r\",\"citations\":[\"n-1\"]}",
        ])
        .prop_map(str::to_owned),
    ];
    let recorded = (prop::option::weighted(0.9, text), prop::option::of(any::<String>()));
    run(256, recorded, |(content, refusal)| replay(content.as_deref(), refusal.as_deref()));
}

#[test]
fn arbitrary_recorded_objects_replay_as_advice_only_when_they_validate() {
    // The objects must reach both outcomes, or the property would test one side only.
    let outcomes = std::cell::Cell::new((0u32, 0u32));
    run(256, object(), |content| {
        let valid = answer::validate(&content, Action::Buy, &prompt::build(&request(), &shown_news()).shown);
        let (ok, rejected) = outcomes.get();
        outcomes.set(if valid.is_ok() { (ok + 1, rejected) } else { (ok, rejected + 1) });
        replay(Some(&content), None)
    });
    let (ok, rejected) = outcomes.get();
    assert!(ok >= 10 && rejected >= 10, "{ok} valid and {rejected} rejected answers");
}
