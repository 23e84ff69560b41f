//! The AWS Lambda entry point (API Gateway HTTP API): every route, dashboard included, in one
//! function through `mirai_web::handle`.

#[tokio::main]
async fn main() -> Result<(), mirai_api::Error> {
    mirai_api::run_lambda().await
}
