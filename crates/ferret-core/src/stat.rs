//! File metadata as plain data.

use std::fmt;

/// The type of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
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
    #[default]
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

/// The four times of a file, as `statx` gives them: birth time only where the filesystem
/// records it (ext4, xfs, btrfs, tmpfs on recent kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FileTimes {
    /// Last access.
    pub atime: Timestamp,
    /// Last content modification.
    pub mtime: Timestamp,
    /// Last status change.
    pub ctime: Timestamp,
    /// Creation (birth), when the filesystem keeps it.
    pub btime: Option<Timestamp>,
    /// The file's kind.
    pub kind: FileKind,
    /// Permission bits including setuid/setgid/sticky.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Inode number.
    pub ino: u64,
}
