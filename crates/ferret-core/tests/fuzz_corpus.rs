//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn core_escape() {
    let n = ferret_core::fuzzing::replay(workspace(), "core_escape", ferret_core::fuzzing::escape)
        .unwrap();
    assert!(n > 0);
}

#[test]
fn core_root_join() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "core_root_join",
        ferret_core::fuzzing::root_join,
    )
    .unwrap();
    assert!(n > 0);
}
