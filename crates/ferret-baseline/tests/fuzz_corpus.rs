//! Replays the committed fuzz corpus of this crate's baseline targets (see `fuzz/`).
#![allow(clippy::panic)]
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn replay(target: &str, f: fn(&[u8])) {
    let n = ferret_core::fuzzing::replay(workspace(), target, f)
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    assert!(n >= 5, "{target}: only {n} corpus files");
}

#[test]
fn baseline_load() {
    replay("baseline_load", ferret_baseline::fuzzing::load);
}

#[test]
fn baseline_manifest() {
    replay("baseline_manifest", ferret_baseline::fuzzing::manifest);
}

#[test]
fn baseline_glob() {
    replay("baseline_glob", ferret_baseline::fuzzing::glob);
}
