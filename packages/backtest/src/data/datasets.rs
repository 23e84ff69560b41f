//! Data shipped inside the binary, so a backtest can run with nothing downloaded.

/// `(name, CSV text)`. GOOG daily 2004-08-19 to 2013-03-01 (2,148 bars) comes from
/// backtesting.py's samples and is the series the agreement tests pin.
pub const BUNDLED: &[(&str, &str)] = &[("goog-daily", include_str!("../../tests/data/GOOG.csv"))];

/// The CSV text of a bundled series, by name.
pub fn bundled(name: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, csv)| *csv)
}
