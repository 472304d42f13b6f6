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
//! - [`control`]: cancellation, progress, I/O and time budgets for long operations (a default
//!   time budget on every [`Control`]);
//! - [`escaped`] (feature `serde`): byte fields as escaped JSON strings, exactly reversible;
//! - [`hex`]: the one hex encoder and decoder;
//! - [`groups`]: the privileged groups, one documented list;
//! - [`command`]: what a shell command does (download and execute, reverse shell, log wiping,
//!   agent removal, ...), the one classifier for histories, sudo logs, cron and scripts.
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
//!
//! ## One shape for every crate's API
//!
//! Every ferret crate follows these conventions, so that learning one teaches the others:
//!
//! - **Entry points on a host end in `_root`** and take the root, the options and the controls,
//!   in that order: `audit_root(&HostRoot, &AuditOptions, &Control)`,
//!   `analyze_root`, `verify_root`, `scan_root`. The same work on data already in memory
//!   (bytes, a parsed snapshot, a reader) has the same verb without the suffix:
//!   `audit(&accounts, &opts, &control)`. The root is passed once, never also inside the options.
//! - **Every long operation takes `&Control`** ([`Control`]: cancellation, progress, an I/O
//!   budget, a thread budget, a time budget). A cancelled operation returns promptly with what
//!   it has, and says so in its errors. **Every `Control` has a time budget by default**:
//!   `Control::new()` and `Default` stop the work [`control::DEFAULT_TIME_BUDGET`] (10 minutes)
//!   after the `Control` was made, as if cancelled, so a hostile host cannot hang an unattended
//!   run; what was cut short is reported as for a cancellation. The opt-out is explicit:
//!   [`Control::unbounded`] (or `.without_deadline()`), for callers that bound the work
//!   themselves and for benchmarks. Command lines expose it as one `--budget SECONDS` flag
//!   (default 600, 0: no limit).
//! - **Options are plain structs with public fields**, `#[non_exhaustive]`, built from
//!   `Default` and set field by field (`let mut o = AuditOptions::default(); o.check_home =
//!   false;`). No builder types, no bare `bool` arguments: a choice is a field or an enum.
//! - **Module or check selection is typed**: an enum per crate with `FromStr` and `as_str` for
//!   command lines (`"sshd".parse::<harden::Check>()`), never a list of strings.
//! - **Results are partial, not all-or-nothing**: findings and [`ErrorRecord`]s side by side
//!   ([`Outcome`], or a crate's report type that holds both). One unreadable file is an error
//!   about that file, never an empty input to a check.
//! - **Errors**: one `thiserror` enum per crate, `#[non_exhaustive]`, each variant naming the
//!   path (and line) it is about; no `Result<_, String>` in a public signature.
//! - **Bytes stay bytes**: names, paths and log fields are `Vec<u8>`/`&[u8]`/`PathBuf`, serialised
//!   through [`escaped`], escaped once at output.
//! - **Each crate re-exports this one** as `<crate>::core` (`ferret_accounts::core::HostRoot`),
//!   so a user of one crate never adds a second, possibly skewed, `ferret-core`.
//! - **Test support is not library code**: fixtures, generators and corpus replay live in the
//!   unpublished `ferret-testkit` crate; the only `#[doc(hidden)]` public items are the fuzz entry
//!   points (`<crate>::fuzzing`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod caps;
pub mod civil;
pub mod command;
pub mod control;
pub mod error;
pub mod escape;
#[cfg(feature = "serde")]
pub mod escaped;
pub mod finding;
pub mod fs;
pub mod groups;
pub mod hex;
pub mod rdb;
pub mod root;
pub mod stat;
pub mod walk;

pub use control::{CancelToken, Control, Progress};
pub use error::{Error, Result};
pub use finding::{ErrorRecord, Evidence, Finding, Outcome, Reason, Severity};
pub use fs::{DirEntry, DirHandle, OpenOptions, SafeFile};
pub use root::{ensure_outside, HostRoot};
pub use stat::{FileKind, FileTimes, InodeFlags, Stat, Timestamp};

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (one-liners in `fuzz/fuzz_targets/`, replayed by `tests/fuzz_corpus.rs`).

    /// Escaping must round-trip any bytes.
    pub fn escape(data: &[u8]) {
        let e = crate::escape::escape(data);
        let back = crate::escape::unescape(&e);
        assert_eq!(back.as_deref(), Ok(data), "escape round trip");
    }

    /// The command classifier must not panic, must be deterministic, and must give the same
    /// answer with and without its prefilter.
    pub fn command(data: &[u8]) {
        let k = crate::command::classify(data);
        assert_eq!(k, crate::command::classify(data));
    }

    /// A `security.capability` value or a capability text that decodes must be written back
    /// as text that reads as the same sets.
    pub fn caps(data: &[u8]) {
        use crate::caps::{from_text, from_xattr};
        if let Some(s) = from_xattr(data) {
            assert_eq!(
                from_text(s.to_text().as_bytes()),
                Some(s),
                "attribute to text"
            );
        }
        if let Some(s) = from_text(data) {
            assert_eq!(from_text(s.to_text().as_bytes()), Some(s), "text to text");
        }
    }

    /// The RDB walker must never panic, and what it returns is bounded by the input (LZF
    /// output by [`crate::rdb::MAX_STRING`] per value).
    pub fn rdb(data: &[u8]) {
        let s = crate::rdb::strings(data);
        assert!(s.values.len() <= data.len());
        assert!(s.values.iter().all(|v| v.len() <= crate::rdb::MAX_STRING));
        assert!(s.version == 0 || crate::rdb::is_rdb(data));
    }

    /// Lexical root-joining must never escape.
    pub fn root_join(data: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let p = std::path::Path::new(std::ffi::OsStr::from_bytes(data));
        let inner = crate::HostRoot::inner(p);
        assert!(inner.is_absolute());
        assert!(!inner
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir)));
    }
}
