//! `POST /api/proposals/{id}/approve` on Vercel: approves a proposal as the token's user; the
//! worker runs every risk gate again at the current price before sending the order (409 saying
//! why when it refuses). The `[id]` directory is Vercel's dynamic segment; the request keeps its
//! full path, which `mirai_web` routes. This file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
