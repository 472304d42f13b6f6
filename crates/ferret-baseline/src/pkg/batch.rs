//! Hashing every listed file, many at a time.
//!
//! One task per pool thread; each takes units of jobs (sorted by directory, so directory
//! handles are reused: see [`Dirs`]) from a shared counter.
//!
//! - Small files (most of a system: 95% are under 64 KiB) are opened through the sound opens
//!   of `ferret-core`, read whole into the task's reused batch buffer (stopping at the size
//!   `fstat` gave; [`SafeFile::check_unchanged`] catches a file that grew, shrank or was
//!   rewritten meanwhile) and closed. A full batch is sorted by length and hashed in SIMD
//!   lanes, files of similar length side by side ([`Engine::hash_many`]).
//! - Large files (over [`SMALL_MAX`]) go to a shared pool, largest first, each inode once.
//!   Each task keeps [`Engine::stream_lanes`] of them open and streams them in equal
//!   [`CHUNK`]-byte lockstep steps, one multi-buffer state per file: a few steps after each
//!   unit of small files (so the largest file, whose lane is the critical path, starts early),
//!   then until the pool is empty.
//!
//! A multi-buffer digest that differs from the recorded one is recomputed with the portable
//! `md-5` before it counts (from the batch buffer, or by re-reading the still-open file), so
//! what is reported never rests on the vector kernels. SHA-256 entries, and every file when
//! the engine is portable, are hashed in one stream: small ones as they are opened, large
//! SHA-256 ones through the same pool, largest first, each by the thread that takes it.
//! A thread out of units waits for the large files of the units still running, so the run
//! ends within about one large file on every thread.
//!
//! Every read lands in a page-aligned [`ReadBuf`] (small files at 64-byte offsets in the
//! batch buffer): the kernel's copy into `malloc`'s 16-byte-offset buffers is several times
//! slower on AMD Zen, which had made the kernel time of verifying large files four times
//! `rpm -Va`'s.

use super::check::{
    cached, hash_opened, inode_key, open_listed, open_nofollow, rehash_portable, remember, Env,
    InodeKey, Lookup, Observed, Opened,
};
use super::md5x::{self, Engine, Scratch, State};
use super::parse::Digest;
use ferret_core::control::Counter;
use ferret_core::fs::{DirHandle, ReadBuf, SafeFile};
use ferret_core::{Error, Progress, Stat};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// Files up to this size are read whole and hashed in batches; larger ones are streamed.
pub(crate) const SMALL_MAX: u64 = 1 << 20;
/// Batch buffer per worker: small files are hashed together once it is full.
const BATCH_BYTES: usize = 8 << 20;
/// Jobs per unit of parallel work (a batch of small files sorts within one unit).
const UNIT: usize = 384;
/// Bytes each streamed large file advances per step.
const CHUNK: usize = 64 << 10;
/// Fewer full steps than this are hashed one stream at a time rather than padded to a full
/// SIMD group.
const MIN_LOCKSTEP: usize = 3;
/// Lockstep steps of the large-file lanes a worker runs after each pass-1 unit, so large files
/// stream while small ones are still being read (the largest file's lane is the critical path).
const STEPS_PER_UNIT: usize = 8;
/// Large files open at once in the whole run, whatever the thread count (file descriptors:
/// with [`MAX_DIRS`] per task, 64 threads stay well under the usual limit of 1024).
const MAX_OPEN_LANES: usize = 192;
/// Directory handles a task keeps open along its current path.
const MAX_DIRS: usize = 8;
/// Read buffer of the single-stream path.
const STREAM_BUF: usize = 256 << 10;

/// One file to look at: its path (as checked), the digest it should have, and how to look.
pub(crate) struct Job<'a> {
    /// The path to open.
    pub path: &'a [u8],
    /// The recorded digest (its kind chooses the algorithm); `None`: the content is not read.
    pub digest: Option<Digest>,
    /// Whether a final symbolic link is followed.
    pub lookup: Lookup,
    /// Whether the `security.capability` attribute of a regular file is read
    /// ([`Env::read_caps`]).
    pub caps: bool,
    /// The recorded size, when a file of another size is not to be hashed (its digest cannot
    /// match; rpm's `S.5`): only its first bytes are read ([`Observed::Resized`]).
    pub size: Option<u64>,
}

