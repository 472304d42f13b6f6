//! `utmp`, `wtmp` and `btmp`: fixed-size binary records, read the way glibc writes them, with
//! the layout of a file recognised by its size and the plausibility of its first records.
//!
//! glibc's `struct utmp` on Linux is 384 bytes on every ABI (on 64-bit ABIs `ut_tv` and
//! `ut_session` stay 32-bit, `__WORDSIZE_TIME64_COMPAT32`):
//!
//! | offset | field | |
//! |---|---|---|
//! | 0 | `ut_type` | `short` (2 bytes of padding follow) |
//! | 4 | `ut_pid` | `int32` |
//! | 8 | `ut_line` | 32 bytes |
//! | 40 | `ut_id` | 4 bytes |
//! | 44 | `ut_user` | 32 bytes |
//! | 76 | `ut_host` | 256 bytes |
//! | 332 | `ut_exit` | `e_termination`, `e_exit`: two `short`s |
//! | 336 | `ut_session` | `int32` |
//! | 340 | `ut_tv` | `tv_sec`, `tv_usec`: two `int32`s |
//! | 348 | `ut_addr_v6` | 16 bytes, network order (IPv4 in the first 4) |
//! | 364 | unused | 20 bytes |
//!
//! musl's `struct utmpx` on 64-bit targets is 400 bytes: `ut_session` and a pad at 336, a
//! 64-bit `tv_sec` and `tv_usec` at 344 and 352, the address at 360. A file of such records
//! read as glibc's would be garbage (times in the microsecond field), so [`detect_layout`]
//! tries each layout on the first records and keeps the one under which they make sense.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::time::LogTime;

/// Bytes of one glibc record.
pub const GLIBC_RECORD: usize = 384;
/// Bytes of one musl `utmpx` record (64-bit targets).
pub const MUSL_RECORD: usize = 400;

/// Records [`detect_layout`] looks at.
const SAMPLE_RECORDS: usize = 256;

/// The latest plausible time: 2100-01-01T00:00:00Z.
const MAX_PLAUSIBLE_SECS: i64 = 4_102_444_800;

/// How the records of a file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Layout {
    /// glibc, little-endian (x86, x86_64, aarch64, arm, riscv64): 384 bytes.
    Glibc,
    /// glibc, big-endian (s390x, ppc64, sparc64): 384 bytes.
    GlibcBigEndian,
    /// musl's 400-byte `utmpx`, little-endian, 64-bit `tv_sec` and `tv_usec`.
    Musl,
}

impl Layout {
    /// Every layout, the usual one first.
    pub const ALL: [Layout; 3] = [Layout::Glibc, Layout::GlibcBigEndian, Layout::Musl];

    /// Bytes per record.
    pub fn size(self) -> usize {
        match self {
            Layout::Glibc | Layout::GlibcBigEndian => GLIBC_RECORD,
            Layout::Musl => MUSL_RECORD,
        }
    }

    /// A short name: `glibc`, `glibc-big-endian`, `musl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Glibc => "glibc",
            Layout::GlibcBigEndian => "glibc-big-endian",
            Layout::Musl => "musl",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a record is, from its `ut_type` (and, for run-level records, its user: `shutdown` on
/// terminal `~` is how `shutdown`/systemd record a halt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum RecordKind {
    /// `EMPTY` (0).
    Empty,
    /// `RUN_LVL` (1): a run-level change (user `runlevel`).
    RunLevel,
    /// `RUN_LVL` (1) with user `shutdown` on `~`: the system was halted or rebooted.
    Shutdown,
    /// `BOOT_TIME` (2): the system booted (user `reboot`, host the kernel release).
    Boot,
    /// `NEW_TIME` (3): the clock after a change.
    NewTime,
    /// `OLD_TIME` (4): the clock before a change.
    OldTime,
    /// `INIT_PROCESS` (5): a process started by init.
    Init,
    /// `LOGIN_PROCESS` (6): a getty waiting for a login (in `btmp`: a failed login).
    LoginProcess,
    /// `USER_PROCESS` (7): a login.
    Login,
    /// `DEAD_PROCESS` (8): a logout (the session's process ended).
    Logout,
    /// `ACCOUNTING` (9).
    Accounting,
    /// Any other value.
    Unknown,
}

impl RecordKind {
    /// The kind of a record of type `ut_type` with this user and terminal.
    pub fn of(ut_type: i16, user: &[u8], line: &[u8]) -> RecordKind {
        match ut_type {
            0 => RecordKind::Empty,
            1 if user.starts_with(b"shutdown") && line.first() == Some(&b'~') => {
                RecordKind::Shutdown
            }
            1 => RecordKind::RunLevel,
            2 => RecordKind::Boot,
            3 => RecordKind::NewTime,
            4 => RecordKind::OldTime,
            5 => RecordKind::Init,
            6 => RecordKind::LoginProcess,
            7 => RecordKind::Login,
            8 => RecordKind::Logout,
            9 => RecordKind::Accounting,
            _ => RecordKind::Unknown,
        }
    }

