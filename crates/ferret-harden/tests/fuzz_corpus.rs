//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn harden_sshd_config() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "harden_sshd_config",
        1,
        ferret_harden::fuzzing::sshd_config,
    )
    .unwrap();
}

#[test]
fn harden_sysctl() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "harden_sysctl",
        1,
        ferret_harden::fuzzing::sysctl,
    )
    .unwrap();
}

#[test]
fn harden_authorized_keys() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "harden_authorized_keys",
        1,
        ferret_harden::fuzzing::authorized_keys,
    )
    .unwrap();
}

#[test]
fn harden_crontab() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "harden_crontab",
        1,
        ferret_harden::fuzzing::crontab,
    )
    .unwrap();
}
