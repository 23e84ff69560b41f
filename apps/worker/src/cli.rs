//! The command line: `mirai` (or `mirai run`) starts the whole system on its settings.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

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
    crate::telemetry::init();
    match cli.command.unwrap_or(Cmd::Run) {
        Cmd::Run => run(),
    }
}

fn run() -> ExitCode {
    let settings = match Settings::from_process_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let running = match crate::app::start(settings).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        println!("\n  Mirai is running on its embedded defaults (paper trading, replayed market data).");
        println!("  Dashboard: http://{}", running.addr);
        match &running.generated_password {
            Some(p) => println!("  Log in as {} with the generated password: {}\n  (shown once; set WEB_PASS to choose your own)\n", running.user, p.expose()),
            None => println!("  Log in as {} with WEB_PASS.\n", running.user),
        }
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        running.stop().await;
        ExitCode::SUCCESS
    })
}
