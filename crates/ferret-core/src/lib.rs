//! # ferret-core
//!
//! The small shared vocabulary of the ferret forensics crates:
//!
//! - [`Finding`], [`Severity`], [`Evidence`], [`ErrorRecord`]: what every check reports, in one
//!   shape (id, severity, title, subject, evidence `file:line`, ATT&CK ids);
//! - [`HostRoot`]: the audited system's root, live `/` or a mounted image, resolving paths like
//!   `chroot` would (never escaping through `..` or an absolute symlink);
//! - [`fs`]: forensically sound opens (`O_NOFOLLOW|O_NONBLOCK|O_NOATIME`, type checked first,
//!   re-`fstat` after open) and directory listing through `O_NOATIME` descriptors;
//! - [`walk`](mod@walk): `openat`-relative tree walks, sequential or parallel;
//! - [`escape`]: reversible escaping of untrusted bytes for display;
//! - [`control`]: cancellation, progress and I/O budgets for long operations.
//!
//! ```
//! use ferret_core::{HostRoot, Finding, Severity, Evidence};
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir(t.path().join("etc"))?;
//! std::fs::write(t.path().join("etc/ld.so.preload"), "/tmp/.x/libhide.so\n")?;
//! let root = HostRoot::new(t.path())?;
//! let preload = root.read("/etc/ld.so.preload")?;
//! let f = Finding::new("example.preload", Severity::Critical, "ld.so.preload is not empty", b"/etc/ld.so.preload")
//!     .with_evidence(Evidence::line("/etc/ld.so.preload", 1).with_excerpt(&preload[..preload.len() - 1]))
//!     .with_attack("T1574.006");
//! assert_eq!(f.to_string(),
//!     "[critical] example.preload: ld.so.preload is not empty (/etc/ld.so.preload) @ /etc/ld.so.preload:1 [T1574.006]");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod civil;
pub mod control;
pub mod error;
pub mod escape;
pub mod finding;
pub mod fs;
pub mod root;
pub mod stat;
pub mod walk;

pub use control::{CancelToken, Control, Progress};
pub use error::{Error, Result};
pub use finding::{ErrorRecord, Evidence, Finding, Outcome, Severity};
pub use fs::{DirEntry, DirHandle, OpenOptions, SafeFile};
pub use root::{ensure_outside, HostRoot};
pub use stat::{FileKind, Stat, Timestamp};

#[doc(hidden)]
pub mod fuzzing {
    //! Helpers shared by the fuzz targets and their stable corpus replay tests.

    use std::path::{Path, PathBuf};

    /// The committed seed corpus folder of fuzz target `target`.
    pub fn corpus_dir(workspace: &Path, target: &str) -> PathBuf {
        workspace.join("fuzz").join("corpus").join(target)
    }

    /// Runs `f` on every file of the corpus of `target` and returns how many ran.
    /// `crate_dir` is the calling crate's `CARGO_MANIFEST_DIR` (the workspace is two levels
    /// up). A missing corpus, or one with fewer than `min` files, is an error, so the replay
    /// test fails instead of passing empty.
    pub fn replay(
        crate_dir: &str,
        target: &str,
        min: usize,
        f: fn(&[u8]),
    ) -> Result<usize, String> {
        let dir = corpus_dir(&Path::new(crate_dir).join("../.."), target);
        let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut n = 0;
        for ent in rd {
            let ent = ent.map_err(|e| format!("{}: {e}", dir.display()))?;
            let data =
                std::fs::read(ent.path()).map_err(|e| format!("{}: {e}", ent.path().display()))?;
            f(&data);
            n += 1;
        }
        if n < min.max(1) {
            return Err(format!("{}: only {n} corpus files", dir.display()));
        }
        Ok(n)
    }

    /// Core's own fuzz entry point: escaping must round-trip any bytes.
    pub fn escape(data: &[u8]) {
        let e = crate::escape::escape(data);
        let back = crate::escape::unescape(&e);
        assert_eq!(back.as_deref(), Ok(data), "escape round trip");
    }

    /// Lexical root-joining must never escape.
    pub fn root_join(data: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(data));
        let inner = crate::HostRoot::inner(p);
        assert!(inner.is_absolute());
        assert!(!inner
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir)));
    }
}
