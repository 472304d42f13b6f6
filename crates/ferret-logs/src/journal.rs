//! Native, read-only reader for systemd journal files (`*.journal`, archived `*@*.journal`,
//! dirty `*.journal~`), so journald-only hosts (Debian 12+, many cloud images) are audited
//! without running `journalctl` against the evidence.
//!
//! Format: <https://systemd.io/JOURNAL_FILE_FORMAT/> (64-bit offsets, little endian), both the
//! regular layout and the `compact` one (systemd 252+). What is read:
//! - the header: signature `LPKSHHRH`, header size (at least 208 bytes), state, flags. Unknown
//!   incompatible flags are refused with an error naming them; keyed hashes (`KEYED_HASH`)
//!   and sealing (FSS tags) are accepted: hashes and tags are not verified.
//! - the entries in file order, through the header's chain of entry arrays (as `journalctl`
//!   does, and up to the header's `n_entries`). Offsets must grow along the chain (this bounds
//!   every loop: a cycle is an error). When the chain is broken (bad offset, wrong object type,
//!   truncated file) the rest of the file is recovered by a linear walk of the objects after
//!   the last good entry, picking ENTRY objects. A file in the `online` state (live, or dirty
//!   `*.journal~` after a crash) also gets that walk after the chain's end, since its header
//!   counters may lag behind what was written ([`JournalStats::recovered`]).
//! - each entry's DATA objects, by offset, as `FIELD=value` pairs. Payloads compressed with
//!   XZ, LZ4 or ZSTD are decompressed with pure-Rust decoders (`lzma-rs`, `lz4_flex`,
//!   `ruzstd`) when the `journal` feature is on (default); without it, or when a payload does
//!   not decompress, the field is skipped and counted ([`JournalStats`]).
//!
//! Bounds: the file is read with `pread` through a small window cache (no mmap: a live file can
//! shrink), never past its size at open or the header's arena; objects over [`MAX_OBJECT`]
//! bytes and decompressed payloads over [`MAX_FIELD`] bytes are refused; every offset is
//! checked (alignment, range, type) before use. A corrupt entry is an error beside the others.

use std::borrow::Cow;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ferret_core::{Control, ErrorRecord, FileKind, HostRoot, OpenOptions};

use crate::analyze::{is_sshd, message_event, push_summary, Acc, FileSummary, Rep, Sample, Tally};
use crate::bytes::parse_u32;
use crate::envelope::{Envelope, Format};
use crate::time::LogTime;
use crate::Error;

/// The file signature.
pub const SIGNATURE: &[u8; 8] = b"LPKSHHRH";
/// Smallest header any systemd version wrote (up to `tail_entry_monotonic`).
pub const HEADER_SIZE_MIN: u64 = 208;
/// Largest object read (an entry's item list, a DATA payload before decompression).
pub const MAX_OBJECT: u64 = 16 << 20;
/// Largest decompressed DATA payload.
pub const MAX_FIELD: usize = 16 << 20;
/// Largest entry (all its fields together); fields past it are skipped.
pub const MAX_ENTRY: usize = 64 << 20;
/// Decompressed bytes allowed per file beyond 64 times its size (DATA objects are shared
/// between entries, so a small hostile file could otherwise make unbounded work).
pub const DECOMPRESS_BUDGET: u64 = 256 << 20;

/// Incompatible flag: DATA objects may be XZ-compressed.
pub const INCOMPATIBLE_COMPRESSED_XZ: u32 = 1 << 0;
/// Incompatible flag: DATA objects may be LZ4-compressed.
pub const INCOMPATIBLE_COMPRESSED_LZ4: u32 = 1 << 1;
/// Incompatible flag: hash tables use keyed SipHash (not verified here).
pub const INCOMPATIBLE_KEYED_HASH: u32 = 1 << 2;
/// Incompatible flag: DATA objects may be ZSTD-compressed.
pub const INCOMPATIBLE_COMPRESSED_ZSTD: u32 = 1 << 3;
/// Incompatible flag: compact layout (32-bit entry items, systemd 252+).
pub const INCOMPATIBLE_COMPACT: u32 = 1 << 4;
const INCOMPATIBLE_KNOWN: u32 = 0x1f;

const OBJECT_DATA: u8 = 1;
const OBJECT_ENTRY: u8 = 3;
const OBJECT_ENTRY_ARRAY: u8 = 6;
const OBJECT_TYPE_MAX: u8 = 7;
const OBJ_XZ: u8 = 1;
const OBJ_LZ4: u8 = 2;
const OBJ_ZSTD: u8 = 4;

/// Where a journal file's bytes come from (a file read with `pread`, or memory).
pub trait JournalSource {
    /// Reads at `offset` into `buf`; the count read (0 at the end).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

impl JournalSource for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let src = self.get(start..).unwrap_or_default();
        let n = src.len().min(buf.len());
        if let (Some(d), Some(s)) = (buf.get_mut(..n), src.get(..n)) {
            d.copy_from_slice(s);
        }
        Ok(n)
    }
}

