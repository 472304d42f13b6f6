//! Directory walks that read evidence without disturbing it.
//!
//! Walks are `openat`-relative from an [`O_NOATIME`](crate::fs) directory descriptor: each
//! subdirectory is opened relative to its parent with `O_NOFOLLOW`, so a directory swapped for
//! a symlink during the walk cannot redirect it, and listing does not update access times.
//! Symbolic links are reported, never followed. By default a walk stays on the filesystem it
//! started on.
//!
//! [`walk`] visits entries in sorted pre-order on the calling thread; [`walk_parallel`] visits
//! them on the current rayon pool in no particular order.
//!
//! # What a walk costs: the type from the listing, the `lstat` on demand
//!
//! An entry's type ([`WalkEntry::kind`]) comes from the directory listing (`getdents64`'s
//! `d_type`); only where the file system reports none (`DT_UNKNOWN`, as some file systems and
//! images do) is the name `lstat`ed at once. The rest of the metadata is read when a visitor
//! asks for it ([`WalkEntry::stat`], an `lstat` taken once and cached), so a walk that only
//! needs names and types (a search for hidden directories over a whole root file system) costs
//! one `getdents64` per directory instead of one `lstat` per name.
//!
//! Descending stays as sound as with an eager `lstat`. Where the visitor took no `lstat` and
//! the walk stays on one file system (the default), a directory is opened
//! `O_NOFOLLOW|O_DIRECTORY` relative to its parent with `openat2(RESOLVE_NO_XDEV)`, so the
//! kernel refuses a mount point (an automount point included, without mounting it: Linux 6.18
//! and later, see `DirHandle::open_dir_at_same_mount`), and the opened descriptor's `fstat`
//! must show the start's device (a btrfs subvolume is refused like another file system): one
//! `openat2` and one `fstat` per directory. Otherwise (a mount point, an older kernel, a walk
//! across file systems, or an entry whose `lstat` the visitor took) the walk takes the
//! directory's `lstat`, refuses one on another file system when
//! [`WalkOptions::same_filesystem`] says so (without opening it, so no automount is
//! triggered), opens it `O_NOFOLLOW|O_DIRECTORY` relative to its parent and requires the
//! opened descriptor's `fstat` to show that same device and inode ([`Error::Swapped`]
//! otherwise). Either way the same directories are walked: a bind mount of the start's own
//! device is entered, as its `lstat` shows that device.

use crate::control::CancelToken;
use crate::error::{Error, Result};
use crate::fs::{DirEntry, DirHandle, OpenOptions, SafeFile};
use crate::root::HostRoot;
use crate::stat::{FileKind, Stat};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Options of a walk.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WalkOptions {
    /// Do not descend into directories on another device than the start (default: true).
    pub same_filesystem: bool,
    /// Maximum depth below the start (the start's children are depth 1).
    pub max_depth: Option<usize>,
    /// Stops the walk when cancelled.
    pub cancel: CancelToken,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            same_filesystem: true,
            max_depth: None,
            cancel: CancelToken::new(),
        }
    }
}

impl WalkOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to stay on the start's filesystem.
    pub fn same_filesystem(mut self, yes: bool) -> Self {
        self.same_filesystem = yes;
        self
    }

    /// Limits the depth.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = Some(depth);
        self
    }

    /// Sets the cancellation token.
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }
}

/// One object met by a walk.
///
/// Its type comes from the directory listing; its `lstat` is taken when first asked for (see
/// the [module docs](self)).
#[derive(Debug, Clone)]
pub struct WalkEntry {
    /// Path inside the audited root (`/usr/bin/ls`), bytes exact.
    pub path: PathBuf,
    /// Depth below the start (the start itself is 0).
    pub depth: usize,
    /// The type the directory listing gave (`d_type`), or the `lstat`'s where the listing gave
    /// none. The name can be replaced between the listing and a later `lstat` or open: those
    /// check what they find (a [`WalkEntry::stat`] may then show another type).
    pub kind: FileKind,
    stat: OnceLock<Stat>,
    name: OsString,
    parent: Option<Arc<DirHandle>>,
    /// Walking the live system (whose listings are trusted as far as `ListedRegular` goes).
    live: bool,
}