/// Whether `f` starts with the ELF magic (reads at most 4 bytes, charged to the budget).
fn starts_elf(f: &mut SafeFile, control: &ferret_core::Control) -> bool {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match f.read(magic.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = control.charge(got as u64);
    magic == *b"\x7fELF"
}

/// `(parent, name)` of an absolute byte path (`/` is the parent of a top-level name).
pub(super) fn split_parent(p: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memrchr(b'/', p) {
        Some(0) => (b"/", p.get(1..).unwrap_or_default()),
        Some(i) => (
            p.get(..i).unwrap_or_default(),
            p.get(i + 1..).unwrap_or_default(),
        ),
        None => (b"/", p),
    }
}

/// A byte path as a `Path`, exactly (no conversion).
pub(super) fn os(p: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(p))
}

/// A per-file copy of a directory error (core errors are not `Clone`).
fn clone_err(e: &Error, path: &[u8]) -> Error {
    Error::io(
        os(path),
        std::io::Error::other(format!("parent directory: {e}")),
    )
}

/// Shared by the workers of one run.
struct Shared<'a> {
    env: Env<'a>,
    jobs: &'a [Job<'a>],
    engine: Engine,
    counter: Counter,
    total: u64,
    pool: Mutex<Pool>,
    /// Signalled (with `pool` held) when large files join the pool or the last unit ends.
    pool_changed: Condvar,
    /// Pass-1 units not yet finished (their large files not yet in the pool), counted down
    /// with `pool` held.
    units_left: AtomicUsize,
    /// Large files open in lanes, across tasks (bounded by [`MAX_OPEN_LANES`]).
    lanes_open: AtomicUsize,
}

impl Shared<'_> {
    /// Counts a finished item and reports progress now and then.
    fn done(&self, obs: &Observed) {
        let size = match obs {
            Observed::Hashed { stat, .. } => stat.size,
            _ => 0,
        };
        let (n, bytes) = self.counter.add(size);
        if n % 512 == 0 || n == self.total {
            let mut p = Progress::default();
            p.items_done = n;
            p.items_total = Some(self.total);
            p.bytes_done = bytes;
            self.env.control.report(p);
        }
    }

    /// Opens job `idx` through its parent directory (from `dirs`).
    fn open(&self, idx: usize, dirs: &mut Dirs) -> Opened {
        let Some(job) = self.jobs.get(idx) else {
            return Opened::Done(Observed::Missing { via_link: None });
        };
        let (parent, name) = split_parent(job.path);
        let opened = match dirs.get(self.env.root, parent) {
            Ok(d) if job.lookup == Lookup::NoFollow => {
                open_nofollow(d, name, job.digest.is_some() || job.caps)
            }
            Ok(d) => open_listed(&self.env, d, name),
            Err(None) => Opened::Done(Observed::Missing { via_link: None }),
            Err(Some(e)) if e.is_not_found() => Opened::Done(Observed::Missing { via_link: None }),
            Err(Some(e)) => Opened::Done(Observed::Failed(clone_err(e, job.path))),
        };
        if job.caps {
            if let Opened::File(f, _) = &opened {
                self.env.read_caps(idx, f);
            }
        }
        opened
    }
}

/// The directories along the path last opened, so the next directory (jobs come sorted by
/// parent) is one `openat` below an open ancestor instead of a walk from the root.
///
/// Each step is [`DirHandle::open_dir_at`] (no symlink followed); anything else (a symlinked
/// directory such as merged `/usr`'s `/bin`, `.`/`..`, an error) goes through
/// [`HostRoot::open_dir`], which resolves it inside the root exactly as before.
#[derive(Default)]
struct Dirs {
    /// (listed directory path, its handle); each key is an ancestor of the next.
    stack: Vec<(Vec<u8>, DirHandle)>,
    /// The last directory that could not be opened.
    failed: Option<(Vec<u8>, Error)>,
}

/// Whether `dir` is `anc` or below it.
fn within(anc: &[u8], dir: &[u8]) -> bool {
    anc == b"/"
        || dir
            .strip_prefix(anc)
            .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
}

