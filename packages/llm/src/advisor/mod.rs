//! The decision model: an OpenAI-compatible chat model asked about one entry signal at a time,
//! whose answer is validated in code and replaced by the rule-based advice whenever it cannot be
//! used. See docs/ai.md.

pub mod answer;
pub mod prompt;
pub mod sanitize;
