//! Bad data stops a backtest with an error naming the line, never a panic and never a result.

use mirai_backtest::data::{Bars, DataError};
use mirai_backtest::{BacktestError, FillAt, run_csv};

use crate::support::{data, reference};

fn run(text: &str) -> Result<mirai_backtest::BacktestReport, BacktestError> {
    run_csv(&reference(FillAt::NextOpen), text.as_bytes(), |_| {})
}

#[test]
fn a_bad_line_deep_in_a_good_file_is_named() {
    let good = std::fs::read_to_string(data("GOOG.csv")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[1500] = "2010-07-29T00:00:00Z,488.0,479.0,481.9,485.3,3000000"; // high below low
    let e = run(&lines.join("\n")).unwrap_err();
    assert!(matches!(&e, BacktestError::Data(DataError::Line { line: 1501, .. })), "{e}");
    assert!(e.to_string().contains("high 479.0 is below low 481.9"), "{e}");
}

#[test]
fn empty_and_headless_files_are_explained() {
    for (text, want) in [
        ("", "the file is empty"),
        ("timestamp,open,high,low,close,volume\n", "no bars"),
        ("timestamp,open,high\n", "line 1: missing columns low, close"),
    ] {
        let e = run(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn loading_a_missing_file_names_it() {
    let e = Bars::load(std::path::Path::new("/nonexistent/bars.csv")).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/bars.csv"), "{e}");
}
