//! The common line read in one pass: fields taken in order, each number read a word at a time
//! (`swar`), the timestamp's date looked up from the line before (a one-minute file has the same
//! date on 1,440 lines in a row). Whatever this path does not vouch for — a field of an unusual
//! form, too few fields, a bad value, a bar that fails a check — it hands back (`None`), and the
//! general parser (`line`) reads the line and words the error, so values and messages are the
//! general parser's by construction: this path only ever returns the bar that one would.

use super::line::{MAX_FIELDS, trim};
use super::swar::{digits_value, find, load8, non_digits, short_decimal, time_of_day};
use super::time::{MS_PER_DAY, days_from_civil, days_in_month, parse_timestamp};
use super::{Bar, Fixed, Layout};

/// What the fast path does with a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Skip,
    /// The open time (0) or the close time (1).
    Time(u8),
    /// Open, high, low, close, volume: 0..=4.
    Value(u8),
}

/// The layout as a role per field, worked out once per file.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    roles: [Role; MAX_FIELDS],
    /// Fields read; 0 when the layout is one the fast path leaves alone.
    wanted: usize,
    close_time: bool,
}

impl Plan {
    pub(super) fn new(layout: &Layout, wanted: usize) -> Self {
        let mut roles = [Role::Skip; MAX_FIELDS];
        let columns = [
            (Some(layout.timestamp), Role::Time(0)),
            (layout.close_time, Role::Time(1)),
            (Some(layout.open), Role::Value(0)),
            (Some(layout.high), Role::Value(1)),
            (Some(layout.low), Role::Value(2)),
            (Some(layout.close), Role::Value(3)),
            (layout.volume, Role::Value(4)),
        ];
        let mut usable = wanted <= MAX_FIELDS;
        for (column, role) in columns {
            if let Some(i) = column {
                // Two roles for one field (or one past those read): the general parser's case.
                match roles.get_mut(i).filter(|_| i < wanted) {
                    Some(slot) if *slot == Role::Skip => *slot = role,
                    _ => usable = false,
                }
            }
        }
        Self { roles, wanted: if usable { wanted } else { 0 }, close_time: layout.close_time.is_some() }
    }
}

/// The last date seen (`YYYY-MM-DDT`, as loaded from the line) and its midnight: a line whose
/// first eleven bytes are the same has the same day, with nothing to parse or check. Only a date
/// that was parsed and found real is ever remembered.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DateCache {
    key: Option<(u64, u64)>,
    midnight: i64,
}

impl DateCache {
    /// The midnight of the date in `a` (bytes 0..8) and the low three bytes of `b` (8..11).
    #[inline(always)]
    fn midnight(&mut self, a: u64, b: u64) -> Option<i64> {
        let b = b & 0xFF_FFFF;
        if self.key == Some((a, b)) { Some(self.midnight) } else { self.learn(a, b) }
    }

    #[inline(never)]
    fn learn(&mut self, a: u64, b: u64) -> Option<i64> {
        // Separators XOR themselves are 0, which the digit test passes: checked apart.
        let x = a ^ u64::from_le_bytes(*b"0000-00-");
        let y = b ^ u64::from_le_bytes(*b"00T\0\0\0\0\0");
        if non_digits(x) != 0 || non_digits(y) != 0 || x & 0xFF00_00FF_0000_0000 != 0 || y & 0xFF_0000 != 0 {
            return None;
        }
        let byte = |w: u64, i: u32| ((w >> (8 * i)) & 0xFF) as i64;
        let year = digits_value(x, 4) as i64;
        let (month, day) = (byte(x, 5) * 10 + byte(x, 6), byte(y, 0) * 10 + byte(y, 1));
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        self.midnight = days_from_civil(year, month, day) * MS_PER_DAY;
        self.key = Some((a, b));
        Some(self.midnight)
    }
}

