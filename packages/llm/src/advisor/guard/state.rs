//! The guards' day record on disk: plain JSON beside the call log, replaced atomically under a
//! lock, read back strictly (a damaged record is damage, never zero).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use mirai_core::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::DayTotals;
use crate::advisor::private_file::write_atomically;

/// What the file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) totals: DayTotals,
    pub(super) breaker_failures: u32,
    pub(super) breaker_open_until_ms: Option<i64>,
}

/// The file's format: plain JSON an operator can read, and edit to recover (docs/ai.md).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Wire {
    pub(super) version: u32,
    /// The UTC date the totals are for, `YYYY-MM-DD`.
    pub(super) day: String,
    pub(super) spent_usd: Decimal,
    pub(super) calls: u64,
    pub(super) tokens_in: u64,
    pub(super) tokens_out: u64,
    pub(super) fallbacks: u64,
    pub(super) fallbacks_by_cause: BTreeMap<String, u64>,
    pub(super) last_fallback_reason: Option<String>,
    /// Why the budget is closed for the day although not spent.
    pub(super) closed: Option<String>,
    pub(super) breaker_failures: u32,
    pub(super) breaker_open_until_ms: Option<i64>,
}

const VERSION: u32 = 1;

impl Record {
    pub(super) fn to_wire(&self) -> Wire {
        let t = &self.totals;
        Wire {
            version: VERSION,
            day: date(t.day),
            spent_usd: t.spent_usd.normalize(),
            calls: t.calls,
            tokens_in: t.tokens_in,
            tokens_out: t.tokens_out,
            fallbacks: t.fallbacks,
            fallbacks_by_cause: t.by_cause.clone(),
            last_fallback_reason: t.last_fallback_reason.clone(),
            closed: t.closed.clone(),
            breaker_failures: self.breaker_failures,
            breaker_open_until_ms: self.breaker_open_until_ms,
        }
    }

    pub(super) fn from_wire(w: Wire) -> Result<Self, String> {
        if w.version != VERSION {
            return Err(format!("version {} is not {VERSION}", w.version));
        }
        let day = parse_date(&w.day).ok_or_else(|| format!("day {:?} is not a YYYY-MM-DD date", w.day))?;
        if w.spent_usd.is_sign_negative() {
            return Err(format!("spent_usd {} is negative", w.spent_usd));
        }
        Ok(Self {
            totals: DayTotals {
                day,
                spent_usd: w.spent_usd,
                calls: w.calls,
                tokens_in: w.tokens_in,
                tokens_out: w.tokens_out,
                fallbacks: w.fallbacks,
                by_cause: w.fallbacks_by_cause,
                last_fallback_reason: w.last_fallback_reason,
                closed: w.closed,
            },
            breaker_failures: w.breaker_failures,
            breaker_open_until_ms: w.breaker_open_until_ms,
        })
    }
}

/// Why the file could not be used, and its bytes when they could be read.
#[derive(Debug)]
pub(super) struct Damage {
    pub(super) why: String,
    pub(super) bytes: Option<Vec<u8>>,
}

/// Where the guards are kept: [`StateFile::beside`] a call log.
#[derive(Clone, Debug)]
pub struct StateFile {
    path: PathBuf,
    /// Locked while the file is read and replaced: the call log's directory.
    lock_dir: PathBuf,
}

impl StateFile {
    /// The state of the call log in `log_dir`: `<log_dir>.guard.json`, beside it, so the log's
    /// directory holds call records only.
    pub fn beside(log_dir: &Path) -> Self {
        let dir = fs::canonicalize(log_dir).unwrap_or_else(|_| log_dir.to_path_buf());
        let mut name = dir.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "llm-calls".into());
        name.push(".guard.json");
        Self { path: dir.with_file_name(name), lock_dir: dir }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An exclusive lock on the log's directory, released when dropped. Without one (a system
    /// where a directory cannot be opened) the file is still replaced atomically; two processes
    /// writing at the same instant could then lose one's last additions.
    pub(super) fn lock(&self) -> Option<fs::File> {
        let dir = fs::File::open(&self.lock_dir).ok()?;
        match dir.lock() {
            Ok(()) => Some(dir),
            Err(e) => {
                tracing::warn!(dir = %self.lock_dir.display(), error = %e, "could not lock the model call log");
                None
            }
        }
    }

    pub(super) fn read(&self) -> Result<Option<Record>, Damage> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Damage {
                    why: format!("{} cannot be read: {e}", self.path.display()),
                    bytes: None,
                });
            }
        };
        let parsed =
            serde_json::from_slice::<Wire>(&bytes).map_err(|e| e.to_string()).and_then(Record::from_wire);
        match parsed {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                Err(Damage { why: format!("{} is damaged: {e}", self.path.display()), bytes: Some(bytes) })
            }
        }
    }

    /// Keeps a damaged record's bytes as `….damaged` for whoever looks into it; says where.
    pub(super) fn set_aside(&self, damage: &Damage) -> String {
        let Some(bytes) = &damage.bytes else { return damage.why.clone() };
        let mut aside = self.path.clone().into_os_string();
        aside.push(".damaged");
        let aside = PathBuf::from(aside);
        match write_atomically(&aside, bytes) {
            Ok(()) => format!("{}; a copy is kept as {}", damage.why, aside.display()),
            Err(_) => damage.why.clone(),
        }
    }

    pub(super) fn write(&self, record: &Record) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(&record.to_wire()).map_err(std::io::Error::other)?;
        write_atomically(&self.path, &bytes)
    }
}

pub(super) fn utc_day(now_ms: i64) -> i64 {
    Timestamp::from_millis(now_ms).utc_day()
}

/// `YYYY-MM-DD` of day number `day`.
pub(super) fn date(day: i64) -> String {
    let iso = Timestamp::from_millis(day.saturating_mul(mirai_core::time::MS_PER_DAY)).to_iso8601();
    iso.get(..10).unwrap_or(&iso).to_owned()
}

/// The day number of a `YYYY-MM-DD` date; `None` for anything else (such as `2026-02-30`).
pub(super) fn parse_date(s: &str) -> Option<i64> {
    mirai_core::time::parse_date(s).map(Timestamp::utc_day)
}
