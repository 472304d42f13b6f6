//! The on-disk baseline format (version 2; version 1 is still read), streaming in both
//! directions.
//!
//! See `docs/baseline-format.md` for the full description. In short (all integers are LEB128
//! varints unless noted, signed ones zig-zag encoded, byte strings are a varint length then
//! the bytes):
//!
//! ```text
//! magic "FERRETBL" | version u8 = 1 | flags u8 (bit 0: sealed)
//! header: created(i) complete(u8) hash(u8) same_fs(u8) default_attrs host_root
//!         paths: n, bytes*n   rules: n, (action u8, kind u8, pattern, attrs)*n
//!         entry_count
//! entry*: shared-prefix-len, suffix | kind u8 | attrs | flags u8 | mode uid gid size
//!         mtime(i) mtime_ns ctime(i) ctime_ns inode nlink dev rdev
//!         [link target] [xattrs: n, (name, value)*n] [inode flags] [sha256 32 bytes]
//!         [blake3 32 bytes]
//! errors: n, (flags u8, [path], [line], message)*n
//! trailer: "FERRETND" | entry_count | 32-byte digest of every byte before the digest
//! ```
//!
//! Entries are strictly increasing by path bytes (the loader refuses anything else). The
//! digest is plain BLAKE3 for unsealed files (catches corruption and truncation) and keyed
//! BLAKE3 under a key derived from the key file for sealed ones: an edited, truncated,
//! re-ordered or re-sealed-without-the-key baseline is refused before anything is returned.
//!
//! Version 2 added inode flags (entry flag 32, then a varint). A version-1 file loads as it
//! always did: its entries have no inode flags ("not recorded": a check never reports them as
//! changed), and its `full` and `growing` attribute sets read as today's groups of the same
//! name.

use crate::attr::AttrSet;
use crate::entry::{Baseline, Entry, HashKind, ScanConfig, ScanStats};
use crate::rules::{Action, Pattern, Rule};
use crate::Error;
use ferret_core::{ErrorRecord, FileKind, InodeFlags, Timestamp};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"FERRETBL";
const END: &[u8; 8] = b"FERRETND";
/// The format version this crate writes (it reads this one and [`VERSION_1`]).
pub const VERSION: u8 = 2;
/// The first format version: without inode flags; still read.
pub const VERSION_1: u8 = 1;
const FLAG_SEALED: u8 = 1;
/// Longest byte string the loader accepts (paths, link targets, xattr values, messages).
const MAX_BYTES: u64 = 1 << 20;
/// Most xattrs per entry, rules, paths or errors the loader accepts per list.
const MAX_LIST: u64 = 1 << 24;
const DERIVE_CONTEXT: &str = "ferret-baseline 2026-11 baseline seal v1";

/// A key for sealing baselines (derived from a key file's bytes with BLAKE3's `derive_key`).
#[derive(Clone)]
pub struct SealKey([u8; 32]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// Derives a key from key material (at least 16 bytes, e.g. `head -c 32 /dev/urandom`).
    pub fn from_bytes(material: &[u8]) -> Result<Self, Error> {
        if material.len() < 16 {
            return Err(Error::Seal(
                "key material shorter than 16 bytes; refusing a guessable key".into(),
            ));
        }
        Ok(SealKey(blake3::derive_key(DERIVE_CONTEXT, material)))
    }

    /// Reads key material from a file chosen by the user (outside the audited tree).
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let data = std::fs::read(path).map_err(|e| ferret_core::Error::io(path, e))?;
        Self::from_bytes(&data)
    }
}

fn new_hasher(key: Option<&SealKey>) -> blake3::Hasher {
    match key {
        Some(k) => blake3::Hasher::new_keyed(&k.0),
        None => blake3::Hasher::new(),
    }
}

// ---------------------------------------------------------------- writing

/// Bytes staged before they are hashed and written: the digest is fed whole buffers (BLAKE3's
/// SIMD paths need long inputs; one `update` per varint cost more than the encoding itself).
const OUT_BUF: usize = 256 << 10;

struct Out<W: Write> {
    w: W,
    buf: Vec<u8>,
    hasher: blake3::Hasher,
}

