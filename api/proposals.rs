//! `GET /api/proposals?status=&limit=` on Vercel: orders held for a person's approval, newest
//! first, each with its decision's rationale (user JWT). The web tier asks the worker through
//! the control API. All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
