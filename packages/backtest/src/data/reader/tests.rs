//! The reader on good files of both layouts and on every kind of bad line.

use super::*;

const HEADER: &str = "timestamp,open,high,low,close,volume\n";

fn read_all(text: &str) -> Result<Vec<Bar>, DataError> {
    CsvReader::new(text.as_bytes())?.collect()
}

fn error(text: &str) -> String {
    match read_all(text) {
        Ok(bars) => panic!("accepted {} bars from {text:?}", bars.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn iso_files_get_close_times_from_their_interval() {
    let text = format!(
        "{HEADER}2024-01-05T00:00:00Z,10,11,9,10.5,100\n2024-01-08T00:00:00Z,10.5,12,10,11,50\n2024-01-09,11,11,10,10,0\n"
    );
    let bars = read_all(&text).unwrap();
    assert_eq!(bars.len(), 3);
    // Daily bars (smallest gap one day): each closes a millisecond before the next day.
    assert_eq!(iso(bars[0].close_time), "2024-01-05T23:59:59.999Z");
    assert_eq!(iso(bars[2].close_time), "2024-01-09T23:59:59.999Z");
    assert_eq!(bars[1].close.to_decimal().to_string(), "11");
}

#[test]
fn binance_klines_with_and_without_header_and_in_microseconds() {
    let rows = "1499040000000,0.01634790,0.80000000,0.01575800,0.01577100,148976.11427815,1499644799999,2434.19055334,308,1756.87402397,28.46694368,0\n\
                1499644800000,0.01577100,0.01600000,0.01500000,0.01590000,1000.5,1500249599999,0,1,0,0,0\n";
    let bars = read_all(rows).unwrap();
    assert_eq!(bars.len(), 2);
    assert_eq!(bars[0].close_time, 1_499_644_799_999);
    assert_eq!(bars[1].open.to_decimal().to_string(), "0.01577100");
    let with_header = format!(
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n{rows}"
    );
    assert_eq!(read_all(&with_header).unwrap(), bars);
    // Binance's spot files since 2025 count microseconds.
    let micros = "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,0,0,0,0,0\n";
    let b = read_all(micros).unwrap();
    assert_eq!((b[0].open_time, b[0].close_time), (1_735_689_600_000, 1_735_689_659_999));
}

#[test]
fn tolerates_crlf_bom_quotes_blank_lines_and_a_missing_final_newline() {
    let text = "\u{feff}Date,Open,High,Low,Close,Volume\r\n\r\n\"2024-01-01\",1,2,0.5,1.5,3\r\n2024-01-02,1.5,2,1,2,4";
    let bars = read_all(text).unwrap();
    assert_eq!(bars.len(), 2);
    assert_eq!(bars[1].close.to_decimal().to_string(), "2");
}

#[test]
fn every_bad_line_is_named() {
    let cases: &[(&str, &str)] = &[
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        (HEADER, "no bars"),
        ("timestamp,open,low,close\n2024-01-01,1,1,1\n", "line 1: missing column high"),
        ("2024-01-01,1,2,0.5,1.5\n", "line 1: a file without a header needs"),
        (
            &format!("{HEADER}2024-01-01,1,2,1,1,1\n2024-01-02,1,2,1\n"),
            "line 3: expected at least 6 fields, found 4",
        ),
        (&format!("{HEADER}2024-01-01,1,2,1,abc,1\n"), "line 2: close \"abc\" is not a number"),
        (&format!("{HEADER}2024-01-01,1,2,1,1,\n"), "line 2: volume \"\" is not a number"),
        (
            &format!("{HEADER}01/02/2024,1,2,1,1,1\n"),
            "line 2: timestamp \"01/02/2024\" is not an ISO-8601 time",
        ),
        (&format!("{HEADER}2024-01-01,1,2,3,1,1\n"), "line 2: high 2 is below low 3"),
        (
            &format!("{HEADER}2024-01-01,5,2,1,1,1\n"),
            "line 2: open 5 is outside the bar's range (low 1, high 2)",
        ),
        (&format!("{HEADER}2024-01-01,1,2,1,0,1\n"), "line 2: close 0 is not a positive price"),
        (&format!("{HEADER}2024-01-01,1,2,1,1,-1\n"), "line 2: volume -1 is negative"),
        (
            &format!("{HEADER}2024-01-01,1,2,1,1,1\n2024-01-02,1,2,1,1,1\n2024-01-02,1,2,1,1,1\n"),
            "line 4: duplicate timestamp 2024-01-02T00:00:00.000Z (line 3 has the same)",
        ),
        (
            &format!("{HEADER}2024-01-02,1,2,1,1,1\n\n2024-01-01,1,2,1,1,1\n"),
            "line 4: timestamp 2024-01-01T00:00:00.000Z is earlier than line 2's 2024-01-02T00:00:00.000Z",
        ),
        (
            &format!("{HEADER}2024-01-01,1,2,1,1.0000000000000000001,1\n"),
            "line 2: close \"1.0000000000000000001\" has more digits",
        ),
        (
            "1499040000000,1,2,1,1,1,1499039999999\n",
            "line 1: close time 2017-07-02T23:59:59.999Z is before the open time",
        ),
    ];
    for (text, want) in cases {
        let got = error(text);
        assert!(got.contains(want), "for {text:?}\n  got:  {got}\n  want: {want}");
    }
}

#[test]
fn the_good_bars_before_a_bad_line_come_first_then_the_error() {
    let text = format!("{HEADER}2024-01-01,1,2,1,1,1\n2024-01-02,1,2,1,1,1\n2024-01-03,1,x,1,1,1\n");
    let items: Vec<_> = CsvReader::new(text.as_bytes()).unwrap().collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    let e = items[2].as_ref().unwrap_err();
    assert_eq!(e.line(), Some(4));
}

#[test]
fn long_files_stream_across_chunk_boundaries() {
    let mut text = String::from(HEADER);
    let n = 30_000; // about 1.3 MB: several chunks
    for i in 0..n {
        let t = 1_700_000_000_000i64 + i * 60_000;
        text.push_str(&format!(
            "{},{}.25,{}.5,{},{}.125,{}\n",
            iso(t),
            100 + i % 7,
            101 + i % 7,
            100 + i % 7,
            100 + i % 7,
            i
        ));
    }
    let mut reader = CsvReader::new(text.as_bytes()).unwrap();
    let mut count = 0i64;
    let mut last = 0;
    while let Some(bar) = reader.next() {
        let bar = bar.unwrap();
        assert_eq!(bar.open_time, 1_700_000_000_000 + count * 60_000);
        assert_eq!(bar.close_time, bar.open_time + 59_999);
        assert_eq!(bar.volume.mantissa, count);
        last = reader.last_line();
        count += 1;
    }
    assert_eq!(count, n);
    assert_eq!(last, n as u64 + 1);
    assert_eq!(reader.bytes_read(), text.len() as u64);
}

#[test]
fn a_line_longer_than_the_limit_is_refused() {
    let text = format!("{HEADER}2024-01-01,1,2,1,1,{}\n", "1".repeat(MAX_LINE + CHUNK));
    assert!(error(&text).contains("line 2: longer than"));
}

#[test]
fn the_word_at_a_time_search_finds_the_first_match_anywhere() {
    let hay: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
    for needle in [b'a', b'h', b'i', b'z', b'#'] {
        for start in 0..hay.len() {
            assert_eq!(
                find(&hay[start..], needle),
                hay[start..].iter().position(|&b| b == needle),
                "{start}"
            );
        }
    }
    assert_eq!(find(b"\x80\x81,", b','), Some(2), "high bytes are no false match");
    assert_eq!(find(b"", b','), None);
}

#[test]
fn bad_binance_kline_lines_are_named_too() {
    const K: &str = "1499040000000,1,2,1,1,1,1499040059999\n";
    let cases: &[(&str, &str)] = &[
        (&format!("{K}1499040060000,1,2,1,x,1,1499040119999\n"), "line 2: close \"x\" is not a number"),
        (&format!("{K}1499040060000,1,2,3,1,1,1499040119999\n"), "line 2: high 2 is below low 3"),
        (&format!("{K}1499040000000,1,2,1,1,1,1499040059999\n"), "line 2: duplicate timestamp"),
        (&format!("{K}1499039940000,1,2,1,1,1,1499039999999\n"), "line 2: timestamp"),
        (&format!("{K}1499040060000,1,2,1,1\n"), "line 2:"),
        (&format!("{K}soon,1,2,1,1,1,1499040119999\n"), "line 2:"),
    ];
    for (text, want) in cases {
        let got = error(text);
        assert!(got.contains(want), "for {text:?}\n  got:  {got}\n  want: {want}");
    }
}

proptest::proptest! {
    /// Whatever a file holds (a good file with any one line replaced by arbitrary text), reading
    /// it never panics, and a refused line is named by its number.
    #[test]
    fn any_damaged_line_is_named_never_a_panic(
        at in 1usize..6,
        junk in "[ -~]{0,60}",
    ) {
        let mut lines: Vec<String> = (0..6)
            .map(|i| format!("2024-01-0{}T00:00:00Z,10,12,9,11,5", i + 1))
            .collect();
        lines.insert(0, HEADER.trim_end().to_owned());
        lines[at] = junk.clone();
        let text = lines.join("\n");
        if let Err(e) = read_all(&text) {
            let msg = e.to_string();
            proptest::prop_assert!(e.line().is_some() && msg.contains("line "), "{junk:?}: {msg}");
        }
    }
}
