//! `GET /api/rationales/search?q=…&symbol=…&since=…&until=…&limit=…` on Vercel: the agent's
//! decision rationales most similar to `q`, best first (user JWT), through the worker's
//! control API. All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