impl JournalSource for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl<S: JournalSource + ?Sized> JournalSource for &S {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        (**self).read_at(buf, offset)
    }
}

/// The header fields this reader uses (all little endian in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct JournalHeader {
    /// Compatible flags (1: sealed, 2: tail entry boot id, 4: sealed continuous).
    pub compatible_flags: u32,
    /// Incompatible flags (`INCOMPATIBLE_*`).
    pub incompatible_flags: u32,
    /// 0 offline, 1 online (being written, or not closed cleanly), 2 archived.
    pub state: u8,
    /// Machine id (raw 16 bytes).
    pub machine_id: [u8; 16],
    /// Header size in bytes.
    pub header_size: u64,
    /// Arena size (objects after the header).
    pub arena_size: u64,
    /// Offset of the last object.
    pub tail_object_offset: u64,
    /// Objects in the file.
    pub n_objects: u64,
    /// Entries in the file.
    pub n_entries: u64,
    /// Offset of the first entry array.
    pub entry_array_offset: u64,
    /// Realtime (µs since the epoch) of the first entry.
    pub head_entry_realtime: u64,
    /// Realtime of the last entry.
    pub tail_entry_realtime: u64,
}

impl JournalHeader {
    /// Compact layout (systemd 252+).
    pub fn compact(&self) -> bool {
        self.incompatible_flags & INCOMPATIBLE_COMPACT != 0
    }

    /// Keyed hash tables.
    pub fn keyed_hash(&self) -> bool {
        self.incompatible_flags & INCOMPATIBLE_KEYED_HASH != 0
    }

    /// The file was being written (live) or not closed cleanly (`*.journal~`).
    pub fn online(&self) -> bool {
        self.state == 1
    }

    /// Parses and checks a header (the first [`HEADER_SIZE_MIN`] bytes or more).
    fn parse(b: &[u8]) -> Result<Self, String> {
        if b.len() < 8 || b.get(..8) != Some(&SIGNATURE[..]) {
            return Err("not a journal file (signature is not LPKSHHRH)".into());
        }
        if (b.len() as u64) < HEADER_SIZE_MIN {
            return Err(format!("truncated header ({} bytes)", b.len()));
        }
        let h = JournalHeader {
            compatible_flags: le32(b, 8),
            incompatible_flags: le32(b, 12),
            state: b.get(16).copied().unwrap_or(0),
            machine_id: arr16(b, 40),
            header_size: le64(b, 88),
            arena_size: le64(b, 96),
            tail_object_offset: le64(b, 136),
            n_objects: le64(b, 144),
            n_entries: le64(b, 152),
            entry_array_offset: le64(b, 176),
            head_entry_realtime: le64(b, 184),
            tail_entry_realtime: le64(b, 192),
        };
        let unknown = h.incompatible_flags & !INCOMPATIBLE_KNOWN;
        if unknown != 0 {
            return Err(format!(
                "unsupported incompatible flags 0x{unknown:x} (known: xz 0x1, lz4 0x2, keyed-hash 0x4, zstd 0x8, compact 0x10); refusing to guess the layout"
            ));
        }
        if h.header_size < HEADER_SIZE_MIN {
            return Err(format!("header size {} < {HEADER_SIZE_MIN}", h.header_size));
        }
        if h.compact() && h.header_size < 264 {
            return Err(format!(
                "compact journal with a header of {} bytes (< 264)",
                h.header_size
            ));
        }
        Ok(h)
    }
}

fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes)
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(0, u32::from_le_bytes)
}

fn arr16(b: &[u8], at: usize) -> [u8; 16] {
    b.get(at..at + 16)
        .and_then(|s| <[u8; 16]>::try_from(s).ok())
        .unwrap_or_default()
}

/// One journal entry: its position and its `FIELD=value` pairs (bytes, as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// 1-based position in the file (the "line" of evidence).
    pub ordinal: u64,
    /// Offset of the ENTRY object.
    pub offset: u64,
    /// Sequence number.
    pub seqnum: u64,
    /// `__REALTIME_TIMESTAMP`: µs since the epoch.
    pub realtime: u64,
    /// `__MONOTONIC_TIMESTAMP`: µs since boot.
    pub monotonic: u64,
    /// `_BOOT_ID` (raw 16 bytes).
    pub boot_id: [u8; 16],
    /// Fields skipped (unreadable or undecodable DATA objects).
    pub skipped: u32,
    buf: Vec<u8>,
    /// (start, '=' position, end) into `buf`.
    spans: Vec<(usize, usize, usize)>,
}

