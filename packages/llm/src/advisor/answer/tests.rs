//! Tests of `answer`.

use mirai_core::Timestamp;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Map;

use super::*;

fn shown() -> Vec<ShownNews> {
    (1..=3)
        .map(|i| ShownNews {
            id: format!("n-{i}"),
            published_at: Timestamp::from_millis(1_700_000_000_000 + i),
            title: format!("Headline {i}"),
            url: (i != 2).then(|| format!("https://example.com/{i}")),
            content_hash: format!("{i:064x}"),
        })
        .collect()
}

fn answer(fields: Value) -> String {
    let mut base = json!({
        "action": "buy",
        "confidence": 0.82,
        "size_fraction": 0.5,
        "rationale": "Momentum confirmed by ETF inflows.",
        "citations": ["n-1"]
    });
    if let (Some(b), Some(f)) = (base.as_object_mut(), fields.as_object()) {
        for (k, v) in f {
            b.insert(k.clone(), v.clone());
        }
    }
    base.to_string()
}

fn check(fields: Value) -> Result<ValidAnswer, Rejection> {
    validate(&answer(fields), Action::Buy, &shown())
}

#[test]
fn the_schema_is_strict_and_names_every_field() {
    let s = schema();
    assert_eq!(s["additionalProperties"], false);
    let required: Vec<&str> = s["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut properties: Vec<&str> = s["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    properties.sort_unstable();
    let mut sorted = required.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, properties);
    assert_eq!(required, ["action", "confidence", "size_fraction", "rationale", "citations"]);
    assert_eq!(s["properties"]["action"]["enum"], json!(["buy", "sell", "hold", "abstain"]));
    assert_eq!(SCHEMA_NAME, "mirai_advice");
}

#[test]
fn a_valid_answer_passes_with_its_citations_resolved() {
    let a = check(json!({"citations": ["n-3", "n-2", "n-3"]})).unwrap();
    assert_eq!(a.action, ModelAction::Buy);
    assert_eq!(a.confidence.get(), Decimal::from_str("0.8200").unwrap());
    assert_eq!(a.confidence.get().scale(), 4);
    assert_eq!(a.size_fraction, Decimal::from_str("0.5000").unwrap());
    assert_eq!(a.rationale, "Momentum confirmed by ETF inflows.");
    let n = &shown()[2];
    assert_eq!(
        a.citations[0],
        Citation {
            title: "Headline 3".into(),
            url: Some("https://example.com/3".into()),
            news_id: Some("n-3".into()),
            published_at: Some(n.published_at),
            content_hash: Some(n.content_hash.clone()),
        }
    );
    let ids: Vec<_> = a.citations.iter().map(|c| c.news_id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["n-3", "n-2"], "repeated ids once, first order kept");
    assert_eq!(a.citations[1].url, None);
}

#[test]
fn hold_and_abstain_are_answers_to_any_signal() {
    for signal in [Action::Buy, Action::Sell, Action::Hold] {
        let a = validate(&answer(json!({"action": "hold", "citations": []})), signal, &shown()).unwrap();
        assert_eq!(a.action, ModelAction::Hold);
        let a = validate(&answer(json!({"action": "abstain", "citations": []})), signal, &[]).unwrap();
        assert_eq!(a.action, ModelAction::Abstain);
    }
    let a =
        check(json!({"action": "abstain", "confidence": 0, "size_fraction": 0, "citations": []})).unwrap();
    assert_eq!(
        (a.action, a.confidence, a.size_fraction.is_zero()),
        (ModelAction::Abstain, Confidence::ZERO, true)
    );
}

#[test]
fn rounding_keeps_four_places_and_the_bounds() {
    let a = check(json!({"confidence": 1, "size_fraction": 0.99996})).unwrap();
    assert_eq!(a.confidence, Confidence::new_checked(Decimal::from_str("1.0000").unwrap()).unwrap());
    assert_eq!(a.size_fraction.to_string(), "1.0000");
    let a = check(json!({"confidence": -0.0, "size_fraction": 1e-9})).unwrap();
    assert_eq!(a.confidence.get().to_string(), "0.0000");
    assert_eq!(a.size_fraction.to_string(), "0.0000");
}

