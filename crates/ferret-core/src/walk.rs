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

use crate::control::CancelToken;
use crate::error::{Error, Result};
use crate::fs::{DirEntry, DirHandle, OpenOptions, SafeFile};
use crate::root::HostRoot;
use crate::stat::{FileKind, Stat};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
#[derive(Debug, Clone)]
pub struct WalkEntry {
    /// Path inside the audited root (`/usr/bin/ls`), bytes exact.
    pub path: PathBuf,
    /// Depth below the start (the start itself is 0).
    pub depth: usize,
    /// `lstat` of the entry.
    pub stat: Stat,
    name: OsString,
    parent: Option<Arc<DirHandle>>,
}

impl WalkEntry {
    /// The entry's own name (empty for the start).
    pub fn name(&self) -> &OsStr {
        &self.name
    }

    /// Opens the entry (a regular file) soundly, relative to its parent directory.
    pub fn open(&self, opts: &OpenOptions) -> Result<SafeFile> {
        match &self.parent {
            Some(p) => p.open_file_at(&self.name, opts),
            None => Err(Error::WrongKind {
                path: self.path.clone(),
                kind: self.stat.kind,
                expected: FileKind::Regular,
            }),
        }
    }

    /// The target of a symbolic link entry, as stored.
    pub fn read_link(&self) -> Result<Vec<u8>> {
        match &self.parent {
            Some(p) => p.read_link_at(&self.name),
            None => Err(Error::WrongKind {
                path: self.path.clone(),
                kind: self.stat.kind,
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
}

fn start(root: &HostRoot, from: &Path) -> Result<Start> {
    let dir = root.open_dir(from)?;
    let stat = dir.stat()?;
    let path = dir.path().to_path_buf();
    Ok(Start {
        dev: stat.dev,
        dir: Arc::new(dir),
        entry: WalkEntry {
            path,
            depth: 0,
            stat,
            name: OsString::new(),
            parent: None,
        },
    })
}

fn make_entry(dir: &Arc<DirHandle>, e: &DirEntry, depth: usize) -> Result<WalkEntry> {
    let stat = dir.stat_at(&e.name)?;
    Ok(WalkEntry {
        path: dir.child_path(&e.name),
        depth,
        stat,
        name: e.name.clone(),
        parent: Some(Arc::clone(dir)),
    })
}

fn should_descend(e: &WalkEntry, opts: &WalkOptions, dev: u64) -> bool {
    e.stat.kind == FileKind::Directory
        && (!opts.same_filesystem || e.stat.dev == dev)
        && opts.max_depth.is_none_or(|m| e.depth < m)
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
    match s.dir.entries() {
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
        let entry = match make_entry(&dir, &de, depth) {
            Ok(e) => e,
            Err(e) => {
                visit(WalkEvent::Error(e));
                continue;
            }
        };
        let v = visit(WalkEvent::Entry(&entry));
        if v == Visit::Continue && should_descend(&entry, opts, s.dev) {
            match open_same_dir(&dir, &de.name, (entry.stat.dev, entry.stat.ino)) {
                Ok(child) => match child.entries() {
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
    let dev = s.dev;
    let visit = &visit;
    rayon::scope(|scope| {
        fn dir_task<'s, F>(
            scope: &rayon::Scope<'s>,
            dir: &Arc<DirHandle>,
            depth: usize,
            opts: &'s WalkOptions,
            dev: u64,
            visit: &'s F,
        ) where
            F: Fn(WalkEvent<'_>) -> Visit + Sync,
        {
            if opts.cancel.is_cancelled() {
                return;
            }
            let list = match dir.entries() {
                Ok(l) => l,
                Err(e) => {
                    visit(WalkEvent::Error(e));
                    return;
                }
            };
            let mut batch: Vec<WalkEntry> = Vec::with_capacity(CHUNK);
            for de in &list {
                if opts.cancel.is_cancelled() {
                    return;
                }
                let entry = match make_entry(dir, de, depth) {
                    Ok(e) => e,
                    Err(e) => {
                        visit(WalkEvent::Error(e));
                        continue;
                    }
                };
                if entry.stat.kind == FileKind::Directory {
                    if visit(WalkEvent::Entry(&entry)) == Visit::Continue
                        && should_descend(&entry, opts, dev)
                    {
                        // Opened when the task runs, not now: queued work holds only its
                        // parent's handle, so a directory with thousands of subdirectories
                        // does not hold thousands of descriptors (RLIMIT_NOFILE is often 1024).
                        let parent = Arc::clone(dir);
                        let name = de.name.clone();
                        let want = (entry.stat.dev, entry.stat.ino);
                        scope.spawn(move |sc| {
                            if opts.cancel.is_cancelled() {
                                return;
                            }
                            let opened = open_same_dir(&parent, &name, want);
                            drop(parent);
                            match opened {
                                Ok(child) => {
                                    dir_task(sc, &Arc::new(child), depth + 1, opts, dev, visit);
                                }
                                Err(e) => {
                                    visit(WalkEvent::Error(e));
                                }
                            }
                        });
                    }
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
        scope.spawn(move |sc| dir_task(sc, &dir, 1, opts, dev, visit));
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
                    if e.stat.kind == FileKind::Regular {
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
