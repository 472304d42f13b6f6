//! Address tokens: IPv4, IPv6 (zone ids dropped, mapped IPv4 unwrapped) and host names.

use std::borrow::Cow;

use super::Bytes;
use crate::bytes::{eq_bytes, sub, word, Lit, HI, LO};

/// [`addr`]'s byte classes, OR-ed over a whole token in one pass: host-name bytes are 0, so
/// the sum says at once whether the token has a separator and nothing else to look at.
const A_SEP: u8 = 1;
const A_PCT: u8 = 2;
const A_BAD: u8 = 4;
// The index is a loop counter below 256 and this is evaluated at compile time.
#[allow(clippy::indexing_slicing)]
static ADDR_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            0
        } else if b == b'.' || b == b':' {
            A_SEP
        } else if b == b'%' {
            A_PCT
        } else {
            A_BAD
        };
        c += 1;
    }
    t
};

/// When every byte of `w` is an ASCII digit or `.`: the dots (`0x80` per dot byte).
#[inline]
fn digits_dots(w: u64) -> Option<u64> {
    if w & HI != 0 {
        return None;
    }
    // Bytes are below 0x80: `| HI` then `- 0x30` cannot borrow across bytes, `+ 0x46` cannot
    // carry out of one.
    let ge_0 = (w | HI).wrapping_sub(LO.wrapping_mul(0x30)) & HI;
    let le_9 = !w.wrapping_add(LO.wrapping_mul(0x46)) & HI;
    let dots = eq_bytes(w, b'.');
    ((ge_0 & le_9) | dots == HI).then_some(dots)
}

/// Validates and normalises an address token: IPv4, IPv6 (zone id `%eth0` dropped,
/// `::ffff:` mapped IPv4 unwrapped) or a host name (sshd with `UseDNS yes`).
#[inline]
pub fn addr(tok: &[u8]) -> Option<&[u8]> {
    // IPv4 (8-16 bytes of digits and dots) in two overlapping words, inline.
    if let (8..=16, Some(w0), Some(w1)) = (
        tok.len(),
        word(tok, 0),
        tok.len().checked_sub(8).and_then(|i| word(tok, i)),
    ) {
        if let (Some(d0), Some(d1)) = (digits_dots(w0), digits_dots(w1)) {
            // only digits and dots: an address when it has a dot and does not start with one
            return ((d0 | d1) != 0 && tok.first() != Some(&b'.')).then_some(tok);
        }
    }
    addr_any(tok)
}

/// [`addr`] for every other token.
fn addr_any(tok: &[u8]) -> Option<&[u8]> {
    // The token up to a `%` zone id, only address/host-name bytes, at least one `.` or `:`.
    let cl = |c: u8| ADDR_CLASS.get(usize::from(c)).copied().unwrap_or(A_BAD);
    let mut acc = 0u8;
    let mut chunks = tok.chunks_exact(8);
    for ch in &mut chunks {
        if let Ok([a, b, c, d, e, f, g, h]) = <[u8; 8]>::try_from(ch) {
            acc |= cl(a) | cl(b) | cl(c) | cl(d) | cl(e) | cl(f) | cl(g) | cl(h);
        }
    }
    for &c in chunks.remainder() {
        acc |= cl(c);
    }
    let t = if acc & (A_PCT | A_BAD) == 0 {
        // the common case: nothing to cut, nothing to reject
        if acc == 0 {
            return None;
        }
        tok
    } else {
        addr_cut(tok)?
    };
    if t.is_empty() || t.len() > 255 {
        return None;
    }
    match t.first() {
        Some(b'.' | b'-') => return None,
        Some(b':') => {
            if let Some(v4) = t.pre(b"::ffff:").or_else(|| t.pre(b"::FFFF:")) {
                // A mapped IPv4 address starts with a digit and has a dot (`::ffff:.1` and
                // `::ffff:1` are not unwrapped, so the result is again an address).
                if v4.first().is_some_and(u8::is_ascii_digit)
                    && v4.contains(&b'.')
                    && v4.iter().all(|c| c.is_ascii_digit() || *c == b'.')
                {
                    return Some(v4);
                }
            }
        }
        _ => {}
    }
    Some(t)
}