    /// A short name: `login`, `logout`, `boot`, `shutdown`, `run-level`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Empty => "empty",
            RecordKind::RunLevel => "run-level",
            RecordKind::Shutdown => "shutdown",
            RecordKind::Boot => "boot",
            RecordKind::NewTime => "new-time",
            RecordKind::OldTime => "old-time",
            RecordKind::Init => "init",
            RecordKind::LoginProcess => "login-process",
            RecordKind::Login => "login",
            RecordKind::Logout => "logout",
            RecordKind::Accounting => "accounting",
            RecordKind::Unknown => "unknown",
        }
    }
}

/// What is wrong with a record, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Damage {
    /// Every byte is zero: what log wipers leave where they removed an entry (chkrootkit's
    /// `chkwtmp` counts these as deletions).
    Zeroed,
    /// The time is zero while other fields are not (also a deletion for `chkwtmp`).
    TimeZeroed,
    /// A login (`USER_PROCESS`) with its user or terminal blanked.
    FieldsZeroed,
    /// A type, time or microsecond count no writer produces: garbage, or a record of another
    /// layout.
    Implausible,
}

impl Damage {
    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            Damage::Zeroed => "zeroed",
            Damage::TimeZeroed => "time-zeroed",
            Damage::FieldsZeroed => "fields-zeroed",
            Damage::Implausible => "implausible",
        }
    }
}

/// One record, owned. Byte fields are cut at their first NUL, as C reads them, and kept as
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LoginRecord {
    /// 1-based position of the record in its file (the "line" of evidence).
    pub index: u64,
    /// What it is.
    pub kind: RecordKind,
    /// The raw `ut_type`.
    pub ut_type: i16,
    /// `ut_pid` (for run-level records: the new and previous level, `prev * 256 + new`).
    pub pid: i32,
    /// `ut_line`: the terminal (`pts/0`, `tty1`, `ssh:notty`, `~`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub line: Vec<u8>,
    /// `ut_id`: the terminal suffix or inittab id.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub id: Vec<u8>,
    /// `ut_user`: the user (`reboot`, `shutdown`, `runlevel` in system records).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// `ut_host`: the remote host (or the kernel release in boot records).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub host: Vec<u8>,
    /// `ut_exit.e_termination`.
    pub exit_termination: i16,
    /// `ut_exit.e_exit`.
    pub exit_status: i16,
    /// `ut_session`.
    pub session: i32,
    /// `ut_tv.tv_sec`.
    pub sec: i64,
    /// `ut_tv.tv_usec`.
    pub usec: i64,
    /// `ut_addr_v6`, decoded as `last` does (an IPv4-mapped address or one with the last three
    /// words zero is IPv4); `None` when all zero.
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser_addr"))]
    pub addr: Option<IpAddr>,
    /// `ut_addr_v6` as stored.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub addr_raw: [u8; 16],
    /// What is wrong with it, if anything.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub damage: Option<Damage>,
}