impl WalkEntry {
    /// The entry's own name (empty for the start).
    pub fn name(&self) -> &OsStr {
        &self.name
    }

    /// The `lstat` of the entry (links not followed): taken on the first call and kept, so
    /// every later call, and the walk's own check before descending into a directory, sees the
    /// same metadata. An error (the name gone since the listing, say) is not kept.
    pub fn stat(&self) -> Result<&Stat> {
        if let Some(st) = self.stat.get() {
            return Ok(st);
        }
        let st = match &self.parent {
            Some(p) => p.stat_at(&self.name)?,
            // The start's metadata is taken when the walk begins.
            None => {
                return Err(Error::WrongKind {
                    path: self.path.clone(),
                    kind: self.kind,
                    expected: self.kind,
                })
            }
        };
        Ok(self.stat.get_or_init(|| st))
    }

    /// The `lstat` if it has been taken (by [`WalkEntry::stat`], or by the walk because the
    /// listing gave no type), without taking it.
    pub fn stat_if_taken(&self) -> Option<&Stat> {
        self.stat.get()
    }

    /// Opens the entry (a regular file) soundly, relative to its parent directory.
    ///
    /// When the entry's `lstat` has been taken, the opened descriptor must be that object
    /// (one `openat` and one `fstat`). Otherwise, on the live system the listing's type is
    /// trusted as far as [`Expected::ListedRegular`](crate::fs::Expected::ListedRegular) goes
    /// (the `fstat` of the opened descriptor must show a regular file), and in an image the
    /// name is `lstat`ed first, so that a crafted directory entry cannot make the walk open a
    /// device node. Either way [`SafeFile::stat`] gives the metadata of what was opened.
    pub fn open(&self, opts: &OpenOptions) -> Result<SafeFile> {
        let Some(p) = &self.parent else {
            return Err(Error::WrongKind {
                path: self.path.clone(),
                kind: self.kind,
                expected: FileKind::Regular,
            });
        };
        if let Some(st) = self.stat.get() {
            return p.open_file_expecting(&self.name, crate::fs::Expected::Same(st), opts);
        }
        if self.kind == FileKind::Regular && self.live {
            return p.open_file_expecting(&self.name, crate::fs::Expected::ListedRegular, opts);
        }
        let st = self.stat()?;
        p.open_file_expecting(&self.name, crate::fs::Expected::Same(st), opts)
    }

    /// The target of a symbolic link entry, as stored.
    pub fn read_link(&self) -> Result<Vec<u8>> {
        match &self.parent {
            Some(p) => p.read_link_at(&self.name),
            None => Err(Error::WrongKind {
                path: self.path.clone(),
                kind: self.kind,
                expected: FileKind::Symlink,
            }),
        }
    }

    /// The parent directory handle (none for the start).
    pub fn parent(&self) -> Option<&Arc<DirHandle>> {
        self.parent.as_ref()
    }
}

/// What a walk reports to its visitor.
#[derive(Debug)]
pub enum WalkEvent<'a> {
    /// An entry (the start, a directory before its children, or any other object).
    Entry(&'a WalkEntry),
    /// Something could not be read; the walk goes on.
    Error(Error),
}

/// What the visitor wants done with a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Descend into it (ignored for non-directories).
    Continue,
    /// Do not descend.
    Skip,
}

struct Start {
    dir: Arc<DirHandle>,
    entry: WalkEntry,
    dev: u64,
    live: bool,
    same: SameMount,
}

fn start(root: &HostRoot, from: &Path) -> Result<Start> {
    let dir = root.open_dir(from)?;
    let stat = dir.stat()?;
    let path = dir.path().to_path_buf();
    let live = root.is_live();
    let same = SameMount {
        dev: stat.dev,
        check_dev: !dir.one_device_per_mount(),
    };
    Ok(Start {
        dev: stat.dev,
        live,
        same,
        dir: Arc::new(dir),
        entry: WalkEntry {
            path,
            depth: 0,
            kind: stat.kind,
            stat: OnceLock::from(stat),
            name: OsString::new(),
            parent: None,
            live,
        },
    })
}

