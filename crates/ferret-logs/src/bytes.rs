//! Byte and word helpers shared by the parsers and the detector: literal compares and
//! substring searches tuned for short log fields, little-endian word loads, byte classes, and
//! decimal readers. Each has a naive reference in the tests (`tests/logs/bytes.rs` checks
//! them against `iter().position`, `starts_with`, `str::parse`).
//!
//! How the fast paths work is in `docs/logs.md`.

use memchr::memmem;

/// Equality of two byte strings without a `bcmp` call: a needle is a literal, so its words
/// fold to constants and the comparison is a few word compares (overlapping at the end).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = b.len();
    if a.len() != n {
        return false;
    }
    if n < 8 {
        // two overlapping 4-byte words (no `bcmp` call for a needle like ` from `)
        if n >= 4 {
            let w = |x: &[u8], i: usize| {
                x.get(i..i + 4)
                    .and_then(|s| <[u8; 4]>::try_from(s).ok())
                    .map(u32::from_le_bytes)
            };
            return w(a, 0) == w(b, 0) && w(a, n - 4) == w(b, n - 4);
        }
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// `strip_prefix` / `strip_suffix` / `starts_with` / `ends_with` for literal needles, through
/// [`same_bytes`].
pub(crate) trait Lit {
    fn pre(&self, p: &[u8]) -> Option<&[u8]>;
    fn suf(&self, p: &[u8]) -> Option<&[u8]>;
    fn starts(&self, p: &[u8]) -> bool;
    fn ends(&self, p: &[u8]) -> bool;
}
impl Lit for [u8] {
    #[inline]
    fn pre(&self, p: &[u8]) -> Option<&[u8]> {
        if self.starts(p) {
            self.get(p.len()..)
        } else {
            None
        }
    }
    #[inline]
    fn suf(&self, p: &[u8]) -> Option<&[u8]> {
        if self.ends(p) {
            self.get(..self.len() - p.len())
        } else {
            None
        }
    }
    #[inline]
    fn starts(&self, p: &[u8]) -> bool {
        self.get(..p.len()).is_some_and(|h| same_bytes(h, p))
    }
    #[inline]
    fn ends(&self, p: &[u8]) -> bool {
        self.len()
            .checked_sub(p.len())
            .and_then(|i| self.get(i..))
            .is_some_and(|h| same_bytes(h, p))
    }
}

/// Substring search tuned for log lines: short haystacks, short needles. Building a
/// `memmem::Finder` per call costs more than the search itself here. Candidates are found by
/// the needle's first non-space byte and the one after it (` from ` is searched by its `fr`),
/// eight positions at a time ([`pair_mask`]): spaces are the most frequent byte of a log line,
/// so anchoring on one would check nearly every word.
#[inline]
fn anchor(n: &[u8]) -> Option<(usize, u8)> {
    n.iter()
        .position(|c| *c != b' ')
        .or(if n.is_empty() { None } else { Some(0) })
        .and_then(|k| Some((k, *n.get(k)?)))
}
#[inline(always)]
#[allow(clippy::inline_always)] // the anchor must fold to constants
pub(crate) fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    // The anchor folds to constants for a literal needle; the search is shared.
    let (k, a) = anchor(n)?;
    if h.len() > 64 {
        return long_find(h, n, k, a);
    }
    // `b` is the byte after the anchor, or (for a one-byte anchor) the anchor again.
    let (b, d) = n.get(k + 1).map_or((a, 0), |b| (*b, 1));
    find_short(h, n, k, a, b, d)
}
#[inline(always)]
#[allow(clippy::inline_always)] // as `find`
pub(crate) fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    let (k, a) = anchor(n)?;
    if h.len() > 64 {
        return long_rfind(h, n, k, a);
    }
    let (b, d) = n.get(k + 1).map_or((a, 0), |b| (*b, 1));
    rfind_short(h, n, k, a, b, d)
}
/// [`find`] above 64 bytes: the vector `memchr` for the anchor byte, `memmem` above 512.
#[inline(never)]
fn long_find(h: &[u8], n: &[u8], k: usize, a: u8) -> Option<usize> {
    if h.len() > 512 {
        return memmem::find(h, n);
    }
    memchr::memchr_iter(a, h.get(k..)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
/// [`rfind`] above 64 bytes.
#[inline(never)]
fn long_rfind(h: &[u8], n: &[u8], k: usize, a: u8) -> Option<usize> {
    if h.len() > 512 {
        return memmem::rfind(h, n);
    }
    let last = h.len().checked_sub(n.len())?;
    memchr::memrchr_iter(a, h.get(k..=last + k)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
/// Whether `n` occurs in `h` with its anchor (index `k`) at `p`: the needle's start.
#[inline]
fn needle_at(h: &[u8], n: &[u8], k: usize, p: usize) -> Option<usize> {
    let i = p.checked_sub(k)?;
    h.get(i..i + n.len())
        .is_some_and(|x| same_bytes(x, n))
        .then_some(i)
}
/// [`find`] up to 64 bytes: candidates where the anchor byte `a` is followed `d` bytes later
/// by `b`, eight positions at a time.
#[inline]
fn find_short(h: &[u8], n: &[u8], k: usize, a: u8, b: u8, d: usize) -> Option<usize> {
    let Some(last) = h.len().checked_sub(8 + d) else {
        return (0..h.len())
            .filter(|&p| h.get(p) == Some(&a))
            .find_map(|p| needle_at(h, n, k, p));
    };
    // Words at 0, 8, ... and a last one ending at the end (overlapping positions already
    // checked fail again).
    let mut i = 0;
    loop {
        let i0 = i.min(last);
        let mut m = pair_mask(h, i0, a, b, d).unwrap_or(0);
        while m != 0 {
            if let Some(r) = needle_at(h, n, k, i0 + lane(m)) {
                return Some(r);
            }
            m &= m - 1;
        }
        if i0 == last {
            return None;
        }
        i += 8;
    }
}
/// [`rfind`] up to 64 bytes, right to left.
#[inline]
fn rfind_short(h: &[u8], n: &[u8], k: usize, a: u8, b: u8, d: usize) -> Option<usize> {
    let Some(mut i) = h.len().checked_sub(8 + d) else {
        return (0..h.len())
            .rev()
            .filter(|&p| h.get(p) == Some(&a))
            .find_map(|p| needle_at(h, n, k, p));
    };
    // Words ending at the end, 8 bytes further left each, and a first one at 0.
    loop {
        let mut m = pair_mask(h, i, a, b, d).unwrap_or(0);
        while m != 0 {
            let hi = 63 - m.leading_zeros() as usize;
            if let Some(r) = needle_at(h, n, k, i + hi / 8) {
                return Some(r);
            }
            m &= !(1u64 << hi);
        }
        if i == 0 {
            return None;
        }
        i = i.saturating_sub(8);
    }
}

pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

/// The first (up to) 8 bytes of `b` as a little-endian word, zero-padded: the same value as
/// shifting the bytes in one by one, in two overlapping loads (no loop, no `memcpy` call).
#[inline]
pub(crate) fn load_le(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |k: usize| {
        u64::from(u32::from_le_bytes(
            b.get(k..k + 4)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        ))
    };
    let u8_at = |k: usize| u64::from(b.get(k).copied().unwrap_or_default());
    if n >= 8 {
        u64::from_le_bytes(
            b.get(..8)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        )
    } else if n >= 4 {
        // Bytes 0..4 and n-4..n overlap on equal bytes.
        u32_at(0) | (u32_at(n - 4) << (8 * (n - 4)))
    } else if n > 0 {
        u8_at(0) | (u8_at(n / 2) << (8 * (n / 2))) | (u8_at(n - 1) << (8 * (n - 1)))
    } else {
        0
    }
}

/// The 8 bytes of `h` at `i` as a little-endian word; `None` past the end.
#[inline]
pub(crate) fn word(h: &[u8], i: usize) -> Option<u64> {
    let b: [u8; 8] = h.get(i..i.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}
/// `0x80` in every byte of `x` that is zero, `0` in the others (exact: no carries between
/// bytes).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !((((x & !HI).wrapping_add(!HI)) | x) | !HI)
}
/// `0x80` in every byte of `w` equal to `c`.
#[inline]
pub(crate) fn eq_bytes(w: u64, c: u8) -> u64 {
    zero_bytes(w ^ LO.wrapping_mul(u64::from(c)))
}
/// Positions `i..i + 8` of `h` where `a` is followed, `d` (0 or 1) bytes later, by `b`; `None`
/// when the words do not fit.
#[inline]
fn pair_mask(h: &[u8], i: usize, a: u8, b: u8, d: usize) -> Option<u64> {
    Some(eq_bytes(word(h, i)?, a) & eq_bytes(word(h, i + d)?, b))
}
/// Byte index of the lowest set lane of a mask from [`eq_bytes`].
#[inline]
fn lane(m: u64) -> usize {
    (m.trailing_zeros() / 8) as usize
}
/// Byte classes for one-lookup scans of addresses and program tags.
pub(crate) const ALNUM: u8 = 1;
/// `.` and `:`, the separators an address must contain.
pub(crate) const SEP: u8 = 2;
/// `-` and `_`, allowed in host names.
pub(crate) const DASH: u8 = 4;
/// `/` and `@`, allowed in program tags.
pub(crate) const TAGX: u8 = 8;
// The index is a loop counter below 256 and this is evaluated at compile time.
#[allow(clippy::indexing_slicing)]
pub(crate) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() {
            ALNUM
        } else if b == b'.' || b == b':' {
            SEP
        } else if b == b'-' || b == b'_' {
            DASH
        } else if b == b'/' || b == b'@' {
            TAGX
        } else {
            0
        };
        c += 1;
    }
    t
};
/// The class of `c`.
#[inline]
pub(crate) fn class(c: u8) -> u8 {
    CLASS.get(usize::from(c)).copied().unwrap_or(0)
}

/// `memchr` for the short fields of a message: eight bytes at a time below 64 bytes, where
/// the call and setup of the vector search cost more than the search.
#[inline]
pub(crate) fn short_memchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() > 64 {
        // Fields are short even when the rest of the line is long: two words first.
        for i in [0, 8] {
            let m = word(h, i).map_or(0, |w| eq_bytes(w, c));
            if m != 0 {
                return Some(i + lane(m));
            }
        }
        return memchr::memchr(c, tail(h, 16)).map(|k| k + 16);
    }
    let Some(last) = h.len().checked_sub(8) else {
        return h.iter().position(|x| *x == c);
    };
    let mut i = 0;
    loop {
        let i0 = i.min(last);
        let m = word(h, i0).map_or(0, |w| eq_bytes(w, c));
        if m != 0 {
            return Some(i0 + lane(m));
        }
        if i0 == last {
            return None;
        }
        i += 8;
    }
}
/// `memrchr` counterpart of [`short_memchr`].
#[inline]
pub(crate) fn short_memrchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() > 64 {
        return memchr::memrchr(c, h);
    }
    let Some(mut i) = h.len().checked_sub(8) else {
        return h.iter().rposition(|x| *x == c);
    };
    loop {
        let m = word(h, i).map_or(0, |w| eq_bytes(w, c));
        if m != 0 {
            return Some(i + 7 - (m.leading_zeros() / 8) as usize);
        }
        if i == 0 {
            return None;
        }
        i = i.saturating_sub(8);
    }
}
/// `memchr(b'\n', ..)` with the searcher picked once (memchr's AVX2 one when the CPU has
/// it, else its SSE2 one; the portable `memchr` elsewhere): `memchr::memchr` picks it on every
/// call and sets up the needle's vectors again, a fifth of the search of a 100-byte log line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Newlines(NewlineSearch);

