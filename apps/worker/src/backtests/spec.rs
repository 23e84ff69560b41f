//! From a request to something runnable: the backtest settings and the bars, checked. Problems
//! come back as `Invalid`, worded for the user.

use mirai_backtest::data::bundled;
use mirai_backtest::generate::{DEFAULT_START_MS, Generate, parse_interval};
use mirai_backtest::{BacktestConfig, BacktestError, FillAt, UnitSizing, no_limits};
use mirai_core::{Decimal, Price, Symbol};
use mirai_web::{BackendError, BacktestRequest, DataSource, FillView, MAX_GENERATED_BARS, SizingView};

#[derive(Debug, Clone)]
pub(super) enum Source {
    Generated(Generate),
    Bundled { csv: &'static str },
}

impl Source {
    /// Bars the job will run, for progress.
    pub(super) fn bars(&self) -> u64 {
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
}

pub(super) fn spec(req: &BacktestRequest) -> Result<Spec, BackendError> {
    let (source, symbol) = match &req.data {
        DataSource::Generated { bars, seed, interval } => {
            if *bars == 0 || *bars > MAX_GENERATED_BARS {
                return Err(BackendError::Invalid(format!("bars must be from 1 to {MAX_GENERATED_BARS}")));
            }
            let interval_ms = parse_interval(interval).ok_or_else(|| {
                BackendError::Invalid(format!("interval {interval:?} is not like 1m, 1h or 1d"))
            })?;
            let g = Generate {
                bars: u64::from(*bars),
                seed: *seed,
                start_ms: DEFAULT_START_MS,
                interval_ms,
                start_price: Price::new_checked(Decimal::from(100)).unwrap_or_default(),
            };
            (Source::Generated(g), Symbol::new("BTCUSDT"))
        }
        DataSource::Bundled { name } => {
            let csv = bundled(name).ok_or_else(|| {
                let known: Vec<&str> = mirai_backtest::data::BUNDLED.iter().map(|(n, _)| *n).collect();
                BackendError::Invalid(format!("no bundled series {name:?} (known: {})", known.join(", ")))
            })?;
            // `goog-daily` trades as GOOG.
            let word: String = name.chars().take_while(char::is_ascii_alphanumeric).collect();
            (Source::Bundled { csv }, Symbol::new_checked(&word).unwrap_or(Symbol::new("BTCUSDT")))
        }
    };
    let config = BacktestConfig {
        symbol,
        strategy: req.strategy.clone(),
        params: req.params.iter().map(|(k, v)| (k.clone(), v.as_text())).collect(),
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
        Ok(_) => Ok(Spec { config, source }),
        Err(BacktestError::Config(problems)) => Err(BackendError::Invalid(problems.join("; "))),
        Err(other) => Err(BackendError::Invalid(other.to_string())),
    }
}
