//! `GET /api/pnl` on Vercel: equity, cash and realised and unrealised P&L over a window, one
//! point per step, with the max drawdown (user JWT). All routing and logic live in `mirai_web`;
//! this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
