//! [`HostRoot`]: the root of the system being audited, live (`/`) or a mounted image.

use crate::error::{Error, Result};
use crate::fs::{DirEntry, DirHandle, OpenOptions, SafeFile};
use crate::stat::{FileKind, InodeFlags, Stat};
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fstatat, Mode};
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// How many symbolic links one resolution may follow (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Default cap for [`HostRoot::read`]: configuration and account files are small.
pub const DEFAULT_READ_LIMIT: u64 = 64 << 20;

/// The root of the audited system.
///
/// Paths given to its methods are paths *inside* the audited system (`/etc/passwd`); they are
/// resolved like `chroot` would: `..` never climbs above the root, and symbolic links met on
/// the way (`/bin -> usr/bin`, or an absolute `/etc/x -> /opt/x`) are resolved inside the root,
/// never on the host running ferret. The last component of a file path is never followed.
///
/// ```
/// use ferret_core::HostRoot;
/// let t = tempfile::tempdir()?;
/// std::fs::create_dir(t.path().join("etc"))?;
/// std::fs::write(t.path().join("etc/hostname"), "web1\n")?;
/// let root = HostRoot::new(t.path())?;
/// assert_eq!(root.read("/etc/hostname")?, b"web1\n");
/// assert_eq!(root.read("../../etc/hostname")?, b"web1\n"); // clamped at the root
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoot {
    path: PathBuf,
}

impl Default for HostRoot {
    fn default() -> Self {
        Self::live()
    }
}

/// The normal components of an inner path after lexical clean-up (`.` dropped, `..` clamped).
fn lexical_components(p: &Path) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n.to_os_string()),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

impl HostRoot {
    /// The live system: `/`.
    pub fn live() -> Self {
        HostRoot {
            path: PathBuf::from("/"),
        }
    }

    /// A mounted image or fixture tree at `path` (made absolute; must be a directory).
    pub fn new(path: impl AsRef<Path>) -> Result<Self> {
        let p = path.as_ref();
        let abs = std::fs::canonicalize(p).map_err(|e| Error::io(p, e))?;
        let md = std::fs::metadata(&abs).map_err(|e| Error::io(p, e))?;
        if !md.is_dir() {
            return Err(Error::WrongKind {
                path: p.to_path_buf(),
                kind: FileKind::from_mode(std::os::unix::fs::PermissionsExt::mode(
                    &md.permissions(),
                )),
                expected: FileKind::Directory,
            });
        }
        Ok(HostRoot { path: abs })
    }

    /// The root's path on the machine running ferret.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this is the live system (`/`): only then do `/proc`-based checks make sense.
    pub fn is_live(&self) -> bool {
        self.path == Path::new("/")
    }

    /// The lexically normalised inner path: absolute, no `.`/`..`, never above `/`.
    pub fn inner(p: impl AsRef<Path>) -> PathBuf {
        let mut out = PathBuf::from("/");
        for c in lexical_components(p.as_ref()) {
            out.push(c);
        }
        out
    }

    /// The host path of an inner path, joined lexically (for display or for tools that need a
    /// real path). It is not safe against symlinks: use the open methods to read.
    pub fn host_path(&self, p: impl AsRef<Path>) -> PathBuf {
        let mut out = self.path.clone();
        for c in lexical_components(p.as_ref()) {
            out.push(c);
        }
        out
    }

    /// Opens the root directory itself.
    pub fn open_root(&self) -> Result<DirHandle> {
        DirHandle::open_path(&self.path, Path::new("/"))
    }

