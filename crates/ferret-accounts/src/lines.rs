//! Line splitting shared by every account-file parser: exact bytes, line numbers, endings.
//!
//! Each parsed file is a sequence of [`Line`]s. A line keeps its exact text and ending, so a
//! [`Document`] written back with [`Document::write_to`] reproduces the input byte for byte,
//! whatever the line held (an entry, a NIS `+`/`-` compat line, a blank line, a comment or a
//! malformed line).

use std::fmt;
use std::io::{self, Write};

/// Which account file a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum AccountFile {
    /// `/etc/passwd`
    Passwd,
    /// `/etc/shadow`
    Shadow,
    /// `/etc/group`
    Group,
    /// `/etc/gshadow`
    Gshadow,
}

impl AccountFile {
    /// The file's usual path inside the root.
    pub fn default_path(self) -> &'static str {
        match self {
            AccountFile::Passwd => "/etc/passwd",
            AccountFile::Shadow => "/etc/shadow",
            AccountFile::Group => "/etc/group",
            AccountFile::Gshadow => "/etc/gshadow",
        }
    }

    /// How many `:`-separated fields an entry of this file has.
    pub fn field_count(self) -> usize {
        match self {
            AccountFile::Passwd => 7,
            AccountFile::Shadow => 9,
            AccountFile::Group | AccountFile::Gshadow => 4,
        }
    }
}

impl fmt::Display for AccountFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.default_path())
    }
}

/// Why a line is not a valid entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Malformed {
    /// The line does not have the expected number of `:`-separated fields.
    FieldCount {
        /// Fields found.
        found: usize,
        /// Fields expected.
        expected: usize,
    },
    /// A numeric field is empty, not a decimal number, or out of range.
    BadNumber {
        /// Field name (`uid`, `gid`, `lastchg`, ...).
        field: &'static str,
    },
    /// The line contains a NUL byte: C tools would see a different (truncated) line.
    ContainsNul,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::FieldCount { found, expected } => {
                write!(f, "{found} fields instead of {expected}")
            }
            Malformed::BadNumber { field } => write!(f, "invalid numeric field {field}"),
            Malformed::ContainsNul => f.write_str("line contains a NUL byte"),
        }
    }
}

/// A NIS compat line (`+`, `+name`, `+@netgroup`, `-name`, ...), kept as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct NisLine<'a> {
    /// `true` for `+` (include), `false` for `-` (exclude).
    pub include: bool,
    /// What follows the sign up to the first `:` (empty for "all", `@group` for a netgroup).
    pub name: &'a [u8],
}

/// What a line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content<E> {
    /// A regular entry.
    Entry(E),
    /// A NIS compat line, which glibc's `compat` service interprets and pwck ignores.
    Nis,
    /// A line of only spaces and tabs (or nothing).
    Blank,
    /// A line whose first non-blank byte is `#`: glibc skips it, shadow's tools do not.
    Comment,
}

/// One line of an account file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a, E> {
    /// 1-based line number.
    pub number: u64,
    /// The line's bytes, without its ending.
    pub text: &'a [u8],
    /// The ending: `b"\n"`, `b"\r\n"` or `b""` (last line without newline).
    pub ending: &'a [u8],
    /// The parsed content, or why the line is malformed.
    pub content: Result<Content<E>, Malformed>,
}

impl<'a, E> Line<'a, E> {
    /// The entry, when the line is one.
    pub fn entry(&self) -> Option<&E> {
        match &self.content {
            Ok(Content::Entry(e)) => Some(e),
            _ => None,
        }
    }

