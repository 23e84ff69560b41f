//! Polygon's news JSON, as documented for `GET /v2/reference/news`. Only what Mirai reads is
//! declared; everything is optional because a missing field must cost one article, not a page.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct NewsPage {
    pub status: Option<String>,
    #[serde(default)]
    pub results: Vec<serde_json::Value>,
    pub next_url: Option<String>,
    /// Set on errors ("ERROR", "NOT_AUTHORIZED").
    pub error: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Article {
    pub publisher: Option<Publisher>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_utc: Option<String>,
    pub article_url: Option<String>,
    #[serde(default)]
    pub tickers: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Publisher {
    pub name: Option<String>,
}