#[derive(Debug, Clone, Copy)]
enum NewlineSearch {
    #[cfg(target_arch = "x86_64")]
    Avx2(memchr::arch::x86_64::avx2::memchr::One),
    #[cfg(target_arch = "x86_64")]
    Sse2(memchr::arch::x86_64::sse2::memchr::One),
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    Any,
}

impl Newlines {
    pub(crate) fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(o) = memchr::arch::x86_64::avx2::memchr::One::new(b'\n') {
                return Newlines(NewlineSearch::Avx2(o));
            }
            if let Some(o) = memchr::arch::x86_64::sse2::memchr::One::new(b'\n') {
                return Newlines(NewlineSearch::Sse2(o));
            }
        }
        Newlines(NewlineSearch::Any)
    }

    /// The first `\n` of `h`.
    #[inline]
    pub(crate) fn find(&self, h: &[u8]) -> Option<usize> {
        match &self.0 {
            #[cfg(target_arch = "x86_64")]
            NewlineSearch::Avx2(o) => o.find(h),
            #[cfg(target_arch = "x86_64")]
            NewlineSearch::Sse2(o) => o.find(h),
            NewlineSearch::Any => memchr::memchr(b'\n', h),
        }
    }
}

impl Default for Newlines {
    fn default() -> Self {
        Newlines::new()
    }
}

