//! Replays the committed fuzz corpus of this crate's target (see `fuzz/`).

#[test]
fn sqlite_read() {
    ferret_testkit::fuzz::replay("sqlite_read", 4, ferret_sqlite::fuzzing::read);
}
