//! `CsvReader`: streams bars out of a CSV file in fixed-size chunks, so a file of any length is
//! read in constant memory, and checks every line on the way: numbers, prices, the bar's range
//! and strictly increasing time. The first bad line stops the stream with an error naming it.
//!
//! Files without a close-time column get one: the bar's open time plus the data's interval
//! (the smallest gap among the first bars) less 1 ms, cut short where the next bar opens earlier.

use std::collections::VecDeque;
use std::io::Read;

use super::time::{iso, parse_timestamp};
use super::{Bar, DataError, Fixed, Layout, NumberError};

/// Bytes read from the source at a time.
const CHUNK: usize = 256 * 1024;
/// The longest line accepted; anything longer is not a bar. Less than `CHUNK`, so a line always
/// fits the buffer.
const MAX_LINE: usize = 64 * 1024;
/// Bars looked at to find the interval of files without close times.
const INTERVAL_SAMPLE: usize = 64;
/// Fields read from a line at most (Binance's kline rows have 12).
const MAX_FIELDS: usize = 16;

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
        let bar = parse_line(&self.buf[start..end], &self.layout, self.wanted, line)?;
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

/// One line to a bar, with every check that needs only the line itself.
fn parse_line(text: &[u8], layout: &Layout, wanted: usize, line: u64) -> Result<Bar, DataError> {
    let mut fields = [(0u32, 0u32); MAX_FIELDS];
    let mut n = 0;
    let mut start = 0;
    // Only as many fields as the layout reads; the rest of the line is not scanned.
    while n < wanted {
        match find(&text[start..], b',') {
            Some(i) => {
                fields[n] = (start as u32, (start + i) as u32);
                start += i + 1;
                n += 1;
            }
            None => {
                fields[n] = (start as u32, text.len() as u32);
                n += 1;
                break;
            }
        }
    }
    if n < wanted {
        return Err(DataError::at(line, format!("expected at least {wanted} fields, found {n}")));
    }
    let field = |i: usize| {
        let (s, e) = fields[i];
        trim(&text[s as usize..e as usize])
    };
    let time = |i: usize| -> Result<i64, DataError> {
        parse_timestamp(field(i)).map_err(|want| {
            DataError::at(
                line,
                format!("{} {:?} is not {want}", layout.name_of(i), String::from_utf8_lossy(field(i))),
            )
        })
    };
    let open_time = time(layout.timestamp)?;
    let close_time = match layout.close_time {
        Some(i) => {
            let t = time(i)?;
            if t < open_time {
                return Err(DataError::at(
                    line,
                    format!("close time {} is before the open time {}", iso(t), iso(open_time)),
                ));
            }
            t
        }
        None => open_time,
    };
    // Five plain parses, then one check: the error is built out of line, and only when there
    // is one (carrying a `DataError` through each number's `Result` cost more than the parse).
    let columns = [Some(layout.open), Some(layout.high), Some(layout.low), Some(layout.close), layout.volume];
    let mut values = [Fixed::ZERO; 5];
    for (slot, column) in values.iter_mut().zip(columns) {
        if let Some(i) = column {
            match Fixed::parse(field(i)) {
                Ok(v) => *slot = v,
                Err(e) => return Err(number_error(layout, i, field(i), e, line)),
            }
        }
    }
    let [open, high, low, close, volume] = values;
    let bar = Bar { open_time, close_time, open, high, low, close, volume };
    check_bar(&bar, line)?;
    Ok(bar)
}

#[cold]
#[inline(never)]
fn number_error(layout: &Layout, column: usize, text: &[u8], e: NumberError, line: u64) -> DataError {
    let why = match e {
        NumberError::NotANumber => "is not a number",
        NumberError::TooPrecise => "has more digits than can be held exactly (18 significant, 28 decimals)",
    };
    DataError::at(line, format!("{} {:?} {why}", layout.name_of(column), String::from_utf8_lossy(text)))
}

fn check_bar(b: &Bar, line: u64) -> Result<(), DataError> {
    for (name, v) in [("open", b.open), ("high", b.high), ("low", b.low), ("close", b.close)] {
        if !v.is_positive() {
            return Err(DataError::at(line, format!("{name} {v} is not a positive price")));
        }
    }
    if b.volume.is_negative() {
        return Err(DataError::at(line, format!("volume {} is negative", b.volume)));
    }
    if b.high.cmp_value(b.low).is_lt() {
        return Err(DataError::at(line, format!("high {} is below low {}", b.high, b.low)));
    }
    for (name, v) in [("open", b.open), ("close", b.close)] {
        if v.cmp_value(b.high).is_gt() || v.cmp_value(b.low).is_lt() {
            return Err(DataError::at(
                line,
                format!("{name} {v} is outside the bar's range (low {}, high {})", b.low, b.high),
            ));
        }
    }
    Ok(())
}

/// The first `needle` in `hay`, eight bytes at a time (a line is scanned twice, for its end and
/// its commas, and a byte loop was a fifth of the parse).
#[inline]
fn find(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(needle);
    let mut chunks = hay.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in x is a match; this sets its top bit (and no lower byte's falsely).
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|&b| b == needle).map(|i| offset + i)
}

#[inline]
fn trim(f: &[u8]) -> &[u8] {
    // Most fields need nothing: look at the ends before trimming.
    match (f.first(), f.last()) {
        (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => f,
        _ => {
            let f = f.trim_ascii();
            f.strip_prefix(b"\"").and_then(|f| f.strip_suffix(b"\"")).unwrap_or(f)
        }
    }
}

#[cfg(test)]
mod tests;
