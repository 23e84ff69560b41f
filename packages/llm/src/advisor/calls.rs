//! `CallLog`: every model call recorded, content-addressed by the hash of what was sent (model,
//! prompt, schema), so a backtest can replay decisions byte for byte without the network, and an
//! auditor can see exactly what the model was shown and answered.
//!
//! One JSON file per call in a directory: written once (to a temporary name, then renamed, so a
//! crash never leaves half a record), never changed, readable with any tool. A database would
//! add nothing a directory of immutable files does not already give.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::private_file::{owner_only, write_atomically};

/// What one call sent and got back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCall {
    /// [`super::prompt::prompt_hash`] of the request: the file's name.
    pub key: String,
    pub model: String,
    pub system: String,
    pub user: String,
    /// The message content (the answer JSON, or whatever the model sent instead).
    pub content: Option<String>,
    /// A refusal instead of content.
    #[serde(default)]
    pub refusal: Option<String>,
    pub tokens_in: u32,
    pub tokens_out: u32,
    pub latency_ms: u64,
    /// What the call cost, in US dollars, as a decimal string.
    pub cost_usd: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CallLogError {
    #[error("the model call log at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the recorded call {path} cannot be read: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error("the recorded call {path} does not hold the call it is named for")]
    Mismatch { path: PathBuf },
}

#[derive(Clone, Debug)]
pub struct CallLog {
    dir: PathBuf,
}

impl CallLog {
    /// The log in `dir`, created (owner-only) if needed.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, CallLogError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|source| CallLogError::Io { path: dir.clone(), source })?;
        owner_only(&dir);
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The recorded call for `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<RecordedCall>, CallLogError> {
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(CallLogError::Io { path, source }),
        };
        let call: RecordedCall = serde_json::from_slice(&bytes)
            .map_err(|source| CallLogError::Corrupt { path: path.clone(), source })?;
        if call.key != key {
            return Err(CallLogError::Mismatch { path });
        }
        Ok(Some(call))
    }

    /// Records `call` under its key. A call already recorded is kept as it was: the first answer
    /// to a prompt is the one replays give. A damaged record is replaced, or the model would be
    /// asked (and paid) again on every decision that needs it.
    pub fn put(&self, call: &RecordedCall) -> Result<(), CallLogError> {
        let path = self.path(&call.key);
        if path.exists() && matches!(self.get(&call.key), Ok(Some(_))) {
            return Ok(());
        }
        let bytes = serde_json::to_vec_pretty(call)
            .map_err(|source| CallLogError::Corrupt { path: path.clone(), source })?;
        write_atomically(&path, &bytes).map_err(|source| CallLogError::Io { path: path.clone(), source })?;
        Ok(())
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are hex digests; anything else cannot name a file outside the directory.
        let safe: String = key.chars().filter(char::is_ascii_hexdigit).take(64).collect();
        self.dir.join(format!("{safe}.json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(key: &str, content: &str) -> RecordedCall {
        RecordedCall {
            key: key.into(),
            model: "sim-follow".into(),
            system: "s".into(),
            user: "u".into(),
            content: Some(content.into()),
            refusal: None,
            tokens_in: 10,
            tokens_out: 5,
            latency_ms: 12,
            cost_usd: "0.0000045".into(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mirai-calls-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_call_is_written_once_and_read_back() {
        let dir = temp_dir("once");
        let log = CallLog::open(&dir).unwrap();
        let key = "ab".repeat(32);
        assert_eq!(log.get(&key).unwrap(), None);
        log.put(&call(&key, "first")).unwrap();
        log.put(&call(&key, "second")).unwrap();
        assert_eq!(
            log.get(&key).unwrap().unwrap().content.as_deref(),
            Some("first"),
            "the first answer stays"
        );
        let reopened = CallLog::open(&dir).unwrap();
        assert_eq!(reopened.get(&key).unwrap(), Some(call(&key, "first")));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_or_misnamed_record_is_an_error_not_a_miss() {
        let dir = temp_dir("bad");
        let log = CallLog::open(&dir).unwrap();
        let key = "cd".repeat(32);
        fs::write(dir.join(format!("{key}.json")), b"{not json").unwrap();
        assert!(matches!(log.get(&key), Err(CallLogError::Corrupt { .. })));
        let other = "ef".repeat(32);
        fs::write(dir.join(format!("{other}.json")), serde_json::to_vec(&call(&key, "x")).unwrap()).unwrap();
        assert!(matches!(log.get(&other), Err(CallLogError::Mismatch { .. })));
        assert_eq!(log.get("../../etc/passwd").unwrap(), None, "no path leaves the directory");
        let _ = fs::remove_dir_all(&dir);
    }
}