/// The bar of the line `text[..end]` (`text` may run on past the line: the bytes after it are
/// only looked at, never taken as part of it), or `None` where the general parser must read it.
#[inline]
pub(super) fn parse(text: &[u8], end: usize, plan: &Plan, dates: &mut DateCache) -> Option<Bar> {
    if plan.wanted == 0 {
        return None;
    }
    let mut at = 0;
    let mut times = [0i64; 2];
    let mut values = [Fixed::ZERO; 5];
    for (k, role) in plan.roles[..plan.wanted].iter().enumerate() {
        let stop = match *role {
            Role::Value(slot) => {
                let (v, stop) = short_decimal(text, at, end).or_else(|| any_number(text, at, end))?;
                values[usize::from(slot)] = v;
                stop
            }
            Role::Time(which) => {
                let (t, stop) = iso_z(text, at, end, dates).or_else(|| any_time(text, at, end))?;
                times[usize::from(which)] = t;
                stop
            }
            Role::Skip => field_end(text, at, end),
        };
        // Each field ends at a comma or the line's end; the line's end before the last field
        // read is too few fields.
        if stop < end {
            at = stop + 1;
        } else if k + 1 < plan.wanted {
            return None;
        }
    }
    let [open_time, close] = times;
    let close_time = if plan.close_time { close } else { open_time };
    let [open, high, low, close, volume] = values;
    let bar = Bar { open_time, close_time, open, high, low, close, volume };
    plausible(&bar).then_some(bar)
}

/// `check_bar` without its messages. The four prices are put on one scale first, so that each
/// comparison is one of integers (`cmp_value` widens to `i128` whenever scales differ, as "100"
/// and "100.11" do); all prices are at least the low, so the low alone need be positive. Prices
/// too precise for one `i64` scale are left to the general parser, which checks them anyway.
#[inline(always)]
fn plausible(b: &Bar) -> bool {
    if b.close_time < b.open_time || b.volume.is_negative() {
        return false;
    }
    let scale = b.open.scale.max(b.high.scale).max(b.low.scale).max(b.close.scale);
    match [b.open, b.high, b.low, b.close].map(|v| v.at_scale(scale)) {
        [Some(o), Some(h), Some(l), Some(c)] => {
            0 < l && l <= h && (l..=h).contains(&o) && (l..=h).contains(&c)
        }
        _ => false,
    }
}

/// `2024-01-02T03:04:05Z` or `2024-01-02T03:04:05.678Z` at `at`, ending at a comma or `end`.
#[inline(always)]
fn iso_z(text: &[u8], at: usize, end: usize, dates: &mut DateCache) -> Option<(i64, usize)> {
    let (a, b, c) = (load8(text, at), load8(text, at + 8), load8(text, at + 16));
    let midnight = dates.midnight(a, b)?;
    // Bytes 11..19: `HH:MM:SS`, the last five of `b` and the first three of `c`.
    let clock = time_of_day((b >> 24) | (c << 40))?;
    let (millis, len) = match (c >> 24) as u8 {
        b'Z' => (0, 20),
        b'.' => {
            // Bytes 20..24: three digits and `Z` (which XOR `Z` is 0, checked apart).
            let x = (c >> 32) ^ u64::from_le_bytes(*b"000Z\0\0\0\0");
            if non_digits(x) != 0 || x >> 24 != 0 {
                return None;
            }
            (digits_value(x, 3) as i64, 24)
        }
        _ => return None,
    };
    let stop = at + len;
    (stop == end || (stop < end && text[stop] == b',')).then_some((midnight + clock + millis, stop))
}

/// Where the field at `at` ends: the next comma, or the line's end.
#[inline(always)]
fn field_end(text: &[u8], at: usize, end: usize) -> usize {
    at + find(&text[at..end], b',').unwrap_or(end - at)
}

/// Any number the general parser takes (`None` for what it refuses: it words the error).
#[inline(never)]
fn any_number(text: &[u8], at: usize, end: usize) -> Option<(Fixed, usize)> {
    let stop = field_end(text, at, end);
    Fixed::parse(trim(&text[at..stop])).ok().map(|v| (v, stop))
}

/// Any timestamp the general parser takes.
#[inline(never)]
fn any_time(text: &[u8], at: usize, end: usize) -> Option<(i64, usize)> {
    let stop = field_end(text, at, end);
    parse_timestamp(trim(&text[at..stop])).ok().map(|t| (t, stop))
}

#[cfg(test)]
mod tests;