    /// Resolves every component of `comps` to a directory, following symlinks inside the root.
    /// Returns an `O_PATH` descriptor of the last directory and its inner path.
    fn resolve_dirs(&self, comps: Vec<OsString>, display: &Path) -> Result<(OwnedFd, PathBuf)> {
        let path_flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let root_fd = openat(
            nix::fcntl::AT_FDCWD,
            self.path.as_os_str(),
            path_flags,
            Mode::empty(),
        )
        .map_err(|e| Error::from_errno(display, e))?;
        let mut stack: Vec<(OwnedFd, OsString)> = Vec::new();
        let mut queue: VecDeque<OsString> = comps.into();
        let mut links = 0usize;
        while let Some(c) = queue.pop_front() {
            let cb = c.as_bytes();
            if cb.is_empty() || cb == b"." {
                continue;
            }
            if cb == b".." {
                stack.pop();
                continue;
            }
            let top = stack.last().map_or(&root_fd, |(fd, _)| fd);
            let st = fstatat(top, c.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map(|s| Stat::from_nix(&s))
                .map_err(|e| Error::from_errno(display, e))?;
            match st.kind {
                FileKind::Directory => {
                    let fd = openat(
                        top,
                        c.as_os_str(),
                        path_flags | OFlag::O_NOFOLLOW,
                        Mode::empty(),
                    )
                    .map_err(|e| match e {
                        Errno::ELOOP | Errno::ENOTDIR => Error::Swapped {
                            path: display.to_path_buf(),
                        },
                        e => Error::from_errno(display, e),
                    })?;
                    stack.push((fd, c));
                }
                FileKind::Symlink => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(Error::SymlinkLoop {
                            path: display.to_path_buf(),
                        });
                    }
                    let target = nix::fcntl::readlinkat(top, c.as_os_str())
                        .map_err(|e| Error::from_errno(display, e))?;
                    let tpath = Path::new(&target);
                    if tpath.is_absolute() {
                        stack.clear();
                    }
                    let mut parts: Vec<OsString> = tpath
                        .components()
                        .filter_map(|c| match c {
                            Component::Normal(n) => Some(n.to_os_string()),
                            Component::ParentDir => Some(OsString::from("..")),
                            _ => None,
                        })
                        .collect();
                    while let Some(p) = parts.pop() {
                        queue.push_front(p);
                    }
                }
                kind => {
                    return Err(Error::WrongKind {
                        path: display.to_path_buf(),
                        kind,
                        expected: FileKind::Directory,
                    })
                }
            }
        }
        let mut inner = PathBuf::from("/");
        for (_, n) in &stack {
            inner.push(n);
        }
        let fd = match stack.pop() {
            Some((fd, _)) => fd,
            None => root_fd,
        };
        Ok((fd, inner))
    }

    /// Splits an inner path into its resolved parent directory and final name.
    fn parent_and_name(&self, p: &Path) -> Result<(DirHandle, OsString)> {
        let display = Self::inner(p);
        let mut comps = lexical_components(p);
        let name = comps.pop().ok_or_else(|| Error::WrongKind {
            path: display.clone(),
            kind: FileKind::Directory,
            expected: FileKind::Regular,
        })?;
        let (fd, inner) = self.resolve_dirs(comps, &display)?;
        Ok((DirHandle::from_parts(fd, inner, true), name))
    }

    /// Opens a directory for listing, following symlinks inside the root on the way (and for
    /// the directory itself).
    pub fn open_dir(&self, p: impl AsRef<Path>) -> Result<DirHandle> {
        let display = Self::inner(p.as_ref());
        let (fd, inner) = self.resolve_dirs(lexical_components(p.as_ref()), &display)?;
        DirHandle::reopen_listable(&fd, inner)
    }

    /// Lists a directory (sorted, without `.` and `..`).
    pub fn read_dir(&self, p: impl AsRef<Path>) -> Result<Vec<DirEntry>> {
        self.open_dir(p)?.entries()
    }

    /// Opens a regular file soundly; the final component is never followed.
    pub fn open_file(&self, p: impl AsRef<Path>, opts: &OpenOptions) -> Result<SafeFile> {
        let (dir, name) = self.parent_and_name(p.as_ref())?;
        dir.open_file_at(&name, opts)
    }

    /// Reads a whole regular file, refusing more than `DEFAULT_READ_LIMIT` bytes.
    pub fn read(&self, p: impl AsRef<Path>) -> Result<Vec<u8>> {
        self.read_capped(p, DEFAULT_READ_LIMIT)
    }

    /// Reads a whole regular file, refusing more than `limit` bytes.
    pub fn read_capped(&self, p: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>> {
        let mut f = self.open_file(p, &OpenOptions::new().max_size(limit))?;
        f.read_capped(limit)
    }

    /// Like [`HostRoot::read`], but a file (or parent directory) that does not exist is
    /// `Ok(None)`.
    pub fn read_optional(&self, p: impl AsRef<Path>) -> Result<Option<Vec<u8>>> {
        match self.read(p) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `lstat` of a path (the final component is not followed).
    pub fn lstat(&self, p: impl AsRef<Path>) -> Result<Stat> {
        let p = p.as_ref();
        if lexical_components(p).is_empty() {
            return self.open_root()?.stat();
        }
        let (dir, name) = self.parent_and_name(p)?;
        dir.stat_at(&name)
    }

    /// The inode flags of a regular file or directory (`lsattr`'s letters: `i` immutable, `a`
    /// append-only, ...), read with `FS_IOC_GETFLAGS` on a sound open (see
    /// [`DirHandle::inode_flags_at`]); the final component is never followed, and FIFOs,
    /// sockets and device nodes are refused unopened. `Ok(None)`: the file system keeps no
    /// inode flags. Works the same on the live system and on a mounted image.
    ///
    /// ```
    /// use ferret_core::HostRoot;
    /// let t = tempfile::tempdir()?;
    /// std::fs::create_dir(t.path().join("etc"))?;
    /// std::fs::write(t.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n")?;
    /// let root = HostRoot::new(t.path())?;
    /// let flags = root.inode_flags("/etc/passwd")?; // None on a file system without flags
    /// assert!(flags.is_none_or(|f| !f.is_immutable() && !f.is_append_only()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inode_flags(&self, p: impl AsRef<Path>) -> Result<Option<InodeFlags>> {
        let p = p.as_ref();
        if lexical_components(p).is_empty() {
            return self.open_root()?.inode_flags();
        }
        let (dir, name) = self.parent_and_name(p)?;
        dir.inode_flags_at(&name)
    }

    /// An extended attribute of a regular file (`security.capability`, `user.*`), read with
    /// `fgetxattr` on a sound open (the final component is never followed; FIFOs, devices and
    /// sockets are refused unopened). `Ok(None)`: no such attribute, or a file system without
    /// them. See [`SafeFile::xattr`](crate::fs::SafeFile::xattr).
    ///
    /// ```
    /// use ferret_core::HostRoot;
    /// let t = tempfile::tempdir()?;
    /// std::fs::create_dir(t.path().join("bin"))?;
    /// std::fs::write(t.path().join("bin/tool"), "#!/bin/sh\n")?;
    /// let root = HostRoot::new(t.path())?;
    /// assert_eq!(root.xattr("/bin/tool", "security.capability")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn xattr(&self, p: impl AsRef<Path>, name: &str) -> Result<Option<Vec<u8>>> {
        self.open_file(p, &OpenOptions::new())?.xattr(name)
    }

    /// The times of a path (the final component is not followed), birth time included where
    /// the filesystem keeps it (`statx`). Reads metadata only.
    pub fn times(&self, p: impl AsRef<Path>) -> Result<crate::stat::FileTimes> {
        let p = p.as_ref();
        if lexical_components(p).is_empty() {
            return self.open_root()?.times_at(std::ffi::OsStr::new("."));
        }
        let (dir, name) = self.parent_and_name(p)?;
        dir.times_at(&name)
    }

    /// Whether something (of any type) exists at the path.
    pub fn exists(&self, p: impl AsRef<Path>) -> bool {
        self.lstat(p).is_ok()
    }

    /// The target of a symbolic link, as stored (not resolved).
    pub fn read_link(&self, p: impl AsRef<Path>) -> Result<Vec<u8>> {
        let (dir, name) = self.parent_and_name(p.as_ref())?;
        dir.read_link_at(&name)
    }

    /// Refuses an output path that lies inside this root (unless the root is the live `/`,
    /// where see [`ensure_outside`]).
    pub fn ensure_output_outside(&self, out: &Path) -> Result<()> {
        if self.is_live() {
            return Ok(());
        }
        ensure_outside(out, &[self.path.as_path()])
    }
}

