//! Loading a large CSV file on two threads: the file is cut at the first line that starts after
//! its middle, each half is parsed by its own reader (the second with the layout and interval the
//! first learnt from the file's start), and the halves are joined (each half's rows stay where
//! its thread wrote them: `Bars` holds rows in up to two pieces), giving the bars one reader
//! would give. Anything the fast path cannot vouch for (a bad line in either half, bars out of
//! order across the cut, too few bars to have learnt the interval, a failed read) makes it give
//! up, and the caller reads the file again on one thread, which names the first bad line as ever:
//! a bad file costs one more read; a good one is parsed in about half the time when both cores
//! are free.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::{Bars, CsvReader};

/// Files smaller than this are read on one thread: a thread costs more than half their parse.
pub(super) const MIN_BYTES: u64 = 4 << 20;
/// Bars the first half must have: the reader learns the interval from the first 64.
const MIN_HEAD_BARS: usize = 64;
/// How far past the middle the cut's newline is looked for (longer than the longest line).
const SEARCH: usize = 128 * 1024;

/// The file's bars read on two threads, or `None` where the caller must read it on one (a file
/// smaller than `min_bytes`, one core, or anything not plainly good).
pub(super) fn load(path: &Path, min_bytes: u64) -> Option<Bars> {
    let size = std::fs::metadata(path).ok()?.len();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if size < min_bytes.max(2) || cores < 2 {
        return None;
    }
    let cut = line_start_after(path, size / 2)?;
    let mut head = CsvReader::new(File::open(path).ok()?.take(cut)).ok()?;
    // The first bar: with it the reader has learnt the interval from the bars after it.
    let first = head.next()?.ok()?;
    let (layout, interval) = (head.layout(), head.interval()?);
    std::thread::scope(|s| {
        let tail = s.spawn(move || -> Option<Bars> {
            let mut file = File::open(path).ok()?;
            file.seek(SeekFrom::Start(cut)).ok()?;
            let mut bars = Bars::default();
            for bar in CsvReader::continuing(file, layout, interval) {
                bars.push_bar(&bar.ok()?);
            }
            Some(bars)
        });
        let mut bars = Bars::default();
        bars.push_bar(&first);
        let mut good = true;
        for bar in head {
            match bar {
                Ok(bar) => bars.push_bar(&bar),
                Err(_) => {
                    good = false;
                    break;
                }
            }
        }
        let rest = tail.join().ok()??;
        if !good || bars.len() < MIN_HEAD_BARS {
            return None;
        }
        // Without close times in the file, the head's last bar closes before the tail's first
        // opens, as one reader would have it.
        bars.append(rest, layout.close_time.is_none()).then_some(bars)
    })
}

/// The offset of the first line that starts after byte `from` (just past its newline), if one
/// does within [`SEARCH`] bytes and before the end.
fn line_start_after(path: &Path, from: u64) -> Option<u64> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = vec![0; SEARCH];
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    let i = buf[..len].iter().position(|&b| b == b'\n')?;
    // A cut at the very end would leave the tail empty: nothing to share.
    Some(from + i as u64 + 1).filter(|&cut| cut < from + len as u64)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        f
    }

    /// `n` one-minute bars, with or without Binance's close-time column; a gap of an hour after
    /// every 97th bar, so that close times are cut short by the next bar now and then.
    fn csv(n: usize, close_times: bool) -> String {
        let mut out = String::new();
        if !close_times {
            out.push_str("timestamp,open,high,low,close,volume\r\n");
        }
        let mut t = 1_704_067_200_000i64;
        for i in 0..n {
            let p = 100 + (i * 7919 % 13) as i64;
            if close_times {
                out.push_str(&format!("{t},{p}.5,{p}.75,{p}.25,{p}.5,{i}.125,{},0,1,0,0,0\n", t + 59_999));
            } else {
                out.push_str(&format!("{t},{p}.5,{p}.75,{p}.25,{p}.5,{i}.125\n"));
            }
            t += if i % 97 == 96 { 3_600_000 } else { 60_000 };
            if i % 50 == 0 {
                out.push('\n');
            }
        }
        out
    }

    fn one_thread(text: &str) -> Result<Bars, String> {
        Bars::read(text.as_bytes()).map_err(|e| e.to_string())
    }

    /// Every bar, as the engine would see it (the halves' rows stay in two pieces).
    fn candles(bars: &Bars) -> Vec<mirai_core::Candle> {
        bars.candles(mirai_core::Symbol::new("BTCUSDT"), 0..bars.len()).collect()
    }

    #[test]
    fn both_halves_give_the_bars_of_one_reader() {
        for close_times in [false, true] {
            for n in [140, 141, 400, 3_001] {
                let text = csv(n, close_times);
                let f = file(&text);
                let got = load(f.path(), 0).unwrap_or_else(|| panic!("{n} bars were not split"));
                let want = one_thread(&text).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(candles(&got), candles(&want), "{n} bars, close times {close_times}");
                // And through the public loader.
                let loaded = Bars::load(f.path()).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(candles(&loaded), candles(&want));
            }
        }
    }

    #[test]
    fn anything_doubtful_is_left_to_one_reader_which_names_the_line() {
        let text = csv(2_000, false);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let bad = |i: usize, with: &str| {
            let mut t = lines.clone();
            t[i] = with;
            t.concat()
        };
        let late = lines.len() * 3 / 4;
        for broken in [
            bad(late, "2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n"), // out of order in the tail
            bad(late, "x,1,2,3\n"),                            // a bad line in the tail
            bad(10, "2024-01-01,1,0.5,2,1,1\n"),               // a bad line in the head
            bad(lines.len() / 2 + 1, lines[lines.len() / 2 - 3]), // a repeat across the cut
        ] {
            let f = file(&broken);
            assert!(load(f.path(), 0).is_none());
            let want = one_thread(&broken).err().unwrap_or_else(|| panic!("accepted"));
            let got = Bars::load(f.path()).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), Some(want.as_str()));
        }
        // Too few bars to have learnt the interval: one reader.
        let f = file(&csv(40, false));
        assert!(load(f.path(), 0).is_none());
        // Small files are not split at all.
        assert!(load(file(&text).path(), MIN_BYTES).is_none());
    }
}
