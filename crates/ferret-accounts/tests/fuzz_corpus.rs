//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn accounts_passwd() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_passwd",
        1,
        ferret_accounts::fuzzing::passwd,
    )
    .unwrap();
}

#[test]
fn accounts_shadow() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_shadow",
        1,
        ferret_accounts::fuzzing::shadow,
    )
    .unwrap();
}

#[test]
fn accounts_group() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_group",
        1,
        ferret_accounts::fuzzing::group,
    )
    .unwrap();
}

#[test]
fn accounts_gshadow() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_gshadow",
        1,
        ferret_accounts::fuzzing::gshadow,
    )
    .unwrap();
}

#[test]
fn accounts_login_defs() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_login_defs",
        1,
        ferret_accounts::fuzzing::login_defs,
    )
    .unwrap();
}

#[test]
fn accounts_password() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_password",
        1,
        ferret_accounts::fuzzing::password,
    )
    .unwrap();
}

#[test]
fn accounts_diff() {
    ferret_core::fuzzing::replay(
        env!("CARGO_MANIFEST_DIR"),
        "accounts_diff",
        1,
        ferret_accounts::fuzzing::diff,
    )
    .unwrap();
}
