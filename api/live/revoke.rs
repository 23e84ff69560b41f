//! `POST /api/live/revoke` on Vercel (admin): withdraws the live-trading approval as the token's
//! user; the worker refuses its next live order. All routing and logic live in `mirai_web`; this
//! file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
