//! `PUT /api/users/{name}` (a new role and/or password) and `DELETE /api/users/{name}` (never
//! the last admin) on Vercel (admin). The `[name]` file is Vercel's dynamic segment; the request
//! keeps its full path, which `mirai_web` routes. This file only starts the runtime.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_vercel().await
}
