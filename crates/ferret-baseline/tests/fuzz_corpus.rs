//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn baseline_load() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "baseline_load",
        5,
        ferret_baseline::fuzzing::load,
    )
    .unwrap();
}

#[test]
fn baseline_manifest() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "baseline_manifest",
        5,
        ferret_baseline::fuzzing::manifest,
    )
    .unwrap();
}

#[test]
fn baseline_glob() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "baseline_glob",
        5,
        ferret_baseline::fuzzing::glob,
    )
    .unwrap();
}
