//! `GET /api/decisions` on Vercel: every decision with its outcome (the "why not?" feed), newest
//! first, a page at a time (user JWT). All routing and logic live in `mirai_web`; this file only
//! starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
