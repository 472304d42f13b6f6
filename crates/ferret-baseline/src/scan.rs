//! Scanning a tree into a [`Baseline`]: [`scan_root`] (init) and [`rescan_root`] (the scan of a
//! check).
//!
//! The walk is the core's way, on the core's [`DirHandle`]s: `openat`-relative, `O_NOATIME`,
//! never following a symbolic link (its target is recorded), never opening FIFOs, sockets or
//! device nodes (their type and metadata are recorded), staying on each path's filesystem unless
//! told otherwise. It is the scan's own (not [`ferret_core::walk`]) to spend fewer system calls
//! per object. Every regular file is opened with the core's
//! [`DirHandle::open_file_expecting`], relative to the walk's directory descriptor
//! (`O_NOFOLLOW|O_NONBLOCK|O_NOATIME`, then one `fstat`):
//!
//! - on the live system, a name the directory lists as a regular file whose content is wanted
//!   is opened straight away ([`Expected::ListedRegular`]: anything that is not a regular file
//!   by then is closed unread, then `lstat`ed and recorded the usual way), without a separate
//!   `lstat` (the same race window as `lstat`-then-open). An offline root, whose directory
//!   entries may be crafted to call a device node a regular file, is `lstat`ed first: scan a
//!   mounted image with its own [`HostRoot`], mounted `nodev`;
//! - otherwise the walk's `lstat` is the type check ([`Expected::Same`]: the `fstat` must show
//!   the same device and inode, or nothing is read).
//!
//! A directory is `lstat`ed first (so a mount point on another filesystem, or an automount
//! trigger, is never opened), and its extended attributes are read through the descriptor the
//! walk lists it with. Names of unknown type are `lstat`ed first. Files are hashed on the rayon
//! pool; files of [`BIG_FILE`] bytes or more with BLAKE3's multi-threaded `update_rayon`. A file
//! whose size, mtime or ctime moves while it is read ([`SafeFile::check_unchanged`]) is reported
//! as unstable (an error) and recorded without a hash, never half-old.
//!
//! Two things keep both cores busy to the end: files of [`BIG_FILE`] bytes or more (a few
//! hundred at most) are put aside during the walk and hashed afterwards largest first, each
//! worker taking the next one, so the scan does not end with one core hashing a 100 MB file
//! alone; and every inode is read once: a further hard link to an inode hashed in this scan,
//! with the same size, mtime and ctime, takes that hash (and extended attributes and inode
//! flags) over.
//!
//! Inode flags ([`Attr::InodeFlags`]) are asked with `FS_IOC_GETFLAGS` on the descriptor a
//! regular file is hashed through (a file whose content is not selected is opened the same sound
//! way for it) and on the descriptor the walk lists a directory with; a directory that is not
//! opened (on another filesystem) and every other kind of object records none. Changing flags
//! changes the ctime, so in [`CheckMode::Fast`] a file whose ctime (and size, mtime, inode) did
//! not move keeps its recorded flags without being opened.

use crate::attr::{Attr, AttrSet};
use crate::compare::{CheckMode, CheckOptions};
use crate::entry::{Baseline, Entry, HashKind, PrefixHash, ScanConfig, ScanStats};
use crate::rules::{decide, Action, Rule};
use crate::Error;
use ferret_core::fs::{DirHandle, Expected};
use ferret_core::{
    Control, ErrorRecord, FileKind, HostRoot, InodeFlags, OpenOptions, Progress, SafeFile, Stat,
    Timestamp,
};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read;
#[cfg(feature = "xattr")]
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Files of at least this many bytes are hashed with BLAKE3's multi-threaded mode.
pub const BIG_FILE: u64 = 4 << 20;

/// Read size per `read(2)`; also the unit of I/O-budget charges and cancellation checks.
const CHUNK: usize = 1 << 20;

/// Names (other than directories) one walk task handles.
const BATCH: usize = 32;

/// At most this many large files are put aside for the largest-first pass; beyond that they
/// are hashed where the walk meets them (each one put aside keeps its directory open).
const MAX_DEFERRED: u64 = 256;

/// Extended attributes larger than this are recorded by their BLAKE3 digest instead.
#[cfg(feature = "xattr")]
const XATTR_VALUE_LIMIT: usize = 64 << 10;

/// Options of [`scan_root`]: what to scan and how.
///
/// ```
/// use ferret_baseline::rules::{Pattern, Rule};
/// use ferret_baseline::{scan_root, AttrSet, HashKind, ScanOptions};
/// use ferret_core::{Control, HostRoot};
/// let t = tempfile::tempdir()?;
/// std::fs::create_dir_all(t.path().join("etc/cache"))?;
/// std::fs::write(t.path().join("etc/hosts"), "127.0.0.1 localhost\n")?;
/// std::fs::write(t.path().join("etc/cache/x"), "volatile")?;
/// let mut opts = ScanOptions::default();
/// opts.paths.push("/etc".into());
/// opts.rules.push(Rule::exclude(Pattern::glob("/etc/cache")?));
/// opts.hash = HashKind::Sha256;
/// let b = scan_root(&HostRoot::new(t.path())?, &opts, &Control::new());
/// assert!(b.complete && b.errors.is_empty());
/// assert!(b.get(b"/etc/hosts").unwrap().sha256.is_some());
/// assert!(b.get(b"/etc/cache/x").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanOptions {
    /// Paths to scan, inside the root (`/etc`); none means `/`. Each is normalised like
    /// [`HostRoot::inner`] (`..` never climbs above the root).
    pub paths: Vec<PathBuf>,
    /// Selection rules, tried in order; the first that matches a path (or one of its ancestors)
    /// decides (see [`rules`](crate::rules)). Default: none.
    pub rules: Vec<Rule>,
    /// Attributes of paths no rule matches. Default [`AttrSet::full`].
    pub default_attrs: AttrSet,
    /// Content hashes to compute. Default BLAKE3.
    pub hash: HashKind,
    /// Stay on each scanned path's filesystem. Default true.
    pub same_filesystem: bool,
    /// Read extended attributes where the rules select them. Default true.
    pub xattrs: bool,
    /// Read symbolic links' targets. Default true. `readlink(2)` updates a link's access time
    /// on a read-write mount (the kernel offers no `O_NOATIME` for it), so an atime-pristine
    /// scan of a live tree turns this off: symbolic links cannot be changed in place, so a new
    /// target still shows as a new inode, ctime and size. During a check a link whose inode,
    /// size, mtime and ctime are unchanged keeps its recorded target without being read again.
    pub link_targets: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        let config = ScanConfig::default();
        ScanOptions {
            paths: Vec::new(),
            rules: Vec::new(),
            default_attrs: config.default_attrs,
            hash: config.hash,
            same_filesystem: config.same_filesystem,
            xattrs: true,
            link_targets: true,
        }
    }
}