impl<W: Write> Out<W> {
    fn bytes(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= OUT_BUF {
            self.flush_buf()?;
        }
        Ok(())
    }
    /// Hashes and writes the staged bytes.
    fn flush_buf(&mut self) -> std::io::Result<()> {
        self.hasher.update(&self.buf);
        self.w.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
    fn u8(&mut self, b: u8) -> std::io::Result<()> {
        self.bytes(&[b])
    }
    fn var(&mut self, mut v: u64) -> std::io::Result<()> {
        let mut buf = [0u8; 10];
        let mut n = 0;
        for slot in &mut buf {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            n += 1;
            if v == 0 {
                *slot = b;
                break;
            }
            *slot = b | 0x80;
        }
        self.bytes(buf.get(..n).unwrap_or(&[]))
    }
    fn ivar(&mut self, v: i64) -> std::io::Result<()> {
        self.var(((v << 1) ^ (v >> 63)) as u64)
    }
    fn str(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.var(b.len() as u64)?;
        self.bytes(b)
    }
}

fn kind_u8(k: FileKind) -> u8 {
    match k {
        FileKind::Regular => 1,
        FileKind::Directory => 2,
        FileKind::Symlink => 3,
        FileKind::Fifo => 4,
        FileKind::Socket => 5,
        FileKind::CharDevice => 6,
        FileKind::BlockDevice => 7,
        FileKind::Unknown => 0,
    }
}

fn kind_from(b: u8) -> Option<FileKind> {
    Some(match b {
        0 => FileKind::Unknown,
        1 => FileKind::Regular,
        2 => FileKind::Directory,
        3 => FileKind::Symlink,
        4 => FileKind::Fifo,
        5 => FileKind::Socket,
        6 => FileKind::CharDevice,
        7 => FileKind::BlockDevice,
        _ => return None,
    })
}

const E_LINK: u8 = 1;
const E_XATTR: u8 = 2;
const E_SHA: u8 = 4;
const E_B3: u8 = 8;
const E_UNVERIFIED: u8 = 16;
/// Version 2: the entry carries inode flags.
const E_IFLAGS: u8 = 32;

impl Baseline {
    /// Writes the baseline in the documented format, sealed with `key` when given. Entries must
    /// be sorted and unique (as every `Baseline` constructor leaves them).
    pub fn save<W: Write>(&self, w: W, key: Option<&SealKey>) -> Result<(), Error> {
        let io = |e: std::io::Error| Error::Format(format!("writing baseline: {e}"));
        let mut o = Out {
            w,
            buf: Vec::with_capacity(OUT_BUF + 4096),
            hasher: new_hasher(key),
        };
        (|| -> std::io::Result<()> {
            o.bytes(MAGIC)?;
            o.u8(VERSION)?;
            o.u8(if key.is_some() { FLAG_SEALED } else { 0 })?;
            let c = &self.config;
            o.ivar(self.created)?;
            o.u8(u8::from(self.complete))?;
            o.u8(c.hash.to_u8())?;
            o.u8(u8::from(c.same_filesystem))?;
            o.var(u64::from(c.default_attrs.bits()))?;
            o.str(&c.host_root)?;
            o.var(c.paths.len() as u64)?;
            for p in &c.paths {
                o.str(p)?;
            }
            o.var(c.rules.len() as u64)?;
            for r in &c.rules {
                match r.action {
                    Action::Exclude => {
                        o.u8(0)?;
                    }
                    Action::Include(_) => {
                        o.u8(1)?;
                    }
                }
                o.u8(u8::from(r.pattern.is_regex()))?;
                o.str(r.pattern.source())?;
                let bits = match r.action {
                    Action::Include(a) => a.bits(),
                    Action::Exclude => 0,
                };
                o.var(u64::from(bits))?;
            }
            o.var(self.entries.len() as u64)?;
            let mut prev: &[u8] = &[];
            for e in &self.entries {
                let shared = prev.iter().zip(&e.path).take_while(|(a, b)| a == b).count();
                o.var(shared as u64)?;
                o.str(e.path.get(shared..).unwrap_or(&[]))?;
                prev = &e.path;
                o.u8(kind_u8(e.kind))?;
                o.var(u64::from(e.attrs.bits()))?;
                let mut flags = 0;
                if e.link_target.is_some() {
                    flags |= E_LINK;
                }
                if e.xattrs.is_some() {
                    flags |= E_XATTR;
                }
                if e.sha256.is_some() {
                    flags |= E_SHA;
                }
                if e.blake3.is_some() {
                    flags |= E_B3;
                }
                if e.unverified {
                    flags |= E_UNVERIFIED;
                }
                if e.inode_flags.is_some() {
                    flags |= E_IFLAGS;
                }
                o.u8(flags)?;
                o.var(u64::from(e.mode))?;
                o.var(u64::from(e.uid))?;
                o.var(u64::from(e.gid))?;
                o.var(e.size)?;
                o.ivar(e.mtime.sec)?;
                o.var(u64::from(e.mtime.nsec))?;
                o.ivar(e.ctime.sec)?;
                o.var(u64::from(e.ctime.nsec))?;
                o.var(e.inode)?;
                o.var(e.nlink)?;
                o.var(e.dev)?;
                o.var(e.rdev)?;
                if let Some(t) = &e.link_target {
                    o.str(t)?;
                }
                if let Some(x) = &e.xattrs {
                    o.var(x.len() as u64)?;
                    for (k, v) in x {
                        o.str(k)?;
                        o.str(v)?;
                    }
                }
                if let Some(f) = e.inode_flags {
                    o.var(u64::from(f.bits()))?;
                }
                if let Some(h) = &e.sha256 {
                    o.bytes(h)?;
                }
                if let Some(h) = &e.blake3 {
                    o.bytes(h)?;
                }
            }
            o.var(self.errors.len() as u64)?;
            for er in &self.errors {
                let path = er.path.as_deref().map(str::as_bytes);
                o.u8(u8::from(path.is_some()) | (u8::from(er.line.is_some()) << 1))?;
                if let Some(p) = path {
                    o.str(p)?;
                }
                if let Some(l) = er.line {
                    o.var(l)?;
                }
                o.str(er.message.as_bytes())?;
            }
            o.bytes(END)?;
            o.var(self.entries.len() as u64)?;
            o.flush_buf()?;
            let digest = *o.hasher.finalize().as_bytes();
            o.w.write_all(&digest)?;
            o.w.flush()
        })()
        .map_err(io)
    }

