//! The model section of a report whose entries a model decided: the model, its training cutoff,
//! and how much of the run falls on or before it (where the model may know what happened).

use super::number;
use crate::ModelNote;

/// (label, value) pairs for the table and the HTML page; `bars` is the run's bar count.
pub fn model_rows(m: &ModelNote, bars: u64) -> Vec<(&'static str, String)> {
    let cutoff = m.training_cutoff.clone().unwrap_or_else(|| "unknown".to_owned());
    let before = match (m.bars_before_cutoff, m.pct_before_cutoff) {
        (Some(n), Some(pct)) => format!("{n} of {bars} bars, {} % of the time range", share(pct)),
        _ => "unknown".to_owned(),
    };
    vec![("Model", m.name.clone()), ("Training cutoff", cutoff), ("On or before the cutoff", before)]
}

/// The one-line warning: part of the run falls before the model's cutoff, or the cutoff is
/// unknown (so any part may). `None` when the whole run comes after a known cutoff.
pub fn model_warning(m: &ModelNote) -> Option<String> {
    match (&m.training_cutoff, m.pct_before_cutoff) {
        (Some(day), Some(pct)) if pct > 0.0 => Some(format!(
            "{} % of this backtest falls before {}'s training cutoff ({day}): the model may have seen what happened",
            share(pct),
            m.name
        )),
        (Some(_), _) => None,
        (None, _) => Some(format!(
            "{}'s training cutoff is unknown: the model may have seen what happened in any part of this backtest",
            m.name
        )),
    }
}

/// A percentage to one decimal that never rounds a sliver to 0 or to the whole.
fn share(pct: f64) -> String {
    if pct > 0.0 && pct < 0.1 {
        "under 0.1".to_owned()
    } else if pct > 99.9 && pct < 100.0 {
        "over 99.9".to_owned()
    } else {
        number(pct, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(cutoff: Option<&str>, pct: Option<f64>) -> ModelNote {
        ModelNote {
            name: "gpt-4o-mini".into(),
            training_cutoff: cutoff.map(str::to_owned),
            bars_before_cutoff: pct.map(|p| p as u64),
            pct_before_cutoff: pct,
        }
    }

    #[test]
    fn the_warning_says_how_much_and_slivers_are_not_rounded_away() {
        let w = |c, p| model_warning(&note(c, p));
        assert_eq!(
            w(Some("2023-10-01"), Some(48.0)).as_deref(),
            Some(
                "48.0 % of this backtest falls before gpt-4o-mini's training cutoff (2023-10-01): the model may have seen what happened"
            )
        );
        assert_eq!(w(Some("2023-10-01"), Some(0.0)), None, "wholly after: nothing to warn of");
        assert!(w(Some("2023-10-01"), Some(0.01)).is_some_and(|s| s.starts_with("under 0.1 % ")));
        assert!(w(Some("2023-10-01"), Some(99.97)).is_some_and(|s| s.starts_with("over 99.9 % ")));
        assert!(w(None, None).is_some_and(|s| s.contains("training cutoff is unknown")));
        let rows = model_rows(&note(None, None), 10);
        assert_eq!(rows[1], ("Training cutoff", "unknown".to_owned()));
        assert_eq!(rows[2], ("On or before the cutoff", "unknown".to_owned()));
    }
}
