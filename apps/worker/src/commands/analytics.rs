//! `mirai analytics NAME`: the analysts' reports for people without a SQL client, from Snowflake
//! when it is configured (the views themselves) and from the local ledger otherwise (the same
//! definitions, computed by `mirai-reports`; a test holds the two equal). `mirai analytics purge`
//! says what the seven-year retention would delete, and deletes it without `--dry-run`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use mirai_core::{MS_PER_DAY, Symbol, Timestamp};
use mirai_reports::{Filter, Report, Table};
use mirai_store_snowflake::{SnowflakeSettings, SnowflakeStore};

use super::data_dir::{data_dir, open_existing};
use super::failure::{print, write_file};
use super::{Failure, lookup};
use crate::report_inputs::inputs;
use crate::shipping::open_snowflake;

#[derive(Debug, Clone, Args)]
pub struct AnalyticsArgs {
    /// The data directory whose store to read without Snowflake (default: DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Read the local ledger even when Snowflake is configured.
    #[arg(long, global = true)]
    pub local: bool,
    #[command(subcommand)]
    pub action: AnalyticsAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AnalyticsAction {
    /// Closed trades: entry and exit, quantity, fees, P&L, return, duration, decisions.
    RoundTrips(ReportArgs),
    /// Realised and unrealised P&L, fees, trades and win rate per UTC day and symbol.
    PnlByDaySymbol(ReportArgs),
    /// Every decision and what became of it, with who decided.
    DecisionOutcomes(ReportArgs),
    /// The model's calls, tokens, cost, latency and fallbacks per day and model.
    ModelUsage(ReportArgs),
    /// Refusals per day, symbol and gate.
    RiskRefusalsByGate(ReportArgs),
    /// Say (with --dry-run) or delete what is older than the retention period, in Snowflake.
    Purge(PurgeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// First UTC day included (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub from: Option<String>,
    /// First UTC day excluded (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub to: Option<String>,
    /// One symbol, e.g. BTCUSDT.
    #[arg(long)]
    pub symbol: Option<String>,
    /// Write the rows as CSV to FILE instead of printing a table.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PurgeArgs {
    /// Age beyond which rows go: a number of years (`7y`) or days (`2555d`). At least 7 years.
    #[arg(long, value_name = "AGE")]
    pub older_than: String,
    /// Count what would go; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The retention the platform's policy sets for trades, orders, decisions, P&L and candles:
/// seven years, counted with the two leap days they can hold.
const RETENTION_DAYS: i64 = 7 * 365 + 2;

pub fn analytics(args: &AnalyticsArgs) -> Result<(), Failure> {
    let (report, report_args) = match &args.action {
        AnalyticsAction::Purge(p) => return purge(p),
        AnalyticsAction::RoundTrips(a) => (Report::RoundTrips, a),
        AnalyticsAction::PnlByDaySymbol(a) => (Report::PnlByDaySymbol, a),
        AnalyticsAction::DecisionOutcomes(a) => (Report::DecisionOutcomes, a),
        AnalyticsAction::ModelUsage(a) => (Report::ModelUsage, a),
        AnalyticsAction::RiskRefusalsByGate(a) => (Report::RiskRefusalsByGate, a),
    };
    let filter = filter(report, report_args)?;
    let snowflake = if args.local { None } else { snowflake_settings()? };
    let table = match snowflake {
        Some(settings) => {
            let store = open_snowflake(settings).map_err(|e| Failure::Usage(e.to_string()))?;
            block_on(store.report(report, &filter))?
                .map_err(|e| Failure::System(format!("reading {} from Snowflake: {e}", report.view())))?
        }
        None => {
            let store = open_existing(&data_dir(args.data_dir.as_deref()))?;
            let inputs =
                inputs(&store).map_err(|e| Failure::System(format!("reading the local store: {e}")))?;
            mirai_reports::compute(report, &inputs, &filter)
        }
    };
    output(&table, report_args)
}

fn output(table: &Table, args: &ReportArgs) -> Result<(), Failure> {
    match &args.csv {
        Some(path) => {
            write_file(path, table.to_csv().as_bytes())?;
            eprintln!("{} rows written to {}", table.rows.len(), path.display());
            Ok(())
        }
        None => print(&table.to_text()),
    }
}

fn filter(report: Report, args: &ReportArgs) -> Result<Filter, Failure> {
    let day = |flag: &str, v: &Option<String>| -> Result<Option<Timestamp>, Failure> {
        v.as_deref()
            .map(|s| {
                mirai_core::time::parse_date(s)
                    .ok_or_else(|| Failure::Usage(format!("--{flag} {s:?} is not a day like 2026-01-31")))
            })
            .transpose()
    };
    let (from, to) = (day("from", &args.from)?, day("to", &args.to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(Failure::Usage("--from must be before --to".into()));
    }
    let symbol = match args.symbol.as_deref() {
        None => None,
        Some(_) if !report.has_symbol() => {
            return Err(Failure::Usage(format!(
                "{} is per model, not per symbol: drop --symbol",
                report.name()
            )));
        }
        Some(s) => Some(
            Symbol::new_checked(&s.to_ascii_uppercase())
                .map_err(|e| Failure::Usage(format!("--symbol {s:?}: {e}")))?,
        ),
    };
    Ok(Filter { from, to, symbol })
}

fn snowflake_settings() -> Result<Option<SnowflakeSettings>, Failure> {
    let lookup = lookup::settings()?;
    SnowflakeSettings::from_lookup(&|k: &str| lookup(k)).map_err(|e| Failure::Usage(e.join("; ")))
}

fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, Failure> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::System(format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(f))
}

fn purge(args: &PurgeArgs) -> Result<(), Failure> {
    let age = args.older_than.trim();
    let days = if let Some(y) = age.strip_suffix('y') {
        // The most days that many years can hold: a leap day in every fourth, rounded up.
        y.parse::<i64>().ok().map(|y| y * 365 + (y + 3) / 4)
    } else if let Some(d) = age.strip_suffix('d') {
        d.parse::<i64>().ok()
    } else {
        None
    };
    let days = days.filter(|d| *d > 0).ok_or_else(|| {
        Failure::Usage(format!("--older-than {age:?}: give years like 7y or days like 2557d"))
    })?;
    if days < RETENTION_DAYS {
        return Err(Failure::Usage(format!(
            "--older-than {age}: trades, orders, decisions, P&L and candles are kept seven years; \
             nothing younger is purged"
        )));
    }
    let Some(settings) = snowflake_settings()? else {
        return Err(Failure::Usage(
            "Snowflake is not configured (SNOWFLAKE_* settings); the local ledger is never purged".into(),
        ));
    };
    let now = Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    );
    let cutoff = Timestamp::from_millis((now.utc_day() - days) * MS_PER_DAY);
    let store: SnowflakeStore = open_snowflake(settings).map_err(|e| Failure::Usage(e.to_string()))?;
    let counts = block_on(store.purge(cutoff, args.dry_run))?
        .map_err(|e| Failure::System(format!("purging Snowflake: {e}")))?;
    let verb = if args.dry_run { "would delete" } else { "deleted" };
    let mut out = format!("rows older than {} ({age}):\n", &cutoff.to_iso8601()[..10]);
    for (table, n) in &counts {
        out.push_str(&format!("  {table:<14} {verb} {n}\n"));
    }
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    out.push_str(&format!("  {:<14} {verb} {total}\n", "total"));
    if args.dry_run {
        out.push_str("nothing was deleted (--dry-run)\n");
    }
    print(&out)
}