impl Dirs {
    /// The handle of `dir`, or why it cannot be opened (`None`: it vanished meanwhile).
    fn get(
        &mut self,
        root: &ferret_core::HostRoot,
        dir: &[u8],
    ) -> Result<&DirHandle, Option<&Error>> {
        let known_bad = self
            .failed
            .as_ref()
            .is_some_and(|(p, _)| p.as_slice() == dir);
        if !known_bad {
            while self.stack.last().is_some_and(|(p, _)| !within(p, dir)) {
                self.stack.pop();
            }
            if self.stack.last().is_none_or(|(p, _)| p.as_slice() != dir)
                && !self.descend(root, dir)
            {
                match root.open_dir(os(dir)) {
                    Ok(h) => self.push(dir.to_vec(), h),
                    Err(e) => self.failed = Some((dir.to_vec(), e)),
                }
            }
        }
        if let Some((p, e)) = &self.failed {
            if p.as_slice() == dir {
                return Err(Some(e));
            }
        }
        match self.stack.last() {
            Some((p, h)) if p.as_slice() == dir => Ok(h),
            _ => Err(None),
        }
    }

    /// Pushes a handle, keeping at most [`MAX_DIRS`] open: the bottom (the root) and the
    /// deepest ones stay, still a chain of ancestors.
    fn push(&mut self, key: Vec<u8>, h: DirHandle) {
        self.stack.push((key, h));
        if self.stack.len() > MAX_DIRS {
            self.stack.remove(1);
        }
    }

    /// Opens `dir` component by component below the deepest open ancestor (the root
    /// directory when nothing is open); a component that is not a plain directory (a symlink
    /// such as merged `/usr`'s `/lib`) is resolved inside the root by [`HostRoot::open_dir`].
    /// False, with the stack holding only ancestors of `dir`, when a step fails: the caller
    /// then resolves `dir` whole, so the error reads as before.
    fn descend(&mut self, root: &ferret_core::HostRoot, dir: &[u8]) -> bool {
        if self.stack.is_empty() {
            match root.open_dir("/") {
                Ok(h) => self.stack.push((b"/".to_vec(), h)),
                Err(_) => return false,
            }
        }
        let Some((base, _)) = self.stack.last() else {
            return false;
        };
        let rest = if base.as_slice() == b"/" {
            dir.get(1..)
        } else {
            dir.get(base.len() + 1..)
        };
        let Some(rest) = rest else { return false };
        let comps: Vec<&[u8]> = rest.split(|c| *c == b'/').collect();
        if comps
            .iter()
            .any(|c| c.is_empty() || *c == b"." || *c == b"..")
        {
            return false;
        }
        let depth = self.stack.len();
        for c in comps {
            let Some((p, h)) = self.stack.last() else {
                return false;
            };
            let mut key = p.clone();
            if key.as_slice() != b"/" {
                key.push(b'/');
            }
            key.extend_from_slice(c);
            let next = match h.open_dir_at(OsStr::from_bytes(c)) {
                Ok(h) => Ok(h),
                Err(Error::Symlink { .. }) => root.open_dir(os(&key)),
                Err(e) => Err(e),
            };
            let Ok(h) = next else {
                self.stack.truncate(depth);
                return false;
            };
            self.push(key, h);
        }
        true
    }
}

/// Results: job index and what was found.
type Results = Vec<(usize, Observed)>;

/// A small file read into the batch buffer.
struct Pending {
    idx: usize,
    start: usize,
    len: usize,
    stat: Stat,
    via_link: Option<Vec<u8>>,
    expected: [u8; 16],
}

/// A large file left for the streaming lanes.
struct Deferred {
    idx: usize,
    size: u64,
    key: InodeKey,
}

/// Per-task state for small files.
struct Worker {
    buf: ReadBuf,
    used: usize,
    pending: Vec<Pending>,
    order: Vec<usize>,
    digests: Vec<[u8; 16]>,
    stream_buf: ReadBuf,
    out: Vec<(usize, Observed)>,
    deferred: Vec<Deferred>,
}

