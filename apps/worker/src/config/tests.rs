//! The settings: defaults, every problem reported at once, bounds, secrets never echoed.

use super::*;
use std::collections::HashMap;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigErrors> {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_lookup(&move |k| env.get(k).cloned())
}

#[test]
fn defaults_are_safe() {
    let s = settings(&[]).unwrap();
    assert!(s.dry_run && s.testnet);
    assert_eq!(s.web.bind.to_string(), "127.0.0.1");
    assert_eq!(s.web.port, 8080);
    assert_eq!(s.trading.limits, RiskLimits::default());
    assert_eq!(s.trading.symbols, vec![Symbol::new("BTCUSDT"), Symbol::new("ETHUSDT")]);
    assert!(s.web.pass.is_none() && s.web.jwt_secret.is_none());
    assert!(s.snowflake.is_none());
}

#[test]
fn snowflake_settings_are_checked_with_the_rest() {
    let err = settings(&[("SNOWFLAKE_ACCOUNT", "myorg-acct"), ("PORT", "x")]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("PORT"), "{text}");
    assert!(text.contains("SNOWFLAKE_"), "{text}");
}

#[test]
fn alerts_are_off_by_default_and_checked_with_the_rest() {
    assert!(settings(&[]).unwrap().alerts.is_none());
    let on =
        settings(&[("NOTIFY_WEBHOOK_URL", "https://hooks.slack.com/services/T/B/x"), ("ALERT_PNL_PCT", "3")])
            .unwrap();
    assert_eq!(on.alerts.expect("alerts on").pnl_pct, Some(Decimal::from(3)));
    let text = settings(&[("NOTIFY_WEBHOOK_URL", "http://hooks.example.com/s3cret"), ("PORT", "x")])
        .unwrap_err()
        .to_string();
    assert!(text.contains("PORT") && text.contains("NOTIFY_WEBHOOK_URL must use https"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn every_invalid_setting_is_reported_at_once_and_secrets_are_not_echoed() {
    let err = settings(&[
        ("JWT_SECRET", "short-secret-value"),
        ("PORT", "eighty"),
        ("DRY_RUN", "maybe"),
        ("SYMBOLS", "BTC-USDT"),
        ("MAX_DAILY_LOSS_PCT", "0"),
        ("STRATEGY_PARAMS", "fast=30,slow=20"),
        ("MIN_CONFIDENCE", "1.5"),
    ])
    .unwrap_err();
    let text = err.to_string();
    for needle in
        ["JWT_SECRET", "PORT", "DRY_RUN", "SYMBOLS", "MAX_DAILY_LOSS_PCT", "STRATEGY", "MIN_CONFIDENCE"]
    {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert_eq!(err.0.len(), 7, "{text}");
    assert!(!text.contains("short-secret-value"));
}

#[test]
fn percent_settings_become_fractions() {
    let s = settings(&[("MAX_POSITION_PCT", "12.5"), ("FEE_PCT", "0.075")]).unwrap();
    assert_eq!(s.trading.limits.max_position_pct, Decimal::new(125, 3));
    assert_eq!(s.paper.fee_rate, Decimal::new(75, 5));
}

const KEYS: [(&str, &str); 2] =
    [("BINANCE_API_KEY", "test-key"), ("BINANCE_API_SECRET", "test-secret-value-not-echoed")];

#[test]
fn dry_run_off_needs_binance_credentials() {
    let err = settings(&[("DRY_RUN", "false")]).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert!(err.0[0].contains("DRY_RUN=false") && err.0[0].contains("BINANCE_API_KEY"), "{err}");
    let s = settings(&[("DRY_RUN", "false"), KEYS[0], KEYS[1]]).unwrap();
    assert!(!s.dry_run && s.trading_venue().is_some());
    assert_eq!((s.mode(), s.testnet), (Mode::Testnet, true));
}

#[test]
fn a_dry_run_keeps_the_paper_exchange_even_with_keys() {
    let s = settings(&[KEYS[0], KEYS[1], ("BINANCE_ENV", "demo")]).unwrap();
    assert!(s.dry_run && s.binance.is_some() && s.trading_venue().is_none());
    assert_eq!((s.mode(), s.testnet, s.binance_env), (Mode::Paper, false, Environment::Demo));
}

#[test]
fn the_environment_names_the_mode() {
    for (env, mode) in [("testnet", Mode::Testnet), ("demo", Mode::Demo)] {
        let s = settings(&[("DRY_RUN", "false"), ("BINANCE_ENV", env), KEYS[0], KEYS[1]]).unwrap();
        assert_eq!(s.mode(), mode);
        assert_eq!(s.testnet, env == "testnet");
    }
    let live = settings(&[("DRY_RUN", "false"), ("BINANCE_ENV", "LIVE"), KEYS[0], KEYS[1]]).unwrap();
    assert_eq!(live.mode(), Mode::Live);
    assert!(live.binance.as_ref().is_some_and(|b| b.endpoints.rest == "https://api.binance.com"));
}

#[test]
fn binance_testnet_must_agree_with_binance_env() {
    assert!(settings(&[("BINANCE_TESTNET", "true")]).is_ok());
    assert!(settings(&[("BINANCE_TESTNET", "false"), ("BINANCE_ENV", "live")]).is_ok());
    let err = settings(&[("BINANCE_TESTNET", "false")]).unwrap_err();
    assert!(err.0[0].contains("BINANCE_TESTNET=false contradicts BINANCE_ENV=testnet"), "{err}");
    let err = settings(&[("BINANCE_TESTNET", "true"), ("BINANCE_ENV", "demo")]).unwrap_err();
    assert!(err.0[0].contains("BINANCE_ENV=demo"), "{err}");
}

#[test]
fn binance_errors_are_reported_with_the_rest_and_secrets_are_not_echoed() {
    let err = settings(&[
        ("DRY_RUN", "false"),
        ("PORT", "x"),
        ("BINANCE_ENV", "mainnet"),
        ("BINANCE_API_KEY", "k"),
        ("BINANCE_TIMEOUT_MS", "0"),
        ("BINANCE_REST_URL", "http://127.0.0.1:9443"),
    ])
    .unwrap_err();
    let text = err.to_string();
    for needle in ["PORT", "BINANCE_ENV", "BINANCE_API_SECRET", "BINANCE_TIMEOUT_MS"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert_eq!(err.0.len(), 4, "{text}");
    let err = settings(&[("BINANCE_API_SECRET", "hunter2-hunter2"), ("DRY_RUN", "false")]).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn the_three_urls_point_at_a_local_exchange() {
    let s = settings(&[
        KEYS[0],
        KEYS[1],
        ("DRY_RUN", "false"),
        ("BINANCE_REST_URL", "http://127.0.0.1:9443/"),
        ("BINANCE_STREAM_URL", "ws://127.0.0.1:9443"),
        ("BINANCE_WS_API_URL", "ws://127.0.0.1:9443/ws-api/v3"),
        ("BINANCE_RECV_WINDOW_MS", "3000"),
        ("BINANCE_KLINE_INTERVAL", "5m"),
    ])
    .unwrap();
    let b = s.trading_venue().unwrap();
    assert_eq!(b.endpoints, mirai_binance::Endpoints::local("http://127.0.0.1:9443"));
    assert_eq!((b.recv_window_ms, b.kline_interval), (3_000, mirai_binance::KlineInterval::M5));
}

#[test]
fn login_limits_default_and_are_checked_together() {
    let ok = settings(&[]).expect("defaults");
    assert_eq!(ok.web.login_policy, LoginPolicy::default());
    assert_eq!((ok.web.login_policy.max_failures, ok.web.login_policy.lockout_minutes), (5, 15));
    let custom = settings(&[("LOGIN_MAX_FAILURES", "3"), ("LOGIN_LOCKOUT_MINUTES", "60")]).expect("valid");
    assert_eq!(custom.web.login_policy, LoginPolicy::new(3, 60).expect("policy"));
    let errors = settings(&[("LOGIN_MAX_FAILURES", "0"), ("LOGIN_LOCKOUT_MINUTES", "many"), ("PORT", "x")])
        .expect_err("invalid")
        .0;
    assert!(errors.iter().any(|e| e.starts_with("LOGIN_MAX_FAILURES must be between 1")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("LOGIN_LOCKOUT_MINUTES=\"many\" is not")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("PORT=")), "{errors:?}");
}

#[test]
fn request_limits_default_and_are_checked() {
    let ok = settings(&[]).expect("defaults");
    assert_eq!(ok.web.request_limits, mirai_web::RequestLimits::default());
    let custom =
        settings(&[("WEB_RATE_PER_USER_PER_MIN", "60"), ("WEB_REQUEST_TIMEOUT_SECS", "3")]).expect("valid");
    assert_eq!(custom.web.request_limits.rate.per_user_per_min, 60);
    assert_eq!(custom.web.request_limits.timeout, Duration::from_secs(3));
    let errors = settings(&[("WEB_RATE_PER_ADDR_PER_MIN", "0")]).expect_err("invalid").0;
    assert!(errors.iter().any(|e| e.starts_with("WEB_RATE_PER_ADDR_PER_MIN must be")), "{errors:?}");
}

#[test]
fn numeric_settings_have_bounds_and_sane_defaults() {
    let ok = settings(&[]).expect("defaults");
    assert_eq!(ok.backtests, crate::backtests::Budget::default());
    assert_eq!(ok.backtests.max_bars, 2_000_000);
    assert_eq!(ok.web.http.header_timeout, Duration::from_secs(10));
    let custom = settings(&[
        ("BACKTEST_MAX_BARS", "5000"),
        ("BACKTEST_MEMORY_MB", "64"),
        ("BACKTEST_TIMEOUT_SECS", "30"),
        ("HTTP_BODY_TIMEOUT_SECS", "2"),
        ("HTTP_MAX_CONNECTIONS", "16"),
    ])
    .expect("valid");
    assert_eq!(custom.backtests.max_bars, 5_000);
    assert_eq!(custom.backtests.memory_bytes, 64 << 20);
    assert_eq!(custom.backtests.time, Duration::from_secs(30));
    assert_eq!((custom.web.http.body_timeout, custom.web.http.max_connections), (Duration::from_secs(2), 16));
    let errors = settings(&[
        ("BACKTEST_MAX_BARS", "3000000"),
        ("BACKTEST_MEMORY_MB", "18446744073709551615"),
        ("BACKTEST_TIMEOUT_SECS", "0"),
        ("HTTP_HEADER_TIMEOUT_SECS", "-1"),
        ("HTTP_MAX_CONNECTIONS", "0"),
        ("COOLDOWN_MINUTES", "9223372036854775807"),
        ("STARTING_CASH", "1e40"),
        ("STRATEGY_PARAMS", "fast=1,slow=1000000000000"),
    ])
    .expect_err("out of range")
    .0;
    for key in [
        "BACKTEST_MAX_BARS must be a whole number from 1 to 2000000 (got \"3000000\")",
        "BACKTEST_MEMORY_MB must be a whole number from 16 to 65536",
        "BACKTEST_TIMEOUT_SECS must be a whole number from 1 to 3600 (got \"0\")",
        "HTTP_HEADER_TIMEOUT_SECS must be a whole number from 1 to 300 (got \"-1\")",
        "HTTP_MAX_CONNECTIONS must be a whole number from 1 to 65536 (got \"0\")",
        "COOLDOWN_MINUTES must be a whole number from 0 to 10080",
        "STARTING_CASH",
        "too long a window",
    ] {
        assert!(errors.iter().any(|e| e.contains(key)), "{key} not in {errors:?}");
    }
}

#[test]
fn real_money_waits_for_a_person_by_default_and_nothing_else_does() {
    use mirai_live::approval::ApprovalMode;
    let mode = |pairs: &[(&str, &str)]| settings(pairs).unwrap().trading.approval.mode;
    assert_eq!(mode(&[]), ApprovalMode::Auto, "paper");
    assert_eq!(
        mode(&[("DRY_RUN", "false"), ("BINANCE_ENV", "testnet"), KEYS[0], KEYS[1]]),
        ApprovalMode::Auto
    );
    assert_eq!(mode(&[("DRY_RUN", "false"), ("BINANCE_ENV", "demo"), KEYS[0], KEYS[1]]), ApprovalMode::Auto);
    assert_eq!(mode(&[("DRY_RUN", "false"), ("BINANCE_ENV", "live"), KEYS[0], KEYS[1]]), ApprovalMode::Semi);
    assert_eq!(
        mode(&[("DRY_RUN", "true"), ("BINANCE_ENV", "live"), KEYS[0], KEYS[1]]),
        ApprovalMode::Auto,
        "a dry run"
    );
    assert_eq!(mode(&[("APPROVAL_MODE", "advisor")]), ApprovalMode::Advisor);
    let err =
        settings(&[("APPROVAL_MODE", "yolo"), ("PROPOSAL_TTL_SECONDS", "5"), ("SEMI_MAX_NOTIONAL", "0")])
            .unwrap_err();
    assert_eq!(err.0.len(), 3, "{err}");
    assert!(err.0.iter().any(|e| e.contains("APPROVAL_MODE=\"yolo\"")), "{err}");
}

#[test]
fn market_data_is_the_replay_by_default_and_binances_public_data_on_request() {
    let s = settings(&[]).unwrap();
    assert_eq!((&s.market_data, s.market_source()), (&MarketData::Replay, CandleSource::Replay));
    assert!(s.paper_market_data().is_none());
    let s = settings(&[("MARKET_DATA", "Binance")]).unwrap();
    let m = s.paper_market_data().expect("Binance's public data, on paper");
    assert_eq!(
        (m.rest.as_str(), m.streams.as_str()),
        (crate::venue::market_data::PUBLIC_REST_URL, crate::venue::market_data::PUBLIC_STREAM_URL)
    );
    assert_eq!((s.mode(), s.market_source(), s.dry_run), (Mode::Paper, CandleSource::Binance, true));
    // The simulator, as the tests run it; no key is needed.
    let s = settings(&[("MARKET_DATA", "binance"), ("BINANCE_LOCAL_URL", "http://127.0.0.1:9400")]).unwrap();
    assert_eq!(s.paper_market_data().map(|m| m.rest.as_str()), Some("http://127.0.0.1:9400"));
    // Keys in a dry run: still paper on the public data, the account untouched.
    let s = settings(&[("MARKET_DATA", "binance"), KEYS[0], KEYS[1]]).unwrap();
    assert!(s.trading_venue().is_none() && s.paper_market_data().is_some());
    // Trading on a venue: its own streams, whatever MARKET_DATA says.
    let s = settings(&[("MARKET_DATA", "binance"), ("DRY_RUN", "false"), KEYS[0], KEYS[1]]).unwrap();
    assert!(s.paper_market_data().is_none());
    assert_eq!((s.mode(), s.market_source()), (Mode::Testnet, CandleSource::Venue));
    assert_eq!(settings(&[("MARKET_DATA", "replay")]).unwrap().market_source(), CandleSource::Replay);
}

#[test]
fn a_bad_market_data_setting_is_reported_with_the_rest() {
    let err = settings(&[("MARKET_DATA", "Coinbase"), ("PORT", "x")]).unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
    assert!(
        err.0.iter().any(|e| e.contains("MARKET_DATA=\"Coinbase\"") && e.contains("replay, binance")),
        "{err}"
    );
    // The Binance settings it reads are checked, each problem once even when the account's
    // settings read it too.
    let err = settings(&[("MARKET_DATA", "binance"), ("BINANCE_KLINE_INTERVAL", "7m"), KEYS[0], KEYS[1]])
        .unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert!(err.0[0].contains("BINANCE_KLINE_INTERVAL"), "{err}");
    let err = settings(&[("MARKET_DATA", "binance"), ("BINANCE_TIMEOUT_MS", "0")]).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
    assert!(err.0[0].contains("BINANCE_TIMEOUT_MS"), "{err}");
    // Not read at all with the replay.
    assert!(settings(&[("BINANCE_TIMEOUT_MS", "0")]).is_ok());
}

#[test]
fn every_strategy_can_be_chosen_and_takes_its_own_defaults() {
    // sma-cross's default parameters are the settings' default; another strategy without
    // STRATEGY_PARAMS takes its own.
    assert_eq!(settings(&[]).unwrap().trading.strategy, StrategySpec::SmaCross { fast: 5, slow: 20 });
    let s = settings(&[("STRATEGY", "donchian")]).unwrap();
    assert_eq!(s.trading.strategy, StrategySpec::Donchian { entry: 20, exit: 10 });
    let s = settings(&[("STRATEGY", "macd")]).unwrap();
    assert_eq!(s.trading.strategy, StrategySpec::Macd { fast: 12, slow: 26, signal: 9 });
    let s = settings(&[("STRATEGY", "bollinger"), ("STRATEGY_PARAMS", "period=30, k=2.5")]).unwrap();
    assert_eq!(s.trading.strategy, StrategySpec::Bollinger { period: 30, k: Decimal::new(25, 1) });
    let text =
        settings(&[("STRATEGY", "macd"), ("STRATEGY_PARAMS", "fast=26,slow=12")]).unwrap_err().to_string();
    assert!(
        text.contains("STRATEGY/STRATEGY_PARAMS: macd parameter fast: fast (26) must be shorter"),
        "{text}"
    );
    let text = settings(&[("STRATEGY", "bollinger"), ("STRATEGY_PARAMS", "k=0")]).unwrap_err().to_string();
    assert!(text.contains("bollinger parameter k"), "{text}");
}

#[test]
fn the_example_env_file_sets_market_data_to_its_default() {
    let example = include_str!("../../../../.env.example");
    let value = example
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|l| l.strip_prefix("MARKET_DATA="))
        .expect("MARKET_DATA in .env.example");
    assert_eq!(settings(&[("MARKET_DATA", value)]).unwrap().market_data, MarketData::Replay);
}
