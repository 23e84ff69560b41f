//! Login and every way a bearer token is refused.

use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::*;

const T0_S: i64 = T0 / 1000;
const INVALID: &str = r#"{"error":"invalid or expired token","code":"unauthorized"}"#;

fn sign(alg: Algorithm, secret: &str, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("sign")
}

/// A token's claims as we issue them: the harness's admin is generation 1.
fn claims(sub: &str, nbf: i64, exp: i64) -> serde_json::Value {
    json!({ "sub": sub, "role": "admin", "gen": 1, "iat": nbf, "nbf": nbf, "exp": exp })
}

async fn status_with(h: &Harness, token: &str) -> crate::support::Answer {
    call(&h.ctx, get("/api/status", Some(token))).await
}

async fn assert_refused(h: &Harness, token: &str, why: &str) {
    let a = status_with(h, token).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{why}: {}", a.text);
    assert_eq!(a.text, INVALID, "{why}");
    a.assert_json_headers();
}

#[tokio::test]
async fn login_issues_a_twelve_hour_token_that_opens_the_api() {
    let h = harness();
    let a = call(
        &h.ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"{USER}","password":"{PASSWORD}"}}"#)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    a.assert_json_headers();
    let body = a.json();
    assert_eq!(body["expires_at"], json!(T0 + 12 * 3_600_000));
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3);
    let status = status_with(&h, token).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_401() {
    let h = harness();
    let wrong_pw =
        call(&h.ctx, post("/api/auth/login", None, r#"{"username":"admin","password":"guess"}"#)).await;
    let unknown = call(
        &h.ctx,
        post("/api/auth/login", None, &format!(r#"{{"username":"root","password":"{PASSWORD}"}}"#)),
    )
    .await;
    for a in [&wrong_pw, &unknown] {
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.text, r#"{"error":"invalid username or password","code":"unauthorized"}"#);
    }
}

#[tokio::test]
async fn requests_without_a_bearer_token_get_401() {
    let h = harness();
    for req in [
        get("/api/status", None),
        get("/api/positions", None),
        get("/api/performance", None),
        get("/api/pnl", None),
        get("/api/round-trips", None),
        get("/api/decisions", None),
        get("/api/backtests", None),
        get("/api/trades", None),
        post("/api/control", None, r#"{"action":"kill"}"#),
        get("/api/risk", None),
        request(http::Method::PUT, "/api/risk", None, r#"{"limits":{}}"#),
        get("/api/audit", None),
        get("/api/live", None),
        post("/api/live/approve", None, r#"{"password":"x","confirm":"APPROVE LIVE TRADING"}"#),
        post("/api/live/revoke", None, ""),
        get("/api/users", None),
        post("/api/users", None, r#"{"name":"x","role":"admin","password":"xxxxxxxxxx"}"#),
        request(http::Method::PUT, "/api/users/admin", None, r#"{"role":"viewer"}"#),
        request(http::Method::DELETE, "/api/users/admin", None, ""),
    ] {
        let a = call(&h.ctx, req).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.text, r#"{"error":"authentication required","code":"unauthorized"}"#);
        assert_eq!(a.headers[http::header::WWW_AUTHENTICATE], "Bearer realm=\"mirai\"");
        a.assert_json_headers();
    }
    assert!(h.backend.actions().is_empty(), "no command without a token");
    assert_eq!(h.backend.admin.mutations(), 0, "no admin change without a token");

    let mut basic = get("/api/status", None);
    basic
        .headers_mut()
        .insert(http::header::AUTHORIZATION, http::HeaderValue::from_static("Basic YWRtaW46cGFzcw=="));
    assert_eq!(call(&h.ctx, basic).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn alg_none_is_refused() {
    let h = harness();
    let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64url(claims(USER, T0_S, T0_S + 3600).to_string().as_bytes());
    assert_refused(&h, &format!("{header}.{payload}."), "alg none, empty signature").await;
    // Even with a signature part made with the right secret for another header.
    let good = login(&h).await;
    let sig = good.rsplit('.').next().expect("signature");
    assert_refused(&h, &format!("{header}.{payload}.{sig}"), "alg none, stolen signature").await;
}

#[tokio::test]
async fn other_algorithms_are_refused_even_with_the_right_secret() {
    let h = harness();
    let c = claims(USER, T0_S, T0_S + 3600);
    assert_refused(&h, &sign(Algorithm::HS512, SECRET, &c), "HS512").await;
    assert_refused(&h, &sign(Algorithm::HS384, SECRET, &c), "HS384").await;
    // The same claims as HS256 are accepted, so only the algorithm made the difference.
    let ok = status_with(&h, &sign(Algorithm::HS256, SECRET, &c)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn expired_tokens_are_refused_after_five_seconds_of_leeway() {
    let h = harness();
    let token = login(&h).await;
    h.set_time(T0 + 12 * 3_600_000 + 4_000);
    assert_eq!(status_with(&h, &token).await.status, StatusCode::OK);
    h.set_time(T0 + 12 * 3_600_000 + 6_000);
    assert_refused(&h, &token, "expired").await;
}

#[tokio::test]
async fn tokens_not_valid_yet_are_refused() {
    let h = harness();
    let future = sign(Algorithm::HS256, SECRET, &claims(USER, T0_S + 60, T0_S + 3600));
    assert_refused(&h, &future, "nbf in a minute").await;
    let within_leeway = sign(Algorithm::HS256, SECRET, &claims(USER, T0_S + 3, T0_S + 3600));
    assert_eq!(status_with(&h, &within_leeway).await.status, StatusCode::OK);
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let h = harness();
    let token = login(&h).await;
    let parts: Vec<&str> = token.split('.').collect();

    // A flipped signature character.
    let mut sig: Vec<char> = parts[2].chars().collect();
    sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
    let sig: String = sig.into_iter().collect();
    assert_refused(&h, &format!("{}.{}.{sig}", parts[0], parts[1]), "signature").await;

    // A payload extended by a year, with the original signature.
    let longer = b64url(claims(USER, T0_S, T0_S + 365 * 86_400).to_string().as_bytes());
    assert_refused(&h, &format!("{}.{longer}.{}", parts[0], parts[2]), "payload").await;

    assert_refused(&h, "not-a-jwt", "garbage").await;
    assert_refused(&h, &format!("{token}x"), "trailing junk").await;
}

#[tokio::test]
async fn tokens_signed_with_another_secret_are_refused() {
    let h = harness();
    let c = claims(USER, T0_S, T0_S + 3600);
    assert_refused(&h, &sign(Algorithm::HS256, "another-secret-another-secret-0123456", &c), "wrong secret")
        .await;
}

#[tokio::test]
async fn tokens_for_another_subject_or_without_exp_are_refused() {
    let h = harness();
    let root = sign(Algorithm::HS256, SECRET, &claims("root", T0_S, T0_S + 3600));
    assert_refused(&h, &root, "wrong subject").await;
    let without = |claim: &str| {
        let mut c = claims(USER, T0_S, T0_S + 3600);
        c.as_object_mut().map(|o| o.remove(claim));
        sign(Algorithm::HS256, SECRET, &c)
    };
    let no_exp = without("exp");
    assert_refused(&h, &no_exp, "no exp").await;
    let no_nbf = without("nbf");
    assert_refused(&h, &no_nbf, "no nbf").await;
    // A token from before roles (no `role`, no `gen`): its user logs in again.
    let before_roles = json!({ "sub": USER, "iat": T0_S, "nbf": T0_S, "exp": T0_S + 3600 });
    assert_refused(&h, &sign(Algorithm::HS256, SECRET, &before_roles), "no role").await;
    assert_refused(&h, &without("gen"), "no gen").await;
    let mut other_gen = claims(USER, T0_S, T0_S + 3600);
    other_gen["gen"] = json!(2);
    assert_refused(&h, &sign(Algorithm::HS256, SECRET, &other_gen), "another generation").await;
}

#[tokio::test]
async fn tokens_that_live_longer_than_ours_are_refused_even_with_the_right_secret() {
    let h = harness();
    let day = 86_400;
    let ten_years = sign(Algorithm::HS256, SECRET, &claims(USER, T0_S, T0_S + 3_650 * day));
    assert_refused(&h, &ten_years, "exp ten years after iat").await;
    let from_last_month = json!({
        "sub": USER, "role": "admin", "gen": 1, "iat": T0_S - 30 * day, "nbf": T0_S - 30 * day, "exp": T0_S + 3600
    });
    assert_refused(&h, &sign(Algorithm::HS256, SECRET, &from_last_month), "iat thirty days ago").await;
    // exp − iat just over twelve hours, although the token would still be inside its window.
    let long_by_a_second = sign(Algorithm::HS256, SECRET, &claims(USER, T0_S, T0_S + 12 * 3600 + 1));
    assert_refused(&h, &long_by_a_second, "exp − iat = 12 h + 1 s").await;
    let no_iat = sign(
        Algorithm::HS256,
        SECRET,
        &json!({ "sub": USER, "role": "admin", "gen": 1, "nbf": T0_S, "exp": T0_S + 3600 }),
    );
    assert_refused(&h, &no_iat, "no iat").await;

    // Exactly our lifetime passes.
    let ours = sign(Algorithm::HS256, SECRET, &claims(USER, T0_S, T0_S + 12 * 3600));
    assert_eq!(status_with(&h, &ours).await.status, StatusCode::OK);
}