/// [`addr`]'s careful pass for a token with a `%` or a foreign byte: the token up to the first
/// `%` if everything before it is an address byte and there is a separator.
#[cold]
fn addr_cut(tok: &[u8]) -> Option<&[u8]> {
    let mut sep = false;
    for (k, &c) in tok.iter().enumerate() {
        match ADDR_CLASS.get(usize::from(c)).copied().unwrap_or(A_BAD) {
            0 => {}
            A_SEP => sep = true,
            A_PCT => return sep.then(|| sub(tok, 0, k)),
            _ => return None,
        }
    }
    sep.then_some(tok)
}

#[inline]
pub(super) fn cow_addr(tok: &[u8]) -> Option<Bytes<'_>> {
    addr(tok).map(Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What an address token is, said plainly: the token up to a `%` zone id, made only of
    /// letters, digits, `-`, `_`, `.` and `:`, with a `.` or `:`, not starting with `.` or `-`,
    /// at most 255 bytes; a `::ffff:` mapped IPv4 address (digits and dots, with a dot) is
    /// unwrapped.
    fn naive_addr(tok: &[u8]) -> Option<&[u8]> {
        let t = match tok.iter().position(|c| *c == b'%') {
            Some(p) => &tok[..p],
            None => tok,
        };
        let ok = |c: &u8| c.is_ascii_alphanumeric() || b"-_.:".contains(c);
        if t.is_empty() || t.len() > 255 || !t.iter().all(ok) {
            return None;
        }
        if !t.iter().any(|c| *c == b'.' || *c == b':') || matches!(t[0], b'.' | b'-') {
            return None;
        }
        if let Some(v4) = t
            .strip_prefix(b"::ffff:")
            .or_else(|| t.strip_prefix(b"::FFFF:"))
        {
            if v4.first().is_some_and(u8::is_ascii_digit)
                && v4.contains(&b'.')
                && v4.iter().all(|c| c.is_ascii_digit() || *c == b'.')
            {
                return Some(v4);
            }
        }
        Some(t)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Tokens of address bytes and near misses, every length around the 8- and 16-byte
        /// words of the IPv4 path, with a mapped prefix too.
        #[test]
        fn addr_is_the_naive_rule(
            tok in proptest::collection::vec(proptest::sample::select(&b"0123456789..::%-_afFx \xff"[..]), 0..40),
        ) {
            prop_assert_eq!(addr(&tok), naive_addr(&tok));
            let mut mapped = b"::ffff:".to_vec();
            mapped.extend_from_slice(&tok);
            prop_assert_eq!(addr(&mapped), naive_addr(&mapped));
        }

        /// Digits and dots (IPv4 and its near misses), one byte changed.
        #[test]
        fn addr_v4_is_the_naive_rule(
            tok in proptest::collection::vec(proptest::sample::select(&b"0123456789."[..]), 0..20),
            at in any::<proptest::sample::Index>(),
            b in any::<u8>(),
        ) {
            prop_assert_eq!(addr(&tok), naive_addr(&tok));
            let mut t = tok.clone();
            if !t.is_empty() {
                let i = at.index(t.len());
                t[i] = b;
            }
            prop_assert_eq!(addr(&t), naive_addr(&t));
        }
    }

    #[test]
    fn long_tokens() {
        for n in [254, 255, 256, 300] {
            let t: Vec<u8> = (0..n)
                .map(|i| if i % 4 == 3 { b'.' } else { b'1' })
                .collect();
            assert_eq!(addr(&t), naive_addr(&t), "{n}");
        }
    }
}