#[test]
fn text_that_is_not_json_is_rejected_with_a_short_excerpt() {
    let long = format!("Sure! Here is my answer: {}", "x".repeat(10_000));
    for content in ["", "buy", "```json\n{}\n```", "{\"action\": \"buy\"", long.as_str(), "NaN"] {
        let r = validate(content, Action::Buy, &shown());
        let Err(Rejection::NotJson(excerpt)) = &r else { panic!("{content:.40}: {r:?}") };
        assert!(excerpt.chars().count() <= MAX_EXCERPT_CHARS, "{excerpt}");
        assert!(!excerpt.contains("xxxxxxxx"), "{excerpt}");
    }
}

#[test]
fn schema_violations_are_rejected() {
    let cases = [
        answer(json!({"confidence": "0.9"})),
        answer(json!({"citations": "n-1"})),
        answer(json!({"citations": [1]})),
        answer(json!({"rationale": null})),
        answer(json!({"action": "strong_buy"})),
        answer(json!({"action": "BUY"})),
        answer(json!({"stop_loss": 100})),
        r#"{"action":"buy","confidence":0.8,"size_fraction":0.5,"rationale":"r"}"#.to_owned(),
        r#"{"action":"buy","action":"hold","confidence":0.8,"size_fraction":0.5,"rationale":"r","citations":[]}"#
            .to_owned(),
        "[1, 2]".to_owned(),
        r#"["buy", 0.8, 0.5, "r", []]"#.to_owned(),
        "null".to_owned(),
    ];
    for content in cases {
        let r = validate(&content, Action::Buy, &shown());
        assert!(matches!(r, Err(Rejection::Schema(_))), "{content}: {r:?}");
    }
    let r = check(json!({"confidence": "9".repeat(5000)}));
    let Err(Rejection::Schema(msg)) = r else { panic!("{r:?}") };
    assert!(msg.chars().count() <= MAX_EXCERPT_CHARS, "the value is not copied whole: {msg}");
}

#[test]
fn values_outside_zero_to_one_are_rejected() {
    for (fields, field) in [
        (json!({"confidence": 1.5}), "confidence"),
        (json!({"confidence": -0.1}), "confidence"),
        (json!({"size_fraction": 2}), "size_fraction"),
        (json!({"size_fraction": -1e-12}), "size_fraction"),
        (json!({"confidence": 1e300}), "confidence"),
    ] {
        let r = check(fields);
        let Err(Rejection::OutOfRange { field: f, value }) = &r else { panic!("{r:?}") };
        assert_eq!(*f, field);
        assert!(value.len() <= 24, "{value}");
    }
    assert_eq!(
        check(json!({"confidence": 1.5})).unwrap_err().to_string(),
        "confidence 1.5 is not a number between 0 and 1"
    );
}

#[test]
fn numbers_json_cannot_carry_are_rejected() {
    for number in ["1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1e999999"] {
        let content = format!(
            r#"{{"action":"buy","confidence":{number},"size_fraction":0.5,"rationale":"r","citations":[]}}"#
        );
        let r = validate(&content, Action::Buy, &shown());
        assert!(matches!(r, Err(Rejection::NotJson(_))), "{number}: {r:?}");
    }
}

#[test]
fn answers_against_the_signal_contradict_it() {
    assert_eq!(
        check(json!({"action": "sell"})),
        Err(Rejection::Contradicts { signal: Action::Buy, answer: "sell".into() })
    );
    let r = validate(&answer(json!({})), Action::Sell, &shown());
    assert_eq!(r, Err(Rejection::Contradicts { signal: Action::Sell, answer: "buy".into() }));
    assert_eq!(
        r.unwrap_err().to_string(),
        "the answer \"buy\" cannot be taken on a sell signal: only buy, hold or abstain on an entry"
    );
    let r = validate(&answer(json!({"action": "sell"})), Action::Sell, &shown());
    assert!(matches!(r, Err(Rejection::Contradicts { .. })), "no exits through the model: {r:?}");
}

