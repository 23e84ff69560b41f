//! `mirai data download`: Binance's klines for one symbol and interval over a time range, to the
//! CSV the backtester reads (`open_time,open,high,low,close,volume,close_time`, times in epoch
//! milliseconds, prices exactly as Binance sent them). Paged 1,000 bars a request through the
//! Binance client's rate-limit governor; an interrupted download resumes where the file ends.

mod download;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Failure;

pub use download::{DownloadPlan, download};

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(subcommand)]
    pub action: DataAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DataAction {
    /// Fetch Binance klines (public market data, no key) to a CSV file; re-run to resume.
    Download(DownloadArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// The symbol, e.g. BTCUSDT.
    #[arg(long)]
    pub symbol: String,
    /// Binance's bar length: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w.
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// First bar: a UTC day (2026-01-01) or instant (2026-01-01T12:00:00Z), included.
    #[arg(long)]
    pub from: String,
    /// End: bars opening before it are fetched (default: now; only closed bars are written).
    #[arg(long)]
    pub to: Option<String>,
    /// The CSV file to write; if it holds an earlier download of the same series, it is resumed.
    #[arg(long)]
    pub out: PathBuf,
    /// Where to fetch from (default: BINANCE_LOCAL_URL if set, else Binance's public market-data
    /// host https://data-api.binance.vision).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

pub fn data(args: &DataArgs) -> Result<(), Failure> {
    match &args.action {
        DataAction::Download(a) => {
            let plan = DownloadPlan::from_args(a)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
            let done = rt.block_on(download(&plan))?;
            eprintln!(
                "{} {}: {} bars written, {} already there, to {}",
                plan.symbol,
                plan.interval.as_str(),
                done.written,
                done.kept,
                plan.out.display()
            );
            Ok(())
        }
    }
}
