//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn core_escape() {
    ferret_testkit::fuzz::replay("core_escape", 1, ferret_core::fuzzing::escape);
}

#[test]
fn core_root_join() {
    ferret_testkit::fuzz::replay("core_root_join", 1, ferret_core::fuzzing::root_join);
}

#[test]
fn core_command() {
    ferret_testkit::fuzz::replay("core_command", 20, ferret_core::fuzzing::command);
}

#[test]
fn core_caps() {
    ferret_testkit::fuzz::replay("core_caps", 10, ferret_core::fuzzing::caps);
}

#[test]
fn core_rdb() {
    ferret_testkit::fuzz::replay("core_rdb", 6, ferret_core::fuzzing::rdb);
}
