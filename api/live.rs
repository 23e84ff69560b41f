//! `GET /api/live` on Vercel (admin): the live-trading approval as the worker records it (who,
//! when, until when). All routing and logic live in `mirai_web`; this file only starts the
//! runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
