//! Which column holds what. Two layouts are understood:
//!
//! - `timestamp,open,high,low,close,volume` with a header (names in any case and order; extra
//!   columns are ignored; `date`, `time`, `datetime`, `open_time` or an unnamed first column are
//!   taken as the timestamp; volume may be absent);
//! - Binance's kline CSV (open time, open, high, low, close, volume, close time, quote volume,
//!   trades, taker base, taker quote, ignore), with or without its header.
//!
//! A file without a header is read by position: the first six fields as above, and a seventh,
//! when present, as the close time.

use super::DataError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub timestamp: usize,
    pub open: usize,
    pub high: usize,
    pub low: usize,
    pub close: usize,
    pub volume: Option<usize>,
    pub close_time: Option<usize>,
    /// Whether line 1 is a header rather than a bar.
    pub has_header: bool,
}

impl Layout {
    /// The fewest fields a bar line must have.
    pub fn min_fields(&self) -> usize {
        [Some(self.timestamp), Some(self.open), Some(self.high), Some(self.low), Some(self.close)]
            .into_iter()
            .chain([self.volume, self.close_time])
            .flatten()
            .max()
            .unwrap_or(0)
            + 1
    }

    /// The column's name as the messages call it.
    pub fn name_of(&self, index: usize) -> &'static str {
        match index {
            i if i == self.timestamp => "timestamp",
            i if i == self.open => "open",
            i if i == self.high => "high",
            i if i == self.low => "low",
            i if i == self.close => "close",
            i if Some(i) == self.volume => "volume",
            i if Some(i) == self.close_time => "close_time",
            _ => "?",
        }
    }

    /// Reads the layout from the first line of the file.
    pub fn detect(first_line: &[u8]) -> Result<Self, DataError> {
        let fields: Vec<String> = split(first_line)
            .map(|f| String::from_utf8_lossy(f).trim().trim_matches('"').to_ascii_lowercase())
            .collect();
        let looks_like_bar =
            fields.len() >= 5 && fields[1..5].iter().all(|f| super::Fixed::parse(f.as_bytes()).is_ok());
        if looks_like_bar {
            if fields.len() < 6 {
                return Err(DataError::at(
                    1,
                    format!(
                        "a file without a header needs the fields timestamp,open,high,low,close,volume; found {}",
                        fields.len()
                    ),
                ));
            }
            return Ok(Self {
                timestamp: 0,
                open: 1,
                high: 2,
                low: 3,
                close: 4,
                volume: Some(5),
                close_time: (fields.len() >= 7).then_some(6),
                has_header: false,
            });
        }
        let find = |names: &[&str]| fields.iter().position(|f| names.contains(&f.as_str()));
        let timestamp = find(&[
            "timestamp",
            "time",
            "date",
            "datetime",
            "open_time",
            "opentime",
            "open time",
            "ts",
            "index",
        ])
        .or_else(|| (fields.first().is_some_and(String::is_empty)).then_some(0));
        let open = find(&["open", "o"]);
        let high = find(&["high", "h"]);
        let low = find(&["low", "l"]);
        let close = find(&["close", "c"]);
        let missing: Vec<&str> =
            [("timestamp", timestamp), ("open", open), ("high", high), ("low", low), ("close", close)]
                .iter()
                .filter(|(_, i)| i.is_none())
                .map(|(n, _)| *n)
                .collect();
        match (timestamp, open, high, low, close) {
            (Some(timestamp), Some(open), Some(high), Some(low), Some(close)) => Ok(Self {
                timestamp,
                open,
                high,
                low,
                close,
                volume: find(&["volume", "vol", "v"]),
                close_time: find(&["close_time", "closetime", "close time"]),
                has_header: true,
            }),
            _ => Err(DataError::at(
                1,
                format!(
                    "missing column{} {} in the header {:?}; expected timestamp,open,high,low,close,volume \
                     or Binance's kline columns",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", "),
                    String::from_utf8_lossy(first_line).trim(),
                ),
            )),
        }
    }
}

/// The comma-separated fields of a line.
pub(crate) fn split(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_the_common_spellings() {
        let l = Layout::detect(b"timestamp,open,high,low,close,volume").unwrap();
        assert_eq!((l.timestamp, l.close, l.volume, l.close_time, l.has_header), (0, 4, Some(5), None, true));
        // pandas' to_csv of backtesting.py's samples: an unnamed index column, capitalised names.
        let l = Layout::detect(b",Open,High,Low,Close,Volume").unwrap();
        assert_eq!((l.timestamp, l.open), (0, 1));
        let l = Layout::detect(b"Date,Close,Open,High,Low").unwrap();
        assert_eq!((l.close, l.open, l.volume, l.min_fields()), (1, 2, None, 5));
        let l = Layout::detect(
            b"open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore",
        )
        .unwrap();
        assert_eq!((l.timestamp, l.close_time, l.min_fields()), (0, Some(6), 7));
    }

    #[test]
    fn binance_rows_without_a_header_are_read_by_position() {
        let l = Layout::detect(b"1499040000000,0.01634790,0.80000000,0.01575800,0.01577100,148976.11427815,1499644799999,2434.19055334,308,1756.87402397,28.46694368,0").unwrap();
        assert_eq!((l.has_header, l.close_time, l.volume), (false, Some(6), Some(5)));
    }

    #[test]
    fn missing_columns_are_named() {
        let e = Layout::detect(b"timestamp,open,low,volume").unwrap_err().to_string();
        assert!(e.starts_with("line 1: missing columns high, close"), "{e}");
        let e = Layout::detect(b"2024-01-01,1,2,3,4").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("volume"), "{e}");
    }
}
