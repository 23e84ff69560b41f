//! `POST /api/proposals/{id}/reject` on Vercel: rejects a proposal as the token's user, so its
//! order is never sent. The `[id]` directory is Vercel's dynamic segment; the request keeps its
//! full path, which `mirai_web` routes. This file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
