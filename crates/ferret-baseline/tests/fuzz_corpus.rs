//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn baseline_load() {
    ferret_testkit::fuzz::replay("baseline_load", 5, ferret_baseline::fuzzing::load);
}

#[test]
fn baseline_manifest() {
    ferret_testkit::fuzz::replay("baseline_manifest", 5, ferret_baseline::fuzzing::manifest);
}

#[test]
fn baseline_glob() {
    ferret_testkit::fuzz::replay("baseline_glob", 5, ferret_baseline::fuzzing::glob);
}
