//! `GET /api/round-trips` on Vercel: closed trades, newest exit first, a page at a time (user
//! JWT). All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
