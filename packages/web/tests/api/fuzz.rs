//! Property-based fuzzing of the web tier's parsers, through the router as a client reaches them:
//! JSON request bodies (control, backtests, proposal decisions, login), query strings and paths
//! (trades, both searches, proposals, backtests), and bearer tokens (the JWT verifier directly,
//! and the `Authorization` header through the router). Whatever comes in: no panic, never a 500,
//! always a JSON answer; and no token but one the server issued opens anything.
//!
//! proptest's `PROPTEST_CASES` sets the cases per property (256 by default; the long form,
//! `scripts/faults.sh`, runs 1,000,000).

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use mirai_web::Auth;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use crate::support::*;

/// Runs `test` on as many values of `strategy` as `PROPTEST_CASES` says.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let config = Config { failure_persistence: None, ..Config::default() };
    let cases = config.cases;
    let started = std::time::Instant::now();
    if let Err(e) = TestRunner::new(config).run(&strategy, test) {
        panic!("{name}: {e}");
    }
    println!("FUZZ web {name}: {cases} cases in {:.0} s", started.elapsed().as_secs_f64());
}

/// One runtime for a whole property: the router is async, each case a short `block_on`.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Field names the routes read, plus a few they do not.
const KEYS: [&str; 24] = [
    "action",
    "strategy",
    "params",
    "data",
    "cash",
    "fee",
    "slippage_bps",
    "fill",
    "sizing",
    "symbol",
    "symbols",
    "interval",
    "start",
    "end",
    "bars",
    "seed",
    "kind",
    "fraction",
    "reason",
    "username",
    "password",
    "limit",
    "__proto__",
    "",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
        prop_oneof![
            Just("pause".to_owned()),
            Just("kill".to_owned()),
            Just("sma-cross".to_owned()),
            Just("BTCUSDT".to_owned()),
            Just("1e400".to_owned()),
            Just("-0.0000000000000000000000000001".to_owned()),
            "[0-9]{1,32}(\\.[0-9]{0,32})?",
            "\\PC{0,40}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..8)
                .prop_map(|kv| { Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }),
        ]
    })
}

/// A body: arbitrary bytes, text that looks like JSON, or JSON shaped like the routes expect.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        "[\\[\\]{}\":,0-9a-z .eE+-]{0,200}".prop_map(String::into_bytes),
        json_value().prop_map(|v| v.to_string().into_bytes()),
    ]
}

const POSTS: [&str; 7] = [
    "/api/control",
    "/api/backtests",
    "/api/proposals/mi-p1-b/approve",
    "/api/proposals/mi-p2-s/reject",
    "/api/live/approve",
    "/api/live/revoke",
    "/api/users",
];

const GETS: [&str; 18] = [
    "/api/risk",
    "/api/audit",
    "/api/live",
    "/api/users",
    "/api/trades",
    "/api/news/search",
    "/api/rationales/search",
    "/api/proposals",
    "/api/backtests/bt-1",
    "/api/backtests/bt-1/result",
    "/api/status",
    "/api/positions",
    "/api/performance",
    "/api/pnl",
    "/api/round-trips",
    "/api/decisions",
    "/api/backtests",
    "/api/health",
];

/// Every answer, whatever was asked: JSON (or the dashboard's HTML), never a 500.
fn check(what: &str, a: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(a.status != StatusCode::INTERNAL_SERVER_ERROR, "{what}: 500 {}", a.text);
    prop_assert!(
        a.status.as_u16() < 500 || a.status == StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        a.status
    );
    if a.headers.get(header::CONTENT_TYPE).is_some_and(|c| c == "application/json") {
        let v: Result<Value, _> = serde_json::from_str(&a.text);
        prop_assert!(v.is_ok(), "{what}: not JSON: {}", a.text);
        if a.status.is_client_error() {
            prop_assert!(v.is_ok_and(|v| v.get("error").is_some()), "{what}: an error without a message");
        }
    }
    Ok(())
}

