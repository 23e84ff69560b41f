//! `PnlView`: equity, cash and realised and unrealised P&L over a window, one point per step,
//! for the dashboard's equity chart; and the step (`1m`, `5m`, `1h`, `1d`) that thins it.

use std::fmt;

use mirai_core::{Amount, Decimal, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::backend::BackendError;

/// The most points one answer holds: a step too fine for the window is refused, naming the
/// smallest step that fits.
pub const MAX_PNL_POINTS: u64 = 5_000;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The step of a P&L series: a whole number of seconds, minutes, hours or days, from `1s` to
/// `365d`. Steps are aligned to the Unix epoch, so `1d` is a UTC day and `1h` a clock hour.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PnlStep(i64);

impl PnlStep {
    /// The steps offered when none is given or the one given is too fine, smallest first.
    pub const LADDER: [PnlStep; 17] = [
        PnlStep(SECOND),
        PnlStep(5 * SECOND),
        PnlStep(15 * SECOND),
        PnlStep(30 * SECOND),
        PnlStep(MINUTE),
        PnlStep(5 * MINUTE),
        PnlStep(15 * MINUTE),
        PnlStep(30 * MINUTE),
        PnlStep(HOUR),
        PnlStep(2 * HOUR),
        PnlStep(4 * HOUR),
        PnlStep(6 * HOUR),
        PnlStep(12 * HOUR),
        PnlStep(DAY),
        PnlStep(7 * DAY),
        PnlStep(30 * DAY),
        PnlStep(365 * DAY),
    ];

    /// `N` and a unit, `s`, `m`, `h` or `d` (`30s`, `5m`, `1h`, `1d`), from 1 s to 365 days.
    pub fn parse(s: &str) -> Option<Self> {
        let unit = match s.as_bytes().last()? {
            b's' => SECOND,
            b'm' => MINUTE,
            b'h' => HOUR,
            b'd' => DAY,
            _ => return None,
        };
        let n = &s[..s.len() - 1];
        if n.is_empty() || n.len() > 8 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let ms = n.parse::<i64>().ok()?.checked_mul(unit)?;
        (SECOND..=365 * DAY).contains(&ms).then_some(Self(ms))
    }

    /// The step in milliseconds.
    pub fn millis(self) -> i64 {
        self.0
    }
}

/// The largest unit that divides it: `90m`, `2h`, `1d`.
impl fmt::Display for PnlStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = [(DAY, "d"), (HOUR, "h"), (MINUTE, "m")]
            .into_iter()
            .find(|(u, _)| self.0 % u == 0)
            .map_or((self.0 / SECOND, "s"), |(u, name)| (self.0 / u, name));
        write!(f, "{n}{unit}")
    }
}

impl fmt::Debug for PnlStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PnlStep({self})")
    }
}

impl Serialize for PnlStep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PnlStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as Deserialize>::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom("not a step such as 1m, 1h or 1d"))
    }
}

/// `GET /api/pnl`: the window (`from` included, `to` excluded, each optional) and the step
/// (`None`: the smallest of [`PnlStep::LADDER`] that fits the window's snapshots).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PnlQuery {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub step: Option<PnlStep>,
}

impl PnlQuery {
    /// The query string the route reads back: times as epoch milliseconds.
    pub fn to_query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(t) = self.from {
            q.append_pair("from", &t.millis().to_string());
        }
        if let Some(t) = self.to {
            q.append_pair("to", &t.millis().to_string());
        }
        if let Some(s) = self.step {
            q.append_pair("step", &s.to_string());
        }
        q.finish()
    }
}

/// The answer when `step` would give more than [`MAX_PNL_POINTS`] over the window's snapshots:
/// a 422 on `step`, saying the smallest step that fits (`None`: not even the largest does).
pub fn pnl_step_too_fine(step: PnlStep, points: u64, smallest: Option<PnlStep>) -> BackendError {
    let fits = smallest.map_or_else(
        || format!("not even {} fits", PnlStep::LADDER[PnlStep::LADDER.len() - 1]),
        |s| format!("the smallest step allowed is {s}"),
    );
    BackendError::InvalidField {
        field: "step".to_owned(),
        message: format!(
            "{step} is too fine for the window: {points} points, at most {MAX_PNL_POINTS}; {fits}"
        ),
    }
}

/// Equity and its parts at one moment: the last snapshot of its step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PnlPointView {
    pub ts: Timestamp,
    pub equity: Amount,
    pub cash: Amount,
    pub realised_pnl: Amount,
    pub unrealised_pnl: Amount,
}

/// `GET /api/pnl`: the ledger's P&L snapshots in `[from, to)`, one point per step (the last
/// snapshot of each; a step without one has no point), oldest first, so the last point is the
/// latest value. Amounts are decimal strings; times are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PnlView {
    /// As asked; `None` is unbounded.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// The step used: the one asked for, or the smallest that fits.
    pub step: PnlStep,
    pub points: Vec<PnlPointView>,
    /// The largest fall of equity from its running peak over every snapshot in the window (not
    /// only the points shown); never negative.
    pub max_drawdown: Amount,
    /// The largest fall as a fraction of the peak it fell from, rounded to 4 places; `None`
    /// without a positive peak.
    pub max_drawdown_ratio: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_read_and_written_in_their_largest_unit() {
        let ms = |s| PnlStep::parse(s).map(PnlStep::millis);
        assert_eq!(ms("1s"), Some(1_000));
        assert_eq!(ms("5m"), Some(300_000));
        assert_eq!(ms("1h"), Some(3_600_000));
        assert_eq!(ms("1d"), Some(86_400_000));
        assert_eq!(ms("365d"), Some(365 * 86_400_000));
        for bad in ["", "m", "0m", "1", "1w", "1M", "-1m", "+1m", "1.5h", " 1m", "1m ", "366d", "99999999d"] {
            assert_eq!(ms(bad), None, "{bad}");
        }
        for (given, written) in [("60m", "1h"), ("90m", "90m"), ("24h", "1d"), ("120s", "2m"), ("7d", "7d")] {
            assert_eq!(PnlStep::parse(given).map(|s| s.to_string()).as_deref(), Some(written), "{given}");
        }
        assert!(PnlStep::LADDER.windows(2).all(|w| w[0] < w[1]));
        assert!(PnlStep::LADDER.iter().all(|s| PnlStep::parse(&s.to_string()) == Some(*s)));
        let step = PnlStep::parse("4h").unwrap();
        assert_eq!(serde_json::to_string(&step).unwrap(), r#""4h""#);
        assert_eq!(serde_json::from_str::<PnlStep>(r#""240m""#).unwrap(), step);
    }

    #[test]
    fn the_query_string_carries_what_is_given() {
        assert_eq!(PnlQuery::default().to_query_string(), "");
        let q = PnlQuery { from: Some(Timestamp::from_millis(5)), to: None, step: PnlStep::parse("15m") };
        assert_eq!(q.to_query_string(), "from=5&step=15m");
    }
}
