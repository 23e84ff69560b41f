//! `GET /api/users` and `POST /api/users` on Vercel (admin): the dashboard's users (never a
//! hash), and a new one. The worker keeps them and audits each change with the acting admin.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
