//! `GET /api/audit?limit=&cursor=` on Vercel (admin): the worker's hash-chained audit log, newest
//! first, a page at a time, with whether the chain verifies. All routing and logic live in
//! `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