#[cfg(feature = "serde")]
#[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<T>`.
fn ser_addr<S: serde::Serializer>(a: &Option<IpAddr>, s: S) -> Result<S::Ok, S::Error> {
    match a {
        Some(a) => s.collect_str(&crate::logins::render::Addr(*a)),
        None => s.serialize_none(),
    }
}

impl LoginRecord {
    /// The record's time, when it is a representable instant.
    pub fn time(&self) -> Option<LogTime> {
        let us = self.sec.checked_mul(1_000_000)?.checked_add(self.usec)?;
        Some(LogTime(us))
    }

    /// Where the login came from, for joins: the address when there is one, else the host
    /// field (a name, or an address `sshd` wrote as text), else `None`.
    pub fn source(&self) -> Option<Vec<u8>> {
        match self.addr {
            Some(a) => Some(crate::logins::render::Addr(a).to_string().into_bytes()),
            None if !self.host.is_empty() => Some(self.host.clone()),
            None => None,
        }
    }
}

/// Bytes up to the first NUL.
pub(crate) fn cstr(b: &[u8]) -> &[u8] {
    // Terminal, user and id fields are short: a plain scan beats memchr's set-up there.
    let nul = if b.len() <= 32 {
        b.iter().position(|&c| c == 0)
    } else {
        memchr::memchr(0, b)
    };
    match nul {
        Some(i) => b.get(..i).unwrap_or(b),
        None => b,
    }
}

fn field(rec: &[u8], at: usize, len: usize) -> &[u8] {
    rec.get(at..at + len).unwrap_or(&[])
}

fn i16_at(rec: &[u8], at: usize, be: bool) -> i16 {
    let b = [
        rec.get(at).copied().unwrap_or(0),
        rec.get(at + 1).copied().unwrap_or(0),
    ];
    if be {
        i16::from_be_bytes(b)
    } else {
        i16::from_le_bytes(b)
    }
}

fn i32_at(rec: &[u8], at: usize, be: bool) -> i32 {
    let mut b = [0u8; 4];
    if let Some(s) = rec.get(at..at + 4) {
        b.copy_from_slice(s);
    }
    if be {
        i32::from_be_bytes(b)
    } else {
        i32::from_le_bytes(b)
    }
}

fn i64_le_at(rec: &[u8], at: usize) -> i64 {
    let mut b = [0u8; 8];
    if let Some(s) = rec.get(at..at + 8) {
        b.copy_from_slice(s);
    }
    i64::from_le_bytes(b)
}

/// `ut_addr_v6` as `last` reads it: IPv4 when the last three words are zero or the address is
/// IPv4-mapped (`::ffff:a.b.c.d`), else IPv6; `None` when all zero.
pub fn decode_addr(raw: &[u8; 16]) -> Option<IpAddr> {
    if raw.iter().all(|&b| b == 0) {
        return None;
    }
    let w = |i: usize| -> [u8; 4] {
        let mut b = [0u8; 4];
        if let Some(s) = raw.get(i * 4..i * 4 + 4) {
            b.copy_from_slice(s);
        }
        b
    };
    let zero = [0u8; 4];
    if w(0) == zero && w(1) == zero && w(2) == [0, 0, 0xff, 0xff] {
        return Some(IpAddr::V4(Ipv4Addr::from(w(3))));
    }
    if w(1) == zero && w(2) == zero && w(3) == zero {
        return Some(IpAddr::V4(Ipv4Addr::from(w(0))));
    }
    Some(IpAddr::V6(Ipv6Addr::from(*raw)))
}

/// The fields of one raw record under a layout (nothing copied).
struct Raw<'a> {
    rec: &'a [u8],
    layout: Layout,
}

