//! Importing news from JSON Lines: one article per line. A bad line is reported with its number
//! and skipped; every other line still imports.
//!
//! ```text
//! {"title": "...", "published_at": "2026-11-20T14:05:00Z", "text": "...", "url": "https://...",
//!  "source": "Example Wire", "tickers": ["BTC", "X:ETHUSD"]}
//! ```
//!
//! `published_at` is RFC 3339 or milliseconds since the epoch; `text` may be called `body` or
//! `description`; `symbol` (one) may stand in for `tickers`. Unknown fields are ignored.

use std::io::BufRead;

use mirai_core::Timestamp;
use serde::Deserialize;

use crate::clean::{collapse, plain_text};
use crate::error::Issue;
use crate::item::NewsItem;

/// Lines longer than this are refused unread: an article is kilobytes, not megabytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

#[derive(Deserialize)]
struct Line {
    title: Option<String>,
    published_at: Option<serde_json::Value>,
    #[serde(alias = "body", alias = "description")]
    text: Option<String>,
    url: Option<String>,
    source: Option<String>,
    #[serde(default)]
    tickers: Vec<String>,
    symbol: Option<String>,
}

/// What an import produced: the articles, and the records it refused.
#[derive(Debug, Default)]
pub struct Imported {
    pub items: Vec<NewsItem>,
    pub issues: Vec<Issue>,
}

/// Reads every line of `reader`; `name` (a file name) labels issues and is the default source.
pub fn read_jsonl(reader: impl BufRead, name: &str) -> Imported {
    let mut out = Imported::default();
    for (i, line) in reader.split(b'\n').enumerate() {
        let n = i + 1;
        let issue = |why: String| Issue { source: name.to_owned(), position: format!("line {n}"), why };
        let bytes = match line {
            Ok(b) => b,
            Err(e) => {
                out.issues.push(issue(format!("cannot be read: {e}")));
                break;
            }
        };
        if bytes.len() > MAX_LINE_BYTES {
            out.issues.push(issue(format!("is {} bytes, more than {MAX_LINE_BYTES}", bytes.len())));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&bytes) else {
            out.issues.push(issue("is not UTF-8".into()));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match parse_line(text, name) {
            Ok(item) => out.items.push(item),
            Err(why) => out.issues.push(issue(why)),
        }
    }
    out
}

fn parse_line(text: &str, name: &str) -> Result<NewsItem, String> {
    let line: Line = serde_json::from_str(text).map_err(|e| format!("is not a JSON news object: {e}"))?;
    let published_at = match line.published_at {
        None => return Err("has no published_at".into()),
        Some(v) => parse_time(&v)?,
    };
    let title = collapse(line.title.as_deref().unwrap_or_default());
    let body = plain_text(line.text.as_deref().unwrap_or_default());
    if title.is_empty() && body.is_empty() {
        return Err("has neither a title nor a text".into());
    }
    let mut tickers = line.tickers;
    tickers.extend(line.symbol);
    Ok(NewsItem {
        url: line.url.filter(|u| !u.trim().is_empty()),
        published_at,
        title,
        body,
        source: line
            .source
            .map(|s| collapse(&s))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| name.to_owned()),
        tickers,
    })
}

/// RFC 3339 text or integer milliseconds.
pub fn parse_time(v: &serde_json::Value) -> Result<Timestamp, String> {
    match v {
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Timestamp::from_millis)
            .ok_or_else(|| format!("published_at {n} is not whole milliseconds")),
        serde_json::Value::String(s) => parse_rfc3339(s),
        other => Err(format!("published_at {other} is neither a date nor milliseconds")),
    }
}

pub fn parse_rfc3339(s: &str) -> Result<Timestamp, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| Timestamp::from_millis(t.timestamp_millis()))
        .map_err(|e| format!("published_at {s:?} is not an RFC 3339 date ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_import_and_bad_lines_are_named_without_losing_the_rest() {
        let input = concat!(
            r#"{"title":"A","published_at":"2026-11-20T14:05:00Z","text":"<p>Body &amp; more</p>","tickers":["BTC"]}"#,
            "\n\n",
            "not json\n",
            r#"{"title":"B"}"#,
            "\n",
            r#"{"title":"C","published_at":1700000000000,"body":"x","symbol":"ETHUSDT","source":" Wire "}"#,
            "\n",
            r#"{"title":"D","published_at":"yesterday"}"#,
            "\n",
            r#"{"published_at":1}"#,
        );
        let got = read_jsonl(input.as_bytes(), "news.jsonl");
        let titles: Vec<&str> = got.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["A", "C"]);
        assert_eq!(got.items[0].body, "Body & more");
        assert_eq!(got.items[0].published_at.to_iso8601(), "2026-11-20T14:05:00.000Z");
        assert_eq!(got.items[0].source, "news.jsonl");
        assert_eq!(got.items[1].source, "Wire");
        assert_eq!(got.items[1].tickers, ["ETHUSDT"]);
        let issues: Vec<String> = got.issues.iter().map(ToString::to_string).collect();
        assert_eq!(issues.len(), 4, "{issues:?}");
        assert!(issues[0].starts_with("news.jsonl line 3: is not a JSON news object"), "{}", issues[0]);
        assert!(issues[1].starts_with("news.jsonl line 4: has no published_at"), "{}", issues[1]);
        assert!(issues[2].starts_with("news.jsonl line 6: published_at \"yesterday\""), "{}", issues[2]);
        assert!(issues[3].starts_with("news.jsonl line 7: has neither"), "{}", issues[3]);
    }

    #[test]
    fn invalid_utf8_and_huge_lines_are_issues_too() {
        let mut input = b"\xff\xfe\n".to_vec();
        input.extend(vec![b'x'; MAX_LINE_BYTES + 1]);
        let got = read_jsonl(&input[..], "f");
        assert_eq!(got.issues.len(), 2);
        assert!(got.issues[0].why.contains("UTF-8"));
        assert!(got.items.is_empty());
    }

    #[test]
    fn time_offsets_are_converted_to_utc() {
        assert_eq!(
            parse_rfc3339("2026-01-01T02:00:00+02:00").unwrap().to_iso8601(),
            "2026-01-01T00:00:00.000Z"
        );
    }
}
