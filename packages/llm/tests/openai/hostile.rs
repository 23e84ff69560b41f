//! Servers that misbehave: malformed or hostile answers, errors that quote the key, endless
//! 5xx and 429 (which async-openai would retry without a cap), and silence. Every call ends
//! within its timeout with an error that names no secret.

use std::time::{Duration, Instant};

use mirai_core::{Embedder, VectorError};
use serde_json::{Value, json};

use crate::fake::{Fake, KEY, Script};

async fn embed_err(script: Script, dim: usize) -> VectorError {
    let fake = Fake::start(script).await;
    let e = fake.embedder(dim, 16, Duration::from_secs(1));
    let started = Instant::now();
    let err = e.embed(&["bitcoin".into(), "ether".into()]).await.expect_err("the server misbehaves");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRET") && !text.contains(KEY), "secret in: {text}");
    err
}

#[tokio::test]
async fn a_vector_of_the_wrong_size_is_a_model_mismatch() {
    let err = embed_err(Script::Echo { dim: 12 }, 8).await;
    assert!(matches!(err, VectorError::ModelMismatch { expected_dim: 8, found_dim: 12, .. }), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn missing_repeated_or_extra_entries_are_malformed() {
    fn drop_one(v: &mut Value) {
        v["data"].as_array_mut().unwrap().pop();
    }
    fn repeat_index(v: &mut Value) {
        v["data"][1]["index"] = v["data"][0]["index"].clone();
    }
    fn out_of_range(v: &mut Value) {
        v["data"][0]["index"] = json!(7);
    }
    fn flood(v: &mut Value) {
        let one = v["data"][0].clone();
        v["data"] = Value::Array(vec![one; 10_000]);
    }
    for f in [drop_one as fn(&mut Value), repeat_index, out_of_range, flood] {
        let err = embed_err(Script::Mangle { dim: 4, f }, 4).await;
        assert!(matches!(&err, VectorError::Unavailable(m) if m.contains("malformed")), "{err}");
    }
}

#[tokio::test]
async fn non_finite_and_all_zero_vectors_are_refused() {
    fn huge(v: &mut Value) {
        v["data"][0]["embedding"][0] = json!(1e40);
    }
    fn zeros(v: &mut Value) {
        v["data"][1]["embedding"] = json!([0.0, 0.0, 0.0, 0.0]);
    }
    for f in [huge as fn(&mut Value), zeros] {
        let err = embed_err(Script::Mangle { dim: 4, f }, 4).await;
        assert!(matches!(err, VectorError::Unavailable(_)), "{err}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_reported_without_its_content() {
    let body = format!("<html>proxy error; your header was Bearer {KEY}</html>");
    let err = embed_err(Script::Fixed { status: 200, body, headers: vec![] }, 4).await;
    assert!(
        matches!(&err, VectorError::Unavailable(m) if m.contains("malformed") && !m.contains("html")),
        "{err}"
    );
}

#[tokio::test]
async fn an_error_quoting_the_key_is_scrubbed() {
    let body = json!({"error": {"message": format!("Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys."), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}).to_string();
    let err = embed_err(Script::Fixed { status: 401, body, headers: vec![] }, 4).await;
    assert!(
        matches!(&err, VectorError::Invalid(m) if m.contains("401") && m.contains("OPENAI_API_KEY")),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn endless_server_errors_and_rate_limits_end_at_the_timeout() {
    let five_hundred = Script::Fixed { status: 500, body: "upstream exploded".into(), headers: vec![] };
    let err = embed_err(five_hundred, 4).await;
    assert!(err.is_retryable(), "{err}");
    let rate_limited = Script::Fixed {
        status: 429,
        body: json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}).to_string(),
        headers: vec![("retry-after", "3600")],
    };
    let err = embed_err(rate_limited, 4).await;
    assert!(err.is_retryable(), "{err}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let err = embed_err(Script::Hang, 4).await;
    assert!(
        matches!(&err, VectorError::Unavailable(m) if m.contains("within") || m.contains("timed out")),
        "{err}"
    );
}