impl JournalEntry {
    /// The fields in stored order (a field may repeat).
    pub fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.spans.iter().map(|&(s, eq, e)| {
            (
                self.buf.get(s..eq).unwrap_or_default(),
                self.buf.get(eq + 1..e).unwrap_or_default(),
            )
        })
    }

    /// The first value of `name`.
    pub fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The entry as the crate's [`Envelope`], mapped exactly as a `journalctl -o json` line
    /// is: time `__REALTIME_TIMESTAMP`, host `_HOSTNAME`, program `SYSLOG_IDENTIFIER` (else
    /// `_COMM`), pid `SYSLOG_PID` (else `_PID`), priority `PRIORITY`, message `MESSAGE`
    /// (bytes, may be binary). `None` without a `MESSAGE` field.
    pub fn envelope(&self) -> Option<Envelope<'_>> {
        let mut env = Envelope {
            format: Format::JournalJson,
            time: i64::try_from(self.realtime).ok().map(LogTime),
            priority: None,
            host: None,
            program: Cow::Borrowed(b""),
            pid: None,
            message: Cow::Borrowed(b""),
        };
        let (mut msg, mut ident, mut comm, mut spid, mut pid, mut prio) =
            (None, None, None, None, None, None);
        for (k, v) in self.fields() {
            let slot = match k {
                b"MESSAGE" => &mut msg,
                b"_HOSTNAME" => &mut env.host,
                b"SYSLOG_IDENTIFIER" => &mut ident,
                b"_COMM" => &mut comm,
                b"SYSLOG_PID" => &mut spid,
                b"_PID" => &mut pid,
                b"PRIORITY" => &mut prio,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(Cow::Borrowed(v));
            }
        }
        env.message = msg?;
        if let Some(p) = ident.or(comm) {
            env.program = p;
        }
        env.pid = spid
            .as_deref()
            .and_then(parse_u32)
            .or_else(|| pid.as_deref().and_then(parse_u32));
        env.priority = prio
            .as_deref()
            .and_then(parse_u32)
            .and_then(|p| u16::try_from(p).ok());
        Some(env)
    }
}

/// Counters of one file's reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct JournalStats {
    /// Entries yielded.
    pub entries: u64,
    /// Entries that could not be read (errors yielded).
    pub bad_entries: u64,
    /// DATA payloads decompressed (XZ, LZ4, ZSTD).
    pub decompressed: [u64; 3],
    /// Compressed DATA payloads that were not decompressed (feature off, corrupt, too large).
    pub undecoded: u64,
    /// Fields skipped for any reason (including `undecoded`).
    pub skipped_fields: u64,
    /// Entries recovered by the linear walk after a broken entry-array chain.
    pub recovered: u64,
}

const WINDOW: usize = 64 << 10;
const WINDOWS: usize = 64;

/// A bounded cache of 64 KiB windows of the file (at most 4 MiB).
struct Cache {
    windows: Vec<(u64, Vec<u8>)>,
    next: usize,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Walking the entry-array chain: the array at `array` (`items` slots), slot `idx`.
    Arrays {
        array: u64,
        items: u64,
        idx: u64,
        next: u64,
    },
    /// Linear walk of the objects from this offset.
    Linear(u64),
    Done,
}

/// A journal file opened for reading: the header, then [`JournalFile::next_entry`].
pub struct JournalFile<S> {
    src: S,
    /// The file's name in errors.
    path: PathBuf,
    /// Bytes read from `src` so far.
    bytes_read: u64,
    /// Readable bytes: the file size at open, within the header's arena.
    limit: u64,
    header: JournalHeader,
    cache: Cache,
    mode: Mode,
    started: bool,
    /// Offset of the last entry yielded (entries only move forward).
    last_entry: u64,
    /// Entry slots taken from the chain.
    taken: u64,
    ordinal: u64,
    stats: JournalStats,
    /// The first skipped field's reason.
    first_skip: Option<(u64, String)>,
    /// Decompressed bytes still allowed.
    budget: u64,
}

impl<S> std::fmt::Debug for JournalFile<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalFile")
            .field("header", &self.header)
            .field("limit", &self.limit)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl JournalFile<std::fs::File> {
    /// Opens a journal file inside `root` soundly (no symlink followed, `O_NOATIME`, regular
    /// files only) and checks its header; the file is then read with `pread`.
    pub fn open_root(root: &HostRoot, path: &Path) -> Result<Self, Error> {
        let file = root.open_file(path, &OpenOptions::new())?;
        let size = file.stat().size;
        JournalFile::open(path, file.into_file(), size)
    }
}

