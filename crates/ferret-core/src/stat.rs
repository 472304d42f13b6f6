//! File metadata as plain data: [`Stat`] (`lstat`/`fstat`), [`InodeFlags`] (the inode flags
//! `lsattr` shows, read with `FS_IOC_GETFLAGS` on a soundly opened regular file or directory:
//! [`crate::SafeFile::inode_flags`], [`crate::DirHandle::inode_flags`],
//! [`crate::HostRoot::inode_flags`]) and birth times ([`crate::HostRoot::birth_time`]).

use std::fmt;

/// The type of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix-domain socket.
    Socket,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// Anything else.
    Unknown,
}

impl FileKind {
    /// The kind encoded in an `st_mode`.
    pub fn from_mode(mode: u32) -> Self {
        match mode & 0o170_000 {
            0o100_000 => FileKind::Regular,
            0o040_000 => FileKind::Directory,
            0o120_000 => FileKind::Symlink,
            0o010_000 => FileKind::Fifo,
            0o140_000 => FileKind::Socket,
            0o020_000 => FileKind::CharDevice,
            0o060_000 => FileKind::BlockDevice,
            _ => FileKind::Unknown,
        }
    }

    /// Lower-case name (`regular`, `fifo`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Regular => "regular",
            FileKind::Directory => "directory",
            FileKind::Symlink => "symlink",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::CharDevice => "char_device",
            FileKind::BlockDevice => "block_device",
            FileKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A timestamp as the kernel keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub sec: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
}

/// `lstat`/`fstat` results, copied out of the platform struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Stat {
    /// Object type.
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Hard-link count.
    pub nlink: u64,
    /// Inode number.
    pub ino: u64,
    /// Device of the filesystem holding it.
    pub dev: u64,
    /// Device number, for device nodes.
    pub rdev: u64,
    /// Last access.
    pub atime: Timestamp,
    /// Last content modification.
    pub mtime: Timestamp,
    /// Last status change.
    pub ctime: Timestamp,
}

impl Stat {
    /// Converts a `nix` stat.
    pub fn from_nix(s: &nix::sys::stat::FileStat) -> Self {
        let mode = s.st_mode;
        Stat {
            kind: FileKind::from_mode(mode),
            mode: mode & 0o7777,
            uid: s.st_uid,
            gid: s.st_gid,
            size: u64::try_from(s.st_size).unwrap_or(0),
            blocks: u64::try_from(s.st_blocks).unwrap_or(0),
            nlink: s.st_nlink,
            ino: s.st_ino,
            dev: s.st_dev,
            rdev: s.st_rdev,
            atime: Timestamp {
                sec: s.st_atime,
                nsec: u32::try_from(s.st_atime_nsec).unwrap_or(0),
            },
            mtime: Timestamp {
                sec: s.st_mtime,
                nsec: u32::try_from(s.st_mtime_nsec).unwrap_or(0),
            },
            ctime: Timestamp {
                sec: s.st_ctime,
                nsec: u32::try_from(s.st_ctime_nsec).unwrap_or(0),
            },
        }
    }

    /// Whether the setuid bit is set.
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    /// Whether the setgid bit is set.
    pub fn is_setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }

    /// Whether the sticky bit is set.
    pub fn is_sticky(&self) -> bool {
        self.mode & 0o1000 != 0
    }

    /// Whether others may write.
    pub fn is_world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }

    /// Whether this is the same object (device and inode) as `other`.
    pub fn same_object(&self, other: &Stat) -> bool {
        self.dev == other.dev && self.ino == other.ino && self.kind == other.kind
    }
}

/// Inode flags as `FS_IOC_GETFLAGS` returns them and `lsattr` shows them: immutable (`i`),
/// append-only (`a`), no-dump (`d`), extents (`e`), ... The raw bits are kept whole (a flag this
/// crate has no letter for is still compared and stored).
///
/// ```
/// use ferret_core::InodeFlags;
/// let f = InodeFlags::from_bits(InodeFlags::IMMUTABLE.bits() | 0x8_0000); // i + extents
/// assert!(f.is_immutable() && !f.is_append_only());
/// assert_eq!(f.lsattr(), "----i---------e-------"); // as lsattr 1.47 prints it
/// assert_eq!(f.letters(), "ie");
/// assert_eq!(f.to_string(), "----i---------e-------");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct InodeFlags(u32);

