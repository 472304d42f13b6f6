//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn baseline_pkg_md5sums() {
    ferret_testkit::fuzz::replay(
        "baseline_pkg_md5sums",
        1,
        ferret_baseline::pkg::fuzzing::md5sums,
    );
}

#[test]
fn baseline_pkg_status() {
    ferret_testkit::fuzz::replay(
        "baseline_pkg_status",
        1,
        ferret_baseline::pkg::fuzzing::status,
    );
}
