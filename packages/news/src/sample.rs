//! The bundled sample news (`data/sample-news.jsonl`): short, fictional market notes about
//! bitcoin and ether, compiled into the binary so news search works with nothing configured.
//! Every item says it is a sample; none reports a real event.

use crate::jsonl::{Imported, read_jsonl};

pub const SAMPLE_JSONL: &str = include_str!("../data/sample-news.jsonl");
pub const SAMPLE_NAME: &str = "sample-news.jsonl";

pub fn sample_items() -> Imported {
    read_jsonl(SAMPLE_JSONL.as_bytes(), SAMPLE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_parses_cleanly_and_is_labelled() {
        let got = sample_items();
        assert!(got.issues.is_empty(), "{:?}", got.issues);
        assert!(got.items.len() >= 30, "{}", got.items.len());
        assert!(got.items.iter().all(|i| i.source.contains("sample")));
    }
}