impl Worker {
    fn new() -> Self {
        Worker {
            buf: ReadBuf::new(0),
            used: 0,
            pending: Vec::new(),
            order: Vec::new(),
            digests: Vec::new(),
            stream_buf: ReadBuf::new(0),
            out: Vec::new(),
            deferred: Vec::new(),
        }
    }

    fn emit(&mut self, sh: &Shared<'_>, idx: usize, obs: Observed) {
        sh.done(&obs);
        self.out.push((idx, obs));
    }

    /// One unit of jobs; returns their results and the large files left for streaming.
    fn unit(&mut self, sh: &Shared<'_>, unit: &[usize]) -> (Vec<(usize, Observed)>, Vec<Deferred>) {
        let mut dirs = Dirs::default();
        for &idx in unit {
            if sh.env.control.is_cancelled() {
                break;
            }
            let Some(job) = sh.jobs.get(idx) else {
                continue;
            };
            let (f, via) = match sh.open(idx, &mut dirs) {
                Opened::Done(o) => {
                    self.emit(sh, idx, o);
                    continue;
                }
                Opened::File(f, via) => (f, via),
            };
            let stat = *f.stat();
            if job.digest.is_some() && job.size.is_some_and(|s| s != stat.size) {
                let mut f = f;
                let elf = starts_elf(&mut f, sh.env.control);
                self.emit(sh, idx, Observed::Resized { stat, elf });
                continue;
            }
            let Some(digest) = job.digest else {
                // Opened for its attributes only.
                let obs = Observed::Present {
                    stat,
                    link: None,
                    read_error: None,
                };
                self.emit(sh, idx, obs);
                continue;
            };
            if let Some((actual, elf)) = cached(&sh.env, &f, digest) {
                let obs = Observed::Hashed {
                    actual,
                    elf,
                    stat,
                    via_link: via,
                };
                self.emit(sh, idx, obs);
                continue;
            }
            let expected = match digest {
                // A large file of another algorithm is hashed in one stream too, but later,
                // largest first, by whichever thread is free (see `task`), so the run does not
                // end with one thread hashing the last unit's large files while the other idles.
                Digest::Md5(_) if !sh.engine.is_multi() => None,
                Digest::Md5(e) => Some(e),
                _ if stat.size > SMALL_MAX => {
                    self.deferred.push(Deferred {
                        idx,
                        size: stat.size,
                        key: inode_key(&stat, digest),
                    });
                    continue;
                }
                _ => None,
            };
            let Some(expected) = expected else {
                self.single(sh, idx, f, via, digest);
                continue;
            };
            if stat.size > SMALL_MAX {
                self.deferred.push(Deferred {
                    idx,
                    size: stat.size,
                    key: inode_key(&stat, digest),
                });
                continue;
            }
            if let Err(e) = self.read_small(sh, idx, f, via, expected) {
                if matches!(e, Error::Cancelled) {
                    break;
                }
                self.emit(sh, idx, Observed::Failed(e));
            }
        }
        self.flush(sh);
        (
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.deferred),
        )
    }

    fn single(
        &mut self,
        sh: &Shared<'_>,
        idx: usize,
        f: SafeFile,
        via: Option<Vec<u8>>,
        algo: Digest,
    ) {
        if self.stream_buf.is_empty() {
            self.stream_buf = ReadBuf::new(STREAM_BUF);
        }
        let obs = hash_opened(&sh.env, f, via, algo, &mut self.stream_buf);
        if !matches!(obs, Observed::Failed(Error::Cancelled)) {
            self.emit(sh, idx, obs);
        }
    }

    /// Reads a small file whole into the batch buffer (flushing first when it is full).
    fn read_small(
        &mut self,
        sh: &Shared<'_>,
        idx: usize,
        mut f: SafeFile,
        via_link: Option<Vec<u8>>,
        expected: [u8; 16],
    ) -> Result<(), Error> {
        let stat = *f.stat();
        let len = usize::try_from(stat.size).unwrap_or(usize::MAX);
        if self.buf.is_empty() {
            self.buf = ReadBuf::new(BATCH_BYTES);
        }
        // Each file starts at an aligned offset: the kernel's copy into a misaligned
        // destination is several times slower on some CPUs (see `ReadBuf`).
        if ReadBuf::align_up(self.used).saturating_add(len) > self.buf.len() {
            self.flush(sh);
        }
        let at = ReadBuf::align_up(self.used);
        let Some(dst) = self.buf.get_mut(at..at.saturating_add(len)) else {
            return Err(Error::io(
                f.path(),
                std::io::Error::other("internal: file larger than the batch buffer"),
            ));
        };
        let got = read_full(&mut f, dst, sh)?;
        f.check_unchanged()?;
        self.used = at + got;
        self.pending.push(Pending {
            idx,
            start: at,
            len: got,
            stat,
            via_link,
            expected,
        });
        Ok(())
    }

    /// Hashes the batch: sorted by length so each SIMD group holds files of similar size.
    fn flush(&mut self, sh: &Shared<'_>) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        self.order.clear();
        self.order.extend(0..pending.len());
        self.order
            .sort_unstable_by_key(|&k| std::cmp::Reverse(pending.get(k).map_or(0, |p| p.len)));
        let buf = &self.buf;
        let inputs: Vec<&[u8]> = self
            .order
            .iter()
            .filter_map(|&k| pending.get(k))
            .map(|p| buf.get(p.start..p.start + p.len).unwrap_or_default())
            .collect();
        self.digests.clear();
        self.digests.resize(inputs.len(), [0; 16]);
        let lanes = sh.engine.lanes();
        for (i, o) in inputs.chunks(lanes).zip(self.digests.chunks_mut(lanes)) {
            sh.engine.hash_many(i, o);
        }
        let mut pending = pending;
        let mut results = Vec::with_capacity(pending.len());
        for ((&k, data), d) in self.order.iter().zip(&inputs).zip(&self.digests) {
            let Some(p) = pending.get_mut(k) else {
                continue;
            };
            // Confirm a mismatch with md-5 on the same bytes before it counts.
            let d = if *d == p.expected {
                *d
            } else {
                md5x::portable(data)
            };
            let elf = data.starts_with(b"\x7fELF");
            remember(
                &sh.env,
                &p.stat,
                Digest::Md5(p.expected),
                Digest::Md5(d),
                elf,
            );
            let obs = Observed::Hashed {
                actual: Digest::Md5(d),
                elf,
                stat: p.stat,
                via_link: p.via_link.take(),
            };
            results.push((p.idx, obs));
        }
        drop(inputs);
        for (idx, obs) in results {
            self.emit(sh, idx, obs);
        }
        self.used = 0;
    }
}

