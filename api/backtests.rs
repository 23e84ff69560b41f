//! `POST /api/backtests` on Vercel: starts a backtest on the worker (user JWT), answering with
//! its job. The web tier forwards it through the control API; the worker runs it.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
