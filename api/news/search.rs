//! `GET /api/news/search?q=…&symbol=…&since=…&until=…&limit=…` on Vercel: stored news most
//! similar to `q`, best first (user JWT). The worker answers it over its control API.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
