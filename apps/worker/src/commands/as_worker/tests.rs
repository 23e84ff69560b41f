//! `--risk worker`, `--config` and `--risk default`, from the command line as clap parses it, on an
//! environment the test gives.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use mirai_backtest::{BacktestConfig, FillAt, run_csv};
use mirai_core::{Decimal, RiskLimits, Symbol};
use mirai_engine::{RuleBasedAdvisor, StrategySpec};

use super::super::{Failure, StrategyArgs};
use crate::config::Settings;
use crate::feed::replay_rules;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: StrategyArgs,
}

fn goog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/backtest/tests/data/GOOG.csv")
}

/// The backtest `args` describe, the worker's settings read from `env` alone.
fn config(args: &[&str], env: &[(&str, &str)]) -> Result<BacktestConfig, Failure> {
    let goog = goog();
    let data = goog.to_str().unwrap_or_else(|| panic!("a UTF-8 path"));
    let argv = ["mirai", "--data", data].into_iter().chain(args.iter().copied());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{e}"));
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    cli.args.config_with(|| Ok(Box::new(move |k: &str| env.get(k).cloned())))
}

fn usage(result: Result<BacktestConfig, Failure>) -> String {
    match result {
        Err(Failure::Usage(m)) => m,
        other => panic!("not a usage error: {other:?}"),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn strategy_file(dir: &Path, text: &str) -> String {
    let path = dir.join("strategies.toml");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path.to_str().unwrap_or_else(|| panic!("a UTF-8 path")).to_owned()
}

const ENV: [(&str, &str); 7] = [
    ("STRATEGY", "donchian"),
    ("STRATEGY_PARAMS", "entry=15"),
    ("POSITION_SIZE_PCT", "20"),
    ("FEE_PCT", "0.075"),
    ("SLIPPAGE_BPS", "3"),
    ("STARTING_CASH", "5000"),
    ("MAX_POSITION_PCT", "30"),
];

#[test]
fn the_worker_trades_are_the_engine_and_exchange_settings_the_worker_starts_with() {
    let env: HashMap<String, String> = ENV.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let settings = Settings::from_lookup(&|k| env.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"));
    let c = config(&["--risk", "worker", "--symbol", "BTCUSDT"], &ENV).unwrap_or_else(|e| panic!("{e:?}"));
    let btc = Symbol::new("BTCUSDT");
    // What `app::start` gives the engine (EngineConfig) and the paper exchange (PaperConfig).
    assert_eq!(c.cash, settings.paper.starting_cash.get());
    assert_eq!((c.fee_rate, c.sizing_cost_rate()), (dec("0.00075"), dec("0.00075")), "sized with the fee");
    assert_eq!(c.slippage_bps, dec("3"));
    assert_eq!(c.position_size, Some(dec("0.2")));
    assert_eq!(c.limits, settings.trading.limits);
    assert_eq!(c.limits.max_position_pct, dec("0.3"));
    assert_eq!(c.rules(), replay_rules(btc), "the replayed market's rules");
    let advisor = RuleBasedAdvisor::default();
    assert_eq!((c.stop_loss_pct, c.take_profit_pct), (advisor.stop_loss_pct, advisor.take_profit_pct));
    assert_eq!(c.fill, FillAt::Close, "the worker fills market orders at the bar's close");
    assert_eq!(
        (c.strategy.as_str(), c.params.clone()),
        ("donchian", pairs(&[("entry", "15"), ("exit", "10")]))
    );
    assert_eq!(
        StrategySpec::parse(&c.strategy, &borrow(&c.params)).ok().as_ref(),
        Some(settings.trading.strategy_for(btc))
    );
}

#[test]
fn the_command_line_wins_over_the_file_which_wins_over_the_environment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = strategy_file(
        dir.path(),
        "[symbols.BTCUSDT]\nstrategy = \"sma-cross\"\nparams = { fast = 4 }\n\n[risk]\nmax_position_pct = 40\n",
    );
    let c = config(&["--config", &file, "--symbol", "BTCUSDT"], &ENV).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.limits.max_position_pct, dec("0.4"), "the file over MAX_POSITION_PCT");
    assert_eq!(c.position_size, Some(dec("0.2")), "the environment where the file says nothing");
    assert_eq!(
        (c.strategy.as_str(), c.params.clone()),
        ("sma-cross", pairs(&[("fast", "4"), ("slow", "20")]))
    );
    // A symbol without a table trades the default: here the environment's.
    let c = config(&["--config", &file, "--symbol", "ETHUSDT"], &ENV).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.strategy, "donchian");

    // Flags over both: values, the fill, the stops, the parameters, the strategy.
    let c = config(
        &["--config", &file, "--symbol", "BTCUSDT", "--fee", "0.002", "--cash", "777", "--fill", "next-open"],
        &ENV,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((c.fee_rate, c.cash, c.fill), (dec("0.002"), dec("777"), FillAt::NextOpen));
    assert_eq!(c.slippage_bps, dec("3"), "not given: the worker's");
    let c = config(
        &["--config", &file, "--symbol", "BTCUSDT", "--param", "slow=30", "--stop-loss", "0.05"],
        &ENV,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.params, pairs(&[("fast", "4"), ("slow", "30")]), "laid over the worker's");
    assert_eq!((c.stop_loss_pct, c.take_profit_pct), (Some(dec("0.05")), Some(dec("0.04"))));
    let c = config(
        &["--risk", "worker", "--symbol", "BTCUSDT", "--strategy", "macd", "--param", "signal=5"],
        &ENV,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (c.strategy.as_str(), c.params.clone()),
        ("macd", pairs(&[("signal", "5")])),
        "its own defaults"
    );
}

#[test]
fn options_that_do_not_fit_the_worker_are_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = strategy_file(dir.path(), "[risk]\nmax_position_pct = 400\n");
    let m = usage(config(&["--config", &file, "--risk", "none"], &[]));
    assert!(m.contains("--config trades as the worker does"), "{m}");
    let m = usage(config(&["--risk", "worker", "--sizing", "whole", "--lot-step", "0.1"], &[]));
    assert!(m.contains("--sizing") && m.contains("--lot-step"), "both at once: {m}");
    assert!(usage(config(&["--risk", "default", "--sizing", "fractional"], &[])).contains("--sizing"));
    // The file's problem, named, with the environment's.
    let m = usage(config(&["--config", &file], &[("PORT", "eighty")]));
    assert!(m.contains("[risk] max_position_pct=400") && m.contains("PORT"), "{m}");
    assert!(m.contains(&format!("STRATEGY_FILE {file}")), "{m}");
}

