//! From a request to something runnable: the backtest settings and the bars, checked against the
//! service's [`Budget`] before anything is allocated. Problems come back as `Invalid` (or
//! `InvalidField`, naming the request's field), worded for the user.

use mirai_backtest::data::bundled;
use mirai_backtest::generate::{DEFAULT_START_MS, Generate, parse_interval};
use mirai_backtest::{BacktestConfig, BacktestError, FillAt, UnitSizing, no_limits};
use mirai_core::{Decimal, Price, Symbol};
use mirai_engine::{StrategyError, StrategySpec};
use mirai_web::{BackendError, BacktestRequest, DataSource, FillView, SizingView};

use super::budget::{Budget, megabytes, memory_bound};

#[derive(Debug, Clone)]
pub(super) enum Source {
    Generated(Generate),
    Bundled { csv: &'static str },
}

impl Source {
    /// Calendar days the bars touch, at most.
    fn days(&self) -> u64 {
        match self {
            Source::Generated(g) => {
                let span = g.bars.saturating_sub(1).saturating_mul(g.interval_ms.unsigned_abs());
                span / 86_400_000 + 2
            }
            // A few thousand bars: as many days as bars is bound enough.
            Source::Bundled { .. } => self.bars(),
        }
    }

    /// Bars the job will run.
    fn bars(&self) -> u64 {
        match self {
            Source::Generated(g) => g.bars,
            // One line per bar after the header.
            Source::Bundled { csv } => {
                csv.lines().filter(|l| !l.trim().is_empty()).count().saturating_sub(1) as u64
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Spec {
    pub(super) config: BacktestConfig,
    pub(super) source: Source,
    /// Bars the run will take (counted once: a bundled series is counted line by line).
    pub(super) bars: u64,
    /// What the run may allocate at most ([`memory_bound`]), already held against the budget.
    pub(super) memory_bound: u64,
}

fn field(field: impl Into<String>, message: impl Into<String>) -> BackendError {
    BackendError::InvalidField { field: field.into(), message: message.into() }
}

pub(super) fn spec(req: &BacktestRequest, budget: &Budget) -> Result<Spec, BackendError> {
    let (source, symbol) = match &req.data {
        DataSource::Generated { bars, seed, interval } => {
            if *bars == 0 || u64::from(*bars) > budget.max_bars {
                return Err(field("data.bars", format!("must be from 1 to {}", budget.max_bars)));
            }
            let interval_ms = parse_interval(interval)
                .ok_or_else(|| field("data.interval", format!("{interval:?} is not like 1m, 1h or 1d")))?;
            let g = Generate {
                bars: u64::from(*bars),
                seed: *seed,
                start_ms: DEFAULT_START_MS,
                interval_ms,
                start_price: Price::new_checked(Decimal::from(100)).unwrap_or_default(),
            };
            g.check().map_err(|why| field("data.interval", why))?;
            (Source::Generated(g), Symbol::new("BTCUSDT"))
        }
        DataSource::Bundled { name } => {
            let csv = bundled(name).ok_or_else(|| {
                let known: Vec<&str> = mirai_backtest::data::BUNDLED.iter().map(|(n, _)| *n).collect();
                field("data.name", format!("no bundled series {name:?} (known: {})", known.join(", ")))
            })?;
            // `goog-daily` trades as GOOG.
            let word: String = name.chars().take_while(char::is_ascii_alphanumeric).collect();
            (Source::Bundled { csv }, Symbol::new_checked(&word).unwrap_or(Symbol::new("BTCUSDT")))
        }
    };
    let bars = source.bars();
    let params: Vec<(String, String)> = req.params.iter().map(|(k, v)| (k.clone(), v.as_text())).collect();
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The strategy's windows are held against the data before the strategy is built: its
    // indicators allocate their windows.
    let strategy = StrategySpec::parse(&req.strategy, &pairs).map_err(strategy_error)?;
    let (param, window) = strategy.longest_window();
    if window as u64 > bars {
        return Err(field(
            format!("params.{param}"),
            format!("a window of {window} bars needs at least {window} bars of data; the data has {bars}"),
        ));
    }
    // The strategy's state counted as the budget counts it, in SMA-window bars (Donchian's two
    // channels keep more than their longest window).
    let memory_bound = memory_bound(bars, source.days(), strategy.state_window());
    if memory_bound > budget.memory_bytes {
        return Err(field(
            "data.bars",
            format!(
                "a run of {bars} bars may need {} MB; the worker allows {} MB a backtest",
                megabytes(memory_bound),
                megabytes(budget.memory_bytes)
            ),
        ));
    }
    let config = BacktestConfig {
        symbol,
        strategy: req.strategy.clone(),
        params,
        cash: req.cash,
        fee_rate: req.fee,
        slippage_bps: req.slippage_bps,
        fill: match req.fill {
            FillView::NextOpen => FillAt::NextOpen,
            FillView::Close => FillAt::Close,
        },
        sizing: match req.sizing {
            SizingView::Whole => UnitSizing::Whole,
            SizingView::Fractional => UnitSizing::Fractional,
        },
        limits: no_limits(),
        ..BacktestConfig::default()
    };
    match config.validate() {
        Ok(_) => Ok(Spec { config, source, bars, memory_bound }),
        Err(BacktestError::Config(problems)) => Err(BackendError::Invalid(problems.join("; "))),
        Err(other) => Err(BackendError::Invalid(other.to_string())),
    }
}

/// A strategy's complaint, naming the field of the request it is about.
fn strategy_error(e: StrategyError) -> BackendError {
    let name = match &e {
        StrategyError::Unknown(_) => "strategy".to_owned(),
        StrategyError::UnknownParam { param, .. } => format!("params.{param}"),
        StrategyError::BadParam { param, .. } => format!("params.{param}"),
    };
    field(name, e.to_string())
}