#[test]
fn request_bodies_never_break_the_router() {
    let h = harness();
    let rt = runtime();
    let token = rt.block_on(login(&h));
    // The login route hashes a password for every well-formed attempt (tens of ms, by design):
    // it gets arbitrary bytes, which practically never are one.
    let cases = prop_oneof![
        3 => (prop::sample::select(&POSTS[..]), body()),
        1 => (Just("/api/auth/login"), prop::collection::vec(any::<u8>(), 0..400)),
    ];
    fuzz("bodies", cases, |(path, bytes)| {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(bytes))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let a = rt.block_on(call(&h.ctx, req));
        check(path, &a)
    });
}

/// Field names the admin routes read, beside the others.
const ADMIN_KEYS: [&str; 16] = [
    "limits",
    "max_order_notional",
    "max_position_pct",
    "max_total_exposure_pct",
    "max_daily_loss_pct",
    "max_trades_per_day",
    "max_consecutive_losses",
    "cooldown_ms",
    "min_confidence",
    "news_embargo_ms",
    "password",
    "confirm",
    "override",
    "role",
    "name",
    "by",
];

/// Bodies shaped like the admin routes': objects over their keys, one level of limits inside.
fn admin_body() -> impl Strategy<Value = Vec<u8>> {
    let inner = || {
        prop::collection::vec((prop::sample::select(&ADMIN_KEYS[..]), json_value()), 0..12)
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
    };
    prop_oneof![
        body(),
        inner().prop_map(|v| v.to_string().into_bytes()),
        inner().prop_map(|v| serde_json::json!({ "limits": v }).to_string().into_bytes()),
    ]
}

#[test]
fn admin_bodies_never_break_the_router() {
    let h = harness();
    let rt = runtime();
    let token = rt.block_on(login(&h));
    let routes = [
        (Method::PUT, "/api/risk"),
        (Method::POST, "/api/users"),
        (Method::PUT, "/api/users/carl"),
        (Method::PUT, "/api/users/%C3%A9%2F"),
        (Method::DELETE, "/api/users/admin"),
        (Method::POST, "/api/live/revoke"),
    ];
    fuzz("admin bodies", (prop::sample::select(routes.to_vec()), admin_body()), |((method, path), bytes)| {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(bytes))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let a = rt.block_on(call(&h.ctx, req));
        check(path, &a)
    });
}

/// The query parameters the routes read, plus one they do not and a blank one.
const PARAMS: [&str; 13] =
    ["limit", "q", "symbol", "since", "until", "from", "to", "status", "cursor", "step", "kind", "k", ""];

/// Values some route reads, and escapes that are not UTF-8.
const VALUES: [&str; 10] =
    ["PENDING", "expired", "BTCUSDT", "1e3", "%00", "%FF%FE", "%E2%82%AC", "1m", "30s", "refused"];

/// Query strings: `key=value` pairs over the keys the routes read (and others), with values
/// that are numbers, times, garbage, stray `%` escapes and encoded non-ASCII.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![prop::sample::select(&PARAMS[..]).prop_map(str::to_owned), "[a-z%]{1,6}",];
    let value = prop_oneof![
        "-?[0-9]{0,25}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z?",
        "[A-Za-z0-9._~!$'()*+,;:@/?-]{0,40}",
        "(%[0-9A-Fa-f]{2}|%[g-z]?|[a-z+]){0,30}",
        prop::sample::select(&VALUES[..]).prop_map(str::to_owned),
    ];
    prop::collection::vec((key, prop::option::of(value)), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// Paths: the real ones, or made of segments that look like ids, traversals and encodings.
fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&GETS[..]).prop_map(str::to_owned),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(
                    &[
                        "api",
                        "backtests",
                        "proposals",
                        "result",
                        "approve",
                        "..",
                        "%2e%2e",
                        "",
                        "users",
                        "live",
                        "audit"
                    ][..]
                )
                .prop_map(str::to_owned),
                "[A-Za-z0-9._~%-]{0,40}",
            ],
            1..5
        )
        .prop_map(|segments| format!("/{}", segments.join("/"))),
    ]
}

#[test]
fn query_strings_and_paths_never_break_the_router() {
    let h = harness();
    let rt = runtime();
    let token = rt.block_on(login(&h));
    fuzz("queries", (path(), query()), |(path, query)| {
        let uri = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        // A URI `http` refuses never reaches a router: nothing to test.
        let Ok(req) = Request::builder()
            .method(Method::GET)
            .uri(uri.as_str())
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Bytes::new())
        else {
            return Ok(());
        };
        let a = rt.block_on(call(&h.ctx, req));
        check(&uri, &a)
    });
}

