//! `DataError`: why a price file cannot be used, naming the line and what was wrong with it.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// A problem at a line of the file (1-based, the header being line 1).
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    /// A problem with the file as a whole.
    #[error("{0}")]
    File(String),
}

impl DataError {
    pub(crate) fn at(line: u64, message: impl fmt::Display) -> Self {
        DataError::Line { line, message: message.to_string() }
    }

    /// The line the error is about, if it is about one.
    pub fn line(&self) -> Option<u64> {
        match self {
            DataError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }
}
