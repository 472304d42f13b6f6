//! Forensically sound file and directory access.
//!
//! Every open goes through here so that the guarantees hold workspace-wide:
//!
//! - files are opened `O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_NOATIME|O_CLOEXEC` after an `lstat` shows a
//!   regular file, and the opened descriptor is `fstat`ed again: a different device/inode means
//!   the path was swapped and nothing is read ([`Error::Swapped`]);
//! - directories are opened `O_DIRECTORY|O_NOFOLLOW|O_NOATIME` and listed through that
//!   descriptor, so listing does not update their access time;
//! - walking is `openat`-relative: a directory swapped for a symlink half-way cannot redirect it;
//! - `O_NOATIME` is refused by the kernel for files the caller does not own (unless root, or
//!   with `CAP_FOWNER`); the open then falls back to a plain read-only open, [`SafeFile::noatime`]
//!   says so, and the process-wide tally [`atime_exposure`] counts it, so that a report can say
//!   how many files and directories an unprivileged run may have left a new access time on;
//! - a caller that has already seen the file (a walk's `lstat`, or the directory listing's
//!   `d_type`) opens it with [`DirHandle::open_file_expecting`], which spends no second `lstat`
//!   and holds the descriptor to what was seen (the same object, or at least a regular file);
//! - [`SafeFile::check_unchanged`] tells whether the file moved while it was read;
//! - inode flags (`lsattr`'s `i`, `a`, ...) are read with `FS_IOC_GETFLAGS` on a descriptor
//!   opened this way ([`SafeFile::inode_flags`], [`DirHandle::inode_flags`],
//!   [`DirHandle::inode_flags_at`]), so only regular files and directories are ever asked;
//!   birth times come from `statx` without opening anything ([`DirHandle::times_at`]).
//!
//! FIFOs, sockets and device nodes are never opened, so no read ever blocks on one.
//! Loops that read many megabytes read into a [`ReadBuf`] (page-aligned: the kernel's copy
//! into a misaligned buffer is several times slower on some CPUs).

use crate::error::{Error, Result};
use crate::stat::{FileKind, InodeFlags, Stat};
use nix::dir::Type;
use nix::errno::Errno;
use nix::fcntl::{openat, AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, Mode};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const FILE_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_NOFOLLOW)
    .union(OFlag::O_NONBLOCK)
    .union(OFlag::O_CLOEXEC);
const DIR_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_NOFOLLOW)
    .union(OFlag::O_NONBLOCK)
    .union(OFlag::O_CLOEXEC);

/// Files opened without `O_NOATIME` since the process started (see [`atime_exposure`]).
static FILES_WITHOUT_NOATIME: AtomicU64 = AtomicU64::new(0);
/// Directories opened (for listing) without `O_NOATIME` since the process started.
static DIRS_WITHOUT_NOATIME: AtomicU64 = AtomicU64::new(0);

/// How many objects were opened without `O_NOATIME` (the kernel refused it: the caller neither
/// owned them nor had `CAP_FOWNER`), so that reading or listing them may have updated their
/// access time. A process-wide, monotonic tally (statistics only: it changes no behaviour);
/// take [`atime_exposure`] before and after an operation and [`AtimeExposure::since`] for the
/// operation's share (exact when no other operation of the process opens files meanwhile).
///
/// ```
/// use ferret_core::fs::atime_exposure;
/// let before = atime_exposure();
/// let t = tempfile::tempdir()?;
/// std::fs::write(t.path().join("f"), "x")?;
/// ferret_core::HostRoot::new(t.path())?.read("/f")?; // our own file: O_NOATIME is allowed
/// # let _ = atime_exposure().since(before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AtimeExposure {
    /// Regular files opened without `O_NOATIME`.
    pub files: u64,
    /// Directories opened without `O_NOATIME`.
    pub dirs: u64,
}

impl AtimeExposure {
    /// What was added since `earlier` (a value taken before).
    pub fn since(self, earlier: AtimeExposure) -> AtimeExposure {
        AtimeExposure {
            files: self.files.saturating_sub(earlier.files),
            dirs: self.dirs.saturating_sub(earlier.dirs),
        }
    }

    /// Files and directories together.
    pub fn total(self) -> u64 {
        self.files.saturating_add(self.dirs)
    }
}

/// The process-wide tally of opens without `O_NOATIME` (see [`AtimeExposure`]).
pub fn atime_exposure() -> AtimeExposure {
    AtimeExposure {
        files: FILES_WITHOUT_NOATIME.load(Ordering::Relaxed),
        dirs: DIRS_WITHOUT_NOATIME.load(Ordering::Relaxed),
    }
}

/// Opens with `O_NOATIME`, falling back without it where the kernel refuses (`EPERM`: the
/// caller neither owns the file nor has `CAP_FOWNER`). Returns whether `O_NOATIME` took effect;
/// a fallback is counted in [`atime_exposure`].
fn open_noatime<Fd: AsFd>(dir: Fd, name: &OsStr, flags: OFlag) -> nix::Result<(OwnedFd, bool)> {
    match openat(dir.as_fd(), name, flags | OFlag::O_NOATIME, Mode::empty()) {
        Ok(fd) => Ok((fd, true)),
        Err(Errno::EPERM) => {
            let fd = openat(dir, name, flags, Mode::empty())?;
            let tally = if flags.contains(OFlag::O_DIRECTORY) {
                &DIRS_WITHOUT_NOATIME
            } else {
                &FILES_WITHOUT_NOATIME
            };
            tally.fetch_add(1, Ordering::Relaxed);
            Ok((fd, false))
        }
        Err(e) => Err(e),
    }
}