/// The entry for one listed name: its type from the listing, or from an `lstat` (kept) where
/// the listing gave none.
fn make_entry(dir: &Arc<DirHandle>, e: DirEntry, depth: usize, live: bool) -> Result<WalkEntry> {
    let (kind, stat) = if let Some(k) = e.kind {
        (k, OnceLock::new())
    } else {
        let st = dir.stat_at(&e.name)?;
        (st.kind, OnceLock::from(st))
    };
    Ok(WalkEntry {
        path: dir.child_path(&e.name),
        depth,
        kind,
        stat,
        name: e.name,
        parent: Some(Arc::clone(dir)),
        live,
    })
}

/// How a subdirectory the walk descends into is opened.
#[derive(Debug, Clone, Copy)]
enum Descend {
    /// Its `lstat` was taken: the opened descriptor must show this (device, inode).
    Same((u64, u64)),
    /// Only its listed type is known (a walk that stays on one file system): opened without
    /// crossing a mount point where the kernel allows ([`open_child`]).
    Listed,
}

/// What [`open_child`] checks of a listed directory opened without crossing a mount point.
#[derive(Debug, Clone, Copy)]
struct SameMount {
    /// The start's device.
    dev: u64,
    /// Its `fstat` shows `dev` (false where every directory of the start's mount shows the
    /// same device: [`DirHandle::one_device_per_mount`]).
    check_dev: bool,
}

/// Whether to descend into `e`, and if so how to open it. `Err` when the `lstat` this needs
/// failed (the walk reports it and goes on).
fn descend_into(e: &WalkEntry, opts: &WalkOptions, dev: u64) -> Result<Option<Descend>> {
    if e.kind != FileKind::Directory || opts.max_depth.is_some_and(|m| e.depth >= m) {
        return Ok(None);
    }
    if opts.same_filesystem && e.stat_if_taken().is_none() {
        return Ok(Some(Descend::Listed));
    }
    let st = e.stat()?;
    Ok(
        (st.kind == FileKind::Directory && (!opts.same_filesystem || st.dev == dev))
            .then_some(Descend::Same((st.dev, st.ino))),
    )
}

/// Opens the subdirectory `name` of `parent` the way `how` says; `None` when it is not to be
/// walked (on another file system than `dev`).
///
/// A listed directory is opened with `openat2(RESOLVE_NO_XDEV)` where that cannot trigger an
/// automount ([`DirHandle::open_dir_at_same_mount`]) and its `fstat` must show the start's
/// device (no `fstat` where the start's file system has one device per mount: one `openat2`).
/// A mount point, or a kernel where that is not safe,
/// takes the `lstat` first, as a directory whose `lstat` the visitor took: the `lstat`'s device
/// decides (a mount point is refused without being opened, so no automount is triggered), then
/// the opened descriptor must be that directory ([`Error::Swapped`] otherwise).
fn open_child(
    parent: &DirHandle,
    name: &OsStr,
    how: Descend,
    same: SameMount,
) -> Result<Option<DirHandle>> {
    let dev = same.dev;
    let want = match how {
        Descend::Same(want) => want,
        Descend::Listed => {
            if let Some(child) = parent.open_dir_at_same_mount(name) {
                if !same.check_dev {
                    return Ok(Some(child));
                }
                let st = child.stat()?;
                return Ok((st.dev == dev).then_some(child));
            }
            let st = parent.stat_at(name)?;
            if st.kind != FileKind::Directory || st.dev != dev {
                return Ok(None);
            }
            (st.dev, st.ino)
        }
    };
    open_same_dir(parent, name, want).map(Some)
}

