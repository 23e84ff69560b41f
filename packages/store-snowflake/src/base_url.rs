//! `BaseUrl`: sends the requests snowflake-api addresses to `https://<account>.snowflakecomputing.com`
//! to another origin instead (`SNOWFLAKE_BASE_URL`).
//!
//! snowflake-api 0.14 builds every URL from the account name and offers no setting for the host,
//! which PrivateLink users (`<account>.<region>.privatelink.snowflakecomputing.com`) and local
//! servers both need. This middleware, given to the crate through `with_client`, rewrites the
//! scheme, host and port of exactly those requests; result chunks on cloud storage, which come
//! with their own absolute URLs, pass through untouched.

use http::Extensions;
use reqwest_middleware::{Middleware, Next};
use reqwest012::{Request, Response, Url};

#[derive(Clone, Debug)]
pub struct BaseUrl {
    /// The host the crate writes: `<account>.snowflakecomputing.com`, lower case.
    crate_host: String,
    target: Url,
}

impl BaseUrl {
    pub fn new(account: &str, target: Url) -> Self {
        Self { crate_host: format!("{}.snowflakecomputing.com", account.to_ascii_lowercase()), target }
    }

    /// `url` moved to the target origin if it is one of the crate's own; `None` otherwise.
    pub fn rewrite(&self, url: &Url) -> Option<Url> {
        if !url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(&self.crate_host)) {
            return None;
        }
        let mut out = self.target.clone();
        out.set_path(url.path());
        out.set_query(url.query());
        Some(out)
    }
}

#[async_trait::async_trait]
impl Middleware for BaseUrl {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if let Some(url) = self.rewrite(req.url()) {
            *req.url_mut() = url;
        }
        next.run(req, extensions).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_account_host() {
        let b = BaseUrl::new("MyOrg-Acct", Url::parse("http://127.0.0.1:8123").unwrap());
        let from = Url::parse(
            "https://MYORG-ACCT.snowflakecomputing.com/queries/v1/query-request?requestId=1&x=a%20b",
        )
        .unwrap();
        assert_eq!(
            b.rewrite(&from).unwrap().as_str(),
            "http://127.0.0.1:8123/queries/v1/query-request?requestId=1&x=a%20b"
        );
        let chunk = Url::parse("https://sfc-results.s3.amazonaws.com/chunk?sig=1").unwrap();
        assert_eq!(b.rewrite(&chunk), None);
        let other = Url::parse("https://other.snowflakecomputing.com/x").unwrap();
        assert_eq!(b.rewrite(&other), None);
    }

    #[test]
    fn privatelink_origin() {
        let b = BaseUrl::new(
            "xy12345.eu-central-1",
            Url::parse("https://xy12345.eu-central-1.privatelink.snowflakecomputing.com").unwrap(),
        );
        let from = Url::parse("https://XY12345.EU-CENTRAL-1.snowflakecomputing.com/session/v1/login-request")
            .unwrap();
        assert_eq!(
            b.rewrite(&from).unwrap().as_str(),
            "https://xy12345.eu-central-1.privatelink.snowflakecomputing.com/session/v1/login-request"
        );
    }
}
