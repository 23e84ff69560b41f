//! What a well-behaved server sees and answers: the request on the wire, the key in the header,
//! answers put back in input order, and batches.

use std::time::Duration;

use mirai_core::Embedder;

use crate::fake::{Fake, KEY, Script};

fn texts(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("text number {i}{}", "x".repeat(i))).collect()
}

#[tokio::test]
async fn the_request_is_openais_and_answers_come_back_in_input_order() {
    let fake = Fake::start(Script::Echo { dim: 8 }).await;
    let e = fake.embedder(8, 256, Duration::from_secs(5));
    assert_eq!((e.model().name.as_str(), e.model().dimension), ("text-embedding-3-small", 8));
    let input = texts(3);
    let out = e.embed(&input).await.unwrap();
    assert_eq!(out.len(), 3);
    for (i, v) in out.iter().enumerate() {
        assert_eq!(v.len(), 8);
        assert!((v[0] - (input[i].len() + 1) as f32 / 100.0).abs() < 1e-6, "vector {i} is input {i}'s");
    }
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let (body, auth) = &seen[0];
    assert_eq!(body["model"], "text-embedding-3-small");
    assert_eq!(body["dimensions"], 8);
    assert_eq!(body["encoding_format"], "float");
    assert_eq!(body["input"].as_array().unwrap().len(), 3);
    assert_eq!(auth, &format!("Bearer {KEY}"));
}

#[tokio::test]
async fn large_inputs_go_in_batches() {
    let fake = Fake::start(Script::Echo { dim: 4 }).await;
    let e = fake.embedder(4, 2, Duration::from_secs(5));
    let input = texts(5);
    let out = e.embed(&input).await.unwrap();
    assert_eq!(out.len(), 5);
    assert!((out[4][0] - (input[4].len() + 1) as f32 / 100.0).abs() < 1e-6);
    let sizes: Vec<usize> = fake.seen().iter().map(|(b, _)| b["input"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert!(e.embed(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn empty_and_oversized_texts_are_refused_before_any_request() {
    let fake = Fake::start(Script::Echo { dim: 4 }).await;
    let e = fake.embedder(4, 8, Duration::from_secs(5));
    let err = e.embed(&["fine".into(), "   ".into()]).await.unwrap_err();
    assert!(err.to_string().contains("text 1 is empty"), "{err}");
    assert!(e.embed(&["x".repeat(mirai_llm::MAX_INPUT_CHARS + 1)]).await.is_err());
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn debug_output_never_shows_the_key() {
    let fake = Fake::start(Script::Echo { dim: 4 }).await;
    let e = fake.embedder(4, 8, Duration::from_secs(5));
    assert!(!format!("{e:?}").contains("SECRET"));
}
