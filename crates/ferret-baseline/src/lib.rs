//! # ferret-baseline
//!
//! File-integrity baselines (AIDE/Tripwire-style) and package-manager verification (dpkg
//! md5sums, in [`pkg`]): scan a tree under a [`ferret_core::HostRoot`], hash files in
//! parallel with SHA-256 and/or BLAKE3, store a sorted, versioned, optionally sealed baseline,
//! and compare a later scan against it (added, removed, changed, moved).
//!
//! ```
//! use ferret_baseline::rules::{Pattern, Rule};
//! use ferret_baseline::{check_root, scan_root, AttrSet, Baseline, CheckOptions, HashKind, ScanOptions, SealKey};
//! use ferret_core::{Control, HostRoot, Severity};
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir_all(t.path().join("etc"))?;
//! std::fs::write(t.path().join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")?;
//! std::fs::create_dir_all(t.path().join("var/log"))?;
//! let root = HostRoot::new(t.path())?;
//!
//! // init: scan and save, sealed with a key.
//! let mut opts = ScanOptions::default();
//! opts.rules.push(Rule::include(Pattern::glob("/var/log")?, AttrSet::log()));
//! opts.hash = HashKind::Both;
//! let key = SealKey::from_bytes(b"0123456789abcdef0123456789abcdef")?;
//! let mut db = Vec::new();
//! scan_root(&root, &opts, &Control::new()).save(&mut db, Some(&key))?;
//!
//! // An attacker adds a user.
//! std::fs::write(t.path().join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nx:x:0:0::/:/bin/sh\n")?;
//!
//! // check: load (verifying the seal), rescan the same way, compare.
//! let old = Baseline::load(&db[..], Some(&key))?;
//! let diff = check_root(&root, &old, &CheckOptions::default(), &Control::new());
//! assert_eq!(diff.changed[0].path, b"/etc/passwd");
//! let outcome = diff.findings();
//! assert_eq!(outcome.findings[0].id, "baseline.changed");
//! assert_eq!(outcome.findings[0].severity, Severity::Critical);
//!
//! // A tampered baseline is refused.
//! let mut bad = db.clone();
//! bad[40] ^= 1;
//! assert!(Baseline::load(&bad[..], Some(&key)).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Entry points
//!
//! | call | does |
//! |---|---|
//! | [`scan_root`]`(&root, &ScanOptions, &Control) -> Baseline` | scans a tree (init) |
//! | [`check_root`]`(&root, &old, &CheckOptions, &Control) -> Comparison` | rescans the tree the way `old` was made and compares |
//! | [`rescan_root`]`(&root, &old, &CheckOptions, &Control) -> Baseline` | the scan half of a check, for callers that keep the new baseline (its [`ScanStats`]) |
//! | [`compare()`]`(&old, &new, &CheckOptions) -> Comparison` | the comparison of two baselines in memory |
//! | [`pkg::verify_root`]`(&root, &VerifyOptions, &Control) -> VerifyReport` | installed files against dpkg's checksums |
//! | [`manifest::export`], [`manifest::import`] | `sha256sum`/`b3sum` manifests |
//!
//! ## Scanning
//!
//! [`ScanOptions`] holds the paths to scan (inside the [`ferret_core::HostRoot`]), selection
//! [`rules`] (include/exclude by byte glob or regex, first match wins, a matching directory
//! covers everything below it), the attributes of paths no rule matches (AIDE-style groups:
//! [`AttrSet::full`], [`AttrSet::log`], [`AttrSet::growing`] or any `+` list of [`Attr`]), the
//! hash choice ([`HashKind`]) and whether to stay on one filesystem (default: yes).
//!
//! The walk is `openat`-relative and `O_NOATIME` on the core's [`ferret_core::fs::DirHandle`]s
//! (the scan's own parallel walk, to spend fewer system calls per file than
//! [`ferret_core::walk`]): symbolic links are recorded with their target and never followed;
//! FIFOs, sockets and device nodes are recorded (type, metadata, `rdev`) and never opened;
//! directories are `lstat`ed before they are opened (one on another filesystem is never
//! opened); regular files are opened through the core's
//! [`DirHandle::open_file_expecting`](ferret_core::fs::DirHandle::open_file_expecting) (the
//! type checked first, by an `lstat`, or on the live system by the directory listing; `openat`
//! with `O_NOFOLLOW|O_NONBLOCK|O_NOATIME` relative to the walk's directory; `fstat` must show a
//! regular file, the same inode when it was `lstat`ed, or nothing is read) and hashed on the
//! rayon pool, each inode once (a further hard link with the same size, mtime and ctime takes
//! the first path's hashes, counted in [`ScanStats::linked`]); files of 4 MiB or more are
//! hashed after the walk, largest first, so both cores stay busy to the end (and with BLAKE3's
//! multi-threaded mode; SHA-256 uses the CPU's SHA extensions, detected at run time by `sha2`
//! 0.10 — its `asm` feature would only replace the portable fallback, so it is not enabled). A
//! file whose size, mtime or ctime moves while it is read is reported as unstable in the errors
//! and recorded without a hash ([`Entry::unverified`]). Every path that could not be read, and
//! every directory on another filesystem that was not descended, is in [`Baseline::errors`].
//!
//! Inode flags ([`Attr::InodeFlags`], AIDE's `e2fsattrs`: what `lsattr` shows) are read with
//! `FS_IOC_GETFLAGS` on the descriptor a regular file is hashed through (or opened for, when
//! its content is not selected) and on a directory's own descriptor; other objects have none.
//! A file system without inode flags records `None`, which is never compared.
//!
//! Paths are bytes (`Vec<u8>`), kept exactly, including invalid UTF-8 and newlines; JSON shows
//! them escaped with [`ferret_core::escape`], reversibly.
//!
//! ## Controls (embedding)
//!
//! Every entry point takes a [`ferret_core::Control`]: cancellation (checked per file and per
//! MiB read; the partial baseline comes back with `complete == false`), progress (files and
//! bytes done; totals known during a check, and the file count during package verification),
//! an I/O budget (`Control::with_io_limit`: every byte read is charged before it is read) and a
//! thread budget (`max_threads`). Memory: about 200 bytes plus the path per entry (a 112k-file
//! `/usr` takes ~30 MB), plus one 1 MiB read buffer per worker thread. The library never prints
//! and never writes anywhere but the writer it is given; [`ScanOptions::ensure_output_outside`]
//! refuses an output path inside a scanned tree.
//!
//! ## On-disk format
//!
//! Versioned, streaming, sorted by path with prefix-compressed paths and varints, ending with a
//! BLAKE3 digest of everything before it — keyed ([`SealKey`], derived from a key file) when
//! sealed. [`Baseline::load`] refuses a sealed baseline without its key, an unsealed one when a
//! key is given, out-of-order entries, truncation, trailing data and any digest mismatch, before
//! returning anything. The format is described in [`format`](mod@format) and `docs/baseline-format.md`.
//! This version writes format 2 (inode flags) and still reads format 1: an older baseline's
//! entries have no inode flags, which a check treats as "not recorded", never as a change.
//!
//! ## Compare
//!
//! [`compare()`] merges two baselines by path: `added`, `removed`, `changed` (the attributes
//! that differ, among those the old entry's rule selects, with old and new values as text) and
//! `moved` (a removed and an added path with the same inode and content). A check is secure by
//! default (every file is re-read); [`CheckMode::Fast`] re-reads only files whose size, mtime,
//! ctime or inode moved, and [`Comparison::fast`] says so.
//!
//! ## Interop
//!
//! [`manifest::export`] writes `sha256sum`/`b3sum` manifests that `sha256sum -c`/`b3sum -c`
//! accept (with their escaping of `\` and newlines); [`manifest::import`] reads them back.
//!
//! ## Findings
//!
//! [`Comparison::findings`] returns a [`ferret_core::Outcome`]:
//!
//! | id | severity | when |
//! |---|---|---|
//! | `baseline.changed` | critical for `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow`, `/etc/ld.so.preload`, `/etc/sudoers(.d)`, any `sshd_config` or `sshd_config.d/*`; high under `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/{bin,sbin}`, `/lib*`, `/usr/lib*`, `/etc`, `/boot`; medium elsewhere | selected attributes of a recorded path differ (detail: `attr: old -> new`) |
//! | `baseline.setuid-added` | critical | a changed file gained a setuid/setgid bit (T1548.001) |
//! | `baseline.immutable-added` | high | a changed file or directory gained the immutable (`i`) or append-only (`a`) inode flag (T1222.002) |
//! | `baseline.added` | critical / high / low by the same classes (critical also for a new setuid file) | a path that was not in the baseline |
//! | `baseline.removed` | high / medium / low | a recorded path is gone |
//! | `baseline.moved` | high / medium / low | same inode and content under a new path |
//! | `baseline.unverified` | medium in system paths, low elsewhere | content could not be re-read (unreadable, changing) |
//!
//! ATT&CK ids by path: account files T1098, `ld.so.preload` T1574.006, sshd config T1556,
//! sudoers T1548.003, cron T1053.003, systemd units T1543.002, binaries T1554, libraries T1574.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
// Merge loops, varint readers and digests use the conventional one-letter names.
#![allow(clippy::many_single_char_names)]

