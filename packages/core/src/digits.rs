//! Integers written in decimal ASCII without `format!`: ids built on every decision and fill
//! (decision times, paper trade numbers) use these.

/// `m` in decimal, written into the end of `buf` (20 bytes hold any `u64`); returns the digits.
#[inline]
pub fn u64_digits(m: u64, buf: &mut [u8; 20]) -> &[u8] {
    let at = write_digits(m, buf);
    &buf[at..]
}

/// `n` in decimal, with a `-` if negative, written into the end of `buf`; returns the text.
#[inline]
pub fn i64_digits(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    // At most 19 digits: there is room for the sign.
    let mut at = write_digits(n.unsigned_abs(), buf);
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Writes `m` into the end of `buf` and returns where it starts. Two digits a step from a table,
/// eight at a time in `u32` (a decision id's 13-digit time took 13 dependent 64-bit divisions).
#[inline]
fn write_digits(mut m: u64, buf: &mut [u8; 20]) -> usize {
    let mut at = buf.len();
    while m >= 100_000_000 {
        let mut low = (m % 100_000_000) as u32;
        m /= 100_000_000;
        for _ in 0..4 {
            let pair = (low % 100) as usize * 2;
            low /= 100;
            at -= 2;
            buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        }
    }
    // Below 10^8 now.
    let mut m = m as u32;
    while m >= 100 {
        let pair = (m % 100) as usize * 2;
        m /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if m >= 10 {
        let pair = m as usize * 2;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + m as u8;
    }
    at
}

/// "00" to "99", each pair's two ASCII digits in a row.
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_numbers_are_written_as_format_writes_them() {
        let mut buf = [0u8; 20];
        for m in [0, 9, 10, 99, 100, 12_345_678, 100_000_000, 1_795_000_040_000, u64::MAX] {
            assert_eq!(u64_digits(m, &mut buf), m.to_string().as_bytes(), "{m}");
        }
    }
}