impl<'a> Raw<'a> {
    fn be(&self) -> bool {
        self.layout == Layout::GlibcBigEndian
    }
    fn ut_type(&self) -> i16 {
        i16_at(self.rec, 0, self.be())
    }
    fn tv(&self) -> (i64, i64) {
        match self.layout {
            Layout::Musl => (i64_le_at(self.rec, 344), i64_le_at(self.rec, 352)),
            _ => (
                i64::from(i32_at(self.rec, 340, self.be())),
                i64::from(i32_at(self.rec, 344, self.be())),
            ),
        }
    }
    fn addr(&self) -> [u8; 16] {
        let at = if self.layout == Layout::Musl {
            360
        } else {
            348
        };
        let mut a = [0u8; 16];
        if let Some(s) = self.rec.get(at..at + 16) {
            a.copy_from_slice(s);
        }
        a
    }
    fn user(&self) -> &'a [u8] {
        cstr(field(self.rec, 44, 32))
    }
    fn line(&self) -> &'a [u8] {
        cstr(field(self.rec, 8, 32))
    }

    /// What is wrong with the record (see [`Damage`]).
    fn damage(&self) -> Option<Damage> {
        if is_zero(self.rec) {
            return Some(Damage::Zeroed);
        }
        let t = self.ut_type();
        let (sec, usec) = self.tv();
        if !(0..=9).contains(&t)
            || !(0..1_000_000).contains(&usec)
            || !(0..=MAX_PLAUSIBLE_SECS).contains(&sec)
        {
            return Some(Damage::Implausible);
        }
        if sec == 0 && usec == 0 {
            return Some(Damage::TimeZeroed);
        }
        if t == 7 && (self.user().is_empty() || self.line().is_empty()) {
            return Some(Damage::FieldsZeroed);
        }
        None
    }

    /// Decodes into `r`, reusing its buffers (no allocation when they are large enough).
    fn fill(&self, index: u64, r: &mut LoginRecord) {
        let be = self.be();
        let ut_type = self.ut_type();
        let (sec, usec) = self.tv();
        let addr_raw = self.addr();
        let user = self.user();
        let line = self.line();
        let set = |v: &mut Vec<u8>, b: &[u8]| {
            v.clear();
            v.extend_from_slice(b);
        };
        r.index = index;
        r.kind = RecordKind::of(ut_type, user, line);
        r.ut_type = ut_type;
        r.pid = i32_at(self.rec, 4, be);
        set(&mut r.line, line);
        set(&mut r.id, cstr(field(self.rec, 40, 4)));
        set(&mut r.user, user);
        set(&mut r.host, cstr(field(self.rec, 76, 256)));
        r.exit_termination = i16_at(self.rec, 332, be);
        r.exit_status = i16_at(self.rec, 334, be);
        r.session = i32_at(self.rec, 336, be);
        r.sec = sec;
        r.usec = usec;
        r.addr = decode_addr(&addr_raw);
        r.addr_raw = addr_raw;
        r.damage = self.damage();
    }

    fn to_record(&self, index: u64) -> LoginRecord {
        let be = self.be();
        let ut_type = self.ut_type();
        let (sec, usec) = self.tv();
        let addr_raw = self.addr();
        let user = self.user();
        let line = self.line();
        LoginRecord {
            index,
            kind: RecordKind::of(ut_type, user, line),
            ut_type,
            pid: i32_at(self.rec, 4, be),
            line: line.to_vec(),
            id: cstr(field(self.rec, 40, 4)).to_vec(),
            user: user.to_vec(),
            host: cstr(field(self.rec, 76, 256)).to_vec(),
            exit_termination: i16_at(self.rec, 332, be),
            exit_status: i16_at(self.rec, 334, be),
            session: i32_at(self.rec, 336, be),
            sec,
            usec,
            addr: decode_addr(&addr_raw),
            addr_raw,
            damage: self.damage(),
        }
    }
}

/// The record of `rec` (one record's bytes) in `layout`, at position `index`.
pub(crate) fn decode(rec: &[u8], layout: Layout, index: u64) -> LoginRecord {
    Raw { rec, layout }.to_record(index)
}

/// [`decode`] into a record whose buffers are reused.
pub(crate) fn decode_into(rec: &[u8], layout: Layout, index: u64, out: &mut LoginRecord) {
    Raw { rec, layout }.fill(index, out);
}

