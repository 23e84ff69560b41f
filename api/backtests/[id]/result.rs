//! `GET /api/backtests/{id}/result` on Vercel: a finished backtest's statistics, trades and
//! equity curve. The `[id]` directory is Vercel's dynamic segment; the request keeps its full
//! path, which `mirai_web` routes. This file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