/// Walks `from` (inside `root`) in sorted pre-order on this thread, calling `visit` for the start
/// and every entry below it. Returns [`Error::Cancelled`] when cancelled; other errors are given
/// to `visit` and the walk goes on.
pub fn walk<F>(
    root: &HostRoot,
    from: impl AsRef<Path>,
    opts: &WalkOptions,
    mut visit: F,
) -> Result<()>
where
    F: FnMut(WalkEvent<'_>) -> Visit,
{
    let s = match start(root, from.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            visit(WalkEvent::Error(e));
            return Ok(());
        }
    };
    if visit(WalkEvent::Entry(&s.entry)) == Visit::Skip {
        return Ok(());
    }
    let mut stack: Vec<(Arc<DirHandle>, std::vec::IntoIter<DirEntry>, usize)> = Vec::new();
    match s.dir.entries_once(true) {
        Ok(list) => stack.push((Arc::clone(&s.dir), list.into_iter(), 1)),
        Err(e) => {
            visit(WalkEvent::Error(e));
        }
    }
    while let Some((dir, iter, depth)) = stack.last_mut() {
        if opts.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let Some(de) = iter.next() else {
            stack.pop();
            continue;
        };
        let (dir, depth) = (Arc::clone(dir), *depth);
        let entry = match make_entry(&dir, de, depth, s.live) {
            Ok(e) => e,
            Err(e) => {
                visit(WalkEvent::Error(e));
                continue;
            }
        };
        if visit(WalkEvent::Entry(&entry)) != Visit::Continue {
            continue;
        }
        let how = match descend_into(&entry, opts, s.dev) {
            Ok(Some(how)) => how,
            Ok(None) => continue,
            Err(e) => {
                visit(WalkEvent::Error(e));
                continue;
            }
        };
        match open_child(&dir, &entry.name, how, s.same) {
            Ok(None) => {}
            Ok(Some(child)) => match child.entries_once(true) {
                Ok(list) => stack.push((Arc::new(child), list.into_iter(), depth + 1)),
                Err(e) => {
                    visit(WalkEvent::Error(e));
                }
            },
            Err(e) => {
                visit(WalkEvent::Error(e));
            }
        }
    }
    Ok(())
}

/// Opens the subdirectory `name` of `parent` and checks it is still the directory the walk
/// saw (`want` = dev, inode of its `lstat`): a directory swapped in between is not walked.
fn open_same_dir(parent: &DirHandle, name: &OsStr, want: (u64, u64)) -> Result<DirHandle> {
    let child = parent.open_dir_at(name)?;
    let st = child.stat()?;
    if (st.dev, st.ino) == want {
        Ok(child)
    } else {
        Err(Error::Swapped {
            path: child.path().to_path_buf(),
        })
    }
}

/// How many non-directory entries one parallel task visits.
#[cfg(feature = "parallel")]
const CHUNK: usize = 32;