/// Whether every byte is zero (compared with a zero block: `memcmp`, fast in any build).
pub(crate) fn is_zero(b: &[u8]) -> bool {
    const ZERO: [u8; MUSL_RECORD] = [0; MUSL_RECORD];
    ZERO.get(..b.len()).is_some_and(|z| z == b)
}

/// How well the first records of `sample` read under each layout, and the best layout:
/// a record counts when it is plausible (a known type, a time between 1970 and 2100, fewer
/// than a million microseconds); all-zero records count for none. `file_size` (when known)
/// breaks ties in favour of a layout whose record size divides it; a sample with no plausible
/// record under any layout is read as glibc's.
pub fn detect_layout(sample: &[u8], file_size: Option<u64>) -> Layout {
    let score = |layout: Layout| -> usize {
        sample
            .chunks_exact(layout.size())
            .take(SAMPLE_RECORDS)
            .filter(|rec| {
                let raw = Raw { rec, layout };
                !is_zero(rec)
                    && !matches!(raw.damage(), Some(Damage::Implausible | Damage::TimeZeroed))
            })
            .count()
    };
    let divides = |layout: Layout| file_size.is_some_and(|n| n % layout.size() as u64 == 0);
    let mut best = Layout::Glibc;
    let mut best_key = (score(best), divides(best));
    for layout in [Layout::GlibcBigEndian, Layout::Musl] {
        let key = (score(layout), divides(layout));
        if key > best_key {
            best = layout;
            best_key = key;
        }
    }
    best
}

/// The records of a reader, in file order, with the layout detected from the first 100 KB
/// (see [`detect_layout`]) unless given. A read error ends the iteration with that error; the
/// bytes of a record cut short at the end are counted in [`Records::trailing`].
pub struct Records<R> {
    reader: R,
    layout: Option<Layout>,
    size_hint: Option<u64>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    index: u64,
    eof: bool,
    trailing: usize,
    failed: bool,
    pending: Option<std::io::Error>,
    bytes: u64,
}

/// Bytes read at a time.
const CHUNK: usize = 256 * 1024;
/// Bytes read at a time from a file whose size is known to be smaller than [`CHUNK`].
const MIN_CHUNK: usize = 4096;

impl<R: Read> Records<R> {
    /// Records of `reader`. `size` (the file size, when known) helps the layout detection;
    /// `layout` forces a layout.
    pub fn new(reader: R, size: Option<u64>, layout: Option<Layout>) -> Self {
        Records {
            reader,
            layout,
            size_hint: size,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            index: 0,
            eof: false,
            trailing: 0,
            failed: false,
            pending: None,
            bytes: 0,
        }
    }

    /// The layout in use (detected on the first call to `next`, or forced).
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    /// Bytes of an incomplete record at the end (known once the iteration ended).
    pub fn trailing(&self) -> usize {
        self.trailing
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Records returned so far.
    pub fn records(&self) -> u64 {
        self.index
    }

    /// Fills the buffer so that it holds at least `want` bytes from `pos`, or all that is left
    /// (an error after some bytes were read is kept for after them).
    fn fill(&mut self, want: usize) {
        if self.end - self.pos >= want || self.eof {
            return;
        }
        // Move the rest to the front and read more behind it.
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        // A small file (its size known) gets a buffer of its size, not 256 KB zeroed for each
        // reader; should the size be stale, or unknown (a pipe, a decompressor), the buffer
        // starts small and doubles up to the usual size as it fills.
        let full = want.max(CHUNK);
        let target = match self.size_hint {
            Some(s) => {
                let left = usize::try_from(s.saturating_sub(self.bytes)).unwrap_or(full);
                // One byte more, for the read that finds the end.
                self.end
                    .saturating_add(left)
                    .saturating_add(1)
                    .clamp(MIN_CHUNK, full)
            }
            // as large as what was read so far: reads double in size up to the usual one
            None => usize::try_from(self.bytes)
                .unwrap_or(full)
                .max(want)
                .clamp(MIN_CHUNK, full),
        };
        if self.buf.len() < target {
            self.buf.resize(target, 0);
        }
        while self.end < want {
            if self.end >= self.buf.len() && self.buf.len() < full {
                let grown = self.buf.len().saturating_mul(2).clamp(MIN_CHUNK, full);
                self.buf.resize(grown, 0);
            }
            let Some(space) = self.buf.get_mut(self.end..) else {
                break;
            };
            match self.reader.read(space) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    self.bytes += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // The records read before the error are still given out; the error comes
                // after them.
                Err(e) => {
                    self.pending = Some(e);
                    self.eof = true;
                    break;
                }
            }
        }
    }

