//! # ferret-logs
//!
//! Streaming parsers for auth, syslog and firewall logs in every common envelope (RFC 3164, RFC 3339, RFC 5424, journalctl), typed events (sshd, sudo, su, useradd, netfilter, kernel), detections (brute force, spraying, login after failures, port scans) and a timeline of the attack window.
//!
//! This crate is being filled by its own issue; today it holds its error type.
//!
//! ```
//! let e = ferret_logs::Error::Core(ferret_core::Error::Cancelled);
//! assert_eq!(e.to_string(), "cancelled");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

/// Errors of `ferret-logs`.
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