/// Walks `from` on the current rayon pool: directories are listed in parallel and the entries of
/// each directory are visited in chunks on worker threads. `visit` is called once per entry
/// (directories before their children) from any thread. A subdirectory is opened only when its
/// task runs (and must still be the directory that was listed), so queued work holds only the
/// handles of directories whose children are still pending, never one per queued subdirectory.
#[cfg(feature = "parallel")]
pub fn walk_parallel<F>(
    root: &HostRoot,
    from: impl AsRef<Path>,
    opts: &WalkOptions,
    visit: F,
) -> Result<()>
where
    F: Fn(WalkEvent<'_>) -> Visit + Sync,
{
    let s = match start(root, from.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            visit(WalkEvent::Error(e));
            return Ok(());
        }
    };
    if visit(WalkEvent::Entry(&s.entry)) == Visit::Skip {
        return Ok(());
    }
    let (live, same) = (s.live, s.same);
    let visit = &visit;
    rayon::scope(|scope| {
        fn dir_task<'s, F>(
            scope: &rayon::Scope<'s>,
            dir: &Arc<DirHandle>,
            depth: usize,
            opts: &'s WalkOptions,
            (same, live): (SameMount, bool),
            visit: &'s F,
        ) where
            F: Fn(WalkEvent<'_>) -> Visit + Sync,
        {
            if opts.cancel.is_cancelled() {
                return;
            }
            let list = match dir.entries_once(false) {
                Ok(l) => l,
                Err(e) => {
                    visit(WalkEvent::Error(e));
                    return;
                }
            };
            let mut batch: Vec<WalkEntry> = Vec::with_capacity(CHUNK);
            for de in list {
                if opts.cancel.is_cancelled() {
                    return;
                }
                let entry = match make_entry(dir, de, depth, live) {
                    Ok(e) => e,
                    Err(e) => {
                        visit(WalkEvent::Error(e));
                        continue;
                    }
                };
                if entry.kind == FileKind::Directory {
                    if visit(WalkEvent::Entry(&entry)) != Visit::Continue {
                        continue;
                    }
                    let how = match descend_into(&entry, opts, same.dev) {
                        Ok(Some(how)) => how,
                        Ok(None) => continue,
                        Err(e) => {
                            visit(WalkEvent::Error(e));
                            continue;
                        }
                    };
                    // Opened when the task runs, not now: queued work holds only its
                    // parent's handle, so a directory with thousands of subdirectories
                    // does not hold thousands of descriptors (RLIMIT_NOFILE is often 1024).
                    let parent = Arc::clone(dir);
                    let name = entry.name.clone();
                    scope.spawn(move |sc| {
                        if opts.cancel.is_cancelled() {
                            return;
                        }
                        let opened = open_child(&parent, &name, how, same);
                        drop(parent);
                        match opened {
                            Ok(None) => {}
                            Ok(Some(child)) => {
                                dir_task(
                                    sc,
                                    &Arc::new(child),
                                    depth + 1,
                                    opts,
                                    (same, live),
                                    visit,
                                );
                            }
                            Err(e) => {
                                visit(WalkEvent::Error(e));
                            }
                        }
                    });
                } else {
                    batch.push(entry);
                    if batch.len() == CHUNK {
                        let b = std::mem::replace(&mut batch, Vec::with_capacity(CHUNK));
                        spawn_batch(scope, b, opts, visit);
                    }
                }
            }
            if !batch.is_empty() {
                spawn_batch(scope, batch, opts, visit);
            }
        }
        fn spawn_batch<'s, F>(
            scope: &rayon::Scope<'s>,
            batch: Vec<WalkEntry>,
            opts: &'s WalkOptions,
            visit: &'s F,
        ) where
            F: Fn(WalkEvent<'_>) -> Visit + Sync,
        {
            scope.spawn(move |_| {
                for e in &batch {
                    if opts.cancel.is_cancelled() {
                        return;
                    }
                    visit(WalkEvent::Entry(e));
                }
            });
        }
        let dir = Arc::clone(&s.dir);
        scope.spawn(move |sc| dir_task(sc, &dir, 1, opts, (same, live), visit));
    });
    if opts.cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;
    use std::sync::Mutex;

    fn tree() -> (tempfile::TempDir, HostRoot) {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("a/b/c")).unwrap();
        std::fs::create_dir_all(r.join("d")).unwrap();
        for (i, p) in ["a/1", "a/b/2", "a/b/c/3", "d/4", "5"].iter().enumerate() {
            std::fs::write(r.join(p), vec![b'x'; i]).unwrap();
        }
        std::fs::write(r.join(OsStr::from_bytes(b"d/odd\n\xff")), b"").unwrap();
        std::os::unix::fs::symlink("/", r.join("d/escape")).unwrap();
        nix::unistd::mkfifo(
            &r.join("d/fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let root = HostRoot::new(r).unwrap();
        (t, root)
    }

    #[test]
    fn sequential_walk_is_sorted_preorder_and_never_follows_links() {
        let (_t, root) = tree();
        let mut seen = Vec::new();
        walk(&root, "/", &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                seen.push(e.path.as_os_str().as_bytes().to_vec());
            }
            Visit::Continue
        })
        .unwrap();
        let expect: Vec<&[u8]> = vec![
            b"/",
            b"/5",
            b"/a",
            b"/a/1",
            b"/a/b",
            b"/a/b/2",
            b"/a/b/c",
            b"/a/b/c/3",
            b"/d",
            b"/d/4",
            b"/d/escape",
            b"/d/fifo",
            b"/d/odd\n\xff",
        ];
        assert_eq!(seen, expect);
    }

    #[test]
    fn parallel_walk_sees_the_same_entries() {
        let (_t, root) = tree();
        let seq = Mutex::new(Vec::new());
        walk(&root, "/", &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                seq.lock().unwrap().push(e.path.clone());
            }
            Visit::Continue
        })
        .unwrap();
        let par = Mutex::new(Vec::new());
        walk_parallel(&root, "/", &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                par.lock().unwrap().push(e.path.clone());
            }
            Visit::Continue
        })
        .unwrap();
        let mut par = par.into_inner().unwrap();
        par.sort();
        let mut seq = seq.into_inner().unwrap();
        seq.sort();
        assert_eq!(par, seq);
    }

    /// A directory with more subdirectories than the usual 1024-descriptor limit: the parallel
    /// walk must not hold one descriptor per queued subdirectory.
    #[cfg(feature = "parallel")]
    #[test]
    fn parallel_walk_of_a_wide_directory_holds_few_descriptors() {
        let t = tempfile::tempdir().unwrap();
        let wide = t.path().join("wide");
        std::fs::create_dir(&wide).unwrap();
        let n = 1500;
        for i in 0..n {
            let d = wide.join(format!("d{i:04}"));
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("f"), b"x").unwrap();
        }
        let root = HostRoot::new(t.path()).unwrap();
        let open_fds = || std::fs::read_dir("/proc/self/fd").unwrap().count();
        let before = open_fds();
        let peak = std::sync::atomic::AtomicUsize::new(0);
        let files = std::sync::atomic::AtomicUsize::new(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            walk_parallel(&root, "/", &WalkOptions::new(), |ev| {
                if let WalkEvent::Entry(e) = ev {
                    if e.kind == FileKind::Regular {
                        files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                peak.fetch_max(open_fds(), std::sync::atomic::Ordering::Relaxed);
                Visit::Continue
            })
            .unwrap();
        });
        assert_eq!(files.into_inner(), n);
        let peak = peak.into_inner();
        // Other tests of this binary run beside this one and open a few descriptors of their
        // own. The eager opens this replaced peaked at 242 here; lazy opens at 11.
        assert!(
            peak.saturating_sub(before) < 100,
            "peak {peak} open descriptors, {before} before the walk"
        );
    }

    #[test]
    fn skip_prunes_and_depth_limits() {
        let (_t, root) = tree();
        let mut seen = Vec::new();
        walk(&root, "/", &WalkOptions::new().max_depth(1), |ev| {
            if let WalkEvent::Entry(e) = ev {
                seen.push(e.path.clone());
            }
            Visit::Continue
        })
        .unwrap();
        assert_eq!(seen.len(), 4); // /, /5, /a, /d
        let mut seen = Vec::new();
        walk(&root, "/", &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                seen.push(e.path.clone());
                if e.path == Path::new("/a") {
                    return Visit::Skip;
                }
            }
            Visit::Continue
        })
        .unwrap();
        assert!(seen.iter().any(|p| p == Path::new("/a")));
        assert!(!seen
            .iter()
            .any(|p| p != Path::new("/a") && p.starts_with("/a")));
    }

    /// A tree with one of every object type: directories, a regular file, a symlink, a FIFO, a
    /// socket, and (when running as root) a character and a block device.
    fn every_type() -> (
        tempfile::TempDir,
        HostRoot,
        std::os::unix::net::UnixListener,
    ) {
        use nix::sys::stat::{makedev, mknod, Mode, SFlag};
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("dir/sub")).unwrap();
        std::fs::write(r.join("dir/file"), b"x").unwrap();
        std::fs::write(r.join("dir/sub/empty"), b"").unwrap();
        std::os::unix::fs::symlink("dir", r.join("link")).unwrap();
        nix::unistd::mkfifo(&r.join("dir/fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        let sock = std::os::unix::net::UnixListener::bind(r.join("dir/sock")).unwrap();
        if nix::unistd::geteuid().is_root() {
            let m = Mode::from_bits_truncate(0o600);
            mknod(&r.join("dir/chr"), SFlag::S_IFCHR, m, makedev(1, 3)).unwrap();
            mknod(&r.join("dir/blk"), SFlag::S_IFBLK, m, makedev(7, 200)).unwrap();
        }
        let root = HostRoot::new(r).unwrap();
        (t, root, sock)
    }

    /// What `std`'s `symlink_metadata` (an eager `lstat` of every path) says of the tree.
    fn eager(root: &HostRoot) -> Vec<(PathBuf, FileKind, u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        fn rec(host: &Path, inner: &Path, out: &mut Vec<(PathBuf, FileKind, u64, u64)>) {
            let md = std::fs::symlink_metadata(host).unwrap();
            out.push((
                inner.to_path_buf(),
                FileKind::from_mode(md.mode()),
                md.dev(),
                md.ino(),
            ));
            if md.is_dir() {
                for e in std::fs::read_dir(host).unwrap() {
                    let e = e.unwrap();
                    rec(&e.path(), &inner.join(e.file_name()), out);
                }
            }
        }
        let mut out = Vec::new();
        rec(root.path(), Path::new("/"), &mut out);
        out.sort();
        out
    }

    #[test]
    fn lazy_stat_walk_gives_the_kinds_and_stats_of_an_eager_lstat() {
        let (_t, root, _sock) = every_type();
        let want = eager(&root);
        let kinds: Vec<FileKind> = want.iter().map(|w| w.1).collect();
        for k in [
            FileKind::Directory,
            FileKind::Regular,
            FileKind::Symlink,
            FileKind::Fifo,
            FileKind::Socket,
        ] {
            assert!(kinds.contains(&k), "fixture lacks {k:?}");
        }
        if nix::unistd::geteuid().is_root() {
            assert!(kinds.contains(&FileKind::CharDevice));
            assert!(kinds.contains(&FileKind::BlockDevice));
        }
        // Kinds alone (no visitor asks for a stat), then kinds and stats, each walk.
        for ask in [false, true] {
            let seq = Mutex::new(Vec::new());
            let record = |e: &WalkEntry| {
                let taken = e.stat_if_taken().is_some();
                let (dev, ino) = if ask {
                    let st = e.stat().unwrap();
                    assert_eq!(st.kind, e.kind, "{}", e.path.display());
                    (st.dev, st.ino)
                } else {
                    // Only the start carries its stat from the beginning (the listing gives
                    // every type here), and the kind comes without one.
                    assert_eq!(taken, e.depth == 0, "{}", e.path.display());
                    let st = e.stat().unwrap();
                    (st.dev, st.ino)
                };
                (e.path.clone(), e.kind, dev, ino)
            };
            walk(&root, "/", &WalkOptions::new(), |ev| {
                if let WalkEvent::Entry(e) = ev {
                    let r = record(e);
                    seq.lock().unwrap().push(r);
                }
                Visit::Continue
            })
            .unwrap();
            let mut seq = seq.into_inner().unwrap();
            seq.sort();
            assert_eq!(seq, want, "sequential, stat asked first: {ask}");
            let par = Mutex::new(Vec::new());
            walk_parallel(&root, "/", &WalkOptions::new(), |ev| {
                if let WalkEvent::Entry(e) = ev {
                    let r = record(e);
                    par.lock().unwrap().push(r);
                }
                Visit::Continue
            })
            .unwrap();
            let mut par = par.into_inner().unwrap();
            par.sort();
            assert_eq!(par, want, "parallel, stat asked first: {ask}");
        }
    }

    /// A listing without types (`DT_UNKNOWN`, as on some file systems and images): the entry's
    /// kind comes from an `lstat`, which is kept.
    #[test]
    fn an_entry_listed_without_a_type_is_lstated_at_once() {
        let (_t, root, _sock) = every_type();
        let dir = Arc::new(root.open_dir("/dir").unwrap());
        let want = eager(&root);
        let listed = dir.entries().unwrap();
        assert!(listed.len() >= 5);
        // The walk's own listing (getdents64 on the handle's descriptor) gives the same.
        let fresh = root.open_dir("/dir").unwrap();
        assert_eq!(fresh.entries_once(true).unwrap(), listed);
        assert!(listed.iter().all(|e| e.kind.is_some()));
        for de in listed {
            let typed = make_entry(&dir, de.clone(), 1, false).unwrap();
            let unknown = DirEntry {
                kind: None,
                ..de.clone()
            };
            let fell_back = make_entry(&dir, unknown, 1, false).unwrap();
            let expect = want
                .iter()
                .find(|w| w.0 == Path::new("/dir").join(&de.name))
                .unwrap();
            assert_eq!(typed.kind, expect.1);
            assert_eq!(fell_back.kind, expect.1);
            assert!(typed.stat_if_taken().is_none());
            let st = fell_back.stat_if_taken().copied().unwrap();
            assert_eq!((st.kind, st.dev, st.ino), (expect.1, expect.2, expect.3));
            assert_eq!(typed.stat().unwrap().ino, expect.3);
        }
        // A name gone since the listing: an error for that name, no entry.
        let gone = DirEntry {
            name: OsString::from("gone"),
            kind: None,
            ino: 1,
        };
        assert!(make_entry(&dir, gone, 1, false).unwrap_err().is_not_found());
    }

    /// Opening a walked file: from the listing alone on the live system, after the `lstat` in
    /// an image; either way the opened file's metadata is the `lstat`'s.
    #[test]
    fn walked_files_open_with_or_without_a_stat() {
        let (_t, root, _sock) = every_type();
        let mut n = 0;
        walk(&root, "/", &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                if e.kind == FileKind::Regular {
                    let f = e.open(&OpenOptions::new()).unwrap();
                    // Not live: the open took the lstat first, and the file is that object.
                    let st = e.stat_if_taken().copied().unwrap();
                    assert!(f.stat().same_object(&st));
                    n += 1;
                } else if e.depth > 0 {
                    assert!(e.open(&OpenOptions::new()).is_err(), "{}", e.path.display());
                }
            }
            Visit::Continue
        })
        .unwrap();
        assert_eq!(n, 2);
        // The same tree walked as part of the live system: the listing's type is trusted as
        // far as `ListedRegular` goes, and no lstat is taken.
        let mut n = 0;
        let live = HostRoot::live();
        walk(&live, root.path(), &WalkOptions::new(), |ev| {
            if let WalkEvent::Entry(e) = ev {
                if e.kind == FileKind::Regular {
                    let f = e.open(&OpenOptions::new()).unwrap();
                    assert!(e.stat_if_taken().is_none());
                    assert!(f.stat().same_object(e.stat().unwrap()));
                    n += 1;
                } else if e.depth > 0 {
                    assert!(e.open(&OpenOptions::new()).is_err(), "{}", e.path.display());
                }
            }
            Visit::Continue
        })
        .unwrap();
        assert_eq!(n, 2);
    }

    /// A directory is entered by its listed type (`openat2` without crossing mounts) or after
    /// its `lstat` (taken by the visitor): the same entries either way, and a directory the
    /// visitor saw swapped is refused.
    #[test]
    fn listed_and_lstated_directories_are_walked_alike() {
        let (_t, root) = tree();
        let run = |take_stat: bool| {
            let mut seen = Vec::new();
            walk(&root, "/", &WalkOptions::new(), |ev| {
                if let WalkEvent::Entry(e) = ev {
                    if take_stat {
                        e.stat().unwrap();
                    }
                    seen.push(e.path.clone());
                }
                Visit::Continue
            })
            .unwrap();
            seen
        };
        let listed = run(false);
        assert_eq!(listed, run(true));
        assert!(listed.iter().any(|p| p == Path::new("/a/b/c/3")));
        let dir = root.open_dir("/a").unwrap();
        let st = dir.stat_at(OsStr::new("b")).unwrap();
        let same = |dev, check_dev| SameMount { dev, check_dev };
        for check_dev in [true, false] {
            let c = open_child(
                &dir,
                OsStr::new("b"),
                Descend::Listed,
                same(st.dev, check_dev),
            );
            assert_eq!(c.unwrap().unwrap().stat().unwrap().ino, st.ino);
        }
        // Another device than the start's: not walked, by either path (when devices can
        // differ on one mount; the kernel refuses a mount point).
        let other = same(st.dev.wrapping_add(1), true);
        assert!(open_child(&dir, OsStr::new("b"), Descend::Listed, other)
            .unwrap()
            .is_none());
        let wrong = Descend::Same((st.dev, st.ino.wrapping_add(1)));
        assert!(matches!(
            open_child(&dir, OsStr::new("b"), wrong, same(st.dev, true)),
            Err(Error::Swapped { .. })
        ));
        // A name that became a symlink (to a directory) is never opened as one.
        let d = root.open_dir("/d").unwrap();
        let swapped = open_child(
            &d,
            OsStr::new("escape"),
            Descend::Listed,
            same(st.dev, false),
        );
        assert!(swapped.unwrap().is_none());
    }

    #[test]
    fn cancel_stops_walk() {
        let (_t, root) = tree();
        let opts = WalkOptions::new();
        opts.cancel.cancel();
        assert!(matches!(
            walk(&root, "/", &opts, |_| Visit::Continue),
            Err(Error::Cancelled)
        ));
    }
}
