//! `Ctx::from_vars`: defaults, and every problem reported at once without values.

use std::collections::HashMap;

use mirai_web::{Ctx, LoginPolicy};

use crate::support::*;

fn from(vars: &[(&str, &str)]) -> Result<Ctx, mirai_web::ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Ctx::from_vars(|k| map.get(k).cloned())
}

#[test]
fn every_missing_setting_is_reported_at_once() {
    let err = from(&[]).expect_err("nothing set");
    assert_eq!(err.problems(), ["JWT_SECRET is not set", "WORKER_SERVICE_TOKEN is not set"]);
}

#[test]
fn invalid_settings_are_reported_without_their_values() {
    let err = from(&[
        ("JWT_SECRET", "too-short-secret"),
        ("WEB_PASS", PASSWORD),
        ("WORKER_URL", "ftp://worker"),
        ("WORKER_SERVICE_TOKEN", "short-token"),
    ])
    .expect_err("invalid");
    assert_eq!(err.problems().len(), 3, "{err}");
    let text = err.to_string();
    assert!(text.contains("JWT_SECRET must be at least 32 bytes (it has 16)"), "{text}");
    assert!(text.contains("WORKER_URL is invalid"), "{text}");
    assert!(text.contains("WORKER_SERVICE_TOKEN must be at least 32 bytes"), "{text}");
    for secret in ["too-short-secret", PASSWORD, "short-token"] {
        assert!(!text.contains(secret), "{text}");
    }

    let same =
        from(&[("JWT_SECRET", SECRET), ("WORKER_SERVICE_TOKEN", SECRET)]).expect_err("same secret twice");
    assert_eq!(same.problems(), ["WORKER_SERVICE_TOKEN must differ from JWT_SECRET"]);
}

#[test]
fn a_complete_configuration_builds_with_defaults() {
    // The users are the worker's: WEB_USER and WEB_PASS (its first admin's) are not read here.
    let ctx =
        from(&[("JWT_SECRET", SECRET), ("WEB_PASS", PASSWORD), ("WORKER_SERVICE_TOKEN", SERVICE_TOKEN)])
            .expect("valid");
    assert!(
        ctx.auth.issue().is_err(),
        "no single operator: tokens are issued at login, for the worker's users"
    );
    assert_eq!(ctx.limiter.policy(), LoginPolicy::new(5, 15).expect("policy"));
    let dbg = format!("{ctx:?}");
    assert!(!dbg.contains(SECRET) && !dbg.contains(PASSWORD), "{dbg}");
}

#[test]
fn login_limits_are_read_and_checked_with_the_rest() {
    let base = [("JWT_SECRET", SECRET), ("WORKER_SERVICE_TOKEN", SERVICE_TOKEN)];
    let mut vars = base.to_vec();
    vars.extend([("LOGIN_MAX_FAILURES", "3"), ("LOGIN_LOCKOUT_MINUTES", "30")]);
    assert_eq!(from(&vars).expect("valid").limiter.policy(), LoginPolicy::new(3, 30).expect("policy"));

    let err = from(&[("LOGIN_MAX_FAILURES", "five"), ("LOGIN_LOCKOUT_MINUTES", "0")]).expect_err("invalid");
    assert_eq!(
        err.problems(),
        [
            "JWT_SECRET is not set",
            "WORKER_SERVICE_TOKEN is not set",
            "LOGIN_MAX_FAILURES=\"five\" is not a whole number",
            "LOGIN_LOCKOUT_MINUTES must be between 1 and 1440",
        ]
    );
}

#[test]
fn a_worker_url_in_clear_beyond_this_machine_is_refused() {
    let with = |url: &str| {
        from(&[("JWT_SECRET", SECRET), ("WORKER_SERVICE_TOKEN", SERVICE_TOKEN), ("WORKER_URL", url)])
    };
    for remote in ["http://worker.example.com:8080", "http://203.0.113.7:8080", "http://[2001:db8::7]:8080"] {
        let err = with(remote).expect_err(remote);
        assert_eq!(err.problems().len(), 1, "{err}");
        let text = err.to_string();
        assert!(text.contains("WORKER_URL is invalid") && text.contains("must use https"), "{text}");
    }
    for fine in [
        "https://worker.example.com",
        "http://127.0.0.1:8080",
        "http://127.8.9.10:8080",
        "http://[::1]:8080",
        "http://localhost:8080",
    ] {
        with(fine).unwrap_or_else(|e| panic!("{fine}: {e}"));
    }
}