    /// Loads a baseline, verifying its digest (plain or, with `key`, the keyed seal) before
    /// returning anything. A sealed baseline without a key, an unsealed one with a key, an
    /// unknown version, out-of-order or duplicate paths, trailing data and any mismatch are
    /// errors.
    pub fn load<R: Read>(r: R, key: Option<&SealKey>) -> Result<Baseline, Error> {
        let mut s = Src {
            r,
            buf: vec![0; FIRST_READ],
            pos: 0,
            len: 0,
            hashed: 0,
            hasher: new_hasher(key),
            offset: 0,
        };
        let mut magic = [0u8; 8];
        s.exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(Error::Format("not a ferret baseline (bad magic)".into()));
        }
        let version = s.u8()?;
        if version != VERSION && version != VERSION_1 {
            return Err(Error::Format(format!(
                "baseline format version {version} is not supported (this build reads {VERSION_1} and {VERSION})"
            )));
        }
        // Attribute sets as stored: version 1's `full` and `growing` are today's groups.
        let attrs = |bits: u16| {
            if version == VERSION_1 {
                AttrSet::from_v1_bits(bits)
            } else {
                AttrSet::from_bits(bits)
            }
        };
        let known_eflags = if version == VERSION_1 {
            E_LINK | E_XATTR | E_SHA | E_B3 | E_UNVERIFIED
        } else {
            E_LINK | E_XATTR | E_SHA | E_B3 | E_UNVERIFIED | E_IFLAGS
        };
        let flags = s.u8()?;
        let sealed = flags & FLAG_SEALED != 0;
        if flags & !FLAG_SEALED != 0 {
            return Err(Error::Format(format!("unknown header flags {flags:#x}")));
        }
        match (sealed, key.is_some()) {
            (true, false) => {
                return Err(Error::Seal(
                    "baseline is sealed; give its key file to verify it".into(),
                ))
            }
            (false, true) => {
                return Err(Error::Seal(
                    "baseline is not sealed but a key was given; refusing an unsealed baseline"
                        .into(),
                ))
            }
            _ => {}
        }
        let created = s.ivar()?;
        let complete = s.u8()? != 0;
        let hb = s.u8()?;
        let hash = HashKind::from_u8(hb).ok_or_else(|| s.err(format!("unknown hash kind {hb}")))?;
        let same_filesystem = s.u8()? != 0;
        let default_attrs = attrs(s.u16()?);
        let host_root = s.str()?;
        let n = s.count()?;
        let mut paths = Vec::new();
        for _ in 0..n {
            paths.push(s.str()?);
        }
        let n = s.count()?;
        let mut rules = Vec::new();
        for _ in 0..n {
            let action = s.u8()?;
            let kind = s.u8()?;
            let pat = s.str()?;
            let rule_attrs = attrs(s.u16()?);
            let pattern = match kind {
                0 => Pattern::glob(&pat),
                #[cfg(feature = "regex")]
                1 => Pattern::regex(&String::from_utf8_lossy(&pat)),
                k => return Err(s.err(format!("rule pattern: unsupported pattern kind {k}"))),
            }
            .map_err(|e| s.err(format!("rule pattern: {e}")))?;
            rules.push(match action {
                0 => Rule::exclude(pattern),
                1 => Rule::include(pattern, rule_attrs),
                a => return Err(s.err(format!("unknown rule action {a}"))),
            });
        }
        let count = s.var()?;
        let mut entries: Vec<Entry> = Vec::with_capacity(count.min(1 << 20) as usize);
        for _ in 0..count {
            let prev: &[u8] = entries.last().map_or(&[], |e| e.path.as_slice());
            let shared = s.var()?;
            let suffix_len = s.len()?;
            if shared > prev.len() as u64 {
                return Err(s.err("shared path prefix longer than the previous path"));
            }
            let mut path = Vec::with_capacity(shared as usize + suffix_len as usize);
            path.extend_from_slice(prev.get(..shared as usize).unwrap_or(&[]));
            s.append(&mut path, suffix_len)?;
            if path.as_slice() <= prev && !entries.is_empty() {
                return Err(s.err(format!(
                    "entries out of order at {} (re-ordered or duplicated)",
                    ferret_core::escape::escape(&path)
                )));
            }
            let kb = s.u8()?;
            let kind = kind_from(kb).ok_or_else(|| s.err(format!("unknown file type {kb}")))?;
            let mut e = Entry::new(path, kind, attrs(s.u16()?));
            let flags = s.u8()?;
            if flags & !known_eflags != 0 {
                return Err(s.err(format!("unknown entry flags {flags:#x}")));
            }
            e.mode = s.u32()?;
            e.uid = s.u32()?;
            e.gid = s.u32()?;
            e.size = s.var()?;
            e.mtime = Timestamp {
                sec: s.ivar()?,
                nsec: s.u32()?,
            };
            e.ctime = Timestamp {
                sec: s.ivar()?,
                nsec: s.u32()?,
            };
            e.inode = s.var()?;
            e.nlink = s.var()?;
            e.dev = s.var()?;
            e.rdev = s.var()?;
            if flags & E_LINK != 0 {
                e.link_target = Some(s.str()?);
            }
            if flags & E_XATTR != 0 {
                let n = s.count()?;
                let mut x = Vec::new();
                for _ in 0..n {
                    let k = s.str()?;
                    let v = s.str()?;
                    x.push((k, v));
                }
                e.xattrs = Some(x);
            }
            if flags & E_IFLAGS != 0 {
                e.inode_flags = Some(InodeFlags::from_bits(s.u32()?));
            }
            if flags & E_SHA != 0 {
                let mut h = [0u8; 32];
                s.exact(&mut h)?;
                e.sha256 = Some(h);
            }
            if flags & E_B3 != 0 {
                let mut h = [0u8; 32];
                s.exact(&mut h)?;
                e.blake3 = Some(h);
            }
            e.unverified = flags & E_UNVERIFIED != 0;
            entries.push(e);
        }
        let n = s.count()?;
        let mut errors = Vec::new();
        for _ in 0..n {
            let f = s.u8()?;
            let path = if f & 1 != 0 { Some(s.str()?) } else { None };
            let line = if f & 2 != 0 { Some(s.var()?) } else { None };
            let msg = String::from_utf8_lossy(&s.str()?).into_owned();
            // Paths are stored escaped already; keep them as they are.
            let mut rec = ErrorRecord::new(None, line, msg);
            rec.path = path.map(|p| String::from_utf8_lossy(&p).into_owned());
            errors.push(rec);
        }
        let mut end = [0u8; 8];
        s.exact(&mut end)?;
        if &end != END {
            return Err(s.err("missing end marker (truncated or corrupt)"));
        }
        if s.var()? != count {
            return Err(s.err("entry count in trailer differs from header"));
        }
        s.flush_hash();
        let expect = *s.hasher.finalize().as_bytes();
        let mut got = [0u8; 32];
        s.raw_exact(&mut got)
            .map_err(|_| Error::Format("baseline truncated: digest missing".into()))?;
        if !constant_time_eq(&expect, &got) {
            return Err(if sealed {
                Error::Seal(
                    "seal does not verify: the baseline was edited, truncated or re-ordered, \
                     or the key is wrong; refusing it"
                        .into(),
                )
            } else {
                Error::Format("checksum mismatch: the baseline is corrupt or was edited".into())
            });
        }
        let mut extra = [0u8; 1];
        if s.raw_read(&mut extra)? != 0 {
            return Err(Error::Format(
                "trailing data after the baseline digest".into(),
            ));
        }
        Ok(Baseline {
            config: ScanConfig {
                host_root,
                paths,
                rules,
                default_attrs,
                hash,
                same_filesystem,
            },
            created,
            complete,
            entries,
            errors,
            stats: ScanStats::default(),
        })
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------- reading

/// The loader's first read: a small baseline is read without zeroing 1 MiB for it.
const FIRST_READ: usize = 16 << 10;
/// The loader's largest read, reached by doubling while reads fill the buffer.
const READ_BUF: usize = 1 << 20;

struct Src<R: Read> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Bytes of `buf` before this index are already in `hasher`.
    hashed: usize,
    hasher: blake3::Hasher,
    /// File offset of `buf[0]`.
    offset: u64,
}

impl<R: Read> Src<R> {
    fn err(&self, m: impl std::fmt::Display) -> Error {
        Error::Format(format!("byte {}: {m}", self.offset + self.pos as u64))
    }

