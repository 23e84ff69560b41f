//! Importing news from an RSS 2.0 feed (a file, or a body fetched by the caller). A feed that
//! is not RSS fails as a whole; an item without a usable date or text is reported by its
//! position and skipped, and the other items still import.

use std::io::BufRead;

use mirai_core::Timestamp;

use crate::clean::{collapse, plain_text};
use crate::error::{Issue, NewsError};
use crate::item::NewsItem;
use crate::jsonl::{Imported, parse_rfc3339};

/// Reads a feed; `name` labels issues. Item categories become tickers (feeds tag coins by name).
pub fn read_rss(reader: impl BufRead, name: &str) -> Result<Imported, NewsError> {
    let channel = rss::Channel::read_from(reader)
        .map_err(|e| NewsError::Feed { name: name.to_owned(), why: e.to_string() })?;
    let source = Some(collapse(channel.title())).filter(|t| !t.is_empty()).unwrap_or_else(|| name.to_owned());
    let mut out = Imported::default();
    for (i, item) in channel.items().iter().enumerate() {
        let position = match item.title() {
            Some(t) => format!("item {} ({:?})", i + 1, crate::clean::clip(&collapse(t), 60)),
            None => format!("item {}", i + 1),
        };
        let issue =
            |why: &str| Issue { source: name.to_owned(), position: position.clone(), why: why.to_owned() };
        let Some(date) = item.pub_date() else {
            out.issues.push(issue("has no pubDate"));
            continue;
        };
        let Some(published_at) = parse_rss_date(date) else {
            out.issues.push(issue(&format!("pubDate {date:?} is not an RFC 2822 date")));
            continue;
        };
        let title = collapse(item.title().unwrap_or_default());
        let body = plain_text(item.content().or(item.description()).unwrap_or_default());
        if title.is_empty() && body.is_empty() {
            out.issues.push(issue("has neither a title nor a description"));
            continue;
        }
        let url = item
            .link()
            .map(str::to_owned)
            .or_else(|| item.guid().filter(|g| g.is_permalink()).map(|g| g.value().to_owned()));
        out.items.push(NewsItem {
            url,
            published_at,
            title,
            body,
            source: source.clone(),
            tickers: item.categories().iter().map(|c| c.name().trim().to_owned()).collect(),
        });
    }
    Ok(out)
}

/// RFC 2822 as RSS requires; RFC 3339 as many feeds send anyway.
fn parse_rss_date(s: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|t| Timestamp::from_millis(t.timestamp_millis()))
        .or_else(|| parse_rfc3339(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Example Crypto Wire</title><link>https://wire.example.com</link><description>d</description>
  <item>
    <title>Bitcoin holds above support</title>
    <link>https://wire.example.com/a?utm=1</link>
    <description>&lt;p&gt;Buyers stepped in &amp;amp; held the line.&lt;/p&gt;</description>
    <pubDate>Fri, 20 Nov 2026 14:05:00 GMT</pubDate>
    <category>Bitcoin</category>
  </item>
  <item><title>No date here</title><description>x</description></item>
  <item><title>Bad date</title><pubDate>someday</pubDate></item>
  <item>
    <guid isPermaLink="true">https://wire.example.com/b</guid>
    <description>Ether fees fall.</description>
    <pubDate>2026-11-21T09:00:00+01:00</pubDate>
  </item>
</channel></rss>"#;

    #[test]
    fn items_import_and_bad_ones_are_named() {
        let got = read_rss(FEED.as_bytes(), "wire.xml").unwrap();
        assert_eq!(got.items.len(), 2);
        let a = &got.items[0];
        assert_eq!(a.source, "Example Crypto Wire");
        assert_eq!(a.body, "Buyers stepped in & held the line.");
        assert_eq!(a.tickers, ["Bitcoin"]);
        assert_eq!(a.published_at.to_iso8601(), "2026-11-20T14:05:00.000Z");
        assert_eq!(got.items[1].url.as_deref(), Some("https://wire.example.com/b"));
        assert_eq!(got.items[1].published_at.to_iso8601(), "2026-11-21T08:00:00.000Z");
        let issues: Vec<String> = got.issues.iter().map(ToString::to_string).collect();
        assert_eq!(
            issues,
            [
                "wire.xml item 2 (\"No date here\"): has no pubDate",
                "wire.xml item 3 (\"Bad date\"): pubDate \"someday\" is not an RFC 2822 date",
            ]
        );
    }

    #[test]
    fn a_document_that_is_not_rss_fails_whole() {
        let err = read_rss("<html><body>hi</body></html>".as_bytes(), "page.html").unwrap_err();
        assert!(err.to_string().starts_with("page.html is not an RSS feed"), "{err}");
    }
}
