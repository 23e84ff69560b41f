//! `TimeRange`: the time filter shared by the read queries.

use mirai_core::Timestamp;

use crate::literal::timestamp;
use crate::{Result, SnowflakeError};

/// `since` inclusive, `until` exclusive; either may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl TimeRange {
    pub fn all() -> Self {
        Self::default()
    }

    pub fn contains(&self, ts: Timestamp) -> bool {
        self.since.is_none_or(|s| ts >= s) && self.until.is_none_or(|u| ts < u)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s > u
        {
            return Err(SnowflakeError::InvalidQuery(format!("since {s} is after until {u}")));
        }
        Ok(())
    }

    /// ` AND col >= '...' AND col < '...'` for the bounds that are set.
    pub(crate) fn sql(&self, column: &'static str) -> Result<String> {
        let mut s = String::new();
        if let Some(since) = self.since {
            s.push_str(&format!(" AND {column} >= CAST({} AS TIMESTAMP_NTZ(3))", timestamp(since)?));
        }
        if let Some(until) = self.until {
            s.push_str(&format!(" AND {column} < CAST({} AS TIMESTAMP_NTZ(3))", timestamp(until)?));
        }
        Ok(s)
    }
}
