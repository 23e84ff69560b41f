//! Brute-force protection on `POST /api/auth/login`: lockout after N failures per username and
//! per address, 429 with `Retry-After`, the same answers for unknown users and wrong passwords,
//! reset on success, expiry on the (fake) clock, and a bounded table.

use std::net::IpAddr;

use http::{StatusCode, header};
use mirai_core::Timestamp;
use mirai_web::{Auth, ClientAddr, Ctx, LoginLimiter, LoginOutcome, LoginPolicy};

use crate::support::*;

const MINUTE: i64 = 60_000;

async fn attempt(ctx: &Ctx, user: &str, pass: &str, client: Option<&str>) -> Answer {
    let mut req =
        post("/api/auth/login", None, &serde_json::json!({ "username": user, "password": pass }).to_string());
    if let Some(ip) = client {
        req.headers_mut().insert("x-forwarded-for", ip.parse().expect("header"));
    }
    call(ctx, req).await
}

fn assert_throttled(a: &Answer, retry_after: u64) {
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    a.assert_json_headers();
    assert_eq!(a.headers[header::RETRY_AFTER], retry_after.to_string().as_str());
    assert_eq!(
        a.text,
        r#"{"error":"too many failed login attempts; try again later","code":"too_many_requests"}"#
    );
}

#[tokio::test]
async fn five_failures_lock_the_username_even_against_the_right_password() {
    let h = harness();
    for _ in 0..5 {
        let a = attempt(&h.ctx, USER, "wrong", None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
    }
    // Locked: the right password is not even checked, and no token is issued.
    let a = attempt(&h.ctx, USER, PASSWORD, None).await;
    assert_throttled(&a, 15 * 60);
    assert!(!a.text.contains("token"));
    h.set_time(T0 + 10 * MINUTE);
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, None).await, 5 * 60);

    let outcomes: Vec<LoginOutcome> = h.backend.logins().iter().map(|e| e.outcome).collect();
    let mut expected = vec![LoginOutcome::Failure; 5];
    // Only the first refusal of a lockout is audited.
    expected.push(LoginOutcome::Throttled);
    assert_eq!(outcomes, expected);
}

#[tokio::test]
async fn the_lock_runs_out_after_the_lockout_period() {
    let h = harness();
    for _ in 0..5 {
        attempt(&h.ctx, USER, "wrong", None).await;
    }
    h.set_time(T0 + 15 * MINUTE - 1_000);
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, None).await, 1);
    h.set_time(T0 + 15 * MINUTE);
    let a = attempt(&h.ctx, USER, PASSWORD, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[tokio::test]
async fn failures_spread_beyond_the_window_do_not_lock() {
    let h = harness();
    // Four failures in the window that opens at 0 min, then four more in the one opening at 15.
    for minute in [0, 4, 8, 12, 15, 16, 17, 18] {
        h.set_time(T0 + minute * MINUTE);
        let a = attempt(&h.ctx, USER, "wrong", None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "minute {minute}: {}", a.text);
    }
    // The fifth failure inside the second window locks.
    h.set_time(T0 + 19 * MINUTE);
    assert_eq!(attempt(&h.ctx, USER, "wrong", None).await.status, StatusCode::UNAUTHORIZED);
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, None).await, 15 * 60);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_identical_answers() {
    let known = harness();
    let unknown = harness();
    for i in 0..7 {
        let a = attempt(&known.ctx, USER, "wrong", None).await;
        let b = attempt(&unknown.ctx, "nobody", "wrong", None).await;
        assert_eq!((a.status, &a.headers, &a.text), (b.status, &b.headers, &b.text), "attempt {i}");
        let expected = if i < 5 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(a.status, expected, "attempt {i}");
    }
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let h = harness();
    for _ in 0..4 {
        attempt(&h.ctx, USER, "wrong", Some("198.51.100.4")).await;
    }
    assert_eq!(attempt(&h.ctx, USER, PASSWORD, Some("198.51.100.4")).await.status, StatusCode::OK);
    for _ in 0..4 {
        let a = attempt(&h.ctx, USER, "wrong", Some("198.51.100.4")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "the count restarted: {}", a.text);
    }
    attempt(&h.ctx, USER, "wrong", Some("198.51.100.4")).await;
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, Some("198.51.100.4")).await, 15 * 60);
}