#[test]
fn citations_must_be_among_the_news_shown() {
    assert_eq!(check(json!({"citations": ["n-1", "n-9"]})), Err(Rejection::InventedCitation("n-9".into())));
    assert_eq!(
        check(json!({"citations": ["N-1"]})),
        Err(Rejection::InventedCitation("N-1".into())),
        "ids match exactly"
    );
    let r = check(json!({"citations": ["<b>".to_owned() + &"z".repeat(500)]}));
    let Err(Rejection::InventedCitation(id)) = &r else { panic!("{r:?}") };
    assert_eq!(id.chars().count(), MAX_ID_CHARS);
    assert!(!id.contains('<'));
    assert_eq!(
        check(json!({"citations": ["n-9"]})).unwrap_err().to_string(),
        "citation \"n-9\" was not among the news shown"
    );
}

#[test]
fn too_many_citations_are_rejected() {
    let ids: Vec<&str> = std::iter::repeat_n("n-1", MAX_NEWS + 1).collect();
    assert_eq!(check(json!({"citations": ids})), Err(Rejection::TooManyCitations));
    let ids: Vec<&str> = std::iter::repeat_n("n-1", MAX_NEWS).collect();
    assert_eq!(check(json!({"citations": ids})).map(|a| a.citations.len()), Ok(1));
}

#[test]
fn an_empty_rationale_is_rejected() {
    for rationale in ["", "   ", "\u{200B}\u{202E}\n\t", "<br/><!-- -->"] {
        assert_eq!(check(json!({"rationale": rationale})), Err(Rejection::EmptyRationale), "{rationale:?}");
    }
}

#[test]
fn the_rationale_is_cleaned() {
    let a = check(json!({"rationale": "Ｂｕｙ\u{200B} <b>now</b>\n\nper n-1"})).unwrap();
    assert_eq!(a.rationale, "Buy now per n-1");
    let a = check(json!({"rationale": "r".repeat(5000)})).unwrap();
    assert_eq!(a.rationale.chars().count(), MAX_RATIONALE_CHARS);
}

#[test]
fn every_rejection_has_a_kind() {
    let all = [
        Rejection::NotJson(String::new()),
        Rejection::Schema(String::new()),
        Rejection::OutOfRange { field: "confidence", value: "2".into() },
        Rejection::Contradicts { signal: Action::Buy, answer: "sell".into() },
        Rejection::InventedCitation("x".into()),
        Rejection::TooManyCitations,
        Rejection::EmptyRationale,
    ];
    let kinds: std::collections::BTreeSet<_> = all.iter().map(Rejection::kind).collect();
    assert_eq!(kinds.len(), all.len());
    assert_eq!(Rejection::TooManyCitations.to_string(), "more than 12 citations");
}

// The rules again, written from the schema and the brief rather than from `validate`.
fn rules_hold(content: &str, signal: Action, shown: &[ShownNews]) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(content) else { return false };
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["action", "citations", "confidence", "rationale", "size_fraction"] {
        return false;
    }
    let action_ok = match map["action"].as_str() {
        Some("hold" | "abstain") => true,
        Some("buy") => signal == Action::Buy,
        _ => false,
    };
    let unit = |v: &Value| v.as_f64().is_some_and(|f| f.is_finite() && (0.0..=1.0).contains(&f));
    let rationale_ok = map["rationale"].as_str().is_some_and(|r| !untrusted_text(r, 2000).is_empty());
    let citations_ok = map["citations"].as_array().is_some_and(|ids| {
        ids.len() <= MAX_NEWS
            && ids.iter().all(|id| id.as_str().is_some_and(|id| shown.iter().any(|s| s.id == id)))
    });
    action_ok && unit(&map["confidence"]) && unit(&map["size_fraction"]) && rationale_ok && citations_ok
}

fn consistent(content: &str, signal: Action, a: &ValidAnswer) -> bool {
    let Ok(v) = serde_json::from_str::<Value>(content) else { return false };
    let rounded = |x: &Value| x.as_f64().map(|f| Decimal::from_str(&format!("{:.4}", f.abs())).ok());
    let mut ids: Vec<&str> = Vec::new();
    for id in v["citations"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let cited: Vec<&str> = a.citations.iter().filter_map(|c| c.news_id.as_deref()).collect();
    Some(a.action.as_str()) == v["action"].as_str()
        && (a.action != ModelAction::Buy || signal == Action::Buy)
        && rounded(&v["confidence"]) == Some(Some(a.confidence.get()))
        && rounded(&v["size_fraction"]) == Some(Some(a.size_fraction))
        && !a.rationale.is_empty()
        && cited == ids
        && a.citations.iter().all(|c| c.published_at.is_some() && c.content_hash.is_some())
}

fn any_signal() -> impl Strategy<Value = Action> {
    prop::sample::select(vec![Action::Buy, Action::Sell, Action::Hold])
}

// Each generator mostly draws valid values, so that whole answers pass often enough for the
// property below to test acceptance as well as rejection.

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (0.0..=1.0f64).prop_map(Value::from),
        2 => prop::sample::select(vec![0.0, -0.0, 1.0, 1.0000001, -1e-300, 0.99995, 0.00005, 1e300])
            .prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => prop::sample::select(vec![json!("0.5"), Value::Null, json!([0.5])]),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => any::<String>().prop_map(Value::from),
        2 => prop::sample::select(vec!["", " ", "\u{200B}", "<i></i>", "ok", "Ｂ", "&amp;"])
            .prop_map(Value::from),
        1 => Just(json!(7)),
    ]
}

