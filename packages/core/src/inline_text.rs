//! `InlineText`: a short text kept inside the value instead of on the heap, so the ids every
//! decision and order carries are built, cloned and dropped without an allocation.
//!
//! Written here rather than taken from `arrayvec` (`ArrayString`), which was tried: its API takes
//! only `&str`, so the ASCII digits an id is built from must first pass `str::from_utf8` (this
//! workspace forbids `unsafe`), a cost measured in docs/benchmarks.md. Appending whole `str`s or
//! ASCII bytes keeps this type's text valid UTF-8 by construction, and readers check it once
//! (`as_str`).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// Up to `N` (at most 255) bytes of UTF-8, zero-padded. Only whole `str`s are ever appended, so
/// the bytes are always valid UTF-8.
#[derive(Clone, Copy)]
pub(crate) struct InlineText<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> InlineText<N> {
    pub(crate) const EMPTY: Self = Self { len: 0, bytes: [0; N] };

    /// `parts` joined, if they fit.
    #[inline]
    pub(crate) fn join(parts: &[&[u8]]) -> Option<Self> {
        let total: usize = parts.iter().map(|p| p.len()).sum();
        if total > N || total > usize::from(u8::MAX) {
            return None;
        }
        let mut t = Self::EMPTY;
        let mut at = 0;
        for p in parts {
            t.bytes[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        t.len = total as u8;
        Some(t)
    }

    /// Appends `bytes` (whole UTF-8 text) if they fit; `false`, leaving the text as it was, if not.
    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8]) -> bool {
        let at = usize::from(self.len);
        let end = at + bytes.len();
        if end > N || end > usize::from(u8::MAX) {
            return false;
        }
        self.bytes[at..end].copy_from_slice(bytes);
        self.len = end as u8;
        true
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The text. Checked rather than assumed valid (no `unsafe` here); only readers pay for it,
    /// never the code that builds, compares or hashes an id.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl<const N: usize> std::fmt::Debug for InlineText<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Text equality. The padding is always zero, so equal texts have equal arrays, which compare
/// as a few wide loads (the engine and the paper exchange compare a symbol on every event).
impl<const N: usize> PartialEq for InlineText<N> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.bytes == other.bytes
    }
}

impl<const N: usize> Eq for InlineText<N> {}

/// The order of the texts as strings (byte order is UTF-8's code point order).
impl<const N: usize> Ord for InlineText<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl<const N: usize> PartialOrd for InlineText<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Hashes exactly as the same text in a `String` does (`str`'s hash: the bytes, then `0xff`).
impl<const N: usize> Hash for InlineText<N> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_text(self.as_bytes(), state);
    }
}

/// Text kept inline up to `N` bytes (every id the engine and the paper exchange build) and on the
/// heap beyond (a stored id, a long strategy name): the ids that used to be `String`s, without an
/// allocation each. Compares, orders and hashes as its text, whichever form it has.
#[derive(Clone)]
pub(crate) enum SpillText<const N: usize> {
    Inline(InlineText<N>),
    Heap(Box<str>),
}

impl<const N: usize> SpillText<N> {
    /// `parts` joined, inline if they fit; `None` if not (the caller builds the heap form).
    #[inline]
    pub(crate) fn join(parts: &[&[u8]]) -> Option<Self> {
        InlineText::join(parts).map(Self::Inline)
    }

    /// `s`, inline if it fits, else on the heap in `s`'s own allocation.
    pub(crate) fn from_string(s: String) -> Self {
        Self::join(&[s.as_bytes()]).unwrap_or_else(|| Self::Heap(s.into_boxed_str()))
    }

    /// `s`, inline if it fits, else copied to the heap.
    pub(crate) fn from_str(s: &str) -> Self {
        Self::join(&[s.as_bytes()]).unwrap_or_else(|| Self::Heap(s.into()))
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Inline(t) => t.as_str(),
            Self::Heap(s) => s,
        }
    }

    /// The text's bytes (UTF-8), without the check `as_str` makes.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline(t) => t.as_bytes(),
            Self::Heap(s) => s.as_bytes(),
        }
    }
}

impl<const N: usize> PartialEq for SpillText<N> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> Eq for SpillText<N> {}

impl<const N: usize> Ord for SpillText<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl<const N: usize> PartialOrd for SpillText<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// As the same text in a `String`.
impl<const N: usize> Hash for SpillText<N> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_text(self.as_bytes(), state);
    }
}

/// `str`'s `Hash`, from bytes known to be UTF-8.
#[inline]
pub(crate) fn hash_text<H: Hasher>(bytes: &[u8], state: &mut H) {
    state.write(bytes);
    state.write_u8(0xff);
}