    /// The NIS compat line, when the line is one.
    pub fn nis(&self) -> Option<NisLine<'a>> {
        match self.content {
            Ok(Content::Nis) => {
                let (sign, rest) = self.text.split_first()?;
                let name = rest.split(|&b| b == b':').next().unwrap_or_default();
                Some(NisLine {
                    include: *sign == b'+',
                    name,
                })
            }
            _ => None,
        }
    }

    /// Whether an entry line starts with blanks (glibc skips them; shadow's tools do not).
    pub fn has_leading_blank(&self) -> bool {
        matches!(self.content, Ok(Content::Entry(_)))
            && matches!(self.text.first(), Some(b' ' | b'\t'))
    }

    /// Whether the line ended in CRLF.
    pub fn is_crlf(&self) -> bool {
        self.ending == b"\r\n"
    }
}

/// An iterator over the lines of an account file.
#[derive(Debug, Clone)]
pub struct Lines<'a, E> {
    rest: &'a [u8],
    number: u64,
    /// Whether the buffer holds a NUL byte at all (one scan, instead of one per line).
    any_nul: bool,
    parse: fn(&'a [u8], u64) -> Result<E, Malformed>,
}

impl<'a, E> Lines<'a, E> {
    pub(crate) fn new(buf: &'a [u8], parse: fn(&'a [u8], u64) -> Result<E, Malformed>) -> Self {
        Lines {
            rest: buf,
            number: 0,
            any_nul: memchr::memchr(0, buf).is_some(),
            parse,
        }
    }
}

/// Splits off the next line: (text, ending, rest).
fn next_line(buf: &[u8]) -> (&[u8], &[u8], &[u8]) {
    match memchr::memchr(b'\n', buf) {
        Some(i) => {
            let (line, rest) = buf.split_at(i);
            let rest = rest.get(1..).unwrap_or_default();
            let nl_start = if line.last() == Some(&b'\r') {
                i - 1
            } else {
                i
            };
            let (text, _) = buf.split_at(nl_start);
            let ending = buf.get(nl_start..=i).unwrap_or_default();
            (text, ending, rest)
        }
        None => (buf, &[], &[]),
    }
}

pub(crate) fn classify<'a, E>(
    text: &'a [u8],
    number: u64,
    any_nul: bool,
    parse: impl FnOnce(&'a [u8], u64) -> Result<E, Malformed>,
) -> Result<Content<E>, Malformed> {
    let trimmed = text
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .and_then(|i| text.get(i..))
        .unwrap_or_default();
    match trimmed.first() {
        None => Ok(Content::Blank),
        Some(b'#') => Ok(Content::Comment),
        _ if any_nul && memchr::memchr(0, text).is_some() => Err(Malformed::ContainsNul),
        Some(b'+' | b'-') if text.first() == trimmed.first() => Ok(Content::Nis),
        // glibc skips leading blanks before an entry; the entry is what NSS sees.
        _ => parse(trimmed, number).map(Content::Entry),
    }
}

impl<'a, E> Iterator for Lines<'a, E> {
    type Item = Line<'a, E>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (text, ending, rest) = next_line(self.rest);
        self.rest = rest;
        self.number += 1;
        Some(Line {
            number: self.number,
            text,
            ending,
            content: classify(text, self.number, self.any_nul, self.parse),
        })
    }
}

/// An entry type's line parser, known at compile time (the [`Lines`] iterator holds a fn
/// pointer instead, which keeps its type simple but makes every entry go through memory).
pub(crate) trait ParseEntry<'a>: Sized {
    /// Parses one line's text (no ending, leading blanks skipped).
    fn parse_entry(text: &'a [u8], line: u64) -> Result<Self, Malformed>;
}

/// Every line of `buf`, exactly as [`Lines`] yields them, with the vector sized from a
/// newline count and the entry parser inlined (each `Line` is built in place).
pub(crate) fn collect_lines<'a, E: ParseEntry<'a>>(buf: &'a [u8]) -> Vec<Line<'a, E>> {
    let mut v = Vec::with_capacity(memchr::memchr_iter(b'\n', buf).count() + 1);
    let any_nul = memchr::memchr(0, buf).is_some();
    let mut rest = buf;
    let mut number = 0u64;
    while !rest.is_empty() {
        let (text, ending, next) = next_line(rest);
        rest = next;
        number += 1;
        v.push(Line {
            number,
            text,
            ending,
            content: classify(text, number, any_nul, E::parse_entry),
        });
    }
    v
}

/// A whole parsed account file: every line, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a, E> {
    /// Which file this is.
    pub kind: AccountFile,
    /// Every line, in file order.
    pub lines: Vec<Line<'a, E>>,
}

