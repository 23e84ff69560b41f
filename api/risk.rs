//! `GET /api/risk` (every role: the limits in force, where they come from) and `PUT /api/risk`
//! (admin: every limit, checked; kept by the worker and applied from its next decision) on
//! Vercel. All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
