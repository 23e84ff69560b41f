//! The fast line parser against the general one: it gives the same bar or leaves the line to it.

use proptest::prelude::*;

use super::*;
use crate::data::line::parse_line;

const HEADER: &[u8] = b"timestamp,open,high,low,close,volume";

fn layout(header: &[u8]) -> (Layout, Plan, usize) {
    let layout = Layout::detect(header).unwrap_or_else(|e| panic!("{e}"));
    let wanted = layout.min_fields().min(MAX_FIELDS);
    (layout, Plan::new(&layout, wanted), wanted)
}

/// Both parsers on `line` (followed in the buffer by `after`): the fast one must give the general
/// one's bar, or nothing. Returns the fast one's answer.
fn agree(header: &[u8], line: &str, after: &str, dates: &mut DateCache) -> Option<Bar> {
    let (layout, plan, wanted) = layout(header);
    let buf = format!("{line}{after}");
    let fast = parse(buf.as_bytes(), line.len(), &plan, dates);
    let general = parse_line(line.as_bytes(), &layout, wanted, 7);
    if let Some(bar) = fast {
        assert_eq!(general.as_ref().ok(), Some(&bar), "{line:?}");
    }
    fast
}

#[test]
fn the_common_lines_take_the_fast_path() {
    let mut dates = DateCache::default();
    for line in [
        "2024-01-01T00:01:00Z,100.06,100.15,99.84,99.91,76.908",
        "2024-01-01T00:02:00.250Z,100.06,100.15,99.84,99.91,0",
        "2024-01-01T23:59:59Z,1,2,0.5,1.5,3.",
        "2024-01-02T00:00:00Z,0.01634790,0.80000000,0.01575800,0.01577100,148976.11427815",
        "2024-01-02T00:00:00Z,1.0,1.00,1,1.000,0.10,extra,fields",
    ] {
        for after in ["", "\n", "\r\n2024-01-01T00:01:00Z,1", "9999999999"] {
            assert!(agree(HEADER, line, after, &mut dates).is_some(), "{line:?} + {after:?}");
        }
    }
    let bar = agree(HEADER, "2024-01-02T00:00:00Z,1.0,1.00,1,1.000,0.10", "\n", &mut dates);
    let scales = bar.map(|b| [b.open.scale, b.high.scale, b.low.scale, b.close.scale, b.volume.scale]);
    assert_eq!(scales, Some([1, 2, 0, 3, 2]), "trailing zeros are kept");
}

#[test]
fn unusual_fields_are_read_by_the_general_parser_on_the_way() {
    let mut dates = DateCache::default();
    for line in [
        "2024-01-01,1,2,0.5,1.5,3",
        "2024-01-01 00:01:00,1,2,0.5,1.5,3",
        "\"2024-01-01T00:01:00Z\",\"1\",2 , 0.5,1.5,1.5e2",
        "1704067260000,+1,2,.5,1.5,123456789.123456789",
        "2024-01-01T00:01:00.123456Z,1,2,0.5,1.5,0.000000000000000000000000001",
        "2024-01-01T00:01:00.12Z,1,2,0.5,1.5,3",
    ] {
        assert!(agree(HEADER, line, "\n", &mut dates).is_some(), "{line:?}");
    }
    // Binance's klines: the close time is a field too.
    let kline = b"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";
    let row = "1499040000000,0.01634790,0.80000000,0.01575800,0.01577100,148976.11427815,1499644799999,2434.19055334,308,1756.87402397,28.46694368,0";
    assert!(agree(kline, row, "\n", &mut dates).is_some());
    assert!(agree(kline, &row.replace(",1499644799999,", ",1499039999999,"), "\n", &mut dates).is_none());
}

