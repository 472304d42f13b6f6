//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn proc_stat() {
    ferret_testkit::fuzz::replay("proc_stat", 1, ferret_proc::fuzzing::stat);
}

#[test]
fn proc_status() {
    ferret_testkit::fuzz::replay("proc_status", 1, ferret_proc::fuzzing::status);
}

#[test]
fn proc_net_inet() {
    ferret_testkit::fuzz::replay("proc_net_inet", 1, ferret_proc::fuzzing::net_inet);
}

#[test]
fn proc_net_unix() {
    ferret_testkit::fuzz::replay("proc_net_unix", 1, ferret_proc::fuzzing::net_unix);
}

#[test]
fn proc_modules() {
    ferret_testkit::fuzz::replay("proc_modules", 1, ferret_proc::fuzzing::modules);
}

#[test]
fn proc_cmdline() {
    ferret_testkit::fuzz::replay("proc_cmdline", 1, ferret_proc::fuzzing::cmdline);
}

#[test]
fn proc_sock_diag() {
    ferret_testkit::fuzz::replay("proc_sock_diag", 1, ferret_proc::fuzzing::sock_diag);
}
