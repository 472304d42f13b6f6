//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn proc_stat() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_stat",
        1,
        ferret_proc::fuzzing::stat,
    )
    .unwrap();
}

#[test]
fn proc_status() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_status",
        1,
        ferret_proc::fuzzing::status,
    )
    .unwrap();
}

#[test]
fn proc_net_inet() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_net_inet",
        1,
        ferret_proc::fuzzing::net_inet,
    )
    .unwrap();
}

#[test]
fn proc_net_unix() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_net_unix",
        1,
        ferret_proc::fuzzing::net_unix,
    )
    .unwrap();
}

#[test]
fn proc_modules() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_modules",
        1,
        ferret_proc::fuzzing::modules,
    )
    .unwrap();
}

#[test]
fn proc_cmdline() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_cmdline",
        1,
        ferret_proc::fuzzing::cmdline,
    )
    .unwrap();
}

#[test]
fn proc_sock_diag() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "proc_sock_diag",
        1,
        ferret_proc::fuzzing::sock_diag,
    )
    .unwrap();
}
