//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn logs_envelope() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "logs_envelope",
        1,
        ferret_logs::fuzzing::envelope,
    )
    .unwrap();
}

#[test]
fn logs_message() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "logs_message",
        1,
        ferret_logs::fuzzing::message,
    )
    .unwrap();
}

#[test]
fn logs_analyze() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "logs_analyze",
        1,
        ferret_logs::fuzzing::analyze,
    )
    .unwrap();
}

#[test]
fn logs_journal() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "logs_journal",
        9,
        ferret_logs::fuzzing::journal,
    )
    .unwrap();
}