impl<S: JournalSource> JournalFile<S> {
    /// Reads and checks the header of a file of `size` bytes; `path` names it in errors.
    pub fn open(path: impl AsRef<Path>, src: S, size: u64) -> Result<Self, Error> {
        let path = path.as_ref();
        let err = |message: String| Error::Parse {
            path: path.to_path_buf(),
            line: None,
            message,
        };
        let mut head = vec![0u8; 272];
        let n = read_full(&src, &mut head, 0).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        head.truncate(n);
        let header = JournalHeader::parse(&head).map_err(err)?;
        if header.header_size > size {
            return Err(err(format!(
                "truncated: header size {} > file size {size}",
                header.header_size
            )));
        }
        let limit = size.min(header.header_size.saturating_add(header.arena_size));
        Ok(JournalFile {
            src,
            path: path.to_path_buf(),
            bytes_read: n as u64,
            limit,
            cache: Cache {
                windows: Vec::new(),
                next: 0,
            },
            mode: Mode::Done,
            started: false,
            last_entry: 0,
            taken: 0,
            ordinal: 0,
            stats: JournalStats::default(),
            first_skip: None,
            budget: DECOMPRESS_BUDGET.saturating_add(size.saturating_mul(64)),
            header,
        })
    }

    /// Bytes read from the file so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The checked header.
    pub fn header(&self) -> &JournalHeader {
        &self.header
    }

    /// Reading counters so far.
    pub fn stats(&self) -> &JournalStats {
        &self.stats
    }

    /// The first field skipped: (entry ordinal, reason).
    pub fn first_skip(&self) -> Option<&(u64, String)> {
        self.first_skip.as_ref()
    }

    /// `len` bytes at `off`, within the readable range.
    fn read(&mut self, off: u64, len: u64, out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        let end = off
            .checked_add(len)
            .filter(|e| *e <= self.limit)
            .ok_or_else(|| format!("range {off}+{len} beyond the end ({})", self.limit))?;
        if len > MAX_OBJECT + 64 {
            return Err(format!("object of {len} bytes at {off} over the cap"));
        }
        let mut pos = off;
        while pos < end {
            let w = pos / WINDOW as u64;
            let i = match self.cache.windows.iter().position(|x| x.0 == w) {
                Some(i) => i,
                None => {
                    let start = w * WINDOW as u64;
                    let want = (self.limit - start).min(WINDOW as u64) as usize;
                    let mut buf = vec![0u8; want];
                    let n = read_full(&self.src, &mut buf, start)
                        .map_err(|e| format!("read at {start}: {e}"))?;
                    self.bytes_read += n as u64;
                    buf.truncate(n);
                    if self.cache.windows.len() < WINDOWS {
                        self.cache.windows.push((w, buf));
                        self.cache.windows.len() - 1
                    } else {
                        let i = self.cache.next % WINDOWS;
                        self.cache.next = i + 1;
                        if let Some(slot) = self.cache.windows.get_mut(i) {
                            *slot = (w, buf);
                        }
                        i
                    }
                }
            };
            let win = self
                .cache
                .windows
                .get(i)
                .map(|x| x.1.as_slice())
                .unwrap_or_default();
            let from = (pos - w * WINDOW as u64) as usize;
            let to = ((end - w * WINDOW as u64) as usize).min(WINDOW);
            let part = win
                .get(from..to)
                .ok_or_else(|| format!("file shrank: short read at {pos}"))?;
            out.extend_from_slice(part);
            pos += part.len() as u64;
        }
        Ok(())
    }

    /// Checks an object offset and reads its 16-byte header: (type, flags, size).
    fn object_header(&mut self, off: u64, buf: &mut Vec<u8>) -> Result<(u8, u8, u64), String> {
        if !off.is_multiple_of(8) || off < self.header.header_size {
            return Err(format!("bad object offset {off}"));
        }
        self.read(off, 16, buf)?;
        let (ty, flags, size) = (
            buf.first().copied().unwrap_or(0),
            buf.get(1).copied().unwrap_or(0),
            le64(buf, 8),
        );
        if size < 16 || off.checked_add(size).is_none_or(|e| e > self.limit) {
            return Err(format!("object at {off}: size {size} out of range"));
        }
        Ok((ty, flags, size))
    }

    fn item_size(&self) -> u64 {
        if self.header.compact() {
            4
        } else {
            8
        }
    }

    /// The next entry offset from the chain of entry arrays (`Ok(None)` at its end).
    fn next_from_arrays(&mut self, buf: &mut Vec<u8>) -> Result<Option<u64>, String> {
        loop {
            let Mode::Arrays {
                array,
                items,
                idx,
                next,
            } = self.mode
            else {
                return Ok(None);
            };
            if self.taken >= self.header.n_entries {
                return Ok(None);
            }
            if idx < items {
                let isz = self.item_size();
                self.read(array + 24 + idx * isz, isz, buf)?;
                let e = if isz == 4 {
                    u64::from(le32(buf, 0))
                } else {
                    le64(buf, 0)
                };
                self.mode = Mode::Arrays {
                    array,
                    items,
                    idx: idx + 1,
                    next,
                };
                if e == 0 {
                    return Ok(None);
                }
                if e <= self.last_entry {
                    return Err(format!(
                        "entry array at {array}: entry offset {e} does not follow {}",
                        self.last_entry
                    ));
                }
                self.taken += 1;
                return Ok(Some(e));
            }
            if next == 0 {
                return Ok(None);
            }
            if next <= array {
                return Err(format!("entry array chain goes back ({array} -> {next})"));
            }
            self.load_array(next, buf)?;
        }
    }

