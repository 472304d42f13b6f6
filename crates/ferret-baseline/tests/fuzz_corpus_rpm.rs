//! Replays the committed fuzz corpora of the rpm database targets (see `fuzz/`).

use ferret_baseline::pkg::rpm::fuzzing;

#[test]
fn baseline_rpm_header() {
    ferret_testkit::fuzz::replay("baseline_rpm_header", 3, fuzzing::header);
}

#[test]
fn baseline_rpm_bdb() {
    ferret_testkit::fuzz::replay("baseline_rpm_bdb", 3, fuzzing::bdb);
}

#[test]
fn baseline_rpm_ndb() {
    ferret_testkit::fuzz::replay("baseline_rpm_ndb", 2, fuzzing::ndb);
}

#[test]
fn baseline_rpm_db() {
    ferret_testkit::fuzz::replay("baseline_rpm_db", 3, fuzzing::db);
}
