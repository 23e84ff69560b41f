//! Query strings into typed structs: `serde_urlencoded` decodes, `serde_path_to_error` names the
//! parameter that could not be read, and each struct says in words what its parameters must be.
//!
//! Rules the crates leave to us: a parameter given twice is refused (neither the first nor the
//! last silently wins), an empty value counts as not given (a form's blank field), and a value
//! whose escapes are not UTF-8 is refused rather than read with replacement characters.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// A route's query parameters.
pub(crate) trait QueryParams: DeserializeOwned {
    /// What `name` must be, said after "query parameter `name`" when its value cannot be read.
    fn expects(name: &str) -> &'static str;
}

/// The parameters of `query`, read into `T`. Unknown parameters are ignored; an unreadable value
/// is a 400 naming the parameter. Rules on readable values (ranges, lengths) are the struct's
/// `validator` rules, checked by the caller (a 422).
pub(crate) fn parse_query<T: QueryParams>(query: Option<&str>) -> ApiResult<T> {
    let raw = query.unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut given = Vec::new();
    // `form_urlencoded` splits on `&` and skips empty pieces, as `split` + `filter` does here.
    let pieces = raw.split('&').filter(|p| !p.is_empty());
    for ((name, value), piece) in form_urlencoded::parse(raw.as_bytes()).zip(pieces) {
        if !seen.insert(name.clone()) {
            return Err(ApiError::BadRequest(format!("query parameter `{name}` given more than once")));
        }
        if value.contains(char::REPLACEMENT_CHARACTER) && !piece.to_ascii_uppercase().contains("%EF%BF%BD") {
            return Err(ApiError::BadRequest(format!(
                "query parameter `{name}` is not valid URL-encoded UTF-8"
            )));
        }
        if !value.trim().is_empty() {
            given.push((name, value));
        }
    }
    let encoded = serde_urlencoded::to_string(&given)
        .map_err(|e| ApiError::BadRequest(format!("query string cannot be read: {e}")))?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let name = e.path().to_string();
        ApiError::BadRequest(format!("query parameter `{name}` {}", T::expects(&name)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Params {
        limit: Option<u32>,
        #[serde(default)]
        q: String,
    }

    impl QueryParams for Params {
        fn expects(name: &str) -> &'static str {
            match name {
                "limit" => "must be a whole number",
                _ => "cannot be read",
            }
        }
    }

    fn read(q: &str) -> Result<Params, String> {
        parse_query::<Params>(Some(q)).map_err(|e| match e {
            ApiError::BadRequest(m) => m,
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn values_are_decoded_and_blank_ones_are_not_given() {
        assert_eq!(parse_query::<Params>(None).ok(), Some(Params { limit: None, q: String::new() }));
        assert_eq!(
            read("limit=5&x=1&q=bitcoin+etf%20flows"),
            Ok(Params { limit: Some(5), q: "bitcoin etf flows".into() })
        );
        assert_eq!(read("_=1&limit=&q=%C3%A9t%C3%A9"), Ok(Params { limit: None, q: "été".into() }));
        assert_eq!(
            read("q=%EF%BF%BD").map(|p| p.q),
            Ok("\u{FFFD}".into()),
            "a replacement character sent as such"
        );
    }

    #[test]
    fn unreadable_repeated_and_non_utf8_values_are_refused_by_name() {
        assert_eq!(read("limit=ten"), Err("query parameter `limit` must be a whole number".into()));
        assert_eq!(read("limit=-1"), Err("query parameter `limit` must be a whole number".into()));
        assert_eq!(read("limit=1&limit=2"), Err("query parameter `limit` given more than once".into()));
        assert_eq!(read("q=%ff"), Err("query parameter `q` is not valid URL-encoded UTF-8".into()));
        assert_eq!(
            read("a=%EF%BF%BD&q=%ff"),
            Err("query parameter `q` is not valid URL-encoded UTF-8".into())
        );
    }
}
