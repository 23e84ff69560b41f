//! `CsvReader`: streams bars out of a CSV file in fixed-size chunks, so a file of any length is
//! read in constant memory, and checks every line on the way: numbers, prices, the bar's range
//! and strictly increasing time. The first bad line stops the stream with an error naming it.
//!
//! Files without a close-time column get one: the bar's open time plus the data's interval
//! (the smallest gap among the first bars) less 1 ms, cut short where the next bar opens earlier.

use std::collections::VecDeque;
use std::io::Read;

use super::fast_line::{self, DateCache, Plan};
use super::line::{MAX_FIELDS, parse_line};
use super::swar::find;
use super::time::iso;
use super::{Bar, DataError, Layout};

/// Bytes read from the source at a time.
const CHUNK: usize = 256 * 1024;
/// The longest line accepted; anything longer is not a bar. Less than `CHUNK`, so a line always
/// fits the buffer.
const MAX_LINE: usize = 64 * 1024;
/// Bars looked at to find the interval of files without close times.
const INTERVAL_SAMPLE: usize = 64;

#[derive(Debug)]
pub struct CsvReader<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    line: u64,
    consumed: u64,
    layout: Layout,
    /// `layout.min_fields()`, kept: the line parser needs it for every line.
    wanted: usize,
    /// The layout as the fast line parser reads it.
    plan: Plan,
    dates: DateCache,
    prev: Option<(i64, u64)>,
    queue: VecDeque<(Bar, u64)>,
    emitted_line: u64,
    interval: Option<i64>,
    failed: Option<DataError>,
    finished: bool,
    /// Reading the rest of a file from a line inside it ([`CsvReader::continuing`]): no header,
    /// and no bars is no error.
    continuing: bool,
}

impl<R: Read> CsvReader<R> {
    /// Reads the header (or the first bar) to learn the layout.
    pub fn new(src: R) -> Result<Self, DataError> {
        let mut r =
            Self::at_line_start(src, Layout::detect(b"timestamp,open,high,low,close,volume")?, None, false);
        let Some((start, end)) = r.next_line()? else {
            return Err(DataError::File("the file is empty: expected a header and bars".into()));
        };
        let mut first = &r.buf[start..end];
        if let Some(rest) = first.strip_prefix(b"\xEF\xBB\xBF") {
            first = rest;
        }
        r.layout = Layout::detect(first)?;
        r.wanted = r.layout.min_fields().min(MAX_FIELDS);
        r.plan = Plan::new(&r.layout, r.wanted);
        if !r.layout.has_header {
            // The first line was a bar: read it again as one.
            r.consumed -= (r.pos - start) as u64;
            r.pos = start;
            r.line -= 1;
        }
        if r.layout.close_time.is_some() {
            r.interval = Some(0);
        }
        Ok(r)
    }

    /// Reads the rest of a file from `src`, which starts at the start of a line after the first
    /// bar, as a reader of the whole file would with `layout` and `interval` (what it learnt from
    /// the file's start: [`CsvReader::interval`]). Line numbers count from `src`'s start, the
    /// first bar's time is not compared with the bar before it, and its close time is the bar's
    /// own: the caller, who has the bars before, checks and joins the two.
    pub(crate) fn continuing(src: R, layout: Layout, interval: i64) -> Self {
        Self::at_line_start(src, layout, Some(interval), true)
    }

