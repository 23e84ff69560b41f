//! Splitting an article into chunks small enough to embed and to show as a search result:
//! whole sentences packed up to a size, paragraphs kept apart where they fit, no overlap.
//!
//! No overlap because news paragraphs are self-contained and each chunk is stored with the
//! article's title, which carries the context a neighbour's sentence would.

/// The default chunk size in characters: a paragraph or two, about 250 tokens.
pub const DEFAULT_CHUNK_CHARS: usize = 1000;

/// `text` in pieces of at most `max_chars` characters (at least 1), in order, none empty.
pub fn chunks(text: &str, max_chars: usize) -> Vec<String> {
    let max = max_chars.max(1);
    let mut out = Vec::new();
    let mut current = String::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        // A new paragraph starts a new chunk unless both fit together.
        if !current.is_empty() && len(&current) + 2 + len(paragraph) > max {
            out.push(std::mem::take(&mut current));
        } else if !current.is_empty() {
            current.push_str("\n\n");
        }
        for piece in sentences(paragraph).into_iter().flat_map(|s| split_long(s, max)) {
            let sep = usize::from(!current.is_empty() && !current.ends_with('\n'));
            if !current.is_empty() && len(&current) + sep + len(&piece) > max {
                out.push(std::mem::take(&mut current));
            } else if sep == 1 {
                current.push(' ');
            }
            current.push_str(&piece);
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out.into_iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect()
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// Sentences end at `.`, `!` or `?` followed by whitespace.
fn sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = paragraph.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?') && chars.peek().is_some_and(|(_, n)| n.is_whitespace()) {
            let end = i + c.len_utf8();
            out.push(paragraph[start..end].trim());
            start = end;
        }
    }
    out.push(paragraph[start..].trim());
    out.into_iter().filter(|s| !s.is_empty()).collect()
}

/// A sentence longer than `max` split between words, and a word longer than `max` between
/// characters.
fn split_long(sentence: &str, max: usize) -> Vec<String> {
    if len(sentence) <= max {
        return vec![sentence.to_owned()];
    }
    let mut out = Vec::new();
    let mut current = String::new();
    for word in sentence.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > max {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            out.push(word.drain(..max).collect());
        }
        let word: String = word.into_iter().collect();
        if word.is_empty() {
            continue;
        }
        if !current.is_empty() && len(&current) + 1 + len(&word) > max {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_chunk() {
        assert_eq!(chunks("One. Two.", 100), ["One. Two."]);
        assert!(chunks("  \n\n ", 100).is_empty());
    }

    #[test]
    fn sentences_are_packed_and_never_cut_when_they_fit() {
        let text = "Alpha beta gamma. Delta epsilon! Zeta eta theta? Iota kappa.";
        let c = chunks(text, 35);
        assert_eq!(c, ["Alpha beta gamma. Delta epsilon!", "Zeta eta theta? Iota kappa."]);
    }

    #[test]
    fn paragraphs_stay_apart_when_they_do_not_fit_together() {
        let c = chunks("First paragraph here.\n\nSecond one.", 25);
        assert_eq!(c, ["First paragraph here.", "Second one."]);
        assert_eq!(chunks("Short.\n\nAlso.", 100), ["Short.\n\nAlso."]);
    }

    #[test]
    fn every_chunk_respects_the_limit_even_for_monster_words() {
        let text = format!("{} tail words here. {}", "x".repeat(2500), "ü".repeat(30));
        for c in chunks(&text, 1000) {
            assert!(c.chars().count() <= 1000, "{}", c.chars().count());
        }
        let joined: String = chunks(&text, 1000).concat();
        assert_eq!(joined.matches('x').count(), 2500, "nothing lost");
    }
}
