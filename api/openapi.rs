//! `GET /api/openapi.json` on Vercel (`vercel.json` rewrites it to this function's path,
//! `/api/openapi`, which the router answers alike): the API as OpenAPI 3.1, no authentication.
//! All routing and logic live in `mirai_web`; this file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
