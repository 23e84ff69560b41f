//! `mirai gen-bars`: deterministic synthetic bars as CSV, for tests and benchmarks: by default a
//! market-like path (log-normal returns, calm and turbulent regimes; docs/backtesting.md), or the
//! old random walk byte for byte (`--model random-walk`, the benchmarks' input).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mirai_backtest::data::time::parse_timestamp;
use mirai_backtest::generate::{Generate, MarketParams, Model, default_tick, parse_interval};
use mirai_core::{Decimal, Price};

use super::{Failure, progress};

#[derive(Debug, Clone, Args)]
pub struct GenBarsArgs {
    /// How many bars.
    #[arg(long)]
    pub bars: u64,
    /// The random seed; the same seed always gives the same file.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to write the CSV.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The bar interval: 1s, 1m, 5m, 1h, 1d, …
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// The first bar's open time (ISO-8601).
    #[arg(long, default_value = "2024-01-01T00:00:00Z")]
    pub start: String,
    /// The first bar's open price.
    #[arg(long, default_value = "100")]
    pub start_price: Decimal,
    /// The price model: `regimes` (log-normal returns whose volatility switches between calm and
    /// turbulent spells) or `random-walk` (the old uniform random walk with two-decimal prices,
    /// byte for byte: the benchmarks' input).
    #[arg(long, value_enum, default_value_t = ModelName::Regimes)]
    pub model: ModelName,
    /// Annual drift of the log price (regimes): the median path grows by e^DRIFT a year, so 0.1 is
    /// +10.5 % and -0.1 is -9.5 %. Default 0 (no trend).
    #[arg(long, allow_negative_numbers = true)]
    pub drift: Option<f64>,
    /// Annualised volatility (regimes), averaged over calm and turbulent spells; 0.6 = 60 %
    /// (Bitcoin-like; the default).
    #[arg(long, allow_negative_numbers = true)]
    pub vol: Option<f64>,
    /// Price tick (regimes): every price is a whole number of ticks. Default: the power of ten
    /// nearest below a hundred-thousandth of the start price (0.001 for 100).
    #[arg(long)]
    pub tick: Option<Decimal>,
}

/// `--model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    Regimes,
    RandomWalk,
}

/// The most bars one file may have (about 6.5 GB of CSV).
const MAX_BARS: u64 = 100_000_000;

pub fn gen_bars(args: &GenBarsArgs) -> Result<(), Failure> {
    let mut problems = Vec::new();
    if args.bars == 0 || args.bars > MAX_BARS {
        problems.push(format!("--bars must be from 1 to {MAX_BARS}"));
    }
    let interval_ms = parse_interval(&args.interval).unwrap_or_else(|| {
        problems.push(format!("--interval {:?} is not a number followed by s, m, h or d", args.interval));
        60_000
    });
    let start_ms = parse_timestamp(args.start.as_bytes()).unwrap_or_else(|why| {
        problems.push(format!("--start {:?} is not {why}", args.start));
        0
    });
    let start_price =
        Price::new_checked(args.start_price).ok().filter(|p| !p.is_zero()).unwrap_or_else(|| {
            problems.push("--start-price must be positive".into());
            Price::ZERO
        });
    let model = match args.model {
        ModelName::Regimes => Model::Regimes(MarketParams {
            drift: args.drift.unwrap_or(MarketParams::DRIFT),
            vol: args.vol.unwrap_or(MarketParams::VOL),
            tick: args.tick.unwrap_or_else(|| default_tick(start_price)),
        }),
        ModelName::RandomWalk => {
            if args.drift.is_some() || args.vol.is_some() || args.tick.is_some() {
                problems.push("--drift, --vol and --tick apply to --model regimes only".into());
            }
            Model::RandomWalk
        }
    };
    let g = Generate { bars: args.bars, seed: args.seed, start_ms, interval_ms, start_price };
    if problems.is_empty()
        && let Err(why) = g.check_model(model)
    {
        problems.push(why);
    }
    if !problems.is_empty() {
        return Err(Failure::Usage(problems.join("\n  ")));
    }
    let file = std::fs::File::create(&args.out)
        .map_err(|e| Failure::System(format!("cannot create {}: {e}", args.out.display())))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let pb = progress::bar(args.bars, "gen-bars", false);
    let written = g.write_csv_of(model, &mut out, |n| pb.set_position(n)).and_then(|()| out.flush());
    pb.finish_and_clear();
    written.map_err(|e| Failure::System(format!("cannot write {}: {e}", args.out.display())))?;
    eprintln!("wrote {} bars to {}", args.bars, args.out.display());
    Ok(())
}
