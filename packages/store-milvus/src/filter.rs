//! Milvus filter expressions, built only from values whose alphabet cannot break out of a
//! literal: symbols (`A-Z 0-9`), integers, and ids checked by [`crate::validate::check_id`].
//! No caller-supplied text is ever pasted into an expression unchecked.
//!
//! Literals rather than filter templates: milvus-lite rejects the SDK's templated filters
//! (measured, ../shared/DESIGN.md), and literals built from these alphabets are just as safe.

use mirai_core::{Timestamp, VectorError, VectorQuery};

use crate::validate::check_id;

/// The symbol, time-window and first-sight part of a search; empty when the query has none.
pub fn search(q: &VectorQuery) -> String {
    let mut parts = Vec::new();
    if let Some(s) = q.symbol {
        // `Symbol` holds only A-Z and 0-9: nothing to escape.
        parts.push(format!("symbol == \"{}\"", s.as_str()));
    }
    if let Some(t) = q.since {
        parts.push(format!("published_at >= {}", t.millis()));
    }
    if let Some(t) = q.until {
        parts.push(format!("published_at <= {}", t.millis()));
    }
    if let Some(t) = q.seen_until {
        parts.push(format!("first_seen_at <= {}", t.millis()));
    }
    parts.join(" and ")
}

pub fn older_than(cutoff: Timestamp) -> String {
    format!("published_at < {}", cutoff.millis())
}

/// `id in ["a", "b"]`, refusing any id outside the safe alphabet.
pub fn ids_in<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<String, VectorError> {
    let mut quoted = Vec::new();
    for id in ids {
        check_id(id)?;
        quoted.push(format!("\"{id}\""));
    }
    Ok(format!("id in [{}]", quoted.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirai_core::Symbol;

    #[test]
    fn search_filters_combine_with_and() {
        let q = VectorQuery {
            embedding: vec![1.0],
            top_k: 1,
            symbol: Some(Symbol::new("btcusdt")),
            since: Some(Timestamp::from_millis(-5)),
            until: Some(Timestamp::from_millis(10)),
            seen_until: Some(Timestamp::from_millis(12)),
        };
        assert_eq!(
            search(&q),
            r#"symbol == "BTCUSDT" and published_at >= -5 and published_at <= 10 and first_seen_at <= 12"#
        );
        assert_eq!(
            search(&VectorQuery { seen_until: None, ..q.clone() }),
            r#"symbol == "BTCUSDT" and published_at >= -5 and published_at <= 10"#
        );
        assert_eq!(
            search(&VectorQuery { symbol: None, since: None, until: None, seen_until: None, ..q }),
            ""
        );
    }

    #[test]
    fn ids_outside_the_alphabet_never_reach_an_expression() {
        assert_eq!(
            ids_in(["a-1", "sma-cross:BTCUSDT:17"]).unwrap(),
            r#"id in ["a-1", "sma-cross:BTCUSDT:17"]"#
        );
        for hostile in [r#"x" or id != ""#, "a\\", "a b", "", "é"] {
            assert!(matches!(ids_in([hostile]), Err(VectorError::Invalid(_))), "{hostile:?}");
        }
    }
}