    /// A reader at the start of `src`, nothing read yet.
    fn at_line_start(src: R, layout: Layout, interval: Option<i64>, continuing: bool) -> Self {
        Self {
            src,
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            eof: false,
            line: 0,
            consumed: 0,
            layout,
            wanted: layout.min_fields().min(MAX_FIELDS),
            plan: Plan::new(&layout, layout.min_fields().min(MAX_FIELDS)),
            dates: DateCache::default(),
            prev: None,
            queue: VecDeque::new(),
            emitted_line: 0,
            interval,
            failed: None,
            finished: false,
            continuing,
        }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The interval the close times of a file without them are worked out from, once the
    /// first bar has been returned (0 for files with close times).
    pub(crate) fn interval(&self) -> Option<i64> {
        self.interval
    }

    /// The line of the bar the iterator returned last.
    pub fn last_line(&self) -> u64 {
        self.emitted_line
    }

    /// Bytes of the source consumed so far, for progress.
    pub fn bytes_read(&self) -> u64 {
        self.consumed
    }

    /// The next line's byte range in `buf`, without its line ending; blank lines are skipped.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, DataError> {
        loop {
            let found = find(&self.buf[self.pos..self.len], b'\n');
            let (start, end, next) = match found {
                Some(i) => (self.pos, self.pos + i, self.pos + i + 1),
                None if self.eof => {
                    if self.pos == self.len {
                        return Ok(None);
                    }
                    (self.pos, self.len, self.len)
                }
                None => {
                    self.refill()?;
                    continue;
                }
            };
            self.consumed += (next - self.pos) as u64;
            self.pos = next;
            self.line += 1;
            let end = if end > start && self.buf[end - 1] == b'\r' { end - 1 } else { end };
            if self.buf[start..end].iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((start, end)));
        }
    }

    fn refill(&mut self) -> Result<(), DataError> {
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        self.pos = 0;
        // What is left is the start of one line with no end yet.
        if self.len > MAX_LINE {
            return Err(DataError::at(self.line + 1, format!("longer than {MAX_LINE} bytes")));
        }
        loop {
            match self.src.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(DataError::File(format!("read failed after line {}: {e}", self.line))),
            }
        }
    }

    /// Parses and checks the next bar, with no close time yet when the file has none.
    fn read_bar(&mut self) -> Result<Option<Bar>, DataError> {
        let Some((start, end)) = self.next_line()? else { return Ok(None) };
        let line = self.line;
        // The fast path sees the buffer past the line (it loads eight bytes at a time, and the
        // line's last field is usually within eight of its end) but reads no field past `end`.
        let fast = fast_line::parse(&self.buf[start..self.len], end - start, &self.plan, &mut self.dates);
        let bar = match fast {
            Some(bar) => bar,
            None => parse_line(&self.buf[start..end], &self.layout, self.wanted, line)?,
        };
        if let Some((prev, prev_line)) = self.prev {
            if bar.open_time == prev {
                return Err(DataError::at(
                    line,
                    format!("duplicate timestamp {} (line {prev_line} has the same)", iso(prev)),
                ));
            }
            if bar.open_time < prev {
                return Err(DataError::at(
                    line,
                    format!(
                        "timestamp {} is earlier than line {prev_line}'s {}: bars must be in time order",
                        iso(bar.open_time),
                        iso(prev)
                    ),
                ));
            }
        }
        self.prev = Some((bar.open_time, line));
        Ok(Some(bar))
    }

    /// Reads into the queue until it holds `want` bars, the file ends, or a line fails.
    fn fill(&mut self, want: usize) {
        while self.queue.len() < want && self.failed.is_none() && !self.finished {
            match self.read_bar() {
                Ok(Some(bar)) => self.queue.push_back((bar, self.line)),
                Ok(None) => self.finished = true,
                Err(e) => self.failed = Some(e),
            }
        }
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = Result<Bar, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        let interval = match self.interval {
            Some(i) => i,
            None => {
                self.fill(INTERVAL_SAMPLE);
                let i = smallest_gap(&self.queue).unwrap_or(1);
                self.interval = Some(i);
                i
            }
        };
        if self.layout.close_time.is_some() {
            self.fill(1);
        } else {
            self.fill(2);
        }
        match self.queue.pop_front() {
            Some((mut bar, line)) => {
                if self.layout.close_time.is_none() {
                    let own = bar.open_time + interval - 1;
                    bar.close_time = self.queue.front().map_or(own, |(next, _)| own.min(next.open_time - 1));
                }
                self.emitted_line = line;
                Some(Ok(bar))
            }
            None => {
                if self.prev.is_none() && self.failed.is_none() && !self.continuing {
                    self.prev = Some((0, 0));
                    return Some(Err(DataError::File(
                        "no bars: the file has a header and nothing else".into(),
                    )));
                }
                self.failed.take().map(Err)
            }
        }
    }
}

fn smallest_gap(bars: &VecDeque<(Bar, u64)>) -> Option<i64> {
    bars.iter().zip(bars.iter().skip(1)).map(|((a, _), (b, _))| b.open_time - a.open_time).min()
}

#[cfg(test)]
mod tests;
