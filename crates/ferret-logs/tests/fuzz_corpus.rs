//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn logs_envelope() {
    ferret_testkit::fuzz::replay("logs_envelope", 1, ferret_logs::fuzzing::envelope);
}

#[test]
fn logs_message() {
    ferret_testkit::fuzz::replay("logs_message", 1, ferret_logs::fuzzing::message);
}

#[test]
fn logs_analyze() {
    ferret_testkit::fuzz::replay("logs_analyze", 1, ferret_logs::fuzzing::analyze);
}

#[test]
fn logs_analyze_parallel() {
    ferret_testkit::fuzz::replay(
        "logs_analyze_parallel",
        1,
        ferret_logs::fuzzing::analyze_parallel,
    );
}

#[test]
fn logs_journal() {
    ferret_testkit::fuzz::replay("logs_journal", 9, ferret_logs::fuzzing::journal);
}
