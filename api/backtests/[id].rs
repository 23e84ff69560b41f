//! `GET /api/backtests/{id}` on Vercel: a backtest's progress (bars done of total, status). The
//! `[id]` file name is Vercel's dynamic segment; the request keeps its full path, which
//! `mirai_web` routes. This file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
