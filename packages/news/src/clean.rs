//! Making source text safe and plain before it is stored: HTML tags out (RSS descriptions are
//! HTML), whitespace collapsed, control characters dropped, and urls stripped of anything that
//! could be a credential (user info, `apiKey=`-style parameters).
//!
//! The tag stripper is written out: feed descriptions are short fragments, and a full HTML
//! parser (html5ever and friends) would be a large dependency for removing `<p>` and `<a>`.

/// Query parameters dropped from stored urls: tracking at best, credentials at worst.
const SECRET_PARAMS: &[&str] =
    &["apikey", "api_key", "key", "token", "access_token", "auth", "password", "secret", "signature", "sig"];

/// Plain text: tags removed, common entities decoded, whitespace collapsed to single spaces
/// (paragraph breaks kept as blank lines).
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name =
                    tag.trim_start_matches('/').split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
                if matches!(
                    name.to_ascii_lowercase().as_str(),
                    "p" | "br" | "div" | "li" | "h1" | "h2" | "h3"
                ) {
                    out.push_str("\n\n");
                } else {
                    out.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    collapse(&decode_entities(&out))
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Single spaces within paragraphs, one blank line between them, no control characters.
pub fn collapse(s: &str) -> String {
    let paragraphs: Vec<String> = s
        .split("\n\n")
        .map(|p| {
            p.split(|c: char| c.is_whitespace() || c.is_control())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("\n\n")
}

/// The url without user info or credential-like query parameters; None when it is not an
/// http(s) url at all.
pub fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") || rest.is_empty() {
        return None;
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let (path, fragment) = match path.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (path, None),
    };
    let path = match path.split_once('?') {
        Some((p, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| {
                    let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                    !kv.is_empty() && !SECRET_PARAMS.contains(&k.as_str())
                })
                .collect();
            if kept.is_empty() { p.to_owned() } else { format!("{p}?{}", kept.join("&")) }
        }
        None => path.to_owned(),
    };
    let mut out = format!("{scheme}://{host}{path}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// At most `max` bytes, cut at a character boundary, with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        let html = "<p>Bitcoin &amp; ether <b>rose</b>.</p><p>Second\tpara&nbsp;here<br/>x</p>";
        assert_eq!(plain_text(html), "Bitcoin & ether rose .\n\nSecond para here\n\nx");
        assert_eq!(plain_text("no tags\u{0007} at\n all"), "no tags at all");
    }

    #[test]
    fn credentials_never_survive_in_urls() {
        assert_eq!(
            safe_url("https://user:pw@news.example.com/a/b?apiKey=SECRET&id=7&token=t#top").as_deref(),
            Some("https://news.example.com/a/b?id=7#top")
        );
        assert_eq!(safe_url("https://x.com/?key=1").as_deref(), Some("https://x.com/"));
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("ftp://x.com/file"), None);
    }

    #[test]
    fn clipping_respects_characters() {
        assert_eq!(clip("héllo", 100), "héllo");
        let c = clip(&"é".repeat(100), 11);
        assert!(c.len() <= 11 && c.ends_with('…'), "{c}");
    }
}