/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod pkg;

pub mod attr;
pub mod compare;
pub mod entry;
pub mod format;
pub mod manifest;
pub mod rules;
pub mod scan;

pub use attr::{Attr, AttrSet};
pub use compare::{compare, AttrChange, Change, CheckMode, CheckOptions, Comparison, Move};
pub use entry::{Baseline, Entry, HashKind, PrefixHash, ScanConfig, ScanStats, Xattrs};
pub use format::SealKey;
pub use manifest::ManifestFormat;
pub use rules::{Action, Pattern, Rule};
pub use scan::{rescan_root, scan_root, ScanOptions};

use std::path::PathBuf;

/// Errors of `ferret-baseline`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// A file was read but could not be parsed.
    #[error("{}:{line}: {message}", ferret_core::escape::escape_path(.path))]
    Parse {
        /// The file, inside the audited root.
        path: PathBuf,
        /// 1-based line number (0 when not line-based).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A selection pattern does not compile.
    #[error("invalid {kind} pattern {}: {message}", ferret_core::escape::escape(.pattern))]
    Pattern {
        /// The pattern as given.
        pattern: Vec<u8>,
        /// `glob` or `regex`.
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A name (hash, attribute, attribute group, manifest format, check mode) that this crate
    /// does not know.
    #[error("unknown {what} {name:?} (expected {expected})")]
    UnknownName {
        /// What kind of name.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names accepted.
        expected: &'static str,
    },
    /// A baseline file is malformed, truncated or of an unknown version.
    #[error("baseline format: {0}")]
    Format(String),
    /// A baseline's seal is missing, unexpected or does not verify.
    #[error("baseline seal: {0}")]
    Seal(String),
}

/// Checks a tree against a baseline: rescans `root` with the baseline's own configuration
/// ([`rescan_root`]: in [`CheckMode::Secure`] every file is re-read, in [`CheckMode::Fast`] only
/// files whose size, mtime, ctime or inode moved) and [`compare()`]s.
pub fn check_root(
    root: &ferret_core::HostRoot,
    old: &Baseline,
    opts: &CheckOptions,
    control: &ferret_core::Control,
) -> Comparison {
    let new = rescan_root(root, old, opts, control);
    compare(old, &new, opts)
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/fuzz_targets/baseline_*.rs`).

    use crate::{Baseline, ManifestFormat, SealKey};

    /// The loader never panics; whatever it accepts saves and loads back identically.
    pub fn load(data: &[u8]) {
        if let Ok(b) = Baseline::load(data, None) {
            let mut out = Vec::new();
            if b.save(&mut out, None).is_ok() {
                let again = Baseline::load(&out[..], None);
                assert!(
                    matches!(again, Ok(ref a) if a.entries == b.entries),
                    "round trip"
                );
            }
        }
        if let Ok(k) = SealKey::from_bytes(b"fuzzing-key-material-0123456789") {
            let _ = Baseline::load(data, Some(&k));
        }
    }

    /// The manifest parsers never panic; what they accept exports back to a line that parses
    /// to the same name and digest.
    pub fn manifest(data: &[u8]) {
        for fmt in [ManifestFormat::Sha256sum, ManifestFormat::B3sum] {
            for line in data.split(|&b| b == b'\n') {
                if let Ok((name, _hash)) = crate::manifest::parse_line(line, fmt) {
                    if let Some((esc, e)) = crate::manifest::escape_name(&name, fmt) {
                        let mut l = if esc { b"\\".to_vec() } else { Vec::new() };
                        l.extend_from_slice(&[b'0'; 64]);
                        l.extend_from_slice(b"  ");
                        l.extend_from_slice(&e);
                        let back = crate::manifest::parse_line(&l, fmt);
                        assert!(
                            matches!(back, Ok((ref n, _)) if *n == name),
                            "manifest round trip"
                        );
                    }
                }
            }
            let b = crate::manifest::import(data, fmt);
            assert!(b
                .entries
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.path < b.path)));
        }
    }

    /// Glob compilation and matching never panic.
    pub fn glob(data: &[u8]) {
        let (pat, input) = match data.iter().position(|&b| b == 0) {
            Some(i) => (
                data.get(..i).unwrap_or(&[]),
                data.get(i + 1..).unwrap_or(&[]),
            ),
            None => (data, data),
        };
        if let Ok(g) = crate::rules::Glob::new(pat) {
            let _ = g.is_match(input);
        }
    }
}
