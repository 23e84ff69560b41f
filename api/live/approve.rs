//! `POST /api/live/approve` on Vercel (admin): approves live trading as the token's user, once
//! their password checks again and `confirm` reads "APPROVE LIVE TRADING"; the worker runs the
//! pre-flight checks and records the approval for `LIVE_APPROVAL_HOURS`. All routing and logic
//! live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