/// `FS_IOC_GETFLAGS` on a descriptor of a regular file or directory. `Ok(None)`: the file
/// system keeps no inode flags (the kernel answers `ENOTTY`, `EOPNOTSUPP`, `ENOSYS` or
/// `EINVAL`: procfs, some FUSE and network file systems).
fn get_flags(fd: BorrowedFd<'_>, path: &Path) -> Result<Option<InodeFlags>> {
    use rustix::io::Errno as E;
    match rustix::fs::ioctl_getflags(fd) {
        Ok(f) => Ok(Some(InodeFlags::from_bits(f.bits()))),
        Err(E::NOTTY | E::OPNOTSUPP | E::NOSYS | E::INVAL) => Ok(None),
        Err(e) => Err(Error::io(path, e.into())),
    }
}

/// Options for [`DirHandle::open_file_at`] and [`crate::HostRoot::open_file`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Refuse files larger than this many bytes (checked on the `lstat` and again while reading).
    pub max_size: Option<u64>,
}

impl OpenOptions {
    /// Default options: no size cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the size cap.
    pub fn max_size(mut self, limit: u64) -> Self {
        self.max_size = Some(limit);
        self
    }
}

/// What the caller already knows about a name it asks [`DirHandle::open_file_expecting`] to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected<'a> {
    /// An `lstat` of the name showed this regular file: the opened descriptor must be the same
    /// object (device and inode), or it was swapped in between and nothing is read.
    Same(&'a Stat),
    /// The directory listing (`d_type`) called the name a regular file, and nothing was
    /// `lstat`ed: the opened descriptor must be a regular file. Trust a listing only on the live
    /// system: an image's directory entries can be crafted to call a device node a regular file
    /// (`O_NONBLOCK` still keeps a FIFO from blocking, and the `fstat` refuses anything but a
    /// regular file, but opening a device node can have effects of its own).
    ListedRegular,
}

/// A regular file opened soundly (see the [module docs](self)).
#[derive(Debug)]
pub struct SafeFile {
    file: std::fs::File,
    stat: Stat,
    path: PathBuf,
    noatime: bool,
    limit: Option<u64>,
}

impl SafeFile {
    /// The metadata of the opened descriptor (`fstat` after open).
    pub fn stat(&self) -> &Stat {
        &self.stat
    }

    /// The path it was opened as, inside the audited root.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `O_NOATIME` took effect (false: reading may update the access time).
    pub fn noatime(&self) -> bool {
        self.noatime
    }

    /// The open file, for callers that read it themselves.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// Reads the whole file, refusing more than the size cap given at open time (if any) or
    /// `limit`, whichever is smaller.
    pub fn read_capped(&mut self, limit: u64) -> Result<Vec<u8>> {
        let limit = self.limit.map_or(limit, |l| l.min(limit));
        let mut buf = Vec::with_capacity(usize::try_from(self.stat.size.min(limit)).unwrap_or(0));
        (&self.file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(&self.path, e))?;
        if buf.len() as u64 > limit {
            return Err(Error::TooLarge {
                path: self.path.clone(),
                limit,
            });
        }
        Ok(buf)
    }

