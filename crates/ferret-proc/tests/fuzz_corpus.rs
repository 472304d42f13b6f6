//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).
#![allow(clippy::unwrap_used)]
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn replay(target: &str, f: fn(&[u8])) {
    let n = ferret_core::fuzzing::replay(workspace(), target, f).unwrap();
    assert!(n > 0);
}

#[test]
fn proc_stat() {
    replay("proc_stat", ferret_proc::fuzzing::stat);
}

#[test]
fn proc_status() {
    replay("proc_status", ferret_proc::fuzzing::status);
}

#[test]
fn proc_net_inet() {
    replay("proc_net_inet", ferret_proc::fuzzing::net_inet);
}

#[test]
fn proc_net_unix() {
    replay("proc_net_unix", ferret_proc::fuzzing::net_unix);
}

#[test]
fn proc_modules() {
    replay("proc_modules", ferret_proc::fuzzing::modules);
}

#[test]
fn proc_cmdline() {
    replay("proc_cmdline", ferret_proc::fuzzing::cmdline);
}

#[test]
fn proc_sock_diag() {
    replay("proc_sock_diag", ferret_proc::fuzzing::sock_diag);
}
