//! `STRATEGY_FILE`: the layers (file, environment, defaults), inheritance between tables, and
//! every problem reported at once, naming the file, the table and the key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mirai_core::{Confidence, Decimal, RiskLimits, Symbol};
use mirai_engine::StrategySpec;

use crate::config::{ConfigErrors, Settings};

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigErrors> {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_lookup(&move |k| env.get(k).cloned())
}

/// Writes `text` as a strategy file in `dir`.
fn file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("strategies.toml");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("a UTF-8 path"))
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn btc() -> Symbol {
    Symbol::new("BTCUSDT")
}

fn eth() -> Symbol {
    Symbol::new("ETHUSDT")
}

#[test]
fn the_file_sets_strategies_per_symbol_and_the_limits_and_wins_over_the_environment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = file(
        dir.path(),
        r#"
[defaults]
strategy = "sma-cross"
params = { fast = 5, slow = 20 }

[symbols.BTCUSDT]
strategy = "donchian"
params = { entry = 30 }

[risk]
max_position_pct = 20
max_daily_loss_pct = 3.5
min_confidence = 0.6
cooldown_minutes = 0
position_size_pct = "12.5"
"#,
    );
    let s = settings(&[
        ("STRATEGY_FILE", path_str(&path)),
        // Set in both places: the file wins.
        ("STRATEGY", "macd"),
        ("STRATEGY_PARAMS", "fast=3,slow=9"),
        ("MAX_POSITION_PCT", "15"),
        ("POSITION_SIZE_PCT", "5"),
        // Only in the environment: kept.
        ("MAX_EXPOSURE_PCT", "40"),
        ("MAX_TRADES_PER_DAY", "7"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let t = &s.trading;
    assert_eq!(t.strategy_file.as_deref(), Some(path.as_path()));
    assert_eq!(t.strategy, StrategySpec::SmaCross { fast: 5, slow: 20 }, "[defaults] over STRATEGY");
    // Another strategy than the inherited one: its own defaults under the table's params.
    assert_eq!(t.strategy_for(btc()), &StrategySpec::Donchian { entry: 30, exit: 10 });
    assert_eq!(t.strategy_for(eth()), &StrategySpec::SmaCross { fast: 5, slow: 20 }, "no table: [defaults]");
    assert_eq!(t.strategies.len(), 1);
    assert_eq!(t.position_size, dec("0.125"));
    let want = RiskLimits {
        max_position_pct: dec("0.20"),
        max_daily_loss_pct: dec("0.035"),
        min_confidence: Confidence::new_checked(dec("0.6")).unwrap_or_else(|e| panic!("{e}")),
        cooldown_ms: 0,
        max_total_exposure_pct: dec("0.40"),
        max_trades_per_day: 7,
        ..RiskLimits::default()
    };
    assert_eq!(t.limits, want);
}

#[test]
fn tables_inherit_from_the_level_below() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // No [defaults]: the environment's strategy is the default, and a symbol's table without a
    // strategy lays its params over the environment's.
    let path = file(dir.path(), "[symbols.ETHUSDT]\nparams = { slow = 50 }\n");
    let s = settings(&[("STRATEGY_FILE", path_str(&path)), ("STRATEGY_PARAMS", "fast=7,slow=30")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.trading.strategy, StrategySpec::SmaCross { fast: 7, slow: 30 });
    assert_eq!(s.trading.strategy_for(eth()), &StrategySpec::SmaCross { fast: 7, slow: 50 });
    assert_eq!(s.trading.strategy_for(btc()), &StrategySpec::SmaCross { fast: 7, slow: 30 });
    assert_eq!(s.trading.limits, RiskLimits::default(), "no [risk]: the environment's (defaults)");

    // [defaults] naming another strategy than STRATEGY starts from that strategy's defaults.
    let path = file(dir.path(), "[defaults]\nstrategy = \"bollinger\"\nparams = { k = 2.5 }\n");
    let s = settings(&[("STRATEGY_FILE", path_str(&path)), ("STRATEGY_PARAMS", "fast=7,slow=30")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.trading.strategy, StrategySpec::Bollinger { period: 20, k: dec("2.5") });
    assert!(s.trading.strategies.is_empty());

    // Without STRATEGY_FILE nothing changes: one strategy for every symbol.
    let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.trading.strategy_file.is_none() && s.trading.strategies.is_empty());
    assert_eq!(s.trading.strategy_for(btc()), &StrategySpec::SmaCross { fast: 5, slow: 20 });
}

#[test]
fn every_problem_is_reported_at_once_naming_the_file_the_table_and_the_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = file(
        dir.path(),
        r#"
[defaults]
strategy = "sma-crossover"

[symbols.BTCUSDT]
strategy = "donchian"
params = { entry = 0 }

[symbols.ETHUSDT]
params = { fast = 5, speed = 3, slow = [1] }

[symbols.XRPUSDT]
strategy = "macd"

[symbols.BTC-USDT]
strategy = "macd"

[risk]
max_position_pct = 150
max_trades_per_day = -1
min_confidence = true
cooldown_minutes = 20000
"#,
    );
    let at = format!("STRATEGY_FILE {}:", path.display());
    let err = settings(&[("STRATEGY_FILE", path_str(&path)), ("PORT", "eighty")]).unwrap_err();
    let text = err.to_string();
    let expect = [
        format!("{at} [defaults] strategy \"sma-crossover\" is not one of sma-cross, rsi-reversion"),
        format!("{at} [symbols.BTCUSDT] donchian parameter entry: must be at least 1 bar"),
        format!(
            "{at} [symbols.ETHUSDT] params.speed: sma-cross has no parameter \"speed\" (it has fast, slow)"
        ),
        format!("{at} [symbols.ETHUSDT] params.slow must be a number, not an array"),
        format!("{at} [symbols.XRPUSDT] XRPUSDT is not traded (SYMBOLS is BTCUSDT,ETHUSDT)"),
        format!("{at} [symbols.BTC-USDT] is not a symbol"),
        format!("{at} [risk] min_confidence must be a number, not a boolean"),
        format!("{at} [risk] max_position_pct=150 must be above 0 and at most 100 (percent)"),
        format!("{at} [risk] max_trades_per_day=\"-1\" is not a whole number"),
        format!("{at} [risk] cooldown_minutes must be a whole number from 0 to 10080"),
    ];
    for want in &expect {
        assert!(err.0.iter().any(|e| e.starts_with(want.as_str())), "{want}\nmissing from:\n{text}");
    }
    // And the environment's own problem with them, in one list.
    assert!(err.0.iter().any(|e| e.starts_with("PORT=")), "{text}");
    assert_eq!(err.0.len(), expect.len() + 1, "{text}");
}

#[test]
fn unknown_keys_and_bad_syntax_name_the_line_and_the_table() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let at = |p: &Path| format!("STRATEGY_FILE {}:", p.display());
    let one = |text: &str| {
        let path = file(dir.path(), text);
        let err = settings(&[("STRATEGY_FILE", path_str(&path))]).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        let e = err.0[0].clone();
        assert!(e.starts_with(&at(&path)), "{e}");
        e
    };
    let e = one("[risk]\nmax_position_pct = 20\nmax_postion_pct = 10\n");
    assert!(e.contains("line 3 (in [risk])"), "{e}");
    assert!(
        e.contains("max_postion_pct") && e.contains("max_position_pct"),
        "the key and the known ones: {e}"
    );
    let e = one("[defaults]\nstrategy = \"macd\"\n\n[symbols.BTCUSDT]\nstrateg = \"macd\"\n");
    assert!(e.contains("line 5 (in [symbols.BTCUSDT])") && e.contains("strateg"), "{e}");
    let e = one("[limits]\nmax_position_pct = 20\n");
    assert!(e.contains("line 1") && e.contains("limits"), "{e}");
    let e = one("[defaults]\nstrategy = sma-cross\n");
    assert!(e.contains("line 2 (in [defaults])"), "a syntax error: {e}");
    assert!(!e.contains('\n'), "one line: {e}");
    let e = one("[defaults]\nstrategy = 5\n");
    assert!(e.contains("line 2") && e.contains("string"), "a wrong type: {e}");

    let missing = dir.path().join("nowhere.toml");
    let err = settings(&[("STRATEGY_FILE", path_str(&missing))]).unwrap_err();
    assert!(err.0[0].starts_with(&format!("{} cannot be read", at(&missing))), "{err}");
}

#[test]
fn the_example_file_in_the_repository_is_valid() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/strategies.example.toml");
    let s = settings(&[("STRATEGY_FILE", path_str(&example))]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.trading.strategy_for(btc()), &StrategySpec::Donchian { entry: 20, exit: 10 });
    assert_eq!(s.trading.strategy_for(eth()), &StrategySpec::SmaCross { fast: 10, slow: 30 });
    assert_eq!(s.trading.limits.max_position_pct, dec("0.2"));
    assert_eq!(s.trading.limits.max_daily_loss_pct, dec("0.03"));
}
