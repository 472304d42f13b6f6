//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn core_escape() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "core_escape",
        1,
        ferret_core::fuzzing::escape,
    )
    .unwrap();
}

#[test]
fn core_root_join() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "core_root_join",
        1,
        ferret_core::fuzzing::root_join,
    )
    .unwrap();
}
