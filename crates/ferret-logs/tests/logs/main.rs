//! Integration tests of ferret-logs: ground truth from fail2ban, sshguard and elastic-beats
//! (through `FERRET_TESTDATA`), the pipeline, and property tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod elastic;
mod fail2ban;
mod pipeline;
mod props;
mod sshguard;