/// The flags `lsattr` (e2fsprogs 1.47, `lib/e2p/pf.c`) prints, in its column order, with
/// their `FS_*_FL` bits (`linux/fs.h`).
const LSATTR: [(u32, char); 22] = [
    (0x0000_0001, 's'), // FS_SECRM_FL: secure deletion
    (0x0000_0002, 'u'), // FS_UNRM_FL: undelete
    (0x0000_0008, 'S'), // FS_SYNC_FL: synchronous updates
    (0x0001_0000, 'D'), // FS_DIRSYNC_FL: synchronous directory updates
    (0x0000_0010, 'i'), // FS_IMMUTABLE_FL
    (0x0000_0020, 'a'), // FS_APPEND_FL
    (0x0000_0040, 'd'), // FS_NODUMP_FL
    (0x0000_0080, 'A'), // FS_NOATIME_FL
    (0x0000_0004, 'c'), // FS_COMPR_FL: compress
    (0x0000_0800, 'E'), // FS_ENCRYPT_FL: encrypted
    (0x0000_4000, 'j'), // FS_JOURNAL_DATA_FL
    (0x0000_1000, 'I'), // FS_INDEX_FL: hashed directory
    (0x0000_8000, 't'), // FS_NOTAIL_FL
    (0x0002_0000, 'T'), // FS_TOPDIR_FL
    (0x0008_0000, 'e'), // FS_EXTENT_FL
    (0x0080_0000, 'C'), // FS_NOCOW_FL
    (0x0200_0000, 'x'), // FS_DAX_FL
    (0x4000_0000, 'F'), // FS_CASEFOLD_FL
    (0x1000_0000, 'N'), // FS_INLINE_DATA_FL
    (0x2000_0000, 'P'), // FS_PROJINHERIT_FL
    (0x0010_0000, 'V'), // FS_VERITY_FL
    (0x0000_0400, 'm'), // FS_NOCOMP_FL: do not compress
];

impl InodeFlags {
    /// `i`: the file cannot be changed, renamed, linked to or removed, not even by root, until
    /// the flag is cleared (`chattr -i`, which needs `CAP_LINUX_IMMUTABLE`).
    pub const IMMUTABLE: InodeFlags = InodeFlags(0x10);
    /// `a`: the file can only be appended to (and not removed or renamed).
    pub const APPEND: InodeFlags = InodeFlags(0x20);

    /// From the raw bits.
    pub const fn from_bits(bits: u32) -> Self {
        InodeFlags(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: InodeFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `i` is set.
    pub const fn is_immutable(self) -> bool {
        self.contains(Self::IMMUTABLE)
    }

    /// Whether `a` is set.
    pub const fn is_append_only(self) -> bool {
        self.contains(Self::APPEND)
    }

    /// The 22 columns `lsattr` prints: a letter per set flag, `-` otherwise.
    pub fn lsattr(self) -> String {
        LSATTR
            .iter()
            .map(|&(bit, c)| if self.0 & bit != 0 { c } else { '-' })
            .collect()
    }

    /// The letters of the set flags only, in `lsattr`'s order (`"ie"`); bits without a letter
    /// are left out (see [`InodeFlags::unnamed`]).
    pub fn letters(self) -> String {
        LSATTR
            .iter()
            .filter(|&&(bit, _)| self.0 & bit != 0)
            .map(|&(_, c)| c)
            .collect()
    }

    /// The set bits `lsattr` has no letter for (kernel-internal flags such as huge-file).
    pub fn unnamed(self) -> u32 {
        self.0 & !LSATTR.iter().fold(0, |acc, &(bit, _)| acc | bit)
    }
}

impl fmt::Display for InodeFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lsattr())
    }
}
