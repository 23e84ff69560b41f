//! `POST /api/backtests` on Vercel: starts a backtest on the worker (user JWT), answering with
//! its job; `GET /api/backtests` lists the jobs the worker keeps, newest first, a page at a time.
//! The web tier forwards both through the control API; the worker runs them.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
