//! Eight bytes at a time ("SIMD within a register"): the digit runs of a CSV line — prices,
//! volumes, the clock part of a timestamp — checked and turned into integers a word at a time
//! rather than a byte at a time. Written by hand: the number crates (`lexical`, `atoi`, `fast-float`)
//! give floats or plain integers, not a decimal mantissa with its scale, and none reads from a
//! word the caller has already loaded.

use mirai_core::perf::POW10_I64;

use super::Fixed;

/// `'0'` in every byte: XOR-ing a word with it turns digit bytes into their values 0..=9.
pub(super) const ZEROS: u64 = u64::from_le_bytes(*b"00000000");
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const TOP: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `text` from `at`, the first in the lowest byte; bytes past the end read as
/// 0 (not a digit, nor any separator).
#[inline(always)]
pub(super) fn load8(text: &[u8], at: usize) -> u64 {
    match text.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        Some(bytes) => u64::from_le_bytes(*bytes),
        None => load_short(text, at),
    }
}

#[cold]
#[inline(never)]
fn load_short(text: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    let rest = text.get(at..).unwrap_or_default();
    let n = rest.len().min(8);
    word[..n].copy_from_slice(&rest[..n]);
    u64::from_le_bytes(word)
}

/// For `x = word ^ ZEROS`: the top bit of every byte that was not a digit. A digit's byte is at
/// most 9 and `+ 0x76` leaves it below 0x80; any other value reaches it (and the low seven bits
/// alone never carry into the next byte).
#[inline(always)]
pub(super) fn non_digits(x: u64) -> u64 {
    ((x & LOW7).wrapping_add(0x7676_7676_7676_7676) | x) & TOP
}

/// How many digits `x` (`word ^ ZEROS`) starts with, 0..=8.
#[inline(always)]
pub(super) fn leading_digits(x: u64) -> usize {
    (non_digits(x).trailing_zeros() / 8) as usize
}

/// The value of the first `n` (1..=8) digit bytes of `x` (`word ^ ZEROS`), the first the most
/// significant: the digits are moved to the top (zeros in front) and combined pairwise with three
/// multiplies (Lemire's eight-digit method).
#[inline(always)]
pub(super) fn digits_value(x: u64, n: usize) -> u64 {
    debug_assert!((1..=8).contains(&n));
    let v = x << (8 * (8 - n));
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let hi = (v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let lo = ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    hi.wrapping_add(lo) >> 32
}

/// A plain decimal `digits[.digits]` at `at`, ending at a comma or at `end`, as `Fixed::parse`
/// would read it, and where it ends; `None` for anything else (a sign, an exponent, quotes,
/// spaces, eight or more whole digits, more than eight decimals), which the caller reads with the
/// general parser. At most 7 + 8 digits: the mantissa is far below the general parser's limit.
#[inline(always)]
pub(super) fn short_decimal(text: &[u8], at: usize, end: usize) -> Option<(Fixed, usize)> {
    let x = load8(text, at) ^ ZEROS;
    let flags = non_digits(x);
    let n = (flags.trailing_zeros() / 8) as usize;
    if n == 0 || n == 8 {
        return None;
    }
    // `'.' ^ '0'` is 0x1E.
    let (fixed, stop) = if (x >> (8 * n)) & 0xFF != 0x1E {
        (Fixed { mantissa: digits_value(x, n) as i64, scale: 0 }, at + n)
    } else {
        // The point's flag cleared, the next flag is the field's end: when it is within the
        // word, the digits either side of the point are joined (the point taken out) and read
        // as one run.
        let rest = flags & !(0x80 << (8 * n));
        let e = (rest.trailing_zeros() / 8) as usize;
        if e < 8 {
            let below = (1u64 << (8 * n)) - 1;
            let joined = (x & below) | ((x >> 8) & !below);
            let digits = e - 1;
            (Fixed { mantissa: digits_value(joined, digits) as i64, scale: (digits - n) as u32 }, at + e)
        } else {
            let whole = digits_value(x, n);
            let x = load8(text, at + n + 1) ^ ZEROS;
            let f = leading_digits(x);
            let mantissa = if f == 0 { whole } else { whole * POW10_I64[f] as u64 + digits_value(x, f) };
            (Fixed { mantissa: mantissa as i64, scale: f as u32 }, at + n + 1 + f)
        }
    };
    // The field must end here: at the line's end or a comma (anything else, or a ninth decimal,
    // is for the general parser).
    if stop == end || (stop < end && text[stop] == b',') { Some((fixed, stop)) } else { None }
}

/// `HH:MM:SS` at the start of `word`, as milliseconds into the day; `None` unless each part is
/// two digits, the separators are colons and the time is real (`24:00:00` is not).
#[inline(always)]
pub(super) fn time_of_day(word: u64) -> Option<i64> {
    // Colons XOR colons are 0, which the digit test takes as the digit 0: checked apart.
    const COLONS: u64 = 0x0000_FF00_00FF_0000;
    let x = word ^ u64::from_le_bytes(*b"00:00:00");
    if non_digits(x) != 0 || x & COLONS != 0 {
        return None;
    }
    // Each byte becomes ten times itself plus the next: bytes 0, 3 and 6 hold HH, MM and SS.
    let v = x.wrapping_mul(10).wrapping_add(x >> 8);
    let (h, m, s) = (v & 0xFF, (v >> 24) & 0xFF, (v >> 48) & 0xFF);
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + s) as i64 * 1_000)
}

