//! `PolygonClient`: fetches news for one ticker since a time, following Polygon's `next_url`
//! pages.
//!
//! The key travels in the `Authorization` header, never in a url (urls end up in errors and
//! logs). `next_url` is followed only to the configured host, and redirects not at all, so a
//! hostile answer cannot send the key elsewhere. Bodies are read up to a size limit.

use std::time::Duration;

use mirai_core::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Issue, NewsError};
use crate::item::NewsItem;

use super::models::NewsPage;
use super::parse::to_items;

pub const DEFAULT_BASE_URL: &str = "https://api.polygon.io";
/// A page of news is tens of kilobytes; anything past this is not news.
const MAX_BODY_BYTES: usize = 8 << 20;

#[derive(Clone, Debug)]
pub struct PolygonSettings {
    pub api_key: SecretString,
    pub base_url: String,
    pub timeout: Duration,
    /// Articles per page (Polygon allows up to 1000).
    pub page_size: u32,
    /// Pages followed per fetch, to bound one poll's cost.
    pub max_pages: u32,
}

impl PolygonSettings {
    pub fn new(api_key: SecretString) -> Self {
        Self {
            api_key,
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(20),
            page_size: 100,
            max_pages: 5,
        }
    }
}

#[derive(Debug)]
pub struct PolygonClient {
    http: reqwest::Client,
    settings: PolygonSettings,
}

/// What one fetch produced.
#[derive(Debug, Default)]
pub struct Fetched {
    pub items: Vec<NewsItem>,
    pub issues: Vec<Issue>,
    /// True when `max_pages` stopped the fetch before Polygon ran out of pages.
    pub truncated: bool,
}

impl PolygonClient {
    pub fn new(settings: PolygonSettings) -> Result<Self, NewsError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NewsError::Polygon(format!("building the HTTP client: {e}")))?;
        Ok(Self { http, settings })
    }

    /// News mentioning `ticker` published at or after `since`, oldest first.
    pub async fn fetch(&self, ticker: &str, since: Timestamp) -> Result<Fetched, NewsError> {
        let s = &self.settings;
        let first = format!("{}/v2/reference/news", s.base_url.trim_end_matches('/'));
        let mut request = self.http.get(&first).query(&[
            ("ticker", ticker),
            ("published_utc.gte", &since.to_iso8601()),
            ("order", "asc"),
            ("sort", "published_utc"),
            ("limit", &s.page_size.to_string()),
        ]);
        let mut out = Fetched::default();
        for page_no in 1..=s.max_pages {
            let page = self.get(request).await?;
            let (items, issues) = to_items(&page.results, ticker);
            out.items.extend(items);
            out.issues.extend(issues);
            let Some(next) = page.next_url.filter(|u| !u.is_empty()) else { return Ok(out) };
            if !same_origin(&next, &s.base_url) {
                return Err(NewsError::Polygon(format!(
                    "refusing to follow next_url to another host ({})",
                    origin(&next).unwrap_or_default()
                )));
            }
            if page_no == s.max_pages {
                out.truncated = true;
                break;
            }
            request = self.http.get(next);
        }
        Ok(out)
    }

    async fn get(&self, request: reqwest::RequestBuilder) -> Result<NewsPage, NewsError> {
        let key = self.settings.api_key.expose_secret();
        let mut response = request
            .bearer_auth(key)
            .send()
            .await
            // reqwest's message names the url, which carries no key; it is scrubbed regardless.
            .map_err(|e| NewsError::Polygon(scrub(&transport(&e), key)))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| NewsError::Polygon(scrub(&transport(&e), key)))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(NewsError::Polygon(format!("answer larger than {MAX_BODY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let page: Option<NewsPage> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            let detail = page.and_then(|p| p.message.or(p.error)).unwrap_or_default();
            let hint = match status.as_u16() {
                401 | 403 => " (check POLYGON_API_KEY and its plan)",
                429 => " (rate limited; the next poll retries)",
                _ => "",
            };
            return Err(NewsError::Polygon(scrub(&format!("HTTP {}{hint}: {detail}", status.as_u16()), key)));
        }
        let page = page.ok_or_else(|| NewsError::Polygon("answer is not Polygon news JSON".into()))?;
        if page.status.as_deref().is_some_and(|s| s == "ERROR" || s == "NOT_AUTHORIZED") {
            let detail = page.message.or(page.error).unwrap_or_default();
            return Err(NewsError::Polygon(scrub(&format!("status ERROR: {detail}"), key)));
        }
        Ok(page)
    }
}

fn transport(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "transport error"
    };
    format!("{what}: {e}")
}

/// The key (and anything after `apiKey=`) masked, the message cut to a readable length.
fn scrub(text: &str, key: &str) -> String {
    let mut s = if key.is_empty() { text.to_owned() } else { text.replace(key, "***") };
    if let Some(i) = s.to_ascii_lowercase().find("apikey=") {
        s.truncate(i + "apikey=".len());
        s.push_str("***");
    }
    s.chars().take(300).collect()
}

/// `scheme://host:port` with the scheme's default port made explicit, lower-cased.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let has_port = authority.rsplit_once(':').is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        && !authority.ends_with(']');
    let default = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    Some(if has_port {
        format!("{scheme}://{authority}")
    } else {
        format!("{scheme}://{authority}:{default}")
    })
}

fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_with_default_ports() {
        assert!(same_origin(
            "https://api.polygon.io:443/v2/reference/news?cursor=x",
            "https://api.polygon.io"
        ));
        assert!(same_origin("http://127.0.0.1:9000/x", "http://127.0.0.1:9000"));
        assert!(!same_origin("https://evil.example.com/v2", "https://api.polygon.io"));
        assert!(!same_origin("https://api.polygon.io@evil.example.com/", "https://api.polygon.io"));
        assert!(!same_origin("http://api.polygon.io/v2", "https://api.polygon.io"));
    }

    #[test]
    fn keys_are_scrubbed() {
        assert_eq!(scrub("bad key KEY123 sent", "KEY123"), "bad key *** sent");
        assert_eq!(scrub("GET /x?apiKey=abc&y=1", "zzz"), "GET /x?apiKey=***");
    }
}
