//! # ferret-harden
//!
//! Hardening and persistence checks that resolve configuration the way the daemons do: an exact sshd_config parser and `Match` resolver, sysctl precedence and runtime drift, SUID/SGID and world-writable inventory, cron/systemd/authorized_keys/ld.so.preload persistence, and legacy remote services.
//!
//! This crate is being filled by its own issue; today it holds its error type.
//!
//! ```
//! let e = ferret_harden::Error::Core(ferret_core::Error::Cancelled);
//! assert_eq!(e.to_string(), "cancelled");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

/// Errors of `ferret-harden`.
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
