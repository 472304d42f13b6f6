//! Integration tests of ferret-logs: ground truth from fail2ban, sshguard and elastic-beats
//! (through `FERRET_TESTDATA`), the pipeline, and property tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // fixtures are built with `format!` and short names
    clippy::format_push_string,
    clippy::many_single_char_names,
    clippy::too_many_lines
)]

mod audit;
mod campaign;
mod counting;
mod detector;
mod elastic;
mod events;
mod fail2ban;
mod golden;
mod hostile;
mod overflow;
mod parallel;
mod pipeline;
mod privilege;
mod props;
mod repeat;
mod sshguard;
mod templates;
mod zones;
