//! `GET /api/me` on Vercel: the token's user, their role now and when the token expires (user
//! JWT). All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
