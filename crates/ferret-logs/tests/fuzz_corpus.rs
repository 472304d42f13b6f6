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
fn logs_audit() {
    ferret_testkit::fuzz::replay("logs_audit", 3, ferret_logs::fuzzing::audit);
}

#[test]
fn logs_journal() {
    ferret_testkit::fuzz::replay("logs_journal", 9, ferret_logs::fuzzing::journal);
}

#[test]
fn logins_utmp() {
    ferret_testkit::fuzz::replay("logins_utmp", 8, ferret_logs::fuzzing::logins_utmp);
}

#[test]
fn logins_lastlog() {
    ferret_testkit::fuzz::replay("logins_lastlog", 3, ferret_logs::fuzzing::logins_lastlog);
}

#[test]
fn logins_db() {
    ferret_testkit::fuzz::replay("logins_db", 3, ferret_logs::fuzzing::logins_db);
}

#[test]
fn logs_history_bash() {
    ferret_testkit::fuzz::replay("logs_history_bash", 3, ferret_logs::fuzzing::history_bash);
}

#[test]
fn logs_history_zsh() {
    ferret_testkit::fuzz::replay("logs_history_zsh", 2, ferret_logs::fuzzing::history_zsh);
}

#[test]
fn logs_history_fish() {
    ferret_testkit::fuzz::replay("logs_history_fish", 1, ferret_logs::fuzzing::history_fish);
}

#[test]
fn logs_history_sh() {
    ferret_testkit::fuzz::replay("logs_history_sh", 3, ferret_logs::fuzzing::history_sh);
}

#[test]
fn logs_history_libedit() {
    ferret_testkit::fuzz::replay(
        "logs_history_libedit",
        2,
        ferret_logs::fuzzing::history_libedit,
    );
}