    fn flush_hash(&mut self) {
        if let Some(b) = self.buf.get(self.hashed..self.pos) {
            self.hasher.update(b);
        }
        self.hashed = self.pos;
    }

    fn fill(&mut self) -> Result<bool, Error> {
        self.flush_hash();
        self.fill_raw()
    }

    fn truncated(&self) -> Error {
        Error::Format(format!(
            "baseline truncated at byte {}",
            self.offset + self.pos as u64
        ))
    }

    fn u8(&mut self) -> Result<u8, Error> {
        if self.pos >= self.len && !self.fill()? {
            return Err(self.truncated());
        }
        let b = self
            .buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.truncated())?;
        self.pos += 1;
        Ok(b)
    }

    fn var(&mut self) -> Result<u64, Error> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(self.err("varint overflows 64 bits"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    fn ivar(&mut self) -> Result<i64, Error> {
        let u = self.var()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, Error> {
        let v = self.var()?;
        u32::try_from(v).map_err(|_| self.err(format!("value {v} out of range")))
    }

    fn u16(&mut self) -> Result<u16, Error> {
        let v = self.var()?;
        u16::try_from(v).map_err(|_| self.err(format!("value {v} out of range")))
    }

    fn len(&mut self) -> Result<u64, Error> {
        let n = self.var()?;
        if n > MAX_BYTES {
            return Err(self.err(format!("byte string of {n} bytes exceeds the limit")));
        }
        Ok(n)
    }

    fn count(&mut self) -> Result<u64, Error> {
        let n = self.var()?;
        if n > MAX_LIST {
            return Err(self.err(format!("list of {n} items exceeds the limit")));
        }
        Ok(n)
    }

    fn append(&mut self, out: &mut Vec<u8>, mut n: u64) -> Result<(), Error> {
        while n > 0 {
            if self.pos >= self.len && !self.fill()? {
                return Err(self.truncated());
            }
            let take = (self.len - self.pos).min(usize::try_from(n).unwrap_or(usize::MAX));
            out.extend_from_slice(self.buf.get(self.pos..self.pos + take).unwrap_or(&[]));
            self.pos += take;
            n -= take as u64;
        }
        Ok(())
    }

    fn str(&mut self) -> Result<Vec<u8>, Error> {
        let n = self.len()?;
        let mut v = Vec::with_capacity(n.min(4096) as usize);
        self.append(&mut v, n)?;
        Ok(v)
    }

    fn exact(&mut self, out: &mut [u8]) -> Result<(), Error> {
        for slot in out {
            *slot = self.u8()?;
        }
        Ok(())
    }

    /// Reads without hashing (the digest itself). `flush_hash` must have run.
    fn raw_read(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let mut got = 0;
        for slot in out.iter_mut() {
            if self.pos >= self.len {
                // Bytes past the digest are never hashed: mark them hashed before refilling.
                self.hashed = self.pos;
                if !self.fill_raw()? {
                    break;
                }
            }
            *slot = self.buf.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
            self.hashed = self.pos;
            got += 1;
        }
        Ok(got)
    }

    fn fill_raw(&mut self) -> Result<bool, Error> {
        // A read that filled the buffer means a large file: read more at a time from now on.
        if self.len == self.buf.len() && self.buf.len() < READ_BUF {
            self.buf.resize((self.buf.len() * 2).min(READ_BUF), 0);
        }
        self.offset += self.len as u64;
        self.pos = 0;
        self.hashed = 0;
        self.len = 0;
        loop {
            match self.r.read(&mut self.buf) {
                Ok(n) => {
                    self.len = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Format(format!("reading baseline: {e}"))),
            }
        }
    }

    fn raw_exact(&mut self, out: &mut [u8; 32]) -> Result<(), Error> {
        if self.raw_read(out)? == out.len() {
            Ok(())
        } else {
            Err(self.truncated())
        }
    }
}