impl<E> Document<'_, E> {
    /// The entries, in file order, with their line numbers.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &E)> + '_ {
        self.lines
            .iter()
            .filter_map(|l| l.entry().map(|e| (l.number, e)))
    }

    /// Writes every line back; the output equals the parsed input byte for byte.
    pub fn write_to<W: Write>(&self, mut w: W) -> io::Result<()> {
        for l in &self.lines {
            w.write_all(l.text)?;
            w.write_all(l.ending)?;
        }
        Ok(())
    }

    /// [`Document::write_to`] into a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.lines.iter().map(|l| l.text.len() + 1).sum());
        for l in &self.lines {
            v.extend_from_slice(l.text);
            v.extend_from_slice(l.ending);
        }
        v
    }
}

/// Calls `f` with the index of every `:` in `text`, in order. Eight bytes at a time (SWAR):
/// fields are too short for memchr's per-call setup to pay, and a byte loop is the parse's
/// main cost on long shadow lines.
pub(crate) fn for_each_colon(text: &[u8], mut f: impl FnMut(usize)) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const COLONS: u64 = 0x3a3a_3a3a_3a3a_3a3a;
    let mut chunks = text.chunks_exact(8);
    let mut base = 0usize;
    for c in &mut chunks {
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or([0; 8])) ^ COLONS;
        // exact zero-byte test: the high bit of each byte is set iff that byte was ':'
        let mut m = !((((w & LOW7) + LOW7) | w) | LOW7);
        while m != 0 {
            f(base + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b':' {
            f(base + i);
        }
    }
}

/// Splits `text` on `:` into exactly `N` fields, or reports how many there were. Inlined into
/// each entry parser (measured: left to the codegen-unit split, the shadow parser sometimes
/// calls it out of line and the 100k-user parse takes 3% more instructions).
#[inline]
pub(crate) fn split_fields<const N: usize>(text: &[u8]) -> Result<[&[u8]; N], Malformed> {
    // colon positions first (a store per colon), slices once the count is known right
    let mut at = [0usize; N];
    let mut colons = 0usize;
    for_each_colon(text, |i| {
        if let Some(slot) = at.get_mut(colons) {
            *slot = i;
        }
        colons += 1;
    });
    if colons + 1 != N {
        return Err(Malformed::FieldCount {
            found: colons + 1,
            expected: N,
        });
    }
    let mut out: [&[u8]; N] = [&[]; N];
    let mut start = 0usize;
    for (k, slot) in out.iter_mut().enumerate() {
        // the last field runs to the end of the text
        let end = if k + 1 == N {
            text.len()
        } else {
            at.get(k).copied().unwrap_or(text.len())
        };
        *slot = text.get(start..end).unwrap_or_default();
        start = end + 1;
    }
    Ok(out)
}

/// Parses a uid/gid like shadow's `get_uid`: decimal digits only, within `u32`.
pub(crate) fn parse_id(field: &[u8], name: &'static str) -> Result<u32, Malformed> {
    if field.is_empty() || field.len() > 20 || !field.iter().all(u8::is_ascii_digit) {
        return Err(Malformed::BadNumber { field: name });
    }
    let mut v: u64 = 0;
    for &b in field {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(Malformed::BadNumber { field: name })?;
    }
    u32::try_from(v).map_err(|_| Malformed::BadNumber { field: name })
}