/// Refuses `out` when it lies inside any of `audited` (host paths), so that ferret never writes
/// into evidence it reads. Symlinks in the existing part of `out` are resolved first.
pub fn ensure_outside(out: &Path, audited: &[&Path]) -> Result<()> {
    let abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(out, e))?
            .join(out)
    };
    // Canonicalise the longest existing ancestor, then re-append the rest.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    let canon = loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            break c;
        }
        match (
            existing.file_name().map(OsStr::to_os_string),
            existing.parent(),
        ) {
            (Some(n), Some(parent)) => {
                rest.push(n);
                existing = parent.to_path_buf();
            }
            _ => break existing.clone(),
        }
    };
    let mut full = canon;
    for n in rest.into_iter().rev() {
        full.push(n);
    }
    let full = HostRoot::inner(&full);
    for a in audited {
        let a = std::fs::canonicalize(a).unwrap_or_else(|_| HostRoot::inner(a));
        if full.starts_with(&a) {
            return Err(Error::OutputInsideRoot {
                path: out.to_path_buf(),
                root: a,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fixture() -> (tempfile::TempDir, HostRoot) {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("usr/bin")).unwrap();
        std::fs::create_dir_all(r.join("etc/ssh")).unwrap();
        std::fs::write(r.join("usr/bin/ls"), b"ELF").unwrap();
        std::fs::write(r.join("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("usr/bin", r.join("bin")).unwrap();
        std::os::unix::fs::symlink("/etc", r.join("etc/ssh/abs")).unwrap();
        std::os::unix::fs::symlink("/etc/shadow", r.join("etc/shadow")).unwrap();
        std::os::unix::fs::symlink("loop2", r.join("loop1")).unwrap();
        std::os::unix::fs::symlink("loop1", r.join("loop2")).unwrap();
        let root = HostRoot::new(r).unwrap();
        (t, root)
    }

    #[test]
    fn follows_links_inside_the_root_only() {
        let (_t, root) = fixture();
        assert_eq!(root.read("/bin/ls").unwrap(), b"ELF");
        // An absolute link resolves inside the root, not on the host.
        assert_eq!(
            root.read("/etc/ssh/abs/passwd").unwrap(),
            b"root:x:0:0::/root:/bin/sh\n"
        );
        // The final component is never followed: the planted link is refused.
        assert!(matches!(
            root.read("/etc/shadow").unwrap_err(),
            Error::Symlink { .. }
        ));
        assert!(matches!(
            root.read("/loop1/x").unwrap_err(),
            Error::SymlinkLoop { .. }
        ));
        assert!(root.read_optional("/etc/missing").unwrap().is_none());
        assert_eq!(root.read_link("/bin").unwrap(), b"usr/bin");
        let names: Vec<_> = root
            .read_dir("/bin")
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, vec![OsString::from("ls")]);
        assert_eq!(root.open_dir("/bin").unwrap().path(), Path::new("/usr/bin"));
    }

    #[test]
    fn output_inside_root_is_refused() {
        let (t, root) = fixture();
        assert!(root
            .ensure_output_outside(&t.path().join("etc/new/baseline.db"))
            .is_err());
        let other = tempfile::tempdir().unwrap();
        assert!(root
            .ensure_output_outside(&other.path().join("baseline.db"))
            .is_ok());
        assert!(HostRoot::live()
            .ensure_output_outside(Path::new("/tmp/x"))
            .is_ok());
    }

    proptest! {
        #[test]
        fn inner_never_escapes(parts in proptest::collection::vec(
            prop_oneof![Just("..".to_string()), Just(".".to_string()), Just("/".to_string()),
                        "[a-z]{1,3}", Just("../..".to_string())], 0..12)) {
            let p = parts.join("/");
            let inner = HostRoot::inner(&p);
            prop_assert!(inner.is_absolute());
            prop_assert!(!inner.components().any(|c| matches!(c, Component::ParentDir)));
            let root = HostRoot { path: PathBuf::from("/srv/image") };
            prop_assert!(root.host_path(&p).starts_with("/srv/image"));
        }

        #[test]
        fn resolution_stays_in_root(parts in proptest::collection::vec(
            prop_oneof![Just("..".to_string()), Just("bin".to_string()), Just("etc".to_string()),
                        Just("ssh".to_string()), Just("abs".to_string()), Just("usr".to_string())], 0..10)) {
            let (_t, root) = fixture();
            let p = parts.join("/");
            // Whatever resolves, resolves to a directory inside the fixture.
            if let Ok(d) = root.open_dir(&p) {
                let st = d.stat().unwrap();
                let mut found = false;
                for cand in ["", "usr", "usr/bin", "etc", "etc/ssh"] {
                    let m = std::fs::metadata(root.path().join(cand)).unwrap();
                    if std::os::unix::fs::MetadataExt::ino(&m) == st.ino {
                        found = true;
                    }
                }
                prop_assert!(found, "{p} resolved outside the fixture");
            }
        }
    }
}
