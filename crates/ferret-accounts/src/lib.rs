//! # ferret-accounts
//!
//! Parsers, audit and diff for `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow` and `/etc/login.defs`, read straight from the files under a [`ferret_core::HostRoot`] (no NSS), with pwck/grpck-parity syntax checks and findings such as a second UID 0 account or an empty password. Password hashes never leave this crate: only their classification does.
//!
//! This crate is being filled by its own issue; today it holds its error type.
//!
//! ```
//! let e = ferret_accounts::Error::Core(ferret_core::Error::Cancelled);
//! assert_eq!(e.to_string(), "cancelled");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;

/// Errors of `ferret-accounts`.
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
