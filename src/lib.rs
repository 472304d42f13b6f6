//! # ferret
//!
//! Linux host forensics and incident response as a library: the facade over the ferret crates.
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`core`] | `ferret-core` | findings, severities, root-confined sound file access, walks, escaping |
//! | `baseline` | `ferret-baseline` | file-integrity baselines, package-manager verification |
//! | `accounts` | `ferret-accounts` | passwd/shadow/group/gshadow parse, audit, diff |
//! | `proc` | `ferret-proc` | processes, sockets, kernel modules, hidden objects |
//! | `logs` | `ferret-logs` | auth/syslog/firewall logs into events, detections, timelines |
//! | `harden` | `ferret-harden` | sshd, sysctl, filesystem, persistence, service checks, exposed services (Redis, Docker, PostgreSQL) |
//! | `scan` | `ferret-scan` | what was dropped on disk: drop locations and hidden directories by content |
//!
//! Each member is behind a default-on feature of the same name; library users who want one
//! part should start from `default-features = false`. The non-default `cli` feature adds the
//! `cli` module, the command-line layer of the examples (argument parsing, help, exit status,
//! progress bars): the one part of this crate that writes to stdout and stderr.
//!
//! ```
//! use ferret::core::{Finding, Severity};
//! let f = Finding::new("demo.check", Severity::High, "something to look at", b"/etc/passwd");
//! assert!(f.severity >= Severity::Medium);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub use ferret_core as core;

#[cfg(feature = "accounts")]
pub use ferret_accounts as accounts;
#[cfg(feature = "baseline")]
pub use ferret_baseline as baseline;
#[cfg(feature = "harden")]
pub use ferret_harden as harden;
#[cfg(feature = "logs")]
pub use ferret_logs as logs;
#[cfg(feature = "proc")]
pub use ferret_proc as proc;
#[cfg(feature = "scan")]
pub use ferret_scan as scan;

#[cfg(feature = "cli")]
pub mod cli;
pub mod group;
pub mod host;
mod modules;
#[cfg(feature = "serde")]
pub mod ocsf;
pub mod render;
pub mod report;
mod time;
pub mod timeline;
pub mod triage;

pub use report::Report;
pub use triage::{triage_root, TriageModule, TriageOptions, DEFAULT_TIME_BUDGET};

/// The README's Rust snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
