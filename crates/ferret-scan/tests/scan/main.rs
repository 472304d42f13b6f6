//! ferret-scan's integration tests: fixture roots with planted compromises and a clean
//! control tree, hostile inputs, and (feature `yara`) parity with the `yara` CLI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::many_single_char_names
)]

mod common;
mod fixtures;
mod hostile;
mod rpm;
mod webshell;
#[cfg(feature = "yara")]
mod yara;