    /// Skips the all-zero records at the current position (at most `max`): the index of the
    /// first and how many. Wiped entries and the holes of sparse files come in runs; skipping
    /// them is one comparison per record. Nothing is skipped before the layout is known.
    pub(crate) fn skip_zeros(&mut self, max: u64) -> (u64, u64) {
        const ZERO: [u8; MUSL_RECORD] = [0; MUSL_RECORD];
        let Some(layout) = self.layout else {
            return (self.index + 1, 0);
        };
        let size = layout.size();
        let zero = ZERO.get(..size).unwrap_or(&[]);
        let first = self.index + 1;
        let mut n = 0;
        while n < max {
            if self.end - self.pos < size {
                if self.eof || self.failed {
                    break;
                }
                self.fill(size);
                if self.end - self.pos < size {
                    break;
                }
            }
            if self.buf.get(self.pos..self.pos + size) != Some(zero) {
                break;
            }
            self.pos += size;
            self.index += 1;
            n += 1;
        }
        (first, n)
    }

    /// The next raw record, as a view into the buffer, and its index.
    pub(crate) fn next_raw(&mut self) -> Option<std::io::Result<(&[u8], Layout, u64)>> {
        if self.failed {
            return None;
        }
        let layout = match self.layout {
            Some(l) => l,
            None => {
                self.fill(SAMPLE_RECORDS * MUSL_RECORD);
                let l = detect_layout(
                    self.buf.get(self.pos..self.end).unwrap_or(&[]),
                    self.size_hint,
                );
                self.layout = Some(l);
                l
            }
        };
        let size = layout.size();
        self.fill(size);
        let have = self.end - self.pos;
        if have < size {
            self.pos = self.end;
            if let Some(e) = self.pending.take() {
                self.failed = true;
                return Some(Err(e));
            }
            self.trailing = have;
            return None;
        }
        let at = self.pos;
        self.pos += size;
        self.index += 1;
        self.buf
            .get(at..at + size)
            .map(|rec| Ok((rec, layout, self.index)))
    }
}

impl<R: Read> Iterator for Records<R> {
    type Item = std::io::Result<LoginRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.next_raw()? {
            Ok((rec, layout, index)) => Ok(Raw { rec, layout }.to_record(index)),
            Err(e) => Err(e),
        })
    }
}

/// The records of a buffer (see [`Records`]).
///
/// ```
/// use ferret_logs::logins::{parse_utmp, RecordKind, Layout};
/// let mut rec = vec![0u8; 384];
/// rec[0] = 7; // USER_PROCESS
/// rec[8..13].copy_from_slice(b"pts/0");
/// rec[44..49].copy_from_slice(b"alice");
/// rec[340..344].copy_from_slice(&1_700_000_000i32.to_le_bytes());
/// rec[348..352].copy_from_slice(&[203, 0, 113, 9]);
/// let mut file = rec.clone();
/// file.extend_from_slice(&[0u8; 100]); // a record cut short
/// let mut it = parse_utmp(&file);
/// let r = it.next().unwrap().unwrap();
/// assert_eq!((r.kind, &r.user[..], &r.line[..]), (RecordKind::Login, &b"alice"[..], &b"pts/0"[..]));
/// assert_eq!(r.addr.unwrap().to_string(), "203.0.113.9");
/// assert!(it.next().is_none());
/// assert_eq!((it.layout(), it.trailing()), (Some(Layout::Glibc), 100));
/// ```
pub fn parse_utmp(buf: &[u8]) -> Records<&[u8]> {
    Records::new(buf, Some(buf.len() as u64), None)
}
