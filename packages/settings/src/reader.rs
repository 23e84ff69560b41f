//! `Reader`: reads settings through a lookup (the environment, a `.env` file, a test's map) and
//! collects every problem, so that a person fixing a configuration sees all of it at once. A value
//! is trimmed, and an empty one counts as unset. Messages name the variable and, for values that
//! are not secret, what was given; a secret is never echoed (read it with [`Reader::raw`] and say
//! only what is wrong with it).

use std::fmt::Display;
use std::str::FromStr;

/// The one return type of every settings reader: `Ok(None)` when the part is not configured (its
/// embedded default is used), `Err` with every problem, one line each.
pub type Settings<T> = Result<Option<T>, Vec<String>>;

pub struct Reader<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<String>,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("errors", &self.errors).finish_non_exhaustive()
    }
}

impl<'a> Reader<'a> {
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { get, errors: Vec::new() }
    }

    /// The trimmed value of `key`; `None` when unset or blank.
    pub fn raw(&self, key: &str) -> Option<String> {
        (self.get)(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// Records a problem.
    pub fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    /// `key` parsed, or `default` when unset; a value that does not parse is reported as not
    /// being `what`.
    pub fn parse<T: FromStr>(&mut self, key: &str, default: T, what: &str) -> T {
        match self.raw(key) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                self.error(format!("{key}={v:?} is not {what}"));
                default
            }),
        }
    }

    /// `key` as a boolean (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`).
    pub fn bool(&mut self, key: &str, default: bool) -> bool {
        match self.raw(key).map(|v| v.to_ascii_lowercase()) {
            None => default,
            Some(v) if matches!(v.as_str(), "true" | "1" | "yes" | "on") => true,
            Some(v) if matches!(v.as_str(), "false" | "0" | "no" | "off") => false,
            Some(v) => {
                self.error(format!("{key}={v:?} is not a boolean (true or false)"));
                default
            }
        }
    }

    /// A whole number from `min` to `max`, or `default` when unset.
    pub fn ranged<T>(&mut self, key: &str, default: T, min: T, max: T) -> T
    where
        T: FromStr + PartialOrd + Copy + Display,
    {
        match self.raw(key) {
            None => default,
            Some(v) => match v.parse::<T>() {
                Ok(n) if n >= min && n <= max => n,
                _ => {
                    self.error(format!("{key} must be a whole number from {min} to {max} (got {v:?})"));
                    default
                }
            },
        }
    }

    /// Whether any problem was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `value` if nothing was wrong, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<String>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn every_problem_is_collected_and_blank_is_unset() {
        let env: HashMap<&str, &str> =
            [("A", " 7 "), ("B", "x"), ("C", "  "), ("D", "maybe"), ("E", "99")].into_iter().collect();
        let get = move |k: &str| env.get(k).map(|v| (*v).to_owned());
        let mut r = Reader::new(&get);
        assert_eq!(r.parse("A", 0u32, "a number"), 7);
        assert_eq!(r.parse("B", 1u32, "a number"), 1);
        assert_eq!(r.raw("C"), None);
        assert!(r.bool("D", true));
        assert_eq!(r.ranged("E", 5u32, 1, 10), 5);
        assert_eq!(r.ranged("A", 5u32, 1, 10), 7);
        let errors = r.finish(()).unwrap_err();
        assert_eq!(
            errors,
            [
                "B=\"x\" is not a number",
                "D=\"maybe\" is not a boolean (true or false)",
                "E must be a whole number from 1 to 10 (got \"99\")",
            ]
        );
    }
}