    fn load_array(&mut self, off: u64, buf: &mut Vec<u8>) -> Result<(), String> {
        let (ty, _, size) = self.object_header(off, buf)?;
        if ty != OBJECT_ENTRY_ARRAY || size < 24 {
            return Err(format!("object at {off} is not an entry array (type {ty})"));
        }
        self.read(off + 16, 8, buf)?;
        self.mode = Mode::Arrays {
            array: off,
            items: (size - 24) / self.item_size(),
            idx: 0,
            next: le64(buf, 0),
        };
        Ok(())
    }

    /// The next ENTRY object offset of the linear walk.
    fn next_linear(&mut self, buf: &mut Vec<u8>) -> Result<Option<u64>, String> {
        while let Mode::Linear(off) = self.mode {
            if off.saturating_add(16) > self.limit {
                self.mode = Mode::Done;
                return Ok(None);
            }
            self.read(off, 16, buf)?;
            let (ty, size) = (buf.first().copied().unwrap_or(0), le64(buf, 8));
            if ty == 0 && size == 0 {
                // The zeroed, preallocated tail.
                self.mode = Mode::Done;
                return Ok(None);
            }
            if size < 16 || ty > OBJECT_TYPE_MAX || off.saturating_add(size) > self.limit {
                self.mode = Mode::Done;
                return Err(format!(
                    "object at {off}: type {ty} size {size} is corrupt; stopping"
                ));
            }
            self.mode = Mode::Linear(off + size.div_ceil(8) * 8);
            if ty == OBJECT_ENTRY && off > self.last_entry {
                return Ok(Some(off));
            }
        }
        Ok(None)
    }

    /// The next entry in file order; errors for unreadable entries (reading goes on after
    /// them, the error names the file and the entry's ordinal), `None` at the end.
    pub fn next_entry(&mut self) -> Option<Result<JournalEntry, Error>> {
        let r = self.next_entry_inner()?;
        Some(r.map_err(|message| Error::Parse {
            path: self.path.clone(),
            line: Some(self.ordinal.max(1)),
            message,
        }))
    }

    fn next_entry_inner(&mut self) -> Option<Result<JournalEntry, String>> {
        let mut buf = Vec::new();
        if !self.started {
            self.started = true;
            let first = self.header.entry_array_offset;
            if first != 0 {
                if let Err(e) = self.load_array(first, &mut buf) {
                    self.mode = Mode::Linear(self.header.header_size.div_ceil(8) * 8);
                    self.stats.bad_entries += 1;
                    return Some(Err(format!("{e}; walking the objects instead")));
                }
            }
        }
        let (off, linear) = match self.mode {
            Mode::Arrays { .. } => match self.next_from_arrays(&mut buf) {
                Ok(Some(o)) => (o, false),
                Ok(None) if self.header.online() => {
                    // Being written or not closed cleanly (`*.journal~`): the header's
                    // counters may lag behind the objects; entries after the last linked one
                    // are picked up by walking the tail.
                    self.mode = Mode::Linear(if self.last_entry == 0 {
                        self.header.header_size.div_ceil(8) * 8
                    } else {
                        self.last_entry
                    });
                    return self.next_entry_inner();
                }
                Ok(None) => {
                    self.mode = Mode::Done;
                    return None;
                }
                Err(e) => {
                    let from = if self.last_entry == 0 {
                        self.header.header_size.div_ceil(8) * 8
                    } else {
                        self.last_entry
                    };
                    self.mode = Mode::Linear(from);
                    self.stats.bad_entries += 1;
                    return Some(Err(format!("{e}; walking the objects after it instead")));
                }
            },
            Mode::Linear(_) => match self.next_linear(&mut buf) {
                Ok(Some(o)) => (o, true),
                Ok(None) => return None,
                Err(e) => {
                    self.stats.bad_entries += 1;
                    return Some(Err(e));
                }
            },
            Mode::Done => return None,
        };
        self.ordinal += 1;
        match self.entry_at(off, &mut buf) {
            Ok(e) => {
                self.last_entry = off;
                self.stats.entries += 1;
                self.stats.recovered += u64::from(linear);
                Some(Ok(e))
            }
            Err(e) => {
                self.stats.bad_entries += 1;
                Some(Err(format!("entry {} at {off}: {e}", self.ordinal)))
            }
        }
    }