pub(crate) fn sub(b: &[u8], from: usize, to: usize) -> &[u8] {
    b.get(from..to).unwrap_or_default()
}
pub(crate) fn tail(b: &[u8], from: usize) -> &[u8] {
    b.get(from..).unwrap_or_default()
}
#[inline]
pub(crate) fn strip_suffix_ws(mut b: &[u8]) -> &[u8] {
    while let Some((&c, rest)) = b.split_last() {
        if c == b' ' || c == b'\t' || c == b'\r' {
            b = rest;
        } else {
            break;
        }
    }
    b
}
/// Decimal digits only (no sign), at most `max_len` of them, as a u64.
#[inline]
fn digits(b: &[u8], max_len: usize) -> Option<u64> {
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}
#[inline]
pub(crate) fn num16(b: &[u8]) -> Option<u16> {
    // `digits(b, 5)` as a u16, in a loop the compiler unrolls.
    if b.is_empty() || b.len() > 5 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    u16::try_from(v).ok()
}
/// [`num16`] of `m[from..]`, the last word of `m`: read in one word from the end without a
/// loop (whose exit on a varying number of digits is a mispredicted branch per port).
#[inline]
pub(crate) fn num16_end(m: &[u8], from: usize) -> Option<u16> {
    let n = m.len().checked_sub(from)?;
    let (1..=5, Some(w)) = (n, m.len().checked_sub(8).and_then(|i| word(m, i))) else {
        return num16(tail(m, from));
    };
    // The token's bytes, first digit lowest, shifted to the top: leading zero bytes.
    let keep = 8 * n as u32;
    let t = w >> (64 - keep) << (64 - keep);
    let ascii0 = LO.wrapping_mul(0x30) >> (64 - keep) << (64 - keep);
    let d = t ^ ascii0;
    // every token byte a digit: 0..=9 (`+ 0x76` sets the high bit from 10 on)
    if (d | d.wrapping_add(LO.wrapping_mul(0x76))) & HI & (u64::MAX >> (64 - keep) << (64 - keep))
        != 0
    {
        return None;
    }
    // eight digits, most significant first: pairs, quads, then the whole
    let v = (d.wrapping_mul(2561) >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF;
    let v = v.wrapping_mul(42_949_672_960_001) >> 32;
    u16::try_from(v).ok()
}
/// The digits that start `p`: (how many, [`num16`] of them), in one word when `p` has 8
/// bytes and a non-digit among them.
#[inline]
pub(crate) fn lead_num16(p: &[u8]) -> (usize, Option<u16>) {
    if let Some(w) = word(p, 0) {
        let d = w ^ LO.wrapping_mul(0x30);
        // 0x80 in every byte that is not a digit (see `num16_end`)
        let nd = (d | d.wrapping_add(LO.wrapping_mul(0x76))) & HI;
        if nd != 0 {
            let de = lane(nd);
            if !(1..=5).contains(&de) {
                return (de, None);
            }
            // the digits at the top, most significant first, zero bytes before them
            let d = d << (64 - 8 * de as u32);
            let v = (d.wrapping_mul(2561) >> 8) & 0x00FF_00FF_00FF_00FF;
            let v = (v.wrapping_mul(6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF;
            let v = v.wrapping_mul(42_949_672_960_001) >> 32;
            return (de, u16::try_from(v).ok());
        }
    }
    let de = p
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(p.len());
    (de, num16(sub(p, 0, de)))
}
pub(crate) fn num32(b: &[u8]) -> Option<u32> {
    u32::try_from(digits(b, 10)?).ok()
}

/// 1 to 10 decimal digits that fit a u32.
pub(crate) fn parse_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    u32::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    //! Every helper against its naive, obviously correct counterpart (`windows().position()`,
    //! `strip_prefix`, `str::parse`, a byte loop), on haystacks around the 8-, 64- and
    //! 512-byte thresholds where the word and vector paths take over.
    use super::*;
    use proptest::prelude::*;

    fn naive_find(h: &[u8], n: &[u8]) -> Option<usize> {
        if n.is_empty() {
            return None;
        }
        h.windows(n.len()).position(|w| w == n)
    }

    fn naive_rfind(h: &[u8], n: &[u8]) -> Option<usize> {
        if n.is_empty() {
            return None;
        }
        h.windows(n.len()).rposition(|w| w == n)
    }

    /// 1 to `max` ASCII digits, as a number that fits `T`.
    fn naive_num<T: std::str::FromStr>(b: &[u8], max: usize) -> Option<T> {
        if b.is_empty() || b.len() > max || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(b).ok()?.parse().ok()
    }

    fn naive_load_le(b: &[u8]) -> u64 {
        b.iter()
            .take(8)
            .rev()
            .fold(0, |v, c| v << 8 | u64::from(*c))
    }

    /// Haystacks of the bytes the needles are made of, so that they occur, near misses too.
    fn hay() -> impl Strategy<Value = Vec<u8>> {
        let b = proptest::sample::select(&b"fro m port22 :x\xff"[..]);
        prop_oneof![
            proptest::collection::vec(b.clone(), 0..24),
            proptest::collection::vec(b.clone(), 56..80),
            proptest::collection::vec(b, 500..530),
        ]
    }

    fn needle() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::sample::select(vec![
                &b" from "[..],
                b"from",
                b" port ",
                b"fr",
                b"f",
                b" ",
                b"  ",
                b"22",
                b"m p",
                b":",
                b"\xff",
                b"x",
                b"",
                b"rom port22 :x from port"
            ])
            .prop_map(<[u8]>::to_vec),
            proptest::collection::vec(proptest::sample::select(&b"fro m2:"[..]), 1..5),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn searches_are_the_naive_ones(h in hay(), n in needle(), c in proptest::sample::select(&b"fm :2x\xff"[..])) {
            prop_assert_eq!(find(&h, &n), naive_find(&h, &n));
            prop_assert_eq!(rfind(&h, &n), naive_rfind(&h, &n));
            prop_assert_eq!(short_memchr(c, &h), h.iter().position(|x| *x == c));
            prop_assert_eq!(short_memrchr(c, &h), h.iter().rposition(|x| *x == c));
            let nl: Vec<u8> = h.iter().map(|x| if *x == c { b'\n' } else { *x }).collect();
            prop_assert_eq!(Newlines::new().find(&nl), nl.iter().position(|x| *x == b'\n'));
            prop_assert_eq!(Newlines(NewlineSearch::Any).find(&nl), nl.iter().position(|x| *x == b'\n'));
            #[cfg(target_arch = "x86_64")]
            if let Some(o) = memchr::arch::x86_64::sse2::memchr::One::new(b'\n') {
                prop_assert_eq!(Newlines(NewlineSearch::Sse2(o)).find(&nl), nl.iter().position(|x| *x == b'\n'));
            }
        }

        #[test]
        fn compares_are_the_naive_ones(h in hay(), n in needle()) {
            prop_assert_eq!(same_bytes(&h, &n), h == n);
            let cut = &h[..n.len().min(h.len())];
            prop_assert_eq!(same_bytes(cut, &n), cut == &n[..]);
            prop_assert_eq!(h.pre(&n), h.strip_prefix(&n[..]));
            prop_assert_eq!(h.suf(&n), h.strip_suffix(&n[..]));
            prop_assert_eq!(h.starts(&n), h.starts_with(&n));
            prop_assert_eq!(h.ends(&n), h.ends_with(&n));
        }

        #[test]
        fn words_are_the_naive_ones(h in hay(), i in 0usize..40) {
            prop_assert_eq!(load_le(&h), naive_load_le(&h));
            let want = h.get(i..i + 8).map(naive_load_le);
            prop_assert_eq!(word(&h, i), want);
        }

        #[test]
        fn numbers_are_the_naive_ones(
            m in proptest::collection::vec(proptest::sample::select(&b"0123456789 x\xff/:9"[..]), 0..24),
            from in any::<proptest::sample::Index>(),
        ) {
            let from = from.index(m.len() + 1);
            prop_assert_eq!(num16(&m[from..]), naive_num::<u16>(&m[from..], 5));
            prop_assert_eq!(num16_end(&m, from), naive_num::<u16>(&m[from..], 5));
            let de = m.iter().position(|c| !c.is_ascii_digit()).unwrap_or(m.len());
            prop_assert_eq!(lead_num16(&m), (de, naive_num::<u16>(&m[..de], 5)));
            prop_assert_eq!(num32(&m[from..]), naive_num::<u32>(&m[from..], 10));
            prop_assert_eq!(parse_u32(&m[from..]), naive_num::<u32>(&m[from..], 10));
        }
    }

    /// Every 1-6 digit token (and near misses) at the end of lines and at their start.
    #[test]
    fn every_port_number() {
        let mut checked = 0;
        for v in (0..=99_999u32)
            .step_by(7)
            .chain([65_535, 65_536, 99_999, 0])
        {
            for tok in [
                v.to_string(),
                format!("{v:05}"),
                format!("{v}0"),
                format!("{v}x"),
            ] {
                for pre in ["", "1", " port ", "from 1.2.3.4 port "] {
                    let m = format!("{pre}{tok}");
                    let want = naive_num::<u16>(tok.as_bytes(), 5);
                    assert_eq!(num16_end(m.as_bytes(), pre.len()), want, "{m:?}");
                    for tail in ["", ":3: x", " ssh2", "]"] {
                        let p = format!("{tok}{tail}");
                        let de = p
                            .bytes()
                            .position(|c| !c.is_ascii_digit())
                            .unwrap_or(p.len());
                        let want = (de, naive_num::<u16>(&p.as_bytes()[..de], 5));
                        assert_eq!(lead_num16(p.as_bytes()), want, "{p:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn classes_are_the_naive_ones() {
        for c in 0..=255u8 {
            let want = if c.is_ascii_alphanumeric() {
                ALNUM
            } else if matches!(c, b'.' | b':') {
                SEP
            } else if matches!(c, b'-' | b'_') {
                DASH
            } else if matches!(c, b'/' | b'@') {
                TAGX
            } else {
                0
            };
            assert_eq!(class(c), want, "{c}");
        }
    }
}
