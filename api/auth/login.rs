//! `POST /api/auth/login` on Vercel: username and password in, a 12-hour JWT out.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