/// A token derived from `token`: one character replaced, removed or added, segments swapped or
/// dropped, or the header replaced (`alg` none or another algorithm), or arbitrary text.
fn tampered(token: &str) -> impl Strategy<Value = String> + use<> {
    let t = token.to_owned();
    let chars: Vec<char> = t.chars().collect();
    let n = chars.len();
    let (c1, c2, c3) = (chars.clone(), chars.clone(), chars);
    let parts: Vec<String> = t.split('.').map(str::to_owned).collect();
    let p1 = parts.clone();
    prop_oneof![
        (0..n, "[A-Za-z0-9_.=+/-]").prop_map(move |(i, c)| {
            let mut v = c1.clone();
            v[i] = c.chars().next().unwrap_or('A');
            v.into_iter().collect()
        }),
        (0..n).prop_map(move |i| {
            let mut v = c2.clone();
            v.remove(i);
            v.into_iter().collect()
        }),
        (0..=n, "[A-Za-z0-9_.=-]").prop_map(move |(i, c)| {
            let mut v = c3.clone();
            v.insert(i, c.chars().next().unwrap_or('A'));
            v.into_iter().collect()
        }),
        prop::sample::subsequence(vec![0usize, 1, 2, 2, 1, 0], 0..=6).prop_map(move |order| order
            .iter()
            .map(|i| p1[*i].as_str())
            .collect::<Vec<_>>()
            .join(".")),
        prop::sample::select(
            &[
                r#"{"alg":"none","typ":"JWT"}"#,
                r#"{"alg":"HS512","typ":"JWT"}"#,
                r#"{"alg":"RS256","typ":"JWT"}"#,
                r#"{"typ":"JWT"}"#,
            ][..]
        )
        .prop_map(move |header| format!("{}.{}.{}", b64url(header.as_bytes()), parts[1], parts[2])),
        "\\PC{0,300}",
        "[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,60}",
    ]
}

#[test]
fn only_the_issued_token_is_accepted() {
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth");
    let issued = auth.issue().expect("a token").token;
    let claims = auth.verify(&issued).expect("the issued token verifies");
    fuzz("tokens", tampered(&issued), |token| {
        // The same bytes in another spelling (base64 is not canonical everywhere) would be the
        // same token; anything else accepted is a forgery.
        if let Ok(c) = auth.verify(&token) {
            prop_assert!(token == issued || c == claims, "accepted a tampered token: {token}");
        }
        Ok(())
    });
}

#[test]
fn authorization_headers_never_open_the_api_but_with_the_issued_token() {
    let h = harness();
    let rt = runtime();
    let token = rt.block_on(login(&h));
    // The harness's twin, on the same secret and clock: what the router accepts, it accepts.
    let auth = Auth::new(USER, PASSWORD, SECRET.as_bytes()).expect("auth").with_clock(h.clock.clone());
    let claims = auth.verify(&token).expect("the issued token verifies");
    let header_value = prop_oneof![
        tampered(&token).prop_map(|t| format!("Bearer {t}")),
        prop::sample::select(&["bearer ", "Bearer  ", "Basic ", "Token ", "", "Bearer\t"][..])
            .prop_map(move |scheme| format!("{scheme}{}", token.clone())),
        "[ -~]{0,200}",
    ];
    fuzz("authorization headers", header_value, |value| {
        let Ok(v) = HeaderValue::from_str(&value) else { return Ok(()) };
        let mut req = get("/api/status", None);
        req.headers_mut().insert(header::AUTHORIZATION, v);
        let a = rt.block_on(call(&h.ctx, req));
        check("/api/status", &a)?;
        if a.status == StatusCode::OK {
            // Only our token (in whatever spelling decodes to it) as the bearer credential.
            let credential = value.split_whitespace().last().unwrap_or_default();
            let same = auth.verify(credential).is_ok_and(|c| c == claims);
            prop_assert!(same, "opened by {value:?}");
        } else {
            prop_assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}: {}", value, a.text);
        }
        Ok(())
    });
}
