//! `GET /api/performance` on Vercel: per-symbol and total performance of the closed round trips
//! (user JWT). All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
