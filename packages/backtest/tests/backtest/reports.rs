//! The outputs users keep: the HTML report is one self-contained page, the trades CSV has a row
//! per trade, and the JSON carries the headline fields at the top level.

use mirai_backtest::report::{html_report, report_json, write_trades_csv};
use mirai_backtest::{FillAt, run_bars};

use crate::support::{goog, reference};

#[test]
fn the_html_report_is_self_contained_and_lists_every_trade() {
    let bars = goog();
    let r = run_bars(&reference(FillAt::NextOpen), &bars, 0..bars.len()).unwrap();
    let html = html_report(&r);
    assert!(html.starts_with("<!doctype html>"));
    assert_eq!(html.matches("<svg").count(), 2, "equity and drawdown charts");
    for external in ["<script", "src=", "href=", "http://", "https://", "@import", "url("] {
        assert!(!html.contains(external), "the report fetches nothing: found {external}");
    }
    assert_eq!(html.matches("<tr class=\"win\">").count() + html.matches("<tr class=\"loss\">").count(), 46);
    assert!(html.contains("69336.74099"));
}

#[test]
fn trades_csv_and_json() {
    let bars = goog();
    let r = run_bars(&reference(FillAt::Close), &bars, 0..bars.len()).unwrap();
    let mut csv = Vec::new();
    write_trades_csv(&r, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(text.lines().count(), 1 + 46 + 1);
    assert!(text.lines().last().unwrap().starts_with("open,"));
    let json = report_json(&r);
    assert_eq!(json["trades"], 46);
    assert_eq!(json["open_trades"], 1);
    assert_eq!(json["final_equity"], "65360.78989");
    for key in ["return_pct", "max_drawdown_pct", "sharpe", "trade_list", "config", "counts"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn undefined_ratios_read_n_a_in_every_output() {
    // SMA(10/2147) never trades on GOOG's 2,148 bars: flat equity, no volatility, no drawdown.
    let bars = goog();
    let mut config = reference(FillAt::NextOpen);
    config.params[1].1 = "2147".into();
    let r = run_bars(&config, &bars, 0..bars.len()).unwrap();
    assert_eq!((r.stats.trades, r.stats.sharpe, r.stats.sortino, r.stats.calmar), (0, None, None, None));
    let table = mirai_backtest::report::stats_table(&r);
    for label in ["Sharpe Ratio", "Sortino Ratio", "Calmar Ratio"] {
        let line = table.lines().find(|l| l.starts_with(label)).unwrap();
        assert!(line.ends_with("  n/a"), "{line}");
        assert!(html_report(&r).contains(&format!("<tr><th>{label}</th><td>n/a</td></tr>")), "{label}");
    }
    let json = report_json(&r);
    for key in ["sharpe", "sortino", "calmar"] {
        assert!(json[key].is_null(), "{key}: {}", json[key]);
    }
    // Defined, they are numbers as before.
    let r = run_bars(&reference(FillAt::NextOpen), &bars, 0..bars.len()).unwrap();
    assert!(report_json(&r)["sharpe"].as_f64().is_some_and(|s| (s - 0.89997).abs() < 1e-5));
    assert!(mirai_backtest::report::stats_table(&r).contains("Sharpe Ratio            0.9000"));
}
