//! `GET /api/docs` on Vercel: the page that renders the OpenAPI document, no authentication.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