#[test]
fn risk_default_sizes_as_the_worker_does_and_trades() {
    // All the cash against a 1,000 order limit and a 10 % position limit: every buy used to be
    // refused (`--risk default` gave 0 trades). The worker's 10 % of equity fits both.
    let c = config(&["--risk", "default"], &[]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((c.position_size, c.limits.clone()), (Some(dec("0.1")), RiskLimits::default()));
    let all_cash = BacktestConfig { position_size: None, ..c.clone() };
    let run = |c: &BacktestConfig| {
        let file = std::fs::File::open(goog()).unwrap_or_else(|e| panic!("{e}"));
        run_csv(c, file, |_| {}).unwrap_or_else(|e| panic!("{e}"))
    };
    // All the cash, under the worker's limits: each buy is sized down to the 1,000 order limit
    // (the engine never proposes an order the gate would refuse for its size), so it trades too.
    let before = run(&all_cash);
    assert!(before.counts.orders > 0, "{:?}", before.counts);
    assert!(!before.counts.refused.contains_key("max_order_notional"), "{:?}", before.counts);
    let biggest =
        before.trade_list.iter().map(|t| t.entry_price * t.qty).max().unwrap_or_else(|| panic!("a trade"));
    assert!(biggest.get() <= dec("1000"), "within the order limit: {biggest:?}");
    let now = run(&c);
    assert!(now.counts.orders > 0 && now.counts.fills > 0, "{:?}", now.counts);
    let first = now.trade_list.first().map(|t| t.entry_price * t.qty).unwrap_or_else(|| panic!("a trade"));
    assert!(
        first.get() <= dec("1000") && first.get() > dec("990"),
        "10 % of 10,000, less the fee: {first:?}"
    );
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn borrow(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
