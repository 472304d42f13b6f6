//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn replay(target: &str, f: fn(&[u8])) {
    let n = ferret_core::fuzzing::replay(workspace(), target, f);
    assert!(matches!(n, Ok(k) if k > 0), "{target}: {n:?}");
}

#[test]
fn logs_envelope() {
    replay("logs_envelope", ferret_logs::fuzzing::envelope);
}

#[test]
fn logs_message() {
    replay("logs_message", ferret_logs::fuzzing::message);
}

#[test]
fn logs_analyze() {
    replay("logs_analyze", ferret_logs::fuzzing::analyze);
}