#[tokio::test]
async fn one_address_trying_many_usernames_is_locked_too() {
    let h = harness();
    for i in 0..5 {
        let a = attempt(&h.ctx, &format!("guess{i}"), "wrong", Some("203.0.113.9, 10.0.0.1")).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    // A fresh username from the same address: locked by the address.
    assert_throttled(&attempt(&h.ctx, "guess99", "wrong", Some("203.0.113.9")).await, 15 * 60);
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, Some("203.0.113.9")).await, 15 * 60);
    // The operator from elsewhere is unaffected.
    assert_eq!(attempt(&h.ctx, USER, PASSWORD, Some("192.0.2.1")).await.status, StatusCode::OK);
    let events = h.backend.logins();
    assert_eq!(events[0].client, "203.0.113.9".parse::<IpAddr>().ok());
    assert_eq!(
        events.last().map(|e| (e.outcome, e.client)),
        Some((LoginOutcome::Success, "192.0.2.1".parse().ok()))
    );
}

#[tokio::test]
async fn a_server_set_address_wins_over_the_header() {
    let h = harness();
    for i in 0..5 {
        // A client rotating X-Forwarded-For cannot escape the address the server saw.
        let mut req = post("/api/auth/login", None, &format!(r#"{{"username":"u{i}","password":"wrong"}}"#));
        req.headers_mut().insert("x-forwarded-for", format!("10.9.9.{i}").parse().expect("header"));
        req.extensions_mut().insert(ClientAddr([127, 0, 0, 2].into()));
        assert_eq!(call(&h.ctx, req).await.status, StatusCode::UNAUTHORIZED);
    }
    let mut req = post("/api/auth/login", None, r#"{"username":"fresh","password":"wrong"}"#);
    req.extensions_mut().insert(ClientAddr([127, 0, 0, 2].into()));
    assert_eq!(call(&h.ctx, req).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_policy_is_configurable() {
    let clock = std::sync::Arc::new(TestClock::new(mirai_core::Timestamp::from_millis(T0)));
    let backend = FakeBackend::new();
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth").with_clock(clock.clone());
    let policy = LoginPolicy::new(2, 1).expect("policy");
    let ctx = Ctx::new(auth, backend).with_limiter(LoginLimiter::new(policy));
    attempt(&ctx, USER, "wrong", None).await;
    attempt(&ctx, USER, "wrong", None).await;
    assert_throttled(&attempt(&ctx, USER, PASSWORD, None).await, 60);
    clock.set(mirai_core::Timestamp::from_millis(T0 + MINUTE));
    assert_eq!(attempt(&ctx, USER, PASSWORD, None).await.status, StatusCode::OK);
}

#[test]
fn the_table_is_bounded_and_evicts_the_oldest() {
    let limiter = LoginLimiter::with_capacity(LoginPolicy::default(), 100);
    let at = Timestamp::from_millis;
    for _ in 0..5 {
        limiter.record_failure(USER, None, at(T0));
    }
    for i in 0..10_000 {
        limiter.record_failure(&format!("spray-{i}"), None, at(T0 + 1 + i));
        assert!(limiter.tracked() <= 100, "at {i}: {}", limiter.tracked());
    }
    assert_eq!(limiter.tracked(), 100);
    // The oldest entry (the locked operator) was evicted to make room: the bound is real, and
    // SECURITY.md says so; the newest entries are still counted.
    assert_eq!(limiter.check(USER, None, at(T0 + 20_000)), mirai_web::auth::Verdict::Allowed);
    for _ in 0..4 {
        limiter.record_failure("spray-9999", None, at(T0 + 20_000));
    }
    assert!(matches!(
        limiter.check("spray-9999", None, at(T0 + 20_001)),
        mirai_web::auth::Verdict::Locked { .. }
    ));
}

#[tokio::test]
async fn an_audit_log_that_is_down_changes_no_answer() {
    let h = harness();
    *h.backend.fail_logins_with.lock().expect("lock") =
        Some(mirai_web::BackendError::Unavailable("audit store at 10.1.2.3 down".into()));
    let bad = attempt(&h.ctx, USER, "wrong", None).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.text, r#"{"error":"invalid username or password","code":"unauthorized"}"#);
    let ok = attempt(&h.ctx, USER, PASSWORD, None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(!ok.everything().contains("10.1.2.3"));
    // The failures still count: a broken audit log does not switch off the limiter.
    for _ in 0..5 {
        attempt(&h.ctx, USER, "wrong", None).await;
    }
    assert_throttled(&attempt(&h.ctx, USER, PASSWORD, None).await, 15 * 60);
}
