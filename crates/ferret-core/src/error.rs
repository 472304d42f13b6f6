//! The error type of `ferret-core`'s file access.

use crate::escape::escape_path;
use crate::stat::FileKind;
use std::path::{Path, PathBuf};

/// Why a file or directory could not be read soundly. Every variant carries the path (as seen
/// inside the audited root) so that callers can report it beside their partial results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system error.
    #[error("{}: {source}", escape_path(.path))]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The path names something other than what was asked for (a FIFO, a device, a directory
    /// where a file was expected); it was not opened.
    #[error("{}: is a {kind}, not a {expected}; not opened", escape_path(.path))]
    WrongKind {
        /// The path concerned.
        path: PathBuf,
        /// What it is.
        kind: FileKind,
        /// What was expected.
        expected: FileKind,
    },
    /// The path is a symbolic link and links are not followed here.
    #[error("{}: is a symbolic link; not followed", escape_path(.path))]
    Symlink {
        /// The path concerned.
        path: PathBuf,
    },
    /// Resolving the path met too many symbolic links.
    #[error("{}: too many levels of symbolic links", escape_path(.path))]
    SymlinkLoop {
        /// The path concerned.
        path: PathBuf,
    },
    /// The object found by `lstat` is not the one `open` returned: it was swapped in between.
    #[error("{}: changed between lstat and open (swapped?); not read", escape_path(.path))]
    Swapped {
        /// The path concerned.
        path: PathBuf,
    },
    /// The file is larger than the caller's cap.
    #[error("{}: larger than the {limit}-byte cap; not read", escape_path(.path))]
    TooLarge {
        /// The path concerned.
        path: PathBuf,
        /// The cap in bytes.
        limit: u64,
    },
    /// The file changed while it was read (size or mtime moved).
    #[error("{}: changed while it was read", escape_path(.path))]
    Unstable {
        /// The path concerned.
        path: PathBuf,
    },
    /// An output path lies inside the root being audited; ferret never writes there.
    #[error("{}: output path lies inside the audited root {}; refusing to write", escape_path(.path), escape_path(.root))]
    OutputInsideRoot {
        /// The output path.
        path: PathBuf,
        /// The audited root.
        root: PathBuf,
    },
    /// The operation was cancelled through a [`crate::control::CancelToken`].
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// Builds an [`Error::Io`] from a `nix` errno.
    pub fn from_errno(path: impl Into<PathBuf>, errno: nix::errno::Errno) -> Self {
        Error::Io {
            path: path.into(),
            source: std::io::Error::from(errno),
        }
    }

    /// Builds an [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The path the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. }
            | Error::WrongKind { path, .. }
            | Error::Symlink { path }
            | Error::SymlinkLoop { path }
            | Error::Swapped { path }
            | Error::TooLarge { path, .. }
            | Error::Unstable { path }
            | Error::OutputInsideRoot { path, .. } => Some(path),
            Error::Cancelled => None,
        }
    }

    /// The message without the path prefix.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        match self.path() {
            Some(p) => {
                let prefix = format!("{}: ", escape_path(p));
                full.strip_prefix(&prefix)
                    .map_or(full.clone(), str::to_owned)
            }
            None => full,
        }
    }

    /// Whether the error is "no such file or directory" (a file that simply is not there).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// Whether the error is a permission refusal.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied)
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
