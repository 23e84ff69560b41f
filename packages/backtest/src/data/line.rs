//! One line to a bar by the general parser: every form a field may take (quotes, spaces, signs,
//! exponents, any timestamp form), and the message for whatever is wrong. The common line is read
//! faster by `fast_line`, which falls back to this one for anything it does not vouch for.

use super::swar::find;
use super::time::{iso, parse_timestamp};
use super::{Bar, DataError, Fixed, Layout, NumberError};

/// Fields read from a line at most (Binance's kline rows have 12).
pub(super) const MAX_FIELDS: usize = 16;

/// One line to a bar, with every check that needs only the line itself.
pub(super) fn parse_line(text: &[u8], layout: &Layout, wanted: usize, line: u64) -> Result<Bar, DataError> {
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

pub(super) fn check_bar(b: &Bar, line: u64) -> Result<(), DataError> {
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

#[inline]
pub(super) fn trim(f: &[u8]) -> &[u8] {
    // Most fields need nothing: look at the ends before trimming.
    match (f.first(), f.last()) {
        (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => f,
        _ => {
            let f = f.trim_ascii();
            f.strip_prefix(b"\"").and_then(|f| f.strip_suffix(b"\"")).unwrap_or(f)
        }
    }
}
