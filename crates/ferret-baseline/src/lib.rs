//! # ferret-baseline
//!
//! File-integrity baselines (AIDE/Tripwire-style) and package-manager verification (dpkg md5sums, rpm): scan a tree under a [`ferret_core::HostRoot`], hash files in parallel with SHA-256 and/or BLAKE3, store a sorted, versioned, optionally sealed baseline, and compare a later scan against it (added, removed, changed, moved).
//!
//! This crate is being filled by its own issue; today it holds its error type.
//!
//! ```
//! let e = ferret_baseline::Error::Core(ferret_core::Error::Cancelled);
//! assert_eq!(e.to_string(), "cancelled");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod pkg;

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
}