impl ScanOptions {
    /// The configuration a baseline made with these options records: the normalised paths
    /// (`/` when none were given) and the root's host path.
    pub fn config(&self, root: &HostRoot) -> ScanConfig {
        let mut paths: Vec<Vec<u8>> = self
            .paths
            .iter()
            .map(|p| HostRoot::inner(p).into_os_string().into_vec())
            .collect();
        if paths.is_empty() {
            paths.push(b"/".to_vec());
        }
        ScanConfig {
            host_root: root.path().as_os_str().as_bytes().to_vec(),
            paths,
            rules: self.rules.clone(),
            default_attrs: self.default_attrs,
            hash: self.hash,
            same_filesystem: self.same_filesystem,
        }
    }

    /// Refuses `out` when it lies inside a tree these options scan under `root`: a baseline is
    /// never written into the evidence it describes. (On a live root only the scanned paths
    /// count, so `/root/db` is fine when `/usr` is scanned; and when the scan stays on one
    /// filesystem, an output on another filesystem mounted below a scanned path, e.g. a USB
    /// stick under `/media` while `/` is scanned, is outside the scanned tree.)
    pub fn ensure_output_outside(&self, root: &HostRoot, out: &Path) -> Result<(), Error> {
        use std::os::unix::fs::MetadataExt;
        // The device of the output's nearest existing ancestor.
        let out_dev = || {
            let abs = std::path::absolute(out).ok()?;
            abs.ancestors()
                .find_map(|a| std::fs::metadata(a).ok())
                .map(|m| m.dev())
        };
        for p in &self.config(root).paths {
            let tree = root.host_path(Path::new(std::ffi::OsStr::from_bytes(p)));
            if let Err(e) = ferret_core::ensure_outside(out, &[tree.as_path()]) {
                let elsewhere = self.same_filesystem
                    && match (std::fs::metadata(&tree).map(|m| m.dev()), out_dev()) {
                        (Ok(t), Some(o)) => t != o,
                        _ => false,
                    };
                if !elsewhere {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }
}

/// Scans the [`ScanOptions::paths`] of `root` into a [`Baseline`] (see the [module
/// docs](self)). Never fails as a whole: a path that could not be read is in
/// [`Baseline::errors`]; when cancelled, [`Baseline::complete`] is false and the entries seen so
/// far are kept.
pub fn scan_root(root: &HostRoot, opts: &ScanOptions, control: &Control) -> Baseline {
    let plan = Plan {
        config: opts.config(root),
        xattrs: opts.xattrs,
        link_targets: opts.link_targets,
    };
    plan.run(root, control, None, CheckMode::Secure)
}

/// The scan half of [`check_root`](crate::check_root): rescans `root` the way `old` was made
/// (its paths, rules and hashes) for a [`compare`](crate::compare()) with it. Progress totals
/// come from `old`; "growing" entries get the hash of their old-size prefix; in
/// [`CheckMode::Fast`] a regular file whose size, mtime, ctime and inode are unchanged keeps
/// its old hashes without being read. Symbolic links' targets are read when `old` has them.
pub fn rescan_root(
    root: &HostRoot,
    old: &Baseline,
    opts: &CheckOptions,
    control: &Control,
) -> Baseline {
    let plan = Plan {
        config: old.config.clone(),
        xattrs: true,
        link_targets: old
            .entries
            .iter()
            .filter(|e| e.kind == FileKind::Symlink)
            .all(|e| e.link_target.is_some()),
    };
    plan.run(root, control, Some(old), opts.mode)
}

/// What one run scans.
struct Plan {
    config: ScanConfig,
    xattrs: bool,
    link_targets: bool,
}

/// Shared state of one run.
struct Run<'a> {
    root: &'a HostRoot,
    config: &'a ScanConfig,
    xattrs: bool,
    link_targets: bool,
    control: &'a Control,
    old: Option<&'a Baseline>,
    fast: bool,
    entries: Mutex<Vec<Entry>>,
    errors: Mutex<Vec<ErrorRecord>>,
    items: AtomicU64,
    bytes: AtomicU64,
    hashed: AtomicU64,
    reused: AtomicU64,
    totals: (Option<u64>, Option<u64>),
    start_dev: AtomicU64,
    /// Inodes with more than one link hashed in this scan, by (device, inode).
    links: Mutex<HashMap<(u64, u64), Linked>>,
    linked: AtomicU64,
    /// Large files put aside for the largest-first pass.
    deferred: Mutex<Vec<Deferred>>,
    deferred_count: AtomicU64,
}

/// What the first path of a multiply-linked inode gave, and the stat it was verified against.
#[derive(Clone)]
struct Linked {
    size: u64,
    mtime: Timestamp,
    ctime: Timestamp,
    sha256: Option<[u8; 32]>,
    blake3: Option<[u8; 32]>,
    xattrs: Option<crate::Xattrs>,
    inode_flags: Option<InodeFlags>,
}

/// What to read of one object besides its `lstat`.
#[derive(Clone, Copy)]
struct Wants {
    xattrs: bool,
    /// Inode flags (regular files and directories only).
    flags: bool,
}

/// A large regular file met by the walk, hashed after it.
struct Deferred {
    obj: Obj,
    entry: Entry,
    wants: Wants,
}

/// One object met by the walk.
struct Obj {
    /// Path inside the audited root, bytes exact.
    path: PathBuf,
    /// Depth below the scanned path (which is 0).
    depth: usize,
    /// `lstat` of the object, or `fstat` of it when the walk opened it.
    stat: Stat,
    /// Its own name (empty for the scanned path).
    name: OsString,
    /// The directory it is in (none for the scanned path).
    parent: Option<Arc<DirHandle>>,
    /// A directory's own descriptor, when it was opened and is the object `stat` describes.
    dir: Option<Arc<DirHandle>>,
    /// A regular file the walk opened (`stat` is its `fstat`).
    file: Option<SafeFile>,
}

impl Obj {
    /// The entry `name` of `dir`, as the walk met it (`file` when the walk opened it).
    fn child(
        dir: &Arc<DirHandle>,
        name: OsString,
        depth: usize,
        stat: Stat,
        file: Option<SafeFile>,
    ) -> Self {
        Obj {
            path: dir.child_path(&name),
            depth,
            stat,
            name,
            parent: Some(Arc::clone(dir)),
            dir: None,
            file,
        }
    }

    fn read_link(&self) -> Result<Vec<u8>, ferret_core::Error> {
        match &self.parent {
            Some(p) => p.read_link_at(&self.name),
            None => Err(ferret_core::Error::WrongKind {
                path: self.path.clone(),
                kind: self.stat.kind,
                expected: FileKind::Symlink,
            }),
        }
    }
}

/// Work for the walk's pool.
enum Task {
    /// List a directory (its children are at the given depth).
    Dir(Arc<DirHandle>, usize),
    /// A name the listing called a directory (or gave no type for): `lstat`, record, and
    /// list it. Opened only when its task runs, so queued work holds no descriptors of its own.
    Sub(Arc<DirHandle>, OsString, usize, AttrSet),
    /// Non-directory names of a directory: (name, type the listing gave, attributes).
    Names(
        Arc<DirHandle>,
        usize,
        Vec<(OsString, Option<FileKind>, AttrSet)>,
    ),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Plan {
    fn run(
        &self,
        root: &HostRoot,
        control: &Control,
        old: Option<&Baseline>,
        mode: CheckMode,
    ) -> Baseline {
        let fast = mode == CheckMode::Fast;
        let totals = match old {
            Some(o) => (
                Some(o.entries.len() as u64),
                Some(
                    o.entries
                        .iter()
                        .filter(|e| e.kind == FileKind::Regular && e.attrs.wants_content())
                        .map(|e| e.size)
                        .sum(),
                ),
            ),
            None => (None, None),
        };
        let run = Run {
            root,
            config: &self.config,
            xattrs: self.xattrs,
            link_targets: self.link_targets,
            control,
            old,
            fast,
            entries: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            items: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            hashed: AtomicU64::new(0),
            reused: AtomicU64::new(0),
            totals,
            start_dev: AtomicU64::new(0),
            links: Mutex::new(HashMap::new()),
            linked: AtomicU64::new(0),
            deferred: Mutex::new(Vec::new()),
            deferred_count: AtomicU64::new(0),
        };
        // Walk (hashing as it goes), hash the large files put aside, sort: all on one pool.
        let scan = || {
            let mut complete = true;
            for p in &self.config.paths {
                run.walk_from(Path::new(std::ffi::OsStr::from_bytes(p)));
                if control.is_cancelled() {
                    complete = false;
                    break;
                }
            }
            run.hash_deferred();
            let entries = std::mem::take(&mut *lock(&run.entries));
            let b = Baseline::from_entries_with(self.config.clone(), entries, true);
            (b, complete)
        };
        #[cfg(feature = "parallel")]
        let (mut b, mut complete) = control.install(scan);
        #[cfg(not(feature = "parallel"))]
        let (mut b, mut complete) = scan();
        if control.is_cancelled() {
            complete = false;
        }
        let Run {
            errors,
            hashed,
            bytes,
            reused,
            linked,
            ..
        } = run;
        let mut errors = errors
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        errors.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
        errors.dedup();
        if !complete {
            errors.push(ErrorRecord::new(
                None,
                None,
                "scan cancelled: the baseline is partial",
            ));
        }
        b.complete = complete;
        b.errors = errors;
        b.created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        b.stats = ScanStats {
            entries: b.entries.len() as u64,
            hashed: hashed.into_inner(),
            bytes_hashed: bytes.into_inner(),
            reused: reused.into_inner(),
            linked: linked.into_inner(),
        };
        b
    }
}

impl Run<'_> {
    fn error(&self, e: ErrorRecord) {
        lock(&self.errors).push(e);
    }

    /// An error met by the walk (cancellation is not one).
    fn walk_error(&self, e: &ferret_core::Error) {
        if !matches!(e, ferret_core::Error::Cancelled) {
            self.error(ErrorRecord::from(e));
        }
    }

    /// Walks one scanned path: records it and everything below it.
    fn walk_from(&self, from: &Path) {
        let dir = match self.root.open_dir(from) {
            Ok(d) => Arc::new(d),
            Err(e) => return self.walk_error(&e),
        };
        let stat = match dir.stat() {
            Ok(s) => s,
            Err(e) => return self.walk_error(&e),
        };
        let path = dir.path().to_path_buf();
        let attrs = match decide(
            &self.config.rules,
            path.as_os_str().as_bytes(),
            self.config.default_attrs,
        ) {
            Action::Exclude => return,
            Action::Include(a) => a,
        };
        self.start_dev.store(stat.dev, Ordering::Relaxed);
        let mut obj = Obj {
            path,
            depth: 0,
            stat,
            name: OsString::new(),
            parent: None,
            dir: Some(Arc::clone(&dir)),
            file: None,
        };
        self.admit(&mut obj, attrs);
        let first = Task::Dir(dir, 1);
        #[cfg(feature = "parallel")]
        {
            fn go<'s>(run: &'s Run<'_>, scope: &rayon::Scope<'s>, task: Task) {
                run.task(task, &mut |t| scope.spawn(move |s| go(run, s, t)));
            }
            rayon::scope(|scope| go(self, scope, first));
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut stack = vec![first];
            while let Some(t) = stack.pop() {
                self.task(t, &mut |t| stack.push(t));
            }
        }
    }

    fn task(&self, task: Task, spawn: &mut dyn FnMut(Task)) {
        match task {
            Task::Dir(dir, depth) => self.list(&dir, depth, spawn),
            Task::Sub(dir, name, depth, attrs) => self.sub(&dir, name, depth, attrs, spawn),
            Task::Names(dir, depth, names) => {
                for (name, kind, attrs) in names {
                    if self.control.is_cancelled() {
                        return;
                    }
                    self.name(&dir, name, kind, depth, attrs);
                }
            }
        }
    }

    /// Lists a directory: subdirectories are recorded and queued here, other names are handed
    /// out in batches.
    fn list(&self, dir: &Arc<DirHandle>, depth: usize, spawn: &mut dyn FnMut(Task)) {
        if self.control.is_cancelled() {
            return;
        }
        let names = match dir.entries() {
            Ok(l) => l,
            Err(e) => return self.walk_error(&e),
        };
        let mut batch = Vec::with_capacity(BATCH);
        for de in names {
            if self.control.is_cancelled() {
                return;
            }
            let path = dir.child_path(&de.name);
            let attrs = match decide(
                &self.config.rules,
                path.as_os_str().as_bytes(),
                self.config.default_attrs,
            ) {
                Action::Exclude => continue,
                Action::Include(a) => a,
            };
            if !matches!(de.kind, Some(FileKind::Directory) | None) {
                batch.push((de.name, de.kind, attrs));
                if batch.len() == BATCH {
                    let b = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    spawn(Task::Names(Arc::clone(dir), depth, b));
                }
                continue;
            }
            spawn(Task::Sub(Arc::clone(dir), de.name, depth, attrs));
        }
        if !batch.is_empty() {
            spawn(Task::Names(Arc::clone(dir), depth, batch));
        }
    }

    /// A name the listing called a directory (or gave no type for).
    fn sub(
        &self,
        dir: &Arc<DirHandle>,
        name: OsString,
        depth: usize,
        attrs: AttrSet,
        spawn: &mut dyn FnMut(Task),
    ) {
        if self.control.is_cancelled() {
            return;
        }
        // `lstat` first: a directory on another filesystem is recorded, never opened.
        let stat = match dir.stat_at(&name) {
            Ok(s) => s,
            Err(e) => return self.walk_error(&e),
        };
        let mut obj = Obj::child(dir, name, depth, stat, None);
        let descend = stat.kind == FileKind::Directory
            && (!self.config.same_filesystem || stat.dev == self.start_dev.load(Ordering::Relaxed));
        let mut sub = None;
        if descend {
            match dir.open_dir_at(&obj.name) {
                Ok(h) => sub = Some(Arc::new(h)),
                Err(e) => self.walk_error(&e),
            }
        }
        // Its descriptor serves for its extended attributes if it is what `lstat` saw.
        obj.dir = sub
            .clone()
            .filter(|h| h.stat().is_ok_and(|s| s.same_object(&stat)));
        self.admit(&mut obj, attrs);
        drop(obj);
        if let Some(h) = sub {
            self.list(&h, depth + 1, spawn);
        }
    }

    /// One name that the listing did not call a directory.
    fn name(
        &self,
        dir: &Arc<DirHandle>,
        name: OsString,
        kind: Option<FileKind>,
        depth: usize,
        attrs: AttrSet,
    ) {
        // A regular file whose content is wanted is opened without an `lstat` first, on the
        // live system only: an offline image may be crafted so that its directory says
        // "regular file" for a device node, and only the inode's own mode (`lstat`) is trusted
        // there. In fast mode most files are not read, so they are `lstat`ed like the rest.
        let opened = if kind == Some(FileKind::Regular)
            && attrs.wants_content()
            && !self.fast
            && self.root.is_live()
        {
            open_listed(dir, &name)
        } else {
            None
        };
        let (stat, file) = match opened {
            Some(f) => (*f.stat(), Some(f)),
            None => match dir.stat_at(&name) {
                Ok(st) => (st, None),
                Err(e) => return self.walk_error(&e),
            },
        };
        let mut obj = Obj::child(dir, name, depth, stat, file);
        self.admit(&mut obj, attrs);
    }

    /// Records one object the walk met (hashing it now, or putting it aside when large).
    fn admit(&self, obj: &mut Obj, attrs: AttrSet) {
        let path = obj.path.as_os_str().as_bytes();
        if obj.depth > 0
            && obj.stat.kind == FileKind::Directory
            && self.config.same_filesystem
            && obj.stat.dev != self.start_dev.load(Ordering::Relaxed)
        {
            self.error(ErrorRecord::new(
                Some(path),
                None,
                "on another filesystem; recorded but not descended (same_filesystem)",
            ));
        }
        let mut entry = Entry::new(path, obj.stat.kind, attrs);
        entry.set_stat(&obj.stat);
        if obj.stat.kind == FileKind::Symlink && self.link_targets {
            // Symbolic links are immutable: the same inode with the same ctime is the same link.
            let known = self.old.and_then(|o| o.get(path)).filter(|o| {
                o.kind == FileKind::Symlink
                    && o.inode == entry.inode
                    && o.ctime == entry.ctime
                    && o.mtime == entry.mtime
                    && o.size == entry.size
            });
            match known.and_then(|o| o.link_target.clone()) {
                Some(t) => entry.link_target = Some(t),
                None => match obj.read_link() {
                    Ok(t) => entry.link_target = Some(t),
                    Err(e) => self.error(ErrorRecord::from(&e)),
                },
            }
        }
        let wants = Wants {
            xattrs: self.xattrs && attrs.contains(Attr::Xattrs),
            flags: attrs.contains(Attr::InodeFlags)
                && matches!(obj.stat.kind, FileKind::Regular | FileKind::Directory),
        };
        let hashing = obj.stat.kind == FileKind::Regular && attrs.wants_content();
        if hashing
            && obj.stat.size >= BIG_FILE
            && self.deferred_count.fetch_add(1, Ordering::Relaxed) < MAX_DEFERRED
        {
            // Closed meanwhile (reopened, and checked against `stat`, when its turn comes).
            lock(&self.deferred).push(Deferred {
                obj: Obj {
                    path: std::mem::take(&mut obj.path),
                    depth: obj.depth,
                    stat: obj.stat,
                    name: std::mem::take(&mut obj.name),
                    parent: obj.parent.take(),
                    dir: None,
                    file: None,
                },
                entry,
                wants,
            });
            return;
        }
        self.record(obj, entry, wants, hashing);
    }

    /// Hashes the large files the walk put aside, largest first, each worker taking the next
    /// one; further hard links of an inode come after the first, so they take its hash over.
    fn hash_deferred(&self) {
        let mut all = std::mem::take(&mut *lock(&self.deferred));
        if all.is_empty() {
            return;
        }
        all.sort_by(|a, b| {
            let (a, b) = (&a.obj.stat, &b.obj.stat);
            b.size
                .cmp(&a.size)
                .then_with(|| (a.dev, a.ino).cmp(&(b.dev, b.ino)))
        });
        let mut seen = std::collections::HashSet::new();
        let (first, later): (Vec<Deferred>, Vec<Deferred>) = all
            .into_iter()
            .partition(|d| seen.insert((d.obj.stat.dev, d.obj.stat.ino)));
        for batch in [first, later] {
            let queue = Mutex::new(batch.into_iter());
            let work = || loop {
                let next = lock(&queue).next();
                let Some(mut d) = next else { break };
                self.record(&mut d.obj, d.entry, d.wants, true);
            };
            #[cfg(feature = "parallel")]
            rayon::scope(|s| {
                for _ in 0..rayon::current_num_threads() {
                    s.spawn(|_| work());
                }
            });
            #[cfg(not(feature = "parallel"))]
            work();
        }
    }

    /// Hashes (when `hashing`) and records one entry.
    fn record(&self, obj: &mut Obj, mut entry: Entry, wants: Wants, hashing: bool) {
        let mut bytes = 0;
        let mut got = Got::default();
        if hashing {
            // Extended attributes and inode flags of a file being hashed come from its open
            // descriptor.
            (bytes, got) = self.content(obj, &mut entry, wants);
        }
        if wants.flags {
            match got.flags.unwrap_or_else(|| read_flags(obj)) {
                Ok(f) => entry.inode_flags = f,
                Err(e) => self.walk_error(&e),
            }
        }
        obj.file = None;
        if wants.xattrs {
            match got.xattrs.unwrap_or_else(|| self.read_xattrs(obj)) {
                Ok(x) => entry.xattrs = Some(x),
                Err(e) => self.error(ErrorRecord::new(Some(&entry.path), None, e)),
            }
        }
        let items = self.items.fetch_add(1, Ordering::Relaxed) + 1;
        let done = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.control.progress.is_some() {
            let mut p = Progress::default();
            p.items_done = items;
            p.items_total = self.totals.0;
            p.bytes_done = done;
            p.bytes_total = self.totals.1;
            self.control.report(p);
        }
        lock(&self.entries).push(entry);
    }

    /// Fills the content hashes; returns the bytes read and, when asked and the file was
    /// opened (or its recorded values still hold), its extended attributes and inode flags.
    fn content(&self, obj: &mut Obj, entry: &mut Entry, wants: Wants) -> (u64, Got) {
        let hk = self.config.hash;
        let old = self.old.and_then(|o| o.get(&entry.path));
        if self.fast {
            if let Some(o) = old {
                let same = o.kind == FileKind::Regular
                    && !o.unverified
                    && o.size == entry.size
                    && o.mtime == entry.mtime
                    && o.ctime == entry.ctime
                    && o.inode == entry.inode
                    && (!hk.sha256() || o.sha256.is_some())
                    && (!hk.blake3() || o.blake3.is_some());
                if same {
                    entry.sha256 = o.sha256.filter(|_| hk.sha256());
                    entry.blake3 = o.blake3.filter(|_| hk.blake3());
                    self.reused.fetch_add(1, Ordering::Relaxed);
                    // Setting inode flags moves the ctime: unchanged, they still hold.
                    let flags = o.inode_flags.filter(|_| wants.flags).map(|f| Ok(Some(f)));
                    return (
                        0,
                        Got {
                            xattrs: None,
                            flags,
                        },
                    );
                }
            }
        }
        let prefix_len = old
            .filter(|o| o.attrs.is_growing() && o.kind == FileKind::Regular)
            .map(|o| o.size);
        // A further link of an inode hashed in this scan: the same size, mtime and ctime mean
        // the content the first path's stable read saw (the same test as the unstable check).
        let multi = entry.nlink > 1 && prefix_len.is_none();
        if multi {
            let known = lock(&self.links)
                .get(&(entry.dev, entry.inode))
                .filter(|l| {
                    l.size == entry.size
                        && l.mtime == entry.mtime
                        && l.ctime == entry.ctime
                        && (!wants.xattrs || l.xattrs.is_some())
                        && (!wants.flags || l.inode_flags.is_some())
                })
                .cloned();
            if let Some(l) = known {
                entry.sha256 = l.sha256;
                entry.blake3 = l.blake3;
                self.linked.fetch_add(1, Ordering::Relaxed);
                return (
                    0,
                    Got {
                        xattrs: l.xattrs.filter(|_| wants.xattrs).map(Ok),
                        flags: l.inode_flags.filter(|_| wants.flags).map(|f| Ok(Some(f))),
                    },
                );
            }
        }
        match hash_entry(obj, hk, prefix_len, wants, self.control) {
            Ok(h) => {
                if multi {
                    lock(&self.links).insert(
                        (h.stat.dev, h.stat.ino),
                        Linked {
                            size: h.stat.size,
                            mtime: h.stat.mtime,
                            ctime: h.stat.ctime,
                            sha256: h.sha256,
                            blake3: h.blake3,
                            xattrs: h.xattrs.as_ref().and_then(|x| x.as_ref().ok()).cloned(),
                            inode_flags: h
                                .flags
                                .as_ref()
                                .and_then(|f| f.as_ref().ok().copied().flatten()),
                        },
                    );
                }
                entry.set_stat(&h.stat);
                entry.sha256 = h.sha256;
                entry.blake3 = h.blake3;
                entry.prefix = h.prefix;
                self.hashed.fetch_add(1, Ordering::Relaxed);
                (
                    h.read,
                    Got {
                        xattrs: h.xattrs,
                        flags: h.flags,
                    },
                )
            }
            Err(e) => {
                entry.unverified = true;
                if !matches!(e, ferret_core::Error::Cancelled) {
                    self.error(ErrorRecord::from(&e));
                }
                // Not opened, or not read: inode flags are not recorded either.
                (
                    0,
                    Got {
                        xattrs: None,
                        flags: Some(Ok(None)),
                    },
                )
            }
        }
    }

    /// Extended attributes of a directory through the descriptor the walk opened it with;
    /// of anything else through `/proc/self/fd/<parent>/<name>` with `l*xattr` calls: the
    /// parent is the walk's own descriptor, and the final name is never followed.
    #[cfg(feature = "xattr")]
    fn read_xattrs(&self, obj: &Obj) -> Result<crate::Xattrs, String> {
        if let Some(d) = &obj.dir {
            return xattr::read_all_fd(d.as_fd());
        }
        let mut p = match &obj.parent {
            Some(dir) => {
                let mut s = format!("/proc/self/fd/{}/", dir.as_fd().as_raw_fd()).into_bytes();
                s.extend_from_slice(obj.name.as_bytes());
                s
            }
            None => self
                .root
                .host_path(&obj.path)
                .as_os_str()
                .as_bytes()
                .to_vec(),
        };
        if p.is_empty() {
            p.push(b'/');
        }
        let path = Path::new(std::ffi::OsStr::from_bytes(&p));
        xattr::read_all(path)
    }

    #[cfg(not(feature = "xattr"))]
    fn read_xattrs(&self, _obj: &Obj) -> Result<crate::Xattrs, String> {
        let _ = self.root;
        Err("extended attributes not read: built without the `xattr` feature".into())
    }
}

#[cfg(feature = "xattr")]
mod xattr {
    use super::XATTR_VALUE_LIMIT;
    use rustix::io::Errno;
    use std::os::fd::BorrowedFd;
    use std::path::Path;

