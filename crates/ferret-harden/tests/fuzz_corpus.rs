//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).
#![allow(clippy::unwrap_used)]
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn harden_sshd_config() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "harden_sshd_config",
        ferret_harden::fuzzing::sshd_config,
    )
    .unwrap();
    assert!(n > 0);
}

#[test]
fn harden_sysctl() {
    let n =
        ferret_core::fuzzing::replay(workspace(), "harden_sysctl", ferret_harden::fuzzing::sysctl)
            .unwrap();
    assert!(n > 0);
}

#[test]
fn harden_authorized_keys() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "harden_authorized_keys",
        ferret_harden::fuzzing::authorized_keys,
    )
    .unwrap();
    assert!(n > 0);
}

#[test]
fn harden_crontab() {
    let n = ferret_core::fuzzing::replay(
        workspace(),
        "harden_crontab",
        ferret_harden::fuzzing::crontab,
    )
    .unwrap();
    assert!(n > 0);
}
