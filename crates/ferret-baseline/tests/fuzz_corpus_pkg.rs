//! Replays the committed fuzz corpus of the `pkg` module's targets (see `fuzz/`).
#![allow(clippy::unwrap_used)]
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn baseline_pkg_md5sums() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "baseline_pkg_md5sums",
        ferret_baseline::pkg::fuzzing::md5sums,
    )
    .unwrap();
    assert!(n > 0);
}

#[test]
fn baseline_pkg_status() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "baseline_pkg_status",
        ferret_baseline::pkg::fuzzing::status,
    )
    .unwrap();
    assert!(n > 0);
}