/// Parses an optional signed day count (shadow aging fields): empty is `None`.
pub(crate) fn parse_opt_num(field: &[u8], name: &'static str) -> Result<Option<i64>, Malformed> {
    if field.is_empty() {
        return Ok(None);
    }
    let (neg, digits) = match field.split_first() {
        Some((b'-', d)) => (true, d),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Malformed::BadNumber { field: name });
    }
    let mut v: i64 = 0;
    for &b in digits {
        v = v * 10 + i64::from(b - b'0');
    }
    Ok(Some(if neg { -v } else { v }))
}

/// Splits a comma-separated member list; an empty field is an empty list.
pub(crate) fn split_list(field: &[u8]) -> Vec<&[u8]> {
    if field.is_empty() {
        Vec::new()
    } else {
        field.split(|&b| b == b',').collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_are_kept() {
        assert_eq!(next_line(b"a\r\nb"), (&b"a"[..], &b"\r\n"[..], &b"b"[..]));
        assert_eq!(next_line(b"a\nb"), (&b"a"[..], &b"\n"[..], &b"b"[..]));
        assert_eq!(next_line(b"a"), (&b"a"[..], &b""[..], &b""[..]));
        assert_eq!(next_line(b"\r\n"), (&b""[..], &b"\r\n"[..], &b""[..]));
    }

    proptest::proptest! {
        /// `document()` (inlined parser) and the `parse()` iterator see the same lines.
        #[test]
        fn documents_equal_iterators(t in proptest::collection::vec(proptest::prop_oneof![
            proptest::sample::select(b"::::\n\n\r #+-x0119,$!".to_vec()),
            proptest::num::u8::ANY,
        ], 0..120)) {
            proptest::prop_assert_eq!(crate::passwd::document(&t).lines, crate::passwd::parse(&t).collect::<Vec<_>>());
            proptest::prop_assert_eq!(crate::shadow::document(&t).lines, crate::shadow::parse(&t).collect::<Vec<_>>());
            proptest::prop_assert_eq!(crate::group::document(&t).lines, crate::group::parse(&t).collect::<Vec<_>>());
            proptest::prop_assert_eq!(crate::group::gshadow_document(&t).lines, crate::group::parse_gshadow_lines(&t).collect::<Vec<_>>());
        }

        #[test]
        fn colons_are_found_exactly(t in proptest::collection::vec(proptest::prop_oneof![
            proptest::sample::select(b"::::a:\xba\x3a\xfa\x00".to_vec()),
            proptest::num::u8::ANY,
        ], 0..40)) {
            let mut v = Vec::new();
            for_each_colon(&t, |i| v.push(i));
            let want: Vec<usize> = t.iter().enumerate().filter(|(_, &b)| b == b':').map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(v, want);
            let n = t.split(|&b| b == b':').count();
            let r = split_fields::<4>(&t);
            if n == 4 {
                let want: Vec<&[u8]> = t.split(|&b| b == b':').collect();
                proptest::prop_assert_eq!(r.unwrap().to_vec(), want);
            } else {
                proptest::prop_assert_eq!(r, Err(Malformed::FieldCount { found: n, expected: 4 }));
            }
        }
    }

    #[test]
    fn fields_and_numbers() {
        assert_eq!(
            split_fields::<3>(b"a:b:c").unwrap(),
            [&b"a"[..], b"b", b"c"]
        );
        assert_eq!(
            split_fields::<3>(b"a:b"),
            Err(Malformed::FieldCount {
                found: 2,
                expected: 3
            })
        );
        assert_eq!(parse_id(b"4294967295", "uid"), Ok(u32::MAX));
        assert!(parse_id(b"4294967296", "uid").is_err());
        assert!(parse_id(b"-1", "uid").is_err());
        assert!(parse_id(b"", "uid").is_err());
        assert_eq!(parse_opt_num(b"-1", "x"), Ok(Some(-1)));
        assert_eq!(parse_opt_num(b"", "x"), Ok(None));
        assert!(parse_opt_num(b"1e3", "x").is_err());
    }
}
