//! The command line: `mirai` (or `mirai run`) starts the whole system on its settings;
//! `backtest`, `sweep`, `walk-forward`, `gen-bars` and `strategies` are the research tools (see
//! docs/backtesting.md); `exchange-sim` and `live` serve Binance trading (docs/binance.md);
//! `llm-sim` serves the model path offline (docs/ai.md); `health` and `audit verify` are for
//! operators (docs/operations.md).

use secrecy::ExposeSecret;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(name = "mirai", version, about = "Mirai: an AI-assisted crypto trading platform")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start the worker and the dashboard (the default). Settings come from the environment and
    /// `.env`; see .env.example.
    Run,
    /// Backtest a strategy on historical bars with the live engine, risk gates and paper exchange.
    Backtest(commands::BacktestArgs),
    /// Backtest every combination of a parameter grid in parallel and rank them.
    Sweep(commands::SweepArgs),
    /// Optimise on rolling in-sample windows, trade the next window, report out-of-sample only.
    WalkForward(commands::WalkForwardArgs),
    /// Write deterministic synthetic bars (a market-like path, or the old random walk) as CSV.
    GenBars(commands::GenBarsArgs),
    /// List the strategies, their parameters, defaults and accepted values (`--json` for tools).
    Strategies(commands::StrategiesArgs),
    /// Run a local exchange that speaks Binance Spot's REST, streams and WebSocket API.
    ExchangeSim(mirai_exchange_sim::Args),
    /// The dashboard's users and their roles (add, list, remove, passwd, role, disable, enable);
    /// passwords are read from standard input.
    Users(commands::UsersArgs),
    /// Approve, revoke or show live trading on Binance (recorded in DATA_DIR's store).
    Live(commands::LiveArgs),
    /// Run a local OpenAI-compatible chat server with scripted behaviours (docs/ai.md).
    LlmSim(commands::LlmSimArgs),
    /// Ask the running worker whether it is healthy: exit 0 if so, 1 if not (docs/operations.md).
    Health(commands::HealthArgs),
    /// Send a test alert to every configured channel (`test`): exit 0 if all took it, else 1.
    Alerts(commands::AlertsArgs),
    /// Check the audit log's hash chain in DATA_DIR's store (`verify`).
    Audit(commands::AuditArgs),
    /// Copy the ledger (DATA_DIR/mirai.db) to a file while the worker runs; the copy is verified.
    Backup(commands::BackupArgs),
    /// Put a backup back as the ledger (the worker must be stopped); the old one is kept aside.
    Restore(commands::RestoreArgs),
    /// Check the production checklist before live trading; exit 0 only if every check passes.
    Preflight(commands::PreflightArgs),
    /// The analysts' reports (round trips, P&L by day and symbol, ...) from Snowflake or the
    /// local ledger, and the retention purge (docs/analytics.md).
    Analytics(commands::AnalyticsArgs),
    /// Download Binance klines to the CSV the backtester reads (`download`; resumable).
    Data(commands::DataArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: .env could not be read: {e}");
        return ExitCode::FAILURE;
    }
    // A bad LOG_FORMAT is a bad setting like any other (exit 2); it is checked first because
    // logging starts before the other settings are read.
    if let Err(e) = mirai_web::telemetry::try_init() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let done = match cli.command.unwrap_or(Cmd::Run) {
        Cmd::Run => return run(),
        Cmd::ExchangeSim(args) => return exchange_sim(args),
        Cmd::Backtest(args) => commands::backtest(&args),
        Cmd::Sweep(args) => commands::sweep(&args),
        Cmd::WalkForward(args) => commands::walk_forward(&args),
        Cmd::GenBars(args) => commands::gen_bars(&args),
        Cmd::Strategies(args) => commands::strategies(&args),
        Cmd::Live(args) => commands::live(&args),
        Cmd::Users(args) => commands::users(&args),
        Cmd::LlmSim(args) => commands::llm_sim(&args),
        Cmd::Health(args) => commands::health(&args),
        Cmd::Alerts(args) => commands::alerts(&args),
        Cmd::Audit(args) => commands::audit(&args),
        Cmd::Backup(args) => commands::backup(&args),
        Cmd::Restore(args) => commands::restore(&args),
        Cmd::Preflight(args) => commands::preflight(&args),
        Cmd::Analytics(args) => commands::analytics(&args),
        Cmd::Data(args) => commands::data(&args),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn exchange_sim(args: mirai_exchange_sim::Args) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(mirai_exchange_sim::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> ExitCode {
    // The runtime comes first: with SECRETS_SOURCE=aws the settings are partly read from AWS
    // Secrets Manager, by a client that then lives on in this runtime to refresh them.
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = match rt.block_on(crate::secret_source::settings_from_process_env()) {
        Ok(s) => s,
        Err(crate::secret_source::LoadError::Config(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(async {
        // Before the start, so that a stop asked for during it is kept (and acted on after it).
        let mut signals = match crate::shutdown::StopSignals::install() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen for SIGTERM and SIGINT: {e}");
                return ExitCode::FAILURE;
            }
        };
        let running = match crate::app::start(settings).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        match (running.mode, running.market_data) {
            (mirai_web::Mode::Paper, mirai_core::CandleSource::Binance) => println!("\n  Mirai is paper trading on Binance market data (orders simulated, never sent)."),
            (mirai_web::Mode::Paper, _) => println!("\n  Mirai is running on its embedded defaults (paper trading, replayed market data)."),
            (mode, _) => println!("\n  Mirai is trading on Binance {} (see the dashboard banner for its state).", mode.as_str()),
        }
        println!("  Dashboard: http://{}", running.addr);
        match (&running.generated_password, running.first_admin_created) {
            (Some(p), _) => println!("  Log in as {} with the generated password: {}\n  (shown once and kept only as a hash; change it with `mirai users passwd {}`)\n", running.user, p.expose_secret(), running.user),
            (None, true) => println!("  Log in as {} with WEB_PASS.\n", running.user),
            (None, false) => println!("  Log in with your user (`mirai users list` shows them).\n"),
        }
        let signal = signals.recv().await;
        tracing::info!(%signal, "stopping: no new orders from now on");
        tokio::select! {
            stopped = running.stop() => {
                let elapsed_ms = u64::try_from(stopped.elapsed.as_millis()).unwrap_or(u64::MAX);
                let (open_orders, flushed) = (stopped.open_orders, stopped.flushed);
                if stopped.trader_finished {
                    tracing::info!(elapsed_ms, open_orders, flushed, "mirai stopped cleanly");
                } else {
                    tracing::warn!(elapsed_ms, open_orders, flushed, "mirai stopped; the trading step in hand was cut short (its order is reconciled at the next start)");
                }
                ExitCode::SUCCESS
            }
            // A second signal is someone who will not wait: go now. Everything written so far is
            // committed; the next start reconciles whatever was in flight.
            signal = signals.recv() => {
                tracing::warn!(%signal, "second stop signal: exiting without finishing the stop");
                ExitCode::FAILURE
            }
        }
    });
    // Tasks still running (a backtest on a blocking thread) must not hold the exit past the
    // stop's budget.
    rt.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        // clap's own consistency checks (unique names, valid defaults) for every subcommand.
        Cli::command().debug_assert();
        let cli =
            Cli::try_parse_from(["mirai", "gen-bars", "--bars", "10", "--out", "x.csv"]).expect("parses");
        assert!(matches!(cli.command, Some(Cmd::GenBars(_))));
        let cli = Cli::try_parse_from(["mirai", "live", "approve", "--by", "alice"]).expect("parses");
        assert!(
            matches!(cli.command, Some(Cmd::Live(commands::LiveArgs { action: commands::LiveAction::Approve { ref by, .. }, .. })) if by == "alice")
        );
        assert!(Cli::try_parse_from(["mirai", "live", "approve"]).is_err(), "--by is required");
        let cli = Cli::try_parse_from(["mirai", "users", "add", "bob", "--role", "trader"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Cmd::Users(commands::UsersArgs {
                action: commands::UsersAction::Add { role: mirai_core::Role::Trader, .. },
                ..
            }))
        ));
        let err = Cli::try_parse_from(["mirai", "users", "role", "bob", "boss"]).expect_err("no such role");
        assert!(err.to_string().contains("unknown role \"boss\": use viewer, trader or admin"), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert!(
            Cli::try_parse_from(["mirai", "users", "add", "bob", "--role", "admin", "--password", "x"])
                .is_err(),
            "no password on the command line"
        );
    }
}