/// The first `needle` in `hay`, eight bytes at a time (a line is scanned twice, for its end and
/// its commas, and a byte loop was a fifth of the parse).
#[inline]
pub(super) fn find(hay: &[u8], needle: u8) -> Option<usize> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn x(text: &[u8]) -> u64 {
        load8(text, 0) ^ ZEROS
    }

    #[test]
    fn digit_runs_and_values() {
        for (text, n, v) in
            [(&b"12345678"[..], 8, 12_345_678), (b"100.06,9", 3, 100), (b"7", 1, 7), (b"0009:", 4, 9)]
        {
            assert_eq!(leading_digits(x(text)), n, "{text:?}");
            assert_eq!(digits_value(x(text), n), v, "{text:?}");
        }
        for text in [&b""[..], b".5", b"-1", b"/0", b":0", b"\x800", b"\xB00"] {
            assert_eq!(leading_digits(x(text)), 0, "{text:?}");
        }
    }

    #[test]
    fn short_decimals_end_at_a_comma_or_the_line_s_end() {
        let line = b"100.06,99.84,5.,76.90800000,0.123456789,1e5,12345678,+1";
        let at = |s: &str| line.windows(s.len()).position(|w| w == s.as_bytes()).unwrap_or(0);
        let f = |m, scale| Fixed { mantissa: m, scale };
        assert_eq!(short_decimal(line, 0, line.len()), Some((f(10_006, 2), 6)));
        assert_eq!(short_decimal(line, 7, line.len()), Some((f(9_984, 2), 12)));
        assert_eq!(short_decimal(line, 13, line.len()), Some((f(5, 0), 15)));
        assert_eq!(short_decimal(line, 16, line.len()), Some((f(7_690_800_000, 8), 27)));
        // Digits running past the line's end are left to the general parser.
        assert_eq!(short_decimal(line, 16, 21), None);
        for bad in ["0.123456789", "1e5", "12345678", "+1"] {
            assert_eq!(short_decimal(line, at(bad), line.len()), None, "{bad}");
        }
    }

    #[test]
    fn times_of_day() {
        let t = |s: &[u8]| time_of_day(load8(s, 0));
        assert_eq!(t(b"00:01:00"), Some(60_000));
        assert_eq!(t(b"23:59:59"), Some(86_399_000));
        for bad in [&b"24:00:00"[..], b"10:60:00", b"10:00:60", b"10-00:00", b"1:00:000", b"10:0a:00"] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }

    proptest! {
        /// The word method agrees with a byte loop on every run of digits and whatever follows.
        #[test]
        fn digits_agree_with_a_byte_loop(bytes in proptest::collection::vec(any::<u8>(), 0..10)) {
            let x = x(&bytes);
            let n = bytes.iter().take(8).take_while(|b| b.is_ascii_digit()).count();
            prop_assert_eq!(leading_digits(x), n);
            if n > 0 {
                let want = bytes[..n].iter().fold(0u64, |a, d| a * 10 + u64::from(d - b'0'));
                prop_assert_eq!(digits_value(x, n), want);
            }
        }
    }
}
