//! Words for the local embedder: lower-cased runs of letters and digits, common English
//! function words dropped, a plural `s` trimmed so "ETFs" meets "ETF".

/// One word as the embedder sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub text: String,
}

/// Longer runs are cut: they are hashes, addresses or base64, not words.
const MAX_WORD_CHARS: usize = 32;

/// Words that carry no topic. If a text has nothing else, they are kept rather than embedding
/// nothing.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "for", "from", "had", "has", "have", "he", "her", "his", "if", "in", "into", "is",
    "it", "its", "more", "not", "of", "on", "or", "our", "over", "she", "so", "than", "that", "the", "their",
    "them", "there", "they", "this", "to", "up", "was", "we", "were", "what", "when", "which", "while",
    "who", "will", "with", "would", "you",
];

pub fn tokens(text: &str) -> Vec<Token> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| normalise(&w.chars().take(MAX_WORD_CHARS).collect::<String>().to_lowercase()))
        .collect();
    let content: Vec<Token> = words
        .iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| Token { text: w.clone() })
        .collect();
    if content.is_empty() { words.into_iter().map(|text| Token { text }).collect() } else { content }
}

/// A trailing plural `s` goes when what is left still looks like a word ("etfs" → "etf",
/// "bitcoins" → "bitcoin"; "bus", "class" and "news" stay).
fn normalise(w: &str) -> String {
    let keep =
        w.len() <= 3 || w.ends_with("ss") || w.ends_with("us") || w.ends_with("ws") || !w.ends_with('s');
    if keep { w.to_owned() } else { w[..w.len() - 1].to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        tokens(t).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_lowercases_and_drops_function_words() {
        assert_eq!(
            words("The SEC approved spot Bitcoin ETFs, and BTC rose 5%."),
            ["sec", "approved", "spot", "bitcoin", "etf", "btc", "rose", "5"]
        );
        assert_eq!(words("news of the bus class"), ["news", "bus", "class"]);
    }

    #[test]
    fn only_function_words_are_kept_rather_than_nothing() {
        assert_eq!(words("to be or not to be"), ["to", "be", "or", "not", "to", "be"]);
        assert!(words(" -- !! ").is_empty());
    }

    #[test]
    fn non_ascii_words_survive_and_long_runs_are_cut() {
        assert_eq!(words("Café Zürich ビットコイン"), ["café", "zürich", "ビットコイン"]);
        assert_eq!(words(&"x".repeat(100))[0].chars().count(), MAX_WORD_CHARS);
    }
}