#[test]
fn bad_lines_are_left_to_the_general_parser() {
    let mut dates = DateCache::default();
    for line in [
        "2024-01-01T00:01:00Z,1,2,0.5,1.5",
        "2024-01-01T00:01:00Z,1,2,3,1.5,3",
        "2024-01-01T00:01:00Z,5,2,0.5,1.5,3",
        "2024-01-01T00:01:00Z,1,2,0.5,0,3",
        "2024-01-01T00:01:00Z,1,2,0.5,1.5,-3",
        "2024-01-01T00:01:00Z,1,2,0.5,x,3",
        "2024-01-01T00:01:00Z,1,2,0.5,1.5,",
        "2024-01-01T24:01:00Z,1,2,0.5,1.5,3",
        "2024-02-30T00:01:00Z,1,2,0.5,1.5,3",
        "2024-01-01T00:01:00ZZ,1,2,0.5,1.5,3",
        "2024-01-01T00:01:00Z,1,2,0.5,1.5,1.0000000000000000001",
    ] {
        assert!(agree(HEADER, line, "\n", &mut dates).is_none(), "{line:?}");
    }
}

#[test]
fn a_remembered_date_is_never_carried_to_another_day() {
    let mut dates = DateCache::default();
    // Days and months that differ in one byte each, a bad date between good ones, and back.
    for (line, want) in [
        ("2024-01-01T00:00:00Z,1,1,1,1,1", "2024-01-01T00:00:00.000Z"),
        ("2024-01-01T23:59:59.999Z,1,1,1,1,1", "2024-01-01T23:59:59.999Z"),
        ("2024-01-02T00:00:00Z,1,1,1,1,1", "2024-01-02T00:00:00.000Z"),
        ("2024-02-02T00:00:00Z,1,1,1,1,1", "2024-02-02T00:00:00.000Z"),
        ("2025-02-02T00:00:00Z,1,1,1,1,1", "2025-02-02T00:00:00.000Z"),
        ("2025-02-29T00:00:00Z,1,1,1,1,1", ""),
        ("2025-02-02 00:00:00Z,1,1,1,1,1", "2025-02-02T00:00:00.000Z"),
        ("2025-02-02T00:00:01Z,1,1,1,1,1", "2025-02-02T00:00:01.000Z"),
        ("2024-02-29T00:00:00Z,1,1,1,1,1", "2024-02-29T00:00:00.000Z"),
    ] {
        let got = agree(HEADER, line, "\n", &mut dates).map(|b| crate::data::time::iso(b.open_time));
        if want.is_empty() {
            assert_eq!(got, None, "{line}");
        } else {
            assert_eq!(got.as_deref(), Some(want), "{line}");
        }
    }
}

/// A field as files write it, or nearly: good forms and the edge cases around them.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000_000, 0usize..10).prop_map(|(m, s)| {
            let digits = format!("{m:0>width$}", width = s + 1);
            let (w, f) = digits.split_at(digits.len() - s);
            if s == 0 { w.to_owned() } else { format!("{w}.{f}") }
        }),
        "[0-9]{0,10}(\\.[0-9]{0,10})?",
        "[-+ \"]?[0-9]{1,3}(\\.[0-9]{1,3})?([eE][-+]?[0-9]{1,2})?[ \"]?",
        "[0-9.,eE+\\- x]{0,6}",
    ]
}

fn timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        (2020u32..2026, 1u32..13, 1u32..32, 0u32..25, 0u32..61, 0u32..61)
            .prop_map(|(y, mo, d, h, mi, s)| format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")),
        (0u32..30, 0u32..1000).prop_map(|(d, ms)| format!("2024-02-{d:02}T10:00:00.{ms:03}Z")),
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,4})?Z?",
        "1[0-9]{9,15}",
    ]
}

proptest! {
    /// On any line of the common layout, the fast parser gives the general one's bar or none,
    /// with one date cache kept across all the lines of a run.
    #[test]
    fn the_fast_path_never_differs_from_the_general_one(
        lines in proptest::collection::vec(
            (timestamp(), proptest::collection::vec(number(), 4..7), "(\n|\r\n|,x\n|)"),
            1..20,
        ),
    ) {
        let mut dates = DateCache::default();
        for (time, numbers, after) in lines {
            let line = format!("{time},{}", numbers.join(","));
            agree(HEADER, &line, &after, &mut dates);
        }
    }
}
