//! `mirai gen-bars`: deterministic synthetic bars as CSV, for tests and benchmarks.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use mirai_backtest::data::time::parse_timestamp;
use mirai_backtest::generate::{Generate, parse_interval};
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
    let g = Generate { bars: args.bars, seed: args.seed, start_ms, interval_ms, start_price };
    if problems.is_empty()
        && let Err(why) = g.check()
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
    let written = g.write_csv(&mut out, |n| pb.set_position(n)).and_then(|()| out.flush());
    pb.finish_and_clear();
    written.map_err(|e| Failure::System(format!("cannot write {}: {e}", args.out.display())))?;
    eprintln!("wrote {} bars to {}", args.bars, args.out.display());
    Ok(())
}