    /// Most files have no extended attributes: names (and values) are read into a stack buffer
    /// first, and only a non-empty one is copied out (no allocation per file otherwise).
    pub(super) const FIRST: usize = 1024;

    /// Runs one xattr call that fills a buffer: first into `FIRST` bytes on the stack, then into
    /// a heap buffer that grows on `ERANGE` (to the size the call reports for an empty buffer,
    /// at least doubling), so a list or value that grows between the calls is still read whole.
    fn sized(mut call: impl FnMut(&mut [u8]) -> Result<usize, Errno>) -> Result<Vec<u8>, Errno> {
        let mut first = [0u8; FIRST];
        match call(&mut first[..]) {
            Ok(n) => return Ok(first.get(..n).map(<[u8]>::to_vec).unwrap_or_default()),
            Err(Errno::RANGE) => {}
            Err(e) => return Err(e),
        }
        let mut buf = vec![0u8; FIRST * 2];
        loop {
            match call(buf.as_mut_slice()) {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(buf);
                }
                Err(Errno::RANGE) => {
                    let n = call(&mut [0u8; 0][..])?;
                    buf = vec![0u8; n.max(buf.len() * 2)];
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn os_name(name: &[u8]) -> &std::ffi::OsStr {
        std::os::unix::ffi::OsStrExt::from_bytes(name)
    }

    fn list(path: &Path) -> Result<Vec<u8>, Errno> {
        sized(|b| rustix::fs::llistxattr(path, b))
    }

    fn get(path: &Path, name: &[u8]) -> Result<Vec<u8>, Errno> {
        sized(|b| rustix::fs::lgetxattr(path, os_name(name), b))
    }

    fn flist(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
        sized(|b| rustix::fs::flistxattr(fd, b))
    }

    fn fget(fd: BorrowedFd<'_>, name: &[u8]) -> Result<Vec<u8>, Errno> {
        sized(|b| rustix::fs::fgetxattr(fd, os_name(name), b))
    }

    /// All extended attributes of an open file, sorted by name.
    pub(super) fn read_all_fd(fd: BorrowedFd<'_>) -> Result<crate::Xattrs, String> {
        collect(flist(fd), |name| fget(fd, name))
    }

    /// All extended attributes of `path` (not following a final symlink), sorted by name.
    pub(super) fn read_all(path: &Path) -> Result<crate::Xattrs, String> {
        collect(list(path), |name| get(path, name))
    }

    fn collect(
        names: Result<Vec<u8>, Errno>,
        get: impl Fn(&[u8]) -> Result<Vec<u8>, Errno>,
    ) -> Result<crate::Xattrs, String> {
        let names = match names {
            Ok(n) => n,
            Err(Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(format!("listing extended attributes: {e}")),
        };
        let mut out = Vec::new();
        for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            match get(name) {
                Ok(mut v) => {
                    if v.len() > XATTR_VALUE_LIMIT {
                        let mut d = b"blake3:".to_vec();
                        d.extend_from_slice(
                            ferret_core::hex::encode(blake3::hash(&v).as_bytes()).as_bytes(),
                        );
                        v = d;
                    }
                    out.push((name.to_vec(), v));
                }
                Err(Errno::NODATA) => {}
                Err(e) => {
                    return Err(format!(
                        "reading extended attribute {}: {e}",
                        ferret_core::escape::escape(name)
                    ))
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Extended attributes, or why they could not be read.
type XattrResult = Result<crate::Xattrs, String>;

/// Inode flags (`None`: the file system keeps none), or why they could not be read.
type FlagsResult = Result<Option<InodeFlags>, ferret_core::Error>;

/// What was read of an object while its content was (or was not) hashed: `None` for what was
/// not read there (the caller reads it on its own).
#[derive(Default)]
struct Got {
    xattrs: Option<XattrResult>,
    flags: Option<FlagsResult>,
}

/// Inode flags of an object whose content was not read: a regular file through the
/// descriptor the walk opened, or opened soundly for it; a directory through its own
/// descriptor, when the walk opened one (never a directory on another filesystem). Other
/// objects have none.
fn read_flags(obj: &Obj) -> FlagsResult {
    match obj.stat.kind {
        FileKind::Regular => match &obj.file {
            Some(f) => f.inode_flags(),
            None => open_regular(obj)?.inode_flags(),
        },
        FileKind::Directory => match &obj.dir {
            Some(d) => d.inode_flags(),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The result of hashing one file.
struct Hashed {
    xattrs: Option<XattrResult>,
    flags: Option<FlagsResult>,
    stat: ferret_core::Stat,
    sha256: Option<[u8; 32]>,
    blake3: Option<[u8; 32]>,
    prefix: Option<PrefixHash>,
    read: u64,
}

thread_local! {
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

struct Hashers {
    sha: Option<sha2::Sha256>,
    b3: Option<blake3::Hasher>,
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    parallel: bool,
}

impl Hashers {
    fn update(&mut self, data: &[u8]) {
        use sha2::Digest;
        match (&mut self.sha, &mut self.b3) {
            #[cfg(feature = "parallel")]
            (Some(s), Some(b)) if self.parallel => {
                rayon::join(|| s.update(data), || b.update_rayon(data));
            }
            (s, b) => {
                if let Some(s) = s {
                    s.update(data);
                }
                if let Some(b) = b {
                    #[cfg(feature = "parallel")]
                    if self.parallel {
                        b.update_rayon(data);
                        return;
                    }
                    b.update(data);
                }
            }
        }
    }

    fn finish(&self) -> (Option<[u8; 32]>, Option<[u8; 32]>) {
        use sha2::Digest;
        (
            self.sha.as_ref().map(|s| s.clone().finalize().into()),
            self.b3.as_ref().map(|b| *b.finalize().as_bytes()),
        )
    }
}

/// Opens the regular file the walk has just `lstat`ed, relative to the walk's directory
/// descriptor, without a second `lstat` ([`DirHandle::open_file_expecting`]): anything but the
/// same device and inode is [`ferret_core::Error::Swapped`] and nothing is read.
fn open_regular(obj: &Obj) -> Result<SafeFile, ferret_core::Error> {
    match &obj.parent {
        Some(dir) if obj.stat.kind == FileKind::Regular => dir.open_file_expecting(
            &obj.name,
            Expected::Same(&obj.stat),
            &OpenOptions::default(),
        ),
        _ => Err(ferret_core::Error::WrongKind {
            path: obj.path.clone(),
            kind: obj.stat.kind,
            expected: FileKind::Regular,
        }),
    }
}

/// Opens a name the live system's directory listing called a regular file, without an `lstat`
/// first ([`Expected::ListedRegular`]: the `fstat` must show a regular file, or the descriptor is
/// closed unread). `None`: not opened (the caller `lstat`s the name and goes the usual way,
/// which reports any error).
fn open_listed(dir: &DirHandle, name: &std::ffi::OsStr) -> Option<SafeFile> {
    dir.open_file_expecting(name, Expected::ListedRegular, &OpenOptions::default())
        .ok()
}

/// Hashes one regular file soundly. `prefix_len`: also hash the first that many bytes.
fn hash_entry(
    obj: &mut Obj,
    hk: HashKind,
    prefix_len: Option<u64>,
    wants: Wants,
    control: &Control,
) -> Result<Hashed, ferret_core::Error> {
    let mut f = match obj.file.take() {
        Some(f) => f,
        None => open_regular(obj)?,
    };
    let stat = *f.stat();
    #[cfg(feature = "xattr")]
    let xattrs = wants.xattrs.then(|| xattr::read_all_fd(f.file().as_fd()));
    #[cfg(not(feature = "xattr"))]
    let xattrs: Option<XattrResult> = wants
        .xattrs
        .then(|| Err("extended attributes not read: built without the `xattr` feature".into()));
    let flags = wants.flags.then(|| f.inode_flags());
    let mut h = Hashers {
        sha: hk.sha256().then(<sha2::Sha256 as sha2::Digest>::new),
        b3: hk.blake3().then(blake3::Hasher::new),
        parallel: stat.size >= BIG_FILE,
    };
    let mut prefix = None;
    let mut total: u64 = 0;
    // The buffer is taken out of the thread-local while in use: `update_rayon` may run other
    // files' tasks on this thread while it waits, and those take (or allocate) their own.
    let mut buf = BUF.with(std::cell::RefCell::take);
    let r = (|| -> Result<(), ferret_core::Error> {
        let want = usize::try_from(stat.size.min(CHUNK as u64))
            .unwrap_or(CHUNK)
            .max(4096);
        if buf.len() < want {
            buf.resize(want, 0);
        }
        loop {
            let ask = buf.len() as u64;
            if !control.charge(ask.min(stat.size.saturating_sub(total).max(1))) {
                return Err(ferret_core::Error::Cancelled);
            }
            let n = match f.read(buf.as_mut_slice()) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ferret_core::Error::io(&obj.path, e)),
            };
            let data = buf.get(..n).unwrap_or(&[]);
            match prefix_len {
                Some(pl) if prefix.is_none() && total + n as u64 >= pl => {
                    let cut = usize::try_from(pl - total).unwrap_or(n).min(n);
                    let (a, b) = data.split_at(cut);
                    h.update(a);
                    let (s, b3) = h.finish();
                    prefix = Some(PrefixHash {
                        len: pl,
                        sha256: s,
                        blake3: b3,
                    });
                    h.update(b);
                }
                _ => h.update(data),
            }
            total += n as u64;
            // Stop at the size seen at open: the `fstat` in `check_unchanged` below catches a
            // file that grew or changed meanwhile (saves a read per file). Files that claim
            // size 0 are read to EOF (pseudo-files with content are then reported unstable).
            if total > stat.size || (stat.size > 0 && total == stat.size) {
                break;
            }
        }
        Ok(())
    })();
    BUF.with(|cell| {
        let mut b = cell.borrow_mut();
        if b.len() < buf.len() {
            *b = std::mem::take(&mut buf);
        }
    });
    r?;
    if prefix.is_none() && prefix_len == Some(total) {
        let (s, b3) = h.finish();
        prefix = Some(PrefixHash {
            len: total,
            sha256: s,
            blake3: b3,
        });
    }
    if total != stat.size {
        return Err(ferret_core::Error::Unstable {
            path: obj.path.clone(),
        });
    }
    f.check_unchanged()?;
    let (sha256, blake3) = h.finish();
    Ok(Hashed {
        xattrs,
        flags,
        stat,
        sha256,
        blake3,
        prefix,
        read: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The walk's two opens hold the descriptor to what the walk saw (the core's
    /// `open_file_expecting` is tested in detail in `ferret-core`).
    #[test]
    fn opens_hold_to_what_the_walk_saw() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("victim"), b"original").unwrap();
        nix::unistd::mkfifo(
            &t.path().join("fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let root = HostRoot::new(t.path()).unwrap();
        let dir = Arc::new(root.open_dir("/").unwrap());
        let obj = |name: &str| {
            let stat = dir.stat_at(std::ffi::OsStr::new(name)).unwrap();
            Obj {
                path: PathBuf::from("/").join(name),
                depth: 1,
                stat,
                name: OsString::from(name),
                parent: Some(Arc::clone(&dir)),
                dir: None,
                file: None,
            }
        };
        let victim = obj("victim");
        let mut f = open_regular(&victim).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        assert_eq!((s.as_str(), f.stat().size), ("original", 8));
        // Replaced after the walk's `lstat`: refused.
        std::fs::write(t.path().join("other"), b"planted").unwrap();
        std::fs::rename(t.path().join("other"), t.path().join("victim")).unwrap();
        let r = open_regular(&victim);
        assert!(
            matches!(r, Err(ferret_core::Error::Swapped { .. })),
            "{r:?}"
        );
        // A FIFO is never opened for content, however it was met.
        let start = Instant::now();
        assert!(matches!(
            open_regular(&obj("fifo")),
            Err(ferret_core::Error::WrongKind { .. })
        ));
        assert!(open_listed(&dir, std::ffi::OsStr::new("fifo")).is_none());
        assert!(open_listed(&dir, std::ffi::OsStr::new("victim")).is_some());
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "blocked on a FIFO"
        );
    }

    #[cfg(feature = "xattr")]
    #[test]
    fn long_xattr_name_lists_are_read_whole() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("many");
        std::fs::write(&p, b"x").unwrap();
        let names: Vec<String> = (0..30)
            .map(|i| format!("user.ferret-a-rather-long-attribute-name-{i:03}"))
            .collect();
        for (i, n) in names.iter().enumerate() {
            rustix::fs::setxattr(
                &p,
                n.as_str(),
                format!("v{i}").as_bytes(),
                rustix::fs::XattrFlags::empty(),
            )
            .unwrap();
        }
        let f = std::fs::File::open(&p).unwrap();
        let by_fd = xattr::read_all_fd(f.as_fd()).unwrap();
        let by_path = xattr::read_all(&p).unwrap();
        assert_eq!(by_fd, by_path);
        assert_eq!(by_fd.len(), 30);
        let total: usize = names.iter().map(|n| n.len() + 1).sum();
        assert!(
            total > super::xattr::FIRST,
            "the list must overflow the first buffer"
        );
        assert!(by_fd.contains(&(names[7].clone().into_bytes(), b"v7".to_vec())));
        let empty = t.path().join("none");
        std::fs::write(&empty, b"y").unwrap();
        let f = std::fs::File::open(&empty).unwrap();
        assert!(xattr::read_all_fd(f.as_fd()).unwrap().is_empty());
    }
}