fn citations() -> impl Strategy<Value = Value> {
    let shown_id = prop::sample::select(vec!["n-1", "n-2", "n-3"]).prop_map(Value::from);
    let any_id = prop_oneof![
        3 => prop::sample::select(vec!["n-1", "n-2", "n-3"]).prop_map(Value::from),
        1 => prop::sample::select(vec!["n-9", "", "N-1", "n-1 "]).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => Just(json!(1)),
    ];
    prop_oneof![
        6 => prop::collection::vec(shown_id.clone(), 0..5).prop_map(Value::from),
        2 => prop::collection::vec(any_id, 0..6).prop_map(Value::from),
        2 => prop::collection::vec(shown_id, 11..15).prop_map(Value::from),
        1 => prop::sample::select(vec![json!("n-1"), Value::Null]),
    ]
}

fn action() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::sample::select(vec!["buy", "hold", "abstain"]).prop_map(Value::from),
        2 => prop::sample::select(vec!["sell", "Buy", "", "strong_buy"]).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

/// An object built from arbitrary field values, sometimes missing a field or with an extra one.
fn object() -> impl Strategy<Value = String> {
    (
        action(),
        number(),
        number(),
        text(),
        citations(),
        prop::collection::vec(prop::bool::weighted(0.97), 5),
        prop::option::weighted(0.05, (any::<String>(), text())),
    )
        .prop_map(|(action, confidence, size, rationale, citations, keep, extra)| {
            let mut map = Map::new();
            let fields = [
                ("action", action),
                ("confidence", confidence),
                ("size_fraction", size),
                ("rationale", rationale),
                ("citations", citations),
            ];
            for ((name, value), keep) in fields.into_iter().zip(keep) {
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

#[test]
fn the_generated_objects_reach_every_outcome() {
    // Guards the property below against testing rejection only.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (object(), any_signal());
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..3000 {
        let (content, signal) = strategy.new_tree(&mut runner).unwrap().current();
        let outcome = match validate(&content, signal, &shown()) {
            Ok(_) => "ok",
            Err(r) => r.kind(),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    for kind in [
        "ok",
        "schema",
        "out_of_range",
        "contradicts",
        "invented_citation",
        "too_many_citations",
        "empty_rationale",
    ] {
        assert!(outcomes.get(kind).copied().unwrap_or(0) >= 20, "{kind}: {outcomes:?}");
    }
}

proptest! {
    #[test]
    fn arbitrary_objects_pass_exactly_when_every_rule_holds(content in object(), signal in any_signal()) {
        let shown = shown();
        let result = validate(&content, signal, &shown);
        prop_assert_eq!(result.is_ok(), rules_hold(&content, signal, &shown), "{}: {:?}", content, result);
        if let Ok(a) = &result {
            prop_assert!(consistent(&content, signal, a), "{}: {:?}", content, a);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_and_passes_only_valid_answers(content in any::<String>(), signal in any_signal()) {
        let shown = shown();
        if let Ok(a) = validate(&content, signal, &shown) {
            prop_assert!(rules_hold(&content, signal, &shown));
            prop_assert!(consistent(&content, signal, &a));
        }
    }

    #[test]
    fn rejection_messages_stay_short(content in object(), signal in any_signal()) {
        if let Err(r) = validate(&content, signal, &shown()) {
            prop_assert!(r.to_string().chars().count() <= 400, "{}", r);
        }
    }
}