    fn entry_at(&mut self, off: u64, buf: &mut Vec<u8>) -> Result<JournalEntry, String> {
        let (ty, _, size) = self.object_header(off, buf)?;
        if ty != OBJECT_ENTRY || size < 64 {
            return Err(format!("not an entry object (type {ty}, size {size})"));
        }
        if size > MAX_OBJECT {
            return Err(format!("entry of {size} bytes over the cap"));
        }
        let mut obj = Vec::new();
        self.read(off, size, &mut obj)?;
        let mut entry = JournalEntry {
            ordinal: self.ordinal,
            offset: off,
            seqnum: le64(&obj, 16),
            realtime: le64(&obj, 24),
            monotonic: le64(&obj, 32),
            boot_id: arr16(&obj, 40),
            skipped: 0,
            buf: Vec::new(),
            spans: Vec::new(),
        };
        let isz = if self.header.compact() { 4 } else { 16 };
        let items = obj.get(64..).unwrap_or_default();
        for item in items.chunks_exact(isz) {
            let d = if isz == 4 {
                u64::from(le32(item, 0))
            } else {
                le64(item, 0)
            };
            if let Err(why) = self.data_into(d, buf, &mut entry) {
                entry.skipped += 1;
                self.stats.skipped_fields += 1;
                if self.first_skip.is_none() {
                    self.first_skip = Some((self.ordinal, why));
                }
            }
        }
        Ok(entry)
    }

    /// Appends the DATA object at `off` to the entry's fields.
    fn data_into(
        &mut self,
        off: u64,
        buf: &mut Vec<u8>,
        e: &mut JournalEntry,
    ) -> Result<(), String> {
        let (ty, flags, size) = self.object_header(off, buf)?;
        let payload_at = if self.header.compact() { 72 } else { 64 };
        if ty != OBJECT_DATA || size < payload_at {
            return Err(format!("object at {off} is not a data object (type {ty})"));
        }
        if size > MAX_OBJECT {
            return Err(format!("data object of {size} bytes at {off} over the cap"));
        }
        if e.buf.len() > MAX_ENTRY {
            return Err(format!(
                "entry over {MAX_ENTRY} bytes; field at {off} skipped"
            ));
        }
        self.read(off + payload_at, size - payload_at, buf)?;
        let start = e.buf.len();
        match flags & (OBJ_XZ | OBJ_LZ4 | OBJ_ZSTD) {
            0 => e.buf.extend_from_slice(buf),
            f => {
                if self.budget == 0 {
                    self.stats.undecoded += 1;
                    return Err(format!(
                        "data object at {off}: decompression budget of the file exhausted"
                    ));
                }
                let r = decompress(f, buf, &mut e.buf);
                self.budget = self.budget.saturating_sub((e.buf.len() - start) as u64);
                if let Err(why) = r {
                    e.buf.truncate(start);
                    self.stats.undecoded += 1;
                    return Err(format!("data object at {off}: {why}"));
                }
                let k = match f {
                    OBJ_XZ => 0,
                    OBJ_LZ4 => 1,
                    _ => 2,
                };
                if let Some(c) = self.stats.decompressed.get_mut(k) {
                    *c += 1;
                }
            }
        }
        let field = e.buf.get(start..).unwrap_or_default();
        match memchr::memchr(b'=', field) {
            Some(eq) => {
                e.spans.push((start, start + eq, e.buf.len()));
                Ok(())
            }
            None => {
                e.buf.truncate(start);
                Err(format!("data object at {off} has no '='"))
            }
        }
    }
}

/// `read_at` until `buf` is full or the end: the count read.
fn read_full<S: JournalSource + ?Sized>(
    src: &S,
    buf: &mut [u8],
    off: u64,
) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let Some(dst) = buf.get_mut(n..) else { break };
        match src.read_at(dst, off + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A `Write` that refuses to grow past [`MAX_FIELD`] bytes in all.
#[cfg(feature = "journal")]
struct Capped<'a>(&'a mut Vec<u8>, usize);

#[cfg(feature = "journal")]
impl std::io::Write for Capped<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.0.len() - self.1 + b.len() > MAX_FIELD {
            return Err(std::io::Error::other("decompressed field over the cap"));
        }
        self.0.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses one payload (exactly one of the flags set) onto `out`.