/// Reads until `dst` is full or the file ends, charging the I/O budget; the byte count.
fn read_full(f: &mut SafeFile, dst: &mut [u8], sh: &Shared<'_>) -> Result<usize, Error> {
    let mut got = 0;
    while let Some(rest) = dst.get_mut(got..).filter(|r| !r.is_empty()) {
        match f.read(rest) {
            Ok(0) => break,
            Ok(n) => {
                got += n;
                if !sh.env.control.charge(n as u64) {
                    return Err(Error::Cancelled);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(f.path(), e)),
        }
    }
    Ok(got)
}

/// One large file streaming through a lane.
struct Lane {
    idx: usize,
    file: SafeFile,
    via_link: Option<Vec<u8>>,
    expected: [u8; 16],
    read: u64,
    elf: bool,
    state: State,
    buf: ReadBuf,
    filled: usize,
    ended: bool,
}

/// Large files waiting for a lane, largest first, each inode once.
#[derive(Default)]
struct Pool {
    heap: BinaryHeap<(u64, Reverse<usize>)>,
    seen: HashSet<InodeKey>,
    /// Further names of an inode already queued: done last, from the digest cache.
    again: Vec<usize>,
}

/// Large files streaming side by side, one lane each.
struct Streamer {
    lanes: Vec<Lane>,
    spare: Vec<ReadBuf>,
    scratch: Scratch,
    states: Vec<State>,
    dirs: Dirs,
    rehash_buf: ReadBuf,
    idle_buf: Vec<u8>,
    want: usize,
    out: Results,
}

impl Streamer {
    fn new(engine: Engine) -> Self {
        Streamer {
            lanes: Vec::new(),
            spare: Vec::new(),
            scratch: Scratch::default(),
            states: Vec::new(),
            dirs: Dirs::default(),
            rehash_buf: ReadBuf::new(0),
            idle_buf: Vec::new(),
            want: engine.stream_lanes(),
            out: Vec::new(),
        }
    }

    fn emit(&mut self, sh: &Shared<'_>, idx: usize, obs: Observed) {
        sh.done(&obs);
        self.out.push((idx, obs));
    }

    /// Opens files from `pull` until every lane is busy, `pull` has none, or the run's budget
    /// of open large files ([`MAX_OPEN_LANES`]) is spent.
    fn refill(&mut self, sh: &Shared<'_>, mut pull: impl FnMut() -> Option<usize>) {
        while self.lanes.len() < self.want {
            if sh.lanes_open.fetch_add(1, Ordering::Relaxed) >= MAX_OPEN_LANES {
                sh.lanes_open.fetch_sub(1, Ordering::Relaxed);
                break;
            }
            let Some(idx) = pull() else {
                sh.lanes_open.fetch_sub(1, Ordering::Relaxed);
                break;
            };
            if !self.admit(sh, idx) {
                sh.lanes_open.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Opens job `idx` into a new lane (true), or answers it at once (false).
    fn admit(&mut self, sh: &Shared<'_>, idx: usize) -> bool {
        let Some(job) = sh.jobs.get(idx) else {
            return false;
        };
        let (file, via_link) = match sh.open(idx, &mut self.dirs) {
            Opened::Done(o) => {
                self.emit(sh, idx, o);
                return false;
            }
            Opened::File(f, v) => (f, v),
        };
        let Some(digest) = job.digest else {
            let obs = Observed::Present {
                stat: *file.stat(),
                link: None,
                read_error: None,
            };
            self.emit(sh, idx, obs);
            return false;
        };
        if let Some((actual, elf)) = cached(&sh.env, &file, digest) {
            let stat = *file.stat();
            let obs = Observed::Hashed {
                actual,
                elf,
                stat,
                via_link,
            };
            self.emit(sh, idx, obs);
            return false;
        }
        let Digest::Md5(expected) = digest else {
            // A large file of another algorithm (SHA-256): one stream, now.
            if self.rehash_buf.is_empty() {
                self.rehash_buf = ReadBuf::new(STREAM_BUF);
            }
            let obs = hash_opened(&sh.env, file, via_link, digest, &mut self.rehash_buf);
            self.emit(sh, idx, obs);
            return false;
        };
        let buf = self.spare.pop().unwrap_or_else(|| ReadBuf::new(CHUNK));
        self.lanes.push(Lane {
            idx,
            file,
            via_link,
            expected,
            read: 0,
            elf: false,
            state: sh.engine.state(),
            buf,
            filled: 0,
            ended: false,
        });
        true
    }

    /// Reads and hashes one step of every lane and finishes the files that ended.
    /// `Err(())` when cancelled.
    fn step(&mut self, sh: &Shared<'_>) -> Result<(), ()> {
        if sh.env.control.is_cancelled() {
            return Err(());
        }
        // Read one step of every lane.
        let mut failed: Vec<(usize, Error)> = Vec::new();
        for (k, l) in self.lanes.iter_mut().enumerate() {
            let left = l.file.stat().size.saturating_sub(l.read);
            let n = usize::try_from(left).map_or(CHUNK, |x| x.min(CHUNK));
            let Some(dst) = l.buf.get_mut(..n) else {
                l.filled = 0;
                l.ended = true;
                continue;
            };
            match read_full(&mut l.file, dst, sh) {
                Ok(got) => {
                    if l.read == 0 {
                        l.elf = dst.starts_with(b"\x7fELF");
                    }
                    l.filled = got;
                    l.read += got as u64;
                    l.ended = got < CHUNK || l.read >= l.file.stat().size;
                }
                Err(Error::Cancelled) => return Err(()),
                Err(e) => failed.push((k, e)),
            }
        }
        for (k, e) in failed.into_iter().rev() {
            if k < self.lanes.len() {
                let l = self.lanes.swap_remove(k);
                sh.lanes_open.fetch_sub(1, Ordering::Relaxed);
                self.spare.push(l.buf);
                self.emit(sh, l.idx, Observed::Failed(e));
            }
        }
        self.hash_step(sh.engine);
        self.finish(sh)
    }

    /// Hashes the step. Full steps go together in lockstep, padded with idle lanes to the
    /// engine's stream width so its fastest kernel applies (partial groups fall back to much
    /// slower code in md5-many); a file's last, shorter step and lone lanes hash on their own.
    fn hash_step(&mut self, engine: Engine) {
        let lanes = &mut self.lanes;
        let full = lanes.iter().filter(|l| l.filled == CHUNK).count();
        if !engine.is_multi() || full < MIN_LOCKSTEP {
            for l in lanes.iter_mut() {
                l.state.update(l.buf.get(..l.filled).unwrap_or_default());
            }
            return;
        }
        if self.idle_buf.is_empty() {
            self.idle_buf = vec![0; CHUNK];
        }
        let states = &mut self.states;
        states.clear();
        states.extend(
            lanes
                .iter()
                .filter(|l| l.filled == CHUNK)
                .map(|l| l.state.clone()),
        );
        while states.len() < self.want {
            states.push(engine.state());
        }
        {
            let mut inputs: Vec<&[u8]> = lanes
                .iter()
                .filter(|l| l.filled == CHUNK)
                .map(|l| l.buf.get(..CHUNK).unwrap_or_default())
                .collect();
            inputs.resize(states.len(), self.idle_buf.as_slice());
            engine.update_many(states, &inputs, &mut self.scratch);
        }
        let mut done = states.drain(..);
        for l in lanes.iter_mut() {
            if l.filled == CHUNK {
                if let Some(s) = done.next() {
                    l.state = s;
                }
            } else {
                l.state.update(l.buf.get(..l.filled).unwrap_or_default());
            }
        }
    }

    /// Finishes the lanes whose file ended: digest, stability check, md-5 confirmation of a
    /// mismatch on the same open file.
    fn finish(&mut self, sh: &Shared<'_>) -> Result<(), ()> {
        let mut k = 0;
        while k < self.lanes.len() {
            if !self.lanes.get(k).is_some_and(|l| l.ended) {
                k += 1;
                continue;
            }
            let mut l = self.lanes.swap_remove(k);
            sh.lanes_open.fetch_sub(1, Ordering::Relaxed);
            let stat = *l.file.stat();
            let mut d = l.state.finalize();
            let mut res = l.file.check_unchanged();
            if res.is_ok() && d != l.expected {
                if self.rehash_buf.is_empty() {
                    self.rehash_buf = ReadBuf::new(STREAM_BUF);
                }
                match rehash_portable(&mut l.file, &mut self.rehash_buf, sh.env.control) {
                    Ok(p) => {
                        d = p;
                        res = l.file.check_unchanged();
                    }
                    Err(e) => res = Err(e),
                }
            }
            let obs = match res {
                Ok(()) => {
                    let algo = Digest::Md5(l.expected);
                    remember(&sh.env, &stat, algo, Digest::Md5(d), l.elf);
                    Observed::Hashed {
                        actual: Digest::Md5(d),
                        elf: l.elf,
                        stat,
                        via_link: l.via_link.take(),
                    }
                }
                Err(Error::Cancelled) => return Err(()),
                Err(e) => Observed::Failed(e),
            };
            self.spare.push(l.buf);
            self.emit(sh, l.idx, obs);
        }
        Ok(())
    }

    /// Streams until every lane and `pull` are empty.
    fn drain(&mut self, sh: &Shared<'_>, mut pull: impl FnMut() -> Option<usize>) {
        loop {
            self.refill(sh, &mut pull);
            if self.lanes.is_empty() || self.step(sh).is_err() {
                return;
            }
        }
    }
}

/// One pool thread: pass-1 units taken from `next`, large files streamed in between (only
/// with every lane busy, so no step is spent on idle lanes), then the rest of the pool.
fn task(sh: &Shared<'_>, units: &[&[usize]], next: &AtomicUsize) -> Results {
    let mut w = Worker::new();
    let mut st = Streamer::new(sh.engine);
    let mut out = Vec::new();
    let pull = || {
        sh.pool
            .lock()
            .ok()
            .and_then(|mut p| p.heap.pop().map(|(_, Reverse(i))| i))
    };
    while let Some(unit) = units.get(next.fetch_add(1, Ordering::Relaxed)) {
        if sh.env.control.is_cancelled() {
            break;
        }
        let (r, deferred) = w.unit(sh, unit);
        out.extend(r);
        if let Ok(mut p) = sh.pool.lock() {
            for d in deferred {
                if p.seen.insert(d.key) {
                    p.heap.push((d.size, Reverse(d.idx)));
                } else {
                    p.again.push(d.idx);
                }
            }
            sh.units_left.fetch_sub(1, Ordering::Relaxed);
            sh.pool_changed.notify_all();
        }
        st.refill(sh, pull);
        for _ in 0..STEPS_PER_UNIT {
            if st.lanes.len() < st.want || st.step(sh).is_err() {
                break;
            }
            st.refill(sh, pull);
        }
        out.append(&mut st.out);
    }
    // Stream what is left; when the pool is empty but another thread is still in a unit,
    // wait for the large files that unit may add (largest first, so the run ends evenly).
    while !sh.env.control.is_cancelled() {
        st.drain(sh, pull);
        if !wait_for_large(sh) {
            break;
        }
    }
    out.append(&mut st.out);
    out
}

/// Waits until the pool has a file (true) or no unit is left to add one, or the run is
/// cancelled (false).
fn wait_for_large(sh: &Shared<'_>) -> bool {
    let Ok(mut p) = sh.pool.lock() else {
        return false;
    };
    loop {
        if !p.heap.is_empty() {
            return true;
        }
        if sh.units_left.load(Ordering::Relaxed) == 0 || sh.env.control.is_cancelled() {
            return false;
        }
        // The timeout only bounds how late a cancellation is noticed.
        p = match sh
            .pool_changed
            .wait_timeout(p, std::time::Duration::from_millis(50))
        {
            Ok((p, _)) => p,
            Err(_) => return false,
        };
    }
}

/// Hashes every job in parallel with `engine`; results in job order, `None` where cancelled
/// before the job was reached.
pub(crate) fn run(env: Env<'_>, jobs: &[Job<'_>], engine: Engine) -> Vec<Option<Observed>> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|a, b| {
        let pa = jobs.get(*a).map(|j| split_parent(j.path));
        let pb = jobs.get(*b).map(|j| split_parent(j.path));
        pa.cmp(&pb)
    });
    let sh = Shared {
        env,
        jobs,
        engine,
        counter: Counter::default(),
        total: jobs.len() as u64,
        pool: Mutex::new(Pool::default()),
        pool_changed: Condvar::new(),
        units_left: AtomicUsize::new(order.len().div_ceil(UNIT)),
        lanes_open: AtomicUsize::new(0),
    };
    let units: Vec<&[usize]> = order.chunks(UNIT).collect();
    let control = sh.env.control;
    let next = AtomicUsize::new(0);
    #[cfg(feature = "parallel")]
    let results: Vec<Results> = {
        use rayon::prelude::*;
        control.install(|| {
            let n = rayon::current_num_threads().clamp(1, units.len().max(1));
            (0..n)
                .into_par_iter()
                .map(|_| task(&sh, &units, &next))
                .collect()
        })
    };
    #[cfg(not(feature = "parallel"))]
    let results: Vec<Results> = vec![task(&sh, &units, &next)];
    let mut out: Vec<Option<Observed>> = Vec::with_capacity(jobs.len());
    out.resize_with(jobs.len(), || None);
    let mut put = |r: Results| {
        for (idx, obs) in r {
            if let Some(slot) = out.get_mut(idx) {
                *slot = Some(obs);
            }
        }
    };
    results.into_iter().for_each(&mut put);
    // Further names of inodes streamed above: now digest-cache hits (or a fresh stream when
    // the file changed meanwhile).
    let mut again = sh
        .pool
        .lock()
        .map(|mut p| std::mem::take(&mut p.again))
        .unwrap_or_default();
    if !again.is_empty() && !control.is_cancelled() {
        let mut st = Streamer::new(engine);
        again.reverse();
        st.drain(&sh, || again.pop());
        put(std::mem::take(&mut st.out));
    }
    out
}
