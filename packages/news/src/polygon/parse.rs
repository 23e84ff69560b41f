//! Polygon articles as `NewsItem`s. Each article is decoded on its own, so one malformed entry
//! becomes an [`Issue`] naming it and the rest of the page still imports.

use crate::clean::{collapse, plain_text};
use crate::error::Issue;
use crate::item::NewsItem;
use crate::jsonl::parse_rfc3339;

use super::models::Article;

/// The page's articles; `queried` (the ticker asked for) is added to each article's tickers so
/// an article always maps to the symbol it was fetched for.
pub fn to_items(results: &[serde_json::Value], queried: &str) -> (Vec<NewsItem>, Vec<Issue>) {
    let mut items = Vec::new();
    let mut issues = Vec::new();
    for (i, raw) in results.iter().enumerate() {
        let position = match raw.get("id").and_then(|v| v.as_str()) {
            Some(id) => format!("article {}", crate::clean::clip(id, 64)),
            None => format!("result {}", i + 1),
        };
        let issue = |why: String| Issue { source: "polygon".into(), position: position.clone(), why };
        let a: Article = match serde_json::from_value(raw.clone()) {
            Ok(a) => a,
            Err(e) => {
                issues.push(issue(format!("is not a news article: {e}")));
                continue;
            }
        };
        let Some(published) = a.published_utc.as_deref() else {
            issues.push(issue("has no published_utc".into()));
            continue;
        };
        let published_at = match parse_rfc3339(published) {
            Ok(t) => t,
            Err(why) => {
                issues.push(issue(why));
                continue;
            }
        };
        let title = collapse(a.title.as_deref().unwrap_or_default());
        let body = plain_text(a.description.as_deref().unwrap_or_default());
        if title.is_empty() && body.is_empty() {
            issues.push(issue("has neither a title nor a description".into()));
            continue;
        }
        let mut tickers = a.tickers;
        tickers.push(queried.to_owned());
        let source =
            a.publisher.and_then(|p| p.name).or(a.author).map(|s| collapse(&s)).filter(|s| !s.is_empty());
        items.push(NewsItem {
            url: a.article_url,
            published_at,
            title,
            body,
            source: source.unwrap_or_else(|| "Polygon".into()),
            tickers,
        });
    }
    (items, issues)
}