    /// `fstat`s the descriptor again and reports [`Error::Unstable`] when size, mtime or ctime
    /// moved since open: what was read may mix old and new content.
    pub fn check_unchanged(&self) -> Result<()> {
        let now = fstat(&self.file).map_err(|e| Error::from_errno(&self.path, e))?;
        let now = Stat::from_nix(&now);
        if now.size != self.stat.size
            || now.mtime != self.stat.mtime
            || now.ctime != self.stat.ctime
        {
            return Err(Error::Unstable {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// The inode flags of the open file (`FS_IOC_GETFLAGS`, what `lsattr` shows); `None` when
    /// its file system keeps none.
    pub fn inode_flags(&self) -> Result<Option<InodeFlags>> {
        get_flags(self.file.as_fd(), &self.path)
    }

    /// An extended attribute of the open file (`fgetxattr` on the descriptor the sound open
    /// checked, so no path is resolved again), such as `security.capability`. `Ok(None)`: the
    /// file has no such attribute, or its file system keeps none. The value is read into a
    /// stack buffer first (nothing is allocated for a file without it), then, if longer, into
    /// one of the kernel's 64 KiB limit.
    pub fn xattr(&self, name: &str) -> Result<Option<Vec<u8>>> {
        use rustix::io::Errno as E;
        let absent = |e: E| matches!(e, E::NODATA | E::OPNOTSUPP | E::NOSYS);
        let mut first = [0u8; 256];
        match rustix::fs::fgetxattr(&self.file, name, &mut first[..]) {
            Ok(n) => return Ok(first.get(..n).map(<[u8]>::to_vec)),
            Err(e) if absent(e) => return Ok(None),
            Err(E::RANGE) => {}
            Err(e) => return Err(Error::io(&self.path, e.into())),
        }
        let mut buf = vec![0u8; 1 << 16];
        match rustix::fs::fgetxattr(&self.file, name, buf.as_mut_slice()) {
            Ok(n) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
            Err(e) if absent(e) => Ok(None),
            Err(e) => Err(Error::io(&self.path, e.into())),
        }
    }

    /// Gives up the wrapper, keeping the open file.
    pub fn into_file(self) -> std::fs::File {
        self.file
    }
}

impl Read for SafeFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

/// Why a file of this `lstat` (or `fstat`) is not read: not a regular file, or over the cap.
fn refuse_before_open(
    st: &Stat,
    opts: &OpenOptions,
    path: impl FnOnce() -> PathBuf,
) -> Option<Error> {
    match st.kind {
        FileKind::Regular => {}
        FileKind::Symlink => return Some(Error::Symlink { path: path() }),
        kind => {
            return Some(Error::WrongKind {
                path: path(),
                kind,
                expected: FileKind::Regular,
            })
        }
    }
    match opts.max_size {
        Some(limit) if st.size > limit => Some(Error::TooLarge {
            path: path(),
            limit,
        }),
        _ => None,
    }
}

/// One name in a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name (bytes, exact).
    pub name: OsString,
    /// The type the directory reported (`d_type`), when it did.
    pub kind: Option<FileKind>,
    /// The inode number the directory reported.
    pub ino: u64,
}

/// An open directory; everything below it is reached with `*at` calls relative to it.
#[derive(Debug)]
pub struct DirHandle {
    fd: OwnedFd,
    path: PathBuf,
    noatime: bool,
}

impl AsFd for DirHandle {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// `parent/name` in one allocation of the final size (a walk builds one per object).
pub(crate) fn join_inner(parent: &Path, name: &OsStr) -> PathBuf {
    let mut p = PathBuf::with_capacity(parent.as_os_str().len() + 1 + name.len());
    p.as_mut_os_string().push(parent.as_os_str());
    p.push(name);
    p
}

impl DirHandle {
    pub(crate) fn from_parts(fd: OwnedFd, path: PathBuf, noatime: bool) -> Self {
        DirHandle { fd, path, noatime }
    }

    /// Reopens an `O_PATH` directory descriptor for listing.
    pub(crate) fn reopen_listable(fd: &OwnedFd, path: PathBuf) -> Result<Self> {
        match open_noatime(fd, OsStr::new("."), DIR_FLAGS) {
            Ok((fd, noatime)) => Ok(DirHandle::from_parts(fd, path, noatime)),
            Err(e) => Err(Error::from_errno(path, e)),
        }
    }

    /// Opens a directory by host path (the root of an audit), not following a final symlink.
    pub fn open_path(host_path: &Path, display: &Path) -> Result<Self> {
        let name = host_path.as_os_str();
        let cwd = nix::fcntl::AT_FDCWD;
        match open_noatime(cwd, name, DIR_FLAGS) {
            Ok((fd, noatime)) => Ok(DirHandle::from_parts(fd, display.to_path_buf(), noatime)),
            Err(e) => Err(Error::from_errno(display, e)),
        }
    }

    /// The directory's path inside the audited root.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `O_NOATIME` took effect on this directory.
    pub fn noatime(&self) -> bool {
        self.noatime
    }

    /// The path of `name` inside this directory.
    pub fn child_path(&self, name: &OsStr) -> PathBuf {
        join_inner(&self.path, name)
    }

    /// `fstat` of the directory itself.
    pub fn stat(&self) -> Result<Stat> {
        fstat(&self.fd)
            .map(|s| Stat::from_nix(&s))
            .map_err(|e| Error::from_errno(&self.path, e))
    }

    /// The inode flags of this directory (`FS_IOC_GETFLAGS` on its descriptor, what
    /// `lsattr -d` shows); `None` when its file system keeps none.
    pub fn inode_flags(&self) -> Result<Option<InodeFlags>> {
        match get_flags(self.fd.as_fd(), &self.path) {
            // A handle resolved for `*at` calls only (`O_PATH`): ask a listable descriptor.
            Err(Error::Io { source, .. }) if source.raw_os_error() == Some(Errno::EBADF as i32) => {
                DirHandle::reopen_listable(&self.fd, self.path.clone())?.inode_flags()
            }
            r => r,
        }
    }

    /// The inode flags of `name` in this directory, which must be a regular file or a
    /// directory: it is `lstat`ed, opened soundly (a file with
    /// `O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_NOATIME`, held to what the `lstat` saw; a directory
    /// with `O_DIRECTORY|O_NOFOLLOW`, checked to be the same object), and asked with
    /// `FS_IOC_GETFLAGS`. A symbolic link is [`Error::Symlink`]; FIFOs, sockets and device nodes
    /// are [`Error::WrongKind`] and never opened. `Ok(None)`: the file system keeps no flags.
    ///
    /// ```
    /// use ferret_core::HostRoot;
    /// use std::ffi::OsStr;
    /// let t = tempfile::tempdir()?;
    /// std::fs::write(t.path().join("hosts"), "127.0.0.1 localhost\n")?;
    /// let dir = HostRoot::new(t.path())?.open_dir("/")?;
    /// if let Some(flags) = dir.inode_flags_at(OsStr::new("hosts"))? {
    ///     assert!(!flags.is_immutable());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inode_flags_at(&self, name: &OsStr) -> Result<Option<InodeFlags>> {
        let st = self.stat_at(name)?;
        match st.kind {
            FileKind::Regular => self
                .open_file_expecting(name, Expected::Same(&st), &OpenOptions::new())?
                .inode_flags(),
            FileKind::Directory => {
                let d = self.open_dir_at(name)?;
                if !d.stat()?.same_object(&st) {
                    return Err(Error::Swapped { path: d.path });
                }
                d.inode_flags()
            }
            FileKind::Symlink => Err(Error::Symlink {
                path: self.child_path(name),
            }),
            kind => Err(Error::WrongKind {
                path: self.child_path(name),
                kind,
                expected: FileKind::Regular,
            }),
        }
    }

    /// `lstat` of `name` in this directory (links not followed).
    pub fn stat_at(&self, name: &OsStr) -> Result<Stat> {
        fstatat(&self.fd, name, AtFlags::AT_SYMLINK_NOFOLLOW)
            .map(|s| Stat::from_nix(&s))
            .map_err(|e| Error::from_errno(self.child_path(name), e))
    }

    /// `statx` of `name` in this directory (links not followed): the four times, birth time
    /// included where the filesystem keeps it. Reads metadata only; no time changes.
    pub fn times_at(&self, name: &OsStr) -> Result<crate::stat::FileTimes> {
        use rustix::fs::{statx, AtFlags as RAt, StatxFlags};
        let want = StatxFlags::BASIC_STATS | StatxFlags::BTIME;
        let sx = match statx(
            &self.fd,
            name,
            RAt::SYMLINK_NOFOLLOW | RAt::NO_AUTOMOUNT,
            want,
        ) {
            Ok(sx) => sx,
            // Kernels before 4.11 (CentOS 7's 3.10) have no statx: no birth time there.
            Err(rustix::io::Errno::NOSYS) => {
                let st = self.stat_at(name)?;
                return Ok(crate::stat::FileTimes {
                    atime: st.atime,
                    mtime: st.mtime,
                    ctime: st.ctime,
                    btime: None,
                    kind: st.kind,
                    mode: st.mode,
                    uid: st.uid,
                    gid: st.gid,
                    size: st.size,
                    ino: st.ino,
                });
            }
            Err(e) => {
                return Err(Error::from_errno(
                    self.child_path(name),
                    Errno::from_raw(e.raw_os_error()),
                ))
            }
        };
        let ts = |t: rustix::fs::StatxTimestamp| crate::stat::Timestamp {
            sec: t.tv_sec,
            nsec: t.tv_nsec,
        };
        let mode = u32::from(sx.stx_mode);
        Ok(crate::stat::FileTimes {
            atime: ts(sx.stx_atime),
            mtime: ts(sx.stx_mtime),
            ctime: ts(sx.stx_ctime),
            btime: StatxFlags::from_bits_retain(sx.stx_mask)
                .contains(StatxFlags::BTIME)
                .then(|| ts(sx.stx_btime)),
            kind: FileKind::from_mode(mode),
            mode: mode & 0o7777,
            uid: sx.stx_uid,
            gid: sx.stx_gid,
            size: sx.stx_size,
            ino: sx.stx_ino,
        })
    }

    /// Reads the target of the symlink `name`.
    pub fn read_link_at(&self, name: &OsStr) -> Result<Vec<u8>> {
        nix::fcntl::readlinkat(&self.fd, name)
            .map(OsStringExt::into_vec)
            .map_err(|e| Error::from_errno(self.child_path(name), e))
    }

    /// Lists the directory through a fresh `O_NOATIME` descriptor, sorted by name; `.` and `..`
    /// are left out.
    pub fn entries(&self) -> Result<Vec<DirEntry>> {
        let (fd, _) = open_noatime(&self.fd, OsStr::new("."), DIR_FLAGS)
            .map_err(|e| Error::from_errno(&self.path, e))?;
        let mut dir = nix::dir::Dir::from_fd(fd).map_err(|e| Error::from_errno(&self.path, e))?;
        let mut out = Vec::new();
        for ent in dir.iter() {
            let ent = ent.map_err(|e| Error::from_errno(&self.path, e))?;
            let name = ent.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = ent.file_type().map(|t| match t {
                Type::File => FileKind::Regular,
                Type::Directory => FileKind::Directory,
                Type::Symlink => FileKind::Symlink,
                Type::Fifo => FileKind::Fifo,
                Type::Socket => FileKind::Socket,
                Type::CharacterDevice => FileKind::CharDevice,
                Type::BlockDevice => FileKind::BlockDevice,
            });
            out.push(DirEntry {
                name: OsStr::from_bytes(name).to_os_string(),
                kind,
                ino: ent.ino(),
            });
        }
        out.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Ok(out)
    }

    /// Lists the directory through this handle's own descriptor (`getdents64` into one buffer,
    /// nothing else), `.` and `..` left out, sorted by name when `sorted` (a walk on several
    /// threads visits in no particular order and spares the sort): for a handle that was just
    /// opened and is listed once (a walk's), which saves [`DirHandle::entries`]'s fresh
    /// descriptor (`openat`, `fcntl`s, `close`). The listing continues from the descriptor's
    /// position, so a handle listed before would list nothing.
    ///
    /// The `getdents64` buffer is the calling thread's, reused from one directory to the next:
    /// a fresh 32 KiB allocation per directory cost a `malloc` large enough to make glibc
    /// consolidate its free lists each time.
    pub(crate) fn entries_once(&self, sorted: bool) -> Result<Vec<DirEntry>> {
        thread_local! {
            static DENTS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        DENTS.with_borrow_mut(|buf| {
            if buf.capacity() < DENTS_BYTES {
                *buf = Vec::with_capacity(DENTS_BYTES);
            }
            self.list_into(buf, sorted)
        })
    }

    /// [`DirHandle::entries_once`] with the caller's buffer (its spare capacity is used).
    fn list_into(&self, buf: &mut Vec<u8>, sorted: bool) -> Result<Vec<DirEntry>> {
        use rustix::fs::{FileType as T, RawDir};
        let mut dir = RawDir::new(&self.fd, buf.spare_capacity_mut());
        let mut out = Vec::new();
        while let Some(ent) = dir.next() {
            let ent =
                ent.map_err(|e| Error::from_errno(&self.path, Errno::from_raw(e.raw_os_error())))?;
            let name = ent.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match ent.file_type() {
                T::RegularFile => Some(FileKind::Regular),
                T::Directory => Some(FileKind::Directory),
                T::Symlink => Some(FileKind::Symlink),
                T::Fifo => Some(FileKind::Fifo),
                T::Socket => Some(FileKind::Socket),
                T::CharacterDevice => Some(FileKind::CharDevice),
                T::BlockDevice => Some(FileKind::BlockDevice),
                T::Unknown => None,
            };
            out.push(DirEntry {
                name: OsStr::from_bytes(name).to_os_string(),
                kind,
                ino: ent.ino(),
            });
        }
        if sorted {
            out.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        }
        Ok(out)
    }

    /// Opens the subdirectory `name` (not following a symlink), for listing.
    pub fn open_dir_at(&self, name: &OsStr) -> Result<DirHandle> {
        let path = self.child_path(name);
        match open_noatime(&self.fd, name, DIR_FLAGS) {
            Ok((fd, noatime)) => Ok(DirHandle::from_parts(fd, path, noatime)),
            Err(Errno::ELOOP | Errno::ENOTDIR) => {
                let st = self.stat_at(name)?;
                Err(match st.kind {
                    FileKind::Symlink => Error::Symlink { path },
                    kind => Error::WrongKind {
                        path,
                        kind,
                        expected: FileKind::Directory,
                    },
                })
            }
            Err(e) => Err(Error::from_errno(path, e)),
        }
    }

    /// Whether every directory on this directory's mount shows the mount's one device number:
    /// ext2/3/4, XFS and tmpfs (`fstatfs`'s `f_type`). Not btrfs or bcachefs (a subvolume has
    /// its own), nor overlayfs, nor anything unknown. A walk that stays on one file system and
    /// opens subdirectories without crossing a mount point
    /// ([`DirHandle::open_dir_at_same_mount`]) then needs no `fstat` to compare devices.
    pub(crate) fn one_device_per_mount(&self) -> bool {
        const EXT4: u64 = 0xEF53;
        const XFS: u64 = 0x5846_5342;
        const TMPFS: u64 = 0x0102_1994;
        #[allow(clippy::useless_conversion)] // `f_type`'s width varies with the target
        rustix::fs::fstatfs(&self.fd).is_ok_and(|st| {
            let t = u64::try_from(st.f_type).unwrap_or(0);
            [EXT4, XFS, TMPFS].contains(&t)
        })
    }

    /// Opens the subdirectory `name` for listing only if that needs no crossing of a mount
    /// point: `openat2` with `RESOLVE_NO_XDEV` and the flags of [`DirHandle::open_dir_at`]
    /// (`O_NOFOLLOW|O_DIRECTORY|O_NONBLOCK|O_NOATIME`), one system call where an `lstat` (to
    /// see the device) and an `openat` were two. `None` when it was not opened this way: a
    /// mount point (`EXDEV`), a kernel older than 6.18 (see [`no_xdev_is_inert`]) or without
    /// `openat2` (`ENOSYS`, or a seccomp filter's `EPERM`: remembered for the process), or any
    /// other error; the caller then takes the `lstat` path, which reports what went wrong. A
    /// walk that stays on one file system still compares the opened directory's device with the
    /// start's (a btrfs subvolume is no mount point).
    pub(crate) fn open_dir_at_same_mount(&self, name: &OsStr) -> Option<DirHandle> {
        use rustix::fs::{openat2, Mode as M, OFlags as O, ResolveFlags};
        use rustix::io::Errno as E;
        static UNSUPPORTED: std::sync::atomic::AtomicBool =
            std::sync::atomic::AtomicBool::new(false);
        if UNSUPPORTED.load(Ordering::Relaxed) || !no_xdev_is_inert() {
            return None;
        }
        let flags = O::RDONLY | O::DIRECTORY | O::NOFOLLOW | O::NONBLOCK | O::CLOEXEC;
        let open = |f: O| openat2(&self.fd, name, f, M::empty(), ResolveFlags::NO_XDEV);
        let got = match open(flags | O::NOATIME) {
            Ok(fd) => Ok((fd, true)),
            // As `open_noatime`: the kernel refuses O_NOATIME to a non-owner.
            Err(E::PERM) => open(flags).map(|fd| {
                DIRS_WITHOUT_NOATIME.fetch_add(1, Ordering::Relaxed);
                (fd, false)
            }),
            Err(e) => Err(e),
        };
        match got {
            Ok((fd, noatime)) => Some(DirHandle::from_parts(fd, self.child_path(name), noatime)),
            Err(E::NOSYS | E::PERM) => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                None
            }
            Err(_) => None,
        }
    }

    /// Opens the regular file `name` soundly (see the [module docs](self)).
    pub fn open_file_at(&self, name: &OsStr, opts: &OpenOptions) -> Result<SafeFile> {
        self.open_file_at_with_hook(name, opts, &|| {})
    }

    /// Opens the regular file `name` that the caller has already seen, without a second
    /// `lstat`: `openat` relative to this directory with
    /// `O_RDONLY|O_NOFOLLOW|O_NONBLOCK|O_NOATIME|O_CLOEXEC` (without `O_NOATIME` where the kernel
    /// refuses it), then one `fstat`, which must show what `expected` says ([`Error::Swapped`]
    /// for another object after an `lstat`, [`Error::WrongKind`] for anything but a regular file
    /// after a listing; a name that became a symbolic link is refused by `O_NOFOLLOW`). The
    /// size cap of `opts` is checked against the `lstat` (or the `fstat`) before anything is
    /// read.
    ///
    /// This is the open of a walk that `lstat`s every name anyway, or that trusts the live
    /// system's `d_type` (two system calls per file instead of three).
    ///
    /// ```
    /// use ferret_core::fs::Expected;
    /// use ferret_core::{FileKind, HostRoot, OpenOptions};
    /// use std::ffi::OsStr;
    /// let t = tempfile::tempdir()?;
    /// std::fs::write(t.path().join("hosts"), "127.0.0.1 localhost\n")?;
    /// let dir = HostRoot::new(t.path())?.open_dir("/")?;
    /// let seen = dir.stat_at(OsStr::new("hosts"))?;
    /// let mut f = dir.open_file_expecting(OsStr::new("hosts"), Expected::Same(&seen), &OpenOptions::new())?;
    /// assert_eq!(f.read_capped(1 << 10)?, b"127.0.0.1 localhost\n");
    /// f.check_unchanged()?;
    /// // A name the listing calls a regular file:
    /// let listed = dir.entries()?.into_iter().find(|e| e.kind == Some(FileKind::Regular)).unwrap();
    /// let f = dir.open_file_expecting(&listed.name, Expected::ListedRegular, &OpenOptions::new())?;
    /// assert_eq!(f.stat().size, 20);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_file_expecting(
        &self,
        name: &OsStr,
        expected: Expected<'_>,
        opts: &OpenOptions,
    ) -> Result<SafeFile> {
        if let Expected::Same(before) = expected {
            if let Some(err) = refuse_before_open(before, opts, || self.child_path(name)) {
                return Err(err);
            }
        }
        let (fd, noatime) = match open_noatime(&self.fd, name, FILE_FLAGS) {
            Ok(v) => v,
            Err(Errno::ELOOP) if matches!(expected, Expected::Same(_)) => {
                return Err(Error::Swapped {
                    path: self.child_path(name),
                })
            }
            Err(Errno::ELOOP) => {
                return Err(Error::Symlink {
                    path: self.child_path(name),
                })
            }
            Err(e) => return Err(Error::from_errno(self.child_path(name), e)),
        };
        let after = fstat(&fd).map_err(|e| Error::from_errno(self.child_path(name), e))?;
        let after = Stat::from_nix(&after);
        match expected {
            Expected::Same(before) if !after.same_object(before) => {
                return Err(Error::Swapped {
                    path: self.child_path(name),
                })
            }
            Expected::ListedRegular => {
                if let Some(err) = refuse_before_open(&after, opts, || self.child_path(name)) {
                    return Err(err);
                }
            }
            Expected::Same(_) => {}
        }
        Ok(SafeFile {
            file: std::fs::File::from(fd),
            stat: after,
            path: self.child_path(name),
            noatime,
            limit: opts.max_size,
        })
    }

    /// [`DirHandle::open_file_at`] with `between` called after the `lstat` and before the
    /// `open`, so tests can swap the file in that window.
    fn open_file_at_with_hook(
        &self,
        name: &OsStr,
        opts: &OpenOptions,
        between: &dyn Fn(),
    ) -> Result<SafeFile> {
        let path = self.child_path(name);
        let before = self.stat_at(name)?;
        if let Some(err) = refuse_before_open(&before, opts, || path.clone()) {
            return Err(err);
        }
        between();
        let (fd, noatime) = match open_noatime(&self.fd, name, FILE_FLAGS) {
            Ok(v) => v,
            Err(Errno::ELOOP) => return Err(Error::Swapped { path }),
            Err(e) => return Err(Error::from_errno(path, e)),
        };
        let after = fstat(&fd).map_err(|e| Error::from_errno(&path, e))?;
        let after = Stat::from_nix(&after);
        if !after.same_object(&before) {
            return Err(Error::Swapped { path });
        }
        Ok(SafeFile {
            file: std::fs::File::from(fd),
            stat: after,
            path,
            noatime,
            limit: opts.max_size,
        })
    }
}

/// Whether `openat2`'s `RESOLVE_NO_XDEV` refuses an automount point without triggering the
/// automount: the kernel returns `EXDEV` before mounting since the fix "fs: don't trigger
/// automounts with RESOLVE_NO_XDEV" (August 2025, in Linux 6.18 and some stable trees); before
/// it, opening the name would have mounted what the walk then refuses, a change to the audited
/// host. Decided once from the running kernel's release (`/proc/sys/kernel/osrelease`): 6.18 or
/// later; anything else (an older kernel, with or without a backport, or no answer) keeps the
/// `lstat` before each directory, which never triggers one.
fn no_xdev_is_inert() -> bool {
    static INERT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INERT.get_or_init(|| {
        std::fs::read("/proc/sys/kernel/osrelease").is_ok_and(|r| release_at_least(&r, (6, 18)))
    })
}

/// Whether a kernel release string (`6.18.44-fc-v1300`) is at least `major.minor`.
fn release_at_least(release: &[u8], (major, minor): (u32, u32)) -> bool {
    let mut nums = release.split(|b| !b.is_ascii_digit()).map(|n| {
        std::str::from_utf8(n)
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
    });
    match (nums.next().flatten(), nums.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

/// Bytes of the `getdents64` buffer of [`DirHandle::entries_once`] (most directories fit in one
/// call, the next returns nothing).
const DENTS_BYTES: usize = 32 << 10;

/// A zeroed read buffer whose first byte is page-aligned ([`ReadBuf::ALIGN`]).
///
/// Where a `read` lands matters: the kernel copies page-cache pages into the caller's buffer
/// with `rep movsb`, and on AMD Zen 3/4 that copy runs about six times slower when the
/// destination is 8 or 16 bytes off a 32-byte boundary, which is exactly where `malloc` puts
/// a large `Vec` (just past its 16-byte chunk header). Hashing loops that read megabytes read
/// into one of these (and place further reads at multiples of [`ReadBuf::ALIGN_STEP`] within
/// it) so the copy runs at memory speed. No `unsafe`: the buffer is a slice of a slightly larger
/// `Vec`, starting at its first aligned byte.
///
/// ```
/// use ferret_core::fs::ReadBuf;
/// let mut b = ReadBuf::new(1 << 20);
/// assert_eq!(b.len(), 1 << 20);
/// assert_eq!(b.as_ptr() as usize % ReadBuf::ALIGN, 0);
/// b[0] = 1;
/// assert!(b.iter().skip(1).all(|&x| x == 0));
/// ```
#[derive(Default)]
pub struct ReadBuf {
    storage: Vec<u8>,
    start: usize,
    len: usize,
}

impl ReadBuf {
    /// Alignment of the first byte (a page).
    pub const ALIGN: usize = 4096;
    /// Offsets within the buffer that are multiples of this keep reads at full speed.
    pub const ALIGN_STEP: usize = 64;

    /// A zeroed buffer of `len` bytes (the allocation is [`ReadBuf::ALIGN`] bytes larger;
    /// nothing is allocated for `len` 0, the same as [`ReadBuf::default`]).
    pub fn new(len: usize) -> ReadBuf {
        if len == 0 {
            return ReadBuf::default();
        }
        let storage = vec![0u8; len.saturating_add(Self::ALIGN)];
        // `align_offset` on a byte pointer always succeeds in practice; if it ever did not,
        // the buffer would still work, only unaligned.
        let start = match storage.as_ptr().align_offset(Self::ALIGN) {
            s if s < Self::ALIGN => s,
            _ => 0,
        };
        ReadBuf {
            storage,
            start,
            len,
        }
    }

    /// `n` rounded up to the next multiple of [`ReadBuf::ALIGN_STEP`] (saturating).
    pub fn align_up(n: usize) -> usize {
        n.checked_next_multiple_of(Self::ALIGN_STEP)
            .unwrap_or(usize::MAX)
    }
}

impl std::fmt::Debug for ReadBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadBuf")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for ReadBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.storage
            .get(self.start..self.start + self.len)
            .unwrap_or_default()
    }
}

impl std::ops::DerefMut for ReadBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.storage
            .get_mut(self.start..self.start + self.len)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::stat::{mknod, SFlag};

    #[test]
    fn read_buf_is_aligned_zeroed_and_sized() {
        for len in [0, 1, 63, 4096, 65_536, 262_144, (1 << 20) + 17] {
            let mut b = ReadBuf::new(len);
            assert_eq!(b.len(), len);
            if len > 0 {
                assert_eq!(b.as_ptr() as usize % ReadBuf::ALIGN, 0, "len {len}");
            }
            assert!(b.iter().all(|&x| x == 0));
            if let Some(last) = b.last_mut() {
                *last = 7;
            }
            assert_eq!(
                b.iter().map(|&x| u64::from(x)).sum::<u64>(),
                if len > 0 { 7 } else { 0 }
            );
        }
        assert_eq!(ReadBuf::align_up(0), 0);
        assert_eq!(ReadBuf::align_up(1), ReadBuf::ALIGN_STEP);
        assert_eq!(ReadBuf::align_up(ReadBuf::ALIGN_STEP), ReadBuf::ALIGN_STEP);
        assert_eq!(
            ReadBuf::align_up(ReadBuf::ALIGN_STEP + 1),
            2 * ReadBuf::ALIGN_STEP
        );
        assert_eq!(ReadBuf::align_up(usize::MAX), usize::MAX);
    }
    use nix::unistd::mkfifo;
    use std::time::{Duration, Instant};

    fn dir(p: &Path) -> DirHandle {
        DirHandle::open_path(p, Path::new("/")).unwrap()
    }

    #[test]
    fn refuses_fifo_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        mkfifo(&t.path().join("fifo"), Mode::from_bits_truncate(0o644)).unwrap();
        let start = Instant::now();
        let err = dir(t.path())
            .open_file_at(OsStr::new("fifo"), &OpenOptions::new())
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(
                err,
                Error::WrongKind {
                    kind: FileKind::Fifo,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn refuses_symlink_directory_and_socket() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("target"), b"x").unwrap();
        std::os::unix::fs::symlink("target", t.path().join("link")).unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        let _sock = std::os::unix::net::UnixListener::bind(t.path().join("sock")).unwrap();
        let d = dir(t.path());
        let o = OpenOptions::new();
        assert!(matches!(
            d.open_file_at(OsStr::new("link"), &o).unwrap_err(),
            Error::Symlink { .. }
        ));
        assert!(matches!(
            d.open_file_at(OsStr::new("sub"), &o).unwrap_err(),
            Error::WrongKind {
                kind: FileKind::Directory,
                ..
            }
        ));
        assert!(matches!(
            d.open_file_at(OsStr::new("sock"), &o).unwrap_err(),
            Error::WrongKind {
                kind: FileKind::Socket,
                ..
            }
        ));
        assert!(matches!(
            d.open_dir_at(OsStr::new("link")).unwrap_err(),
            Error::Symlink { .. }
        ));
        let mut f = d.open_file_at(OsStr::new("target"), &o).unwrap();
        assert_eq!(f.read_capped(10).unwrap(), b"x");
    }

    #[test]
    fn refuses_device_nodes() {
        let t = tempfile::tempdir().unwrap();
        let node = t.path().join("zero");
        // mknod needs CAP_MKNOD; when it is missing, use the real /dev/zero instead.
        let (d, name) = match mknod(
            &node,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o666),
            nix::sys::stat::makedev(1, 5),
        ) {
            Ok(()) => (dir(t.path()), "zero"),
            Err(_) => (dir(Path::new("/dev")), "zero"),
        };
        let err = d
            .open_file_at(OsStr::new(name), &OpenOptions::new())
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::WrongKind {
                    kind: FileKind::CharDevice,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn detects_swap_between_lstat_and_open() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        std::fs::write(t.path().join("evil"), b"evil\n").unwrap();
        let d = dir(t.path());
        let swap = || std::fs::rename(t.path().join("evil"), t.path().join("passwd")).unwrap();
        let err = d
            .open_file_at_with_hook(OsStr::new("passwd"), &OpenOptions::new(), &swap)
            .unwrap_err();
        assert!(matches!(err, Error::Swapped { .. }), "{err}");

        // Swapped for a symlink: O_NOFOLLOW refuses it.
        std::fs::write(t.path().join("shadow"), b"x").unwrap();
        let swap = || {
            std::fs::remove_file(t.path().join("shadow")).unwrap();
            std::os::unix::fs::symlink("/etc/hostname", t.path().join("shadow")).unwrap();
        };
        let err = d
            .open_file_at_with_hook(OsStr::new("shadow"), &OpenOptions::new(), &swap)
            .unwrap_err();
        assert!(matches!(err, Error::Swapped { .. }), "{err}");
    }

    /// `lstat`s `victim` as a walk does, replaces it with what `swap` makes, and returns what
    /// `open_file_expecting` said.
    fn open_after_swap(swap: impl Fn(&Path)) -> (tempfile::TempDir, Result<SafeFile>) {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("victim"), b"original").unwrap();
        let d = dir(t.path());
        let seen = d.stat_at(OsStr::new("victim")).unwrap();
        assert_eq!(seen.kind, FileKind::Regular);
        swap(t.path());
        let r = d.open_file_expecting(
            OsStr::new("victim"),
            Expected::Same(&seen),
            &OpenOptions::new(),
        );
        (t, r)
    }