#[cfg(feature = "journal")]
fn decompress(flag: u8, src: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    use std::io::Read;
    let start = out.len();
    match flag {
        OBJ_XZ => {
            let mut input = src;
            lzma_rs::xz_decompress(&mut input, &mut Capped(out, start))
                .map_err(|e| format!("xz: {e}"))
        }
        OBJ_LZ4 => {
            // systemd: the uncompressed size (le64), then one LZ4 block.
            let size = le64(src, 0);
            // An LZ4 block expands at most about 255 times.
            if src.len() < 8 || size > MAX_FIELD as u64 || size > src.len() as u64 * 255 {
                return Err(format!("lz4: bad or oversized length {size}"));
            }
            out.resize(start + size as usize, 0);
            let dst = out.get_mut(start..).unwrap_or_default();
            match lz4_flex::block::decompress_into(src.get(8..).unwrap_or_default(), dst) {
                Ok(n) if n == size as usize => Ok(()),
                Ok(n) => Err(format!("lz4: {n} bytes, header said {size}")),
                Err(e) => Err(format!("lz4: {e}")),
            }
        }
        OBJ_ZSTD => {
            let mut dec =
                ruzstd::decoding::StreamingDecoder::new(src).map_err(|e| format!("zstd: {e}"))?;
            let mut tmp = [0u8; 16 << 10];
            loop {
                match dec.read(&mut tmp) {
                    Ok(0) => return Ok(()),
                    Ok(n) => {
                        if out.len() - start + n > MAX_FIELD {
                            return Err("zstd: decompressed field over the cap".into());
                        }
                        out.extend_from_slice(tmp.get(..n).unwrap_or_default());
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(format!("zstd: {e}")),
                }
            }
        }
        f => Err(format!("several compression flags set (0x{f:x})")),
    }
}

#[cfg(not(feature = "journal"))]
fn decompress(_flag: u8, _src: &[u8], _out: &mut Vec<u8>) -> Result<(), String> {
    Err("compressed field: decompression not compiled in (feature `journal`)".into())
}

/// Whether `head` (the first bytes of a file) is a journal file.
pub fn is_journal(head: &[u8]) -> bool {
    head.starts_with(SIGNATURE)
}

/// The journal directories looked at by [`discover_journals`].
pub const JOURNAL_DIRS: &[&str] = &["/var/log/journal", "/run/log/journal"];

fn is_journal_name(n: &[u8]) -> bool {
    n.ends_with(b".journal") || n.ends_with(b".journal~")
}

/// Journal files directly in `dir` and in its subdirectories (one level: `<machine-id>/`,
/// `remote/`): active, archived (`*@*.journal`), dirty (`*.journal~`), system and user
/// journals. Sorted by path; unreadable directories are skipped.
pub fn journal_files_in(root: &HostRoot, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = root.read_dir(dir) else {
        return out;
    };
    for e in entries {
        let p = dir.join(&e.name);
        if is_journal_name(e.name.as_bytes()) {
            if root.lstat(&p).is_ok_and(|s| s.kind == FileKind::Regular) {
                out.push(p);
            }
        } else if root.lstat(&p).is_ok_and(|s| s.kind == FileKind::Directory) {
            if let Ok(sub) = root.read_dir(&p) {
                for s in sub {
                    let q = p.join(&s.name);
                    if is_journal_name(s.name.as_bytes())
                        && root.lstat(&q).is_ok_and(|st| st.kind == FileKind::Regular)
                    {
                        out.push(q);
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Every journal file under `/var/log/journal/` and `/run/log/journal/` (see
/// [`journal_files_in`]).
pub fn discover_journals(root: &HostRoot) -> Vec<PathBuf> {
    JOURNAL_DIRS
        .iter()
        .flat_map(|d| journal_files_in(root, Path::new(d)))
        .collect()
}

/// The journals [`crate::analyze_root`] reads: none when the current text auth log
/// (`auth.log` or `secure`) is among `text_logs` and holds something, since rsyslog then
/// already wrote the same messages there and reading both would count every attempt twice;
/// all of them otherwise: on journald-only hosts, and when the current auth log was deleted or
/// emptied (`echo > /var/log/secure`, `> auth.log`: what miner scripts do) while the journal
/// kept the intrusion. Rotations alone do not hold the journal back (they end before the
/// current log begins; where they overlap the journal, those attempts count twice, which
/// over-counts a tampered host rather than losing its evidence).
/// (`AnalyzeOptions::paths` or [`crate::Input::Journal`] read journals on request.)
pub(crate) fn root_journals(root: &HostRoot, text_logs: &[PathBuf]) -> Vec<PathBuf> {
    let has_auth = text_logs.iter().any(|p| {
        p.file_name()
            .is_some_and(|n| matches!(n.as_bytes(), b"auth.log" | b"secure"))
            && !blank(root, p)
    });
    if has_auth {
        Vec::new()
    } else {
        discover_journals(root)
    }
}

/// Whether the log at `p` is empty or holds only whitespace (what `echo > FILE` leaves). A
/// file that cannot be read is not blank: the analysis reports its error.
fn blank(root: &HostRoot, p: &Path) -> bool {
    const PROBE: u64 = 4096;
    root.read_capped(p, PROBE + 1)
        .is_ok_and(|b| b.len() as u64 <= PROBE && b.iter().all(u8::is_ascii_whitespace))
}

/// Feeds journal entries to an analysis, as the line loop feeds lines.
pub(crate) struct Sink<'s, 'o> {
    pub(crate) acc: &'s mut Acc<'o>,
    pub(crate) control: &'s Control,
    pub(crate) tally: &'s Tally,
}

impl Sink<'_, '_> {
    /// The `Input::Journal` path of the analysis: opens, orders and reads `paths`.
    pub(crate) fn files(&mut self, root: &HostRoot, paths: &[PathBuf]) {
        let mut open = Vec::new();
        for p in paths {
            let file = match root.open_file(p, &OpenOptions::new()) {
                Ok(f) => f,
                Err(e) => {
                    self.acc.analysis.outcome.error(ErrorRecord::from(&e));
                    continue;
                }
            };
            let size = file.stat().size;
            match JournalFile::open(p, file.into_file(), size) {
                Ok(jf) => open.push((jf.header().head_entry_realtime, p.clone(), jf)),
                Err(e) => self.acc.analysis.outcome.error(e.record()),
            }
        }
        open.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        for (_, p, jf) in open {
            if self.control.is_cancelled() {
                self.acc
                    .analysis
                    .outcome
                    .error(ErrorRecord::new(None, None, "cancelled"));
                return;
            }
            self.file(p.as_os_str().as_bytes(), jf);
        }
    }

    /// The `Input::JournalBytes` path: one journal file in memory.
    pub(crate) fn bytes(&mut self, data: &[u8], name: &[u8]) {
        let path = Path::new(std::ffi::OsStr::from_bytes(name));
        match JournalFile::open(path, data, data.len() as u64) {
            Ok(jf) => self.file(name, jf),
            Err(e) => self.acc.analysis.outcome.error(e.record()),
        }
    }

    /// Reads one opened file to the end.
    pub(crate) fn file<S: JournalSource>(&mut self, name: &[u8], mut jf: JournalFile<S>) {
        let mut summary = FileSummary {
            path: ferret_core::escape::escape(name),
            ..FileSummary::default()
        };
        self.acc.det.begin_file(name);
        let max_line = self.acc.opts.max_line.max(64);
        let mut charged = 0u64;
        let mut reported = 0u64;
        while let Some(r) = jf.next_entry() {
            let read = jf.bytes_read();
            self.tally.add(read - reported, self.control);
            reported = read;
            let entry = match r {
                Ok(e) => e,
                Err(e) => {
                    self.acc.analysis.outcome.error(e.record());
                    continue;
                }
            };
            summary.lines += 1;
            charged += entry.buf.len() as u64 + 64;
            if charged >= 1 << 20 {
                if !self.control.charge(charged) {
                    self.acc.analysis.outcome.error(ErrorRecord::new(
                        Some(name),
                        Some(entry.ordinal),
                        "cancelled",
                    ));
                    break;
                }
                charged = 0;
            }
            self.entry(name, &entry, max_line, &mut summary);
        }
        if let Some((at, why)) = jf.first_skip() {
            self.acc.analysis.outcome.error(ErrorRecord::new(
                Some(name),
                Some(*at),
                format!(
                    "{} journal field(s) skipped ({} compressed and not decoded); first: {why}",
                    jf.stats().skipped_fields,
                    jf.stats().undecoded
                ),
            ));
        }
        self.tally.add(jf.bytes_read() - reported, self.control);
        self.tally.add(0, self.control);
        push_summary(self.acc, summary);
    }

    /// One entry, as the line loop treats a `journalctl -o json` line.
    fn entry(&mut self, name: &[u8], entry: &JournalEntry, max_line: usize, s: &mut FileSummary) {
        let acc = &mut *self.acc;
        let line = entry.ordinal;
        let Some(env) = entry.envelope() else {
            // As a JSON line without MESSAGE: no envelope.
            s.unparsed += 1;
            if acc.analysis.unparsed_samples.len() < acc.opts.max_samples {
                let text = format!(
                    "journal entry without MESSAGE (SYSLOG_IDENTIFIER={})",
                    ferret_core::escape::escape(entry.field(b"SYSLOG_IDENTIFIER").unwrap_or(b"-"))
                );
                acc.analysis.unparsed_samples.push(Sample {
                    path: ferret_core::escape::escape(name),
                    line,
                    text,
                });
            }
            return;
        };
        // A MESSAGE over the line cap is cut and flagged, as an overlong line is.
        let mut msg: &[u8] = &env.message;
        let truncated = msg.len() > max_line;
        if truncated {
            s.long_lines += 1;
            acc.det.long_line(line, msg.len());
            msg = msg.get(..max_line).unwrap_or_default();
        }
        let mut rep = Rep::ONE;
        let event = message_event(&env.program, env.pid, msg, truncated, &mut rep);
        if rep.capped {
            acc.det.repeat_capped(line);
        }
        match event {
            // `last message repeated` has no previous line in a journal: unrecognized.
            Some(ev) if !rep.last => {
                s.events += 1;
                if acc.in_range(env.time) {
                    let sshd = is_sshd(&env.program);
                    if rep.times == 1 {
                        acc.det.observe_event(line, env.time, env.pid, sshd, &ev);
                    } else {
                        acc.det
                            .observe_repeated(line, env.time, env.pid, sshd, &ev, rep.times, false);
                    }
                }
            }
            _ => s.unrecognized += 1,
        }
    }
}