    #[test]
    fn expecting_reads_the_file_that_was_seen() {
        let (_t, opened) = open_after_swap(|_| {});
        let mut f = opened.unwrap();
        assert_eq!(f.read_capped(100).unwrap(), b"original");
        assert_eq!(f.stat().size, 8);
        assert_eq!(f.path(), Path::new("/victim"));
        f.check_unchanged().unwrap();
    }

    #[test]
    fn expecting_refuses_a_swapped_file_symlink_or_fifo() {
        let (_t, replaced) = open_after_swap(|d| {
            std::fs::write(d.join("other"), b"planted").unwrap();
            std::fs::rename(d.join("other"), d.join("victim")).unwrap();
        });
        assert!(
            matches!(replaced, Err(Error::Swapped { .. })),
            "{replaced:?}"
        );
        let (_t, link) = open_after_swap(|d| {
            std::fs::remove_file(d.join("victim")).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", d.join("victim")).unwrap();
        });
        assert!(matches!(link, Err(Error::Swapped { .. })), "{link:?}");
        let start = Instant::now();
        let (_t, fifo) = open_after_swap(|d| {
            std::fs::remove_file(d.join("victim")).unwrap();
            mkfifo(&d.join("victim"), Mode::from_bits_truncate(0o600)).unwrap();
        });
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "blocked on a FIFO"
        );
        assert!(matches!(fifo, Err(Error::Swapped { .. })), "{fifo:?}");
    }

    #[test]
    fn expecting_a_listed_regular_file_opens_only_regular_files() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("file"), b"x").unwrap();
        std::os::unix::fs::symlink("file", t.path().join("link")).unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        mkfifo(&t.path().join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        std::fs::write(t.path().join("big"), vec![0u8; 100]).unwrap();
        let d = dir(t.path());
        let o = OpenOptions::new();
        let listed = |name: &str, o: &OpenOptions| {
            d.open_file_expecting(OsStr::new(name), Expected::ListedRegular, o)
        };
        let start = Instant::now();
        let f = listed("file", &o).unwrap();
        assert_eq!((f.stat().kind, f.stat().size), (FileKind::Regular, 1));
        assert!(matches!(listed("link", &o), Err(Error::Symlink { .. })));
        assert!(matches!(
            listed("sub", &o),
            Err(Error::WrongKind {
                kind: FileKind::Directory,
                ..
            })
        ));
        assert!(matches!(
            listed("fifo", &o),
            Err(Error::WrongKind {
                kind: FileKind::Fifo,
                ..
            })
        ));
        assert!(listed("missing", &o).unwrap_err().is_not_found());
        assert!(matches!(
            listed("big", &OpenOptions::new().max_size(10)),
            Err(Error::TooLarge { limit: 10, .. })
        ));
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "blocked on a FIFO"
        );
        // After an `lstat`, the cap is checked before the open.
        let seen = d.stat_at(OsStr::new("big")).unwrap();
        assert!(matches!(
            d.open_file_expecting(
                OsStr::new("big"),
                Expected::Same(&seen),
                &OpenOptions::new().max_size(10)
            ),
            Err(Error::TooLarge { limit: 10, .. })
        ));
    }

    #[test]
    fn check_unchanged_sees_growth() {
        use std::io::Write;
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("log"), b"line\n").unwrap();
        let f = dir(t.path())
            .open_file_at(OsStr::new("log"), &OpenOptions::new())
            .unwrap();
        f.check_unchanged().unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(t.path().join("log"))
            .unwrap()
            .write_all(b"more\n")
            .unwrap();
        assert!(matches!(f.check_unchanged(), Err(Error::Unstable { .. })));
    }

    /// The file-system type as `stat -f` (coreutils) reports it decides.
    #[test]
    fn one_device_per_mount_follows_the_file_system_type() {
        for dir in [
            std::env::temp_dir(),
            PathBuf::from("/"),
            PathBuf::from("/dev/shm"),
        ] {
            let Ok(out) = std::process::Command::new("stat")
                .args(["-f", "-c", "%t"])
                .arg(&dir)
                .output()
            else {
                panic!("coreutils stat not runnable");
            };
            let hex = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            let Ok(t) = u64::from_str_radix(&hex, 16) else {
                continue; // no such directory here
            };
            let h = DirHandle::open_path(&dir, &dir).unwrap();
            let want = [0xEF53, 0x5846_5342, 0x0102_1994].contains(&t);
            assert_eq!(
                h.one_device_per_mount(),
                want,
                "{} type {hex}",
                dir.display()
            );
        }
    }

    #[test]
    fn kernel_releases_compare_by_major_and_minor() {
        assert!(release_at_least(b"6.18.44-fc-v1300", (6, 18)));
        assert!(release_at_least(b"7.0.0", (6, 18)));
        assert!(release_at_least(b"6.19-rc1\n", (6, 18)));
        assert!(!release_at_least(b"6.17.9", (6, 18)));
        assert!(!release_at_least(b"5.10.0-28-amd64", (6, 18)));
        assert!(!release_at_least(b"", (6, 18)));
        assert!(!release_at_least(b"6", (6, 18)));
    }

    #[test]
    fn size_cap_is_enforced() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("big"), vec![b'a'; 100]).unwrap();
        let d = dir(t.path());
        let err = d
            .open_file_at(OsStr::new("big"), &OpenOptions::new().max_size(10))
            .unwrap_err();
        assert!(matches!(err, Error::TooLarge { limit: 10, .. }));
        let mut f = d
            .open_file_at(OsStr::new("big"), &OpenOptions::new())
            .unwrap();
        assert!(matches!(f.read_capped(99), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn listing_is_sorted_and_keeps_odd_names() {
        let t = tempfile::tempdir().unwrap();
        let odd = OsStr::from_bytes(b"n\xffl\nx");
        std::fs::write(t.path().join(odd), b"").unwrap();
        std::fs::write(t.path().join("a"), b"").unwrap();
        let names: Vec<_> = dir(t.path())
            .entries()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, vec![OsString::from("a"), odd.to_os_string()]);
    }
}
